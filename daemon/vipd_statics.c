/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_statics - static_addresses, static_routes and static_rules: in the
 * kernel whatever the instances' states, put back at once when someone
 * deletes them (netlink deletion events, not a timer: one line each,
 * rate-limited against a tool that keeps deleting), and removed at stop
 * only when vipd added them: an entry that was there before vipd started
 * stays when it stops.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "os/log.h"
#include "vrrp/instance_routes.h"
#include "vrrp/routes.h"
#include "vipd.h"

static bool
st_bit(const uint8_t *set, size_t i)
{
	return (set[i / 8] >> (i % 8)) & 1u;
}

static void
st_set(uint8_t *set, size_t i, bool on)
{
	if (on)
		set[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		set[i / 8] &= (uint8_t)~(1u << (i % 8));
}

static const char *
st_addr_text(const struct conf_vip *a, char *buf, size_t len)
{
	char t[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u dev %s", addr_str(&a->addr, t, sizeof(t)),
	    a->prefix_len, a->dev);
	return buf;
}

/* One outcome: first is the start (or reload), else a repair. */
static void
st_outcome(struct vipd *v, int err, const char *what, const char *text,
    const char *why, bool first, uint8_t *owned, size_t i)
{
	enum drift_kind kind = strcmp(what, "address") == 0 ? DRIFT_ADDRESS :
	    DRIFT_ROUTE;
	struct vipd_statics *s = &v->statics;
	uint64_t suppressed = 0;

	if (err == -EEXIST)
		return;
	if (err == 0) {
		st_set(owned, i, true);
		if (first)
			return;
		s->restored++;
	} else
		s->errors++;
	if (first ? !log_ratelimit_allow(&s->log, evloop_now_ms(), &suppressed) :
	    !drift_record(&v->drift.d, kind, err == 0, evloop_now_ms(),
	    &suppressed))
		return;
	if (err == 0)
		log_warn("static %s %s was deleted: put back%s", what, text,
		    suppressed ? " (similar lines suppressed)" : "");
	else
		log_err("static %s %s: cannot add: %s%s", what, text, why,
		    suppressed ? " (similar lines suppressed)" : "");
}

/* Add whatever is missing. */
static void
st_ensure(struct vipd *v, bool first)
{
	const struct conf_statics *st = &v->conf->statics;
	struct vipd_statics *s = &v->statics;
	char text[160], why[NETLINK_WHY_MAX];

	if (s->stopping)
		return;
	for (size_t i = 0; i < st->naddrs; i++)
		st_outcome(v, routes_addr_add(&v->nl, &st->addrs[i], 0, why,
		    sizeof(why)), "address", st_addr_text(&st->addrs[i], text,
		    sizeof(text)), why, first, s->addr_owned, i);
	for (size_t i = 0; i < st->nroutes; i++)
		st_outcome(v, routes_route_add(&v->nl, &st->routes[i], why,
		    sizeof(why)), "route", conf_route_str(&st->routes[i], text,
		    sizeof(text)), why, first, s->route_owned, i);
	for (size_t i = 0; i < st->nrules; i++)
		st_outcome(v, routes_rule_add(&v->nl, &st->rules[i], why,
		    sizeof(why)), "rule", conf_rule_str(&st->rules[i], text,
		    sizeof(text)), why, first, s->rule_owned, i);
}

static void
vipd_statics_deleted(void *arg, int type)
{
	struct vipd *v = arg;

	v->statics.dirty = true;
	vipd_drift_deleted(v, type);
}

static bool
st_any(const struct conf_statics *st)
{
	return st->naddrs + st->nroutes + st->nrules > 0;
}

/* An instance whose virtual routes, rules or excluded addresses vipd keeps in. */
static bool
st_any_instance(const struct conf *conf)
{
	for (size_t i = 0; i < conf->ninstances; i++) {
		const struct conf_instance *in = &conf->instances[i];

		if (in->nexcluded + in->nroutes + in->nrules > 0)
			return true;
	}
	return false;
}

void
vipd_statics_start(struct vipd *v)
{
	int err;

	v->statics.log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	/* A MASTER's VIPs are put back too (vipd_drift.c). */
	if (!st_any(&v->conf->statics) && !st_any_instance(v->conf) &&
	    v->conf->ninstances == 0)
		return;
	if (!v->statics.watching) {
		if ((err = netlink_watch_deletions(&v->nl, vipd_statics_deleted,
		    v)) < 0)
			log_err("netlink: cannot watch deletions (%s): static "
			    "and virtual entries deleted are not put back",
			    strerror(-err));
		else
			v->statics.watching = true;
	}
	if (!st_any(&v->conf->statics))
		return;
	st_ensure(v, true);
	log_notice("static entries: %zu addresses, %zu routes, %zu rules",
	    v->conf->statics.naddrs, v->conf->statics.nroutes,
	    v->conf->statics.nrules);
}

/*
 * After a batch of netlink events with a deletion or a link change among
 * them (the kernel removes an IPv4 route silently when its device goes
 * down): statics back in, and each master's virtual routes, rules and
 * excluded addresses (instance_routes_repair).
 */
void
vipd_statics_after_events(struct vipd *v, bool overrun)
{
	if (!v->statics.dirty && !overrun)
		return;
	v->statics.dirty = false;
	if (st_any(&v->conf->statics))
		st_ensure(v, false);
	if (v->statics.stopping)
		return;
	for (size_t i = 0; i < v->ninstances; i++)
		instance_routes_repair(v->instances[i], &v->env,
		    evloop_now_ms());
}

void
vipd_statics_link_changed(struct vipd *v)
{
	v->statics.dirty = true;
}

/* Remove entry i of st (kind 'a'ddress, 'r'oute, r'u'le) if owned says ours. */
static void
st_remove(struct vipd *v, const struct conf_statics *st, char kind, size_t i,
    uint8_t *owned)
{
	char text[160], why[NETLINK_WHY_MAX];
	int err;

	if (!st_bit(owned, i))
		return;
	st_set(owned, i, false);
	switch (kind) {
	case 'a':
		err = routes_addr_del(&v->nl, &st->addrs[i], 0, why, sizeof(why));
		if (err < 0 && err != -EADDRNOTAVAIL && err != -ENODEV)
			log_err("static address %s: cannot remove: %s",
			    st_addr_text(&st->addrs[i], text, sizeof(text)), why);
		break;
	case 'r':
		err = routes_route_del(&v->nl, &st->routes[i], why, sizeof(why));
		if (err < 0 && err != -ESRCH && err != -ENODEV)
			log_err("static route %s: cannot remove: %s",
			    conf_route_str(&st->routes[i], text, sizeof(text)), why);
		break;
	default:
		err = routes_rule_del(&v->nl, &st->rules[i], why, sizeof(why));
		if (err < 0 && err != -ENOENT)
			log_err("static rule %s: cannot remove: %s",
			    conf_rule_str(&st->rules[i], text, sizeof(text)), why);
		break;
	}
}

void
vipd_statics_stop(struct vipd *v)
{
	const struct conf_statics *st = &v->conf->statics;
	struct vipd_statics *s = &v->statics;

	/* Our own deletions must not bring them back. */
	s->stopping = true;
	for (size_t i = 0; i < st->nrules; i++)
		st_remove(v, st, 'u', i, s->rule_owned);
	for (size_t i = 0; i < st->nroutes; i++)
		st_remove(v, st, 'r', i, s->route_owned);
	for (size_t i = 0; i < st->naddrs; i++)
		st_remove(v, st, 'a', i, s->addr_owned);
}

/*
 * Reload, before the old model goes: entries gone from next are removed
 * (if ours), kept ones keep their ownership; vipd_statics_start() then
 * adds the new ones.
 */
void
vipd_statics_reload(struct vipd *v, const struct conf *next)
{
	const struct conf_statics *old = &v->conf->statics, *nw = &next->statics;
	struct vipd_statics *s = &v->statics, was = *s;
	bool keep;

	memset(s->addr_owned, 0, sizeof(s->addr_owned));
	memset(s->route_owned, 0, sizeof(s->route_owned));
	memset(s->rule_owned, 0, sizeof(s->rule_owned));
	for (size_t i = 0; i < old->naddrs; i++) {
		keep = false;
		for (size_t j = 0; j < nw->naddrs && !keep; j++)
			if ((keep = conf_vip_equal(&old->addrs[i], &nw->addrs[j])))
				st_set(s->addr_owned, j, st_bit(was.addr_owned, i));
		if (!keep)
			st_remove(v, old, 'a', i, was.addr_owned);
	}
	for (size_t i = 0; i < old->nroutes; i++) {
		keep = false;
		for (size_t j = 0; j < nw->nroutes && !keep; j++)
			if ((keep = conf_route_equal(&old->routes[i],
			    &nw->routes[j])))
				st_set(s->route_owned, j, st_bit(was.route_owned, i));
		if (!keep)
			st_remove(v, old, 'r', i, was.route_owned);
	}
	for (size_t i = 0; i < old->nrules; i++) {
		keep = false;
		for (size_t j = 0; j < nw->nrules && !keep; j++)
			if ((keep = conf_rule_equal(&old->rules[i], &nw->rules[j])))
				st_set(s->rule_owned, j, st_bit(was.rule_owned, i));
		if (!keep)
			st_remove(v, old, 'u', i, was.rule_owned);
	}
}
