jmine; jmine frobnicate x; jmine report; jmine report --top x a.csv; jmine report --format dot a.csv; jmine map --top 3 a.csv; jmine report --nope a.csv
