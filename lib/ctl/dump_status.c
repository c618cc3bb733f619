/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dump_status - `vipctl status`: the node at a glance (declared in dump.h).
 *
 * One row per instance (name, state, priority base/effective, master,
 * VIPs, time in state, last transition's reason), then one short section
 * each for sync groups, virtual services and conn_sync when they are
 * configured, then the newest transitions of each instance. The details
 * (tracking, counters, backends one by one) are `vipctl dump`'s.
 *
 * Columns are as wide as their widest cell, so the rows line up whatever
 * the names; a cell never holds a newline, so a script can split a row on
 * runs of two spaces.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf_names.h"
#include "ctl/dump.h"

#define STATUS_COLS 7
#define STATUS_CELL 128
#define STATUS_VIPS_SHOWN 2       /* more are counted: "+3 more" */
#define STATUS_TIMELINE_DEFAULT 5

static const char *const status_heads[STATUS_COLS] = { "INSTANCE", "STATE",
	"PRIORITY", "MASTER", "VIPS", "SINCE", "LAST TRANSITION" };

struct status_row {
	char cell[STATUS_COLS][STATUS_CELL];
};

/* "12.3 s", "4m05s", "3h12m", "2d04h": short enough for a column. */
static const char *
status_age(uint64_t ms, char *buf, size_t len)
{
	uint64_t s = ms / 1000;

	if (s < 60)
		snprintf(buf, len, "%.1f s", (double)ms / 1000.0);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
		    s / 60 % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
		    s / 3600 % 24);
	return buf;
}

/* The state, and why it is unusual when it is: shown as such everywhere. */
static void
status_state(const struct instance *inst, uint64_t now_ms, char *buf,
    size_t len)
{
	enum vrrp_state st = instance_state(inst);
	const char *state = vrrp_state_name(st);
	const char *why = NULL;

	if (st == VRRP_STATE_FAULT) {
		if (inst->forced_fault)
			why = "forced";
		else if (inst->track_fault)
			why = "tracking";
		else if (inst->group_fault)
			why = "sync group";
	} else if (instance_releasing(inst)) {
		why = "handing over";
	} else if (st == VRRP_STATE_BACKUP &&
	    instance_hold_until_ms(inst) > now_ms) {
		why = "drill hold";
	}
	if (why != NULL)
		snprintf(buf, len, "%s (%s)", state, why);
	else
		snprintf(buf, len, "%s", state);
}

static void
status_vips(const struct instance *inst, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	size_t used = 0, n = inst->conf.nvips;

	buf[0] = '\0';
	for (size_t j = 0; j < n && j < STATUS_VIPS_SHOWN && used < len; j++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s/%u",
		    j ? ", " : "", addr_str(&inst->conf.vips[j].addr, addr,
		    sizeof(addr)), inst->conf.vips[j].prefix_len);
	if (n > STATUS_VIPS_SHOWN && used < len)
		snprintf(buf + used, len - used, " +%zu more",
		    n - STATUS_VIPS_SHOWN);
	if (n == 0)
		snprintf(buf, len, "-");
}

static void
status_fill(struct status_row *r, const struct dump_view *v,
    const struct instance *inst)
{
	const struct timeline_entry *last = timeline_recent(&inst->timeline, 0);
	char addr[INET6_ADDRSTRLEN];
	const char *master = dump_master_addr(inst, addr, sizeof(addr));

	snprintf(r->cell[0], STATUS_CELL, "%s", inst->conf.name);
	status_state(inst, v->now_ms, r->cell[1], STATUS_CELL);
	snprintf(r->cell[2], STATUS_CELL, "%u/%u", inst->conf.priority,
	    instance_effective_priority(inst));
	snprintf(r->cell[3], STATUS_CELL, "%s", master ? master : "-");
	status_vips(inst, r->cell[4], STATUS_CELL);
	if (last != NULL)
		status_age(v->now_ms - instance_state_since_ms(inst), r->cell[5],
		    STATUS_CELL);
	else
		snprintf(r->cell[5], STATUS_CELL, "-");
	snprintf(r->cell[6], STATUS_CELL, "%s", last != NULL ?
	    vrrp_reason_name((enum vrrp_reason)last->reason) : "-");
}

static void
status_print_row(FILE *f, const char *const *cells, const int *width)
{
	for (int c = 0; c < STATUS_COLS; c++) {
		if (c + 1 < STATUS_COLS)
			fprintf(f, "%-*s  ", width[c], cells[c]);
		else
			fprintf(f, "%s\n", cells[c]);
	}
}

