/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_dump - the balancer's part of vipd.data and vipd.json (declared in
 * lb.h): every service, its quorum, every backend with its health, last
 * check result and reason, and the nft counters read at dump time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "conf/conf_names.h"
#include "base/json_out.h"
#include "lb/lb.h"
#include "lb/lb_dr.h"

static const char *
addr_port(const struct addr *a, unsigned port, char *buf, size_t len)
{
	char t[INET6_ADDRSTRLEN];

	addr_str(a, t, sizeof(t));
	snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", t,
	    port);
	return buf;
}

/* "up" exactly when lb_backend_up(): what the dump says is what counts. */
static const char *
health_word(const struct lb_backend *b)
{
	if (lb_backend_up(b))
		return "up";
	if (b->svc->conf.forwarding == CONF_LB_DR && !b->dr_mac_ok)
		return "down";
	return check_health_name(b->check.rf.health);
}

/* What lb_input answers a new flow with when below quorum, no sorry server. */
static const char *
refusal(const struct conf_service *svc)
{
	if (svc->protocol == CONF_LB_TCP)
		return "none (TCP reset)";
	return svc->addr.family == AF_INET6 ?
	    "none (ICMPv6 port unreachable)" : "none (ICMP port unreachable)";
}

/* announce = true: its route's state, why it was last withdrawn. */
static void
announce_text(FILE *f, const struct lb_service *s, uint64_t now_ms)
{
	fprintf(f, "  announce: %s for %.1f s", lb_announce_state_name(
	    s->ann.state), (double)(now_ms - s->ann.since_ms) / 1000.0);
	if (s->ann.state != LB_ANNOUNCE_ANNOUNCED)
		fprintf(f, " (%s%s%s)", lb_announce_reason_name(s->ann.reason),
		    s->ann_detail[0] ? ": " : "", s->ann_detail);
	fprintf(f, ", drain %u ms, %" PRIu64 " announces, %" PRIu64
	    " withdraws\n", s->conf.announce_drain_ms, s->ann.announces,
	    s->ann.withdraws);
}

static void
announce_json(FILE *f, const struct lb_service *s, uint64_t now_ms)
{
	fprintf(f, ", \"announced\": %s, \"announce_state\": \"%s\", "
	    "\"announce_reason\": ", s->ann.state == LB_ANNOUNCE_ANNOUNCED ?
	    "true" : "false", lb_announce_state_name(s->ann.state));
	if (s->ann.state == LB_ANNOUNCE_ANNOUNCED)
		fprintf(f, "null");
	else
		json_out_str(f, lb_announce_reason_name(s->ann.reason));
	fprintf(f, ", \"announce_detail\": ");
	json_out_str(f, s->ann.state == LB_ANNOUNCE_ANNOUNCED ? "" :
	    s->ann_detail);
	fprintf(f, ", \"announce_since_ms\": %" PRIu64 ", "
	    "\"announce_drain_ms\": %u, \"announce_changes\": %" PRIu64,
	    now_ms - s->ann.since_ms, s->conf.announce_drain_ms,
	    s->ann.announces + s->ann.withdraws);
}

