/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_route - the routes of announced services in the kernel (see lb.h and
 * lb_announce.h, which decides): a blackhole VIP/32 (/128) of protocol
 * LB_ANNOUNCE_PROTO in the main table while the service is ready.
 *
 * Others may touch our protocol's routes (an operator's `ip route del`
 * or `replace`, a script, a crashed run's leftovers): a route event that
 * disagrees with the desired state (lb_announce_event_drift) has the
 * kernel's routes of that protocol read back (filtered by the kernel) at
 * once, ours put back, foreign ones of our VIPs removed, each time one log
 * line (rate-limited) and a count (drift kind announce_route). Without
 * route events, and every LB_ROUTE_AUDIT_MS in case events were lost, the
 * same look is taken on a timer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "lb/lb.h"
#include "lb/lb_announce.h"
#include "lb/lb_dr.h"
#include "lb/lb_nft.h"
#include "base/drift.h"
#include "os/log.h"
#include "os/nl_route.h"

/* Links and nft chains are looked at this often; routes too, unwatched. */
#define LB_ROUTE_VERIFY_MS 1000
/* With route events watched, the kernel's routes are read back this often. */
#define LB_ROUTE_AUDIT_MS 10000
/* A missing chain is looked for again before announcing, at most this often. */
#define LB_ROUTE_CHAIN_RECHECK_MS 100
/* Routes of our protocol handled in one look (more: the next look). */
#define LB_ROUTE_SEEN_MAX 512

bool
lb_route_wanted(const struct lb *lb)
{
	for (size_t i = 0; i < lb->nservices; i++)
		if (lb->services[i]->conf.announce)
			return true;
	return false;
}

static void
route_of(const struct addr *vip, struct netlink_route *r)
{
	memset(r, 0, sizeof(*r));
	r->dst = *vip;
	r->dst_len = vip->family == AF_INET6 ? 128 : 32;
	r->table = LB_ANNOUNCE_TABLE;
	r->type = RTN_BLACKHOLE;
	r->protocol = LB_ANNOUNCE_PROTO;
	r->scope = -1;
}

static const char *
route_text(const struct netlink_route *r, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u table %u metric %u type %u",
	    addr_str(&r->dst, a, sizeof(a)), r->dst_len, r->table, r->metric,
	    r->type);
	return buf;
}

/* Ours in (replacing whatever has its table, destination and metric). */
static int
route_put(struct lb_service *svc)
{
	struct netlink_route r;
	char why[NETLINK_WHY_MAX];
	int rc;

	if (svc->lb->nl == NULL)
		return -ENOTCONN;
	route_of(&svc->conf.addr, &r);
	if ((rc = netlink_route_replace(svc->lb->nl, &r, why,
	    sizeof(why))) < 0) {
		svc->lb->route_errors++;
		log_err("%s: announce: cannot add the route: %s",
		    svc->conf.name, why);
	}
	return rc;
}

static void
route_drop(struct lb *lb, const struct netlink_route *r, const char *name)
{
	char why[NETLINK_WHY_MAX], text[96];
	int rc;

	if (lb->nl == NULL)
		return;
	if ((rc = netlink_route_del(lb->nl, r, why, sizeof(why))) < 0 &&
	    rc != -ESRCH) {
		lb->route_errors++;
		log_err("%s: announce: cannot remove the route %s: %s", name,
		    route_text(r, text, sizeof(text)), why);
	}
}

static void
route_take(struct lb_service *svc)
{
	struct netlink_route r;

	route_of(&svc->conf.addr, &r);
	route_drop(svc->lb, &r, svc->conf.name);
}

/* ---- what the service is like ------------------------------------------ */

static bool
link_up(struct lb *lb, const char *ifname)
{
	struct netlink_link_info li;

	return ifname[0] != '\0' && netlink_link_get(lb->nl, ifname, &li) == 0 &&
	    li.up;
}

