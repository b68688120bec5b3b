printf "id,activity,timestamp\n1,a,2024-01-01\n" > $TMP/x.csv; jmine report $TMP/x.csv
