jmine report --format md sample-logs/contacts.csv --where 'channel=phone,chat' --size 99..
