jmine journeys sample-logs/contacts.csv --where nosuch=1
