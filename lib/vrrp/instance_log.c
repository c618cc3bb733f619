/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instance_log - how one instance's transitions are told (see
 * instance_log.h).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>

#include "vrrp/instance_log.h"

/* A transition that a comparison of priorities decided. */
static bool
instance_log_by_priority(enum vrrp_reason reason)
{
	return reason == VRRP_REASON_HIGHER_PRIORITY ||
	    reason == VRRP_REASON_TIE_HIGHER_ADDRESS ||
	    reason == VRRP_REASON_PREEMPT;
}

/*
 * Our side of it: what tracking did to our priority, while it is adjusted
 * or for the first such transition after it came back. The peer's reasons
 * are its own; of them we know only the priority it advertised.
 */
static const char *
instance_log_track_cause(const struct instance *inst, const struct vrrp_actions *a)
{
	if (!instance_log_by_priority(a->reason) || inst->track_note[0] == '\0')
		return NULL;
	if (!inst->track_note_fresh && inst->fsm.cfg.priority == inst->conf.priority)
		return NULL;
	return inst->track_note;
}

/* The peer's side: "192.0.2.1 advertised priority 90, below our 100". */
static void
instance_log_peer_cause(const struct instance *inst, const struct vrrp_actions *a,
    char *buf, size_t len)
{
	char peer[INET6_ADDRSTRLEN];
	unsigned ours = inst->fsm.cfg.priority, theirs = inst->last_advert_priority;

	buf[0] = '\0';
	switch (a->reason) {
	case VRRP_REASON_HIGHER_PRIORITY:
		snprintf(buf, len, "%s advertises priority %u, above our %u",
		    addr_str(&a->peer, peer, sizeof(peer)), theirs, ours);
		break;
	case VRRP_REASON_TIE_HIGHER_ADDRESS:
		snprintf(buf, len, "%s advertises our priority %u from a higher "
		    "address", addr_str(&a->peer, peer, sizeof(peer)), ours);
		break;
	case VRRP_REASON_PREEMPT:
		if (inst->last_advert_src.family != 0 && theirs != 0)
			snprintf(buf, len, "%s advertised priority %u, below our %u",
			    addr_str(&inst->last_advert_src, peer, sizeof(peer)),
			    theirs, ours);
		break;
	default:
		break;
	}
}

void
instance_log_transition(struct instance *inst, const struct vrrp_actions *a,
    uint64_t now_ms)
{
	char peer[INET6_ADDRSTRLEN], detail[160] = "", prio[96];
	const struct vrrp_fsm *fsm = &inst->fsm;
	const char *track = instance_log_track_cause(inst, a);

	instance_log_peer_cause(inst, a, prio, sizeof(prio));
	switch (a->reason) {
	case VRRP_REASON_HIGHER_PRIORITY:
	case VRRP_REASON_TIE_HIGHER_ADDRESS:
		snprintf(detail, sizeof(detail), ", %s", prio);
		break;
	case VRRP_REASON_STOP_HANDED_OVER:
	case VRRP_REASON_FAULT_HANDED_OVER:
	case VRRP_REASON_DRILL_HANDED_OVER:
	case VRRP_REASON_GROUP_HANDED_OVER:
		snprintf(detail, sizeof(detail), ", %s heard %" PRIu64
		    " ms after our priority 0; VIPs released%s%.60s",
		    addr_str(&a->peer, peer, sizeof(peer)),
		    now_ms - fsm->release_started_ms - VRRP_HANDOVER_GRACE_MS,
		    a->reason == VRRP_REASON_GROUP_HANDED_OVER &&
		    inst->health_detail[0] != '\0' ? "; " : "",
		    a->reason == VRRP_REASON_GROUP_HANDED_OVER ?
		    inst->health_detail : "");
		break;
	case VRRP_REASON_STOP_HANDOVER_TIMEOUT:
	case VRRP_REASON_FAULT_HANDOVER_TIMEOUT:
		snprintf(detail, sizeof(detail), ", waited %" PRIu64
		    " ms; VIPs released", now_ms - fsm->release_started_ms);
		break;
	case VRRP_REASON_MASTER_DOWN:
	case VRRP_REASON_MASTER_LEFT:
	case VRRP_REASON_PREEMPT:
		if (fsm->last_advert_ms != 0 && inst->last_advert_src.family != 0)
			snprintf(detail, sizeof(detail),
			    ", last advert from %s %.2f s ago%s%s",
			    addr_str(&inst->last_advert_src, peer, sizeof(peer)),
			    (double)(now_ms - fsm->last_advert_ms) / 1000.0,
			    prio[0] ? "; " : "", prio);
		else if (fsm->last_advert_ms == 0)
			snprintf(detail, sizeof(detail), ", no advert heard");
		break;
	case VRRP_REASON_STALLED:
		snprintf(detail, sizeof(detail), ": loop was stalled for %.2f s, "
		    "no advert sent for %.2f s, and %s took over; resuming as "
		    "BACKUP, VIPs released",
		    (double)inst->stall.late_ms / 1000.0,
		    (double)inst->stall.silent_ms / 1000.0,
		    addr_str(&a->peer, peer, sizeof(peer)));
		break;
	case VRRP_REASON_TRACK_FAULT:
	case VRRP_REASON_TRACK_OK:
	case VRRP_REASON_GROUP_FAULT:
	case VRRP_REASON_GROUP_OK:
	case VRRP_REASON_GROUP_BACKUP:
	case VRRP_REASON_GROUP_MASTER:
	case VRRP_REASON_BFD_MASTER_DOWN:
		if (inst->health_detail[0] != '\0')
			snprintf(detail, sizeof(detail), ": %.150s",
			    inst->health_detail);
		break;
	default:
		break;
	}
	log_notice("%s: %s -> %s (%s%s%s%s)", inst->conf.name,
	    vrrp_state_name(a->from), vrrp_state_name(a->to),
	    vrrp_reason_name(a->reason), detail, track ? "; ours: " : "",
	    track ? track : "");
}

/* A lower-priority master heard: a peer can trigger it, so rate-limited. */
void
instance_log_reassert(struct instance *inst, const struct addr *peer,
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
	    addr_str(peer, text, sizeof(text)), suppressed);
}

/* The timeline keeps the wall clock too: people read dates, not uptimes. */
void
instance_log_record(struct instance *inst, const struct vrrp_actions *a,
    uint64_t now_ms, uint64_t wall_ms)
{
	struct timeline_entry e = { .from = a->from, .to = a->to,
		.reason = a->reason, .at_ms = now_ms, .wall_ms = wall_ms,
		.peer = a->peer };
	const char *track = instance_log_track_cause(inst, a);
	char prio[96], both[INSTANCE_REASON_MAX + 100];

	if ((a->reason >= VRRP_REASON_TRACK_FAULT &&
	    a->reason <= VRRP_REASON_GROUP_MASTER) ||
	    a->reason == VRRP_REASON_GROUP_HANDED_OVER ||
	    a->reason == VRRP_REASON_BFD_MASTER_DOWN)
		snprintf(e.detail, sizeof(e.detail), "%.95s", inst->health_detail);
	else if (instance_log_by_priority(a->reason)) {
		/* Ours first (it is why we moved), then what the peer said. */
		instance_log_peer_cause(inst, a, prio, sizeof(prio));
		snprintf(both, sizeof(both), "%s%s%s", track ? track : "",
		    track && prio[0] ? "; " : "", prio);
		snprintf(e.detail, sizeof(e.detail), "%.95s", both);
		/* Told once: a later transition needs a fresh cause. */
		inst->track_note_fresh = false;
	}
	timeline_add(&inst->timeline, &e);
}
