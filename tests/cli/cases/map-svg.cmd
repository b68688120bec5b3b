jmine map --format svg sample-logs/contacts.csv
