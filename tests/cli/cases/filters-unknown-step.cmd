jmine variants sample-logs/contacts.csv --with 'No such step' --starts-with Call
