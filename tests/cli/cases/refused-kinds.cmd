printf "\xff\xfe\0\0c\0\0\0" > $TMP/u32.csv; jmine report $TMP/u32.csv; printf "%%PDF-1.4\n" > $TMP/doc.csv; jmine report $TMP/doc.csv