static void
links_follow(struct lb_service *svc)
{
	struct lb *lb = svc->lb;

	svc->ann_links_up = lb->nl != NULL &&
	    link_up(lb, svc->conf.dr_interface) &&
	    link_up(lb, svc->conf.dr_ingress);
	svc->ann_if_down = -1;
	for (size_t k = 0; k < svc->conf.ntrack_ifs && svc->ann_if_down < 0;
	    k++)
		if (lb->nl == NULL || !link_up(lb, svc->conf.track_ifs[k]))
			svc->ann_if_down = (int)k;
}

/*
 * The slot chains in table netdev vipd, one query for every service
 * (`list chains` shows no rules nor maps: small). A chain gone while we
 * think it is in (the table deleted by hand, `nft flush ruleset`): the
 * table is rebuilt.
 */
static void
chains_follow(struct lb *lb, uint64_t now_ms)
{
	char id[LB_NFT_ID_MAX], err[256];
	char *text = NULL;
	bool listed = lb->nft != NULL && nft_query(lb->nft,
	    "list chains netdev", &text, err, sizeof(err)) == 0;

	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		if (!svc->conf.announce)
			continue;
		lb_nft_id(svc->conf.name, id, sizeof(id));
		svc->ann_chain_ms = now_ms;
		svc->ann_chain_ok = listed && lb_dr_chain_listed(text, id);
		if (!svc->ann_chain_ok && svc->dr_table != NULL &&
		    lb->dr_table && !lb->dr_rebuild) {
			log_warn("%s: its nft chain in table %s is gone: "
			    "rebuilding the table", svc->conf.name,
			    LB_DR_TABLE);
			lb->dr_rebuild = true;
		}
	}
	free(text);
}

static enum lb_announce_reason
service_why(struct lb_service *svc, uint64_t now_ms)
{
	struct lb *lb = svc->lb;
	struct lb_announce_input in = {
		.stopping = lb->stopping,
		.rules_ok = svc->dr_ready && svc->dr_table != NULL &&
		    lb->dr_table,
		.links_up = svc->ann_links_up,
		.chain_ok = svc->ann_chain_ok,
		.checks_known = svc->quorum_known,
		.quorum_met = svc->quorum_met,
		.track_ok = true,
	};
	enum lb_announce_reason why;

	svc->ann_detail[0] = '\0';
	if (svc->ann_if_down >= 0) {
		in.track_ok = false;
		snprintf(svc->ann_detail, sizeof(svc->ann_detail),
		    "interface %s down",
		    svc->conf.track_ifs[svc->ann_if_down]);
	} else if (lb->announce_track != NULL)
		in.track_ok = lb->announce_track(lb->announce_track_arg, svc,
		    svc->ann_detail, sizeof(svc->ann_detail));
	why = lb_announce_why(&in);
	/* Rules just went in: is the chain there now? */
	if (why == LB_ANNOUNCE_CHAIN_MISSING &&
	    now_ms >= svc->ann_chain_ms + LB_ROUTE_CHAIN_RECHECK_MS) {
		chains_follow(lb, now_ms);
		in.chain_ok = svc->ann_chain_ok;
		why = lb_announce_why(&in);
	}
	if (why == LB_ANNOUNCE_BELOW_QUORUM || why == LB_ANNOUNCE_CHECKS_PENDING)
		snprintf(svc->ann_detail, sizeof(svc->ann_detail), "%s",
		    svc->track_detail);
	else if (why == LB_ANNOUNCE_INTERFACE_DOWN)
		snprintf(svc->ann_detail, sizeof(svc->ann_detail), "%s%s%s",
		    svc->conf.dr_ingress, strcmp(svc->conf.dr_ingress,
		    svc->conf.dr_interface) != 0 ? " or " : "",
		    strcmp(svc->conf.dr_ingress, svc->conf.dr_interface) != 0 ?
		    svc->conf.dr_interface : "");
	return why;
}

