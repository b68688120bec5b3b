jmine map --format svg --map-steps 80 --map-edges 60 sample-logs/contacts.csv
