/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instance - carries out what vrrp_fsm decides for one VRRP instance: feeds
 * it events, applies its actions through instance_vips (addresses, accept
 * filter, VMAC), instance_announce (adverts, GARP/NA) and instance_log
 * (log lines, timeline), and keeps the FAULT reasons and drills.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "os/evloop.h"
#include "vrrp/instance.h"
#include "vrrp/instance_announce.h"
#include "vrrp/instance_log.h"
#include "vrrp/instance_routes.h"
#include "vrrp/instance_vips.h"

/* A hostile or broken peer can send thousands of bad adverts a second. */
#define DROP_LOG_BURST 5
#define DROP_LOG_PER_SECOND 1

static uint64_t
min_deadline(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

_Static_assert((int)CONF_AUTH_PASS == (int)VRRP_AUTH_PASS &&
    (int)CONF_AUTH_AH == (int)VRRP_AUTH_AH,
    "the model numbers auth types as the wire does");

void
instance_init(struct instance *inst, const struct conf_instance *conf,
    enum conf_handover handover)
{
	struct vrrp_fsm_config fc;

	memset(inst, 0, sizeof(*inst));
	inst->conf = *conf;
	_Static_assert(sizeof(inst->auth.key) == sizeof(conf->auth.key),
	    "auth key sizes");
	inst->auth.type = conf->auth.type;
	memcpy(inst->auth.key, conf->auth.key, sizeof(inst->auth.key));
	inst->sock_fd = -1;
	vmac_init(&inst->vmac);
	inst->gw_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	inst->drop_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(DROP_LOG_BURST,
	    DROP_LOG_PER_SECOND);
	inst->mismatch_log = inst->drop_log;
	inst->stall_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);

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

void
instance_fini(struct instance *inst)
{
	timeline_free(&inst->timeline);
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

static void
instance_apply(struct instance *inst, const struct instance_env *env,
    const struct vrrp_actions *a, uint64_t now_ms)
{
	if (a->flags & VRRP_ACT_SEND_ADVERT) {
		/* IPv6 VMAC: the source goes on the macvlan with the first advert. */
		if (inst->conf.use_vmac && inst->have_primary &&
		    vmac_source(&inst->vmac, env->nl, &inst->primary, true) < 0)
			inst->counters.send_errors++;
		instance_announce_advert(inst, a->advert_priority);
	}
	if (a->flags & VRRP_ACT_ADD_VIPS) {
		if (env->on_vips != NULL)
			env->on_vips(env->transition_arg, inst, true);
		instance_vips_accept_filter(inst, env, true);
		inst->vips_in = true;
		instance_vips_add(inst, env);
		instance_routes_add(inst, env, now_ms);
	}
	if (a->flags & VRRP_ACT_SEND_GARP)
		instance_announce_start(inst, env,
		    (a->flags & VRRP_ACT_REASSERTED) != 0, now_ms);
	if (a->flags & VRRP_ACT_REMOVE_VIPS) {
		if (env->on_vips != NULL)
			env->on_vips(env->transition_arg, inst, false);
		instance_routes_remove(inst, env);
		inst->vips_in = false;
		instance_vips_remove(inst, env);
		if (inst->conf.use_vmac)
			(void)vmac_source(&inst->vmac, env->nl, &inst->primary,
			    false);
		instance_vips_accept_filter(inst, env, false);
		garp_sched_stop(&inst->garp);
	}
	if (a->flags & VRRP_ACT_REASSERTED) {
		instance_log_reassert(inst, &a->peer, now_ms);
		if (env->on_rx_lower_pri != NULL)
			env->on_rx_lower_pri(env->transition_arg, inst, now_ms);
	}
	if (a->flags & VRRP_ACT_HANDOVER_STARTED)
		log_notice("%s: handing over: priority 0 sent, keeping VIPs until "
		    "a new master is heard (at most %" PRIu64 " ms)",
		    inst->conf.name, inst->fsm.release_due_ms - now_ms);
	if (a->flags & VRRP_ACT_HANDOVER_KEPT) {
		log_notice("%s: hand-over called off: no peer took over within %"
		    PRIu64 " ms; VIPs kept, still MASTER", inst->conf.name,
		    now_ms - inst->fsm.release_started_ms);
		drill_on_handover_kept(&inst->drill, now_ms);
	}
	if (a->flags & VRRP_ACT_STATE_CHANGED) {
		instance_log_transition(inst, a, now_ms);
		inst->counters.transitions++;
		if (a->to == VRRP_STATE_MASTER)
			inst->counters.became_master++;
		instance_log_record(inst, a, now_ms, evloop_wall_ms());
		drill_on_state(&inst->drill, a->to, a->reason, now_ms);
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

void
instance_resolve(struct instance *inst, const struct instance_env *env)
{
	struct netlink_link_info li;
	struct addr exclude[VRRP_MAX_ADDRS];
	size_t nexclude = 0;
	char text[INET6_ADDRSTRLEN];
	bool had_primary = inst->have_primary;
	struct addr old_primary = inst->primary;

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
		instance_vips_vmac_resolve(inst, env);
	/* Never a VIP as the source, nor an address with advertise = false. */
	for (size_t i = 0; i < inst->conf.nvips; i++)
		exclude[nexclude++] = inst->conf.vips[i].addr;
	for (size_t i = 0; i < inst->conf.nexcluded &&
	    nexclude < VRRP_MAX_ADDRS; i++)
		if (inst->conf.excluded[i].addr.family == inst->conf.family)
			exclude[nexclude++] = inst->conf.excluded[i].addr;
	/* keepalived's default source: the primary (IPv6: link-local) address. */
	if (inst->conf.have_unicast_src) {
		inst->primary = inst->conf.unicast_src;
		inst->have_primary = true;
	} else
		inst->have_primary = netlink_primary_addr(env->nl,
		    inst->ifindex, inst->conf.family, exclude, nexclude,
		    &inst->primary) == 0;
	if (inst->have_primary) {
		inst->fsm.cfg.primary_addr = inst->primary;
		if (!had_primary || addr_cmp(&old_primary, &inst->primary) != 0)
			log_info("%s: using %s on %s as advert source",
			    inst->conf.name,
			    addr_str(&inst->primary, text, sizeof(text)),
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

	if (inst->ifindex != 0) {
		instance_vips_remove_stale(inst, env);
		instance_routes_remove_stale(inst, env);
	}
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

enum vrrp_state
instance_state(const struct instance *inst)
{
	return inst->fsm.state;
}

uint64_t
instance_state_since_ms(const struct instance *inst)
{
	return inst->fsm.state_since_ms;
}

bool
instance_release_heard(const struct instance *inst)
{
	return inst->fsm.releasing && inst->fsm.release_heard;
}

const struct addr *
instance_master_addr(const struct instance *inst)
{
	return inst->fsm.master_known ? &inst->fsm.master_addr : NULL;
}

uint32_t
instance_master_adver_interval_ms(const struct instance *inst)
{
	return inst->fsm.master_adver_interval_ms;
}

uint8_t
instance_effective_priority(const struct instance *inst)
{
	return inst->fsm.cfg.priority;
}

enum vrrp_reason
instance_takeover_reason(const struct instance *inst)
{
	return inst->fsm.takeover_reason;
}

bool
instance_wants_master(const struct instance *inst)
{
	return inst->fsm.want_master;
}

uint64_t
instance_hold_until_ms(const struct instance *inst)
{
	return inst->fsm.hold_until_ms;
}

void
instance_set_group_gate(struct instance *inst, bool on)
{
	inst->fsm.group_gate = on;
}

void
instance_set_table_hold(struct instance *inst, bool on)
{
	inst->fsm.table_hold = on;
}

void
instance_release_all(struct instance *inst, const struct instance_env *env)
{
	instance_routes_remove(inst, env);
	inst->vips_in = false;
	instance_vips_remove(inst, env);
	instance_vips_accept_filter(inst, env, false);
	if (inst->conf.use_vmac)
		vmac_remove(&inst->vmac, env->nl, &inst->conf);
}

void
instance_count_drop(struct instance *inst, enum vrrp_drop reason,
    const struct addr *src, uint64_t now_ms)
{
	char text[INET6_ADDRSTRLEN];
	uint64_t suppressed = 0;

	inst->counters.drops[reason]++;
	if (!log_ratelimit_allow(&inst->drop_log, now_ms, &suppressed))
		return;
	if (suppressed > 0)
		log_warn("%s: dropped advert from %s: %s (%" PRIu64
		    " more drops not logged)", inst->conf.name,
		    src ? addr_str(src, text, sizeof(text)) : "?",
		    vrrp_drop_name(reason), suppressed);
	else
		log_warn("%s: dropped advert from %s: %s", inst->conf.name,
		    src ? addr_str(src, text, sizeof(text)) : "?",
		    vrrp_drop_name(reason));
}

/*
 * RFC 5798 7.1: an advert whose address list differs from ours is a
 * misconfiguration, to log; unless it comes from the address owner
 * (priority 255) it is dropped, as keepalived does, so that a node with
 * other VIPs cannot take ours away. check_advert_addresses = false obeys
 * it (logged all the same). True when the advert is to be dropped.
 */
static bool
instance_check_addr_list(struct instance *inst, const struct vrrp_advert *adv,
    const struct vrrp_pkt_meta *meta, uint64_t now_ms)
{
	char text[INET6_ADDRSTRLEN], more[64];
	struct addr ours[VRRP_MAX_ADDRS];
	uint64_t suppressed = 0;
	bool drop;

	for (size_t i = 0; i < inst->conf.nvips; i++)
		ours[i] = inst->conf.vips[i].addr;
	if (vrrp_pkt_same_addrs(adv->addrs, adv->naddrs, ours, inst->conf.nvips))
		return false;
	inst->counters.addr_list_mismatch++;
	drop = inst->conf.check_advert_addresses && adv->priority != 255;
	if (drop)
		inst->counters.drops[VRRP_DROP_ADDR_LIST]++;
	if (!log_ratelimit_allow(&inst->mismatch_log, now_ms, &suppressed))
		return drop;
	more[0] = '\0';
	if (suppressed > 0)
		snprintf(more, sizeof(more), " (%" PRIu64 " similar lines "
		    "suppressed)", suppressed);
	log_warn("%s: advert from %s (priority %u) lists %u addresses other "
	    "than our %zu (RFC 5798 7.1, misconfiguration?): %s%s",
	    inst->conf.name, addr_str(&meta->src, text, sizeof(text)),
	    adv->priority, adv->naddrs, inst->conf.nvips, drop ? "dropped" :
	    adv->priority == 255 ? "obeyed: the sender owns the addresses" :
	    "obeyed (check_advert_addresses = false)", more);
	return drop;
}

/* " (N similar lines suppressed)" when a limiter held some back, else "". */
static const char *
instance_suppressed_text(uint64_t suppressed, char *buf, size_t len)
{
	buf[0] = '\0';
	if (suppressed > 0)
		snprintf(buf, len, " (%" PRIu64 " similar lines suppressed)",
		    suppressed);
	return buf;
}

static bool
instance_is_peer(const struct instance *inst, const struct addr *a)
{
	for (size_t i = 0; i < inst->conf.npeers; i++)
		if (addr_cmp(&inst->conf.peers[i], a) == 0)
			return true;
	return false;
}

void
instance_receive(struct instance *inst, const struct instance_env *env,
    const struct vrrp_advert *adv, const struct vrrp_pkt_meta *meta,
    uint64_t now_ms)
{
	struct vrrp_event ev = { .type = VRRP_EV_ADVERT };
	char text[INET6_ADDRSTRLEN], more[64];
	enum vrrp_drop reason;
	uint64_t suppressed = 0;

	if (inst->have_primary && addr_cmp(&meta->src, &inst->primary) == 0) {
		instance_count_drop(inst, VRRP_DROP_OWN_PACKET, &meta->src, now_ms);
		return;
	}
	/* Unicast mode: whoever is not a configured peer has no say. */
	if (inst->conf.npeers > 0 && !instance_is_peer(inst, &meta->src)) {
		instance_count_drop(inst, VRRP_DROP_NOT_PEER, &meta->src, now_ms);
		return;
	}
	/* The ICV was good; an old sequence number makes it a replay. */
	if (inst->auth.type == VRRP_AUTH_AH &&
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
	if (instance_check_addr_list(inst, adv, meta, now_ms))
		return;
	inst->counters.adverts_received++;
	/*
	 * Anyone on the LAN can send priority 0 (v3 has no authentication):
	 * one line per advert would let a flood of them fill the log.
	 */
	if (adv->priority == 0) {
		inst->counters.priority_zero_received++;
		if (inst->fsm.state == VRRP_STATE_BACKUP &&
		    log_ratelimit_allow(&inst->mismatch_log, now_ms, &suppressed))
			log_info("%s: master %s is leaving (priority 0), taking "
			    "over in Skew_Time %u ms unless another node does%s",
			    inst->conf.name,
			    addr_str(&meta->src, text, sizeof(text)),
			    vrrp_fsm_skew_ms(&inst->fsm, inst->fsm.cfg.priority,
			    inst->fsm.master_adver_interval_ms),
			    instance_suppressed_text(suppressed, more,
			    sizeof(more)));
	}
	inst->last_advert_src = meta->src;
	inst->last_advert_priority = adv->priority;
	drill_on_advert(&inst->drill, &meta->src, adv->priority, now_ms);
	ev.priority = adv->priority;
	ev.max_adver_int_ms = (uint32_t)adv->max_adver_int_cs * 10u;
	ev.src = meta->src;
	ev.stalled = inst->stalling;
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

bool
instance_stall_begin(struct instance *inst, uint64_t now_ms)
{
	if (!vrrp_stall_detect(&inst->fsm, now_ms, &inst->stall))
		return false;
	inst->counters.stalls++;
	inst->stalling = true;
	return true;
}

void
instance_stall_end(struct instance *inst, uint64_t now_ms)
{
	char peer[INET6_ADDRSTRLEN], what[INSTANCE_REASON_MAX], more[64];
	uint64_t suppressed = 0;
	bool yielded = inst->fsm.last_reason == VRRP_REASON_STALLED &&
	    inst->fsm.state_since_ms == now_ms;

	if (!inst->stalling)
		return;
	inst->stalling = false;
	/* A yield was told by its transition line (instance_log). */
	if (yielded || !log_ratelimit_allow(&inst->stall_log, now_ms,
	    &suppressed))
		return;
	if (inst->fsm.state == VRRP_STATE_MASTER)
		snprintf(what, sizeof(what), "no other master heard meanwhile, "
		    "still MASTER");
	else if (inst->fsm.state == VRRP_STATE_BACKUP && inst->fsm.master_known)
		snprintf(what, sizeof(what), "adverts queued meanwhile read "
		    "first, still BACKUP following %s",
		    addr_str(&inst->fsm.master_addr, peer, sizeof(peer)));
	else
		snprintf(what, sizeof(what), "now %s",
		    vrrp_state_name(inst->fsm.state));
	log_warn("%s: loop was stalled for %.2f s; %s%s", inst->conf.name,
	    (double)inst->stall.late_ms / 1000.0, what,
	    instance_suppressed_text(suppressed, more, sizeof(more)));
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
	instance_announce_tick(inst, env, now_ms);
	instance_routes_tick(inst, env, now_ms);
	drill_tick(&inst->drill, inst->fsm.state, inst->fsm.hold_until_ms, now_ms);
}

uint64_t
instance_next_deadline(const struct instance *inst)
{
	uint64_t due = vrrp_fsm_next_deadline(&inst->fsm);

	due = min_deadline(due, garp_sched_next(&inst->garp));
	due = min_deadline(due, instance_routes_deadline(inst));
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
		    inst->fsm.master_known ? addr_str(&inst->fsm.master_addr,
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

void
instance_drill_end_early(struct instance *inst, const char *why,
    uint64_t now_ms)
{
	drill_end_early(&inst->drill, why, now_ms);
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
    const struct instance_track *r, uint64_t now_ms)
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
	snprintf(inst->track_note, sizeof(inst->track_note), "%.120s, priority "
	    "%u -> %u", r->adjust != 0 ? r->reason : "tracked objects ok", old,
	    r->priority);
	inst->track_note_fresh = true;
	log_notice("%s: %s", inst->conf.name, inst->track_note);
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

void
instance_bfd_master_down(struct instance *inst, const struct instance_env *env,
    uint32_t skew_ms, const char *detail, uint64_t now_ms)
{
	struct vrrp_event ev = { .type = VRRP_EV_BFD_MASTER_DOWN,
	    .bfd_skew_ms = skew_ms };

	snprintf(inst->health_detail, sizeof(inst->health_detail), "%s", detail);
	instance_feed(inst, env, &ev, now_ms);
}

void
instance_group_handover(struct instance *inst, const struct instance_env *env,
    const struct instance *cause, const char *detail, uint64_t now_ms)
{
	struct vrrp_event ev = { .type = VRRP_EV_GROUP_HANDOVER };

	if (inst->fsm.state != VRRP_STATE_MASTER || inst->fsm.releasing)
		return;
	/* Called off for want of a taker while cause still waits: no retry. */
	if (inst->fsm.release_kept_ms != 0 &&
	    inst->fsm.release_kept_ms >= cause->fsm.release_started_ms)
		return;
	snprintf(inst->health_detail, sizeof(inst->health_detail), "%s", detail);
	/* A drill of the group: hold Backup as long, and measure it too. */
	if (drill_running(&cause->drill) &&
	    cause->fsm.release_to == VRRP_STATE_BACKUP) {
		ev.hold_ms = cause->fsm.drill_hold_ms;
		if (!drill_running(&inst->drill))
			drill_start(&inst->drill, inst->conf.name,
			    inst->fsm.cfg.priority, inst->fsm.cfg.preempt,
			    ev.hold_ms, vrrp_fsm_down_ms(&inst->fsm,
			    inst->fsm.cfg.priority,
			    inst->fsm.cfg.advert_interval_ms), now_ms);
	}
	log_notice("%s: %s: handing over with it", inst->conf.name, detail);
	instance_feed(inst, env, &ev, now_ms);
}

bool
instance_own_fault(const struct instance *inst)
{
	return !instance_link_ok(inst) || inst->forced_fault || inst->track_fault;
}