static void
service_step(struct lb_service *svc, uint64_t now_ms)
{
	enum lb_announce_reason why = service_why(svc, now_ms);
	enum lb_announce_reason before = svc->ann.reason;
	char a[INET6_ADDRSTRLEN];

	switch (lb_announce_step(&svc->ann, why, svc->conf.announce_drain_ms,
	    now_ms)) {
	case LB_ANNOUNCE_ADD:
		if (route_put(svc) < 0) {
			lb_announce_refused(&svc->ann, now_ms);
			break;
		}
		log_notice("%s: announced: route %s/%u proto %d (ready: %s)",
		    svc->conf.name, addr_str(&svc->conf.addr, a, sizeof(a)),
		    svc->conf.addr.family == AF_INET6 ? 128 : 32,
		    LB_ANNOUNCE_PROTO, svc->track_detail);
		break;
	case LB_ANNOUNCE_DEL:
		route_take(svc);
		if (why == LB_ANNOUNCE_STOPPING)
			log_notice("%s: withdrawn (stopping): forwarding for %u "
			    "ms more", svc->conf.name,
			    svc->conf.announce_drain_ms);
		else
			log_warn("%s: withdrawn (%s%s%s)", svc->conf.name,
			    lb_announce_reason_name(why), svc->ann_detail[0] ?
			    ": " : "", svc->ann_detail);
		break;
	case LB_ANNOUNCE_NONE:
		/* Not announced, and why it is not changed: one line. */
		if (svc->ann.state == LB_ANNOUNCE_WITHDRAWN &&
		    svc->ann.reason != before && why != LB_ANNOUNCE_READY &&
		    before != LB_ANNOUNCE_STARTING)
			log_info("%s: not announced (%s%s%s)", svc->conf.name,
			    lb_announce_reason_name(why), svc->ann_detail[0] ?
			    ": " : "", svc->ann_detail);
		break;
	}
}

/* ---- the kernel's routes of our protocol ------------------------------- */

struct seen {
	struct netlink_route r[LB_ROUTE_SEEN_MAX];
	size_t n;
	bool full;
};

static void
seen_one(void *arg, const struct netlink_route *r)
{
	struct seen *s = arg;

	if (s->n < LB_ROUTE_SEEN_MAX)
		s->r[s->n++] = *r;
	else
		s->full = true;
}

static int
seen_read(struct lb *lb, struct seen *s)
{
	int rc;

	s->n = 0;
	s->full = false;
	if ((rc = netlink_route_dump(lb->nl, AF_INET, LB_ANNOUNCE_PROTO, seen_one,
	    s)) < 0 || (rc = netlink_route_dump(lb->nl, AF_INET6,
	    LB_ANNOUNCE_PROTO, seen_one, s)) < 0)
		return rc;
	return 0;
}

/* The announce service whose VIP r is for, or NULL. */
static struct lb_service *
vip_owner(struct lb *lb, const struct netlink_route *r)
{
	for (size_t i = 0; i < lb->nservices; i++)
		if (lb->services[i]->conf.announce &&
		    addr_cmp(&lb->services[i]->conf.addr, &r->dst) == 0)
			return lb->services[i];
	return NULL;
}

static void
foreign_log(struct lb *lb, const char *name, const char *what,
    const struct netlink_route *r)
{
	uint64_t suppressed = 0;
	char text[96];

	lb->route_foreign++;
	if (log_ratelimit_allow(&lb->route_log, evloop_now_ms(), &suppressed))
		log_warn("%s: announce: route %s of protocol %d not ours: %s (%"
		    PRIu64 " similar lines suppressed)", name,
		    route_text(r, text, sizeof(text)), LB_ANNOUNCE_PROTO, what,
		    suppressed);
}

