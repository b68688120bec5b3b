cat sample-logs/contacts.csv | jmine variants --format csv --top 3 -
