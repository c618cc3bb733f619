/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb - the balancer at run time (see lb.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "base/reconcile.h"
#include "lb/lb.h"
#include "lb/lb_dr.h"
#include "lb/lb_nft.h"
#include "lb/lb_sched.h"
#include "os/log.h"
#include "os/script.h"

/* Rules nftables refused are tried again once a second. */
#define LB_RETRY_MS 1000
/* Open files kept for the daemon itself when probes take their sockets. */
#define LB_FD_RESERVE 128

/* Probes may hold what the open-files limit leaves (read at each configure:
 * the daemon raises the limit at start). */
static void
budget_update(struct lb *lb)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		lb->budget.max = 0;
	else
		lb->budget.max = check_budget_max(rl.rlim_cur, LB_FD_RESERVE);
}

void
lb_init(struct lb *lb, struct nft *nft, struct evloop *loop,
    struct script_runner *runner)
{
	memset(lb, 0, sizeof(*lb));
	lb->nft = nft;
	lb->loop = loop;
	lb->runner = runner;
	lb->error_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	lb->mac_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	lb->arp_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	lb->route_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	lb->arp_fd = -1;
	lb->nd_fd = -1;
	check_heap_init(&lb->sched);
	budget_update(lb);
	if (lb_conns_init(&lb->conns, LB_CONNS_MAX) < 0)
		log_err("balancer: no memory for the connection table: lc, "
		    "wlc, sed and nq schedule without counts");
}

static const char *
backend_text(const struct conf_backend *b, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(&b->addr, a, sizeof(a));
	snprintf(buf, len, b->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
	    b->port);
	return buf;
}

static int
apply(struct lb *lb, struct lb_text *t, const char *what, char *why,
    size_t why_len)
{
	char err[256];
	uint64_t suppressed = 0;
	int rc;

	if (t->oom) {
		snprintf(why, why_len, "out of memory building the rules");
		return -ENOMEM;
	}
	lb->transactions++;
	if ((rc = nft_apply(lb->nft, t->buf, err, sizeof(err))) == 0)
		return 0;
	lb->transaction_errors++;
	/* Whatever made nft refuse (the table gone?), all is rebuilt soon. */
	lb->full_retry = true;
	if (lb->retry_ms == 0)
		lb->retry_ms = evloop_now_ms() + LB_RETRY_MS;
	snprintf(lb->last_error, sizeof(lb->last_error), "%.40s: %.200s", what,
	    err);
	snprintf(why, why_len, "%s", lb->last_error);
	if (log_ratelimit_allow(&lb->error_log, evloop_now_ms(), &suppressed))
		log_err("balancer: nftables refused the rules for %s: %s (%"
		    PRIu64 " similar lines suppressed)", what, err, suppressed);
	return rc;
}

/* ---- scripts: quorum_up/down, notify_up/down ----------------------------- */

static void script_start_next(struct lb_script *sc);

static void
script_done(struct script_job *job, const struct script_result *r, void *arg)
{
	struct lb_script *sc = arg;
	char why[SCRIPT_WHY_MAX + 32];

	(void)job;
	if (!script_result_ok(r)) {
		sc->lb->scripts_failed++;
		log_warn("%s: %s", sc->what, script_result_describe(r, why,
		    sizeof(why)));
	}
	script_start_next(sc);
}

static void
script_start_next(struct lb_script *sc)
{
	const struct conf_script *s = sc->next;

	if (s == NULL || sc->job.state != SCRIPT_JOB_IDLE || sc->lb->runner ==
	    NULL)
		return;
	sc->next = NULL;
	sc->lb->scripts_run++;
	/* keepalived passes these scripts no argument of its own. */
	if (script_start_flags(sc->lb->runner, &sc->job, s->argv, NULL,
	    LB_SCRIPT_TIMEOUT_MS, SCRIPT_LEAVE_BACKGROUND, script_done, sc,
	    evloop_now_ms()) < 0) {
		sc->lb->scripts_failed++;
		log_warn("%s: cannot start %s", sc->what, s->argv[0]);
	}
}

/* Run s (NULL or empty: nothing) for what, after the one running. */
static void
script_run(struct lb *lb, struct lb_script **scp, const struct conf_script *s,
    const char *what)
{
	struct lb_script *sc = *scp;

	if (s == NULL || s->argc == 0)
		return;
	if (sc == NULL) {
		if ((sc = calloc(1, sizeof(*sc))) == NULL) {
			log_err("%s: out of memory: not run", what);
			return;
		}
		sc->lb = lb;
		*scp = sc;
	}
	snprintf(sc->what, sizeof(sc->what), "%s", what);
	sc->next = s;
	script_start_next(sc);
}

static void
script_free(struct lb_script *sc)
{
	if (sc == NULL)
		return;
	if (sc->job.state != SCRIPT_JOB_IDLE)
		script_cancel(sc->lb->runner, &sc->job);
	free(sc);
}

/* ---- quorum ---------------------------------------------------------------- */

/*
 * The digest of the table that goes with st[] (see lb_sched.h), for the
 * dumps: the same on every node with the same backends up. Computed once
 * more beside the rules, not carried out of them: a fill of 65537 slots
 * costs about a millisecond, the transaction far more.
 */
static void
table_follow(struct lb_service *svc, const struct lb_nft_backend_state *st)
{
	uint16_t *table;

	svc->table_size = lb_nft_table_size(&svc->conf);
	svc->table_digest = 0;
	if (svc->table_size == 0 ||
	    (table = malloc(svc->table_size * sizeof(*table))) == NULL)
		return;
	svc->table_digest = lb_nft_table(&svc->conf, st, table);
	free(table);
}

