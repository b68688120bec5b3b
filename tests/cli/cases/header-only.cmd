printf "case_id,activity,timestamp\r\n" > $TMP/h.csv; jmine report --format json $TMP/h.csv
