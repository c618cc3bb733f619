/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * drill - phases and figures of a failover drill.
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vrrp/drill.h"

void
drill_start(struct drill *d, const char *name, uint8_t priority, bool preempt,
    uint32_t hold_ms, uint32_t wait_ms, uint64_t now_ms)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->phase = DRILL_HANDOVER;
	d->priority = priority;
	d->may_fail_back = preempt;
	d->hold_ms = hold_ms;
	d->wait_ms = wait_ms;
	d->started_ms = now_ms;
	/* A little slack over the protocol's own limit, for the event loop. */
	d->deadline_ms = now_ms + wait_ms + 100;
}

bool
drill_running(const struct drill *d)
{
	return d->phase == DRILL_HANDOVER || d->phase == DRILL_HOLD ||
	    d->phase == DRILL_FAILBACK;
}

/* The report's tail once a new master took over: who, and how fast. */
static int
drill_takeover_text(const struct drill *d, char *buf, size_t len)
{
	char peer[INET6_ADDRSTRLEN];

	return snprintf(buf, len, "%s took over %" PRIu64 " ms after our "
	    "priority 0", addr_str(&d->new_master, peer, sizeof(peer)),
	    d->takeover_ms);
}

static void
drill_finish(struct drill *d, bool ok, const char *fmt, const char *detail)
{
	int n;

	if (d->phase == DRILL_HANDOVER) {
		snprintf(d->report, sizeof(d->report), "drill %s: FAILED: %s",
		    d->name, detail);
		d->phase = DRILL_DONE;
		d->ok = false;
		return;
	}
	d->phase = DRILL_DONE;
	d->ok = ok;
	n = snprintf(d->report, sizeof(d->report), "drill %s: ", d->name);
	if (n > 0 && (size_t)n < sizeof(d->report))
		n += drill_takeover_text(d, d->report + n,
		    sizeof(d->report) - (size_t)n);
	if (n > 0 && (size_t)n < sizeof(d->report))
		n += snprintf(d->report + n, sizeof(d->report) - (size_t)n,
		    "; held BACKUP %.1f s; ", d->hold_ms / 1000.0);
	if (n > 0 && (size_t)n < sizeof(d->report))
		snprintf(d->report + n, sizeof(d->report) - (size_t)n, fmt, detail);
}

static const char *
drill_phase_words(enum drill_phase phase)
{
	switch (phase) {
	case DRILL_HANDOVER:
		return "during the hand-over";
	case DRILL_HOLD:
		return "during the hold";
	default:
		return "during the fail-back";
	}
}

/*
 * Cut short: the report says why and keeps what was measured. A takeover
 * that was measured is the drill's main figure, so it still passes.
 */
static void
drill_finish_early(struct drill *d, const char *why)
{
	bool taken = d->phase != DRILL_HANDOVER;
	int n;

	n = snprintf(d->report, sizeof(d->report), "drill %s: ended early: %s; ",
	    d->name, why);
	if (n > 0 && (size_t)n < sizeof(d->report)) {
		if (taken)
			drill_takeover_text(d, d->report + n,
			    sizeof(d->report) - (size_t)n);
		else
			snprintf(d->report + n, sizeof(d->report) - (size_t)n,
			    "no peer had taken over");
	}
	d->phase = DRILL_DONE;
	d->early = true;
	d->ok = taken;
}

void
drill_on_handover_kept(struct drill *d, uint64_t now_ms)
{
	(void)now_ms;
	if (d->phase != DRILL_HANDOVER)
		return;
	snprintf(d->report, sizeof(d->report), "drill %s: refused: no peer "
	    "took over within Master_Down_Interval (%u ms); kept the VIPs, "
	    "still MASTER", d->name, d->wait_ms);
	d->phase = DRILL_DONE;
	d->ok = false;
}

/*
 * handover = "rfc": the priority-0 advert took the VIPs with it, and with
 * nobody to take over we are Master again only on our Master_Down_Timer.
 * The clients had no answer meanwhile: say so, a drill cannot avoid it.
 */
static void
drill_master_in_handover(struct drill *d, enum vrrp_reason reason,
    uint64_t now_ms)
{
	snprintf(d->report, sizeof(d->report), "drill %s: FAILED: no peer took "
	    "over within Master_Down_Interval (%u ms); handover = \"rfc\" "
	    "released the VIPs with priority 0 and took them back after %"
	    PRIu64 " ms (%s)", d->name, d->wait_ms, now_ms - d->started_ms,
	    vrrp_reason_name(reason));
	d->phase = DRILL_DONE;
	d->ok = false;
}

void
drill_end_early(struct drill *d, const char *why, uint64_t now_ms)
{
	char text[160];

	(void)now_ms;
	if (!drill_running(d))
		return;
	snprintf(text, sizeof(text), "%s %s", why, drill_phase_words(d->phase));
	drill_finish_early(d, text);
}

static bool
drill_same_addr(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes,
	    a->family == AF_INET6 ? 16 : 4) == 0;
}

