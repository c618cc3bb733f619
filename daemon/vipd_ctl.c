/*
 * vipd_ctl - what the daemon answers on its control socket (lib/ctl.c does
 * the framing): status, dump, stats, reload, fault and drill. A drill is
 * answered when it is over; its waiting client is kept here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vipd.h"

/* Answer every drill that has finished (or whose instance is going). */
void
vipd_answer_drills(struct vipd *v, const struct instance *going)
{
	char body[400];
	const char *report;
	bool ok;

	for (size_t i = 0; i < v->ndrills; i++) {
		struct instance *inst = v->drills[i].inst;

		if (inst == going) {
			snprintf(body, sizeof(body), "drill %s: interrupted: the "
			    "instance was stopped\n", inst->conf.name);
			ok = false;
		} else if (instance_drill_take_report(inst, &report, &ok)) {
			snprintf(body, sizeof(body), "%s\n", report);
		} else {
			continue;
		}
		ctl_answer_later(&v->ctl, &v->drills[i].ticket, ok ? 0 : 1, body);
		v->drills[i--] = v->drills[--v->ndrills];
	}
}

/* The instance a control request names, or NULL after saying so in out. */
static struct instance *
vipd_named_instance(struct vipd *v, const char *name, FILE *out)
{
	for (size_t i = 0; i < v->ninstances; i++)
		if (strcmp(v->instances[i]->conf.name, name) == 0)
			return v->instances[i];
	fprintf(out, "no instance named '%s'\n", name);
	return NULL;
}

/* "fault NAME on|off": a forced FAULT for drills. */
static int
vipd_ctl_fault(struct vipd *v, const char *args, FILE *out)
{
	char name[CONF_NAME_MAX], mode[8];
	struct instance *inst;
	int err;

	if (sscanf(args, "%63s %7s", name, mode) != 2 ||
	    (strcmp(mode, "on") != 0 && strcmp(mode, "off") != 0)) {
		fprintf(out, "usage: fault INSTANCE on|off\n");
		return 1;
	}
	if ((inst = vipd_named_instance(v, name, out)) == NULL)
		return 1;
	err = instance_force_fault(inst, &v->env, strcmp(mode, "on") == 0,
	    evloop_now_ms());
	if (err == -EALREADY) {
		fprintf(out, "%s: forced FAULT is already %s\n", name, mode);
		return 1;
	}
	if (err == -EBUSY) {
		fprintf(out, "%s: a hand-over is in progress; try again when it "
		    "is done\n", name);
		return 1;
	}
	fprintf(out, "%s: forced FAULT %s; state %s%s\n", name, mode,
	    vrrp_state_name(inst->fsm.state), inst->fsm.releasing ?
	    " (handing over, VIPs kept until the new master is heard)" : "");
	return 0;
}

/* "drill NAME [--hold SECONDS]": answered when the drill is over. */
static int
vipd_ctl_drill(struct vipd *v, const char *args, FILE *out,
    struct ctl_ticket *ticket)
{
	char name[CONF_NAME_MAX], why[256];
	struct instance *inst;
	double hold_s = VIPD_DRILL_DEFAULT_HOLD_S;
	int n = 0;

	if (sscanf(args, "%63s%n", name, &n) != 1 ||
	    (args[n] != '\0' && (sscanf(args + n, " --hold %lf", &hold_s) != 1 ||
	    hold_s < 0 || hold_s > 3600))) {
		fprintf(out, "usage: drill INSTANCE [--hold SECONDS (0..3600)]\n");
		return 1;
	}
	if ((inst = vipd_named_instance(v, name, out)) == NULL)
		return 1;
	if (v->ndrills == VIPD_MAX_DRILLS) {
		fprintf(out, "too many drills at once\n");
		return 1;
	}
	if (instance_drill_start(inst, &v->env, (uint32_t)(hold_s * 1000.0),
	    evloop_now_ms(), why, sizeof(why)) < 0) {
		fprintf(out, "%s\n", why);
		return 1;
	}
	v->drills[v->ndrills].inst = inst;
	v->drills[v->ndrills++].ticket = *ticket;
	return CTL_PENDING;
}

int
vipd_ctl_request(void *arg, const char *cmd, FILE *out, struct ctl_ticket *ticket)
{
	struct vipd *v = arg;
	struct dump_view view = vipd_view(v);
	char why[CONF_ERROR_LEN];

	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "dump") == 0) {
		dump_write_text(out, &view);
		return 0;
	}
	if (strcmp(cmd, "status --json") == 0 || strcmp(cmd, "dump --json") == 0) {
		dump_write_json(out, &view);
		return 0;
	}
	if (strcmp(cmd, "stats") == 0) {
		dump_write_stats(out, &view);
		return 0;
	}
	if (strcmp(cmd, "reload") == 0) {
		if (vipd_reload(v, why, sizeof(why)) < 0) {
			fprintf(out, "reload refused: %s\n", why);
			return 1;
		}
		fprintf(out, "reload accepted: %s\n", why);
		return 0;
	}
	if (strncmp(cmd, "fault ", 6) == 0)
		return vipd_ctl_fault(v, cmd + 6, out);
	if (strncmp(cmd, "drill ", 6) == 0)
		return vipd_ctl_drill(v, cmd + 6, out, ticket);
	fprintf(out, "unknown command '%s' (try: status, status --json, dump, "
	    "stats, reload, fault INSTANCE on|off, drill INSTANCE [--hold S])\n",
	    cmd);
	return 1;
}
