/* SPDX-License-Identifier: MIT */
/* Bad input through the public API: each malformed snippet pinned to its reason and line, the
 * accounting rows = events + rejected, --max-rejects, and files unusable as a whole. */

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <jmine/jmine.h>

/* A rejected row as the callback saw it, copied out of the borrowed pointers. */
struct rej {
    char *file;
    uint64_t line;
    jm_reject_reason reason;
    char *detail;
    size_t n, nh;
    bool have_fields;
    char **f, **h;
    size_t *len, *hlen;
    char delim;
};

struct fixture {
    char path[64];
    jm_options opt;
    jm_log *log;
    jm_report *rep;
    struct rej *rej;
    size_t nrej, cap;
};

/* A copy of n fields; with no fields (jm_options.reject_rows not set) an array of NULLs. */
static char **copy_fields(size_t n, const char *const *f, const size_t *len, size_t **lens)
{
    char **out = calloc(n ? n : 1, sizeof *out);
    *lens = calloc(n ? n : 1, sizeof **lens);
    if (f == NULL || len == NULL) return out;
    for (size_t i = 0; i < n; i++) {
        out[i] = malloc(len[i] + 1);
        memcpy(out[i], f[i], len[i]);
        out[i][len[i]] = '\0';
        (*lens)[i] = len[i];
    }
    return out;
}

static void free_fields(size_t n, char **f, size_t *len)
{
    for (size_t i = 0; i < n; i++)
        free(f[i]);
    free(f);
    free(len);
}

static void on_reject(void *data, const jm_reject *r)
{
    struct fixture *f = data;
    if (f->nrej == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        f->rej = realloc(f->rej, f->cap * sizeof *f->rej);
    }
    struct rej *x = &f->rej[f->nrej++];
    x->file = strdup(r->file);
    x->line = r->line;
    x->reason = r->reason;
    x->detail = strdup(r->detail ? r->detail : "");
    x->n = r->nfields;
    x->have_fields = r->fields != NULL && r->lens != NULL;
    x->f = copy_fields(r->nfields, r->fields, r->lens, &x->len);
    x->nh = r->nheader;
    x->h = copy_fields(r->nheader, r->header, r->header_lens, &x->hlen);
    x->delim = r->delimiter;
}

static void reset(struct fixture *f)
{
    jm_report_free(f->rep);
    f->rep = NULL;
    jm_log_free(f->log);
    f->log = NULL;
    for (size_t i = 0; i < f->nrej; i++) {
        struct rej *x = &f->rej[i];
        free(x->file);
        free(x->detail);
        free_fields(x->n, x->f, x->len);
        free_fields(x->nh, x->h, x->hlen);
    }
    f->nrej = 0;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL) return -1;
    strcpy(f->path, "/tmp/jm-test-bad-XXXXXX");
    int fd = mkstemp(f->path);
    if (fd < 0) {
        free(f);
        return -1;
    }
    close(fd);
    jm_options_init(&f->opt);
    f->opt.on_reject = on_reject;
    f->opt.on_reject_data = f;
    f->opt.reject_rows = true;
    f->opt.threads = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    reset(f);
    free(f->rej);
    unlink(f->path);
    free(f);
    return 0;
}

