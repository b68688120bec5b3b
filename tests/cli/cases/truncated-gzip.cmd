head -c 5000 sample-logs/contacts.csv.gz > $TMP/t.csv.gz; jmine report -o $TMP/out.txt $TMP/t.csv.gz; echo "exit $?"; ls $TMP
