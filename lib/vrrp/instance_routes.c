/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instance_routes - excluded VIPs, virtual_routes and virtual_rules of one
 * instance (see instance_routes.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "os/evloop.h"
#include "vrrp/instance_routes.h"
#include "vrrp/instance_vips.h"
#include "vrrp/routes.h"

#define RETRY_FIRST_MS 1000u
#define RETRY_MAX_MS 30000u

static bool
bit(const uint8_t *set, size_t i)
{
	return (set[i / 8] >> (i % 8)) & 1u;
}

static void
bit_set(uint8_t *set, size_t i, bool on)
{
	if (on)
		set[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		set[i / 8] &= (uint8_t)~(1u << (i % 8));
}

static const char *
vip_text(const struct conf_vip *v, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u%s%s", addr_str(&v->addr, a, sizeof(a)),
	    v->prefix_len, v->dev[0] ? " dev " : "", v->dev);
	return buf;
}

/*
 * One attempt at entry i of a kind: true when it is in (ours or already
 * there). A refusal is logged once per attempt, with when the next is.
 */
static bool
attempt(struct instance *inst, int err, const char *what, const char *text,
    const char *why, bool retrying)
{
	if (err == 0 || err == -EEXIST) {
		if (retrying)
			log_notice("%s: %s %s added (after a retry)",
			    inst->conf.name, what, text);
		return true;
	}
	inst->counters.route_errors++;
	log_err("%s: cannot add %s %s: %s (retrying in %u s, while MASTER)",
	    inst->conf.name, what, text, why,
	    (inst->gw.retry_ms != 0 ? inst->gw.retry_ms : RETRY_FIRST_MS) / 1000);
	return false;
}

/* Try every entry not in yet; only_pending: those refused before. */
static bool
add_all(struct instance *inst, const struct instance_env *env, bool retrying)
{
	struct instance_gw *gw = &inst->gw;
	char text[160], why[NETLINK_WHY_MAX];
	bool all = true;
	int err;

	for (size_t i = 0; i < inst->conf.nexcluded; i++) {
		const struct conf_vip *v = &inst->conf.excluded[i];

		if (retrying && !bit(gw->excl_pending, i))
			continue;
		err = routes_addr_add(env->nl, v, instance_vips_ifindex(inst),
		    why, sizeof(why));
		bit_set(gw->excl_owned, i, err == 0);
		bit_set(gw->excl_pending, i, !attempt(inst, err, "address",
		    vip_text(v, text, sizeof(text)), why, retrying));
		all = all && !bit(gw->excl_pending, i);
	}
	for (size_t i = 0; i < inst->conf.nroutes; i++) {
		const struct conf_route *r = &inst->conf.routes[i];

		if (retrying && !bit(gw->route_pending, i))
			continue;
		err = routes_route_add(env->nl, r, why, sizeof(why));
		bit_set(gw->route_owned, i, err == 0);
		bit_set(gw->route_pending, i, !attempt(inst, err, "route",
		    conf_route_str(r, text, sizeof(text)), why, retrying));
		all = all && !bit(gw->route_pending, i);
	}
	for (size_t i = 0; i < inst->conf.nrules; i++) {
		const struct conf_rule *r = &inst->conf.rules[i];

		if (retrying && !bit(gw->rule_pending, i))
			continue;
		err = routes_rule_add(env->nl, r, why, sizeof(why));
		bit_set(gw->rule_owned, i, err == 0);
		bit_set(gw->rule_pending, i, !attempt(inst, err, "rule",
		    conf_rule_str(r, text, sizeof(text)), why, retrying));
		all = all && !bit(gw->rule_pending, i);
	}
	return all;
}

static void
schedule(struct instance *inst, bool all_in, uint64_t now_ms)
{
	struct instance_gw *gw = &inst->gw;

	if (all_in) {
		gw->retry_due_ms = 0;
		gw->retry_ms = 0;
		return;
	}
	if (gw->retry_ms == 0)
		gw->retry_ms = RETRY_FIRST_MS;
	gw->retry_due_ms = now_ms + gw->retry_ms;
	gw->retry_ms = gw->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS :
	    gw->retry_ms * 2;
}

void
instance_routes_add(struct instance *inst, const struct instance_env *env,
    uint64_t now_ms)
{
	if (inst->conf.nexcluded == 0 && inst->conf.nroutes == 0 &&
	    inst->conf.nrules == 0)
		return;
	inst->gw.active = true;
	inst->gw.retry_ms = 0;
	schedule(inst, add_all(inst, env, false), now_ms);
}

void
instance_routes_tick(struct instance *inst, const struct instance_env *env,
    uint64_t now_ms)
{
	if (!inst->gw.active || inst->gw.retry_due_ms == 0 ||
	    inst->gw.retry_due_ms > now_ms)
		return;
	schedule(inst, add_all(inst, env, true), now_ms);
}

/*
 * One entry re-added by a repair. -EEXIST: still there, nothing to say. 0:
 * it was gone (or refused until now) and is back in, ours to remove.
 */
static void
repair_one(struct instance *inst, const struct instance_env *env, int err,
    const char *what, const char *text, const char *why, uint8_t *owned,
    uint8_t *pending, size_t i)
{
	bool was_pending = bit(pending, i);
	uint64_t suppressed = 0;

	if (err == -EEXIST) {
		bit_set(pending, i, false);
		return;
	}
	if (err < 0) {
		bit_set(owned, i, false);
		/* Already refused: its retry logs it, not every event. */
		if (!was_pending)
			(void)attempt(inst, err, what, text, why, false);
		bit_set(pending, i, true);
		return;
	}
	bit_set(owned, i, true);
	bit_set(pending, i, false);
	if (was_pending) {
		log_notice("%s: %s %s added (after a retry)", inst->conf.name,
		    what, text);
		return;
	}
	inst->counters.routes_restored++;
	if (env->drift != NULL ? drift_record(env->drift, DRIFT_ROUTE, true,
	    evloop_now_ms(), &suppressed) : log_ratelimit_allow(&inst->gw_log,
	    evloop_now_ms(), &suppressed))
		log_warn("%s: %s %s was removed from the kernel while MASTER: "
		    "put back%s", inst->conf.name, what, text, suppressed ?
		    " (similar lines suppressed)" : "");
}

void
instance_routes_repair(struct instance *inst, const struct instance_env *env,
    uint64_t now_ms)
{
	struct instance_gw *gw = &inst->gw;
	char text[160], why[NETLINK_WHY_MAX];
	bool all = true;

	if (!gw->active)
		return;
	for (size_t i = 0; i < inst->conf.nexcluded; i++) {
		const struct conf_vip *v = &inst->conf.excluded[i];

		repair_one(inst, env, routes_addr_add(env->nl, v,
		    instance_vips_ifindex(inst), why, sizeof(why)), "address",
		    vip_text(v, text, sizeof(text)), why, gw->excl_owned,
		    gw->excl_pending, i);
		all = all && !bit(gw->excl_pending, i);
	}
	for (size_t i = 0; i < inst->conf.nroutes; i++) {
		const struct conf_route *r = &inst->conf.routes[i];

		repair_one(inst, env, routes_route_add(env->nl, r, why, sizeof(why)),
		    "route", conf_route_str(r, text, sizeof(text)), why,
		    gw->route_owned, gw->route_pending, i);
		all = all && !bit(gw->route_pending, i);
	}
	for (size_t i = 0; i < inst->conf.nrules; i++) {
		const struct conf_rule *r = &inst->conf.rules[i];

		repair_one(inst, env, routes_rule_add(env->nl, r, why, sizeof(why)),
		    "rule", conf_rule_str(r, text, sizeof(text)), why,
		    gw->rule_owned, gw->rule_pending, i);
		all = all && !bit(gw->rule_pending, i);
	}
	/* A retry already due keeps its back-off; a new refusal starts one. */
	if (all)
		schedule(inst, true, now_ms);
	else if (gw->retry_due_ms == 0)
		schedule(inst, false, now_ms);
}

uint64_t
instance_routes_deadline(const struct instance *inst)
{
	return inst->gw.active ? inst->gw.retry_due_ms : 0;
}

bool
instance_routes_excluded_in(const struct instance *inst, size_t i)
{
	return inst->gw.active && i < inst->conf.nexcluded &&
	    !bit(inst->gw.excl_pending, i);
}

static void
removed(struct instance *inst, int err, int absent1, int absent2,
    const char *what, const char *text, const char *why)
{
	if (err == 0 || err == absent1 || err == absent2 || err == -ENODEV)
		return;
	inst->counters.route_errors++;
	log_err("%s: cannot remove %s %s: %s", inst->conf.name, what, text, why);
}

void
instance_routes_remove(struct instance *inst, const struct instance_env *env)
{
	struct instance_gw *gw = &inst->gw;
	char text[160], why[NETLINK_WHY_MAX];

	/* Rules first, addresses last: the reverse of the order they came. */
	for (size_t i = 0; i < inst->conf.nrules; i++) {
		if (!bit(gw->rule_owned, i))
			continue;
		removed(inst, routes_rule_del(env->nl, &inst->conf.rules[i], why,
		    sizeof(why)), -ENOENT, -ESRCH, "rule",
		    conf_rule_str(&inst->conf.rules[i], text, sizeof(text)), why);
	}
	for (size_t i = 0; i < inst->conf.nroutes; i++) {
		if (!bit(gw->route_owned, i))
			continue;
		removed(inst, routes_route_del(env->nl, &inst->conf.routes[i],
		    why, sizeof(why)), -ESRCH, -ENOENT, "route",
		    conf_route_str(&inst->conf.routes[i], text, sizeof(text)), why);
	}
	for (size_t i = 0; i < inst->conf.nexcluded; i++) {
		if (!bit(gw->excl_owned, i))
			continue;
		removed(inst, routes_addr_del(env->nl, &inst->conf.excluded[i],
		    instance_vips_ifindex(inst), why, sizeof(why)),
		    -EADDRNOTAVAIL, -ENOENT, "address",
		    vip_text(&inst->conf.excluded[i], text, sizeof(text)), why);
	}
	memset(gw, 0, sizeof(*gw));
}

void
instance_routes_remove_stale(struct instance *inst,
    const struct instance_env *env)
{
	char text[160], why[NETLINK_WHY_MAX];

	if (inst->conf.priority == 255)
		return;
	for (size_t i = 0; i < inst->conf.nexcluded; i++)
		if (routes_addr_del(env->nl, &inst->conf.excluded[i],
		    inst->ifindex, why, sizeof(why)) == 0)
			log_notice("%s: removed stale address %s (left by an "
			    "earlier run)", inst->conf.name,
			    vip_text(&inst->conf.excluded[i], text, sizeof(text)));
}
