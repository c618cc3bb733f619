/*
 * dump - text, JSON and counter dumps of the running instances.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"

static const char *
dump_master_addr(const struct instance *inst, char *buf, size_t len)
{
	if (inst->fsm.state == VRRP_STATE_MASTER && inst->have_primary)
		return vrrp_addr_str(&inst->primary, buf, len);
	if (inst->fsm.state == VRRP_STATE_BACKUP && inst->fsm.master_known)
		return vrrp_addr_str(&inst->fsm.master_addr, buf, len);
	return NULL;
}

/* A make-before-break hand-over in progress, in words; NULL when none. */
static const char *
dump_handover(const struct instance *inst)
{
	if (!inst->fsm.releasing)
		return NULL;
	return inst->fsm.release_heard ? "releasing, new master heard" :
	    "releasing, waiting for new master";
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
		    vrrp_state_name(inst->fsm.state),
		    inst->forced_fault ? " (forced by vipctl fault on)" : "",
		    (double)(v->now_ms - inst->fsm.state_since_ms) / 1000.0);
		fprintf(f, "  interface: %s, vrid %u, version %u\n",
		    inst->conf.interface, inst->conf.vrid, inst->conf.version);
		fprintf(f, "  priority: %u (effective %u)\n", inst->conf.priority,
		    inst->fsm.cfg.priority);
		fprintf(f, "  master: %s\n", master ? master : "unknown");
		if (inst->fsm.releasing)
			fprintf(f, "  handover: %s\n", dump_handover(inst));
		fprintf(f, "  advert interval: %u ms (master's %u ms)\n",
		    inst->conf.advert_interval_ms,
		    inst->fsm.master_adver_interval_ms);
		fprintf(f, "  preempt: %s, delay %u ms\n",
		    inst->conf.preempt ? "yes" : "no", inst->conf.preempt_delay_ms);
		fprintf(f, "  vips:");
		for (size_t j = 0; j < inst->conf.nvips; j++)
			fprintf(f, " %s/%u", vrrp_addr_str(&inst->conf.vips[j].addr,
			    addr, sizeof(addr)), inst->conf.vips[j].prefix_len);
		fprintf(f, "\n");
		if (inst->last.valid)
			fprintf(f, "  last transition: %s -> %s (%s) %.1f s ago\n",
			    vrrp_state_name(inst->last.from),
			    vrrp_state_name(inst->last.to),
			    vrrp_reason_name(inst->last.reason),
			    (double)(v->now_ms - inst->last.at_ms) / 1000.0);
		fprintf(f, "  adverts: %" PRIu64 " sent, %" PRIu64 " received, "
		    "%" PRIu64 " transitions\n", inst->counters.adverts_sent,
		    inst->counters.adverts_received, inst->counters.transitions);
	}
}

/* Names here are restricted by conf, but a dump must stay valid JSON anyway. */
static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
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

static void
json_instance(FILE *f, const struct dump_view *v, const struct instance *inst)
{
	const struct vrrp_counters *c = &inst->counters;
	char addr[INET6_ADDRSTRLEN];
	const char *master = dump_master_addr(inst, addr, sizeof(addr));

	fprintf(f, "    {\"name\": ");
	json_string(f, inst->conf.name);
	fprintf(f, ", \"interface\": ");
	json_string(f, inst->conf.interface);
	fprintf(f, ", \"vrid\": %u, \"version\": %u, \"state\": \"%s\", "
	    "\"base_priority\": %u, \"effective_priority\": %u, "
	    "\"master_address\": ", inst->conf.vrid, inst->conf.version,
	    vrrp_state_name(inst->fsm.state), inst->conf.priority,
	    inst->fsm.cfg.priority);
	if (master)
		json_string(f, master);
	else
		fprintf(f, "null");
	fprintf(f, ", \"advert_interval_ms\": %u, \"master_adver_interval_ms\": %u, "
	    "\"preempt\": %s, \"preempt_delay_ms\": %u, \"time_in_state_ms\": %" PRIu64,
	    inst->conf.advert_interval_ms, inst->fsm.master_adver_interval_ms,
	    inst->conf.preempt ? "true" : "false", inst->conf.preempt_delay_ms,
	    v->now_ms - inst->fsm.state_since_ms);
	fprintf(f, ", \"forced_fault\": %s", inst->forced_fault ? "true" : "false");
	fprintf(f, ", \"handover\": ");
	if (inst->fsm.releasing)
		json_string(f, dump_handover(inst));
	else
		fprintf(f, "null");
	fprintf(f, ", \"last_transition\": ");
	if (inst->last.valid)
		fprintf(f, "{\"from\": \"%s\", \"to\": \"%s\", \"reason\": \"%s\", "
		    "\"age_ms\": %" PRIu64 "}", vrrp_state_name(inst->last.from),
		    vrrp_state_name(inst->last.to),
		    vrrp_reason_name(inst->last.reason), v->now_ms - inst->last.at_ms);
	else
		fprintf(f, "null");
	fprintf(f, ", \"vips\": [");
	for (size_t j = 0; j < inst->conf.nvips; j++)
		fprintf(f, "%s\"%s/%u\"", j ? ", " : "",
		    vrrp_addr_str(&inst->conf.vips[j].addr, addr, sizeof(addr)),
		    inst->conf.vips[j].prefix_len);
	fprintf(f, "], \"counters\": {\"adverts_sent\": %" PRIu64
	    ", \"adverts_received\": %" PRIu64 ", \"priority_zero_sent\": %" PRIu64
	    ", \"priority_zero_received\": %" PRIu64 ", \"transitions\": %" PRIu64
	    ", \"became_master\": %" PRIu64 ", \"garp_sent\": %" PRIu64
	    ", \"send_errors\": %" PRIu64 ", \"vip_errors\": %" PRIu64
	    ", \"addr_list_mismatch\": %" PRIu64 ", \"drops\": ",
	    c->adverts_sent, c->adverts_received, c->priority_zero_sent,
	    c->priority_zero_received, c->transitions, c->became_master,
	    c->garp_sent, c->send_errors, c->vip_errors, c->addr_list_mismatch);
	json_drops(f, c->drops);
	fprintf(f, "}}");
}

void
dump_write_json(FILE *f, const struct dump_view *v)
{
	fprintf(f, "{\"router_id\": ");
	json_string(f, v->router_id);
	fprintf(f, ", \"pid\": %d, \"uptime_ms\": %" PRIu64 ", \"reloads\": %" PRIu64
	    ", \"reloads_refused\": %" PRIu64 ", \"unmatched_drops\": ",
	    (int)v->pid, v->uptime_ms, v->reloads, v->reloads_refused);
	json_drops(f, v->unmatched_drops);
	fprintf(f, ",\n  \"instances\": [\n");
	for (size_t i = 0; i < v->ninstances; i++) {
		json_instance(f, v, v->instances[i]);
		fprintf(f, "%s\n", i + 1 < v->ninstances ? "," : "");
	}
	fprintf(f, "  ]}\n");
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
	/* Refused before a VRID could be trusted: counted for the process. */
	stats_drops(f, "unmatched_", v->unmatched_drops);
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
	writer(f, v);
	if (fflush(f) != 0 || ferror(f))
		err = -EIO;
	if (fclose(f) != 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) < 0)
		err = -errno;
	if (err < 0)
		unlink(tmp);
	return err;
}
