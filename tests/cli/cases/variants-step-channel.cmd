jmine variants --step channel --top 6 sample-logs/contacts.csv