static void write_bytes(const char *path, const char *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* A fresh log over the n bytes at text; returns jm_log_add_file's status. */
static jm_status load(struct fixture *f, const char *text, size_t n)
{
    reset(f);
    write_bytes(f->path, text, n);
    char *err = NULL;
    f->log = jm_log_new(&f->opt, &err);
    if (f->log == NULL) fail_msg("jm_log_new: %s", err ? err : "(no message)");
    return jm_log_add_file(f->log, f->path);
}

static jm_status load_str(struct fixture *f, const char *text)
{
    return load(f, text, strlen(text));
}

static void stats(struct fixture *f, jm_input_stats *st)
{
    assert_int_equal(jm_report_build(f->log, &f->rep), JM_OK);
    jm_report_input_stats(f->rep, st);
    /* Nothing is lost, whatever the file. */
    assert_int_equal(st->rows, st->events + st->rejected);
    uint64_t sum = 0;
    for (int r = 0; r < JM_REJECT_COUNT; r++)
        sum += st->rejected_by_reason[r];
    assert_int_equal(sum, st->rejected);
}

#define H "case_id,activity,start_time,end_time\n"
#define HC "case_id,activity,start_time,end_time\r\n"
#define T0 "2024-01-01T00:00:00Z"
#define T1 "2024-01-01T01:00:00Z"
#define T2 "2024-01-01T02:00:00Z"

/* ---- The table: one snippet, one reason, one line ------------------------- */

static const struct bad {
    const char *what;
    const char *text;
    size_t field_limit; /* 0: the default */
    jm_reject_reason reason;
    uint64_t line;
    uint64_t events; /* good rows around the bad one */
} table[] = {
    {"field too long", H "c1,A,1704067200,\nc1,ActivityTooLong,1704067200,\nc1,B,1704067260,\n", 12,
     JM_REJECT_FIELD_TOO_LONG, 3, 2},
    {"field too long, quoted over two lines",
     H "c1,A,1704067200,\nc1,\"Activity\nTooLong\",1704067200,\nc1,B,1704067260,\n", 12,
     JM_REJECT_FIELD_TOO_LONG, 3, 2},
    {"field too long at the limit plus one", H "c1,A,1704067200,\nc1,123456789abcd,1704067200,\n",
     12, JM_REJECT_FIELD_TOO_LONG, 3, 1},
    {"field too long in a column no role reads",
     "case_id,activity,start_time,note\nc1,A,1704067200,short\nc1,B,1704067260,a note far too "
     "long\n",
     12, JM_REJECT_FIELD_TOO_LONG, 3, 1},
    {"too few fields", H "c1,A," T0 ",\nc1,B," T1 "\nc1,C," T2 ",\n", 0, JM_REJECT_FIELD_COUNT, 3,
     2},
    {"too many fields", H "c1,A," T0 ",," T1 "\nc1,C," T2 ",\n", 0, JM_REJECT_FIELD_COUNT, 2, 1},
    {"a lone word", H "c1,A," T0 ",\njunk\n", 0, JM_REJECT_FIELD_COUNT, 3, 1},
    {"too many fields by a stray comma in a quote-less note", H "c1,A," T0 ",\nc1,B,C," T1 ",\n", 0,
     JM_REJECT_FIELD_COUNT, 3, 1},
    {"empty case", H "c1,A," T0 ",\n,B," T1 ",\nc2,C," T2 ",\n", 0, JM_REJECT_EMPTY_CASE, 3, 2},
    {"empty quoted case", H "\"\",B," T1 ",\nc2,C," T2 ",\n", 0, JM_REJECT_EMPTY_CASE, 2, 1},
    {"empty activity", H "c1,A," T0 ",\nc1,," T1 ",\n", 0, JM_REJECT_EMPTY_ACTIVITY, 3, 1},
    {"bad start", H "c1,A," T0 ",\nc1,B,yesterday,\n", 0, JM_REJECT_BAD_START, 3, 1},
    {"empty start", H "c1,A,,\nc1,B," T1 ",\n", 0, JM_REJECT_BAD_START, 2, 1},
    {"month 13", H "c1,A,2024-13-01T00:00:00Z,\nc1,B," T1 ",\n", 0, JM_REJECT_BAD_START, 2, 1},
    {"bad end", H "c1,A," T0 "," T1 "\nc1,B," T1 ",soon\n", 0, JM_REJECT_BAD_END, 3, 1},
    {"end before start", H "c1,A," T0 ",\nc1,B," T1 "," T0 "\n", 0, JM_REJECT_END_BEFORE_START, 3,
     1},
    {"end a millisecond before start", H "c1,B,2024-01-01T00:00:00.001Z," T0 "\n", 0,
     JM_REJECT_END_BEFORE_START, 2, 0},
    /* Line numbers that are not record numbers. */
    {"after a multi-line quoted field",
     H "c1,\"note\nspanning\nthree\"," T0 ",\nc2,A," T0 ",\nc3,," T0 ",\n", 0,
     JM_REJECT_EMPTY_ACTIVITY, 6, 2},
    {"after blank lines", H "\n\nc1,A," T0 "," T1 "x\n", 0, JM_REJECT_BAD_END, 4, 0},
    {"CRLF", HC "c1,A," T0 ",\r\nc1,B," T1 "," T0 "\r\n", 0, JM_REJECT_END_BEFORE_START, 3, 1},
    {"CRLF after a multi-line field and a blank line",
     HC "c1,\"a\r\nb\"," T0 ",\r\n\r\nc1,B,x,\r\nc1,C," T1 ",\r\n", 0, JM_REJECT_BAD_START, 5, 2},
    {"lone CR", "case_id,activity,start_time,end_time\rc1,A," T0 ",\r\rc1,B," T1 "\r", 0,
     JM_REJECT_FIELD_COUNT, 4, 1},
    {"last line without newline", H "c1,A," T0 ",\nc1,B,,", 0, JM_REJECT_BAD_START, 3, 1},
};

static void test_bad_input_table(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const struct bad *b = &table[i];
        f->opt.field_limit = b->field_limit ? b->field_limit : (size_t)1 << 20;
        jm_status s = load_str(f, b->text);
        if (s != JM_OK) fail_msg("%s: status %d: %s", b->what, s, jm_log_error(f->log));
        if (f->nrej != 1) fail_msg("%s: %zu rows rejected, want 1", b->what, f->nrej);
        const struct rej *x = &f->rej[0];
        if (x->reason != b->reason || x->line != b->line)
            fail_msg("%s: rejected as %s on line %llu, want %s on line %llu", b->what,
                     jm_reject_key(x->reason), (unsigned long long)x->line,
                     jm_reject_key(b->reason), (unsigned long long)b->line);
        assert_string_equal(x->file, f->path);
        assert_true(x->detail[0] != '\0');
        assert_null(strchr(x->detail, '\n'));
        if (b->events == 0) {
            /* Every row rejected: a log of rejections is no result (exit 3), and the message
             * gives the reason. */
            assert_int_equal(jm_report_build(f->log, &f->rep), JM_EINPUT);
            const char *e = jm_log_error(f->log);
            if (strstr(e, ": the one row read was rejected (") == NULL ||
                strstr(e, jm_reject_key(b->reason)) == NULL)
                fail_msg("%s: all rejected, but the message is '%s'", b->what, e);
            continue;
        }
        jm_input_stats st;
        stats(f, &st);
        assert_int_equal(st.files, 1);
        assert_int_equal(st.rejected, 1);
        assert_int_equal(st.rejected_by_reason[b->reason], 1);
        if (st.events != b->events)
            fail_msg("%s: %llu events, want %llu", b->what, (unsigned long long)st.events,
                     (unsigned long long)b->events);
    }
}

