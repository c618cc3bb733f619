/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_route_load - the libconfig loaders of conf_route.h's model, for the
 * instance and top-level loaders. Internal to lib/conf/.
 */
#ifndef VIPD_CONF_ROUTE_LOAD_H
#define VIPD_CONF_ROUTE_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>

#include "conf/conf_route.h"
#include "conf/conf_util.h"

/*
 * One address: "A.B.C.D[/N]" (not with need_dev) or the group { address;
 * dev; label; scope; broadcast; advertise; }. 1 with *vip filled, 0 after
 * reporting.
 */
int conf_route_addr_load(struct conf_ctx *ctx, const config_setting_t *e,
    const char *ew, bool need_dev, struct conf_vip *vip);

/*
 * g.key as a list of route (rule) groups; *out allocated (caller frees)
 * with the valid entries. 0, or -ENOMEM.
 */
int conf_route_list_load(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, const char *key, struct conf_route **out, size_t *nout);
int conf_rule_list_load(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, const char *key, struct conf_rule **out, size_t *nout);

/* static_addresses, static_routes, static_rules of the root. */
int conf_statics_load(struct conf_ctx *ctx, const config_setting_t *root,
    struct conf_statics *st);
void conf_statics_free(struct conf_statics *st);

#endif
