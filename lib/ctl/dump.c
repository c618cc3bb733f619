/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dump - text, JSON and counter dumps of the running instances.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/dump.h"
#include "base/json_out.h"

const char *
dump_master_addr(const struct instance *inst, char *buf, size_t len)
{
	const struct addr *master = instance_master_addr(inst);

	if (instance_state(inst) == VRRP_STATE_MASTER && inst->have_primary)
		return addr_str(&inst->primary, buf, len);
	if (instance_state(inst) == VRRP_STATE_BACKUP && master != NULL)
		return addr_str(master, buf, len);
	return NULL;
}

/* A make-before-break hand-over in progress, in words; NULL when none. */
static const char *
dump_handover(const struct instance *inst)
{
	if (!instance_releasing(inst))
		return NULL;
	return instance_release_heard(inst) ? "releasing, new master heard" :
	    "releasing, waiting for new master";
}

/* ISO 8601 UTC with milliseconds: sorts, and means the same on both peers. */
const char *
dump_wall_time(uint64_t wall_ms, char *buf, size_t len)
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;
	char day[32];

	if (gmtime_r(&secs, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(day, sizeof(day), "?");
	snprintf(buf, len, "%s.%03uZ", day, (unsigned)(wall_ms % 1000));
	return buf;
}

/* Newest first; view->timeline_text_max of them (0: all kept). */
static void
dump_timeline_text(FILE *f, const struct dump_view *v,
    const struct instance *inst)
{
	size_t n = timeline_count(&inst->timeline);
	size_t show = v->timeline_text_max && v->timeline_text_max < n ?
	    v->timeline_text_max : n;
	char when[48], peer[INET6_ADDRSTRLEN];

	if (n == 0)
		return;
	fprintf(f, "  transitions (newest first, %zu of %" PRIu64 "):\n", show,
	    inst->timeline.total);
	for (size_t i = 0; i < show; i++) {
		const struct timeline_entry *e = timeline_recent(&inst->timeline, i);

		fprintf(f, "    %s  %-6s -> %-6s  %s", dump_wall_time(e->wall_ms,
		    when, sizeof(when)), vrrp_state_name(e->from),
		    vrrp_state_name(e->to), vrrp_reason_name(e->reason));
		if (e->peer.family != 0)
			fprintf(f, ", peer %s", addr_str(&e->peer, peer,
			    sizeof(peer)));
		if (e->detail[0] != '\0')
			fprintf(f, ": %s", e->detail);
		fprintf(f, " (%.1f s ago)\n", (double)(v->now_ms - e->at_ms) /
		    1000.0);
	}
}

/* Track scripts, sync groups, script and notify counters. */
static void
dump_health_text(FILE *f, const struct dump_view *v)
{
	const struct script_counters *s = v->scripts;
	const struct notify_counters *n = v->notify;

	if (v->health != NULL && v->health->nscripts > 0) {
		fputc('\n', f);
		health_dump_scripts_text(f, v->health);
	}
	if (v->groups != NULL && v->groups->ngroups > 0) {
		fputc('\n', f);
		sync_groups_dump_text(f, v->groups, v->now_ms);
	}
	if (s != NULL)
		fprintf(f, "\nScripts: %" PRIu64 " started, %" PRIu64 " succeeded, %"
		    PRIu64 " failed, %" PRIu64 " timed out, %" PRIu64 " could not "
		    "start, %" PRIu64 " refused (busy), %" PRIu64 " refused "
		    "(insecure), %" PRIu64 " output bytes discarded\n", s->started,
		    s->succeeded, s->failed, s->timed_out, s->start_failed,
		    s->refused_busy, s->refused_insecure, s->output_bytes);
	if (n != NULL)
		fprintf(f, "Notify: %" PRIu64 " queued, %" PRIu64 " run, %" PRIu64
		    " failed, %" PRIu64 " timed out, %" PRIu64 " dropped; fifo %"
		    PRIu64 " lines, %" PRIu64 " dropped\n", n->queued, n->run,
		    n->failed, n->timed_out, n->dropped, n->fifo_lines,
		    n->fifo_dropped);
}

static void
dump_health_json(FILE *f, const struct dump_view *v)
{
	const struct script_counters *s = v->scripts;
	const struct notify_counters *n = v->notify;

	if (v->health != NULL) {
		fprintf(f, ",\n  \"track_scripts\": ");
		health_dump_scripts_json(f, v->health);
		fprintf(f, ",\n  \"track_processes\": ");
		proc_watch_dump_json(f, &v->health->procs);
	}
	if (v->groups != NULL) {
		fprintf(f, ",\n  \"sync_groups\": ");
		sync_groups_dump_json(f, v->groups, v->now_ms);
	}
	if (s != NULL)
		fprintf(f, ",\n  \"scripts\": {\"started\": %" PRIu64
		    ", \"succeeded\": %" PRIu64 ", \"failed\": %" PRIu64
		    ", \"timed_out\": %" PRIu64 ", \"start_failed\": %" PRIu64
		    ", \"refused_busy\": %" PRIu64 ", \"refused_insecure\": %"
		    PRIu64 ", \"output_bytes\": %" PRIu64 "}", s->started,
		    s->succeeded, s->failed, s->timed_out, s->start_failed,
		    s->refused_busy, s->refused_insecure, s->output_bytes);
	if (n != NULL)
		fprintf(f, ",\n  \"notify\": {\"queued\": %" PRIu64 ", \"run\": %"
		    PRIu64 ", \"failed\": %" PRIu64 ", \"timed_out\": %" PRIu64
		    ", \"dropped\": %" PRIu64 ", \"fifo_lines\": %" PRIu64
		    ", \"fifo_dropped\": %" PRIu64 "}", n->queued, n->run,
		    n->failed, n->timed_out, n->dropped, n->fifo_lines,
		    n->fifo_dropped);
}

void
dump_write_text(FILE *f, const struct dump_view *v)
{
	char addr[INET6_ADDRSTRLEN];

	fprintf(f, "vipd %s, pid %d, up %.1f s\n", v->router_id, (int)v->pid,
	    (double)v->uptime_ms / 1000.0);
	for (size_t i = 0; i < v->ninstances; i++) {
		const struct instance *inst = v->instances[i];
		const char *master = dump_master_addr(inst, addr, sizeof(addr));

		fprintf(f, "\ninstance %s\n", inst->conf.name);
		fprintf(f, "  state: %s%s for %.1f s\n",
		    vrrp_state_name(instance_state(inst)),
		    inst->forced_fault ? " (forced by vipctl fault on)" : "",
		    (double)(v->now_ms - instance_state_since_ms(inst)) /
		    1000.0);
		fprintf(f, "  interface: %s, vrid %u, version %u\n",
		    inst->conf.interface, inst->conf.vrid, inst->conf.version);
		if (inst->conf.use_vmac)
			fprintf(f, "  vmac: %s (%s)\n", inst->conf.vmac_name,
			    inst->vmac.ifindex != 0 ? "up" : "missing");
		fprintf(f, "  accept mode: %s%s\n", inst->conf.accept_mode ||
		    inst->conf.priority == 255 ? "accept" : "drop when master",
		    inst->accept_blocked ? " (dropping)" : "");
		fprintf(f, "  priority: %u (effective %u)\n", inst->conf.priority,
		    instance_effective_priority(inst));
		fprintf(f, "  master: %s\n", master ? master : "unknown");
		if (instance_releasing(inst))
			fprintf(f, "  handover: %s\n", dump_handover(inst));
		fprintf(f, "  advert interval: %u ms (master's %u ms)\n",
		    inst->conf.advert_interval_ms,
		    instance_master_adver_interval_ms(inst));
		fprintf(f, "  preempt: %s, delay %u ms\n",
		    inst->conf.preempt ? "yes" : "no", inst->conf.preempt_delay_ms);
		fprintf(f, "  vips:");
		for (size_t j = 0; j < inst->conf.nvips; j++)
			fprintf(f, " %s/%u", addr_str(&inst->conf.vips[j].addr,
			    addr, sizeof(addr)), inst->conf.vips[j].prefix_len);
		fprintf(f, "\n");
		if (v->health != NULL)
			health_dump_text(f, v->health, inst);
		dump_timeline_text(f, v, inst);
		fprintf(f, "  adverts: %" PRIu64 " sent, %" PRIu64 " received, "
		    "%" PRIu64 " transitions\n", inst->counters.adverts_sent,
		    inst->counters.adverts_received, inst->counters.transitions);
	}
	dump_health_text(f, v);
	if (v->lb != NULL)
		lb_dump_text(f, v->lb, v->now_ms);
	if (v->sync != NULL) {
		fprintf(f, "\n");
		ct_sync_write_text(f, v->sync, v->now_ms);
	}
	if (v->bfd != NULL && v->bfd->nsess != 0) {
		fprintf(f, "\n");
		bfd_run_status_text(f, v->bfd, v->now_ms);
	}
}

static void
json_drops(FILE *f, const uint64_t *drops)
{
	bool first = true;

	fputc('{', f);
	for (int r = VRRP_DROP_NONE + 1; r < VRRP_DROP__COUNT; r++) {
		fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ",
		    vrrp_drop_name((enum vrrp_drop)r), drops[r]);
		first = false;
	}
	fputc('}', f);
}

