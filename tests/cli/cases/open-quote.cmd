printf "case_id,activity,timestamp\n1,a,2024-01-01\n2,\"b\n3,c,2024-01-02\n" > $TMP/q.csv; jmine report $TMP/q.csv
