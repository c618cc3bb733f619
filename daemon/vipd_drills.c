/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_drills - the `vipctl drill` requests waiting for their answer: a
 * drill is answered when it is over (its sync group's report), or cut
 * short when its instance goes (reload, stop). At most VIPD_MAX_DRILLS
 * wait at once; vipd_ctl.c starts them, the loop and reload answer them.
 */
#include <stdio.h>
#include <string.h>

#include "vipd.h"

bool
vipd_drills_full(const struct vipd *v)
{
	return v->ndrills == VIPD_MAX_DRILLS;
}

void
vipd_drills_wait(struct vipd *v, struct instance *inst,
    const struct ctl_ticket *ticket)
{
	if (v->ndrills == VIPD_MAX_DRILLS)
		return;
	v->drills[v->ndrills].inst = inst;
	v->drills[v->ndrills++].ticket = *ticket;
}

/*
 * A drill whose instance is going (reload, stop): its own report, cut
 * short. Not the sync group's: the group is about to change.
 */
static void
drill_cut_short(struct vipd *v, struct instance *inst, char *body,
    size_t len, bool *ok)
{
	const char *report = NULL;

	instance_drill_end_early(inst, v->stop_requests > 0 ?
	    "the instance was stopped (vipd is stopping)" :
	    "the instance was stopped (removed or changed by reload)",
	    evloop_now_ms());
	if (!instance_drill_take_report(inst, &report, ok)) {
		/* Not running: a group member's drill already taken. */
		snprintf(body, len, "drill %s: ended early: the instance was "
		    "stopped\n", inst->conf.name);
		*ok = false;
		return;
	}
	snprintf(body, len, "%s\n", report);
}

void
vipd_drills_answer(struct vipd *v, const struct instance *going)
{
	char body[512];
	bool ok;

	for (size_t i = 0; i < v->ndrills; i++) {
		struct instance *inst = v->drills[i].inst;

		if (inst == going) {
			drill_cut_short(v, inst, body, sizeof(body), &ok);
		} else if (sync_groups_drill_report(&v->groups, inst, body,
		    sizeof(body) - 1, &ok)) {
			strcat(body, "\n");
		} else {
			continue;
		}
		ctl_answer_later(&v->ctl, &v->drills[i].ticket, ok ? 0 : 1, body);
		v->drills[i--] = v->drills[--v->ndrills];
	}
}