static void test_bad_input_reject_keys(void **state)
{
    (void)state;
    static const char *const keys[] = {"field_too_long",  "field_count", "empty_case",
                                       "empty_activity",  "bad_start",   "bad_end",
                                       "end_before_start"};
    assert_int_equal(JM_REJECT_COUNT, 7);
    for (int r = 0; r < JM_REJECT_COUNT; r++)
        assert_string_equal(jm_reject_key((jm_reject_reason)r), keys[r]);
}

/* ---- Accounting ----------------------------------------------------------- */

static void test_bad_input_counts(void **state)
{
    struct fixture *f = *state;
    f->opt.field_limit = 24;
    static const char text[] = H "c1,A," T0 ",\n"                             /* 2 ok */
                                 "c1,B," T1 ",\n"                             /* 3 ok */
                                 "\n"                                         /* 4 blank */
                                 "c1,this activity is far too long," T1 ",\n" /* 5 */
                                 "c2,A," T0 "\n"                              /* 6 field count */
                                 "c2,A," T0 ",,\n"                            /* 7 field count */
                                 ",A," T0 ",\n"                               /* 8 empty case */
                                 "c2,," T0 ",\n"                              /* 9 empty act. */
                                 "c2,A,never,\n"                              /* 10 bad start */
                                 "c2,A," T0 ",never\n"                        /* 11 bad end */
                                 "c2,A," T1 "," T0 "\n"                       /* 12 before */
                                 "\n"                                         /* 13 blank */
                                 "c2,B," T1 "," T2 "\n"                       /* 14 ok */
                                 "c3,A," T2 ",\n";                            /* 15 ok */
    assert_int_equal(load(f, text, sizeof text - 1), JM_OK);
    static const uint64_t want_lines[] = {5, 6, 7, 8, 9, 10, 11, 12};
    static const jm_reject_reason want_reason[] = {
        JM_REJECT_FIELD_TOO_LONG, JM_REJECT_FIELD_COUNT,     JM_REJECT_FIELD_COUNT,
        JM_REJECT_EMPTY_CASE,     JM_REJECT_EMPTY_ACTIVITY,  JM_REJECT_BAD_START,
        JM_REJECT_BAD_END,        JM_REJECT_END_BEFORE_START};
    assert_int_equal(f->nrej, 8);
    for (size_t i = 0; i < 8; i++) {
        if (f->rej[i].line != want_lines[i] || f->rej[i].reason != want_reason[i])
            fail_msg("reject %zu: %s on line %llu, want %s on line %llu", i,
                     jm_reject_key(f->rej[i].reason), (unsigned long long)f->rej[i].line,
                     jm_reject_key(want_reason[i]), (unsigned long long)want_lines[i]);
    }
    jm_input_stats st;
    stats(f, &st);
    assert_int_equal(st.rows, 12);
    assert_int_equal(st.events, 4);
    assert_int_equal(st.rejected, 8);
    assert_int_equal(st.blank_lines, 2);
    assert_int_equal(st.rejected_by_reason[JM_REJECT_FIELD_TOO_LONG], 1);
    assert_int_equal(st.rejected_by_reason[JM_REJECT_FIELD_COUNT], 2);
    assert_int_equal(st.rejected_by_reason[JM_REJECT_EMPTY_CASE], 1);
    assert_int_equal(st.rejected_by_reason[JM_REJECT_EMPTY_ACTIVITY], 1);
    assert_int_equal(st.rejected_by_reason[JM_REJECT_BAD_START], 1);
    assert_int_equal(st.rejected_by_reason[JM_REJECT_BAD_END], 1);
    assert_int_equal(st.rejected_by_reason[JM_REJECT_END_BEFORE_START], 1);
}

