jmine report --format json sample-logs/contacts.csv --keep-coverage 50% --with Resolved --keep-coverage 50% --top 3
