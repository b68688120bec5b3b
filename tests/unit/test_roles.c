/* SPDX-License-Identifier: MIT */
/* Unit tests for roles: header names to column roles, spellings, ties, flags and messages. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "read/roles.h"

/* One header, its flags and the result of jm__roles_find. */
struct fixture {
    size_t n;
    const char *name[32];
    size_t len[32];
    const char *set[JM_ROLE_COUNT];
    size_t col[JM_ROLE_COUNT];
    jm__roles roles;
    char *err;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    free(f->err);
    free(f);
    return 0;
}

/* Set the header from a NULL-terminated list of names and clear the flags and results. */
static void header(struct fixture *f, ...)
{
    va_list ap;
    va_start(ap, f);
    f->n = 0;
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;) {
        assert_true(f->n < 32);
        f->name[f->n] = s;
        f->len[f->n] = strlen(s);
        f->n++;
    }
    va_end(ap);
    for (int r = 0; r < JM_ROLE_COUNT; r++) {
        f->set[r] = NULL;
        f->col[r] = 12345;
    }
    free(f->err);
    f->err = NULL;
}

static jm_status find(struct fixture *f)
{
    free(f->err);
    f->err = NULL;
    jm__roles ro;
    jm_status st = jm__roles_find(f->n, f->name, f->len, f->set, 0, &ro, &f->err);
    if (st == JM_OK)
        memcpy(f->col, ro.col, sizeof f->col);
    f->roles = ro;
    return st;
}

static void expect_ok(struct fixture *f)
{
    jm_status st = find(f);
    if (st != JM_OK)
        fail_msg("jm__roles_find: status %d, message '%s'", st, f->err ? f->err : "(none)");
}

/* The message names every column of the header. */
static void expect_lists_header(const struct fixture *f)
{
    assert_non_null(f->err);
    for (size_t i = 0; i < f->n; i++) {
        char quoted[128];
        snprintf(quoted, sizeof quoted, "\"%s\"", f->name[i]);
        if (strstr(f->err, quoted) == NULL)
            fail_msg("message '%s' does not list column %s", f->err, quoted);
    }
}

static void test_roles_normalise(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Case ID", "caseid"},
        {"case_id", "caseid"},
        {"CASE-ID", "caseid"},
        {" c_a-s e ", "case"},
        {"time:timestamp", "time:timestamp"},
        {"", ""},
        {"__--  ", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        size_t k = jm__roles_normalise(cases[i].in, strlen(cases[i].in), out);
        assert_int_equal(k, strlen(cases[i].want));
        assert_string_equal(out, cases[i].want);
    }
}

static void test_roles_case_id_spellings_normalised(void **state)
{
    struct fixture *f = *state;
    static const char *const names[] = {"Case ID", "case_id", "CASE-ID",
                                        "Case_Id", "caseid",  "case id "};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        header(f, "Activity", names[i], "Timestamp", NULL);
        expect_ok(f);
        assert_int_equal(f->col[JM_ROLE_CASE], 1);
        assert_int_equal(f->col[JM_ROLE_ACTIVITY], 0);
        assert_int_equal(f->col[JM_ROLE_START], 2);
    }
}