static void
status_instances(FILE *f, const struct dump_view *v)
{
	struct status_row *rows = calloc(v->ninstances ? v->ninstances : 1,
	    sizeof(*rows));
	int width[STATUS_COLS];
	const char *cells[STATUS_COLS];

	if (rows == NULL) {
		fprintf(f, "(out of memory for the table)\n");
		return;
	}
	for (int c = 0; c < STATUS_COLS; c++)
		width[c] = (int)strlen(status_heads[c]);
	for (size_t i = 0; i < v->ninstances; i++) {
		status_fill(&rows[i], v, v->instances[i]);
		for (int c = 0; c < STATUS_COLS; c++)
			if ((int)strlen(rows[i].cell[c]) > width[c])
				width[c] = (int)strlen(rows[i].cell[c]);
	}
	status_print_row(f, status_heads, width);
	for (size_t i = 0; i < v->ninstances; i++) {
		for (int c = 0; c < STATUS_COLS; c++)
			cells[c] = rows[i].cell[c];
		status_print_row(f, cells, width);
	}
	if (v->ninstances == 0)
		fprintf(f, "(no instances configured)\n");
	free(rows);
}

static void
status_groups(FILE *f, const struct dump_view *v)
{
	char age[32];
	int width = 0;

	if (v->groups == NULL || v->groups->ngroups == 0)
		return;
	for (size_t i = 0; i < v->groups->ngroups; i++)
		if ((int)strlen(v->groups->groups[i].conf->name) > width)
			width = (int)strlen(v->groups->groups[i].conf->name);
	fprintf(f, "\nsync groups:\n");
	for (size_t i = 0; i < v->groups->ngroups; i++) {
		const struct sync_group *g = &v->groups->groups[i];

		fprintf(f, "  %-*s  %-6s  for %-7s  members:", width, g->conf->name,
		    vrrp_state_name(g->state), g->since_ms ? status_age(v->now_ms -
		    g->since_ms, age, sizeof(age)) : "-");
		for (size_t k = 0; k < g->nmembers; k++)
			fprintf(f, "%s %s %s", k ? "," : "", g->members[k]->conf.name,
			    vrrp_state_name(instance_state(g->members[k])));
		fputc('\n', f);
	}
}

static void
status_services(FILE *f, const struct dump_view *v)
{
	char addr[INET6_ADDRSTRLEN], where[INET6_ADDRSTRLEN + 16];
	int wname = 0, waddr = 0;

	if (v->lb == NULL || v->lb->nservices == 0)
		return;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			fprintf(f, "\nvirtual services:\n");
		for (size_t i = 0; i < v->lb->nservices; i++) {
			const struct lb_service *s = v->lb->services[i];
			size_t up = 0;

			addr_str(&s->conf.addr, addr, sizeof(addr));
			snprintf(where, sizeof(where), s->conf.addr.family ==
			    AF_INET6 ? "[%s]:%u/%s" : "%s:%u/%s", addr,
			    s->conf.port, conf_names_lb_proto(s->conf.protocol));
			if (pass == 0) {
				if ((int)strlen(s->conf.name) > wname)
					wname = (int)strlen(s->conf.name);
				if ((int)strlen(where) > waddr)
					waddr = (int)strlen(where);
				continue;
			}
			/*
			 * "up" as each backend's health in the dump says it
			 * (lb_backend_up, weight aside): a drained backend is
			 * up here; the dump's "N backends take new flows", on
			 * which quorum is judged, is s->active.
			 */
			size_t changed = 0;

			for (size_t j = 0; j < s->conf.nbackends; j++) {
				up += lb_backend_up(&s->backends[j]);
				changed += s->backends[j].weight !=
				    s->backends[j].conf->weight;
			}
			fprintf(f, "  %-*s  %-*s  %s  quorum %u %s  backends %zu/%zu up",
			    wname, s->conf.name, waddr, where,
			    conf_names_lb_fwd(s->conf.forwarding), s->conf.quorum,
			    s->quorum_met ? "met" : "NOT met", up, s->conf.nbackends);
			if (s->table_size > 0)
				fprintf(f, "  table %zu digest %016" PRIx64,
				    s->table_size, s->table_digest);
			if (s->conf.announce)
				fprintf(f, "  %s%s%s%s", lb_announce_state_name(
				    s->ann.state), s->ann.state !=
				    LB_ANNOUNCE_ANNOUNCED ? " (" : "",
				    s->ann.state != LB_ANNOUNCE_ANNOUNCED ?
				    lb_announce_reason_name(s->ann.reason) : "",
				    s->ann.state != LB_ANNOUNCE_ANNOUNCED ? ")" :
				    "");
			fprintf(f, "%s\n", s->rules_ok ? "" :
			    "  rules NOT installed");
			/* Run-time weights (vipctl backend), one line each. */
			for (size_t j = 0; changed > 0 && j < s->conf.nbackends;
			    j++) {
				const struct lb_backend *b = &s->backends[j];
				char ba[INET6_ADDRSTRLEN];

				if (b->weight == b->conf->weight)
					continue;
				addr_str(&b->conf->addr, ba, sizeof(ba));
				fprintf(f, b->conf->addr.family == AF_INET6 ?
				    "    backend [%s]:%u %s (weight %u, the "
				    "file's %u)\n" : "    backend %s:%u %s "
				    "(weight %u, the file's %u)\n", ba,
				    b->conf->port, b->weight == 0 ? "drained" :
				    "weight set", b->weight, b->conf->weight);
			}
		}
	}
}

