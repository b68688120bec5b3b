printf 'case_id;activity;start\nA;Call;07.12.2026 14:05\nA;Mail;8.12.2026 9:30\nB;Call;01.12.2026 10:00\n' > $TMP/dot.csv; jmine report --top 1 $TMP/dot.csv; jmine journeys $TMP/dot.csv