/* Each spelling SPEC §1 names, alone in a header that has the other required roles. */
static void test_roles_known_spellings(void **state)
{
    struct fixture *f = *state;
    static const struct {
        jm_role role;
        const char *name;
    } cases[] = {
        {JM_ROLE_CASE, "case_id"},
        {JM_ROLE_CASE, "case:concept:name"},
        {JM_ROLE_CASE, "ticket_id"},
        {JM_ROLE_ACTIVITY, "activity"},
        {JM_ROLE_ACTIVITY, "concept:name"},
        {JM_ROLE_START, "timestamp"},
        {JM_ROLE_START, "start_time"},
        {JM_ROLE_START, "time:timestamp"},
        {JM_ROLE_END, "end_time"},
        {JM_ROLE_END, "complete_time"},
        {JM_ROLE_CHANNEL, "channel"},
        {JM_ROLE_CHANNEL, "contact_type"},
        {JM_ROLE_CUSTOMER, "customer_id"},
        {JM_ROLE_RESOURCE, "agent"},
        {JM_ROLE_RESOURCE, "resource"},
        {JM_ROLE_RESOURCE, "org:resource"},
        /* The same, spelled as people do. */
        {JM_ROLE_CASE, "Ticket ID"},
        {JM_ROLE_START, "Start Time"},
        {JM_ROLE_END, "End-Time"},
        {JM_ROLE_END, "Complete Time"},
        {JM_ROLE_CHANNEL, "Contact Type"},
        {JM_ROLE_CUSTOMER, "Customer ID"},
        {JM_ROLE_RESOURCE, "Agent"},
        {JM_ROLE_ACTIVITY, "ACTIVITY"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jm_role r = cases[i].role;
        const char *c = r == JM_ROLE_CASE ? "x" : "case_id";
        const char *a = r == JM_ROLE_ACTIVITY ? "y" : "activity";
        const char *s = r == JM_ROLE_START ? "z" : "timestamp";
        /* The tested column comes last, after three others (one of them a filler). */
        header(f, c, a, s, cases[i].name, NULL);
        jm_status st = find(f);
        if (st != JM_OK)
            fail_msg("'%s' as %s: status %d, '%s'", cases[i].name, jm_role_key(r), st,
                     f->err ? f->err : "");
        if (f->col[r] != 3)
            fail_msg("'%s' as %s: column %zu, want 3", cases[i].name, jm_role_key(r), f->col[r]);
        /* No other role took it. */
        for (int o = 0; o < JM_ROLE_COUNT; o++)
            if (o != (int)r && f->col[o] == 3)
                fail_msg("'%s' also taken as %s", cases[i].name, jm_role_key((jm_role)o));
    }
}

static void test_roles_full_header(void **state)
{
    struct fixture *f = *state;
    header(f, "Customer ID", "Channel", "Case ID", "Agent", "End Time", "Activity", "Start Time",
           "Notes", NULL);
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_CASE], 2);
    assert_int_equal(f->col[JM_ROLE_ACTIVITY], 5);
    assert_int_equal(f->col[JM_ROLE_START], 6);
    assert_int_equal(f->col[JM_ROLE_END], 4);
    assert_int_equal(f->col[JM_ROLE_CHANNEL], 1);
    assert_int_equal(f->col[JM_ROLE_CUSTOMER], 0);
    assert_int_equal(f->col[JM_ROLE_RESOURCE], 3);
}

static void test_roles_exact_name_wins_tie(void **state)
{
    struct fixture *f = *state;
    header(f, "case_id", "Activity", "activity", "timestamp", NULL);
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_ACTIVITY], 2);

    header(f, "case_id", "activity", "Activity", "timestamp", NULL);
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_ACTIVITY], 1);

    /* XES style: both spellings of the case and of the time. */
    header(f, "Case ID", "case:concept:name", "concept:name", "Time:Timestamp", "time:timestamp",
           NULL);
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_CASE], 1);
    assert_int_equal(f->col[JM_ROLE_ACTIVITY], 2);
    assert_int_equal(f->col[JM_ROLE_START], 4);
}

