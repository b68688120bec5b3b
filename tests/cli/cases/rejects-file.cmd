jmine variants --quiet --rejects $TMP/rejects.csv sample-logs/contacts-shuffled-bad.csv >/dev/null; echo "exit $?"; cat $TMP/rejects.csv
