jmine journeys sample-logs/contacts.csv --follows 'Ticket: open,Ticket: escalate' --duration 1d..
