jmine report sample-logs/contacts.csv
