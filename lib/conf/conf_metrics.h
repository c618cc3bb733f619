/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_metrics - global.metrics_listen and global.metrics_allow_remote.
 * Internal to the conf module, like conf_vrrp.h: only lib/conf/conf.c calls it.
 *
 * Owns: parsing "ADDRESS:PORT" / "[ADDRESS]:PORT" (numeric addresses only:
 * no name lookup in a config check) and the rule that a non-loopback
 * address needs metrics_allow_remote = true (the endpoint has no
 * authentication).
 * Never does: open sockets (lib/ctl/metrics.c does).
 */
#ifndef VIPD_CONF_METRICS_H
#define VIPD_CONF_METRICS_H

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_vrrp.h"

/* Load both keys of the global group g into gl (defaults: off, false). */
void conf_metrics_load(struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_global *gl);

/* Parse "A.B.C.D:PORT" or "[V6]:PORT". 0, or -EINVAL. Pure. */
int conf_metrics_parse_listen(const char *text, struct addr *addr,
    uint16_t *port);

#endif