static void test_bad_input_counts_over_two_files(void **state)
{
    struct fixture *f = *state;
    char second[] = "/tmp/jm-test-bad2-XXXXXX";
    int fd = mkstemp(second);
    assert_true(fd >= 0);
    close(fd);
    /* The same roles in another order and with another delimiter: one log. */
    static const char two[] =
        "activity;case_id;start_time;end_time\nA;c9;" T0 ";\n;c9;" T1 ";\nB;c9;x;\n";
    write_bytes(second, two, sizeof two - 1);
    assert_int_equal(load_str(f, H "c1,A," T0 ",\nc1,B," T1 "," T0 "\n"), JM_OK);
    jm_status s = jm_log_add_file(f->log, second);
    unlink(second);
    assert_int_equal(s, JM_OK);
    assert_int_equal(f->nrej, 3);
    assert_string_equal(f->rej[0].file, f->path);
    assert_int_equal(f->rej[0].line, 3);
    assert_string_equal(f->rej[1].file, second);
    assert_int_equal(f->rej[1].line, 3);
    assert_int_equal(f->rej[1].reason, JM_REJECT_EMPTY_ACTIVITY);
    assert_int_equal(f->rej[1].delim, ';');
    assert_int_equal(f->rej[2].line, 4);
    assert_int_equal(f->rej[2].reason, JM_REJECT_BAD_START);
    jm_input_stats st;
    stats(f, &st);
    assert_int_equal(st.files, 2);
    assert_int_equal(st.rows, 5);
    assert_int_equal(st.events, 2);
    assert_int_equal(st.rejected, 3);
}