/* Ours missing or changed by someone else: back in, counted, one line. */
static void
route_restore(struct lb_service *svc)
{
	struct lb *lb = svc->lb;
	uint64_t now_ms = evloop_now_ms(), suppressed = 0;
	char a[INET6_ADDRSTRLEN];
	int rc = route_put(svc);
	bool say;

	if (rc < 0)
		lb_announce_refused(&svc->ann, now_ms);
	if (lb->drift != NULL)
		say = drift_record(lb->drift, DRIFT_ANNOUNCE_ROUTE, rc == 0,
		    now_ms, &suppressed);
	else
		say = log_ratelimit_allow(&lb->route_log, now_ms, &suppressed);
	if (say && rc == 0)
		log_warn("%s: announce: route %s/%u proto %d missing or changed "
		    "from outside: put back (%" PRIu64 " similar lines "
		    "suppressed)", svc->conf.name, addr_str(&svc->conf.addr, a,
		    sizeof(a)), svc->conf.addr.family == AF_INET6 ? 128 : 32,
		    LB_ANNOUNCE_PROTO, suppressed);
}

static void
routes_verify(struct lb *lb)
{
	struct seen *s = malloc(sizeof(*s));
	bool ok[CONF_LB_MAX_SERVICES] = { false };
	uint64_t suppressed = 0;
	int rc;

	if (s == NULL || lb->nl == NULL)
		goto out;
	if ((rc = seen_read(lb, s)) < 0) {
		if (log_ratelimit_allow(&lb->route_log, evloop_now_ms(),
		    &suppressed))
			log_warn("announce: cannot read the routes of protocol "
			    "%d: %s (%" PRIu64 " similar lines suppressed)",
			    LB_ANNOUNCE_PROTO, strerror(-rc), suppressed);
		goto out;
	}
	for (size_t k = 0; k < s->n; k++) {
		const struct netlink_route *r = &s->r[k];
		struct lb_service *svc = vip_owner(lb, r);
		bool announced = svc != NULL &&
		    svc->ann.state == LB_ANNOUNCE_ANNOUNCED;

		switch (lb_announce_judge(&(struct lb_announce_route){
		    .dst = r->dst, .dst_len = r->dst_len, .table = r->table,
		    .type = r->type, .metric = r->metric,
		    .ifindex = r->ifindex, .have_via = r->have_via },
		    announced, svc != NULL)) {
		case LB_ANNOUNCE_OURS:
			for (size_t i = 0; i < lb->nservices && i <
			    CONF_LB_MAX_SERVICES; i++)
				if (lb->services[i] == svc)
					ok[i] = true;
			break;
		case LB_ANNOUNCE_REPLACE:
			foreign_log(lb, svc->conf.name, "replaced by ours", r);
			break;          /* not ok: put back below */
		case LB_ANNOUNCE_REMOVE:
			foreign_log(lb, svc->conf.name, announced ?
			    "removed (ours is the one in the main table, "
			    "metric 0)" : "removed (the service is not "
			    "announced)", r);
			route_drop(lb, r, svc->conf.name);
			break;
		case LB_ANNOUNCE_LEAVE:
			break;
		}
	}
	for (size_t i = 0; i < lb->nservices && i < CONF_LB_MAX_SERVICES; i++) {
		struct lb_service *svc = lb->services[i];

		if (!svc->conf.announce || ok[i] || s->full ||
		    svc->ann.state != LB_ANNOUNCE_ANNOUNCED)
			continue;
		route_restore(svc);
	}
out:
	free(s);
}

/* ---- entry points ------------------------------------------------------- */

int
lb_route_flush(struct lb *lb)
{
	struct seen *s;
	int rc, n = 0;

	if (lb->nl == NULL)
		return -ENOTCONN;
	if ((s = malloc(sizeof(*s))) == NULL)
		return -ENOMEM;
	do {
		if ((rc = seen_read(lb, s)) < 0)
			break;
		for (size_t k = 0; k < s->n; k++, n++)
			route_drop(lb, &s->r[k], "announce");
	} while (s->full);
	free(s);
	if (rc < 0)
		return rc;
	if (n > 0)
		log_notice("announce: %d routes of protocol %d left by an "
		    "earlier run removed", n, LB_ANNOUNCE_PROTO);
	return n;
}

