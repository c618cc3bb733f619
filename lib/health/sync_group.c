/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync_group - members of a group move together.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_out.h"
#include "os/log.h"
#include "health/sync_group.h"
#include "health/sync_rules.h"

void
sync_groups_init(struct sync_groups *sg, struct notify *notify,
    const struct instance_env *env)
{
	memset(sg, 0, sizeof(*sg));
	sg->notify = notify;
	sg->env = env;
}

int
sync_groups_configure(struct sync_groups *sg, const struct conf *conf,
    struct instance **instances, size_t ninstances)
{
	struct sync_group *groups = calloc(conf->nsync_groups + 1, sizeof(*groups));

	if (groups == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < ninstances; i++)
		instance_set_group_gate(instances[i], false);
	for (size_t g = 0; g < conf->nsync_groups; g++) {
		struct sync_group *grp = &groups[g];

		grp->conf = &conf->sync_groups[g];
		grp->state = VRRP_STATE_INIT;
		for (size_t k = 0; k < grp->conf->nmembers; k++) {
			size_t idx = grp->conf->members[k];

			if (idx < ninstances)
				grp->members[grp->nmembers++] = instances[idx];
		}
		for (size_t k = 0; k < grp->nmembers && grp->nmembers > 1; k++)
			instance_set_group_gate(grp->members[k], true);
		for (size_t o = 0; o < sg->ngroups; o++) {
			if (strcmp(sg->groups[o].conf->name, grp->conf->name) == 0) {
				grp->state = sg->groups[o].state;
				grp->since_ms = sg->groups[o].since_ms;
				grp->transitions = sg->groups[o].transitions;
				memcpy(grp->reason, sg->groups[o].reason,
				    sizeof(grp->reason));
				memcpy(grp->cause_member, sg->groups[o].cause_member,
				    sizeof(grp->cause_member));
				memcpy(grp->cause, sg->groups[o].cause,
				    sizeof(grp->cause));
			}
		}
	}
	free(sg->groups);
	sg->groups = groups;
	sg->ngroups = conf->nsync_groups;
	return 0;
}

static void
sync_group_views(const struct sync_group *g, struct sync_member_view *v)
{
	for (size_t i = 0; i < g->nmembers; i++) {
		const struct instance *m = g->members[i];

		v[i] = (struct sync_member_view){ .state = instance_state(m),
		    .own_fault = instance_own_fault(m),
		    .group_fault = m->group_fault,
		    .want_master = instance_wants_master(m),
		    .releasing = instance_releasing(m) };
	}
}

/*
 * Why m moved last: "MASTER -> FAULT (tracked object failed: script chk
 * failing (exit 1))", or only what is in the parentheses; "" when m never
 * moved.
 */
static void
sync_member_why(const struct instance *m, bool states, char *buf, size_t len)
{
	const struct timeline_entry *e = timeline_recent(&m->timeline, 0);

	buf[0] = '\0';
	if (e == NULL)
		return;
	if (states)
		snprintf(buf, len, "%s -> %s (%s%s%.100s)",
		    vrrp_state_name((enum vrrp_state)e->from),
		    vrrp_state_name((enum vrrp_state)e->to),
		    vrrp_reason_name((enum vrrp_reason)e->reason),
		    e->detail[0] ? ": " : "", e->detail);
	else
		snprintf(buf, len, "%s%s%.100s",
		    vrrp_reason_name((enum vrrp_reason)e->reason),
		    e->detail[0] ? ": " : "", e->detail);
}

/* The member whose last transition is the newest, or -1. */
static int
sync_group_newest(const struct sync_group *g)
{
	const struct timeline_entry *best = NULL, *e;
	int idx = -1;

	for (size_t i = 0; i < g->nmembers; i++) {
		e = timeline_recent(&g->members[i]->timeline, 0);
		if (e != NULL && (best == NULL || e->at_ms > best->at_ms)) {
			best = e;
			idx = (int)i;
		}
	}
	return idx;
}

