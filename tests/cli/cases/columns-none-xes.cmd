jmine report --resource '' --format json sample-logs/running-example.xes | python3 -c 'import json,sys; r=json.load(sys.stdin); print("handovers" in r, r["input"]["columns"])'