/*
 * svc's backends now into st, and its quorum decided from them
 * (keepalived's rule, lb_nft_quorum_met); the decision before is kept in
 * met_before for quorum_follow.
 */
static bool service_counts(struct lb_text *t, struct lb_service *svc);

static void
service_decide(struct lb_service *svc, struct lb_nft_backend_state *st)
{
	lb_service_states(svc, st);
	svc->met_before = svc->quorum_met;
	svc->active = lb_nft_active_st(&svc->conf, st);
	svc->weight_sum = lb_nft_weight_sum(&svc->conf, st);
	svc->quorum_met = lb_nft_quorum_met(svc->quorum_met,
	    !svc->quorum_known, svc->weight_sum, svc->active, svc->conf.quorum,
	    svc->conf.hysteresis);
	/*
	 * Hysteresis applies once every backend's health is known: a
	 * service starting with all its backends UNKNOWN is not "lost",
	 * and must not need quorum + hysteresis to come up.
	 */
	svc->quorum_known = true;
	for (size_t k = 0; k < svc->conf.nbackends; k++)
		if (svc->backends[k].conf->check.type != CONF_CHECK_NONE &&
		    svc->backends[k].check.rf.health == CHECK_UNKNOWN)
			svc->quorum_known = false;
	snprintf(svc->track_detail, sizeof(svc->track_detail),
	    "weight %u of quorum %u", svc->weight_sum, svc->conf.quorum);
	table_follow(svc, st);
}

/*
 * Rewrite svc's rules into t from its backends now, deciding its quorum
 * first (service_decide): its DNAT chain (or only its map), or for
 * forwarding = "dr" its part of the netdev table (lb_mac_dirty_rules).
 */
static void
service_rules(struct lb_text *t, struct lb_service *svc)
{
	struct lb_nft_backend_state st[CONF_LB_MAX_BACKENDS];

	service_decide(svc, st);
	if (svc->conf.forwarding == CONF_LB_DR) {
		lb_mac_dirty_rules(t, svc, st);
		return;
	}
	/*
	 * lc, wlc, sed, nq whose rule stays what it is (quorum met before
	 * and after, no persistence rules that follow the backends): only
	 * the map changes, and numgen keeps its place, so that a backend
	 * enabled, drained or back up as a burst begins does not send the
	 * flows in flight to the wrong slots.
	 */
	if (svc->nslots > 0 && svc->met_before && svc->quorum_met &&
	    svc->conf.persistence_s == 0 && !svc->lb->full_retry) {
		(void)service_counts(t, svc);
		return;
	}
	lb_nft_service_rules_st(t, &svc->conf, st, svc->quorum_met);
	/* The rule's numgen starts at slot 0 of the map filled from there. */
	svc->counts_dirty = false;
	svc->placed = 0;
	svc->nslots = svc->slots != NULL && svc->quorum_met ?
	    lb_nft_least_slots(&svc->conf, st, 0, svc->slots) : 0;
}

/*
 * Counts changed: the map's slots from where the kernel has come to (the
 * flows placed since the rule was written) with the picks from the
 * counts now, only the slots that differ. Under a burst, whose events
 * arrive as the kernel walks the slots written before, the picks ahead
 * of it are those already written: only the slots it has passed change
 * (lib/lb/lb_least.h). Flows that persistence sent to their backend are
 * counted as placed though numgen did not count them: with
 * persistence_s the position runs ahead, and the kernel walks slots
 * written earlier (picks made from counts a little older).
 */
static bool
service_counts(struct lb_text *t, struct lb_service *svc)
{
	struct lb_nft_backend_state st[CONF_LB_MAX_BACKENDS];

	svc->counts_dirty = false;
	if (svc->nslots == 0)
		return false;
	lb_service_states(svc, st);
	if (lb_nft_least_slots(&svc->conf, st, svc->placed,
	    svc->next_slots) != svc->nslots)
		return false;
	svc->slots_pending = lb_nft_least_update(t, &svc->conf, svc->slots,
	    svc->next_slots, svc->nslots) > 0;
	return svc->slots_pending;
}

/* After a service's rules were rewritten: tell whom it concerns. */
static void
quorum_follow(struct lb_service *svc)
{
	char sorry[INET6_ADDRSTRLEN + 8], what[160];

	if (svc->met_before == svc->quorum_met)
		return;
	svc->met_before = svc->quorum_met;
	if (svc->lb->on_quorum != NULL)
		svc->lb->on_quorum(svc->lb->on_quorum_arg, svc);
	snprintf(what, sizeof(what), "%s: %s", svc->conf.name,
	    svc->quorum_met ? "quorum_up" : "quorum_down");
	script_run(svc->lb, &svc->quorum_script, svc->quorum_met ?
	    &svc->conf.quorum_up : &svc->conf.quorum_down, what);
	if (svc->quorum_met)
		log_notice("%s: quorum met (weight %u of quorum %u, hysteresis "
		    "%u; %zu backends take new flows)", svc->conf.name,
		    svc->weight_sum, svc->conf.quorum, svc->conf.hysteresis,
		    svc->active);
	else if (svc->conf.has_sorry) {
		struct conf_backend s = { .addr = svc->conf.sorry_addr,
		    .port = svc->conf.sorry_port };

		log_warn("%s: below quorum (weight %u of quorum %u, hysteresis "
		    "%u): new connections go to the sorry server %s",
		    svc->conf.name, svc->weight_sum, svc->conf.quorum,
		    svc->conf.hysteresis, backend_text(&s, sorry,
		    sizeof(sorry)));
	} else
		log_warn("%s: below quorum (weight %u of quorum %u, hysteresis "
		    "%u): new connections are refused", svc->conf.name,
		    svc->weight_sum, svc->conf.quorum, svc->conf.hysteresis);
}

