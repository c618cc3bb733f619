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

#include "base/reconcile.h"
#include "lb/lb.h"
#include "lb/lb_dr.h"
#include "lb/lb_nft.h"
#include "os/log.h"

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
	lb->arp_fd = -1;
	check_heap_init(&lb->sched);
	budget_update(lb);
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

/*
 * The digest of the table that goes with up[] (see lb_sched.h), for the
 * dumps: the same on every node with the same backends up. Computed once
 * more beside the rules, not carried out of them: a fill of 65537 slots
 * costs about a millisecond, the transaction far more.
 */
static void
table_follow(struct lb_service *svc, const bool *up)
{
	uint16_t *table;

	svc->table_size = lb_nft_table_size(&svc->conf);
	svc->table_digest = 0;
	if (svc->table_size == 0 ||
	    (table = malloc(svc->table_size * sizeof(*table))) == NULL)
		return;
	svc->table_digest = lb_nft_table(&svc->conf, up, table);
	free(table);
}

static void
set_active(struct lb_service *svc, size_t active)
{
	svc->active = active;
	svc->quorum_met = active > 0 && active >= svc->conf.quorum;
	snprintf(svc->track_detail, sizeof(svc->track_detail),
	    "%zu of quorum %u", active, svc->conf.quorum);
}

/* After a service's rules were rewritten: tell whom it concerns. */
static void
quorum_follow(struct lb_service *svc, bool was_met)
{
	char sorry[INET6_ADDRSTRLEN + 8];

	if (was_met == svc->quorum_met)
		return;
	if (svc->lb->on_quorum != NULL)
		svc->lb->on_quorum(svc->lb->on_quorum_arg, svc);
	if (svc->quorum_met)
		log_notice("%s: quorum met (%zu of %u backends take new "
		    "flows)", svc->conf.name, svc->active, svc->conf.quorum);
	else if (svc->conf.has_sorry) {
		struct conf_backend s = { .addr = svc->conf.sorry_addr,
		    .port = svc->conf.sorry_port };

		log_warn("%s: below quorum (%zu of %u backends take new flows): "
		    "new connections go to the sorry server %s",
		    svc->conf.name, svc->active, svc->conf.quorum,
		    backend_text(&s, sorry, sizeof(sorry)));
	} else
		log_warn("%s: below quorum (%zu of %u backends take new flows): "
		    "new connections are refused", svc->conf.name, svc->active,
		    svc->conf.quorum);
}


static void
on_check_change(void *arg, struct check *c)
{
	struct lb_backend *b = arg;

	lb_backend_changed(b, check_health_name(c->rf.health), c->last_reason);
}


static void
service_up(const struct lb_service *svc, bool *up)
{
	for (size_t k = 0; k < svc->conf.nbackends; k++)
		up[k] = lb_backend_up(&svc->backends[k]);
}

/*
 * Rewrite the DNAT chain of every dirty service, all in one transaction
 * (see lb.h), then follow their quorum.
 */
static void
apply_dirty(struct lb *lb, uint64_t now_ms)
{
	bool up[CONF_LB_MAX_BACKENDS];
	struct lb_text t = { 0 };
	char why[256];
	int rc;

	lb->apply_ms = 0;
	lb->last_apply_ms = now_ms;
	for (size_t i = 0; i < lb->nservices; i++)
		if (lb->services[i]->dirty) {
			service_up(lb->services[i], up);
			if (lb->services[i]->conf.forwarding == CONF_LB_DR)
				lb_mac_dirty_rules(&t, lb->services[i], up);
			else
				lb_nft_service_rules(&t, &lb->services[i]->conf,
				    up);
		}
	/* Nothing when the dirty services were replaced by a reload since. */
	rc = t.len == 0 && !t.oom ? 0 : apply(lb, &t, "health changes", why,
	    sizeof(why));
	lb_text_free(&t);
	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];
		bool was_met = svc->quorum_met;

		if (!svc->dirty)
			continue;
		if (svc->conf.forwarding == CONF_LB_DR)
			lb_mac_dirty_done(svc, rc == 0);
		svc->dirty = false;
		svc->rules_ok = rc == 0;
		service_up(svc, up);
		set_active(svc, lb_nft_active(&svc->conf, up));
		table_follow(svc, up);
		quorum_follow(svc, was_met);
	}
}

