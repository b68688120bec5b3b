jmine journeys sample-logs/contacts-nochannel.csv