static void test_roles_exact_name_wins_for_any_known_spelling(void **state)
{
    struct fixture *f = *state;
    /* SPEC §1: where several columns match a role, one whose name matches exactly (case
     * included) wins. That holds for every spelling the reader recognises, not only for those
     * the spec lists by name. Each spelling below is first shown to be recognised alone. */
    static const struct {
        jm_role role;
        const char *exact, *other;
    } cases[] = {
        {JM_ROLE_CASE, "case", "Case"},
        {JM_ROLE_CASE, "ticket", "TICKET"},
        {JM_ROLE_ACTIVITY, "activity_name", "Activity Name"},
        {JM_ROLE_START, "start", "Start"},
        {JM_ROLE_START, "start_timestamp", "Start Timestamp"},
        {JM_ROLE_END, "end", "End"},
        {JM_ROLE_CUSTOMER, "customer", "Customer"},
        {JM_ROLE_RESOURCE, "agent_id", "Agent ID"},
        /* and the spec's own example */
        {JM_ROLE_ACTIVITY, "activity", "Activity"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jm_role r = cases[i].role;
        const char *c = r == JM_ROLE_CASE ? "x" : "case_id";
        const char *a = r == JM_ROLE_ACTIVITY ? "y" : "activity";
        const char *s = r == JM_ROLE_START ? "z" : "timestamp";
        header(f, c, a, s, cases[i].exact, NULL);
        jm_status st = find(f);
        if (st != JM_OK || f->col[r] != 3)
            fail_msg("'%s' alone is not recognised as %s", cases[i].exact, jm_role_key(r));
        header(f, c, a, s, cases[i].other, cases[i].exact, NULL);
        st = find(f);
        if (st != JM_OK || f->col[r] != 4)
            fail_msg("'%s' and '%s': status %d, %s column %zu; want the exact '%s' (column 4). "
                     "%s",
                     cases[i].other, cases[i].exact, st, jm_role_key(r), f->col[r], cases[i].exact,
                     f->err ? f->err : "");
    }
}

static void test_roles_tie_without_exact_name(void **state)
{
    struct fixture *f = *state;
    header(f, "case_id", "Activity", "ACTIVITY", "timestamp", NULL);
    assert_int_equal(find(f), JM_EINPUT);
    expect_lists_header(f);
    assert_non_null(strstr(f->err, "activity"));

    /* Two different non-exact spellings of the start. */
    header(f, "case_id", "activity", "Timestamp", "Start Time", NULL);
    assert_int_equal(find(f), JM_EINPUT);
    expect_lists_header(f);

    /* Two exact names tie as well. */
    header(f, "case_id", "activity", "concept:name", "timestamp", NULL);
    assert_int_equal(find(f), JM_EINPUT);
    expect_lists_header(f);
}

static void test_roles_flag_exact_name(void **state)
{
    struct fixture *f = *state;
    header(f, "case_id", "Task", "timestamp", NULL);
    f->set[JM_ROLE_ACTIVITY] = "Task";
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_ACTIVITY], 1);

    /* A flag settles a tie the known spellings leave. */
    header(f, "case_id", "activity", "concept:name", "timestamp", NULL);
    f->set[JM_ROLE_ACTIVITY] = "concept:name";
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_ACTIVITY], 2);

    /* Exact bytes first, before the normalised form: "step" and "Step" both normalise alike. */
    header(f, "case_id", "step", "Step", "timestamp", NULL);
    f->set[JM_ROLE_ACTIVITY] = "Step";
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_ACTIVITY], 2);

    /* A flag may point a role at any column, even one with another role's name. */
    header(f, "case_id", "activity", "timestamp", "Opened", NULL);
    f->set[JM_ROLE_START] = "Opened";
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_START], 3);
}

static void test_roles_flag_normalised_name(void **state)
{
    struct fixture *f = *state;
    header(f, "Ticket Number", "activity", "timestamp", NULL);
    f->set[JM_ROLE_CASE] = "ticket_number";
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_CASE], 0);

    header(f, "case_id", "activity", "timestamp", "Contact-Medium", NULL);
    f->set[JM_ROLE_CHANNEL] = "contact medium";
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_CHANNEL], 3);
}

static void test_roles_flag_names_no_column(void **state)
{
    struct fixture *f = *state;
    header(f, "case_id", "activity", "timestamp", NULL);
    f->set[JM_ROLE_CHANNEL] = "medium";
    assert_int_equal(find(f), JM_EUSAGE);
    expect_lists_header(f);
    assert_non_null(strstr(f->err, "medium"));

    /* Also for a required role whose known spelling is present. */
    header(f, "case_id", "activity", "timestamp", NULL);
    f->set[JM_ROLE_CASE] = "Ticket";
    assert_int_equal(find(f), JM_EUSAGE);
    expect_lists_header(f);
    assert_non_null(strstr(f->err, "Ticket"));
}

static void test_roles_missing_required(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *h[3];
        const char *role;
    } cases[] = {
        {{"activity", "timestamp", "notes"}, "case"},
        {{"case_id", "timestamp", "notes"}, "activity"},
        {{"case_id", "activity", "notes"}, "start"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        header(f, cases[i].h[0], cases[i].h[1], cases[i].h[2], NULL);
        assert_int_equal(find(f), JM_EINPUT);
        expect_lists_header(f);
        /* The role is named outside the column list, which holds no such word. */
        if (strstr(f->err, cases[i].role) == NULL)
            fail_msg("message '%s' does not name the role %s", f->err, cases[i].role);
    }
}

static void test_roles_end_only_serves_as_start(void **state)
{
    struct fixture *f = *state;
    /* The helpdesk log's header. */
    header(f, "Case ID", "Activity", "Resource", "Complete Timestamp", "Variant", "Variant index",
           NULL);
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_CASE], 0);
    assert_int_equal(f->col[JM_ROLE_ACTIVITY], 1);
    assert_int_equal(f->col[JM_ROLE_RESOURCE], 2);
    assert_int_equal(f->col[JM_ROLE_START], 3);
    assert_int_equal(f->col[JM_ROLE_END], JM_NO_COLUMN);

    header(f, "case_id", "activity", "end_time", NULL);
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_START], 2);
    assert_int_equal(f->col[JM_ROLE_END], JM_NO_COLUMN);

    /* With both, each keeps its own. */
    header(f, "case_id", "activity", "end_time", "start_time", NULL);
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_START], 3);
    assert_int_equal(f->col[JM_ROLE_END], 2);
}

