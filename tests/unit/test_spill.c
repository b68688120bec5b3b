/* SPDX-License-Identifier: MIT */
/* Tests of --memory: spilling to temporary partitions gives the same output, leaves no file
 * behind, and a full disk is a clear error. */
#include <jmine/jmine.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct fixture {
    char dir[64];   /* TMPDIR for the spill files */
    char log[96];   /* a generated log */
    bool mounted;
} fixture;

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/jm-test-spill-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->log, sizeof f->log, "%s.csv", f->dir);
    FILE *o = fopen(f->log, "w");
    fputs("case_id,activity,start_time,end_time,channel\n", o);
    for (int i = 0; i < 4000; i++) {
        int c = (i * 7919) % 700;
        /* Some ends lie months after their start: durations too long for the compact record. */
        fprintf(o, "C%d,step %d,2024-01-%02dT%02d:%02d:00Z,%s,%s\n", c, i % 6, 1 + i % 28,
                (i / 60) % 24, i % 60, i % 50 == 0 ? "2024-09-01T00:00:00Z" : "",
                i % 3 ? "phone" : "chat");
    }
    fclose(o);
    setenv("TMPDIR", f->dir, 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->mounted)
        umount(f->dir);
    rmdir(f->dir);
    unlink(f->log);
    unsetenv("TMPDIR");
    free(f);
    return 0;
}

/* The JSON report of the log with a memory bound (0: none); *st gets the status of reading. */
static char *report(const char *path, uint64_t memory, jm_status *st, char **error)
{
    jm_options opt;
    jm_options_init(&opt);
    opt.memory_bytes = memory;
    opt.top = 0;
    opt.threads = 1;
    char *err = NULL;
    jm_log *log = jm_log_new(&opt, &err);
    assert_non_null(log);
    *st = jm_log_add_file(log, path);
    char *json = NULL;
    if (*st == JM_OK) {
        jm_report *rep = NULL;
        *st = jm_report_build(log, &rep);
        if (*st == JM_OK) {
            size_t n = 0;
            FILE *out = open_memstream(&json, &n);
            assert_int_equal(jm_write_report(rep, JM_FORMAT_JSON, out), JM_OK);
            fclose(out);
        }
        jm_report_free(rep);
    }
    if (error != NULL)
        *error = strdup(jm_log_error(log));
    jm_log_free(log);
    return json;
}

static void test_spill_same_output_for_any_bound(void **state)
{
    fixture *f = *state;
    jm_status st;
    char *whole = report(f->log, 0, &st, NULL);
    assert_int_equal(st, JM_OK);
    static const uint64_t bounds[] = {1, 24 * 100, 24 * 1000, 1 << 20};
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        char *spilled = report(f->log, bounds[i], &st, NULL);
        assert_int_equal(st, JM_OK);
        assert_string_equal(whole, spilled);
        free(spilled);
    }
    free(whole);
}

static void test_spill_leaves_no_file(void **state)
{
    fixture *f = *state;
    jm_status st;
    free(report(f->log, 1, &st, NULL));
    assert_int_equal(st, JM_OK);
    assert_int_equal(entries(f->dir), 0);
}

static void test_spill_missing_tmpdir_is_an_error(void **state)
{
    fixture *f = *state;
    setenv("TMPDIR", "/nonexistent/jm-test", 1);
    jm_status st;
    char *err = NULL;
    char *json = report(f->log, 1, &st, &err);
    assert_null(json);
    assert_int_equal(st, JM_EIO);
    assert_non_null(strstr(err, "/nonexistent/jm-test"));
    free(err);
}

static void test_spill_full_disk_is_an_error(void **state)
{
    fixture *f = *state;
    /* A 64 KiB tmpfs is a full disk on demand; mounting one needs root. */
    if (geteuid() != 0 || mount("tmpfs", f->dir, "tmpfs", 0, "size=64k") != 0) {
        skip();
        return;
    }
    f->mounted = true;
    jm_status st;
    char *err = NULL;
    char *json = report(f->log, 1, &st, &err);
    assert_null(json);
    assert_int_equal(st, JM_EIO);
    assert_non_null(strstr(err, "No space left on device"));
    assert_int_equal(entries(f->dir), 0);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_spill_same_output_for_any_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spill_leaves_no_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spill_missing_tmpdir_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spill_full_disk_is_an_error, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
