jmine report --format md sample-logs/contacts-nochannel.csv
