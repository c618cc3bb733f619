/*
 * instance - carries out what vrrp_fsm decides for one VRRP instance.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accept_filter.h"
#include "announce.h"
#include "evloop.h"
#include "instance.h"
#include "vrrp_net.h"

/* A hostile or broken peer can send thousands of bad adverts a second. */
#define DROP_LOG_BURST 5
#define DROP_LOG_PER_SECOND 1

static const struct vrrp_addr ipv4_mcast_group = {
	.family = AF_INET, .bytes = { 224, 0, 0, 18 },
};
static const struct vrrp_addr ipv6_mcast_group = {   /* ff02::12 */
	.family = AF_INET6, .bytes = { 0xff, 0x02, [15] = 0x12 },
};

static uint64_t
min_deadline(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

/* With use_vmac the VIPs, adverts and announcements live on the macvlan. */
static int
instance_vip_ifindex(const struct instance *inst)
{
	return inst->conf.use_vmac ? inst->vmac.ifindex : inst->ifindex;
}

static const uint8_t *
instance_vip_mac(const struct instance *inst)
{
	return inst->conf.use_vmac ? inst->vmac.mac : inst->mac;
}

void
instance_init(struct instance *inst, const struct conf_instance *conf,
    enum conf_handover handover)
{
	struct vrrp_fsm_config fc;

	memset(inst, 0, sizeof(*inst));
	inst->conf = *conf;
	inst->sock_fd = -1;
	vmac_init(&inst->vmac);
	inst->drop_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(DROP_LOG_BURST,
	    DROP_LOG_PER_SECOND);
	inst->mismatch_log = inst->drop_log;

	memset(&fc, 0, sizeof(fc));
	fc.priority = conf->priority;
	fc.advert_interval_ms = conf->advert_interval_ms;
	fc.preempt = conf->preempt;
	fc.preempt_delay_ms = conf->preempt_delay_ms;
	fc.primary_addr.family = conf->family;
	fc.make_before_break = handover == CONF_HANDOVER_MAKE_BEFORE_BREAK;
	fc.version = conf->version;
	vrrp_fsm_init(&inst->fsm, &fc);
}

bool
instance_update(struct instance *inst, const struct conf_instance *conf,
    enum conf_handover handover)
{
	struct conf_instance soft = *conf;
	struct vrrp_fsm_config *fc = &inst->fsm.cfg;

	/* Equal but for the soft settings, or it needs a restart. */
	soft.priority = inst->conf.priority;
	soft.advert_interval_ms = inst->conf.advert_interval_ms;
	soft.preempt = inst->conf.preempt;
	soft.preempt_delay_ms = inst->conf.preempt_delay_ms;
	soft.garp = inst->conf.garp;
	/* Tracking and notify: the daemon re-evaluates health after a reload. */
	soft.track = inst->conf.track;
	if (!conf_instance_equal(&inst->conf, &soft))
		return false;
	if (conf->priority != inst->conf.priority)
		log_notice("%s: priority %u -> %u (reload, state kept)",
		    conf->name, inst->conf.priority, conf->priority);
	inst->conf = *conf;
	fc->priority = conf->priority;
	fc->advert_interval_ms = conf->advert_interval_ms;
	fc->preempt = conf->preempt;
	fc->preempt_delay_ms = conf->preempt_delay_ms;
	fc->make_before_break = handover == CONF_HANDOVER_MAKE_BEFORE_BREAK;
	return true;
}

/*
 * One packet of an advert to dst: each gets its own AH sequence number and
 * IP id, so that every receiver sees them rise. 0 or -errno.
 */
static int
instance_send_to(struct instance *inst, struct vrrp_advert *adv,
    const struct vrrp_addr *dst)
{
	int err;

	if (inst->conf.auth.type == VRRP_AUTH_AH &&
	    (err = vrrp_ah_replay_next_seq(&inst->ah, &adv->ah_seq)) < 0)
		return err;
	/* Linux numbers a zero IP id itself, after the AH ICV covered it. */
	if (++inst->ip_id == 0)
		inst->ip_id = 1;
	/* RFC 5798 7.3: with VMAC, adverts come from the virtual MAC. */
	if (inst->conf.use_vmac)
		return vrrp_net_send_advert(inst->vmac.fd, inst->vmac.ifindex,
		    adv, &inst->conf.auth, &inst->primary, dst, inst->ip_id);
	return vrrp_net_send_advert(inst->sock_fd, inst->ifindex, adv,
	    &inst->conf.auth, &inst->primary, dst, inst->ip_id);
}

static void
instance_send_advert(struct instance *inst, uint8_t priority)
{
	/* RFC 5798 5.1.1.2, 5.1.2.2: the family's group, or every peer. */
	const struct vrrp_addr *dsts = inst->conf.npeers > 0 ? inst->conf.peers :
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
		if ((err = instance_send_to(inst, &adv, &dsts[i])) < 0) {
			/* Once per burst of failures: the link is probably gone. */
			if (inst->counters.send_errors++ == 0)
				log_warn("%s: cannot send advert to %s on %s: %s",
				    inst->conf.name, vrrp_addr_str(&dsts[i],
				    text, sizeof(text)), inst->conf.interface,
				    strerror(-err));
			continue;
		}
		inst->counters.adverts_sent++;
		if (priority == 0)
			inst->counters.priority_zero_sent++;
	}
}