/* notify_up / notify_down on a change between up and down. */
static void
backend_notify(struct lb_backend *b)
{
	char name[INET6_ADDRSTRLEN + 8], what[160];
	int h = (int)b->check.rf.health;

	if ((h != CHECK_UP && h != CHECK_DOWN) || h == b->last_notified)
		return;
	b->last_notified = h;
	snprintf(what, sizeof(what), "%s: backend %s: %s", b->svc->conf.name,
	    backend_text(b->conf, name, sizeof(name)), h == CHECK_UP ?
	    "notify_up" : "notify_down");
	script_run(b->svc->lb, &b->notify, h == CHECK_UP ? &b->conf->notify_up :
	    &b->conf->notify_down, what);
}

static void
on_check_change(void *arg, struct check *c)
{
	struct lb_backend *b = arg;

	lb_backend_changed(b, check_health_name(c->rf.health), c->last_reason);
	backend_notify(b);
}

/*
 * Rewrite the DNAT chain of every dirty service, all in one transaction
 * (see lb.h), then follow their quorum.
 */
static void
apply_dirty(struct lb *lb, uint64_t now_ms)
{
	struct lb_text t = { 0 };
	bool maps = false;
	char why[256];
	int rc;

	if (lb->drain_events != NULL)
		lb->drain_events(lb->drain_events_arg);
	lb->apply_ms = 0;
	lb->last_apply_ms = now_ms;
	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		if (svc->dirty)
			service_rules(&t, svc);
		else if (svc->counts_dirty && !lb->full_retry)
			maps |= service_counts(&t, svc);
	}
	/* Nothing when the dirty services were replaced by a reload since. */
	rc = t.len == 0 && !t.oom ? 0 : apply(lb, &t, maps && t.len > 0 ?
	    "connection counts" : "health changes", why, sizeof(why));
	lb_text_free(&t);
	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		if (svc->slots_pending) {
			/* Refused: the map is rewritten whole by the retry. */
			if (rc == 0)
				memcpy(svc->slots, svc->next_slots,
				    svc->nslots * sizeof(*svc->slots));
			else
				svc->nslots = 0;
			svc->slots_pending = false;
		}
		if (!svc->dirty)
			continue;
		if (svc->conf.forwarding == CONF_LB_DR)
			lb_mac_dirty_done(svc, rc == 0);
		svc->dirty = false;
		svc->rules_ok = rc == 0;
		quorum_follow(svc);
	}
}

static void
service_free(struct lb_service *svc)
{
	if (svc == NULL)
		return;
	for (size_t i = 0; svc->backends != NULL && i < svc->conf.nbackends;
	    i++) {
		check_close(&svc->backends[i].check);
		script_free(svc->backends[i].notify);
	}
	for (size_t i = 0; svc->conf.backends != NULL &&
	    i < svc->conf.nbackends; i++)
		conf_backend_free(&svc->conf.backends[i]);
	script_free(svc->quorum_script);
	free(svc->slots);
	conf_script_free(&svc->conf.quorum_up);
	conf_script_free(&svc->conf.quorum_down);
	free(svc->backends);
	free(svc->conf.backends);
	free(svc->dr_table);
	free(svc->dr_next);
	free(svc);
}

/*
 * The backends of conf, owning their checks' texts: the model they come
 * from is freed on the next reload, and the checks point into these.
 */
static int
service_copy_backends(struct lb_service *svc, const struct conf_service *conf)
{
	memset(&svc->conf.quorum_up, 0, sizeof(svc->conf.quorum_up));
	memset(&svc->conf.quorum_down, 0, sizeof(svc->conf.quorum_down));
	if (conf_script_copy(&svc->conf.quorum_up, &conf->quorum_up) < 0 ||
	    conf_script_copy(&svc->conf.quorum_down, &conf->quorum_down) < 0)
		goto fail;
	for (size_t i = 0; i < conf->nbackends; i++) {
		if (conf_backend_copy(&svc->conf.backends[i],
		    &conf->backends[i]) < 0) {
			for (size_t k = 0; k < i; k++)
				conf_backend_free(&svc->conf.backends[k]);
			goto fail;
		}
	}
	return 0;
fail:
	conf_script_free(&svc->conf.quorum_up);
	conf_script_free(&svc->conf.quorum_down);
	return -ENOMEM;
}

uint64_t
lb_probe_grid_ms(uint64_t now_ms, size_t gidx, size_t total,
    uint32_t interval_ms)
{
	if (total == 0)
		return now_ms;
	return now_ms + (uint64_t)interval_ms * (gidx % total) / total;
}

uint32_t
lb_probe_lead_ms(uint64_t slot_ms)
{
	return (uint32_t)(slot_ms % (LB_PROBE_LEAD_MAX_MS + 1));
}

uint64_t
lb_first_probe_ms(uint64_t now_ms, size_t gidx, size_t total,
    uint32_t interval_ms)
{
	return lb_probe_grid_ms(now_ms, gidx, total,
	    interval_ms < LB_FIRST_PROBE_SPREAD_MS ? interval_ms :
	    LB_FIRST_PROBE_SPREAD_MS);
}

/*
 * A runtime for conf: a deep copy (the config it came from is freed on
 * the next reload) and a check per backend, first probes spread over at
 * most a second and later ones over the interval by the backend's index
 * among all (gbase is that of the service's first, total their count) so
 * that many backends, of one service or of several, are not probed in one
 * burst, nor left UNKNOWN for a long interval.
 */
