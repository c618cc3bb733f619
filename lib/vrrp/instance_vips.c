/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instance_vips - the OS side of one instance's VIPs (see instance_vips.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vrrp/accept_filter.h"
#include "os/evloop.h"
#include "vrrp/instance_vips.h"
#include "vrrp/routes.h"

/* With use_vmac the VIPs, adverts and announcements live on the macvlan. */
int
instance_vips_ifindex(const struct instance *inst)
{
	return inst->conf.use_vmac ? inst->vmac.ifindex : inst->ifindex;
}

const uint8_t *
instance_vips_mac(const struct instance *inst)
{
	return inst->conf.use_vmac ? inst->vmac.mac : inst->mac;
}

void
instance_vips_add(struct instance *inst,
    const struct instance_env *env)
{
	char text[INET6_ADDRSTRLEN], why[NETLINK_WHY_MAX];

	for (size_t i = 0; i < inst->conf.nvips; i++) {
		const struct conf_vip *vip = &inst->conf.vips[i];
		int err = routes_addr_add(env->nl, vip,
		    instance_vips_ifindex(inst), why, sizeof(why));

		if (err == 0) {
			inst->vip_owned[i / 8] |= (uint8_t)(1u << (i % 8));
			continue;
		}
		/* Already there (owner, or put there by hand): not ours to remove. */
		if (err == -EEXIST)
			continue;
		inst->counters.vip_errors++;
		log_err("%s: cannot add VIP %s/%u to %s: %s", inst->conf.name,
		    addr_str(&vip->addr, text, sizeof(text)), vip->prefix_len,
		    vip->dev[0] ? vip->dev : inst->conf.interface, why);
	}
}

void
instance_vips_remove(struct instance *inst,
    const struct instance_env *env)
{
	char text[INET6_ADDRSTRLEN], why[NETLINK_WHY_MAX];

	for (size_t i = 0; i < inst->conf.nvips; i++) {
		const struct conf_vip *vip = &inst->conf.vips[i];
		int err;

		if (!(inst->vip_owned[i / 8] & (1u << (i % 8))))
			continue;
		inst->vip_owned[i / 8] &= (uint8_t)~(1u << (i % 8));
		err = routes_addr_del(env->nl, vip, instance_vips_ifindex(inst),
		    why, sizeof(why));
		if (err < 0 && err != -EADDRNOTAVAIL && err != -ENODEV) {
			inst->counters.vip_errors++;
			log_err("%s: cannot remove VIP %s/%u from %s: %s",
			    inst->conf.name,
			    addr_str(&vip->addr, text, sizeof(text)),
			    vip->prefix_len, vip->dev[0] ? vip->dev :
			    inst->conf.interface, why);
		}
	}
}

static void
vip_repair_log(struct instance *inst, const struct instance_env *env,
    const struct conf_vip *vip, bool repaired, const char *why, uint64_t now_ms)
{
	char text[INET6_ADDRSTRLEN];
	uint64_t suppressed = 0;
	bool say = true;

	if (env->drift != NULL)
		say = drift_record(env->drift, DRIFT_ADDRESS, repaired, now_ms,
		    &suppressed);
	if (!say)
		return;
	addr_str(&vip->addr, text, sizeof(text));
	if (repaired)
		log_warn("%s: VIP %s/%u was deleted from %s from outside, "
		    "restored (%" PRIu64 " similar lines suppressed)",
		    inst->conf.name, text, vip->prefix_len, vip->dev[0] ?
		    vip->dev : inst->conf.interface, suppressed);
	else
		log_err("%s: VIP %s/%u was deleted from %s from outside and "
		    "cannot be put back: %s (%" PRIu64 " similar lines "
		    "suppressed)", inst->conf.name, text, vip->prefix_len,
		    vip->dev[0] ? vip->dev : inst->conf.interface, why,
		    suppressed);
}

size_t
instance_vips_repair(struct instance *inst, const struct instance_env *env,
    uint64_t now_ms)
{
	char why[NETLINK_WHY_MAX];
	size_t back = 0;

	/* Desired state: the VIPs are in from ADD_VIPS to REMOVE_VIPS. */
	if (!inst->vips_in || instance_vips_ifindex(inst) == 0)
		return 0;
	for (size_t i = 0; i < inst->conf.nvips; i++) {
		const struct conf_vip *vip = &inst->conf.vips[i];
		int err = routes_addr_add(env->nl, vip,
		    instance_vips_ifindex(inst), why, sizeof(why));

		switch (drift_outcome_of(err)) {
		case DRIFT_WAS_THERE:
			break;
		case DRIFT_REPAIRED:
			inst->vip_owned[i / 8] |= (uint8_t)(1u << (i % 8));
			inst->counters.vips_restored++;
			vip_repair_log(inst, env, vip, true, why, now_ms);
			back++;
			break;
		case DRIFT_FAILED:
			inst->counters.vip_errors++;
			vip_repair_log(inst, env, vip, false, why, now_ms);
			break;
		}
	}
	/* Clients and switches learn the VIP again from us. */
	if (back > 0)
		garp_sched_fresh(&inst->garp, &inst->conf.garp, now_ms);
	return back;
}

