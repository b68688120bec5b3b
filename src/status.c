/* SPDX-License-Identifier: MIT */
/* Names and messages of statuses, reject reasons and column roles, from the X-macro lists. */
#include <jmine/jmine.h>

const char *jm_status_name(jm_status s)
{
    switch (s) {
#define JM_XX(name, code, msg)                                                                     \
    case JM_##name: return #name;
        JM_STATUS_MAP(JM_XX)
#undef JM_XX
    }
    return "UNKNOWN";
}

const char *jm_strerror(jm_status s)
{
    switch (s) {
#define JM_XX(name, code, msg)                                                                     \
    case JM_##name: return msg;
        JM_STATUS_MAP(JM_XX)
#undef JM_XX
    }
    return "unknown status";
}

int jm_status_exit_code(jm_status s)
{
    switch (s) {
#define JM_XX(name, code, msg)                                                                     \
    case JM_##name: return code;
        JM_STATUS_MAP(JM_XX)
#undef JM_XX
    }
    return 1;
}

const char *jm_reject_key(jm_reject_reason r)
{
    static const char *const keys[] = {
#define JM_XX(name, key, msg) key,
        JM_REJECT_MAP(JM_XX)
#undef JM_XX
    };
    return (unsigned)r < JM_REJECT_COUNT ? keys[r] : "unknown";
}

const char *jm_role_key(jm_role r)
{
    static const char *const keys[] = {
#define JM_XX(name, key) key,
        JM_ROLE_MAP(JM_XX)
#undef JM_XX
    };
    return (unsigned)r < JM_ROLE_COUNT ? keys[r] : "unknown";
}

const char *jm_lc_name(jm_lc_value v)
{
    static const char *const names[] = {
#define JM_XX(name, value) value,
        JM_LC_MAP(JM_XX)
#undef JM_XX
            "(outside the XES model)"};
    return (unsigned)v < JM_LC_COUNT ? names[v] : "unknown";
}

const char *jm_version(void)
{
    return JM_VERSION_STRING;
}
