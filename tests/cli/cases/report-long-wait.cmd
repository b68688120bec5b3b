jmine report --format json --top 2 --long-wait 1h sample-logs/contacts.csv