static void
status_sync(FILE *f, const struct dump_view *v)
{
	struct ct_sync_status st;
	char peer[INET6_ADDRSTRLEN];

	if (v->sync == NULL)
		return;
	ct_sync_status(v->sync, &st);
	fprintf(f, "\nconn_sync: %s, synced %s, following %s %s, peer %s\n",
	    st.role == CT_SYNC_SENDER ? "sender" : "receiver",
	    st.role == CT_SYNC_SENDER ? "n/a (sender)" : st.synced ? "yes" : "no",
	    st.conf->follow_is_group ? "sync group" : "instance", st.conf->follow,
	    addr_str(&st.conf->peer, peer, sizeof(peer)));
	for (size_t i = 0; st.nlinks > 1 && i < st.nlinks; i++) {
		const struct ct_sync_link_status *l = &st.links[i];

		fprintf(f, "  link %s to %s: %s%s", l->conf->interface,
		    addr_str(&l->conf->peer, peer, sizeof(peer)),
		    ct_link_state_name(l->state), l->active ? ", active" : "");
		if (l->changed_ms != 0)
			fprintf(f, ", since %.1f s ago", (double)(v->now_ms -
			    l->changed_ms) / 1000.0);
		fprintf(f, "\n");
	}
}

/* The newest few transitions of each instance, newest first. */
static void
status_timelines(FILE *f, const struct dump_view *v)
{
	size_t max = v->timeline_text_max ? v->timeline_text_max :
	    STATUS_TIMELINE_DEFAULT;
	char when[48], peer[INET6_ADDRSTRLEN], age[32];

	for (size_t i = 0; i < v->ninstances; i++) {
		const struct instance *inst = v->instances[i];
		size_t n = timeline_count(&inst->timeline);
		size_t show = n < max ? n : max;

		if (n == 0)
			continue;
		fprintf(f, "\ntransitions of %s (newest first, %zu of %" PRIu64
		    "):\n", inst->conf.name, show, inst->timeline.total);
		for (size_t k = 0; k < show; k++) {
			const struct timeline_entry *e =
			    timeline_recent(&inst->timeline, k);

			fprintf(f, "  %s  %-6s -> %-6s  %s", dump_wall_time(
			    e->wall_ms, when, sizeof(when)),
			    vrrp_state_name((enum vrrp_state)e->from),
			    vrrp_state_name((enum vrrp_state)e->to),
			    vrrp_reason_name((enum vrrp_reason)e->reason));
			if (e->peer.family != 0)
				fprintf(f, ", peer %s", addr_str(&e->peer,
				    peer, sizeof(peer)));
			if (e->detail[0] != '\0')
				fprintf(f, ": %s", e->detail);
			fprintf(f, " (%s ago)\n", status_age(v->now_ms - e->at_ms,
			    age, sizeof(age)));
		}
	}
}

void
dump_write_status(FILE *f, const struct dump_view *v)
{
	fprintf(f, "vipd %s, pid %d, up %.1f s\n\n", v->router_id, (int)v->pid,
	    (double)v->uptime_ms / 1000.0);
	status_instances(f, v);
	status_groups(f, v);
	status_services(f, v);
	status_sync(f, v);
	if (v->bfd != NULL && v->bfd->nsess != 0) {
		fprintf(f, "\n");
		bfd_run_status_text(f, v->bfd, v->now_ms);
	}
	status_timelines(f, v);
}
