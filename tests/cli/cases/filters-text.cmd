jmine report sample-logs/contacts.csv --where channel!=sms --eventually 'Call: billing question,Resolved' --from 2024-03-01 --to 2024-09-01 --window trim --size 2.. --top 5