/* Keep what caused this decision for the group transition it leads to. */
static void
sync_group_remember(struct sync_group *g, const struct sync_member_view *v,
    const enum sync_action *act, int cause)
{
	const struct instance *m;
	bool master = false;

	for (size_t i = 0; i < g->nmembers; i++)
		master = master || act[i] == SYNC_MASTER;
	/* Every member ready: the first that wanted MASTER, and why it did. */
	for (size_t i = 0; master && cause < 0 && i < g->nmembers; i++)
		if (v[i].want_master)
			cause = (int)i;
	if (cause < 0)
		cause = sync_group_newest(g);
	if (cause < 0)
		return;
	m = g->members[cause];
	g->pending = true;
	snprintf(g->pending_member, sizeof(g->pending_member), "%s", m->conf.name);
	if (v[cause].releasing)
		snprintf(g->pending_cause, sizeof(g->pending_cause), "hands over "
		    "(%s)", m->forced_fault ? "vipctl fault on" :
		    drill_running(&m->drill) ? "vipctl drill" : "priority 0 sent");
	else if (master)
		snprintf(g->pending_cause, sizeof(g->pending_cause), "ready for "
		    "MASTER (%s)", vrrp_reason_name(instance_takeover_reason(m)));
	else
		sync_member_why(m, true, g->pending_cause,
		    sizeof(g->pending_cause));
}

/* sync_rules decides; the members' instances carry it out. */
static void
sync_group_apply(struct sync_group *g, const struct instance_env *env,
    uint64_t now_ms)
{
	static const enum vrrp_event_type ev[] = {
		[SYNC_FAULT] = VRRP_EV_GROUP_FAULT,
		[SYNC_FAULT_OFF] = VRRP_EV_GROUP_OK,
		[SYNC_BACKUP] = VRRP_EV_GROUP_BACKUP,
		[SYNC_MASTER] = VRRP_EV_GROUP_MASTER,
	};
	struct sync_member_view v[CONF_MAX_GROUP_MEMBERS];
	enum sync_action act[CONF_MAX_GROUP_MEMBERS];
	char detail[TRACK_REASON_MAX + 2 * CONF_TRACK_NAME_MAX + 32];
	char why[TRACK_REASON_MAX] = "";
	bool any = false;
	int cause;

	sync_group_views(g, v);
	cause = sync_rules_decide(v, g->nmembers, act);
	for (size_t i = 0; i < g->nmembers; i++)
		any = any || act[i] != SYNC_NONE;
	if (!any)
		return;
	sync_group_remember(g, v, act, cause);
	if (cause >= 0)
		sync_member_why(g->members[cause], false, why, sizeof(why));
	for (size_t i = 0; i < g->nmembers; i++) {
		if (act[i] == SYNC_NONE)
			continue;
		if (act[i] == SYNC_HANDOVER) {
			snprintf(detail, sizeof(detail), "sync group %s: %s hands "
			    "over", g->conf->name, g->members[cause]->conf.name);
			instance_group_handover(g->members[i], env,
			    g->members[cause], detail, now_ms);
			continue;
		}
		/* The member and why it moved: "int is in FAULT (interface down)". */
		if (act[i] == SYNC_FAULT)
			snprintf(detail, sizeof(detail), "sync group %s: %s is in "
			    "FAULT (%.100s)", g->conf->name,
			    g->members[cause]->conf.name, why);
		else if (act[i] == SYNC_BACKUP)
			snprintf(detail, sizeof(detail), "sync group %s: %s is "
			    "BACKUP (%.100s)", g->conf->name,
			    g->members[cause]->conf.name, why);
		else if (act[i] == SYNC_FAULT_OFF)
			snprintf(detail, sizeof(detail), "sync group %s: no member "
			    "in FAULT", g->conf->name);
		else
			snprintf(detail, sizeof(detail), "sync group %s: every "
			    "member ready", g->conf->name);
		instance_group_event(g->members[i], env, ev[act[i]], detail,
		    now_ms);
	}
}

static enum vrrp_state
sync_group_derive(const struct sync_group *g)
{
	struct sync_member_view v[CONF_MAX_GROUP_MEMBERS];

	sync_group_views(g, v);
	return sync_rules_state(v, g->nmembers);
}