static void
instance_add_vips(struct instance *inst, const struct instance_env *env)
{
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < inst->conf.nvips; i++) {
		const struct conf_vip *vip = &inst->conf.vips[i];
		int err = netlink_addr_add(env->nl, instance_vip_ifindex(inst),
		    &vip->addr, vip->prefix_len);

		if (err == 0) {
			inst->vip_owned[i] = true;
			continue;
		}
		/* Already there (owner, or put there by hand): not ours to remove. */
		if (err == -EEXIST)
			continue;
		inst->counters.vip_errors++;
		log_err("%s: cannot add VIP %s/%u to %s: %s", inst->conf.name,
		    vrrp_addr_str(&vip->addr, text, sizeof(text)), vip->prefix_len,
		    inst->conf.interface, netlink_strerror(err));
	}
}

static void
instance_remove_vips(struct instance *inst, const struct instance_env *env)
{
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < inst->conf.nvips; i++) {
		const struct conf_vip *vip = &inst->conf.vips[i];
		int err;

		if (!inst->vip_owned[i])
			continue;
		inst->vip_owned[i] = false;
		err = netlink_addr_del(env->nl, instance_vip_ifindex(inst),
		    &vip->addr, vip->prefix_len);
		if (err < 0 && err != -EADDRNOTAVAIL && err != -ENODEV) {
			inst->counters.vip_errors++;
			log_err("%s: cannot remove VIP %s/%u from %s: %s",
			    inst->conf.name,
			    vrrp_addr_str(&vip->addr, text, sizeof(text)),
			    vip->prefix_len, inst->conf.interface,
			    netlink_strerror(err));
		}
	}
}

/* Addresses a crashed run left behind would answer ARP from a backup. */
static void
instance_remove_stale_vips(struct instance *inst, const struct instance_env *env)
{
	char text[INET6_ADDRSTRLEN];

	/* An address owner's VIPs are its real addresses. */
	if (inst->conf.priority == 255)
		return;
	for (size_t i = 0; i < inst->conf.nvips; i++) {
		const struct conf_vip *vip = &inst->conf.vips[i];

		if (netlink_addr_del(env->nl, inst->ifindex, &vip->addr,
		    vip->prefix_len) == 0)
			log_notice("%s: removed stale VIP %s/%u from %s "
			    "(left by an earlier run)", inst->conf.name,
			    vrrp_addr_str(&vip->addr, text, sizeof(text)),
			    vip->prefix_len, inst->conf.interface);
	}
}

/* One round of announcements: every VIP once (garp_sched decides when). */
static void
instance_garp_burst(struct instance *inst, const struct instance_env *env)
{
	for (size_t i = 0; i < inst->conf.nvips; i++) {
		if (announce_send(env->garp_fd, instance_vip_ifindex(inst),
		    instance_vip_mac(inst), &inst->primary,
		    &inst->conf.vips[i].addr) == 0)
			inst->counters.garp_sent++;
		else
			inst->counters.send_errors++;
	}
}

