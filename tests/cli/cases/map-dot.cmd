jmine map sample-logs/contacts.csv
