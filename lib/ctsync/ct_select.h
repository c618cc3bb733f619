/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_select - which flows conn_sync carries (conn_sync.select, parsed in
 * lib/conf/conf_conn_sync.h): the balancer's marked flows by default
 * (ct mark NFT_VIPD_CT_MARK), every flow with "all" (a firewall pair), or
 * a list of rules on ct mark and mask, protocol, the original
 * direction's source and destination prefixes and the conntrack zone.
 *
 * The sender applies it to its events and dumps, the receiver to its own
 * table when it sweeps (what the select leaves out is never swept away).
 * When the select is one mark alone, the kernel filters by it
 * (ct_select_kernel_mark); otherwise every entry is read and matched here.
 *
 * Pure: no syscalls. Unit-tested.
 */
#ifndef VIPD_CT_SELECT_H
#define VIPD_CT_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf_conn_sync.h"
#include "ctsync/ct_wire.h"

/* Whether the select carries entry e. */
bool ct_select_match(const struct conf_conn_sync_select *sel,
    const struct ct_entry *e, uint32_t default_mark);

/*
 * Whether the kernel can do the whole filtering by one exact mark (set in
 * *mark): the default, or rules that all name that mark with a full mask
 * and nothing else.
 */
bool ct_select_kernel_mark(const struct conf_conn_sync_select *sel,
    uint32_t default_mark, uint32_t *mark);

/*
 * Whether some flow of a balancer service (protocol proto, to vip:port,
 * marked `mark`) can match: from any client, so a rule with a source
 * prefix counts as one that can.
 */
bool ct_select_covers_service(const struct conf_conn_sync_select *sel,
    int family, uint8_t proto, const uint8_t *vip, uint32_t mark);

/*
 * Whether e is a flow of the sync links themselves (to or from a link's
 * local or peer address): never synced nor swept, whatever the select
 * (with "all", the link's own UDP flow would otherwise be sent, and the
 * backup's, whose direction may differ, swept).
 */
bool ct_select_link_flow(const struct conf_conn_sync *cs,
    const struct ct_entry *e);

/*
 * Whether e is one of this node's own flows: an address of either tuple
 * is one of locals[] (the node's interface addresses, lib/os/nl). A
 * receiver never sweeps those, whatever the select: with "all" its own
 * management SSH, its DNS lookups and the like are not in the master's
 * table, and a sweep would delete them (the VIPs are not the receiver's
 * while it receives: VIP traffic is not local to it).
 */
bool ct_select_local_flow(const struct addr *locals, size_t nlocals,
    const struct ct_entry *e);

struct conf;

/*
 * The names of conf's balancer services that no flow of can match the
 * select (ct_select_covers_service, with the balancer's mark), as
 * "web, dns" into buf (cut with "..." when it does not fit); the number of
 * them. 0 when conn_sync is off or the select is the default.
 */
size_t ct_select_uncovered(const struct conf *conf, uint32_t mark, char *buf,
    size_t len);

#endif