static void
instance_garp_tick(struct instance *inst, const struct instance_env *env,
    uint64_t now_ms)
{
	if (inst->fsm.state != VRRP_STATE_MASTER) {
		garp_sched_stop(&inst->garp);
		return;
	}
	if (garp_sched_due(&inst->garp, &inst->conf.garp, now_ms))
		instance_garp_burst(inst, env);
}

/*
 * Became Master: the full schedule. A reassertion (a lower-priority master
 * heard, rate-limited by the FSM) is a fresh burst only: the second burst
 * and the refresh keep their times.
 */
static void
instance_garp_start(struct instance *inst, const struct instance_env *env,
    bool fresh, uint64_t now_ms)
{
	if (fresh)
		garp_sched_fresh(&inst->garp, &inst->conf.garp, now_ms);
	else
		garp_sched_master(&inst->garp, &inst->conf.garp, now_ms);
	instance_garp_tick(inst, env, now_ms);
}

/*
 * RFC 5798 6.4.3: a Master that is not the address owner accepts packets
 * to its VIPs only with Accept_Mode on. The drop goes in before the VIPs
 * are added and comes out after they are removed, so no packet is ever
 * accepted in between.
 */
static void
instance_accept_filter(struct instance *inst, const struct instance_env *env,
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

static void
instance_log_transition(struct instance *inst, const struct vrrp_actions *a,
    uint64_t now_ms)
{
	char peer[INET6_ADDRSTRLEN], detail[160] = "";
	const struct vrrp_fsm *fsm = &inst->fsm;

	switch (a->reason) {
	case VRRP_REASON_HIGHER_PRIORITY:
	case VRRP_REASON_TIE_HIGHER_ADDRESS:
		snprintf(detail, sizeof(detail), ", from %s",
		    vrrp_addr_str(&a->peer, peer, sizeof(peer)));
		break;
	case VRRP_REASON_HANDED_OVER:
		snprintf(detail, sizeof(detail), ", %s heard %" PRIu64
		    " ms after our priority 0; VIPs released",
		    vrrp_addr_str(&a->peer, peer, sizeof(peer)),
		    now_ms - fsm->release_started_ms - VRRP_HANDOVER_GRACE_MS);
		break;
	case VRRP_REASON_HANDOVER_TIMEOUT:
		snprintf(detail, sizeof(detail), ", waited %" PRIu64
		    " ms; VIPs released", now_ms - fsm->release_started_ms);
		break;
	case VRRP_REASON_MASTER_DOWN:
	case VRRP_REASON_MASTER_LEFT:
	case VRRP_REASON_PREEMPT:
		if (fsm->last_advert_ms != 0 && inst->last_advert_src.family != 0)
			snprintf(detail, sizeof(detail),
			    ", last advert from %s %.2f s ago",
			    vrrp_addr_str(&inst->last_advert_src, peer, sizeof(peer)),
			    (double)(now_ms - fsm->last_advert_ms) / 1000.0);
		else if (fsm->last_advert_ms == 0)
			snprintf(detail, sizeof(detail), ", no advert heard");
		break;
	case VRRP_REASON_TRACK_FAULT:
	case VRRP_REASON_TRACK_OK:
	case VRRP_REASON_GROUP_FAULT:
	case VRRP_REASON_GROUP_OK:
	case VRRP_REASON_GROUP_BACKUP:
	case VRRP_REASON_GROUP_MASTER:
		if (inst->health_detail[0] != '\0')
			snprintf(detail, sizeof(detail), ": %.150s",
			    inst->health_detail);
		break;
	default:
		break;
	}
	log_notice("%s: %s -> %s (%s%s)", inst->conf.name,
	    vrrp_state_name(a->from), vrrp_state_name(a->to),
	    vrrp_reason_name(a->reason), detail);
}

/* A lower-priority master heard: a peer can trigger it, so rate-limited. */
static void
instance_log_reassert(struct instance *inst, const struct vrrp_addr *peer,
    uint64_t now_ms)
{
	char text[INET6_ADDRSTRLEN];
	uint64_t suppressed = 0;

	inst->counters.reasserts++;
	if (!log_ratelimit_allow(&inst->mismatch_log, now_ms, &suppressed))
		return;
	log_warn("%s: another master %s with a lower priority heard (split "
	    "brain healing): advert and gratuitous ARP sent (%" PRIu64
	    " similar lines suppressed)", inst->conf.name,
	    vrrp_addr_str(peer, text, sizeof(text)), suppressed);
}

/* The timeline keeps the wall clock too: people read dates, not uptimes. */
static void
instance_record_transition(struct instance *inst, const struct vrrp_actions *a,
    uint64_t now_ms)
{
	struct timeline_entry e = { .from = a->from, .to = a->to,
		.reason = a->reason, .at_ms = now_ms, .peer = a->peer };
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == 0)
		e.wall_ms = (uint64_t)ts.tv_sec * 1000 +
		    (uint64_t)ts.tv_nsec / 1000000;
	if (a->reason >= VRRP_REASON_TRACK_FAULT &&
	    a->reason <= VRRP_REASON_GROUP_MASTER)
		snprintf(e.detail, sizeof(e.detail), "%.95s", inst->health_detail);
	timeline_add(&inst->timeline, &e);
}

