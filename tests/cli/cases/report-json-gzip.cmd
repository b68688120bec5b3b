jmine report --format json sample-logs/contacts.csv.gz