void
drill_on_advert(struct drill *d, const struct addr *src, uint8_t priority,
    uint64_t now_ms)
{
	/* Its last word (priority 0 too): how long before we took over. */
	if (d->phase == DRILL_HOLD && drill_same_addr(src, &d->new_master))
		d->peer_heard_ms = now_ms;
	if (d->phase != DRILL_HANDOVER || priority == 0)
		return;
	d->takeover_ms = now_ms - d->started_ms;
	d->new_master = *src;
	d->peer_heard_ms = now_ms;
	/* Fail back only if preemption would win against this master. */
	d->may_fail_back = d->may_fail_back && d->priority > priority;
	d->phase = DRILL_HOLD;
	/* Only a bound: the hold itself ends with the state machine's. */
	d->deadline_ms = now_ms + d->hold_ms + 2u * (uint64_t)d->wait_ms + 1000;
}

/* Master during the hold: the new master went away, we took the VIPs back. */
static void
drill_master_in_hold(struct drill *d, enum vrrp_reason reason, uint64_t now_ms)
{
	char peer[INET6_ADDRSTRLEN], text[192];

	snprintf(text, sizeof(text), "peer %s went away during the hold, took "
	    "the VIPs back after %" PRIu64 " ms (%s)",
	    addr_str(&d->new_master, peer, sizeof(peer)),
	    now_ms - d->peer_heard_ms, vrrp_reason_name(reason));
	drill_finish_early(d, text);
}

void
drill_on_state(struct drill *d, enum vrrp_state state, enum vrrp_reason reason,
    uint64_t now_ms)
{
	char text[160];

	if (!drill_running(d))
		return;
	if (state == VRRP_STATE_FAULT || state == VRRP_STATE_INIT) {
		snprintf(text, sizeof(text), "the instance went %s (%s) %s",
		    vrrp_state_name(state), vrrp_reason_name(reason),
		    drill_phase_words(d->phase));
		drill_finish_early(d, text);
		return;
	}
	if (state != VRRP_STATE_MASTER)
		return;
	if (d->phase == DRILL_HANDOVER) {
		drill_master_in_handover(d, reason, now_ms);
		return;
	}
	/* The hold's end and our preemption in one tick: a normal fail-back. */
	if (d->phase == DRILL_HOLD && reason == VRRP_REASON_PREEMPT &&
	    d->may_fail_back) {
		d->phase = DRILL_FAILBACK;
		d->hold_end_ms = now_ms;
	}
	if (d->phase == DRILL_HOLD) {
		drill_master_in_hold(d, reason, now_ms);
		return;
	}
	if (d->phase == DRILL_FAILBACK) {
		d->failback_ms = now_ms - d->hold_end_ms;
		snprintf(text, sizeof(text), "%" PRIu64 " ms", d->failback_ms);
		drill_finish(d, true, "took the VIPs back in %s (preempt)", text);
	}
}

/* The hold: ends when the state machine's does, or at its outer bound. */
static void
drill_tick_hold(struct drill *d, enum vrrp_state state, uint64_t hold_until_ms,
    uint64_t now_ms)
{
	char text[160];

	if (now_ms >= d->deadline_ms) {
		snprintf(text, sizeof(text), "the hold did not end within %"
		    PRIu64 " ms (instance %s)", (uint64_t)d->hold_ms +
		    2u * (uint64_t)d->wait_ms + 1000, vrrp_state_name(state));
		drill_finish_early(d, text);
		return;
	}
	/* The hold runs in the state machine from the moment we are Backup. */
	if (state != VRRP_STATE_BACKUP || hold_until_ms == 0 ||
	    now_ms < hold_until_ms)
		return;
	d->hold_end_ms = now_ms;
	if (!d->may_fail_back) {
		drill_finish(d, true, "%s", "no fail-back: preempt is off "
		    "or the new master has a higher priority");
		return;
	}
	d->phase = DRILL_FAILBACK;
	/* Preemption needs the master's adverts ignored for a full interval. */
	d->deadline_ms = now_ms + 2ull * d->wait_ms + 100;
}

void
drill_tick(struct drill *d, enum vrrp_state state, uint64_t hold_until_ms,
    uint64_t now_ms)
{
	char text[96];

	switch (d->phase) {
	case DRILL_HANDOVER:
		if (now_ms < d->deadline_ms)
			return;
		snprintf(text, sizeof(text), "no peer took over within "
		    "Master_Down_Interval (%u ms)", d->wait_ms);
		drill_finish(d, false, "%s", text);
		return;
	case DRILL_HOLD:
		drill_tick_hold(d, state, hold_until_ms, now_ms);
		return;
	case DRILL_FAILBACK:
		if (now_ms < d->deadline_ms)
			return;
		snprintf(text, sizeof(text), "%u ms", 2 * d->wait_ms);
		drill_finish(d, false, "did not take the VIPs back within %s",
		    text);
		return;
	default:
		return;
	}
}

uint64_t
drill_next_deadline(const struct drill *d, uint64_t hold_until_ms)
{
	if (d->phase == DRILL_HOLD)
		return hold_until_ms != 0 && hold_until_ms < d->deadline_ms ?
		    hold_until_ms : d->deadline_ms;
	if (d->phase == DRILL_HANDOVER || d->phase == DRILL_FAILBACK)
		return d->deadline_ms;
	return 0;
}
