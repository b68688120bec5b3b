jmine map --format dot sample-logs/contacts.csv --starts-with 'Web: track order' --ends-with Resolved
