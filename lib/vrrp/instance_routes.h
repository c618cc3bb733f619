/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instance_routes - the OS side of what an instance carries beside its
 * advertised VIPs while MASTER: the addresses with advertise = false
 * (keepalived's virtual_ipaddress_excluded, any family), virtual_routes
 * and virtual_rules. They go in right after the VIPs (routes may name a
 * VIP as src) and come out right before them, in the same step.
 *
 * A refusal (a device that is missing, a next hop not reachable yet) is
 * logged with the kernel's reason and retried with a back-off of 1 s
 * doubling to 30 s while the instance is MASTER; it never holds up or
 * fails the transition.
 *
 * While MASTER they are kept in: the kernel removes an IPv4 route without
 * a word when its device goes down (and IPv6 addresses with it), and an
 * operator may delete one; instance_routes_repair(), called after netlink
 * deletion and link events, adds back whatever is gone.
 *
 * Owns: inst->gw (which entries we added, so may remove; which wait).
 * Never does: decide when (vrrp_fsm does), or touch the advertised VIPs.
 */
#ifndef VIPD_INSTANCE_ROUTES_H
#define VIPD_INSTANCE_ROUTES_H

#include <stdint.h>

#include "vrrp/instance.h"

void instance_routes_add(struct instance *inst, const struct instance_env *env,
			 uint64_t now_ms);
void instance_routes_remove(struct instance *inst,
			    const struct instance_env *env);
/* Before starting: excluded addresses an earlier run left (not an owner). */
void instance_routes_remove_stale(struct instance *inst,
				  const struct instance_env *env);
void instance_routes_tick(struct instance *inst, const struct instance_env *env,
			  uint64_t now_ms);
uint64_t instance_routes_deadline(const struct instance *inst);
/*
 * Something was deleted or a link changed: while MASTER, every entry that
 * should be in is added again; one that was gone is logged (rate-limited)
 * and counted, one refused joins the retries.
 */
void instance_routes_repair(struct instance *inst,
			    const struct instance_env *env, uint64_t now_ms);
/* conf.excluded[i] is in the kernel (added, or already there) while MASTER. */
bool instance_routes_excluded_in(const struct instance *inst, size_t i);

#endif
