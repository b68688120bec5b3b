jmine variants --format csv --case customer_id --split-gap 30d --top 5 sample-logs/contacts.csv