/* Addresses a crashed run left behind would answer ARP from a backup. */
void
instance_vips_remove_stale(struct instance *inst,
    const struct instance_env *env)
{
	char text[INET6_ADDRSTRLEN], why[NETLINK_WHY_MAX];

	/* An address owner's VIPs are its real addresses. */
	if (inst->conf.priority == 255)
		return;
	for (size_t i = 0; i < inst->conf.nvips; i++) {
		const struct conf_vip *vip = &inst->conf.vips[i];

		if (routes_addr_del(env->nl, vip, inst->ifindex, why,
		    sizeof(why)) == 0)
			log_notice("%s: removed stale VIP %s/%u from %s "
			    "(left by an earlier run)", inst->conf.name,
			    addr_str(&vip->addr, text, sizeof(text)),
			    vip->prefix_len, inst->conf.interface);
	}
}

/*
 * RFC 5798 6.4.3: a Master that is not the address owner accepts packets
 * to its VIPs only with Accept_Mode on. The drop goes in before the VIPs
 * are added and comes out after they are removed, so no packet is ever
 * accepted in between.
 */
void
instance_vips_accept_filter(struct instance *inst,
    const struct instance_env *env,
    bool drop)
{
	char err[256];

	if (inst->conf.accept_mode || inst->conf.priority == 255 ||
	    inst->accept_blocked == drop)
		return;
	if (env->nft == NULL || !env->accept_filter_ok) {
		if (drop) {
			inst->counters.vip_errors++;
			log_err("%s: accept_mode = false not enforced: the "
			    "nftables filter is unavailable", inst->conf.name);
		}
		return;
	}
	if (accept_filter_set(env->nft, &inst->conf, drop, err,
	    sizeof(err)) < 0) {
		inst->counters.vip_errors++;
		log_err("%s: cannot %s the accept-mode drop of its VIPs: %s",
		    inst->conf.name, drop ? "add" : "remove", err);
		return;
	}
	inst->accept_blocked = drop;
}

/*
 * The macvlan exists on the current base interface (the first time, a
 * stale one from a crash is replaced). Without it the instance stays in
 * FAULT (instance_link_ok): VIPs on the base would answer with its MAC.
 */
void
instance_vips_vmac_resolve(struct instance *inst,
    const struct instance_env *env)
{
	char why[160];
	int had = inst->vmac.ifindex;

	/* Stopped: its deletion's own link event must not bring it back. */
	if (inst->vmac.removed)
		return;
	if (vmac_ensure(&inst->vmac, env->nl, &inst->conf, inst->ifindex,
	    why, sizeof(why)) < 0) {
		log_err("%s: VMAC: %s", inst->conf.name, why);
		return;
	}
	if (had == inst->vmac.ifindex)
		return;
	/* Deleted under a running master: its VIPs went with it. */
	if (had != 0 && inst->vips_in) {
		uint64_t suppressed = 0;

		inst->counters.vmac_restored++;
		if (env->drift == NULL || drift_record(env->drift,
		    DRIFT_MACVLAN, true, evloop_now_ms(), &suppressed))
			log_warn("%s: VMAC interface %s was deleted from outside, "
			    "restored with its VIPs (%" PRIu64 " similar lines "
			    "suppressed)", inst->conf.name, inst->conf.vmac_name,
			    suppressed);
		memset(inst->vip_owned, 0, sizeof(inst->vip_owned));
		instance_vips_add(inst, env);
		garp_sched_fresh(&inst->garp, &inst->conf.garp, evloop_now_ms());
		return;
	}
	log_info("%s: VMAC interface %s (%02x:%02x:%02x:%02x:%02x:%02x) on %s",
	    inst->conf.name, inst->conf.vmac_name,
	    inst->vmac.mac[0], inst->vmac.mac[1], inst->vmac.mac[2],
	    inst->vmac.mac[3], inst->vmac.mac[4], inst->vmac.mac[5],
	    inst->conf.interface);
}

void
instance_vips_accept_filter_restore(struct instance *inst,
    const struct instance_env *env)
{
	if (!inst->accept_blocked)
		return;
	inst->accept_blocked = false;
	instance_vips_accept_filter(inst, env, true);
}
