/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_timers - every module's timers in one table: each row is a module's
 * tick (run what is due at now_ms) and its next deadline (0: none). The
 * event loop arms its timerfd for the earliest deadline of all rows and,
 * when it fires, ticks every row in table order.
 *
 * Adding a module with timers is one row: VIPD_TIMER(mod, member) for a
 * module whose functions are mod_tick(&v->member, now_ms) and
 * mod_next_deadline(&v->member), or a row with two functions of its own.
 *
 * The order is kept where it matters:
 *  - the instances come first: their adverts and Master_Down timers are
 *    what peers wait on, so they must not wait behind an nft transaction
 *    (lb) or the forks of scripts (scripts, health) in the same tick;
 *  - the script runner comes before health: it kills timed-out scripts
 *    and delivers the results due, so that health counts a script's result
 *    before it starts the scripts whose interval has come.
 * Among the others the order does not matter.
 */
#include "vipd.h"

struct vipd_timer {
	void (*tick)(struct vipd *v, uint64_t now_ms);
	uint64_t (*next_deadline)(const struct vipd *v);
};

#define VIPD_TIMER(mod, member)                                              \
	static void mod##_row_tick(struct vipd *v, uint64_t now_ms)          \
	{                                                                    \
		mod##_tick(&v->member, now_ms);                              \
	}                                                                    \
	static uint64_t mod##_row_deadline(const struct vipd *v)             \
	{                                                                    \
		return mod##_next_deadline(&v->member);                      \
	}

static void
instances_tick(struct vipd *v, uint64_t now_ms)
{
	for (size_t i = 0; i < v->ninstances; i++)
		instance_tick(v->instances[i], &v->env, now_ms);
}

static uint64_t
instances_deadline(const struct vipd *v)
{
	uint64_t due = 0, d;

	for (size_t i = 0; i < v->ninstances; i++) {
		d = instance_next_deadline(v->instances[i]);
		if (d != 0 && (due == 0 || d < due))
			due = d;
	}
	return due;
}

VIPD_TIMER(ctl, ctl)
VIPD_TIMER(metrics, metrics)
VIPD_TIMER(lb, lb)
VIPD_TIMER(script_runner, scripts)
VIPD_TIMER(health, health)

static const struct vipd_timer timers[] = {
	{ instances_tick, instances_deadline },
	/* BFD next: its 10 ms packets must not wait behind nft or forks. */
	{ vipd_bfd_tick, vipd_bfd_deadline },
	{ ctl_row_tick, ctl_row_deadline },
	{ metrics_row_tick, metrics_row_deadline },
	{ vipd_lbcount_tick, vipd_lbcount_deadline },
	{ lb_row_tick, lb_row_deadline },
	{ vipd_sync_tick, vipd_sync_deadline },
	{ script_runner_row_tick, script_runner_row_deadline },
	{ health_row_tick, health_row_deadline },
	{ vipd_sdnotify_tick, vipd_sdnotify_deadline },
	{ vipd_drift_tick, vipd_drift_deadline },
};

void
vipd_timers_tick(struct vipd *v, uint64_t now_ms)
{
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++)
		timers[i].tick(v, now_ms);
}

uint64_t
vipd_timers_next_deadline(const struct vipd *v)
{
	uint64_t due = 0, d;

	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
		d = timers[i].next_deadline(v);
		if (d != 0 && (due == 0 || d < due))
			due = d;
	}
	return due;
}
