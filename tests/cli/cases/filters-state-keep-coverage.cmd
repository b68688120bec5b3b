jmine report sample-logs/contacts.csv --keep-coverage 80% --state-out $TMP/s.state
