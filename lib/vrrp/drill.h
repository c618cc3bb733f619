/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * drill - the bookkeeping of `vipctl drill`, a measured planned hand-over:
 * HANDOVER from our priority-0 advert to the new master's first advert,
 * HOLD in Backup (the state machine refuses to preempt meanwhile), then
 * FAILBACK until we are Master again, when preemption would bring us back;
 * then a one-line report.
 *
 * Pure: fed with events and the time, it never acts. It owns no timer of
 * the protocol; its deadlines only bound how long each phase may take.
 *
 * Every drill ends with a report, also when it is cut short ("ended early":
 * the new master went away during the hold and we took the VIPs back, the
 * instance went FAULT or was stopped). ok (vipctl's exit status 0) means a
 * takeover was measured; an early end before one means failure.
 *
 * No taker: with make-before-break the state machine keeps the VIPs and
 * stays Master (drill_on_handover_kept: "refused: ... kept the VIPs, still
 * MASTER"). With handover = "rfc" the VIPs went with the priority-0 advert
 * and come back only on our Master_Down_Timer; the report says so.
 */
#ifndef VIPD_DRILL_H
#define VIPD_DRILL_H

#include <stdbool.h>
#include <stdint.h>

#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_pkt.h"

enum drill_phase { DRILL_NONE, DRILL_HANDOVER, DRILL_HOLD, DRILL_FAILBACK,
	DRILL_DONE };

struct drill {
	enum drill_phase phase;
	bool ok;
	bool early;                    /* cut short: see drill_end_early() */
	char name[64];                 /* the instance, for the report */
	uint32_t hold_ms;
	uint32_t wait_ms;              /* Master_Down_Interval: a phase's limit */
	bool may_fail_back;            /* preempt on and our priority higher */
	uint8_t priority;              /* ours */
	uint64_t started_ms;
	uint64_t takeover_ms;          /* priority 0 -> new master's advert */
	uint64_t hold_end_ms;
	uint64_t failback_ms;          /* hold end -> Master again (0 = none) */
	uint64_t deadline_ms;          /* the current phase fails at this time */
	uint64_t peer_heard_ms;        /* the new master's last advert */
	struct addr new_master;
	char report[320];
};

/* Begin at now_ms; wait_ms bounds the hand-over and the fail-back. */
void drill_start(struct drill *d, const char *name, uint8_t priority,
		 bool preempt, uint32_t hold_ms, uint32_t wait_ms, uint64_t now_ms);

/* An advert of another router arrived. */
void drill_on_advert(struct drill *d, const struct addr *src,
		     uint8_t priority, uint64_t now_ms);

/*
 * Our state machine changed state, for reason. FAULT or INIT ends the
 * drill early; MASTER during the hold (the new master went away) too;
 * MASTER during the hand-over (handover = "rfc", nobody took over) fails it.
 */
void drill_on_state(struct drill *d, enum vrrp_state state,
		    enum vrrp_reason reason, uint64_t now_ms);

/*
 * The state machine called the hand-over off (VRRP_ACT_HANDOVER_KEPT): no
 * peer took over within Master_Down_Interval, the VIPs were kept.
 */
void drill_on_handover_kept(struct drill *d, uint64_t now_ms);

/* Cut a running drill short for why (e.g. "the instance was stopped"). */
void drill_end_early(struct drill *d, const char *why, uint64_t now_ms);

/*
 * Time passes: ends the hold, fails a phase past its deadline. The hold
 * too has a bound (hold + twice wait_ms + 1 s from the takeover), so a
 * drill always ends even if the state machine never holds us.
 */
void drill_tick(struct drill *d, enum vrrp_state state, uint64_t hold_until_ms,
		uint64_t now_ms);

/* When drill_tick must next run (0 = not needed). */
uint64_t drill_next_deadline(const struct drill *d, uint64_t hold_until_ms);

bool drill_running(const struct drill *d);

#endif
