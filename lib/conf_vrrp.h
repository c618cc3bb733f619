/*
 * conf_vrrp - the vrrp_instances section of the configuration (and the
 * instance queries of conf.h), plus the few helpers it shares with conf.c:
 * error reporting, typed getters, key checks. Internal to the conf module:
 * only lib/conf.c and lib/conf_vrrp.c include this header; everyone else
 * uses conf.h.
 *
 * Message form, everywhere: "FILE:LINE: <where>.<key>: <problem>", where
 * <where> is "global", "vrrp_instances[NAME]" (or "[INDEX]" while the name
 * is not known to be valid), "vrrp_instances[NAME].garp", ...
 */
#ifndef VIPD_CONF_VRRP_H
#define VIPD_CONF_VRRP_H

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>

#include "conf.h"

#define CONF_WHERE_MAX 128      /* "vrrp_instances[<63 chars>].garp" fits */

/* One load in progress: where its messages go. */
struct conf_ctx {
	const char *path;               /* FILE in "FILE:LINE: message" */
	struct conf_errors *errs;
	unsigned int line[CONF_MAX_ERRORS]; /* of each stored message */
};

/* Record "FILE:LINE: message", LINE being where the setting at starts. */
void conf_error(struct conf_ctx *ctx, const config_setting_t *at,
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

/* A name of 1..max_len characters from [A-Za-z0-9_.-]. */
bool conf_valid_name(const char *s, size_t max_len);

/*
 * Load the vrrp_instances list into conf->instances (allocated here, freed
 * by conf_free), then run the checks that span instances: duplicate names,
 * duplicate (interface, vrid), a VIP in two instances. Errors go to ctx;
 * returns 0, or -ENOMEM.
 */
int conf_vrrp_load(struct conf_ctx *ctx, const config_setting_t *list,
    struct conf *conf);

#endif