static struct lb_service *
service_new(struct lb *lb, const struct conf_service *conf, uint64_t now_ms,
    size_t gbase, size_t total)
{
	struct lb_service *svc = calloc(1, sizeof(*svc));
	char why[CHECK_REASON_MAX], name[INET6_ADDRSTRLEN + 8];
	size_t n = conf->nbackends;
	uint64_t slot_ms;

	if (svc == NULL)
		return NULL;
	svc->conf = *conf;
	svc->lb = lb;
	lb_announce_init(&svc->ann, now_ms);
	svc->ann_if_down = -1;
	svc->conf.backends = calloc(n ? n : 1, sizeof(*svc->conf.backends));
	svc->backends = calloc(n ? n : 1, sizeof(*svc->backends));
	if (svc->conf.backends == NULL || svc->backends == NULL ||
	    service_copy_backends(svc, conf) < 0) {
		free(svc->conf.backends);
		free(svc->backends);
		free(svc);
		return NULL;
	}
	/* Without them the rule is rewritten at each change of counts. */
	if (CONF_LB_SCHED_COUNTS(conf->scheduler) && (svc->slots = calloc(2 *
	    LB_SCHED_SEQ_MAX, sizeof(*svc->slots))) != NULL)
		svc->next_slots = svc->slots + LB_SCHED_SEQ_MAX;
	for (size_t i = 0; i < n; i++) {
		struct lb_backend *b = &svc->backends[i];

		b->conf = &svc->conf.backends[i];
		b->svc = svc;
		b->index = i;
		b->weight = b->conf->weight;
		b->last_notified = -1;
		snprintf(b->dr_down, sizeof(b->dr_down), "no MAC yet");
		if (check_init(&b->check, &b->conf->check, &b->conf->addr,
		    lb->loop, lb->runner, on_check_change, b,
		    lb_first_probe_ms(now_ms, gbase + i, total,
		    b->conf->check.interval_ms), why, sizeof(why)) < 0)
			log_err("%s: backend %s: check cannot run: %s",
			    conf->name, backend_text(b->conf, name,
			    sizeof(name)), why);
		slot_ms = lb_probe_grid_ms(now_ms, gbase + i, total,
		    b->conf->check.interval_ms);
		check_set_grid(&b->check, slot_ms);
		check_set_lead(&b->check, lb_probe_lead_ms(slot_ms));
		b->check.budget = &lb->budget;
	}
	return svc;
}

/* A reload puts back the file's weight over one vipctl set, and says so. */
static void
weight_restored(const struct lb_backend *b, uint32_t was)
{
	char name[INET6_ADDRSTRLEN + 8];

	if (was == b->conf->weight)
		return;
	log_notice("%s: backend %s weight %u from the file again (reload; "
	    "was %u, set at run time)", b->svc->conf.name, backend_text(b->conf,
	    name, sizeof(name)), b->conf->weight, was);
}

/*
 * A changed service starts with what the old one knew of backends that it
 * keeps with the same check: a weight change must not send their traffic
 * away until the next check result.
 */
static void
carry_health(struct lb_service *to, const struct lb_service *from)
{
	for (size_t i = 0; i < to->conf.nbackends; i++) {
		struct lb_backend *b = &to->backends[i];

		for (size_t j = 0; j < from->conf.nbackends; j++) {
			const struct lb_backend *o = &from->backends[j];

			if (addr_cmp(&b->conf->addr, &o->conf->addr) != 0 ||
			    b->conf->port != o->conf->port ||
			    !conf_check_equal(&b->conf->check, &o->conf->check))
				continue;
			b->check.rf = o->check.rf;
			b->check.has_result = o->check.has_result;
			b->check.last_ok = o->check.last_ok;
			b->check.last_ms = o->check.last_ms;
			b->check.runs = o->check.runs;
			b->check.failures = o->check.failures;
			memcpy(b->check.last_reason, o->check.last_reason,
			    sizeof(b->check.last_reason));
			b->changes = o->changes;
			b->last_notified = o->last_notified;
			weight_restored(b, o->weight);
			b->dr_mac_ok = o->dr_mac_ok;
			memcpy(b->dr_mac, o->dr_mac, sizeof(b->dr_mac));
			memcpy(b->dr_down, o->dr_down, sizeof(b->dr_down));
			break;
		}
	}
}

/* A reload's services: the old list, the new config, their tags. */
struct lb_merge {
	struct lb *lb;
	const struct conf *conf;
	struct lb_service **next;        /* conf->nservices, as conf lists them */
	struct reconcile r;
	const char *name;                /* for the same-name queries below */
};

/* Unchanged services keep their runtime, health and rules. */
static bool
merge_keeps(void *arg, size_t o, size_t n)
{
	struct lb_merge *m = arg;

	return conf_service_equal(&m->lb->services[o]->conf,
	    &m->conf->services[n]);
}

static bool
merge_old_named(void *arg, size_t o)
{
	struct lb_merge *m = arg;

	return strcmp(m->lb->services[o]->conf.name, m->name) == 0;
}

static bool
merge_new_named(void *arg, size_t n)
{
	struct lb_merge *m = arg;

	return strcmp(m->next[n]->conf.name, m->name) == 0;
}

/*
 * A runtime for every new service; a changed one starts with the health
 * its predecessor (same name, deleted) knew. 0 or -ENOMEM, with the new
 * ones made so far freed.
 */
static int
merge_create(struct lb_merge *m, uint64_t now_ms, size_t total)
{
	const struct conf *conf = m->conf;
	size_t gbase = 0, o;

	for (size_t i = 0; i < m->r.nnew; i++) {
		gbase += i > 0 ? conf->services[i - 1].nbackends : 0;
		if (m->r.new_tag[i] != RECONCILE_NEW)
			continue;
		if ((m->next[i] = service_new(m->lb, &conf->services[i], now_ms,
		    gbase, total)) == NULL) {
			for (size_t k = 0; k < m->r.nnew; k++)
				if (m->r.new_tag[k] == RECONCILE_NEW)
					service_free(m->next[k]);
			return -ENOMEM;
		}
		m->name = conf->services[i].name;
		if ((o = reconcile_deleted_where(&m->r, merge_old_named, m)) !=
		    (size_t)-1)
			carry_health(m->next[i], m->lb->services[o]);
	}
	return 0;
}

