/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_fsm_release - planned hand-overs, the part of the state machine
 * (vrrp_fsm.h) that RFC 5798 leaves to the implementation: a stop or a
 * forced FAULT of a Master with make-before-break, and drills (vipctl
 * drill, a sync group handing over with one of its members).
 *
 * A Master hands over by sending priority 0 (RFC 5798 6.4.3: the Backup
 * takes over after its Skew_Time) and, with make-before-break, keeping its
 * VIPs until the new master is heard, plus VRRP_HANDOVER_GRACE_MS, or
 * until its own Master_Down_Interval passes. The transition that ends it
 * says what started it, so that a log line or a timeline entry read alone
 * still tells a stop from a forced FAULT or a drill.
 */
#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_fsm_priv.h"

/* The reason of the transition that ends a hand-over, by its cause. */
static enum vrrp_reason
release_reason(enum vrrp_event_type cause, bool heard)
{
	switch (cause) {
	case VRRP_EV_SHUTDOWN:
		return heard ? VRRP_REASON_STOP_HANDED_OVER :
		    VRRP_REASON_STOP_HANDOVER_TIMEOUT;
	case VRRP_EV_FORCE_FAULT:
		return heard ? VRRP_REASON_FAULT_HANDED_OVER :
		    VRRP_REASON_FAULT_HANDOVER_TIMEOUT;
	case VRRP_EV_GROUP_HANDOVER:
		return VRRP_REASON_GROUP_HANDED_OVER;
	case VRRP_EV_DRILL:
	default:
		/* Drills nobody takes are called off: no transition ends them. */
		return VRRP_REASON_DRILL_HANDED_OVER;
	}
}

/*
 * A drill's Backup: the ordinary Master_Down_Timer (with handover = "rfc"
 * a drill with no peer ends with us taking over again), and no preemption
 * for the hold time.
 */
static void
fsm_enter_drill_backup(struct vrrp_fsm *fsm, enum vrrp_reason reason,
    uint64_t now_ms, struct vrrp_actions *out)
{
	if (fsm->release_heard) {
		fsm->master_addr = fsm->release_new_master;
		fsm->master_known = true;
		fsm->last_advert_ms = now_ms;
	}
	fsm->master_adver_interval_ms = fsm->cfg.advert_interval_ms;
	fsm->master_down_due_ms = vrrp_fsm_deadline(now_ms,
	    vrrp_fsm_down_ms(fsm, fsm->cfg.priority,
	    fsm->master_adver_interval_ms));
	fsm->hold_until_ms = vrrp_fsm_deadline(now_ms, fsm->drill_hold_ms);
	fsm->takeover_reason = VRRP_REASON_MASTER_DOWN;
	vrrp_fsm_transition(fsm, VRRP_STATE_BACKUP, reason, now_ms, out);
}

/*
 * Make-before-break, first half: say goodbye with priority 0 (the Backup
 * then takes over after its Skew_Time) but keep the VIPs and stay silent.
 * The wait is bounded by our Master_Down_Interval, so a lone node still
 * stops.
 */
void
vrrp_fsm_release_begin(struct vrrp_fsm *fsm, enum vrrp_state to,
    enum vrrp_event_type cause, uint64_t now_ms, struct vrrp_actions *out)
{
	fsm->release_to = to;
	fsm->release_cause = cause;
	out->flags |= VRRP_ACT_SEND_ADVERT | VRRP_ACT_HANDOVER_STARTED;
	out->advert_priority = 0;
	fsm->adver_due_ms = 0;
	fsm->releasing = true;
	fsm->release_heard = false;
	fsm->release_started_ms = now_ms;
	fsm->release_due_ms = vrrp_fsm_deadline(now_ms,
	    vrrp_fsm_down_ms(fsm, fsm->cfg.priority,
	    fsm->cfg.advert_interval_ms));
}

/*
 * Second half: the new master was heard (plus grace), or nobody came. A
 * drill that nobody took over from is called off: the VIPs stay, we stay
 * Master and advertise at once, so that the Backups (if any hear us again)
 * restart their Master_Down_Timer and the clients lose nothing. Going
 * Backup would leave the VIPs unserved for a Master_Down_Interval, for a
 * rehearsal. A stop or a forced FAULT releases anyway: the node is going.
 */
void
vrrp_fsm_release_finish(struct vrrp_fsm *fsm, uint64_t now_ms,
    struct vrrp_actions *out)
{
	enum vrrp_reason reason = release_reason(fsm->release_cause,
	    fsm->release_heard);

	if (fsm->release_to == VRRP_STATE_BACKUP && !fsm->release_heard) {
		fsm->releasing = false;
		fsm->release_due_ms = 0;
		fsm->release_kept_ms = now_ms;
		fsm->drill_hold_ms = 0;
		out->flags |= VRRP_ACT_SEND_ADVERT | VRRP_ACT_HANDOVER_KEPT;
		out->advert_priority = fsm->cfg.priority;
		fsm->adver_due_ms = vrrp_fsm_deadline(now_ms,
		    fsm->cfg.advert_interval_ms);
		return;
	}
	if (fsm->release_heard)
		out->peer = fsm->release_new_master;
	out->flags |= VRRP_ACT_REMOVE_VIPS;
	fsm->releasing = false;
	fsm->release_due_ms = 0;
	fsm->adver_due_ms = 0;
	fsm->master_down_due_ms = 0;
	fsm->preempt_allowed_ms = 0;
	vrrp_fsm_forget_master(fsm);
	if (fsm->release_to == VRRP_STATE_BACKUP) {
		fsm_enter_drill_backup(fsm, reason, now_ms, out);
		return;
	}
	vrrp_fsm_transition(fsm, fsm->release_to, reason, now_ms, out);
}


void
vrrp_fsm_release_heard(struct vrrp_fsm *fsm, const struct vrrp_event *ev,
    uint64_t now_ms)
{
	/* Priority 0 is another node leaving too, not a taker. */
	if (ev->priority != 0 && !fsm->release_heard) {
		fsm->release_heard = true;
		fsm->release_new_master = ev->src;
		fsm->release_due_ms = vrrp_fsm_deadline(now_ms,
		    VRRP_HANDOVER_GRACE_MS);
	}
}

/*
 * A drill, or a sync group handing over: make-before-break as above, or
 * (handover = "rfc") priority 0 and the VIPs at once, as RFC 5798 6.4.3
 * has a Master shut down, then Backup for the hold.
 */
void
vrrp_fsm_drill(struct vrrp_fsm *fsm, const struct vrrp_event *ev,
    uint64_t now_ms, struct vrrp_actions *out)
{
	if (fsm->state != VRRP_STATE_MASTER || fsm->releasing)
		return;
	fsm->drill_hold_ms = ev->hold_ms;
	if (fsm->cfg.make_before_break) {
		vrrp_fsm_release_begin(fsm, VRRP_STATE_BACKUP, ev->type, now_ms,
		    out);
		return;
	}
	out->flags |= VRRP_ACT_SEND_ADVERT | VRRP_ACT_REMOVE_VIPS;
	out->advert_priority = 0;
	fsm->adver_due_ms = 0;
	fsm->release_heard = false;
	vrrp_fsm_forget_master(fsm);
	fsm_enter_drill_backup(fsm, ev->type == VRRP_EV_DRILL ?
	    VRRP_REASON_DRILL : VRRP_REASON_GROUP_BACKUP, now_ms, out);
}
