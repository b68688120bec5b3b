jmine report sample-logs/no-such-file.csv