static void test_bad_input_first_fault_wins(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *row;
        jm_reject_reason want;
    } cases[] = {
        /* too long and too few fields */
        {"c1,an activity name far too long\n", JM_REJECT_FIELD_TOO_LONG},
        /* too few fields and an empty case */
        {",A," T0 "\n", JM_REJECT_FIELD_COUNT},
        /* too many fields and an empty activity */
        {"c1,," T0 ",,\n", JM_REJECT_FIELD_COUNT},
        /* empty case and empty activity */
        {",," T0 ",\n", JM_REJECT_EMPTY_CASE},
        /* empty case and a bad start */
        {",A,nope,\n", JM_REJECT_EMPTY_CASE},
        /* empty activity and a bad start and a bad end */
        {"c1,,nope,nope\n", JM_REJECT_EMPTY_ACTIVITY},
        /* bad start and bad end */
        {"c1,A,nope,nope\n", JM_REJECT_BAD_START},
        /* a too-long time that would not parse either */
        {"c1,A,this is not a time at all,\n", JM_REJECT_FIELD_TOO_LONG},
    };
    f->opt.field_limit = 24;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, H "%s", cases[i].row);
        assert_int_equal(load_str(f, text), JM_OK);
        assert_int_equal(f->nrej, 1);
        if (f->rej[0].reason != cases[i].want)
            fail_msg("row '%s': %s, want %s", cases[i].row, jm_reject_key(f->rej[0].reason),
                     jm_reject_key(cases[i].want));
        assert_int_equal(f->rej[0].line, 2);
    }
}

/* ---- --max-rejects ----------------------------------------------------------- */

static void test_bad_input_max_rejects(void **state)
{
    struct fixture *f = *state;
    f->opt.max_rejects = 2;
    static const char text[] = H "c1,A," T0 ",\n"          /* 2 */
                                 ",A," T0 ",\n"            /* 3 rejected */
                                 "c1,B," T1 ",\n"          /* 4 */
                                 "c1,,x,\n"                /* 5 rejected */
                                 "c1,\"multi\nline\",x,\n" /* 6-7 rejected: the third */
                                 "c1,C," T2 ",\n";
    assert_int_equal(load(f, text, sizeof text - 1), JM_EREJECTS);
    assert_int_equal(f->nrej, 3);
    assert_int_equal(f->rej[2].line, 6);
    const char *err = jm_log_error(f->log);
    char want[96];
    snprintf(want, sizeof want, "%s:6", f->path);
    if (strstr(err, want) == NULL) fail_msg("error '%s' does not name '%s'", err, want);

    /* Exactly two rejected rows are allowed. */
    static const char two[] = H "c1,A," T0 ",\n,A," T0 ",\nc1,,x,\nc1,C," T2 ",\n";
    assert_int_equal(load(f, two, sizeof two - 1), JM_OK);
    assert_int_equal(f->nrej, 2);

    /* Zero allows none. */
    f->opt.max_rejects = 0;
    assert_int_equal(load(f, two, sizeof two - 1), JM_EREJECTS);
    assert_int_equal(f->nrej, 1);
    snprintf(want, sizeof want, "%s:3", f->path);
    if (strstr(jm_log_error(f->log), want) == NULL)
        fail_msg("error '%s' does not name '%s'", jm_log_error(f->log), want);
}

