jmine report sample-logs/contacts.csv --size 5..2