void
lb_dump_text(FILE *f, const struct lb *lb, uint64_t now_ms)
{
	char ap[INET6_ADDRSTRLEN + 8];

	if (lb->nservices > 0)
		fprintf(f, "\nbalancer: %" PRIu64 " transactions (%" PRIu64
		    " refused), %" PRIu64 " health changes, %zu probes in "
		    "flight (limit %zu), %" PRIu64 " not started for want of "
		    "open files\n", lb->transactions, lb->transaction_errors,
		    lb->health_changes, lb->budget.in_flight, lb->budget.max,
		    lb->budget.refused);
	for (size_t i = 0; i < lb->nservices; i++) {
		const struct lb_service *s = lb->services[i];

		fprintf(f, "\nvirtual service %s\n", s->conf.name);
		fprintf(f, "  address: %s/%s, scheduler %s, persistence %u s\n",
		    addr_port(&s->conf.addr, s->conf.port, ap, sizeof(ap)),
		    conf_names_lb_proto(s->conf.protocol),
		    conf_names_lb_sched(s->conf.scheduler), s->conf.persistence_s);
		fprintf(f, "  forwarding: %s", conf_names_lb_fwd(
		    s->conf.forwarding));
		if (s->conf.forwarding == CONF_LB_DR)
			fprintf(f, " (in on %s, backends on %s)",
			    s->conf.dr_ingress, s->conf.dr_interface);
		if (s->table_size > 0)
			fprintf(f, ", table %zu slots, digest %016" PRIx64,
			    s->table_size, s->table_digest);
		fprintf(f, "\n");
		fprintf(f, "  quorum: %u (sum of weights up), hysteresis %u, %s "
		    "(weight %u up, %zu backends take new flows)\n",
		    s->conf.quorum, s->conf.hysteresis, s->quorum_met ? "met" :
		    "NOT met", s->weight_sum, s->active);
		fprintf(f, "  sorry server: %s\n", s->conf.has_sorry ?
		    addr_port(&s->conf.sorry_addr, s->conf.sorry_port, ap,
		    sizeof(ap)) : refusal(&s->conf));
		fprintf(f, "  rules: %s\n", s->rules_ok ? "installed" :
		    "NOT installed (nftables refused them)");
		if (s->conf.announce)
			announce_text(f, s, now_ms);
		for (size_t j = 0; j < s->conf.nbackends; j++) {
			const struct lb_backend *b = &s->backends[j];
			const struct check *c = &b->check;

			fprintf(f, "  backend %s weight %u", addr_port(
			    &b->conf->addr, b->conf->port, ap, sizeof(ap)),
			    b->weight);
			if (b->weight != b->conf->weight)
				fprintf(f, " (%s at run time; the file's is %u)",
				    b->weight == 0 ? "drained" : "set",
				    b->conf->weight);
			fprintf(f, ": %s", health_word(b));
			if (b->conf->check.type == CONF_CHECK_NONE)
				fprintf(f, " (no check)");
			else if (c->has_result)
				fprintf(f, ", %s check %s %.1f s ago: %s",
				    conf_names_check_type(c->conf.type),
				    c->last_ok ? "ok" : "FAILED",
				    (double)(now_ms - c->last_ms) / 1000.0,
				    c->last_reason);
			else
				fprintf(f, ", %s check: no result yet",
				    conf_names_check_type(c->conf.type));
			if (s->conf.forwarding == CONF_LB_DR) {
				char m[18];

				fprintf(f, ", MAC %s", b->dr_mac_ok ?
				    lb_dr_mac_str(b->dr_mac, m, sizeof(m)) :
				    b->dr_down);
			}
			fprintf(f, "\n    checks %" PRIu64 ", failed %" PRIu64
			    ", connections %" PRIu64 ", packets %" PRIu64
			    ", bytes %" PRIu64 "\n", c->runs, c->failures,
			    b->conns, b->packets, b->bytes);
			if (CONF_LB_SCHED_COUNTS(s->conf.scheduler))
				fprintf(f, "    active %u, inactive %u\n",
				    b->active, b->inactive);
		}
	}
}

static void
json_backend(FILE *f, const struct lb_backend *b, uint64_t now_ms)
{
	const struct check *c = &b->check;
	char a[INET6_ADDRSTRLEN];

	fprintf(f, "{\"address\": \"%s\", \"port\": %u, \"weight\": %u, "
	    "\"configured_weight\": %u, \"active\": %u, \"inactive\": %u, "
	    "\"health\": \"%s\", \"check\": \"%s\", \"last_check\": ",
	    addr_str(&b->conf->addr, a, sizeof(a)), b->conf->port,
	    b->weight, b->conf->weight, b->active, b->inactive, health_word(b),
	    conf_names_check_type(b->conf->check.type));
	if (c->has_result) {
		fprintf(f, "{\"ok\": %s, \"reason\": ", c->last_ok ? "true" :
		    "false");
		json_out_str(f, c->last_reason);
		fprintf(f, ", \"age_ms\": %" PRIu64 "}", now_ms - c->last_ms);
	} else
		fprintf(f, "null");
	if (b->svc->conf.forwarding == CONF_LB_DR) {
		char m[18];

		fprintf(f, ", \"mac\": ");
		if (b->dr_mac_ok)
			fprintf(f, "\"%s\"", lb_dr_mac_str(b->dr_mac, m,
			    sizeof(m)));
		else
			fprintf(f, "null");
		fprintf(f, ", \"down_reason\": ");
		if (b->dr_mac_ok)
			fprintf(f, "null");
		else
			json_out_str(f, b->dr_down);
	}
	fprintf(f, ", \"checks\": %" PRIu64 ", \"checks_failed\": %" PRIu64
	    ", \"health_changes\": %" PRIu64 ", \"connections\": %" PRIu64
	    ", \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 "}", c->runs,
	    c->failures, b->changes, b->conns, b->packets, b->bytes);
}

