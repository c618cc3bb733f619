/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_util - what every section of the configuration uses: struct conf_ctx
 * (one load in progress) and its error list, the key checks, the typed
 * getters, quoting and name checks. Internal to the conf module (lib/conf*.c).
 *
 * Message form, everywhere: "FILE:LINE: <where>.<key>: <problem>", where
 * <where> is "global", "vrrp_instances[NAME]" (or "[INDEX]" while the name
 * is not known to be valid), "vrrp_instances[NAME].garp", ... Errors never
 * stop a load: the first CONF_MAX_ERRORS are stored, all are counted.
 *
 * Owns: the error list's format, the wording of key and type errors.
 * Never does: know a section's keys, ranges or defaults, read files, or
 * allocate.
 */
#ifndef VIPD_CONF_UTIL_H
#define VIPD_CONF_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_include.h"

#define CONF_WHERE_MAX 128      /* "vrrp_instances[<63 chars>].garp" fits */

/* One load in progress: where its messages go. */
struct conf_ctx {
	const char *path;               /* FILE in "FILE:LINE: message" */
	/* With @include: the spliced text's lines to FILE:LINE (else NULL). */
	const struct conf_srcmap *map;
	struct conf_errors *errs;
	unsigned int line[CONF_MAX_ERRORS]; /* of each stored message */
	bool nomem;                     /* a loader's allocation failed: the
					   load ends in -ENOMEM */
};

/* Record "FILE:LINE: message", LINE being where the setting at starts. */
void conf_error(struct conf_ctx *ctx, const config_setting_t *at,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The same at a line number (0: none, "FILE: message"), for the lexer. */
void conf_error_line(struct conf_ctx *ctx, unsigned int line,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "FILE:LINE: warning: message" in errs->warn; the load goes on. */
void conf_warn_line(struct conf_ctx *ctx, unsigned int line,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Copy s into buf (len > 4) for a message: at most 40 characters, anything
 * unprintable as '?', "..." when cut. Returns buf.
 */
const char *conf_quote(const char *s, char *buf, size_t len);

/*
 * Report every member of group whose name is neither in known nor in later
 * (both NULL-terminated); later names keys of coming milestones, which get
 * "not supported yet" instead of "unknown key".
 */
void conf_check_keys(struct conf_ctx *ctx, const config_setting_t *group,
    const char *where, const char *const *known, const char *const *later);

/*
 * Typed getters for group.key. Each returns 1 and sets *out when the key is
 * there with a valid value, 0 (out untouched) when it is absent, -1 after
 * reporting a wrong type or a value out of lo..hi.
 */
int conf_get_int(struct conf_ctx *ctx, const config_setting_t *group,
    const char *where, const char *key, long long lo, long long hi,
    long long *out);
int conf_get_bool(struct conf_ctx *ctx, const config_setting_t *group,
    const char *where, const char *key, bool *out);
int conf_get_string(struct conf_ctx *ctx, const config_setting_t *group,
    const char *where, const char *key, const char **out);

/* A list ( { ... }, ... ) of groups only, or false after reporting. */
bool conf_is_list_of_groups(struct conf_ctx *ctx, const config_setting_t *list,
    const char *where);

/* name = "..." of group e, valid and within max; NULL when refused. */
const char *conf_get_entry_name(struct conf_ctx *ctx, const config_setting_t *e,
    const char *where, size_t max);

/* A name of 1..max_len characters from [A-Za-z0-9_.-]. */
bool conf_valid_name(const char *s, size_t max_len);

/* An interface name the kernel takes: 1..15 printable, no '/', ':'. */
bool conf_valid_ifname(const char *s);

/*
 * Setting s as one IPv4 or IPv6 address without prefix length, named
 * `where` in messages: 1 with *out set, 0 after reporting why not. quoted
 * (>= 48 bytes) gets the text as conf_quote() shows it, for the caller's
 * further messages.
 */
int conf_get_addr(struct conf_ctx *ctx, const config_setting_t *s,
    const char *where, struct addr *out, char *quoted, size_t quoted_len);

/*
 * A host address that can send or receive adverts: not unspecified,
 * loopback or multicast (IPv4: nor in 0/8, 127/8 or 224/3).
 */
bool conf_addr_is_unicast(const struct addr *a);

#endif
