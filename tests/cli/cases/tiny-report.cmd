jmine report tests/cli/data/tiny.csv