/* One timeline entry; newest first in "timeline". */
static void
json_transition(FILE *f, const struct dump_view *v,
    const struct timeline_entry *e)
{
	char when[48], peer[INET6_ADDRSTRLEN];

	fprintf(f, "{\"from\": \"%s\", \"to\": \"%s\", \"reason\": \"%s\", "
	    "\"age_ms\": %" PRIu64 ", \"at_ms\": %" PRIu64 ", \"time\": \"%s\", "
	    "\"peer\": ", vrrp_state_name(e->from), vrrp_state_name(e->to),
	    vrrp_reason_name(e->reason), v->now_ms - e->at_ms, e->at_ms,
	    dump_wall_time(e->wall_ms, when, sizeof(when)));
	if (e->peer.family != 0)
		fprintf(f, "\"%s\"", addr_str(&e->peer, peer, sizeof(peer)));
	else
		fprintf(f, "null");
	fprintf(f, ", \"detail\": ");
	json_out_str(f, e->detail);
	fputc('}', f);
}

static void
json_instance(FILE *f, const struct dump_view *v, const struct instance *inst)
{
	const struct vrrp_counters *c = &inst->counters;
	char addr[INET6_ADDRSTRLEN];
	const char *master = dump_master_addr(inst, addr, sizeof(addr));

	fprintf(f, "    {\"name\": ");
	json_out_str(f, inst->conf.name);
	fprintf(f, ", \"interface\": ");
	json_out_str(f, inst->conf.interface);
	fprintf(f, ", \"vrid\": %u, \"version\": %u, \"state\": \"%s\", "
	    "\"base_priority\": %u, \"effective_priority\": %u, "
	    "\"master_address\": ", inst->conf.vrid, inst->conf.version,
	    vrrp_state_name(instance_state(inst)), inst->conf.priority,
	    instance_effective_priority(inst));
	if (master)
		json_out_str(f, master);
	else
		fprintf(f, "null");
	fprintf(f, ", \"advert_interval_ms\": %u, \"master_adver_interval_ms\": %u, "
	    "\"preempt\": %s, \"preempt_delay_ms\": %u, \"time_in_state_ms\": %" PRIu64,
	    inst->conf.advert_interval_ms, instance_master_adver_interval_ms(inst),
	    inst->conf.preempt ? "true" : "false", inst->conf.preempt_delay_ms,
	    v->now_ms - instance_state_since_ms(inst));
	fprintf(f, ", \"forced_fault\": %s", inst->forced_fault ? "true" : "false");
	fprintf(f, ", \"accept_mode\": %s, \"accept_dropping\": %s, \"vmac\": ",
	    inst->conf.accept_mode ? "true" : "false",
	    inst->accept_blocked ? "true" : "false");
	if (inst->conf.use_vmac)
		json_out_str(f, inst->conf.vmac_name);
	else
		fprintf(f, "null");
	if (v->health != NULL) {
		fprintf(f, ", \"tracking\": ");
		health_dump_json(f, v->health, inst);
	}
	fprintf(f, ", \"handover\": ");
	if (instance_releasing(inst))
		json_out_str(f, dump_handover(inst));
	else
		fprintf(f, "null");
	fprintf(f, ", \"last_transition\": ");
	if (timeline_count(&inst->timeline) > 0)
		json_transition(f, v, timeline_recent(&inst->timeline, 0));
	else
		fprintf(f, "null");
	fprintf(f, ", \"transitions_kept\": %zu, \"timeline\": [",
	    timeline_count(&inst->timeline));
	for (size_t j = 0; j < timeline_count(&inst->timeline); j++) {
		fputs(j ? ",\n      " : "\n      ", f);
		json_transition(f, v, timeline_recent(&inst->timeline, j));
	}
	fprintf(f, "]");
	fprintf(f, ", \"vips\": [");
	for (size_t j = 0; j < inst->conf.nvips; j++)
		fprintf(f, "%s\"%s/%u\"", j ? ", " : "",
		    addr_str(&inst->conf.vips[j].addr, addr, sizeof(addr)),
		    inst->conf.vips[j].prefix_len);
	fprintf(f, "], \"counters\": {\"adverts_sent\": %" PRIu64
	    ", \"adverts_received\": %" PRIu64 ", \"priority_zero_sent\": %" PRIu64
	    ", \"priority_zero_received\": %" PRIu64 ", \"transitions\": %" PRIu64
	    ", \"became_master\": %" PRIu64 ", \"garp_sent\": %" PRIu64
	    ", \"send_errors\": %" PRIu64 ", \"vip_errors\": %" PRIu64
	    ", \"addr_list_mismatch\": %" PRIu64 ", \"reasserts\": %" PRIu64
	    ", \"route_errors\": %" PRIu64 ", \"routes_restored\": %" PRIu64
	    ", \"stalls\": %" PRIu64
	    ", \"vips_restored\": %" PRIu64 ", \"vmac_restored\": %" PRIu64
	    ", \"drops\": ",
	    c->adverts_sent, c->adverts_received, c->priority_zero_sent,
	    c->priority_zero_received, c->transitions, c->became_master,
	    c->garp_sent, c->send_errors, c->vip_errors, c->addr_list_mismatch,
	    c->reasserts, c->route_errors, c->routes_restored, c->stalls,
	    c->vips_restored, c->vmac_restored);
	json_drops(f, c->drops);
	fprintf(f, "}}");
}