void
lb_dump_json(FILE *f, const struct lb *lb, uint64_t now_ms)
{
	char a[INET6_ADDRSTRLEN], ap[INET6_ADDRSTRLEN + 8];

	fprintf(f, ",\n  \"balancer\": {\"transactions\": %" PRIu64
	    ", \"transaction_errors\": %" PRIu64 ", \"health_changes\": %"
	    PRIu64 ", \"probes_in_flight\": %zu, \"probe_limit\": %zu, "
	    "\"probes_refused\": %" PRIu64 ", \"last_error\": ",
	    lb->transactions, lb->transaction_errors, lb->health_changes,
	    lb->budget.in_flight, lb->budget.max, lb->budget.refused);
	if (lb->last_error[0] != '\0')
		json_out_str(f, lb->last_error);
	else
		fprintf(f, "null");
	fprintf(f, "},\n  \"virtual_services\": [");
	for (size_t i = 0; i < lb->nservices; i++) {
		const struct lb_service *s = lb->services[i];

		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		json_out_str(f, s->conf.name);
		fprintf(f, ", \"address\": \"%s\", \"port\": %u, \"protocol\": "
		    "\"%s\", \"scheduler\": \"%s\", \"persistence_s\": %u, "
		    "\"quorum\": %u, \"hysteresis\": %u, \"weight_up\": %u, "
		    "\"quorum_met\": %s, \"active_backends\": "
		    "%zu, \"rules_installed\": %s, \"sorry_server\": ",
		    addr_str(&s->conf.addr, a, sizeof(a)), s->conf.port,
		    conf_names_lb_proto(s->conf.protocol),
		    conf_names_lb_sched(s->conf.scheduler), s->conf.persistence_s,
		    s->conf.quorum, s->conf.hysteresis, s->weight_sum,
		    s->quorum_met ? "true" : "false", s->active,
		    s->rules_ok ? "true" : "false");
		if (s->conf.has_sorry)
			fprintf(f, "\"%s\"", addr_port(&s->conf.sorry_addr,
			    s->conf.sorry_port, ap, sizeof(ap)));
		else
			fprintf(f, "null");
		fprintf(f, ", \"forwarding\": \"%s\", \"interface\": ",
		    conf_names_lb_fwd(s->conf.forwarding));
		if (s->conf.forwarding == CONF_LB_DR)
			json_out_str(f, s->conf.dr_interface);
		else
			fprintf(f, "null");
		if (s->conf.forwarding == CONF_LB_DR)
			fprintf(f, ", \"dr_no_backend_drops\": %" PRIu64
			    ", \"dr_backup_drops\": %" PRIu64
			    ", \"dr_arp_hazards\": %" PRIu64, s->dr_dropped,
			    s->dr_backup_drops, s->dr_arp_hazards);
		fprintf(f, ", \"announce\": %s", s->conf.announce ? "true" :
		    "false");
		if (s->conf.announce)
			announce_json(f, s, now_ms);
		fprintf(f, ", \"table_size\": %zu, \"table_digest\": ",
		    s->table_size);
		if (s->table_size > 0)
			fprintf(f, "\"%016" PRIx64 "\"", s->table_digest);
		else
			fprintf(f, "null");
		fprintf(f, ", \"backends\": [");
		for (size_t j = 0; j < s->conf.nbackends; j++) {
			fprintf(f, "%s\n      ", j ? "," : "");
			json_backend(f, &s->backends[j], now_ms);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "]");
}