void
lb_route_follow(struct lb *lb)
{
	for (size_t i = 0; i < lb->nservices; i++)
		if (lb->services[i]->conf.announce)
			links_follow(lb->services[i]);
}

void
lb_route_tick(struct lb *lb, uint64_t now_ms)
{
	bool any = lb_route_wanted(lb);

	if (!any) {
		lb->route_verify_ms = lb->route_audit_ms = 0;
		return;
	}
	if (now_ms >= lb->route_verify_ms) {
		lb_route_follow(lb);
		chains_follow(lb, now_ms);
	}
	for (size_t i = 0; i < lb->nservices; i++)
		if (lb->services[i]->conf.announce)
			service_step(lb->services[i], now_ms);
	if (now_ms >= lb->route_verify_ms)
		lb->route_verify_ms = now_ms + LB_ROUTE_VERIFY_MS;
	if (now_ms >= lb->route_audit_ms) {
		routes_verify(lb);
		lb->route_audit_ms = now_ms + (lb->route_events ?
		    LB_ROUTE_AUDIT_MS : LB_ROUTE_VERIFY_MS);
	}
}

bool
lb_route_event(const struct lb *lb, int type, const struct netlink_route *r)
{
	const struct lb_service *svc = NULL;

	if (lb->stopping)
		return false;
	for (size_t i = 0; i < lb->nservices && svc == NULL; i++)
		if (lb->services[i]->conf.announce &&
		    addr_cmp(&lb->services[i]->conf.addr, &r->dst) == 0)
			svc = lb->services[i];
	if (svc == NULL)
		return false;
	return lb_announce_event_drift(&(struct lb_announce_route){
	    .dst = r->dst, .dst_len = r->dst_len, .table = r->table,
	    .type = r->type, .metric = r->metric, .ifindex = r->ifindex,
	    .have_via = r->have_via }, r->protocol, type == RTM_DELROUTE,
	    svc->ann.state == LB_ANNOUNCE_ANNOUNCED, true);
}

void
lb_route_repair(struct lb *lb, uint64_t now_ms)
{
	(void)now_ms;
	if (lb->stopping || !lb_route_wanted(lb))
		return;
	routes_verify(lb);
}

uint64_t
lb_route_deadline(const struct lb *lb)
{
	uint64_t due = 0;
	uint64_t now_ms = evloop_now_ms();

	if (lb_route_wanted(lb))
		due = lb->route_verify_ms < lb->route_audit_ms ?
		    lb->route_verify_ms : lb->route_audit_ms;

	/* Stopping: wake when a drain ends (the stop waits for it). */
	for (size_t i = 0; lb->stopping && i < lb->nservices; i++) {
		uint64_t until = lb->services[i]->ann.drain_until_ms;

		if (until > now_ms && (due == 0 || until < due))
			due = until;
	}
	return due;
}

uint64_t
lb_route_stop(struct lb *lb, uint64_t now_ms)
{
	uint64_t until = 0;

	lb->stopping = true;
	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		if (!svc->conf.announce)
			continue;
		service_step(svc, now_ms);
		if (svc->ann.drain_until_ms > until)
			until = svc->ann.drain_until_ms;
	}
	return until;
}

void
lb_route_forget(struct lb_service *svc)
{
	if (svc->ann.state != LB_ANNOUNCE_ANNOUNCED)
		return;
	route_take(svc);
	svc->ann.state = LB_ANNOUNCE_WITHDRAWN;
	log_notice("%s: withdrawn (no longer announced by the configuration)",
	    svc->conf.name);
}

void
lb_route_close(struct lb *lb)
{
	for (size_t i = 0; i < lb->nservices; i++)
		if (lb->services[i]->conf.announce)
			lb_route_forget(lb->services[i]);
}
