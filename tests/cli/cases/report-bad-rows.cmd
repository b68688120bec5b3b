jmine report --top 3 sample-logs/contacts-shuffled-bad.csv