static void test_roles_optional_absent(void **state)
{
    struct fixture *f = *state;
    header(f, "case_id", "activity", "timestamp", "notes", NULL);
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_CASE], 0);
    assert_int_equal(f->col[JM_ROLE_ACTIVITY], 1);
    assert_int_equal(f->col[JM_ROLE_START], 2);
    assert_int_equal(f->col[JM_ROLE_END], JM_NO_COLUMN);
    assert_int_equal(f->col[JM_ROLE_CHANNEL], JM_NO_COLUMN);
    assert_int_equal(f->col[JM_ROLE_CUSTOMER], JM_NO_COLUMN);
    assert_int_equal(f->col[JM_ROLE_RESOURCE], JM_NO_COLUMN);
}

static void test_roles_names_with_odd_bytes(void **state)
{
    struct fixture *f = *state;
    /* A NUL inside a name is part of it (SPEC §1: bytes as they are): "case\0id" is not the
     * known spelling "case", nor any other. */
    header(f, "activity", "timestamp", NULL);
    f->name[2] = "case\0id";
    f->len[2] = 7;
    f->n = 3;
    jm_status st = find(f);
    if (st != JM_EINPUT)
        fail_msg("header with \"case\\0id\": status %d, case column %zu; want JM_EINPUT (no "
                 "case column: the NUL byte is part of the name)",
                 st, f->col[JM_ROLE_CASE]);
    assert_non_null(f->err);
    assert_non_null(strstr(f->err, "case"));

    /* Likewise for a name given by flag. */
    header(f, "case_id", "timestamp", NULL);
    f->name[2] = "Step\0x";
    f->len[2] = 6;
    f->n = 3;
    f->set[JM_ROLE_ACTIVITY] = "step";
    st = find(f);
    if (st != JM_EUSAGE)
        fail_msg("--activity step with header \"Step\\0x\": status %d, column %zu; want "
                 "JM_EUSAGE",
                 st, f->col[JM_ROLE_ACTIVITY]);
}

/* "#N" names the N-th column (from 1); an exact name is tried first; out of range is usage. */
static void test_roles_flag_by_number(void **state)
{
    struct fixture *f = *state;
    header(f, "case_id", "channel", "activity", "channel", "timestamp", "", NULL);
    /* Two channel columns and no flag: a tie, with the number of each. */
    assert_int_equal(find(f), JM_EINPUT);
    expect_lists_header(f);
    assert_non_null(strstr(f->err, "#2, #4"));
    f->set[JM_ROLE_CHANNEL] = "#4";
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_CHANNEL], 3);
    f->set[JM_ROLE_ACTIVITY] = "#6"; /* the column with no name */
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_ACTIVITY], 5);
    /* A name that matches both: exit 3, suggesting each number. */
    f->set[JM_ROLE_CHANNEL] = "channel";
    assert_int_equal(find(f), JM_EINPUT);
    expect_lists_header(f);
    assert_non_null(strstr(f->err, "#2, #4"));
    assert_non_null(strstr(f->err, "--channel '#2'"));
    /* Out of range, zero, or not a number. */
    static const char *const bad[] = {"#7", "#0", "#", "#2x", "#99999999999999"};
    for (size_t i = 0; i < 5; i++) {
        f->set[JM_ROLE_CHANNEL] = bad[i];
        assert_int_equal(find(f), JM_EUSAGE);
        expect_lists_header(f);
    }
    /* A column called "#1" is that column, not the first. */
    header(f, "case_id", "activity", "timestamp", "#1", NULL);
    f->set[JM_ROLE_CHANNEL] = "#1";
    expect_ok(f);
    assert_int_equal(f->col[JM_ROLE_CHANNEL], 3);
}

