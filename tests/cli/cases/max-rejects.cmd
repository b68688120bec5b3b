jmine report --max-rejects 3 -o $TMP/out.txt sample-logs/contacts-shuffled-bad.csv; echo "exit $?"; ls $TMP
