jmine report --customer '' --resource '' --format json sample-logs/contacts.csv | python3 -c 'import json,sys; r=json.load(sys.stdin); print(sorted(r)); print(r["input"]["columns"])'
