/* SPDX-License-Identifier: MIT */
/* Benchmark baseline: zlib inflating a gzip file on one thread, the output thrown away. */
#include <stdio.h>
#include <zlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: jm-inflate FILE.gz\n");
        return 2;
    }
    gzFile f = gzopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    gzbuffer(f, 1 << 18);
    static char buf[1 << 20];
    unsigned long long total = 0;
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0)
        total += (unsigned)n;
    int err = 0;
    const char *msg = gzerror(f, &err);
    gzclose(f);
    if (n < 0 || err != Z_OK) {
        fprintf(stderr, "jm-inflate: %s\n", msg);
        return 1;
    }
    printf("%llu bytes\n", total);
    return 0;
}
