/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_announce - when an announced service has its route (see
 * lb_announce.h).
 */
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "lb/lb_announce.h"

enum lb_announce_reason
lb_announce_why(const struct lb_announce_input *in)
{
	if (in->stopping)
		return LB_ANNOUNCE_STOPPING;
	if (!in->rules_ok)
		return LB_ANNOUNCE_NO_RULES;
	if (!in->links_up)
		return LB_ANNOUNCE_INTERFACE_DOWN;
	if (!in->chain_ok)
		return LB_ANNOUNCE_CHAIN_MISSING;
	if (!in->checks_known)
		return LB_ANNOUNCE_CHECKS_PENDING;
	if (!in->quorum_met)
		return LB_ANNOUNCE_BELOW_QUORUM;
	if (!in->track_ok)
		return LB_ANNOUNCE_TRACK_FAILING;
	return LB_ANNOUNCE_READY;
}

void
lb_announce_init(struct lb_announce *a, uint64_t now_ms)
{
	*a = (struct lb_announce){ .state = LB_ANNOUNCE_WITHDRAWN,
	    .reason = LB_ANNOUNCE_STARTING, .since_ms = now_ms };
}

enum lb_announce_action
lb_announce_step(struct lb_announce *a, enum lb_announce_reason why,
    uint32_t drain_ms, uint64_t now_ms)
{
	enum lb_announce_state was = a->state;

	if (was == LB_ANNOUNCE_DRAINING)
		return LB_ANNOUNCE_NONE;
	if (why == LB_ANNOUNCE_STOPPING) {
		a->state = LB_ANNOUNCE_DRAINING;
		a->reason = why;
		a->since_ms = now_ms;
		/* Drain only what was announced: nothing comes otherwise. */
		a->drain_until_ms = was == LB_ANNOUNCE_ANNOUNCED ?
		    now_ms + drain_ms : now_ms;
		if (was != LB_ANNOUNCE_ANNOUNCED)
			return LB_ANNOUNCE_NONE;
		a->withdraws++;
		return LB_ANNOUNCE_DEL;
	}
	if (why == LB_ANNOUNCE_READY && was == LB_ANNOUNCE_WITHDRAWN) {
		a->state = LB_ANNOUNCE_ANNOUNCED;
		a->since_ms = now_ms;
		a->announces++;
		return LB_ANNOUNCE_ADD;
	}
	if (why != LB_ANNOUNCE_READY && was == LB_ANNOUNCE_ANNOUNCED) {
		a->state = LB_ANNOUNCE_WITHDRAWN;
		a->reason = why;
		a->since_ms = now_ms;
		a->withdraws++;
		return LB_ANNOUNCE_DEL;
	}
	/* Withdrawn all along: the reason follows what is wrong now. */
	if (why != LB_ANNOUNCE_READY && was == LB_ANNOUNCE_WITHDRAWN)
		a->reason = why;
	return LB_ANNOUNCE_NONE;
}

void
lb_announce_refused(struct lb_announce *a, uint64_t now_ms)
{
	if (a->state == LB_ANNOUNCE_ANNOUNCED && a->announces > 0)
		a->announces--;
	a->state = LB_ANNOUNCE_WITHDRAWN;
	a->reason = LB_ANNOUNCE_ROUTE_REFUSED;
	a->since_ms = now_ms;
}

const char *
lb_announce_state_name(enum lb_announce_state s)
{
	static const char *const names[LB_ANNOUNCE_STATE__COUNT] = {
		[LB_ANNOUNCE_WITHDRAWN] = "withdrawn",
		[LB_ANNOUNCE_ANNOUNCED] = "announced",
		[LB_ANNOUNCE_DRAINING] = "draining",
	};

	return (unsigned)s < LB_ANNOUNCE_STATE__COUNT ? names[s] : "?";
}

const char *
lb_announce_reason_name(enum lb_announce_reason r)
{
	static const char *const names[LB_ANNOUNCE_REASON__COUNT] = {
		[LB_ANNOUNCE_READY] = "ready",
		[LB_ANNOUNCE_STARTING] = "starting",
		[LB_ANNOUNCE_STOPPING] = "stopping",
		[LB_ANNOUNCE_NO_RULES] = "rules not in the kernel",
		[LB_ANNOUNCE_INTERFACE_DOWN] = "interface down",
		[LB_ANNOUNCE_CHAIN_MISSING] = "nft chain missing",
		[LB_ANNOUNCE_CHECKS_PENDING] = "backends not checked yet",
		[LB_ANNOUNCE_BELOW_QUORUM] = "below quorum",
		[LB_ANNOUNCE_TRACK_FAILING] = "track failing",
		[LB_ANNOUNCE_ROUTE_REFUSED] = "route refused",
	};

	return (unsigned)r < LB_ANNOUNCE_REASON__COUNT ? names[r] : "?";
}

enum lb_announce_verdict
lb_announce_judge(const struct lb_announce_route *r, bool announced,
    bool service_vip)
{
	bool v6 = r->dst.family == AF_INET6;
	uint8_t host = v6 ? 128 : 32;
	/* IPv6 stores metric 0 as 1024 (IP6_RT_PRIO_USER): ours too. */
	bool our_metric = r->metric == 0 || (v6 &&
	    r->metric == LB_ANNOUNCE_METRIC6);

	if (!service_vip || r->dst_len != host)
		return LB_ANNOUNCE_LEAVE;
	if (!announced)
		return LB_ANNOUNCE_REMOVE;
	if (r->table != LB_ANNOUNCE_TABLE || !our_metric)
		return LB_ANNOUNCE_REMOVE;
	/* IPv6 shows a blackhole route on lo: its device says nothing. */
	if (r->type != RTN_BLACKHOLE || r->have_via)
		return LB_ANNOUNCE_REPLACE;
	return LB_ANNOUNCE_OURS;
}

bool
lb_announce_event_drift(const struct lb_announce_route *r, uint8_t protocol,
    bool deleted, bool announced, bool service_vip)
{
	uint8_t host = r->dst.family == AF_INET6 ? 128 : 32;
	enum lb_announce_verdict v;

	if (!service_vip || r->dst_len != host)
		return false;
	if (protocol != LB_ANNOUNCE_PROTO)
		return !deleted && announced && r->table == LB_ANNOUNCE_TABLE;
	v = lb_announce_judge(r, announced, service_vip);
	if (deleted)
		return announced && v == LB_ANNOUNCE_OURS;
	return v == LB_ANNOUNCE_REPLACE || v == LB_ANNOUNCE_REMOVE;
}