static void
instance_apply(struct instance *inst, const struct instance_env *env,
    const struct vrrp_actions *a, uint64_t now_ms)
{
	if (a->flags & VRRP_ACT_SEND_ADVERT) {
		/* IPv6 VMAC: the source goes on the macvlan with the first advert. */
		if (inst->conf.use_vmac && inst->have_primary &&
		    vmac_source(&inst->vmac, env->nl, &inst->primary, true) < 0)
			inst->counters.send_errors++;
		instance_send_advert(inst, a->advert_priority);
	}
	if (a->flags & VRRP_ACT_ADD_VIPS) {
		instance_accept_filter(inst, env, true);
		instance_add_vips(inst, env);
	}
	if (a->flags & VRRP_ACT_SEND_GARP)
		instance_garp_start(inst, env,
		    (a->flags & VRRP_ACT_REASSERTED) != 0, now_ms);
	if (a->flags & VRRP_ACT_REMOVE_VIPS) {
		instance_remove_vips(inst, env);
		if (inst->conf.use_vmac)
			(void)vmac_source(&inst->vmac, env->nl, &inst->primary,
			    false);
		instance_accept_filter(inst, env, false);
		garp_sched_stop(&inst->garp);
	}
	if (a->flags & VRRP_ACT_REASSERTED)
		instance_log_reassert(inst, &a->peer, now_ms);
	if (a->flags & VRRP_ACT_HANDOVER_STARTED)
		log_notice("%s: handing over: priority 0 sent, keeping VIPs until "
		    "a new master is heard (at most %" PRIu64 " ms)",
		    inst->conf.name, inst->fsm.release_due_ms - now_ms);
	if (a->flags & VRRP_ACT_STATE_CHANGED) {
		instance_log_transition(inst, a, now_ms);
		inst->counters.transitions++;
		if (a->to == VRRP_STATE_MASTER)
			inst->counters.became_master++;
		instance_record_transition(inst, a, now_ms);
		drill_on_state(&inst->drill, a->to, now_ms);
		if (env->on_transition != NULL)
			env->on_transition(env->transition_arg, inst, a, now_ms);
	}
}

static void
instance_feed(struct instance *inst, const struct instance_env *env,
    const struct vrrp_event *ev, uint64_t now_ms)
{
	struct vrrp_actions a;

	vrrp_fsm_handle(&inst->fsm, ev, now_ms, &a);
	instance_apply(inst, env, &a, now_ms);
}

/*
 * The macvlan exists on the current base interface (the first time, a
 * stale one from a crash is replaced). Without it the instance stays in
 * FAULT (instance_link_ok): VIPs on the base would answer with its MAC.
 */
