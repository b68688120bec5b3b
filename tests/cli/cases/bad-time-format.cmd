jmine report --time-format "" sample-logs/contacts.csv; jmine report --tz Mars/Base sample-logs/contacts.csv