static void
sync_group_note(struct sync_groups *sg, struct sync_group *g, uint64_t now_ms)
{
	enum vrrp_state st = sync_group_derive(g);
	struct notify_queue *q;
	int newest;

	if (st == g->state)
		return;
	/* No decision of ours led here: a member moved by itself. */
	if (!g->pending && (newest = sync_group_newest(g)) >= 0) {
		snprintf(g->pending_member, sizeof(g->pending_member), "%s",
		    g->members[newest]->conf.name);
		sync_member_why(g->members[newest], true, g->pending_cause,
		    sizeof(g->pending_cause));
	}
	memcpy(g->cause_member, g->pending_member, sizeof(g->cause_member));
	memcpy(g->cause, g->pending_cause, sizeof(g->cause));
	g->pending = false;
	g->pending_member[0] = g->pending_cause[0] = '\0';
	log_notice("sync group %s: %s -> %s, caused by %s: %s", g->conf->name,
	    vrrp_state_name(g->state), vrrp_state_name(st),
	    g->cause_member[0] ? g->cause_member : "?",
	    g->cause[0] ? g->cause : "?");
	snprintf(g->reason, sizeof(g->reason), "%s -> %s",
	    vrrp_state_name(g->state), vrrp_state_name(st));
	g->state = st;
	g->since_ms = now_ms;
	g->transitions++;
	if (sg->notify == NULL ||
	    (q = notify_queue_get(sg->notify, "GROUP", g->conf->name)) == NULL)
		return;
	notify_transition(q, &g->conf->notify, st == VRRP_STATE_INIT ?
	    "STOP" : vrrp_state_name(st), 0, now_ms);
}

void
sync_groups_evaluate(struct sync_groups *sg, uint64_t now_ms)
{
	for (size_t i = 0; i < sg->ngroups; i++) {
		struct sync_group *g = &sg->groups[i];

		sync_group_apply(g, sg->env, now_ms);
		sync_group_note(sg, g, now_ms);
	}
}

bool
sync_groups_state(const struct sync_groups *sg, const char *name,
    enum vrrp_state *state)
{
	for (size_t i = 0; i < sg->ngroups; i++) {
		if (strcmp(sg->groups[i].conf->name, name) == 0) {
			*state = sync_group_derive(&sg->groups[i]);
			return true;
		}
	}
	return false;
}

/* Whether every member that took part in the drill is done with it. */
static bool
sync_group_drill_done(const struct sync_group *g)
{
	for (size_t k = 0; k < g->nmembers; k++)
		if (drill_running(&g->members[k]->drill))
			return false;
	return true;
}

/* The group's figures: slowest takeover and fail-back, members' own. */
static void
sync_group_drill_figures(const struct sync_group *g, const struct instance *inst,
    char *buf, size_t len)
{
	const struct drill *slow_take = &inst->drill, *slow_back = &inst->drill;
	char peer[INET6_ADDRSTRLEN];
	size_t used;

	for (size_t k = 0; k < g->nmembers; k++) {
		const struct drill *d = &g->members[k]->drill;

		if (d->phase != DRILL_DONE)
			continue;
		if (d->takeover_ms > slow_take->takeover_ms)
			slow_take = d;
		if (d->failback_ms > slow_back->failback_ms)
			slow_back = d;
	}
	snprintf(buf, len, "drill %s: sync group %s moved as one: %s took over %"
	    PRIu64 " ms after our priority 0 (slowest member %s); held BACKUP "
	    "%.1f s; ", inst->conf.name, g->conf->name,
	    addr_str(&inst->drill.new_master, peer, sizeof(peer)),
	    slow_take->takeover_ms, slow_take->name, inst->drill.hold_ms / 1000.0);
	used = strlen(buf);
	if (slow_back->failback_ms > 0)
		snprintf(buf + used, len - used, "took the VIPs back in %" PRIu64
		    " ms (preempt, slowest member %s); members:",
		    slow_back->failback_ms, slow_back->name);
	else
		snprintf(buf + used, len - used, "no fail-back: preempt is off "
		    "or the new master has a higher priority; members:");
	for (size_t k = 0; k < g->nmembers; k++) {
		const struct drill *d = &g->members[k]->drill;

		used = strlen(buf);
		if (d->phase == DRILL_DONE && used < len)
			snprintf(buf + used, len - used, " %s %" PRIu64 "/%" PRIu64
			    " ms", d->name, d->takeover_ms, d->failback_ms);
	}
}

