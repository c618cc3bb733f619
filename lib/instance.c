/*
 * instance - carries out what vrrp_fsm decides for one VRRP instance.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "announce.h"
#include "instance.h"
#include "vrrp_net.h"

/* A hostile or broken peer can send thousands of bad adverts a second. */
#define DROP_LOG_BURST 5
#define DROP_LOG_PER_SECOND 1

static const struct vrrp_addr ipv4_mcast_group = {
	.family = AF_INET, .bytes = { 224, 0, 0, 18 },
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

void
instance_init(struct instance *inst, const struct conf_instance *conf,
    enum conf_handover handover)
{
	struct vrrp_fsm_config fc;

	memset(inst, 0, sizeof(*inst));
	inst->conf = *conf;
	inst->sock_fd = -1;
	inst->drop_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(DROP_LOG_BURST,
	    DROP_LOG_PER_SECOND);
	inst->mismatch_log = inst->drop_log;

	memset(&fc, 0, sizeof(fc));
	fc.priority = conf->priority;
	fc.advert_interval_ms = conf->advert_interval_ms;
	fc.preempt = conf->preempt;
	fc.preempt_delay_ms = conf->preempt_delay_ms;
	fc.primary_addr.family = AF_INET;
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

static void
instance_send_advert(struct instance *inst, uint8_t priority)
{
	struct vrrp_advert adv;
	uint8_t pkt[VRRP_PKT_MAX_LEN];
	int len = 0, err;

	if (!inst->have_primary || inst->sock_fd < 0)
		return;
	memset(&adv, 0, sizeof(adv));
	if (inst->conf.auth.type == VRRP_AUTH_AH)
		len = vrrp_ah_replay_next_seq(&inst->ah, &adv.ah_seq);
	/* Linux numbers a zero IP id itself, after the AH ICV covered it. */
	if (++inst->ip_id == 0)
		inst->ip_id = 1;
	adv.version = inst->conf.version;
	adv.vrid = inst->conf.vrid;
	adv.priority = priority;
	adv.max_adver_int_cs = (uint16_t)(inst->conf.advert_interval_ms / 10);
	adv.naddrs = (uint8_t)inst->conf.nvips;
	for (size_t i = 0; i < inst->conf.nvips; i++)
		adv.addrs[i] = inst->conf.vips[i].addr;
	if (len == 0)
		len = vrrp_pkt_build_ipv4(&adv, &inst->conf.auth, &inst->primary,
		    &ipv4_mcast_group, inst->ip_id, pkt, sizeof(pkt));
	if (len < 0 ||
	    (err = vrrp_net_send_ipv4(inst->sock_fd, pkt, (size_t)len,
	    &ipv4_mcast_group)) < 0) {
		/* Once per burst of failures is enough: the link is probably gone. */
		if (inst->counters.send_errors++ == 0)
			log_warn("%s: cannot send advert on %s: %s", inst->conf.name,
			    inst->conf.interface, strerror(len < 0 ? -len : -err));
		return;
	}
	inst->counters.adverts_sent++;
	if (priority == 0)
		inst->counters.priority_zero_sent++;
}

static void
instance_add_vips(struct instance *inst, const struct instance_env *env)
{
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < inst->conf.nvips; i++) {
		const struct conf_vip *vip = &inst->conf.vips[i];
		int err = netlink_addr_add(env->nl, inst->ifindex, &vip->addr,
		    vip->prefix_len);

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
		err = netlink_addr_del(env->nl, inst->ifindex, &vip->addr,
		    vip->prefix_len);
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

static void
instance_garp_burst(struct instance *inst, const struct instance_env *env,
    uint64_t now_ms)
{
	for (size_t i = 0; i < inst->conf.nvips; i++) {
		if (announce_send_garp(env->garp_fd, inst->ifindex, inst->mac,
		    &inst->conf.vips[i].addr) == 0)
			inst->counters.garp_sent++;
		else
			inst->counters.send_errors++;
	}
	if (inst->garp.remaining > 0)
		inst->garp.remaining--;
	inst->garp.next_ms = inst->garp.remaining > 0 ?
	    now_ms + inst->conf.garp.interval_ms : 0;
	if (inst->garp.next_ms == now_ms)
		inst->garp.next_ms = now_ms + 1;
}

static void
instance_garp_start(struct instance *inst, const struct instance_env *env,
    uint64_t now_ms)
{
	inst->garp.remaining = inst->conf.garp.repeat;
	inst->garp.second_burst_ms = inst->conf.garp.delay_ms > 0 ?
	    now_ms + inst->conf.garp.delay_ms : 0;
	inst->garp.refresh_ms = inst->conf.garp.refresh_s > 0 ?
	    now_ms + (uint64_t)inst->conf.garp.refresh_s * 1000u : 0;
	instance_garp_burst(inst, env, now_ms);
}

static void
instance_garp_tick(struct instance *inst, const struct instance_env *env,
    uint64_t now_ms)
{
	if (inst->fsm.state != VRRP_STATE_MASTER) {
		memset(&inst->garp, 0, sizeof(inst->garp));
		return;
	}
	if (inst->garp.next_ms != 0 && inst->garp.next_ms <= now_ms)
		instance_garp_burst(inst, env, now_ms);
	if (inst->garp.second_burst_ms != 0 && inst->garp.second_burst_ms <= now_ms) {
		inst->garp.second_burst_ms = 0;
		inst->garp.remaining = inst->conf.garp.repeat;
		instance_garp_burst(inst, env, now_ms);
	}
	if (inst->garp.refresh_ms != 0 && inst->garp.refresh_ms <= now_ms) {
		inst->garp.refresh_ms = now_ms +
		    (uint64_t)inst->conf.garp.refresh_s * 1000u;
		inst->garp.remaining = 1;
		instance_garp_burst(inst, env, now_ms);
	}
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
	default:
		break;
	}
	log_notice("%s: %s -> %s (%s%s)", inst->conf.name,
	    vrrp_state_name(a->from), vrrp_state_name(a->to),
	    vrrp_reason_name(a->reason), detail);
}

static void
instance_apply(struct instance *inst, const struct instance_env *env,
    const struct vrrp_actions *a, uint64_t now_ms)
{
	if (a->flags & VRRP_ACT_SEND_ADVERT)
		instance_send_advert(inst, a->advert_priority);
	if (a->flags & VRRP_ACT_ADD_VIPS)
		instance_add_vips(inst, env);
	if (a->flags & VRRP_ACT_SEND_GARP)
		instance_garp_start(inst, env, now_ms);
	if (a->flags & VRRP_ACT_REMOVE_VIPS) {
		instance_remove_vips(inst, env);
		memset(&inst->garp, 0, sizeof(inst->garp));
	}
	if (a->flags & VRRP_ACT_HANDOVER_STARTED)
		log_notice("%s: handing over: priority 0 sent, keeping VIPs until "
		    "a new master is heard (at most %" PRIu64 " ms)",
		    inst->conf.name, inst->fsm.release_due_ms - now_ms);
	if (a->flags & VRRP_ACT_STATE_CHANGED) {
		instance_log_transition(inst, a, now_ms);
		inst->counters.transitions++;
		if (a->to == VRRP_STATE_MASTER)
			inst->counters.became_master++;
		inst->last.from = a->from;
		inst->last.to = a->to;
		inst->last.reason = a->reason;
		inst->last.at_ms = now_ms;
		if (a->peer.family != 0)
			inst->last.peer = a->peer;
		inst->last.valid = true;
		drill_on_state(&inst->drill, a->to, now_ms);
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
	for (size_t i = 0; i < inst->conf.nvips; i++)
		exclude[i] = inst->conf.vips[i].addr;
	inst->have_primary = netlink_primary_addr(env->nl, inst->ifindex, AF_INET,
	    exclude, inst->conf.nvips, &inst->primary) == 0;
	if (inst->have_primary) {
		inst->fsm.cfg.primary_addr = inst->primary;
		if (!had_primary || vrrp_addr_cmp(&old_primary, &inst->primary) != 0)
			log_info("%s: using %s on %s as advert source",
			    inst->conf.name,
			    vrrp_addr_str(&inst->primary, text, sizeof(text)),
			    inst->conf.interface);
	} else if (had_primary || inst->fsm.state == VRRP_STATE_INIT) {
		log_warn("%s: %s has no IPv4 address to send adverts from",
		    inst->conf.name, inst->conf.interface);
	}
}

/* The interface exists, carries traffic and has an address to send from. */
static bool
instance_link_ok(const struct instance *inst)
{
	return inst->ifindex != 0 && inst->link_up && inst->have_primary;
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
	else if (!running && instance_link_ok(inst) && !inst->forced_fault)
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
	if (on || instance_link_ok(inst))
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

	due = min_deadline(due, inst->garp.next_ms);
	due = min_deadline(due, inst->garp.second_burst_ms);
	due = min_deadline(due, drill_next_deadline(&inst->drill,
	    inst->fsm.hold_until_ms));
	return min_deadline(due, inst->garp.refresh_ms);
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
