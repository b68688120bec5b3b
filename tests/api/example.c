/* SPDX-License-Identifier: MIT */
/* The usage example at the top of include/jmine/jmine.h, compiled and run by the tests. */
#include <jmine/jmine.h>

#include <stdio.h>
#include <stdlib.h>

/* Between the two marker lines stands the header's example, line for line (tests/api/run
 * compares them): edit both or neither. */
static int example(const char *path)
{
    /* example: begin */
    jm_options opt;
    jm_options_init(&opt); // the defaults; change what you need
    char *err = NULL;
    jm_log *log = jm_log_new(&opt, &err);
    if (log == NULL) { // a --tz or --time-format that cannot be used
        fprintf(stderr, "%s\n", err);
        free(err);
        return jm_status_exit_code(JM_EUSAGE);
    }
    jm_status s = jm_log_add_file(log, path); // once per file: several files are one log
    jm_report *rep = NULL;
    if (s == JM_OK)
        s = jm_report_build(log, &rep);
    if (s == JM_OK)
        s = jm_write_report(rep, JM_FORMAT_JSON, stdout);
    if (s != JM_OK)
        fprintf(stderr, "%s: %s\n", jm_strerror(s), jm_log_error(log));
    jm_report_free(rep); // the report first: it borrows the log's names
    jm_log_free(log);
    return jm_status_exit_code(s);
    /* example: end */
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s LOG\n", argv[0]);
        return 2;
    }
    return example(argv[1]);
}
