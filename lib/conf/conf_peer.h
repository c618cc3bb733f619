/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_peer - global.peer_filter: the addresses VRRP may come from.
 * Internal to the conf module, like conf_vrrp.h: only lib/conf/conf.c calls it.
 *
 * Owns: parsing the list (numeric unicast addresses, IPv4 or IPv6, no
 * duplicates, at most CONF_PEER_FILTER_MAX).
 * Never does: touch nftables (lib/vrrp/peer_filter.c does).
 */
#ifndef VIPD_CONF_PEER_H
#define VIPD_CONF_PEER_H

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_vrrp.h"

/* Load peer_filter of the global group g into gl (default: none, off). */
void conf_peer_filter_load(struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_global *gl);

#endif