/*
 * One transaction: base chains, deleted objects out (a changed service's
 * successor inherits the persistence sets of the backends it keeps), new
 * ones in. Nothing when the tags say nothing changed and rules went once.
 */
static int
merge_rules(struct lb_merge *m, char *why, size_t why_len)
{
	struct lb_service **old = m->lb->services;
	struct lb_text t = { 0 };
	size_t n;
	int rc;

	if (m->r.kept == m->r.nold && m->r.nold == m->r.nnew &&
	    m->lb->transactions != 0)
		return 0;
	lb_nft_base(&t);
	for (size_t o = 0; o < m->r.nold; o++) {
		if (m->r.old_tag[o] != RECONCILE_DELETE)
			continue;
		/* dr services live in the netdev table, rebuilt as a whole. */
		if (old[o]->conf.forwarding == CONF_LB_DR) {
			m->lb->dr_rebuild = true;
			continue;
		}
		m->name = old[o]->conf.name;
		n = reconcile_new_where(&m->r, merge_new_named, m);
		lb_nft_service_delete(&t, &old[o]->conf, n != (size_t)-1 ?
		    &m->next[n]->conf : NULL);
	}
	for (size_t i = 0; i < m->r.nnew; i++) {
		if (m->next[i]->conf.forwarding == CONF_LB_DR) {
			struct lb_nft_backend_state st[CONF_LB_MAX_BACKENDS];

			if (m->r.new_tag[i] != RECONCILE_NEW)
				continue;
			m->lb->dr_rebuild = true;
			service_decide(m->next[i], st);
			continue;
		}
		if (m->r.new_tag[i] == RECONCILE_NEW) {
			lb_nft_service_add(&t, &m->next[i]->conf);
			service_rules(&t, m->next[i]);
		}
		lb_nft_service_hooks(&t, &m->next[i]->conf);
	}
	rc = apply(m->lb, &t, "the configuration", why, why_len);
	lb_text_free(&t);
	for (size_t i = 0; i < m->r.nnew; i++)
		if (m->r.new_tag[i] == RECONCILE_NEW)
			m->next[i]->rules_ok = rc == 0;
	return rc;
}

/*
 * A service replaced by a changed one of the same name and VIP that is
 * announced too: the route stays, and the new one withdraws it if it is
 * not ready (its backends' health carried over, see carry_health). Else
 * the old one's route goes with it.
 */
static void
announce_hand_over(struct lb_merge *m, struct lb_service *old)
{
	for (size_t i = 0; i < m->r.nnew; i++) {
		struct lb_service *svc = m->next[i];

		if (m->r.new_tag[i] != RECONCILE_NEW ||
		    strcmp(svc->conf.name, old->conf.name) != 0 ||
		    addr_cmp(&svc->conf.addr, &old->conf.addr) != 0 ||
		    !svc->conf.announce)
			continue;
		svc->ann = old->ann;
		return;
	}
	lb_route_forget(old);
}

/*
 * A kept service takes the announce keys of the new file (they change no
 * rule): announce off withdraws at once.
 */
static void
announce_keep(struct lb_service *svc, const struct conf_service *c,
    uint64_t now_ms)
{
	if (svc->conf.announce && !c->announce)
		lb_route_forget(svc);
	if (!svc->conf.announce && c->announce)
		lb_announce_init(&svc->ann, now_ms);
	svc->conf.announce = c->announce;
	svc->conf.announce_drain_ms = c->announce_drain_ms;
	svc->conf.announce_line = c->announce_line;
}

/* The deleted go, the new ones' checks enter the schedule, next is live. */
static void
merge_commit(struct lb_merge *m)
{
	struct lb *lb = m->lb;

	for (size_t o = 0; o < m->r.nold; o++)
		if (m->r.old_tag[o] == RECONCILE_DELETE) {
			announce_hand_over(m, lb->services[o]);
			service_free(lb->services[o]);
		}
	for (size_t i = 0; i < m->r.nnew; i++)
		for (size_t k = 0; m->r.new_tag[i] == RECONCILE_NEW &&
		    k < m->next[i]->conf.nbackends; k++)
			(void)check_schedule(&m->next[i]->backends[k].check,
			    &lb->sched);
	free(lb->services);
	lb->services = m->next;
	lb->nservices = m->r.nnew;
	m->next = NULL;
}

/* Kept services go back to the file's weights (vipctl's last till reload). */
static void
restore_kept_weights(struct lb *lb, const struct lb_merge *m, uint64_t now_ms)
{
	for (size_t i = 0; i < m->r.nnew; i++) {
		struct lb_service *svc = lb->services[i];

		if (m->r.new_tag[i] != RECONCILE_KEEP)
			continue;
		for (size_t k = 0; k < svc->conf.nbackends; k++) {
			struct lb_backend *b = &svc->backends[k];
			uint32_t was = b->weight;

			if (was == b->conf->weight)
				continue;
			b->weight = b->conf->weight;
			weight_restored(b, was);
			lb_service_dirty_gap(svc, now_ms, 0);
		}
	}
}

/* ---- connection counts ------------------------------------------------------ */

