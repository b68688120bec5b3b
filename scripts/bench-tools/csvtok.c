/* SPDX-License-Identifier: MIT */
/* Benchmark baseline: libcsv tokenising a file on one thread, with callbacks that do nothing. */
#include <csv.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static size_t fields, records;

static void on_field(void *s, size_t n, void *data)
{
    (void)s, (void)n, (void)data;
    fields++;
}

static void on_record(int c, void *data)
{
    (void)c, (void)data;
    records++;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: jm-csvtok FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    struct csv_parser p;
    csv_init(&p, 0);
    static char buf[1 << 20];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        csv_parse(&p, buf, (size_t)n, on_field, on_record, NULL);
    csv_fini(&p, on_field, on_record, NULL);
    csv_free(&p);
    close(fd);
    printf("%zu records, %zu fields\n", records, fields);
    return 0;
}
