/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instance_vips - the OS side of one instance's VIPs: adding and removing
 * them on the interface (or its VMAC), clearing those a crashed run left,
 * the accept-mode drop around them, and the VMAC interface they live on.
 * Only lib/instance uses it.
 *
 * Owns: inst->vip_owned (which VIPs we added, so may remove),
 * inst->accept_blocked, and (re)creating inst->vmac.
 * Never does: decide when VIPs come or go (vrrp_fsm decides, instance
 * applies), send adverts or announcements (instance_announce), or change
 * the instance's state.
 */
#ifndef VIPD_INSTANCE_VIPS_H
#define VIPD_INSTANCE_VIPS_H

#include <stdbool.h>
#include <stdint.h>

#include "vrrp/instance.h"

/* With use_vmac the VIPs, adverts and announcements live on the macvlan. */
int instance_vips_ifindex(const struct instance *inst);
const uint8_t *instance_vips_mac(const struct instance *inst);

/* Add every VIP; one already there (owner, by hand) is not marked ours. */
void instance_vips_add(struct instance *inst, const struct instance_env *env);

/* Remove the VIPs we added; errors are counted (vip_errors) and logged. */
void instance_vips_remove(struct instance *inst,
			  const struct instance_env *env);

/* Before starting: remove VIPs an earlier run left (not for an owner). */
void instance_vips_remove_stale(struct instance *inst,
				const struct instance_env *env);

/*
 * RFC 5798 6.4.3: put our VIPs in (drop) or take them out of the
 * accept-mode drop sets; nothing for accept_mode or an address owner.
 */
void instance_vips_accept_filter(struct instance *inst,
				 const struct instance_env *env, bool drop);

/*
 * use_vmac: make sure the macvlan exists on the current base interface;
 * re-created under a Master, the VIPs go back on it with a fresh burst.
 */
void instance_vips_vmac_resolve(struct instance *inst,
				const struct instance_env *env);

/*
 * Table inet vipd was rebuilt after an outside change: our VIPs back in
 * the accept-mode drop sets if they were in.
 */
void instance_vips_accept_filter_restore(struct instance *inst,
					 const struct instance_env *env);

/*
 * A VIP may have been deleted from outside (ip addr del, a network
 * manager): while the VIPs belong in (MASTER), put back every one that is
 * gone, with one line each (env->drift's bucket) and a fresh burst of
 * gratuitous ARPs / unsolicited NAs. VIPs vipd removed itself (BACKUP)
 * are not in the desired state, so never count. Returns how many came back.
 */
size_t instance_vips_repair(struct instance *inst,
			    const struct instance_env *env, uint64_t now_ms);

#endif
