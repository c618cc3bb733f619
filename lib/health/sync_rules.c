/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync_rules - the sync group's decisions (see sync_rules.h).
 */
#include "health/sync_rules.h"

/* Rule 1; true when some member is in FAULT of its own. */
static bool
sync_rules_faults(const struct sync_member_view *m, size_t n,
    enum sync_action *act, int *cause)
{
	for (size_t i = 0; i < n && *cause < 0; i++)
		if (m[i].state != VRRP_STATE_INIT && m[i].own_fault)
			*cause = (int)i;
	for (size_t i = 0; i < n; i++) {
		if ((int)i == *cause || m[i].state == VRRP_STATE_INIT ||
		    m[i].releasing)
			continue;          /* handing over: FAULT once it is done */
		if (*cause >= 0 && !m[i].group_fault)
			act[i] = SYNC_FAULT;
		else if (*cause < 0 && m[i].group_fault)
			act[i] = SYNC_FAULT_OFF;
	}
	return *cause >= 0;
}

/* Rule 0; true when it decided something. */
static bool
sync_rules_handover(const struct sync_member_view *m, size_t n,
    enum sync_action *act, int *cause)
{
	bool any = false;

	for (size_t i = 0; i < n && *cause < 0; i++)
		if (m[i].releasing)
			*cause = (int)i;
	for (size_t i = 0; i < n && *cause >= 0; i++) {
		if (m[i].state == VRRP_STATE_MASTER && !m[i].releasing) {
			act[i] = SYNC_HANDOVER;
			any = true;
		}
	}
	if (!any)
		*cause = -1;
	return any;
}

int
sync_rules_decide(const struct sync_member_view *m, size_t n,
    enum sync_action *act)
{
	size_t ready = 0, waiting = 0;
	int cause = -1, backup = -1;

	for (size_t i = 0; i < n; i++)
		act[i] = SYNC_NONE;
	if (n < 2 || sync_rules_handover(m, n, act, &cause) ||
	    sync_rules_faults(m, n, act, &cause))
		return cause;
	for (size_t i = 0; i < n; i++) {
		if (act[i] == SYNC_FAULT_OFF)
			continue;          /* on its way back: decide next round */
		if (m[i].state == VRRP_STATE_MASTER)
			ready++;
		else if (m[i].state == VRRP_STATE_BACKUP && m[i].want_master) {
			ready++;
			waiting++;
		} else if (m[i].state == VRRP_STATE_BACKUP && backup < 0)
			backup = (int)i;
	}
	if (backup >= 0) {
		for (size_t i = 0; i < n; i++) {
			if (m[i].state == VRRP_STATE_MASTER && !m[i].releasing) {
				act[i] = SYNC_BACKUP;
				cause = backup;
			}
		}
		return cause;
	}
	if (waiting == 0 || ready != n)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (m[i].want_master && m[i].state == VRRP_STATE_BACKUP)
			act[i] = SYNC_MASTER;
	return -1;
}

enum vrrp_state
sync_rules_state(const struct sync_member_view *m, size_t n)
{
	size_t masters = 0, inits = 0;

	for (size_t i = 0; i < n; i++) {
		if (m[i].state == VRRP_STATE_FAULT)
			return VRRP_STATE_FAULT;
		masters += m[i].state == VRRP_STATE_MASTER;
		inits += m[i].state == VRRP_STATE_INIT;
	}
	if (n > 0 && inits == n)
		return VRRP_STATE_INIT;
	if (n > 0 && masters == n)
		return VRRP_STATE_MASTER;
	return VRRP_STATE_BACKUP;
}
