/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_ctl - what the daemon answers on its control socket (lib/ctl/ctl.c does
 * the framing, lib/ctl/ctl_proto.c the JSON): status, dump, stats, reload,
 * fault and drill. A drill is answered when it is over; its waiting client
 * waits in vipd_drills.c.
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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "vipd.h"

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
		return CTL_REFUSED;
	}
	if ((inst = vipd_named_instance(v, name, out)) == NULL)
		return CTL_REFUSED;
	err = instance_force_fault(inst, &v->env, strcmp(mode, "on") == 0,
	    evloop_now_ms());
	if (err == -EALREADY) {
		fprintf(out, "%s: forced FAULT is already %s\n", name, mode);
		return CTL_REFUSED;
	}
	if (err == -EBUSY) {
		fprintf(out, "%s: a hand-over is in progress; try again when it "
		    "is done\n", name);
		return CTL_REFUSED;
	}
	fprintf(out, "%s: forced FAULT %s; state %s%s\n", name, mode,
	    vrrp_state_name(instance_state(inst)), instance_releasing(inst) ?
	    " (handing over, VIPs kept until the new master is heard)" : "");
	return CTL_OK;
}

/* "A.B.C.D:PORT" or "[X:X::X]:PORT"; 0 or -1. */
static int
parse_backend(const char *text, struct addr *addr, uint16_t *port)
{
	char buf[INET6_ADDRSTRLEN + 2], *end;
	const char *colon = strrchr(text, ':'), *a = text;
	size_t alen;
	unsigned long p;

	if (colon == NULL)
		return -1;
	alen = (size_t)(colon - text);
	if (text[0] == '[') {
		if (alen < 2 || colon[-1] != ']')
			return -1;
		a = text + 1;
		alen -= 2;
	}
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, a, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, addr) < 0 || (text[0] != '[' &&
	    addr->family != AF_INET))
		return -1;
	if (colon[1] < '0' || colon[1] > '9')
		return -1;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || p < 1 || p > 65535)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

/*
 * "backend SERVICE ADDRESS:PORT drain|enable|weight N": a backend's weight
 * at run time (drain = 0), until the next reload.
 */
static int
vipd_ctl_backend(struct vipd *v, const struct ctl_request *req, FILE *out,
    struct ctl_ticket *ticket)
{
	const char *op = req->args[2];
	bool enable_it = false, is_weight = strcmp(op, "weight") == 0;
	unsigned long w = 0;
	char why[256], *end;
	struct addr addr;
	uint16_t port;

	(void)ticket;
	if ((is_weight && req->nargs != 4) || (!is_weight &&
	    (req->nargs != 3 || (strcmp(op, "drain") != 0 &&
	    strcmp(op, "enable") != 0)))) {
		fprintf(out, "usage: backend SERVICE ADDRESS:PORT drain|enable|"
		    "weight N\n");
		return CTL_REFUSED;
	}
	if (parse_backend(req->args[1], &addr, &port) < 0) {
		fprintf(out, "'%s' is not ADDRESS:PORT (A.B.C.D:P or "
		    "[X:X::X]:P)\n", req->args[1]);
		return CTL_REFUSED;
	}
	if (is_weight) {
		w = strtoul(req->args[3], &end, 10);
		if (req->args[3][0] < '0' || req->args[3][0] > '9' ||
		    *end != '\0' || w > CONF_LB_WEIGHT_MAX) {
			fprintf(out, "weight '%s' is not a number 0..%d\n",
			    req->args[3], CONF_LB_WEIGHT_MAX);
			return CTL_REFUSED;
		}
	} else
		enable_it = strcmp(op, "enable") == 0;
	if (lb_backend_set_weight(&v->lb, req->args[0], &addr, port,
	    enable_it, (uint32_t)w, why, sizeof(why)) < 0) {
		fprintf(out, "%s\n", why);
		return CTL_REFUSED;
	}
	fprintf(out, "%s%s (until the next reload)\n", why, strcmp(op,
	    "drain") == 0 ? ": drained, established connections run on" : "");
	return CTL_OK;
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
		return CTL_REFUSED;
	}
	if ((inst = vipd_named_instance(v, name, out)) == NULL)
		return CTL_REFUSED;
	if (vipd_drills_full(v)) {
		fprintf(out, "too many drills at once\n");
		return CTL_REFUSED;
	}
	if (instance_drill_start(inst, &v->env, (uint32_t)(hold_s * 1000.0),
	    evloop_now_ms(), why, sizeof(why)) < 0) {
		fprintf(out, "%s\n", why);
		return CTL_REFUSED;
	}
	vipd_drills_wait(v, inst, ticket);
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
	{ "backend", 3, 4, vipd_ctl_backend,
	    "backend SERVICE ADDRESS:PORT drain|enable|weight N" },
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