static void test_bad_input_max_rejects_over_files(void **state)
{
    struct fixture *f = *state;
    /* The limit counts the whole log: two rejected rows in the first file, one in the second. */
    f->opt.max_rejects = 2;
    char second[] = "/tmp/jm-test-bad3-XXXXXX";
    int fd = mkstemp(second);
    assert_true(fd >= 0);
    close(fd);
    static const char two[] = H "c1,A," T0 ",\nc1,," T0 ",\n,A," T0 ",\n";
    static const char one[] = H "c2,A," T0 ",\nc2,B,\nc2,B," T1 ",\n";
    write_bytes(second, one, sizeof one - 1);
    assert_int_equal(load(f, two, sizeof two - 1), JM_OK);
    jm_status s = jm_log_add_file(f->log, second);
    char want[96];
    snprintf(want, sizeof want, "%s:3", second);
    const char *err = jm_log_error(f->log);
    int named = strstr(err, want) != NULL;
    unlink(second);
    assert_int_equal(s, JM_EREJECTS);
    if (!named) fail_msg("error '%s' does not name '%s'", err, want);
}

/* ---- What the callback receives ------------------------------------------ */

static void test_bad_input_callback_fields_verbatim(void **state)
{
    struct fixture *f = *state;
    static const char text[] = "case_id,activity,start_time,end_time\r\n"
                               "c\0001,\"a, b\nc \"\"q\"\"\",not a time,\xff\r\n";
    assert_int_equal(load(f, text, sizeof text - 1), JM_OK);
    assert_int_equal(f->nrej, 1);
    const struct rej *x = &f->rej[0];
    assert_true(x->have_fields);
    assert_int_equal(x->reason, JM_REJECT_BAD_START);
    assert_int_equal(x->line, 2);
    assert_int_equal(x->delim, ',');
    assert_int_equal(x->n, 4);
    assert_int_equal(x->len[0], 3);
    assert_memory_equal(x->f[0], "c\0001", 3);
    static const char act[] = "a, b\nc \"q\"";
    assert_int_equal(x->len[1], sizeof act - 1);
    assert_memory_equal(x->f[1], act, sizeof act - 1);
    assert_int_equal(x->len[2], 10);
    assert_memory_equal(x->f[2], "not a time", 10);
    assert_int_equal(x->len[3], 1);
    assert_memory_equal(x->f[3], "\xff", 1);
    static const char *const head[] = {"case_id", "activity", "start_time", "end_time"};
    assert_int_equal(x->nh, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(x->hlen[i], strlen(head[i]));
        assert_memory_equal(x->h[i], head[i], strlen(head[i]));
    }
}

static void test_bad_input_callback_without_rows(void **state)
{
    struct fixture *f = *state;
    /* Without reject_rows the callback still hears of every row: file, line, reason. */
    f->opt.reject_rows = false;
    static const char text[] = H "c1,A," T0 ",\nc1,\"x\ny\",nope,\n,B," T1 ",\n";
    assert_int_equal(load(f, text, sizeof text - 1), JM_OK);
    assert_int_equal(f->nrej, 2);
    assert_int_equal(f->rej[0].line, 3);
    assert_int_equal(f->rej[0].reason, JM_REJECT_BAD_START);
    assert_int_equal(f->rej[1].line, 5);
    assert_int_equal(f->rej[1].reason, JM_REJECT_EMPTY_CASE);
    assert_string_equal(f->rej[1].file, f->path);
    assert_int_equal(f->rej[1].nh, 4);
    assert_string_equal(f->rej[1].h[2], "start_time");
    jm_input_stats st;
    stats(f, &st);
    assert_int_equal(st.rows, 3);
    assert_int_equal(st.events, 1);
}

