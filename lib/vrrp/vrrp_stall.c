/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_stall - stall detection and the resumed Master's yield (see
 * vrrp_stall.h); the yield is one more half of the state machine, called
 * from vrrp_fsm.c through vrrp_fsm_priv.h.
 */
#include <string.h>

#include "vrrp/vrrp_fsm_priv.h"
#include "vrrp/vrrp_stall.h"

bool
vrrp_stall_detect(const struct vrrp_fsm *fsm, uint64_t now_ms,
    struct vrrp_stall *out)
{
	uint64_t sent_ms;
	uint32_t interval;

	memset(out, 0, sizeof(*out));
	if (fsm->state == VRRP_STATE_MASTER) {
		interval = fsm->cfg.advert_interval_ms;
		if (fsm->releasing || fsm->adver_due_ms == 0 ||
		    now_ms <= fsm->adver_due_ms || interval == 0)
			return false;
		/* Adver_Timer is armed one interval after each advert sent. */
		sent_ms = fsm->adver_due_ms > interval ?
		    fsm->adver_due_ms - interval : 0;
		out->late_ms = now_ms - fsm->adver_due_ms;
		out->silent_ms = now_ms - sent_ms;
		return out->silent_ms >=
		    (uint64_t)VRRP_STALL_MASTER_INTERVALS * interval;
	}
	if (fsm->state == VRRP_STATE_BACKUP) {
		interval = fsm->master_adver_interval_ms;
		if (fsm->master_down_due_ms == 0 ||
		    now_ms <= fsm->master_down_due_ms || interval == 0)
			return false;
		out->late_ms = now_ms - fsm->master_down_due_ms;
		out->silent_ms = fsm->last_advert_ms != 0 ?
		    now_ms - fsm->last_advert_ms : 0;
		return out->late_ms >= interval;
	}
	return false;
}

/*
 * A Master, stalled, reads a queued advert of another master: BACKUP as a
 * node that has just joined (vrrp_stall.h), following that master.
 */
void
vrrp_fsm_stall_yield(struct vrrp_fsm *fsm, const struct vrrp_event *ev,
    uint64_t now_ms, struct vrrp_actions *out)
{
	out->flags |= VRRP_ACT_REMOVE_VIPS;
	out->peer = ev->src;
	fsm->adver_due_ms = 0;
	fsm->vips_release_due_ms = 0;
	fsm->reassert_allowed_ms = 0;
	if (ev->max_adver_int_ms != 0)
		fsm->master_adver_interval_ms = ev->max_adver_int_ms;
	fsm->master_down_due_ms = vrrp_fsm_deadline(now_ms,
	    vrrp_fsm_down_ms(fsm, fsm->cfg.priority,
	    fsm->master_adver_interval_ms));
	/* Preemption waits as after a start: the delay runs from now. */
	fsm->preempt_allowed_ms = vrrp_fsm_deadline(now_ms,
	    fsm->cfg.preempt_delay_ms);
	fsm->takeover_reason = VRRP_REASON_MASTER_DOWN;
	fsm->master_addr = ev->src;
	fsm->master_known = true;
	fsm->last_advert_ms = now_ms;
	vrrp_fsm_transition(fsm, VRRP_STATE_BACKUP, VRRP_REASON_STALLED, now_ms,
	    out);
}