/* The backend a flow went to, or NULL (not ours, or the sorry server). */
static struct lb_backend *
flow_backend(struct lb *lb, const struct lb_conn_key *key,
    const struct lb_conn_dest *dest)
{
	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];
		const struct conf_service *c = &svc->conf;

		if (c->addr.family != key->family || c->port != key->dport ||
		    (c->protocol == CONF_LB_TCP ? IPPROTO_TCP : IPPROTO_UDP) !=
		    key->proto || memcmp(c->addr.bytes, key->dst,
		    c->addr.family == AF_INET6 ? 16 : 4) != 0)
			continue;
		for (size_t k = 0; k < c->nbackends; k++) {
			struct lb_backend *b = &svc->backends[k];

			if (b->conf->port == dest->port && memcmp(
			    b->conf->addr.bytes, dest->addr, c->addr.family ==
			    AF_INET6 ? 16 : 4) == 0)
				return b;
		}
		return NULL;
	}
	return NULL;
}

struct count_ctx {
	struct lb *lb;
	uint64_t now_ms;
	bool apply;                      /* mark counting services dirty */
	bool placed;                     /* a new flow is one the rule placed */
};

/*
 * The map follows the counts (LB_COUNTS_APPLY_GAP_MS); without one (no
 * memory for its slots) the rule is rewritten.
 */
static void
mark_counts(struct lb_service *svc, uint64_t now_ms)
{
	bool dirty = svc->dirty;

	lb_service_dirty_gap(svc, now_ms, LB_COUNTS_APPLY_GAP_MS);
	if (svc->slots != NULL) {
		svc->dirty = dirty;     /* the map is due, not the rule */
		svc->counts_dirty = true;
	}
}

static void
count_change(void *arg, const struct lb_conns_change *ch)
{
	struct count_ctx *cx = arg;
	struct lb_backend *b;

	if (ch->was == ch->now ||
	    (b = flow_backend(cx->lb, ch->key, &ch->dest)) == NULL)
		return;
	if (ch->was == LB_CONN_ACTIVE && b->active > 0)
		b->active--;
	else if (ch->was == LB_CONN_INACTIVE && b->inactive > 0)
		b->inactive--;
	if (ch->now == LB_CONN_ACTIVE)
		b->active++;
	else if (ch->now == LB_CONN_INACTIVE)
		b->inactive++;
	if (!cx->apply || !CONF_LB_SCHED_COUNTS(b->svc->conf.scheduler))
		return;
	if (cx->placed && ch->was == LB_CONN_NONE && b->svc->nslots > 0)
		b->svc->placed = (b->svc->placed + 1) % b->svc->nslots;
	mark_counts(b->svc, cx->now_ms);
}

/* Every backend's counts from the table again (after a reload). */
static void
recount(struct lb *lb)
{
	struct count_ctx cx = { .lb = lb };

	for (size_t i = 0; i < lb->nservices; i++)
		for (size_t k = 0; k < lb->services[i]->conf.nbackends; k++)
			lb->services[i]->backends[k].active =
			    lb->services[i]->backends[k].inactive = 0;
	lb_conns_each(&lb->conns, count_change, &cx);
}

bool
lb_counts_wanted(const struct lb *lb)
{
	for (size_t i = 0; i < lb->nservices; i++)
		if (CONF_LB_SCHED_COUNTS(lb->services[i]->conf.scheduler))
			return true;
	return false;
}

void
lb_conn_event(struct lb *lb, const struct lb_conn_key *key,
    const struct lb_conn_dest *dest, enum lb_conn_class cls, bool destroy,
    bool from_dump, uint64_t now_ms)
{
	struct count_ctx cx = { .lb = lb, .now_ms = now_ms, .apply = true,
	    .placed = !from_dump };
	struct lb_conns_change ch;

	if (lb->conns.buckets == NULL)
		return;
	lb->conn_events++;
	if (destroy) {
		if (lb_conns_destroy(&lb->conns, key, &ch))
			count_change(&cx, &ch);
		return;
	}
	/* Only flows to a backend are kept: the sorry server has no count. */
	if (flow_backend(lb, key, dest) == NULL)
		return;
	if (lb_conns_update(&lb->conns, key, dest, cls, &ch) == 0)
		count_change(&cx, &ch);
}

void
lb_conn_sweep_begin(struct lb *lb)
{
	lb_conns_sweep_begin(&lb->conns);
}

void
lb_conn_sweep_end(struct lb *lb, uint64_t now_ms)
{
	struct count_ctx cx = { .lb = lb, .now_ms = now_ms, .apply = true };

	(void)lb_conns_sweep_end(&lb->conns, count_change, &cx);
	/*
	 * A dump follows lost events (or the start): how many flows the rules
	 * placed is not known, so they are written again, numgen from 0.
	 */
	for (size_t i = 0; i < lb->nservices; i++)
		if (CONF_LB_SCHED_COUNTS(lb->services[i]->conf.scheduler))
			lb_service_dirty_gap(lb->services[i], now_ms, 0);
}

/* ---- run-time weights --------------------------------------------------------- */

