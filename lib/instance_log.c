/*
 * instance_log - how one instance's transitions are told (see
 * instance_log.h).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "instance_log.h"

void
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
void
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
void
instance_log_record(struct instance *inst, const struct vrrp_actions *a,
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
