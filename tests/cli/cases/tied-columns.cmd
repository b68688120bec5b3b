printf "Activity,ACTIVITY,case,time\na,b,1,2024-01-01\n" > $TMP/x.csv; jmine variants --format csv $TMP/x.csv; jmine variants --format csv --activity ACTIVITY $TMP/x.csv