void
dump_write_json(FILE *f, const struct dump_view *v)
{
	fprintf(f, "{\"router_id\": ");
	json_out_str(f, v->router_id);
	fprintf(f, ", \"pid\": %d, \"uptime_ms\": %" PRIu64 ", \"reloads\": %" PRIu64
	    ", \"reloads_refused\": %" PRIu64 ", \"unmatched_drops\": ",
	    (int)v->pid, v->uptime_ms, v->reloads, v->reloads_refused);
	json_drops(f, v->unmatched_drops);
	if (v->ctl != NULL)
		fprintf(f, ", \"control_counters\": {\"requests\": %" PRIu64
		    ", \"refused\": %" PRIu64 ", \"bad_requests\": %" PRIu64
		    ", \"too_long\": %" PRIu64 ", \"timeouts\": %" PRIu64
		    ", \"not_root\": %" PRIu64 ", \"busy\": %" PRIu64 "}",
		    v->ctl->requests, v->ctl->refused, v->ctl->bad_requests,
		    v->ctl->too_long, v->ctl->timeouts, v->ctl->not_root,
		    v->ctl->busy);
	if (v->metrics != NULL)
		fprintf(f, ", \"metrics_counters\": {\"scrapes\": %" PRIu64
		    ", \"bad_requests\": %" PRIu64 ", \"timeouts\": %" PRIu64
		    ", \"evicted\": %" PRIu64 "}", v->metrics->scrapes,
		    v->metrics->bad_requests, v->metrics->timeouts,
		    v->metrics->evicted);
	if (v->drift != NULL) {
		/* Kernel state changed from outside and put back, per kind. */
		fprintf(f, ", \"drift_repairs\": {");
		for (int k = 0; k < DRIFT__COUNT; k++)
			fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "",
			    drift_kind_name((enum drift_kind)k),
			    drift_repairs(v->drift, (enum drift_kind)k));
		fprintf(f, "}, \"drift_failures\": {");
		for (int k = 0; k < DRIFT__COUNT; k++)
			fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "",
			    drift_kind_name((enum drift_kind)k),
			    drift_failures(v->drift, (enum drift_kind)k));
		fprintf(f, "}");
	}
	fprintf(f, ",\n  \"instances\": [\n");
	for (size_t i = 0; i < v->ninstances; i++) {
		json_instance(f, v, v->instances[i]);
		fprintf(f, "%s\n", i + 1 < v->ninstances ? "," : "");
	}
	fprintf(f, "  ]");
	dump_health_json(f, v);
	if (v->lb != NULL)
		lb_dump_json(f, v->lb, v->now_ms);
	if (v->sync != NULL) {
		fprintf(f, ",\n  \"conn_sync\": ");
		ct_sync_write_json(f, v->sync, v->now_ms);
	}
	if (v->bfd != NULL) {
		fprintf(f, ",\n  \"bfd\": ");
		bfd_run_dump_json(f, v->bfd, v->now_ms);
	}
	fprintf(f, "}\n");
}

