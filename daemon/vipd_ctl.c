/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_ctl - what the daemon answers on its control socket (lib/ctl/ctl.c does
 * the framing, lib/ctl/ctl_proto.c the JSON): status, dump, stats, reload,
 * fault and drill. A drill is answered when it is over; its waiting client
 * is kept here.
 *
 * Adding a command: write
 *     static int vipd_ctl_NAME(struct vipd *v, const struct ctl_request *req,
 *                              FILE *out, struct ctl_ticket *ticket)
 * that reads req->args[0 .. req->nargs-1], writes text (or, for --json, one
 * JSON value) to out, and returns CTL_OK, CTL_OK_JSON, CTL_REFUSED (out
 * says why) or CTL_PENDING; then add one line to `commands` below (name,
 * allowed argument counts, usage) and a line to vipctl's usage and
 * man/vipctl.8. vipctl sends any command word as it is, so it needs no
 * change.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/metrics_om.h"
#include "vipd.h"

/*
 * A drill whose instance is going (reload, stop): its own report, cut
 * short. Not the sync group's: the group is about to change.
 */
static void
vipd_drill_stopped(struct vipd *v, struct instance *inst, char *body,
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

/* Answer every drill that has finished (or whose instance is going). */
void
vipd_answer_drills(struct vipd *v, const struct instance *going)
{
	char body[512];
	bool ok;

	for (size_t i = 0; i < v->ndrills; i++) {
		struct instance *inst = v->drills[i].inst;

		if (inst == going) {
			vipd_drill_stopped(v, inst, body, sizeof(body), &ok);
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
vipd_ctl_fault(struct vipd *v, const struct ctl_request *req, FILE *out,
    struct ctl_ticket *ticket)
{
	const char *name = req->args[0], *mode = req->args[1];
	struct instance *inst;
	int err;

	(void)ticket;
	if (strcmp(mode, "on") != 0 && strcmp(mode, "off") != 0) {
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
	    vrrp_state_name(instance_state(inst)), instance_releasing(inst) ?
	    " (handing over, VIPs kept until the new master is heard)" : "");
	return 0;
}

/* "drill NAME [--hold SECONDS]": answered when the drill is over. */
static int
vipd_ctl_drill(struct vipd *v, const struct ctl_request *req, FILE *out,
    struct ctl_ticket *ticket)
{
	const char *name = req->args[0];
	char why[256], *end;
	struct instance *inst;
	double hold_s = VIPD_DRILL_DEFAULT_HOLD_S;

	if (req->nargs == 3 && strcmp(req->args[1], "--hold") == 0)
		hold_s = strtod(req->args[2], &end);
	if (req->nargs == 2 || (req->nargs == 3 &&
	    (strcmp(req->args[1], "--hold") != 0 || end == req->args[2] ||
	    *end != '\0' || !(hold_s >= 0 && hold_s <= 3600)))) {
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

/* "--json" as the only argument: the caller wants a JSON result. */
static bool
vipd_ctl_wants_json(const struct ctl_request *req, FILE *out, const char *cmd)
{
	if (req->nargs == 1 && strcmp(req->args[0], "--json") != 0)
		fprintf(out, "usage: %s [--json]\n", cmd);
	return req->nargs == 1;
}

/*
 * status [--json]: the table at a glance; dump [--json]: the SIGUSR1 dump
 * (vipd.data, all of it). As JSON both are vipd.json.
 */
static int
vipd_ctl_status(struct vipd *v, const struct ctl_request *req, FILE *out,
    struct ctl_ticket *ticket)
{
	struct dump_view view = vipd_view(v);

	(void)ticket;
	if (vipd_ctl_wants_json(req, out, req->command)) {
		if (strcmp(req->args[0], "--json") != 0)
			return CTL_REFUSED;
		dump_write_json(out, &view);
		return CTL_OK_JSON;
	}
	if (strcmp(req->command, "status") == 0) {
		view.timeline_text_max = VIPD_STATUS_TIMELINE;
		dump_write_status(out, &view);
	} else {
		dump_write_text(out, &view);
	}
	return CTL_OK;
}

/* stats [--json]: the SIGUSR2 counters; as JSON the dump, which has them all. */
static int
vipd_ctl_stats(struct vipd *v, const struct ctl_request *req, FILE *out,
    struct ctl_ticket *ticket)
{
	struct dump_view view = vipd_view(v);

	(void)ticket;
	if (vipd_ctl_wants_json(req, out, "stats")) {
		if (strcmp(req->args[0], "--json") != 0)
			return CTL_REFUSED;
		dump_write_json(out, &view);
		return CTL_OK_JSON;
	}
	dump_write_stats(out, &view);
	return CTL_OK;
}

/* conns [--json]: connection-table sync (conn_sync) state and counters. */
static int
vipd_ctl_conns(struct vipd *v, const struct ctl_request *req, FILE *out,
    struct ctl_ticket *ticket)
{
	bool json = vipd_ctl_wants_json(req, out, "conns");

	(void)ticket;
	if (json && strcmp(req->args[0], "--json") != 0)
		return CTL_REFUSED;
	if (v->sync == NULL) {
		fprintf(out, "conn_sync is not %s\n", v->conf->conn_sync.enabled ?
		    "running (see the log)" : "configured");
		return CTL_REFUSED;
	}
	if (json) {
		ct_sync_write_json(out, v->sync, evloop_now_ms());
		return CTL_OK_JSON;
	}
	ct_sync_write_text(out, v->sync, evloop_now_ms());
	return CTL_OK;
}

static int
vipd_ctl_reload(struct vipd *v, const struct ctl_request *req, FILE *out,
    struct ctl_ticket *ticket)
{
	char why[CONF_ERROR_LEN];

	(void)req;
	(void)ticket;
	if (vipd_reload(v, why, sizeof(why)) < 0) {
		fprintf(out, "reload refused: %s\n", why);
		return CTL_REFUSED;
	}
	fprintf(out, "reload accepted: %s\n", why);
	return CTL_OK;
}

typedef int (*vipd_ctl_fn)(struct vipd *v, const struct ctl_request *req,
			   FILE *out, struct ctl_ticket *ticket);

static const struct {
	const char *name;
	size_t min_args, max_args;
	vipd_ctl_fn fn;
	const char *usage;
} commands[] = {
	{ "status", 0, 1, vipd_ctl_status, "status [--json]" },
	{ "dump", 0, 1, vipd_ctl_status, "dump [--json]" },
	{ "stats", 0, 1, vipd_ctl_stats, "stats [--json]" },
	{ "conns", 0, 1, vipd_ctl_conns, "conns [--json]" },
	{ "reload", 0, 0, vipd_ctl_reload, "reload" },
	{ "fault", 2, 2, vipd_ctl_fault, "fault INSTANCE on|off" },
	{ "drill", 1, 3, vipd_ctl_drill, "drill INSTANCE [--hold SECONDS]" },
};

int
vipd_ctl_request(void *arg, const struct ctl_request *req, FILE *out,
    struct ctl_ticket *ticket)
{
	struct vipd *v = arg;
	size_t n = sizeof(commands) / sizeof(commands[0]);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(req->command, commands[i].name) != 0)
			continue;
		if (req->nargs < commands[i].min_args ||
		    req->nargs > commands[i].max_args) {
			fprintf(out, "usage: %s\n", commands[i].usage);
			return CTL_REFUSED;
		}
		return commands[i].fn(v, req, out, ticket);
	}
	fprintf(out, "unknown command '%s' (try:", req->command);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s %s", i ? "," : "", commands[i].usage);
	fprintf(out, ")\n");
	return CTL_REFUSED;
}

/* The metrics are the JSON dump, read by the rules of metrics_om.h. */
static void
vipd_metrics_render(void *arg, FILE *out)
{
	struct vipd *v = arg;
	struct dump_view view = vipd_view(v);
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);

	if (f == NULL) {
		fprintf(out, "# EOF\n");
		return;
	}
	dump_write_json(f, &view);
	fclose(f);
	if (metrics_om_write(out, json, len) < 0)
		log_err("metrics: the dump could not be turned into metrics");
	free(json);
}

void
vipd_metrics_apply(struct vipd *v)
{
	const struct conf_global *g = &v->conf->global;
	char addr[INET6_ADDRSTRLEN];
	int err;

	if (v->metrics.fd >= 0 && g->metrics_enabled &&
	    addr_cmp(&v->metrics.addr, &g->metrics_addr) == 0 &&
	    v->metrics.port == g->metrics_port)
		return;
	if (v->metrics.fd >= 0)
		log_notice("metrics: endpoint closed");
	metrics_close(&v->metrics);
	if (!g->metrics_enabled)
		return;
	addr_str(&g->metrics_addr, addr, sizeof(addr));
	if ((err = metrics_open(&v->metrics, &v->loop, &g->metrics_addr,
	    g->metrics_port, vipd_metrics_render, v)) < 0)
		log_err("metrics: cannot listen on %s port %u: %s", addr,
		    g->metrics_port, strerror(-err));
	else
		log_notice("metrics: OpenMetrics on http://%s%s%s:%u/metrics",
		    g->metrics_addr.family == AF_INET6 ? "[" : "", addr,
		    g->metrics_addr.family == AF_INET6 ? "]" : "", g->metrics_port);
}
