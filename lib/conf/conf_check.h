/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_check - the keys of a backend check beyond type, port, interval
 * and rise/fall (conf_lb loads those): the probe's addresses, retries and
 * warm-up, udp payload and reply, dns query, smtp greeting, http urls,
 * headers and basic authentication; their copies, equality and frees.
 *
 * Owns: the allocated parts of struct conf_check it adds. Never does:
 * open a socket (a regular expression is compiled once here, so that
 * `vipd -t` refuses a bad one, and freed at once).
 */
#ifndef VIPD_CONF_CHECK_H
#define VIPD_CONF_CHECK_H

#include <libconfig.h>

#include "conf/conf_lb.h"
#include "conf/conf_util.h"

extern const char *const conf_check_url_keys[];

/*
 * expect_status = 200 or "200-299" at g (a check or one of its urls):
 * *lo and *hi set when given and good; errors to ctx.
 */
void conf_check_load_status(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, uint16_t *lo, uint16_t *hi);

/* Load the keys above into c (c->type already set); errors to ctx. */
void conf_check_load_more(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_check *c);

/* Deep-copy the parts above from `from` into to (which shares them). */
int conf_check_copy_more(struct conf_check *to, const struct conf_check *from);

/* Free the parts above. */
void conf_check_free_more(struct conf_check *c);

/* True when the parts above are alike. */
bool conf_check_equal_more(const struct conf_check *a,
    const struct conf_check *b);

/* The DNS type of word ("A", "AAAA", "MX"...), or 0. */
uint16_t conf_check_dns_type(const char *word);

/* Its word, "?" when not one of the list. */
const char *conf_check_dns_type_name(uint16_t type);

#endif