static void test_bad_input_callback_other_delimiter(void **state)
{
    struct fixture *f = *state;
    static const char text[] = "\xEF\xBB\xBF"
                               "Case ID\tActivity\tTimestamp\n"
                               "c1\tA\t" T0 "\n"
                               "c1\tB\n";
    assert_int_equal(load(f, text, sizeof text - 1), JM_OK);
    assert_int_equal(f->nrej, 1);
    const struct rej *x = &f->rej[0];
    assert_int_equal(x->reason, JM_REJECT_FIELD_COUNT);
    assert_int_equal(x->line, 3);
    assert_int_equal(x->delim, '\t');
    assert_int_equal(x->n, 2);
    assert_string_equal(x->f[1], "B");
    assert_int_equal(x->nh, 3);
    /* The header as it is in the file, without the BOM. */
    assert_int_equal(x->hlen[0], 7);
    assert_string_equal(x->h[0], "Case ID");
}

/* ---- Unusable input as a whole ---------------------------------------------- */

static void test_bad_input_missing_file(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load_str(f, H), JM_OK);
    char missing[96];
    snprintf(missing, sizeof missing, "%s.does-not-exist", f->path);
    assert_int_equal(jm_log_add_file(f->log, missing), JM_EINPUT);
    if (strstr(jm_log_error(f->log), missing) == NULL)
        fail_msg("error '%s' does not name '%s'", jm_log_error(f->log), missing);
}

static void test_bad_input_header_without_case(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load_str(f, "activity,start_time,note\nA," T0 ",x\n"), JM_EINPUT);
    const char *err = jm_log_error(f->log);
    static const char *const cols[] = {"\"activity\"", "\"start_time\"", "\"note\""};
    for (size_t i = 0; i < 3; i++)
        if (strstr(err, cols[i]) == NULL) fail_msg("error '%s' does not list %s", err, cols[i]);
    if (strstr(err, f->path) == NULL) fail_msg("error '%s' does not name the file", err);
    assert_int_equal(f->nrej, 0);
}

static void test_bad_input_open_quote(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load_str(f, H "c1,A," T0 ",\nc1,\"B," T1 ",\nc1,C," T2 ",\n"), JM_EINPUT);
    char want[96];
    snprintf(want, sizeof want, "%s:3: ", f->path);
    if (strncmp(jm_log_error(f->log), want, strlen(want)) != 0)
        fail_msg("error '%s' does not start with '%s'", jm_log_error(f->log), want);
}

static void test_bad_input_no_header(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load_str(f, ""), JM_EINPUT);
    assert_non_null(strstr(jm_log_error(f->log), f->path));
    assert_non_null(strstr(jm_log_error(f->log), "no header"));
    assert_int_equal(load_str(f, "\xEF\xBB\xBF"), JM_EINPUT);
    assert_non_null(strstr(jm_log_error(f->log), "no header"));
}

static void test_bad_input_header_only_is_empty_log(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load_str(f, H), JM_OK);
    jm_input_stats st;
    stats(f, &st);
    assert_int_equal(st.rows, 0);
    assert_int_equal(st.events, 0);
    assert_int_equal(st.rejected, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_bad_input_table),
        T(test_bad_input_reject_keys),
        T(test_bad_input_counts),
        T(test_bad_input_counts_over_two_files),
        T(test_bad_input_first_fault_wins),
        T(test_bad_input_max_rejects),
        T(test_bad_input_max_rejects_over_files),
        T(test_bad_input_callback_fields_verbatim),
        T(test_bad_input_callback_without_rows),
        T(test_bad_input_callback_other_delimiter),
        T(test_bad_input_missing_file),
        T(test_bad_input_header_without_case),
        T(test_bad_input_open_quote),
        T(test_bad_input_no_header),
        T(test_bad_input_header_only_is_empty_log),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
