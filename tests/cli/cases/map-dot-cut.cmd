jmine map --map-steps 80 --map-edges 60 sample-logs/contacts.csv
