/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * garp_sched - when a Master announces its VIPs (gratuitous ARP, and
 * unsolicited NA for IPv6): pure, time passed in.
 *
 * A burst is `repeat` rounds `interval_ms` apart; one round announces every
 * VIP once. On becoming Master: a burst at once, a second burst `delay_ms`
 * later (0 = none: switches that were still learning the first one get
 * another chance), and one round every `refresh_s` for as long as it stays
 * Master (0 = none: caches that expire are refilled). A fresh burst (the
 * Master heard a lower-priority master: the other node came back and its
 * neighbours may have a stale entry) restarts only the burst, never the
 * second-burst or refresh timers.
 *
 * Owns: the schedule's state. Never does: send anything (the instance sends
 * a round when garp_sched_due() says so), or decide to start (the FSM's
 * actions do).
 */
#ifndef VIPD_GARP_SCHED_H
#define VIPD_GARP_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"

struct garp_sched {
	uint32_t remaining;            /* rounds left in the current burst */
	uint64_t next_ms;              /* next round of the burst, 0 = none */
	uint64_t second_burst_ms;      /* garp.delay_ms after becoming master, 0 = none */
	uint64_t refresh_ms;           /* next refresh round, 0 = none */
};

/* Became Master at now_ms: the first round is due at once. */
void garp_sched_master(struct garp_sched *s, const struct conf_garp *g,
		       uint64_t now_ms);

/* A fresh burst, due at once; the other timers keep running. */
void garp_sched_fresh(struct garp_sched *s, const struct conf_garp *g,
		      uint64_t now_ms);

/* No longer Master: nothing more is due. */
void garp_sched_stop(struct garp_sched *s);

/*
 * True when one round is due at now_ms; the schedule moves on as if it was
 * sent. At most one round per instant (a second call with the same now_ms
 * returns false), so the caller calls it once per tick, woken at
 * garp_sched_next(); a deadline may pass without a round (a refresh that
 * falls inside a burst joins it). A late tick owes one round, not the ones
 * it missed: no catch-up burst after a stall.
 */
bool garp_sched_due(struct garp_sched *s, const struct conf_garp *g,
		    uint64_t now_ms);

/* Earliest deadline, 0 when none. */
uint64_t garp_sched_next(const struct garp_sched *s);

#endif
