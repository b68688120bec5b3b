jmine variants sample-logs/contacts.csv --coverage 40%
