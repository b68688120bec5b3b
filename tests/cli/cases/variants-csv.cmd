jmine variants --format csv sample-logs/helpdesk-excerpt.csv
