jmine map --format json --map-steps 50 sample-logs/helpdesk-excerpt.csv
