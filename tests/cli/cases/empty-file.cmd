: > $TMP/empty.csv; jmine report $TMP/empty.csv; printf "\xef\xbb\xbf" > $TMP/bom.csv; jmine report $TMP/bom.csv