int
lb_backend_set_weight(struct lb *lb, const char *service,
    const struct addr *addr, uint16_t port, bool enable_it, uint32_t weight,
    char *why, size_t why_len)
{
	struct lb_service *svc = NULL;
	char name[INET6_ADDRSTRLEN + 8];
	struct lb_backend *b = NULL;
	uint32_t was;

	for (size_t i = 0; i < lb->nservices && svc == NULL; i++)
		if (strcmp(lb->services[i]->conf.name, service) == 0)
			svc = lb->services[i];
	if (svc == NULL) {
		snprintf(why, why_len, "no virtual service '%s'", service);
		return -ENOENT;
	}
	for (size_t k = 0; k < svc->conf.nbackends && b == NULL; k++)
		if (addr_cmp(&svc->backends[k].conf->addr, addr) == 0 &&
		    svc->backends[k].conf->port == port)
			b = &svc->backends[k];
	if (b == NULL) {
		struct conf_backend x = { .addr = *addr, .port = port };

		snprintf(why, why_len, "%s has no backend %s", service,
		    backend_text(&x, name, sizeof(name)));
		return -ESRCH;
	}
	if (enable_it)
		weight = b->conf->weight;
	if (weight > CONF_LB_WEIGHT_MAX) {
		snprintf(why, why_len, "weight %u is out of range 0..%d",
		    weight, CONF_LB_WEIGHT_MAX);
		return -EINVAL;
	}
	was = b->weight;
	b->weight = weight;
	log_notice("%s: backend %s weight %u (was %u; the file's is %u): %s",
	    service, backend_text(b->conf, name, sizeof(name)), weight, was,
	    b->conf->weight, weight == 0 ? "drained by vipctl, established "
	    "connections run on" : enable_it ? "enabled by vipctl" :
	    "set by vipctl, until the next reload");
	snprintf(why, why_len, "%s %s weight %u", service, name, weight);
	lb_service_dirty_gap(svc, evloop_now_ms(), 0);
	return 0;
}

int
lb_configure(struct lb *lb, const struct conf *conf, uint64_t now_ms,
    char *why, size_t why_len)
{
	struct lb_merge m = { .lb = lb, .conf = conf };
	size_t nnew = conf->nservices, total = 0;
	int rc = -ENOMEM;

	why[0] = '\0';
	budget_update(lb);
	if ((m.next = calloc(nnew ? nnew : 1, sizeof(*m.next))) == NULL ||
	    reconcile_match(&m.r, lb->nservices, nnew, merge_keeps, &m) < 0)
		goto out;
	for (size_t i = 0; i < nnew; i++) {
		total += conf->services[i].nbackends;
		if (m.r.new_tag[i] == RECONCILE_KEEP) {
			m.next[i] = lb->services[m.r.from[i]];
			announce_keep(m.next[i], &conf->services[i], now_ms);
		}
	}
	/*
	 * Room in the schedule for every check of the new configuration,
	 * before anything changes: new checks enter it once the old ones
	 * have left (merge_commit), and a script check that is running now
	 * is out of it but comes back when its script ends, so the count is
	 * that of all backends, not of what the heap holds at this moment.
	 */
	if (check_heap_reserve(&lb->sched, total) < 0 ||
	    merge_create(&m, now_ms, total) < 0)
		goto out;
	rc = merge_rules(&m, why, why_len);
	merge_commit(&m);
	restore_kept_weights(lb, &m, now_ms);
	recount(lb);
	/* dr services: interfaces, segments and MACs, their table due. */
	lb_mac_follow(lb, now_ms);
out:
	if (rc == -ENOMEM)
		snprintf(why, why_len, "out of memory");
	reconcile_free(&m.r);
	free(m.next);
	return rc;
}

/*
 * The whole configuration again, every step idempotent (objects of
 * services that a refused reload removed may linger, unreferenced).
 */
static void
retry_all(struct lb *lb)
{
	struct lb_text t = { 0 };
	char why[256];
	int rc;

	lb_nft_base(&t);
	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		if (svc->conf.forwarding == CONF_LB_DR) {
			lb->dr_rebuild = true;
			continue;
		}
		lb_nft_service_add(&t, &svc->conf);
		service_rules(&t, svc);
		lb_nft_service_hooks(&t, &svc->conf);
	}
	rc = apply(lb, &t, "the configuration", why, sizeof(why));
	lb_text_free(&t);
	for (size_t i = 0; i < lb->nservices; i++) {
		lb->services[i]->rules_ok = rc == 0;
		quorum_follow(lb->services[i]);
	}
	if (rc == 0) {
		lb->full_retry = false;
		log_notice("balancer: rules installed after an earlier refusal");
	}
}

int
lb_restore(struct lb *lb, char *why, size_t why_len)
{
	struct lb_text t = { 0 };
	bool nat = false;
	int rc = 0;

	why[0] = '\0';
	lb_nft_base(&t);
	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		if (svc->conf.forwarding == CONF_LB_DR)
			continue;
		nat = true;
		lb_nft_service_add(&t, &svc->conf);
		service_rules(&t, svc);
		lb_nft_service_hooks(&t, &svc->conf);
	}
	if (nat || lb->nservices == 0)
		rc = apply(lb, &t, "the restored table", why, why_len);
	lb_text_free(&t);
	for (size_t i = 0; i < lb->nservices; i++) {
		if (lb->services[i]->conf.forwarding == CONF_LB_DR)
			continue;
		lb->services[i]->rules_ok = rc == 0;
		quorum_follow(lb->services[i]);
	}
	/* The whole configuration is in: an earlier refusal's retry is done. */
	if (rc == 0 && lb->full_retry) {
		lb->full_retry = false;
		lb->retry_ms = 0;
		log_notice("balancer: rules installed after an earlier refusal");
	}
	return rc;
}

void
lb_restore_dr(struct lb *lb, uint64_t now_ms)
{
	lb->dr_rebuild = true;
	lb_mac_tick(lb, now_ms);
}

bool
lb_has_dr(const struct lb *lb)
{
	for (size_t i = 0; i < lb->nservices; i++)
		if (lb->services[i]->conf.forwarding == CONF_LB_DR)
			return true;
	return false;
}