static void
instance_vmac_resolve(struct instance *inst, const struct instance_env *env)
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
	log_info("%s: VMAC interface %s (%02x:%02x:%02x:%02x:%02x:%02x) on %s",
	    inst->conf.name, inst->conf.vmac_name,
	    inst->vmac.mac[0], inst->vmac.mac[1], inst->vmac.mac[2],
	    inst->vmac.mac[3], inst->vmac.mac[4], inst->vmac.mac[5],
	    inst->conf.interface);
	/* Deleted under a running master: its VIPs went with it. */
	if (had != 0 && inst->fsm.state == VRRP_STATE_MASTER) {
		log_warn("%s: VMAC interface %s was re-created; VIPs added again",
		    inst->conf.name, inst->conf.vmac_name);
		memset(inst->vip_owned, 0, sizeof(inst->vip_owned));
		instance_add_vips(inst, env);
		garp_sched_fresh(&inst->garp, &inst->conf.garp, evloop_now_ms());
	}
}

void
instance_resolve(struct instance *inst, const struct instance_env *env)
{
	struct netlink_link_info li;
	struct vrrp_addr exclude[VRRP_MAX_ADDRS];
	char text[INET6_ADDRSTRLEN];
	bool had_primary = inst->have_primary;
	struct vrrp_addr old_primary = inst->primary;

	if (netlink_link_get(env->nl, inst->conf.interface, &li) < 0) {
		if (inst->ifindex != 0 || inst->fsm.state == VRRP_STATE_INIT)
			log_warn("%s: interface %s does not exist", inst->conf.name,
			    inst->conf.interface);
		inst->ifindex = 0;
		inst->link_up = false;
		inst->have_primary = false;
		return;
	}
	inst->ifindex = li.ifindex;
	inst->link_up = li.up;
	memcpy(inst->mac, li.mac, sizeof(inst->mac));
	if (inst->conf.use_vmac)
		instance_vmac_resolve(inst, env);
	for (size_t i = 0; i < inst->conf.nvips; i++)
		exclude[i] = inst->conf.vips[i].addr;
	/* keepalived's default source: the primary (IPv6: link-local) address. */
	if (inst->conf.have_unicast_src) {
		inst->primary = inst->conf.unicast_src;
		inst->have_primary = true;
	} else
		inst->have_primary = netlink_primary_addr(env->nl,
		    inst->ifindex, inst->conf.family, exclude, inst->conf.nvips,
		    &inst->primary) == 0;
	if (inst->have_primary) {
		inst->fsm.cfg.primary_addr = inst->primary;
		if (!had_primary || vrrp_addr_cmp(&old_primary, &inst->primary) != 0)
			log_info("%s: using %s on %s as advert source",
			    inst->conf.name,
			    vrrp_addr_str(&inst->primary, text, sizeof(text)),
			    inst->conf.interface);
	} else if (had_primary || inst->fsm.state == VRRP_STATE_INIT) {
		log_warn("%s: %s has no %s address to send adverts from",
		    inst->conf.name, inst->conf.interface,
		    inst->conf.family == AF_INET6 ? "link-local IPv6" : "IPv4");
	}
}

/* The interface exists, carries traffic and has an address to send from. */
static bool
instance_link_ok(const struct instance *inst)
{
	return inst->ifindex != 0 && inst->link_up && inst->have_primary &&
	    (!inst->conf.use_vmac || inst->vmac.ifindex != 0);
}

void
instance_start(struct instance *inst, const struct instance_env *env,
    uint64_t now_ms)
{
	struct vrrp_event ev = { .type = VRRP_EV_STARTUP };

	if (inst->ifindex != 0)
		instance_remove_stale_vips(inst, env);
	if (!instance_link_ok(inst))
		ev.type = VRRP_EV_IFACE_DOWN;
	else if (inst->track_fault)
		ev.type = VRRP_EV_TRACK_FAULT;
	else if (inst->group_fault)
		ev.type = VRRP_EV_GROUP_FAULT;
	instance_feed(inst, env, &ev, now_ms);
}

void
instance_stop(struct instance *inst, const struct instance_env *env,
    uint64_t now_ms)
{
	struct vrrp_event ev = { .type = VRRP_EV_SHUTDOWN };

	instance_feed(inst, env, &ev, now_ms);
	if (!inst->fsm.releasing)
		instance_release_all(inst, env);
}

