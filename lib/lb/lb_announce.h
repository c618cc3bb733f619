/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_announce - when a service with announce = true has its route
 * (active/active through BGP): pure, no OS, time passed in.
 *
 * The route is a blackhole VIP/32 (/128) in the main table with vipd's
 * routing protocol number LB_ANNOUNCE_PROTO; FRR's `redistribute kernel`
 * or BIRD's `protocol kernel { learn; }` announce it, so that the router
 * sends the VIP's traffic to this node while the route is there. The
 * netdev ingress chain takes the packets before routing: the blackhole
 * never drops a packet of the service, only what the chain does not take.
 *
 * A service is ready, and announced, when all of these hold; the first
 * that does not is the reason of the withdraw (lb_announce_why):
 *   not stopping; its rules are in the kernel; its interfaces are up; its
 *   nft chain is there; every backend has a first check result; quorum is
 *   met; its track_* objects are up.
 * On a stop the route goes first, then the node forwards for
 * announce_drain_ms (DRAINING) so that the packets in flight and those the
 * router sends until it converged are not lost.
 *
 * Owns: the states, the reasons and their names, the rules above, and
 * which routes of vipd's protocol are ours (lb_announce_judge).
 * Never does: talk to the kernel (lb_route.c does), log.
 */
#ifndef VIPD_LB_ANNOUNCE_H
#define VIPD_LB_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/*
 * vipd's routing protocol number (contrib/iproute2/rt_protos.d/vipd.conf:
 * "91 vipd"). Not one that zebra owns (11, 186-198) or ignores when it
 * redistributes kernel routes (2, the kernel's own), nor babel's 42.
 */
#define LB_ANNOUNCE_PROTO 91
#define LB_ANNOUNCE_TABLE 254            /* RT_TABLE_MAIN */
/* The metric the kernel gives an IPv6 route added with metric 0. */
#define LB_ANNOUNCE_METRIC6 1024

enum lb_announce_state {
	LB_ANNOUNCE_WITHDRAWN = 0,
	LB_ANNOUNCE_ANNOUNCED,
	LB_ANNOUNCE_DRAINING,            /* stopping: withdrawn, forwarding */
	LB_ANNOUNCE_STATE__COUNT
};

enum lb_announce_reason {
	LB_ANNOUNCE_READY = 0,
	LB_ANNOUNCE_STARTING,            /* nothing decided yet */
	LB_ANNOUNCE_STOPPING,
	LB_ANNOUNCE_NO_RULES,            /* not (yet) in the kernel */
	LB_ANNOUNCE_INTERFACE_DOWN,
	LB_ANNOUNCE_CHAIN_MISSING,
	LB_ANNOUNCE_CHECKS_PENDING,      /* a backend without a first result */
	LB_ANNOUNCE_BELOW_QUORUM,
	LB_ANNOUNCE_TRACK_FAILING,
	LB_ANNOUNCE_ROUTE_REFUSED,       /* the kernel refused the route */
	LB_ANNOUNCE_REASON__COUNT
};

/* What the service is like now. */
struct lb_announce_input {
	bool stopping;
	bool rules_ok;
	bool links_up;
	bool chain_ok;
	bool checks_known;
	bool quorum_met;
	bool track_ok;
};

/* The first condition that fails, or LB_ANNOUNCE_READY. */
enum lb_announce_reason lb_announce_why(const struct lb_announce_input *in);

/* One service's announcement. */
struct lb_announce {
	enum lb_announce_state state;
	enum lb_announce_reason reason;  /* of the last withdraw (or STARTING) */
	uint64_t since_ms;               /* in this state */
	uint64_t drain_until_ms;         /* DRAINING: forward until then */
	uint64_t announces, withdraws;
};

enum lb_announce_action {
	LB_ANNOUNCE_NONE = 0,
	LB_ANNOUNCE_ADD,                 /* put the route in */
	LB_ANNOUNCE_DEL                  /* take it out */
};

void lb_announce_init(struct lb_announce *a, uint64_t now_ms);

/*
 * The state for why (from lb_announce_why) at now_ms; drain_ms is the
 * service's announce_drain_ms. Returns what to do with the route. Once
 * DRAINING a service stays so: a stop is not taken back.
 */
enum lb_announce_action lb_announce_step(struct lb_announce *a,
    enum lb_announce_reason why, uint32_t drain_ms, uint64_t now_ms);

/*
 * The route could not be added (the kernel refused): withdrawn, with
 * LB_ANNOUNCE_ROUTE_REFUSED, so that the next step tries again.
 */
void lb_announce_refused(struct lb_announce *a, uint64_t now_ms);

/* "announced", "withdrawn", "draining" (dump and JSON words). */
const char *lb_announce_state_name(enum lb_announce_state s);
/* "below quorum", "interface down", ... (one phrase for logs and dumps). */
const char *lb_announce_reason_name(enum lb_announce_reason r);

/* A route of vipd's protocol as the kernel shows it. */
struct lb_announce_route {
	struct addr dst;
	uint8_t dst_len;
	uint32_t table;
	uint8_t type;                    /* RTN_* */
	uint32_t metric;
	int ifindex;                     /* 0: none */
	bool have_via;
};

enum lb_announce_verdict {
	LB_ANNOUNCE_OURS = 0,            /* the route of an announced VIP */
	LB_ANNOUNCE_REPLACE,             /* VIP's, changed: ours back over it */
	LB_ANNOUNCE_REMOVE,              /* of a service VIP, not ours: delete */
	LB_ANNOUNCE_LEAVE                /* not about our services */
};

/*
 * What to do with route r of vipd's protocol, seen in the kernel:
 * announced says whether r's destination is the VIP of a service that is
 * announced now, service_vip whether it is one of an announce service at
 * all. The route vipd adds is blackhole, main table, metric 0 (IPv6:
 * the kernel's 1024), a host prefix; the same destination in the main table with anything else is
 * replaced; another table or metric of an announced VIP, or any route of a
 * VIP not announced now, is removed (it would announce it against our
 * decision).
 */
enum lb_announce_verdict lb_announce_judge(const struct lb_announce_route *r,
    bool announced, bool service_vip);

/*
 * Whether a route event (rtnetlink: deleted, or added / changed) may be
 * drift of an announced service's route, so the routes are looked at at
 * once: protocol is the event's, announced and service_vip as for
 * lb_announce_judge. vipd's own changes agree with the desired state and
 * are not: our route deleted while withdrawn, added while announced.
 * Drift: our route deleted while announced; a route of our protocol the
 * judge would replace or remove; another protocol's host route on an
 * announced VIP in the main table (`ip route replace` over ours).
 */
bool lb_announce_event_drift(const struct lb_announce_route *r,
    uint8_t protocol, bool deleted, bool announced, bool service_vip);

#endif