void
lb_tick(struct lb *lb, uint64_t now_ms)
{
	if (lb->retry_ms != 0 && now_ms >= lb->retry_ms) {
		lb->retry_ms = 0;
		retry_all(lb);
	}
	(void)check_run_due(&lb->sched, now_ms);
	if (lb->budget.refused != lb->refused_logged) {
		uint64_t suppressed = 0;

		if (log_ratelimit_allow(&lb->error_log, now_ms, &suppressed))
			log_warn("balancer: %" PRIu64 " probes not started: %zu "
			    "in flight is all the open-files limit allows (%"
			    PRIu64 " similar lines suppressed)",
			    lb->budget.refused - lb->refused_logged,
			    lb->budget.in_flight, suppressed);
		lb->refused_logged = lb->budget.refused;
	}
	lb_mac_tick(lb, now_ms);
	/* After the probes: the changes they just made go in this batch. */
	if (lb->apply_ms != 0 && now_ms >= lb->apply_ms)
		apply_dirty(lb, now_ms);
	/* After the rules: a route follows what the kernel holds. */
	lb_route_tick(lb, now_ms);
}

uint64_t
lb_next_deadline(const struct lb *lb)
{
	uint64_t due = lb->retry_ms;

	uint64_t checks = check_heap_next_ms(&lb->sched);
	uint64_t route = lb_route_deadline(lb);

	if (lb->apply_ms != 0 && (due == 0 || lb->apply_ms < due))
		due = lb->apply_ms;
	if (lb->dr_use_ms != 0 && (due == 0 || lb->dr_use_ms < due))
		due = lb->dr_use_ms;
	if (checks != 0 && (due == 0 || checks < due))
		due = checks;
	if (route != 0 && (due == 0 || route < due))
		due = route;
	return due;
}

const struct lb_service *
lb_find(const struct lb *lb, const char *name)
{
	for (size_t i = 0; i < lb->nservices; i++)
		if (strcmp(lb->services[i]->conf.name, name) == 0)
			return lb->services[i];
	return NULL;
}

size_t
lb_track_objs(const struct lb *lb, const struct conf_instance *inst,
    struct track_obj *objs, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < lb->nservices && n < max; i++) {
		const struct lb_service *svc = lb->services[i];
		bool holds = false;

		for (size_t j = 0; j < inst->nvips && !holds; j++)
			holds = addr_cmp(&inst->vips[j].addr,
			    &svc->conf.addr) == 0;
		/* An address with advertise = false is held all the same. */
		for (size_t j = 0; j < inst->nexcluded && !holds; j++)
			holds = addr_cmp(&inst->excluded[j].addr,
			    &svc->conf.addr) == 0;
		if (!svc->conf.tracked || !holds)
			continue;
		objs[n++] = (struct track_obj){ .kind = TRACK_SERVICE,
		    .name = svc->conf.name, .weight = svc->conf.track_weight,
		    .up = svc->quorum_met, .detail = svc->track_detail };
	}
	return n;
}

bool
lb_quorum_met(const struct lb *lb, const char *name, bool *known)
{
	const struct lb_service *svc = lb_find(lb, name);

	*known = svc != NULL;
	return svc != NULL && svc->quorum_met;
}

/* One counter of `nft list counters`: a backend's, or none of ours. */
static void
counter_set(void *arg, const char *name, uint64_t packets, uint64_t bytes)
{
	struct lb *lb = arg;
	char want[LB_NFT_ID_MAX], id[LB_NFT_ID_MAX];
	enum lb_nft_counter kind;
	size_t j;

	if (strncmp(name, LB_DR_DROP_PREFIX, strlen(LB_DR_DROP_PREFIX)) == 0) {
		for (size_t i = 0; i < lb->nservices; i++) {
			lb_nft_id(lb->services[i]->conf.name, id, sizeof(id));
			if (strcmp(id, name + strlen(LB_DR_DROP_PREFIX)) == 0)
				lb->services[i]->dr_dropped = packets;
		}
		return;
	}
	if (strncmp(name, LB_DR_BACKUP_PREFIX,
	    strlen(LB_DR_BACKUP_PREFIX)) == 0) {
		for (size_t i = 0; i < lb->nservices; i++) {
			lb_nft_id(lb->services[i]->conf.name, id, sizeof(id));
			if (strcmp(id, name + strlen(LB_DR_BACKUP_PREFIX)) == 0)
				lb->services[i]->dr_backup_drops = packets;
		}
		return;
	}
	if (!lb_nft_counter_parse(name, &kind, want, sizeof(want), &j))
		return;
	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		lb_nft_id(svc->conf.name, id, sizeof(id));
		if (strcmp(id, want) != 0 || j >= svc->conf.nbackends)
			continue;
		if (kind == LB_NFT_COUNTER_CONNS)
			svc->backends[j].conns = packets;
		else {
			svc->backends[j].packets = packets;
			svc->backends[j].bytes = bytes;
		}
	}
}

int
lb_read_counters(struct lb *lb)
{
	char *text, err[256];
	int rc;

	if (lb->nservices == 0)
		return 0;
	if ((rc = nft_query(lb->nft, "list counters table " NFT_TABLE, &text,
	    err, sizeof(err))) < 0) {
		uint64_t suppressed = 0;

		if (log_ratelimit_allow(&lb->error_log, evloop_now_ms(),
		    &suppressed))
			log_warn("balancer: cannot read nft counters: %s (%"
			    PRIu64 " similar lines suppressed)", err,
			    suppressed);
		return rc;
	}
	lb_nft_counters_each(text, counter_set, lb);
	free(text);
	if (!lb->dr_table)
		return 0;
	if ((rc = nft_query(lb->nft, "list counters table " LB_DR_TABLE, &text,
	    err, sizeof(err))) < 0)
		return rc;
	lb_nft_counters_each(text, counter_set, lb);
	free(text);
	return 0;
}

void
lb_close(struct lb *lb)
{
	for (size_t i = 0; i < lb->nservices; i++)
		service_free(lb->services[i]);
	free(lb->services);
	lb->services = NULL;
	lb->nservices = 0;
	check_heap_free(&lb->sched);
	lb_conns_free(&lb->conns);
}