static void
service_free(struct lb_service *svc)
{
	if (svc == NULL)
		return;
	for (size_t i = 0; svc->backends != NULL && i < svc->conf.nbackends;
	    i++)
		check_close(&svc->backends[i].check);
	for (size_t i = 0; svc->conf.backends != NULL &&
	    i < svc->conf.nbackends; i++)
		conf_check_free(&svc->conf.backends[i].check);
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
	for (size_t i = 0; i < conf->nbackends; i++) {
		svc->conf.backends[i] = conf->backends[i];
		if (conf_check_copy(&svc->conf.backends[i].check,
		    &conf->backends[i].check) < 0) {
			for (size_t k = 0; k < i; k++)
				conf_check_free(&svc->conf.backends[k].check);
			return -ENOMEM;
		}
	}
	return 0;
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
	svc->conf.backends = calloc(n ? n : 1, sizeof(*svc->conf.backends));
	svc->backends = calloc(n ? n : 1, sizeof(*svc->backends));
	if (svc->conf.backends == NULL || svc->backends == NULL ||
	    service_copy_backends(svc, conf) < 0) {
		free(svc->conf.backends);
		free(svc->backends);
		free(svc);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct lb_backend *b = &svc->backends[i];

		b->conf = &svc->conf.backends[i];
		b->svc = svc;
		b->index = i;
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
			bool up[CONF_LB_MAX_BACKENDS];

			if (m->r.new_tag[i] != RECONCILE_NEW)
				continue;
			m->lb->dr_rebuild = true;
			service_up(m->next[i], up);
			set_active(m->next[i], lb_nft_active(&m->next[i]->conf,
			    up));
			table_follow(m->next[i], up);
			continue;
		}
		if (m->r.new_tag[i] == RECONCILE_NEW) {
			bool up[CONF_LB_MAX_BACKENDS];

			service_up(m->next[i], up);
			lb_nft_service_add(&t, &m->next[i]->conf);
			set_active(m->next[i], lb_nft_service_rules(&t,
			    &m->next[i]->conf, up));
			table_follow(m->next[i], up);
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

/* The deleted go, the new ones' checks enter the schedule, next is live. */
static void
merge_commit(struct lb_merge *m)
{
	struct lb *lb = m->lb;

	for (size_t o = 0; o < m->r.nold; o++)
		if (m->r.old_tag[o] == RECONCILE_DELETE)
			service_free(lb->services[o]);
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
		if (m.r.new_tag[i] == RECONCILE_KEEP)
			m.next[i] = lb->services[m.r.from[i]];
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
		bool up[CONF_LB_MAX_BACKENDS];

		if (svc->conf.forwarding == CONF_LB_DR) {
			lb->dr_rebuild = true;
			continue;
		}
		for (size_t k = 0; k < svc->conf.nbackends; k++)
			up[k] = lb_backend_up(&svc->backends[k]);
		lb_nft_service_add(&t, &svc->conf);
		set_active(svc, lb_nft_service_rules(&t, &svc->conf, up));
		table_follow(svc, up);
		lb_nft_service_hooks(&t, &svc->conf);
	}
	rc = apply(lb, &t, "the configuration", why, sizeof(why));
	lb_text_free(&t);
	for (size_t i = 0; i < lb->nservices; i++)
		lb->services[i]->rules_ok = rc == 0;
	if (rc == 0) {
		lb->full_retry = false;
		log_notice("balancer: rules installed after an earlier refusal");
	}
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
}

uint64_t
lb_next_deadline(const struct lb *lb)
{
	uint64_t due = lb->retry_ms;

	uint64_t checks = check_heap_next_ms(&lb->sched);

	if (lb->apply_ms != 0 && (due == 0 || lb->apply_ms < due))
		due = lb->apply_ms;
	if (lb->dr_use_ms != 0 && (due == 0 || lb->dr_use_ms < due))
		due = lb->dr_use_ms;
	if (checks != 0 && (due == 0 || checks < due))
		due = checks;
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
}
