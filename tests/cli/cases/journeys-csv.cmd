jmine journeys sample-logs/contacts-shuffled-bad.csv