bool
instance_releasing(const struct instance *inst)
{
	return inst->fsm.releasing;
}

void
instance_release_all(struct instance *inst, const struct instance_env *env)
{
	instance_remove_vips(inst, env);
	instance_accept_filter(inst, env, false);
	if (inst->conf.use_vmac)
		vmac_remove(&inst->vmac, env->nl, &inst->conf);
}

void
instance_count_drop(struct instance *inst, enum vrrp_drop reason,
    const struct vrrp_addr *src, uint64_t now_ms)
{
	char text[INET6_ADDRSTRLEN];
	uint64_t suppressed = 0;

	inst->counters.drops[reason]++;
	if (!log_ratelimit_allow(&inst->drop_log, now_ms, &suppressed))
		return;
	if (suppressed > 0)
		log_warn("%s: dropped advert from %s: %s (%" PRIu64
		    " more drops not logged)", inst->conf.name,
		    src ? vrrp_addr_str(src, text, sizeof(text)) : "?",
		    vrrp_drop_name(reason), suppressed);
	else
		log_warn("%s: dropped advert from %s: %s", inst->conf.name,
		    src ? vrrp_addr_str(src, text, sizeof(text)) : "?",
		    vrrp_drop_name(reason));
}

/* RFC 5798 7.1: a differing address list is a misconfiguration to log. */
static void
instance_check_addr_list(struct instance *inst, const struct vrrp_advert *adv,
    const struct vrrp_pkt_meta *meta, uint64_t now_ms)
{
	char text[INET6_ADDRSTRLEN];
	bool same = adv->naddrs == inst->conf.nvips;

	for (size_t i = 0; same && i < inst->conf.nvips; i++) {
		bool found = false;

		for (size_t j = 0; j < adv->naddrs && !found; j++)
			found = vrrp_addr_cmp(&adv->addrs[j],
			    &inst->conf.vips[i].addr) == 0;
		same = found;
	}
	if (same)
		return;
	inst->counters.addr_list_mismatch++;
	if (log_ratelimit_allow(&inst->mismatch_log, now_ms, NULL))
		log_warn("%s: advert from %s lists other VIPs than ours "
		    "(misconfiguration?)", inst->conf.name,
		    vrrp_addr_str(&meta->src, text, sizeof(text)));
}

static bool
instance_is_peer(const struct instance *inst, const struct vrrp_addr *a)
{
	for (size_t i = 0; i < inst->conf.npeers; i++)
		if (vrrp_addr_cmp(&inst->conf.peers[i], a) == 0)
			return true;
	return false;
}

void
instance_receive(struct instance *inst, const struct instance_env *env,
    const struct vrrp_advert *adv, const struct vrrp_pkt_meta *meta,
    uint64_t now_ms)
{
	struct vrrp_event ev = { .type = VRRP_EV_ADVERT };
	char text[INET6_ADDRSTRLEN];
	enum vrrp_drop reason;

	if (inst->have_primary && vrrp_addr_cmp(&meta->src, &inst->primary) == 0) {
		instance_count_drop(inst, VRRP_DROP_OWN_PACKET, &meta->src, now_ms);
		return;
	}
	/* Unicast mode: whoever is not a configured peer has no say. */
	if (inst->conf.npeers > 0 && !instance_is_peer(inst, &meta->src)) {
		instance_count_drop(inst, VRRP_DROP_NOT_PEER, &meta->src, now_ms);
		return;
	}
	/* The ICV was good; an old sequence number makes it a replay. */
	if (inst->conf.auth.type == VRRP_AUTH_AH &&
	    (reason = vrrp_ah_replay_check(&inst->ah, &meta->src,
	    adv->ah_seq)) != VRRP_DROP_NONE) {
		instance_count_drop(inst, reason, &meta->src, now_ms);
		return;
	}
	/*
	 * RFC 3768 7.1: a v2 advert must carry our Adver_Interval (v2 has no
	 * Master_Adver_Interval to learn), as keepalived also insists.
	 */
	if (inst->conf.version == 2 &&
	    (uint32_t)adv->max_adver_int_cs * 10u != inst->conf.advert_interval_ms) {
		instance_count_drop(inst, VRRP_DROP_INTERVAL, &meta->src, now_ms);
		return;
	}
	inst->counters.adverts_received++;
	instance_check_addr_list(inst, adv, meta, now_ms);
	if (adv->priority == 0) {
		inst->counters.priority_zero_received++;
		if (inst->fsm.state == VRRP_STATE_BACKUP)
			log_info("%s: master %s is leaving (priority 0), taking "
			    "over in Skew_Time %u ms unless another node does",
			    inst->conf.name,
			    vrrp_addr_str(&meta->src, text, sizeof(text)),
			    vrrp_fsm_skew_ms(&inst->fsm, inst->fsm.cfg.priority,
			    inst->fsm.master_adver_interval_ms));
	}
	inst->last_advert_src = meta->src;
	drill_on_advert(&inst->drill, &meta->src, adv->priority, now_ms);
	ev.priority = adv->priority;
	ev.max_adver_int_ms = (uint32_t)adv->max_adver_int_cs * 10u;
	ev.src = meta->src;
	instance_feed(inst, env, &ev, now_ms);
}

