jmine report --encoding NO-SUCH-CODE sample-logs/contacts.csv
