/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync_rules - what a sync group decides, as pure logic: from each
 * member's state (a view, not the instance) to one action per member.
 * The rules, applied in order (see sync_group.h for the why):
 *   0. a member handing over (a drill, a forced FAULT: priority 0 sent,
 *      VIPs kept until the new master is heard) makes every other Master
 *      member that is not handing over hand over too (SYNC_HANDOVER), so
 *      that the peer's group, which moves only as one, can take over
 *      every member at once; a member handing over is never acted on;
 *   1. a member in FAULT for a reason of its own puts every other started
 *      member in FAULT (SYNC_FAULT); with none left, members held in FAULT
 *      by the group leave it (SYNC_FAULT_OFF);
 *   2. with no such FAULT, a member in BACKUP that does not wait to take
 *      over makes every Master member that is not handing over yield
 *      (SYNC_BACKUP);
 *   3. when every member is Master or waiting, the waiting ones take over
 *      (SYNC_MASTER).
 * The group's own state: FAULT when any member is, MASTER when all are,
 * INIT when all are, BACKUP otherwise.
 *
 * Owns: the rules. Never does: touch an instance or the OS.
 */
#ifndef VIPD_SYNC_RULES_H
#define VIPD_SYNC_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "vrrp/vrrp_fsm.h"

struct sync_member_view {
	enum vrrp_state state;
	bool own_fault;          /* link, tracking or vipctl: not the group's doing */
	bool group_fault;        /* held in FAULT by the group */
	bool want_master;        /* Backup whose Master_Down_Timer ran out (gate) */
	bool releasing;          /* Master handing over (make-before-break) */
};

enum sync_action {
	SYNC_NONE = 0,
	SYNC_FAULT,
	SYNC_FAULT_OFF,
	SYNC_BACKUP,
	SYNC_MASTER,
	SYNC_HANDOVER,
};

/*
 * Decide act[i] for each of the n members. Returns the index of the member
 * that caused the decision (the one handing over, in FAULT, or in BACKUP),
 * or -1.
 */
int sync_rules_decide(const struct sync_member_view *m, size_t n,
		      enum sync_action *act);

enum vrrp_state sync_rules_state(const struct sync_member_view *m, size_t n);

#endif