void
instance_link_update(struct instance *inst, const struct instance_env *env,
    uint64_t now_ms)
{
	struct vrrp_event ev;
	bool running = inst->fsm.state == VRRP_STATE_BACKUP ||
	    inst->fsm.state == VRRP_STATE_MASTER;

	if (running && !instance_link_ok(inst))
		ev.type = VRRP_EV_IFACE_DOWN;
	else if (!running && instance_link_ok(inst) && !inst->forced_fault &&
	    !inst->track_fault && !inst->group_fault)
		ev.type = VRRP_EV_IFACE_UP;
	else
		return;
	log_info("%s: interface %s is %s", inst->conf.name, inst->conf.interface,
	    running ? "down" : "up");
	instance_feed(inst, env, &ev, now_ms);
}

int
instance_force_fault(struct instance *inst, const struct instance_env *env,
    bool on, uint64_t now_ms)
{
	struct vrrp_event ev = { .type = on ? VRRP_EV_FORCE_FAULT :
	    VRRP_EV_FORCE_FAULT_OFF };

	if (inst->forced_fault == on)
		return -EALREADY;
	if (inst->fsm.releasing)
		return -EBUSY;
	inst->forced_fault = on;
	log_notice("%s: forced FAULT %s by vipctl", inst->conf.name,
	    on ? "on" : "off");
	/* Off with a dead link: stay in FAULT, the link event will start us. */
	if (on || (instance_link_ok(inst) && !inst->track_fault &&
	    !inst->group_fault))
		instance_feed(inst, env, &ev, now_ms);
	return 0;
}

void
instance_tick(struct instance *inst, const struct instance_env *env,
    uint64_t now_ms)
{
	uint64_t due = vrrp_fsm_next_deadline(&inst->fsm);

	if (due != 0 && due <= now_ms) {
		struct vrrp_event ev = { .type = VRRP_EV_TIMER };

		instance_feed(inst, env, &ev, now_ms);
	}
	instance_garp_tick(inst, env, now_ms);
	drill_tick(&inst->drill, inst->fsm.state, inst->fsm.hold_until_ms, now_ms);
}

uint64_t
instance_next_deadline(const struct instance *inst)
{
	uint64_t due = vrrp_fsm_next_deadline(&inst->fsm);

	due = min_deadline(due, garp_sched_next(&inst->garp));
	due = min_deadline(due, drill_next_deadline(&inst->drill,
	    inst->fsm.hold_until_ms));
	return due;
}

