jmine variants --format json --top 5 --collapse-loops 1 sample-logs/contacts.csv
