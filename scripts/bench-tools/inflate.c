/* SPDX-License-Identifier: MIT */
/* Benchmark baseline: inflating a gzip file on one thread, the output thrown away: with zlib (the
 * yardstick of SPEC §6), or with --isal, with Intel's ISA-L (what jmine inflates with where it
 * was built with it). */
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#if JM_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

static unsigned char out[1 << 20];

static int with_zlib(const char *path)
{
    gzFile f = gzopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    gzbuffer(f, 1 << 18);
    unsigned long long total = 0;
    int n;
    while ((n = gzread(f, out, sizeof out)) > 0)
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

#if JM_HAVE_ISAL
static int with_isal(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    static unsigned char in[1 << 18];
    static struct inflate_state st;
    isal_inflate_init(&st);
    st.crc_flag = ISAL_GZIP;
    unsigned long long total = 0;
    for (;;) {
        if (st.avail_in == 0) {
            size_t k = fread(in, 1, sizeof in, f);
            if (k == 0)
                break;
            st.next_in = in;
            st.avail_in = (uint32_t)k;
        }
        st.next_out = out;
        st.avail_out = sizeof out;
        if (isal_inflate(&st) != ISAL_DECOMP_OK) {
            fprintf(stderr, "jm-inflate: %s: corrupt gzip data\n", path);
            fclose(f);
            return 1;
        }
        total += sizeof out - st.avail_out;
        if (st.block_state == ISAL_BLOCK_FINISH) { /* the next member, if any */
            unsigned char *next = st.next_in;
            uint32_t left = st.avail_in;
            isal_inflate_reset(&st);
            st.crc_flag = ISAL_GZIP;
            st.next_in = next;
            st.avail_in = left;
        }
    }
    fclose(f);
    printf("%llu bytes\n", total);
    return 0;
}
#endif

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--isal") == 0) {
#if JM_HAVE_ISAL
        return with_isal(argv[2]);
#else
        fprintf(stderr, "jm-inflate: built without ISA-L\n");
        return 2;
#endif
    }
    if (argc != 2) {
        fprintf(stderr, "usage: jm-inflate [--isal] FILE.gz\n");
        return 2;
    }
    return with_zlib(argv[1]);
}
