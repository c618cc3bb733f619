/*
 * drill - phases and figures of a failover drill.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "drill.h"

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

static void
drill_finish(struct drill *d, bool ok, const char *fmt, const char *detail)
{
	char peer[INET6_ADDRSTRLEN];
	int n;

	d->phase = DRILL_DONE;
	d->ok = ok;
	if (d->takeover_ms == 0) {
		snprintf(d->report, sizeof(d->report), "drill %s: FAILED: %s",
		    d->name, detail);
		return;
	}
	n = snprintf(d->report, sizeof(d->report), "drill %s: %s took over %"
	    PRIu64 " ms after our priority 0; held BACKUP %.1f s; ", d->name,
	    vrrp_addr_str(&d->new_master, peer, sizeof(peer)), d->takeover_ms,
	    d->hold_ms / 1000.0);
	if (n > 0 && (size_t)n < sizeof(d->report))
		snprintf(d->report + n, sizeof(d->report) - (size_t)n, fmt, detail);
}

void
drill_on_advert(struct drill *d, const struct vrrp_addr *src, uint8_t priority,
    uint64_t now_ms)
{
	if (d->phase != DRILL_HANDOVER || priority == 0)
		return;
	d->takeover_ms = now_ms - d->started_ms;
	d->new_master = *src;
	/* Fail back only if preemption would win against this master. */
	d->may_fail_back = d->may_fail_back && d->priority > priority;
	d->phase = DRILL_HOLD;
	d->deadline_ms = 0;
}

void
drill_on_state(struct drill *d, enum vrrp_state state, uint64_t now_ms)
{
	char text[64];

	if (!drill_running(d))
		return;
	if (state == VRRP_STATE_FAULT || state == VRRP_STATE_INIT) {
		snprintf(text, sizeof(text), "interrupted (instance went %s)",
		    vrrp_state_name(state));
		drill_finish(d, false, "%s", text);
		return;
	}
	if (d->phase == DRILL_FAILBACK && state == VRRP_STATE_MASTER) {
		d->failback_ms = now_ms - d->hold_end_ms;
		snprintf(text, sizeof(text), "%" PRIu64 " ms", d->failback_ms);
		drill_finish(d, true, "took the VIPs back in %s (preempt)", text);
	}
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
		return hold_until_ms;
	if (d->phase == DRILL_HANDOVER || d->phase == DRILL_FAILBACK)
		return d->deadline_ms;
	return 0;
}
