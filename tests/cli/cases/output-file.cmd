jmine variants -o $TMP/v.csv --format csv --top 2 sample-logs/contacts.csv; echo "exit $?"; cat $TMP/v.csv; ls -A $TMP
