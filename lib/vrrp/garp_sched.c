/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * garp_sched - the announcement schedule (see garp_sched.h).
 */
#include <string.h>

#include "vrrp/garp_sched.h"

/* 0 means "not armed", so a deadline at time 0 must become 1. */
static uint64_t
gs_at(uint64_t now_ms, uint64_t after_ms)
{
	uint64_t t = now_ms + after_ms;

	return t == 0 ? 1 : t;
}

static void
gs_burst(struct garp_sched *s, const struct conf_garp *g, uint64_t now_ms)
{
	/* A burst under way keeps its rounds; never fewer than a new one's. */
	if (s->remaining < g->repeat)
		s->remaining = g->repeat;
	if (s->remaining == 0)
		s->remaining = 1;
	s->next_ms = gs_at(now_ms, 0);
}

void
garp_sched_master(struct garp_sched *s, const struct conf_garp *g,
    uint64_t now_ms)
{
	memset(s, 0, sizeof(*s));
	gs_burst(s, g, now_ms);
	s->second_burst_ms = g->delay_ms > 0 ? gs_at(now_ms, g->delay_ms) : 0;
	s->refresh_ms = g->refresh_s > 0 ?
	    gs_at(now_ms, (uint64_t)g->refresh_s * 1000u) : 0;
}

void
garp_sched_fresh(struct garp_sched *s, const struct conf_garp *g,
    uint64_t now_ms)
{
	gs_burst(s, g, now_ms);
}

void
garp_sched_stop(struct garp_sched *s)
{
	memset(s, 0, sizeof(*s));
}

/* One round of the burst sent at now_ms: the next one interval_ms later. */
static void
gs_round_sent(struct garp_sched *s, const struct conf_garp *g, uint64_t now_ms)
{
	if (s->remaining > 0)
		s->remaining--;
	/* interval 0: the rounds go one per tick, never in one loop. */
	s->next_ms = s->remaining > 0 ?
	    gs_at(now_ms, g->interval_ms > 0 ? g->interval_ms : 1) : 0;
}

bool
garp_sched_due(struct garp_sched *s, const struct conf_garp *g, uint64_t now_ms)
{
	if (s->second_burst_ms != 0 && s->second_burst_ms <= now_ms) {
		s->second_burst_ms = 0;
		gs_burst(s, g, now_ms);
	}
	if (s->refresh_ms != 0 && s->refresh_ms <= now_ms) {
		/* From now, not from the missed deadline: no burst after a stall. */
		s->refresh_ms = gs_at(now_ms, (uint64_t)g->refresh_s * 1000u);
		/* A refresh is one round, folded into a burst under way. */
		if (s->remaining == 0) {
			s->remaining = 1;
			s->next_ms = gs_at(now_ms, 0);
		}
	}
	if (s->next_ms == 0 || s->next_ms > now_ms)
		return false;
	gs_round_sent(s, g, now_ms);
	return true;
}

uint64_t
garp_sched_next(const struct garp_sched *s)
{
	uint64_t due = 0;
	const uint64_t t[3] = { s->next_ms, s->second_burst_ms, s->refresh_ms };

	for (int i = 0; i < 3; i++)
		if (t[i] != 0 && (due == 0 || t[i] < due))
			due = t[i];
	return due;
}