/* Case and activity join columns with '+'; other roles do not. */
static void test_roles_join(void **state)
{
    struct fixture *f = *state;
    header(f, "vru+line", "call_id", "concept:name", "lifecycle:transition", "time", NULL);
    f->set[JM_ROLE_ACTIVITY] = "concept:name+lifecycle:transition";
    f->set[JM_ROLE_CASE] = "vru+line+call_id"; /* the longest name that fits comes first */
    expect_ok(f);
    assert_int_equal(f->roles.npart[JM_ROLE_ACTIVITY], 2);
    assert_int_equal(f->roles.part[JM_ROLE_ACTIVITY][0], 2);
    assert_int_equal(f->roles.part[JM_ROLE_ACTIVITY][1], 3);
    assert_int_equal(f->roles.npart[JM_ROLE_CASE], 2);
    assert_int_equal(f->roles.part[JM_ROLE_CASE][0], 0);
    assert_int_equal(f->roles.part[JM_ROLE_CASE][1], 1);
    assert_int_equal(f->col[JM_ROLE_CASE], 0);
    /* A name holding '+' is taken whole. */
    f->set[JM_ROLE_CASE] = "vru+line";
    expect_ok(f);
    assert_int_equal(f->roles.npart[JM_ROLE_CASE], 1);
    /* Numbers and names mixed; the same column twice is allowed. */
    f->set[JM_ROLE_ACTIVITY] = "#3+#4+concept:name";
    expect_ok(f);
    assert_int_equal(f->roles.npart[JM_ROLE_ACTIVITY], 3);
    assert_int_equal(f->roles.part[JM_ROLE_ACTIVITY][2], 2);
    /* A part that names no column is named. */
    f->set[JM_ROLE_ACTIVITY] = "concept:name+nothing";
    assert_int_equal(find(f), JM_EUSAGE);
    assert_non_null(strstr(f->err, "'nothing'"));
    /* Other roles take one column. */
    f->set[JM_ROLE_ACTIVITY] = NULL;
    f->set[JM_ROLE_START] = "time+call_id";
    assert_int_equal(find(f), JM_EUSAGE);
    /* No more than JM_PARTS_MAX parts. */
    f->set[JM_ROLE_START] = NULL;
    f->set[JM_ROLE_ACTIVITY] = "#1+#1+#1+#1+#1+#1+#1+#1+#1";
    assert_int_equal(find(f), JM_EUSAGE);
    assert_non_null(strstr(f->err, "joins more than 8 columns"));
    f->set[JM_ROLE_ACTIVITY] = "#1+#1+#1+#1+#1+#1+#1+#1";
    expect_ok(f);
    assert_int_equal(f->roles.npart[JM_ROLE_ACTIVITY], 8);
}

/* With --stages, only the case is required; an end column is not taken for the start. */
static void test_roles_stages(void **state)
{
    struct fixture *f = *state;
    header(f, "case_id", "vru_entry", "end_time", NULL);
    jm__roles ro;
    assert_int_equal(jm__roles_find(f->n, f->name, f->len, f->set, JM_ROLES_STAGES, &ro, &f->err),
                     JM_OK);
    assert_int_equal(ro.col[JM_ROLE_START], JM_NO_COLUMN);
    header(f, "call", "vru_entry", NULL);
    assert_int_equal(jm__roles_find(f->n, f->name, f->len, f->set, JM_ROLES_STAGES, &ro, &f->err),
                     JM_EINPUT);

    jm__stage *st = NULL;
    size_t n = 0;
    char *err = NULL;
    assert_int_equal(jm__stages_parse("IVR=vru_entry..vru_exit,Talk=#3,Q=a..b", &st, &n, &err),
                     JM_OK);
    assert_int_equal(n, 3);
    assert_string_equal(st[0].name, "IVR");
    assert_string_equal(st[0].start, "vru_entry");
    assert_string_equal(st[0].end, "vru_exit");
    assert_string_equal(st[1].start, "#3");
    assert_null(st[1].end);
    assert_string_equal(st[2].end, "b");
    jm__stages_free(st, n);
    static const char *const bad[] = {"", "IVR", "=a..b", "IVR=", "IVR=..b", "IVR=a..",
                                      "IVR=a..b,", "IVR=a..b,,Q=c"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st = NULL;
        if (jm__stages_parse(bad[i], &st, &n, &err) != JM_EUSAGE)
            fail_msg("--stages '%s' was taken", bad[i]);
        assert_non_null(err);
        free(err);
        err = NULL;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_roles_normalise),
        T(test_roles_case_id_spellings_normalised),
        T(test_roles_known_spellings),
        T(test_roles_full_header),
        T(test_roles_exact_name_wins_tie),
        T(test_roles_exact_name_wins_for_any_known_spelling),
        T(test_roles_tie_without_exact_name),
        T(test_roles_flag_exact_name),
        T(test_roles_flag_normalised_name),
        T(test_roles_flag_names_no_column),
        T(test_roles_missing_required),
        T(test_roles_end_only_serves_as_start),
        T(test_roles_optional_absent),
        T(test_roles_names_with_odd_bytes),
        T(test_roles_flag_by_number),
        T(test_roles_join),
        T(test_roles_stages),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