bool
sync_groups_drill_report(const struct sync_groups *sg, struct instance *inst,
    char *buf, size_t len, bool *ok)
{
	const struct sync_group *g = sync_groups_of(sg, inst);
	const char *report, *failed = NULL, *early = NULL;
	bool member_ok;

	if (g == NULL || g->nmembers < 2) {
		if (!instance_drill_take_report(inst, &report, ok))
			return false;
		snprintf(buf, len, "%s", report);
		return true;
	}
	if (inst->drill.phase != DRILL_DONE || !sync_group_drill_done(g))
		return false;
	*ok = true;
	sync_group_drill_figures(g, inst, buf, len);
	for (size_t k = 0; k < g->nmembers; k++) {
		if (!instance_drill_take_report(g->members[k], &report, &member_ok))
			continue;
		if (!member_ok && failed == NULL)
			failed = report;
		/* Cut short: the group's figures would not mean much. */
		if (g->members[k]->drill.early && (early == NULL ||
		    g->members[k] == inst))
			early = report;
		*ok = *ok && member_ok;
	}
	if (failed != NULL)
		snprintf(buf, len, "drill %s: sync group %s: FAILED: %s",
		    inst->conf.name, g->conf->name, failed);
	else if (early != NULL)
		snprintf(buf, len, "drill %s: sync group %s: %s",
		    inst->conf.name, g->conf->name, early);
	log_notice("%s", buf);
	return true;
}

const struct sync_group *
sync_groups_of(const struct sync_groups *sg, const struct instance *inst)
{
	for (size_t i = 0; i < sg->ngroups; i++)
		for (size_t k = 0; k < sg->groups[i].nmembers; k++)
			if (sg->groups[i].members[k] == inst)
				return &sg->groups[i];
	return NULL;
}

void
sync_groups_dump_text(FILE *f, const struct sync_groups *sg, uint64_t now_ms)
{
	for (size_t i = 0; i < sg->ngroups; i++) {
		const struct sync_group *g = &sg->groups[i];

		fprintf(f, "Sync group %s: %s for %.1f s, %" PRIu64
		    " transitions, members:", g->conf->name,
		    vrrp_state_name(g->state), g->since_ms ?
		    (double)(now_ms - g->since_ms) / 1000.0 : 0.0, g->transitions);
		for (size_t k = 0; k < g->nmembers; k++)
			fprintf(f, " %s (%s)", g->members[k]->conf.name,
			    vrrp_state_name(instance_state(g->members[k])));
		if (g->reason[0] != '\0')
			fprintf(f, "; last %s, caused by %s: %s", g->reason,
			    g->cause_member[0] ? g->cause_member : "?",
			    g->cause[0] ? g->cause : "?");
		fputc('\n', f);
	}
}

void
sync_groups_dump_json(FILE *f, const struct sync_groups *sg, uint64_t now_ms)
{
	fputc('[', f);
	for (size_t i = 0; i < sg->ngroups; i++) {
		const struct sync_group *g = &sg->groups[i];

		/* Names are [A-Za-z0-9_.-] (conf): no escaping needed. */
		fprintf(f, "%s{\"name\": \"%s\", \"state\": \"%s\", "
		    "\"time_in_state_ms\": %" PRIu64 ", \"transitions\": %" PRIu64
		    ", \"members\": [", i ? ", " : "", g->conf->name,
		    vrrp_state_name(g->state), g->since_ms ? now_ms - g->since_ms : 0,
		    g->transitions);
		for (size_t k = 0; k < g->nmembers; k++)
			fprintf(f, "%s\"%s\"", k ? ", " : "",
			    g->members[k]->conf.name);
		fprintf(f, "], \"reason\": ");
		json_out_str(f, g->reason);
		fprintf(f, ", \"cause_member\": ");
		json_out_str(f, g->cause_member);
		fprintf(f, ", \"cause\": ");
		json_out_str(f, g->cause);
		fputc('}', f);
	}
	fputc(']', f);
}

void
sync_groups_free(struct sync_groups *sg)
{
	free(sg->groups);
	sg->groups = NULL;
	sg->ngroups = 0;
}