int
instance_drill_start(struct instance *inst, const struct instance_env *env,
    uint32_t hold_ms, uint64_t now_ms, char *why, size_t why_len)
{
	struct vrrp_event ev = { .type = VRRP_EV_DRILL, .hold_ms = hold_ms };
	char peer[INET6_ADDRSTRLEN];

	if (inst->fsm.state != VRRP_STATE_MASTER) {
		snprintf(why, why_len, "%s is %s, not MASTER: run the drill on "
		    "the master%s%s", inst->conf.name,
		    vrrp_state_name(inst->fsm.state),
		    inst->fsm.master_known ? " (" : "",
		    inst->fsm.master_known ? vrrp_addr_str(&inst->fsm.master_addr,
		    peer, sizeof(peer)) : "");
		if (inst->fsm.master_known)
			strncat(why, ")", why_len - strlen(why) - 1);
		return -EINVAL;
	}
	if (inst->fsm.releasing || drill_running(&inst->drill)) {
		snprintf(why, why_len, "%s: a hand-over is already in progress",
		    inst->conf.name);
		return -EINVAL;
	}
	drill_start(&inst->drill, inst->conf.name, inst->fsm.cfg.priority,
	    inst->fsm.cfg.preempt, hold_ms,
	    vrrp_fsm_down_ms(&inst->fsm, inst->fsm.cfg.priority,
	    inst->fsm.cfg.advert_interval_ms), now_ms);
	log_notice("%s: drill: handing over, then BACKUP for %.1f s",
	    inst->conf.name, hold_ms / 1000.0);
	instance_feed(inst, env, &ev, now_ms);
	return 0;
}

bool
instance_drill_take_report(struct instance *inst, const char **report, bool *ok)
{
	if (inst->drill.phase != DRILL_DONE)
		return false;
	inst->drill.phase = DRILL_NONE;
	*report = inst->drill.report;
	*ok = inst->drill.ok;
	log_notice("%s", inst->drill.report);
	return true;
}

/* ---- health: tracking and sync groups ------------------------------------ */

/* Nothing but health keeps us in FAULT: the way back is open. */
static bool
instance_may_leave_fault(const struct instance *inst)
{
	return instance_link_ok(inst) && !inst->forced_fault &&
	    !inst->track_fault && !inst->group_fault;
}

void
instance_track_apply(struct instance *inst, const struct instance_env *env,
    const struct track_result *r, uint64_t now_ms)
{
	struct vrrp_event ev = { .type = VRRP_EV_TRACK_FAULT };
	struct vrrp_actions a;
	uint8_t old = inst->fsm.cfg.priority;

	inst->track = *r;
	if (r->fault != inst->track_fault) {
		inst->track_fault = r->fault;
		snprintf(inst->health_detail, sizeof(inst->health_detail), "%s",
		    r->fault ? r->reason : "no tracked object failing");
		log_notice("%s: tracking: %s", inst->conf.name, r->fault ?
		    r->reason : "no tracked object failing any more");
		if (!r->fault)
			ev.type = VRRP_EV_TRACK_OK;
		/* INIT: not started yet; instance_start() reads track_fault. */
		if (inst->fsm.state != VRRP_STATE_INIT &&
		    (r->fault || instance_may_leave_fault(inst)))
			instance_feed(inst, env, &ev, now_ms);
	}
	if (r->fault || r->priority == old ||
	    !vrrp_fsm_set_priority(&inst->fsm, r->priority, now_ms, &a))
		return;
	log_notice("%s: priority %u -> %u (%s)", inst->conf.name, old,
	    r->priority, r->adjust != 0 ? r->reason : "tracked objects ok");
	instance_apply(inst, env, &a, now_ms);
}

void
instance_group_event(struct instance *inst, const struct instance_env *env,
    enum vrrp_event_type type, const char *detail, uint64_t now_ms)
{
	struct vrrp_event ev = { .type = type };

	snprintf(inst->health_detail, sizeof(inst->health_detail), "%s", detail);
	if (type == VRRP_EV_GROUP_FAULT) {
		inst->group_fault = true;
		if (inst->fsm.state == VRRP_STATE_INIT)
			return;
	} else if (type == VRRP_EV_GROUP_OK) {
		inst->group_fault = false;
		if (!instance_may_leave_fault(inst))
			return;
	}
	instance_feed(inst, env, &ev, now_ms);
}

bool
instance_own_fault(const struct instance *inst)
{
	return !instance_link_ok(inst) || inst->forced_fault || inst->track_fault;
}
