jmine report --case '' sample-logs/contacts.csv
