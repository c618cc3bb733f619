/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync_group - instances that move together (keepalived's
 * vrrp_sync_group): if one member must go FAULT, all do; if one goes
 * BACKUP, the Masters among the others yield; they become MASTER only all
 * together.
 *
 * How: every member's state machine has its group gate closed (see
 * vrrp_fsm.h): a Backup whose Master_Down_Timer expires only says it wants
 * to be Master. sync_groups_evaluate(), run after every batch of events,
 * then applies what lib/sync_rules (pure) decides, in order:
 *   0. a member handing over (vipctl drill or fault on a Master,
 *      make-before-break) makes every other Master member hand over with
 *      it: the peer's group takes over only all members at once, so all
 *      must say priority 0 together, each keeping its VIPs until its new
 *      master is heard (a drill of one member is a drill of the group);
 *   1. a member in FAULT for a reason of its own (link, tracking, vipctl)
 *      puts every other member in FAULT; when none is left, they leave it;
 *   2. with no FAULT, a member in BACKUP (not waiting to take over) makes
 *      every Master member yield (priority 0, VIPs released; with
 *      make-before-break after a short grace);
 *   3. when every member is Master or waiting to be, the waiting ones take
 *      over together.
 * Weights of tracked objects still change a member's priority, but the
 * group moves only when every member's peer lets it: as in keepalived, use
 * weight 0 (FAULT) for what must move the whole group.
 *
 * Every group transition names its cause: the member that moved first and
 * why it did (its own last transition, e.g. "int: MASTER -> FAULT
 * (interface down)"), in the log line, in the dumps, and in the detail of
 * what the other members do about it.
 *
 * Owns: the groups' runtime (members, derived state, its notify, the cause
 * of its last transition), the query the conn-sync engine uses
 * (sync_groups_state).
 * Never does: touch the OS; instance_group_event() does what is decided.
 */
#ifndef VIPD_SYNC_GROUP_H
#define VIPD_SYNC_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"
#include "vrrp/instance.h"
#include "health/notify.h"
#include "health/track.h"
#include "vrrp/vrrp_fsm.h"

struct sync_group {
	const struct conf_sync_group *conf;   /* in the running conf */
	struct instance *members[CONF_MAX_GROUP_MEMBERS];
	size_t nmembers;
	enum vrrp_state state;                /* INIT until all members started */
	uint64_t since_ms;
	uint64_t transitions;
	char reason[TRACK_REASON_MAX];        /* last group transition: "MASTER -> FAULT" */
	/* What caused it: the member, and why it moved ("MASTER -> FAULT
	   (interface down)"); "" when none is known. */
	char cause_member[CONF_TRACK_NAME_MAX];
	char cause[TRACK_REASON_MAX];
	/* The last decision's cause, for the group transition it leads to. */
	bool pending;
	char pending_member[CONF_TRACK_NAME_MAX];
	char pending_cause[TRACK_REASON_MAX];
};

struct sync_groups {
	struct sync_group *groups;
	size_t ngroups;
	struct notify *notify;                /* may be NULL (tests) */
	const struct instance_env *env;
};

/* Nothing allocated yet. */
void sync_groups_init(struct sync_groups *sg, struct notify *notify,
		      const struct instance_env *env);

/*
 * Groups of conf over instances (instances[i] runs conf->instances[i]);
 * closes the gate of every member of a group of two or more. A group that
 * keeps its name keeps its state. 0 or -ENOMEM (old groups kept).
 */
int sync_groups_configure(struct sync_groups *sg, const struct conf *conf,
			  struct instance **instances, size_t ninstances);

/* Apply the rules above; notify group transitions. */
void sync_groups_evaluate(struct sync_groups *sg, uint64_t now_ms);

/*
 * The state of the group named name: MASTER only when every member is
 * MASTER, FAULT when any is, BACKUP otherwise (INIT before start).
 * Returns false when there is no such group. For conn_sync's `follow`.
 */
bool sync_groups_state(const struct sync_groups *sg, const char *name,
		       enum vrrp_state *state);

/* The group inst belongs to, or NULL. */
const struct sync_group *sync_groups_of(const struct sync_groups *sg,
					const struct instance *inst);

/*
 * `vipctl drill` of inst: once its drill and those of the group members
 * that handed over with it are all over, the one report for the lot (who
 * took over, the slowest member's takeover and fail-back, each member's
 * figures), consumed; true then. An instance in no group: its own report.
 */
bool sync_groups_drill_report(const struct sync_groups *sg, struct instance *inst,
			      char *buf, size_t len, bool *ok);

void sync_groups_dump_text(FILE *f, const struct sync_groups *sg, uint64_t now_ms);
void sync_groups_dump_json(FILE *f, const struct sync_groups *sg, uint64_t now_ms);

void sync_groups_free(struct sync_groups *sg);

#endif
