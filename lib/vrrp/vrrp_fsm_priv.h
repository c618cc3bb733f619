/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_fsm_priv - what the two halves of the state machine share:
 * vrrp_fsm.c (RFC 5798 6.4: startup, adverts, timers, yielding) and
 * vrrp_fsm_release.c (planned hand-overs), and vrrp_stall.c (a Master
 * resuming after a stall). Nothing else includes it; the contract is
 * vrrp_fsm.h.
 *
 * Calls go one way, vrrp_fsm.c -> vrrp_fsm_release.c, vrrp_stall.c: the few steps a
 * hand-over shares with the rest of the machine (a deadline, a transition,
 * forgetting the master) are inline here, so that release needs nothing
 * that vrrp_fsm.c defines.
 */
#ifndef VIPD_VRRP_FSM_PRIV_H
#define VIPD_VRRP_FSM_PRIV_H

#include <stdint.h>
#include <string.h>

#include "vrrp/vrrp_fsm.h"

/* 0 means "not armed", so a deadline computed at time 0 must not be 0. */
static inline uint64_t
vrrp_fsm_deadline(uint64_t now_ms, uint32_t delay_ms)
{
	uint64_t due = now_ms + delay_ms;

	return due == 0 ? 1 : due;
}

/* Enter `to` for `reason`: the state-changed action, since, last reason. */
static inline void
vrrp_fsm_transition(struct vrrp_fsm *fsm, enum vrrp_state to,
    enum vrrp_reason reason, uint64_t now_ms, struct vrrp_actions *out)
{
	out->flags |= VRRP_ACT_STATE_CHANGED;
	out->from = fsm->state;
	out->to = to;
	out->reason = reason;
	fsm->state = to;
	fsm->state_since_ms = now_ms;
	fsm->last_reason = reason;
	fsm->want_master = false;
}

/* No master known (and no advert heard from one). */
static inline void
vrrp_fsm_forget_master(struct vrrp_fsm *fsm)
{
	fsm->master_known = false;
	memset(&fsm->master_addr, 0, sizeof(fsm->master_addr));
	fsm->last_advert_ms = 0;
}

/* ---- vrrp_fsm_release.c, called by vrrp_fsm.c ---- */

/*
 * A Master starts a make-before-break hand-over that ends in `to`: INIT
 * (cause VRRP_EV_SHUTDOWN), FAULT (VRRP_EV_FORCE_FAULT) or BACKUP
 * (VRRP_EV_DRILL, VRRP_EV_GROUP_HANDOVER). The cause is told with the
 * transition that ends it.
 */
void vrrp_fsm_release_begin(struct vrrp_fsm *fsm, enum vrrp_state to,
			    enum vrrp_event_type cause, uint64_t now_ms,
			    struct vrrp_actions *out);

/* An advert while handing over: a new master's starts the grace. */
void vrrp_fsm_release_heard(struct vrrp_fsm *fsm, const struct vrrp_event *ev,
			    uint64_t now_ms);

/* release_due_ms passed: let the VIPs go, or call a drill off. */
void vrrp_fsm_release_finish(struct vrrp_fsm *fsm, uint64_t now_ms,
			     struct vrrp_actions *out);

/* VRRP_EV_DRILL and VRRP_EV_GROUP_HANDOVER. */
void vrrp_fsm_drill(struct vrrp_fsm *fsm, const struct vrrp_event *ev,
		    uint64_t now_ms, struct vrrp_actions *out);

/* ---- vrrp_stall.c, called by vrrp_fsm.c ---- */

/* A stalled Master reads another master's queued advert: BACKUP. */
void vrrp_fsm_stall_yield(struct vrrp_fsm *fsm, const struct vrrp_event *ev,
			  uint64_t now_ms, struct vrrp_actions *out);

#endif
