/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instance_announce - what one instance puts on the wire (see
 * instance_announce.h).
 */
#include <arpa/inet.h>
#include <string.h>

#include "os/nl.h"
#include "vrrp/announce.h"
#include "vrrp/instance_announce.h"
#include "vrrp/instance_routes.h"
#include "vrrp/instance_vips.h"
#include "vrrp/vrrp_net.h"

static const struct addr ipv4_mcast_group = {
	.family = AF_INET, .bytes = { 224, 0, 0, 18 },
};
static const struct addr ipv6_mcast_group = {   /* ff02::12 */
	.family = AF_INET6, .bytes = { 0xff, 0x02, [15] = 0x12 },
};

/*
 * One packet of an advert to dst: each gets its own AH sequence number and
 * IP id, so that every receiver sees them rise. 0 or -errno.
 */
static int
instance_announce_send_to(struct instance *inst, struct vrrp_advert *adv,
    const struct addr *dst)
{
	int err;

	if (inst->auth.type == VRRP_AUTH_AH &&
	    (err = vrrp_ah_replay_next_seq(&inst->ah, &adv->ah_seq)) < 0)
		return err;
	/* Linux numbers a zero IP id itself, after the AH ICV covered it. */
	if (++inst->ip_id == 0)
		inst->ip_id = 1;
	/*
	 * RFC 5798 7.3: with VMAC, adverts come from the virtual MAC; unicast
	 * ones through the base, as keepalived's (see lib/vrrp/vmac.c).
	 */
	if (inst->conf.use_vmac && inst->conf.npeers == 0)
		return vrrp_net_send_advert(inst->vmac.fd, inst->vmac.ifindex,
		    adv, &inst->auth, &inst->primary, dst, inst->ip_id);
	return vrrp_net_send_advert(inst->sock_fd, inst->ifindex, adv,
	    &inst->auth, &inst->primary, dst, inst->ip_id);
}

void
instance_announce_advert(struct instance *inst, uint8_t priority)
{
	/* RFC 5798 5.1.1.2, 5.1.2.2: the family's group, or every peer. */
	const struct addr *dsts = inst->conf.npeers > 0 ? inst->conf.peers :
	    inst->conf.family == AF_INET6 ? &ipv6_mcast_group : &ipv4_mcast_group;
	size_t ndsts = inst->conf.npeers > 0 ? inst->conf.npeers : 1;
	struct vrrp_advert adv;
	char text[INET6_ADDRSTRLEN];
	int err;

	if (!inst->have_primary || inst->sock_fd < 0)
		return;
	memset(&adv, 0, sizeof(adv));
	adv.version = inst->conf.version;
	adv.vrid = inst->conf.vrid;
	adv.priority = priority;
	adv.max_adver_int_cs = (uint16_t)(inst->conf.advert_interval_ms / 10);
	adv.naddrs = (uint8_t)inst->conf.nvips;
	for (size_t i = 0; i < inst->conf.nvips; i++)
		adv.addrs[i] = inst->conf.vips[i].addr;
	for (size_t i = 0; i < ndsts; i++) {
		if ((err = instance_announce_send_to(inst, &adv, &dsts[i])) < 0) {
			/* Once per burst of failures: the link is probably gone. */
			if (inst->counters.send_errors++ == 0)
				log_warn("%s: cannot send advert to %s on %s: %s",
				    inst->conf.name, addr_str(&dsts[i],
				    text, sizeof(text)), inst->conf.interface,
				    strerror(-err));
			continue;
		}
		inst->counters.adverts_sent++;
		if (priority == 0)
			inst->counters.priority_zero_sent++;
	}
}

/*
 * Where an address is announced: on its own dev when it names one (that is
 * where routes_addr_add put it), else on the VIPs' interface. For IPv6 the
 * NA leaves from that interface's link-local address: the advert source
 * when the address is of the instance's family on its interface, else
 * looked up (an IPv4 instance carrying IPv6 with advertise = false).
 */
struct announce_where {
	int ifindex;
	uint8_t mac[6];
	struct addr src;
};

static bool
instance_announce_where(struct instance *inst, const struct instance_env *env,
    const struct conf_vip *v, struct announce_where *w)
{
	struct netlink_link_info li;

	if (v->dev[0] != '\0') {
		if (netlink_link_get(env->nl, v->dev, &li) < 0)
			return false;
		w->ifindex = li.ifindex;
		memcpy(w->mac, li.mac, sizeof(w->mac));
	} else {
		w->ifindex = instance_vips_ifindex(inst);
		memcpy(w->mac, instance_vips_mac(inst), sizeof(w->mac));
	}
	if (v->addr.family != AF_INET6) {
		w->src = v->addr;            /* a GARP is from the address itself */
		return true;
	}
	if (inst->conf.family == AF_INET6 && v->dev[0] == '\0' &&
	    inst->have_primary) {
		w->src = inst->primary;
		return true;
	}
	return netlink_primary_addr(env->nl, w->ifindex, AF_INET6, NULL, 0,
	    &w->src) == 0;
}

static void
instance_announce_one(struct instance *inst, const struct instance_env *env,
    const struct conf_vip *v)
{
	struct announce_where w;

	if (!instance_announce_where(inst, env, v, &w) ||
	    announce_send(env->garp_fd, w.ifindex, w.mac, &w.src,
	    &v->addr) < 0) {
		inst->counters.send_errors++;
		return;
	}
	inst->counters.garp_sent++;
}

/*
 * One round of announcements (garp_sched decides when): every VIP once, and
 * every address with advertise = false that is in the kernel: a neighbour
 * must learn the new master's MAC for those as much as for the VIPs.
 */
static void
instance_announce_burst(struct instance *inst,
    const struct instance_env *env)
{
	for (size_t i = 0; i < inst->conf.nvips; i++)
		instance_announce_one(inst, env, &inst->conf.vips[i]);
	for (size_t i = 0; i < inst->conf.nexcluded; i++)
		if (instance_routes_excluded_in(inst, i))
			instance_announce_one(inst, env, &inst->conf.excluded[i]);
}

void
instance_announce_tick(struct instance *inst,
    const struct instance_env *env,
    uint64_t now_ms)
{
	if (inst->fsm.state != VRRP_STATE_MASTER) {
		garp_sched_stop(&inst->garp);
		return;
	}
	if (garp_sched_due(&inst->garp, &inst->conf.garp, now_ms))
		instance_announce_burst(inst, env);
}

/*
 * Became Master: the full schedule. A reassertion (a lower-priority master
 * heard, rate-limited by the FSM) is a fresh burst only: the second burst
 * and the refresh keep their times.
 */
void
instance_announce_start(struct instance *inst,
    const struct instance_env *env,
    bool fresh, uint64_t now_ms)
{
	if (fresh)
		garp_sched_fresh(&inst->garp, &inst->conf.garp, now_ms);
	else
		garp_sched_master(&inst->garp, &inst->conf.garp, now_ms);
	instance_announce_tick(inst, env, now_ms);
}