static void
stats_drops(FILE *f, const char *indent, const uint64_t *drops)
{
	for (int r = VRRP_DROP_NONE + 1; r < VRRP_DROP__COUNT; r++)
		fprintf(f, "%sdrop_%s %" PRIu64 "\n", indent,
		    vrrp_drop_name((enum vrrp_drop)r), drops[r]);
}

void
dump_write_stats(FILE *f, const struct dump_view *v)
{
	fprintf(f, "# vipd counters, pid %d, up %" PRIu64 " ms\n", (int)v->pid,
	    v->uptime_ms);
	fprintf(f, "reloads %" PRIu64 "\nreloads_refused %" PRIu64 "\n",
	    v->reloads, v->reloads_refused);
	for (int k = 0; v->drift != NULL && k < DRIFT__COUNT; k++)
		fprintf(f, "drift_repairs_%s %" PRIu64 "\n",
		    drift_kind_name((enum drift_kind)k),
		    drift_repairs(v->drift, (enum drift_kind)k));
	/* Refused before a VRID could be trusted: counted for the process. */
	stats_drops(f, "unmatched_", v->unmatched_drops);
	if (v->bfd != NULL)
		bfd_run_stats_text(f, v->bfd);
	if (v->ctl != NULL)
		fprintf(f, "control_requests %" PRIu64 "\ncontrol_refused %" PRIu64
		    "\ncontrol_bad_requests %" PRIu64 "\ncontrol_too_long %"
		    PRIu64 "\ncontrol_timeouts %" PRIu64 "\ncontrol_not_root %"
		    PRIu64 "\ncontrol_busy %" PRIu64 "\n", v->ctl->requests,
		    v->ctl->refused, v->ctl->bad_requests, v->ctl->too_long,
		    v->ctl->timeouts, v->ctl->not_root, v->ctl->busy);
	if (v->metrics != NULL)
		fprintf(f, "metrics_scrapes %" PRIu64 "\nmetrics_bad_requests %"
		    PRIu64 "\nmetrics_timeouts %" PRIu64 "\nmetrics_evicted %"
		    PRIu64 "\n", v->metrics->scrapes, v->metrics->bad_requests,
		    v->metrics->timeouts, v->metrics->evicted);
	if (v->scripts != NULL)
		fprintf(f, "scripts_started %" PRIu64 "\nscripts_succeeded %" PRIu64
		    "\nscripts_failed %" PRIu64 "\nscripts_timed_out %" PRIu64
		    "\nscripts_start_failed %" PRIu64 "\nscripts_refused_busy %"
		    PRIu64 "\nscripts_refused_insecure %" PRIu64
		    "\nscripts_output_bytes %" PRIu64 "\n", v->scripts->started,
		    v->scripts->succeeded, v->scripts->failed, v->scripts->timed_out,
		    v->scripts->start_failed, v->scripts->refused_busy,
		    v->scripts->refused_insecure, v->scripts->output_bytes);
	if (v->notify != NULL)
		fprintf(f, "notify_queued %" PRIu64 "\nnotify_run %" PRIu64
		    "\nnotify_failed %" PRIu64 "\nnotify_timed_out %" PRIu64
		    "\nnotify_dropped %" PRIu64 "\nnotify_fifo_lines %" PRIu64
		    "\nnotify_fifo_dropped %" PRIu64 "\n", v->notify->queued,
		    v->notify->run, v->notify->failed, v->notify->timed_out,
		    v->notify->dropped, v->notify->fifo_lines,
		    v->notify->fifo_dropped);
	for (size_t i = 0; i < v->ninstances; i++) {
		const struct vrrp_counters *c = &v->instances[i]->counters;

		fprintf(f, "instance %s\n", v->instances[i]->conf.name);
		fprintf(f, "  adverts_sent %" PRIu64 "\n  adverts_received %" PRIu64
		    "\n  priority_zero_sent %" PRIu64 "\n  priority_zero_received %"
		    PRIu64 "\n  transitions %" PRIu64 "\n  became_master %" PRIu64
		    "\n  garp_sent %" PRIu64 "\n  send_errors %" PRIu64
		    "\n  vip_errors %" PRIu64 "\n  addr_list_mismatch %" PRIu64 "\n",
		    c->adverts_sent, c->adverts_received, c->priority_zero_sent,
		    c->priority_zero_received, c->transitions, c->became_master,
		    c->garp_sent, c->send_errors, c->vip_errors,
		    c->addr_list_mismatch);
		fprintf(f, "  reasserts %" PRIu64 "\n", c->reasserts);
		fprintf(f, "  stalls %" PRIu64 "\n", c->stalls);
		stats_drops(f, "  ", c->drops);
	}
}

int
dump_to_file(const char *dir, const char *name,
    void (*writer)(FILE *, const struct dump_view *), const struct dump_view *v)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;
	int err = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if ((f = fopen(tmp, "w")) == NULL)
		return -errno;
	errno = 0;
	writer(f, v);
	/* A full disk shows here (ENOSPC): report it, not a generic EIO. */
	if (fflush(f) != 0 || ferror(f))
		err = errno != 0 ? -errno : -EIO;
	if (fclose(f) != 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) < 0)
		err = -errno;
	if (err < 0)
		unlink(tmp);
	return err;
}
