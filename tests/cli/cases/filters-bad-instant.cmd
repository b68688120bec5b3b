jmine map sample-logs/contacts.csv --from 2024-02-30
