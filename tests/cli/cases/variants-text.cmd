jmine variants --top 8 sample-logs/contacts.csv
