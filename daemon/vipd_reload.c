/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_reload - SIGHUP and `vipctl reload`: load the new configuration
 * beside the running one, refuse it whole on any error, tag the instances
 * keep / delete / new (lib/base/reconcile.h) and walk them once (stop the
 * deleted, start the new), then let each service follow the new model.
 * It never touches the running state before the new model is known good.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/reconcile.h"
#include "os/log.h"
#include "vipd.h"

static void
log_conf_errors(const struct conf_errors *errs, const char *what)
{
	for (size_t i = 0; i < errs->stored; i++)
		log_err("%s: %s", what, errs->msg[i]);
	if (errs->count > errs->stored)
		log_err("%s: (%zu more errors)", what, errs->count - errs->stored);
}

static bool
vipd_peer_filter_changed(const struct conf_global *a, const struct conf_global *b)
{
	if (a->npeer_filter != b->npeer_filter)
		return true;
	for (size_t i = 0; i < a->npeer_filter; i++)
		if (addr_cmp(&a->peer_filter[i], &b->peer_filter[i]) != 0)
			return true;
	return false;
}

/* The new model, or -EINVAL (why, log) when it is refused whole. */
void
log_conf_warning(void *arg, const char *line)
{
	(void)arg;
	log_warn("%s", line);
}

static int
vipd_reload_load(struct vipd *v, struct conf **next, char *why,
    size_t why_len)
{
	struct conf_errors *errs;
	int rc;

	if ((errs = calloc(1, sizeof(*errs))) == NULL)
		return -ENOMEM;
	rc = conf_load_file(v->config_path, next, errs);
	for (size_t i = 0; i < errs->nwarn; i++)
		log_warn("reload: %s", errs->warn[i]);
	if (rc < 0) {
		v->reloads_refused++;
		log_conf_errors(errs, "reload refused, old configuration kept");
		snprintf(why, why_len, "%s", errs->stored ? errs->msg[0] : "cannot load");
		free(errs);
		return -EINVAL;
	}
	if (script_audit_conf(*next, errs) > 0) {
		v->reloads_refused++;
		log_conf_errors(errs, "reload refused, old configuration kept");
		snprintf(why, why_len, "%s", errs->stored ? errs->msg[0] : "insecure script");
		free(errs);
		conf_free(*next);
		return -EINVAL;
	}
	free(errs);
	(void)conf_lb_warnings(*next, v->config_path, log_conf_warning, NULL);
	return 0;
}

struct vipd_reload_pair {
	struct vipd *v;
	const struct conf *next;
};

/*
 * Keep every instance whose new settings need no restart: unchanged
 * ones, and those whose priority, intervals, preemption or garp changed
 * (state and VIPs stay, so a master demoted by reload keeps serving until
 * a peer preempts it). instance_update() rebinds a kept one to next.
 * Names are unique on both sides.
 */
static bool
vipd_reload_keeps(void *arg, size_t o, size_t n)
{
	struct vipd_reload_pair *p = arg;

	return strcmp(p->v->instances[o]->conf.name,
	    p->next->instances[n].name) == 0 &&
	    instance_update(p->v->instances[o], &p->next->instances[n],
	    p->next->global.handover);
}

/*
 * The deleted ones stop at once: their replacement may reuse the VRID
 * right away, so none can linger (a second stop request releases).
 */
static void
vipd_reload_stop(struct vipd *v, const struct reconcile *r, uint64_t now_ms)
{
	for (size_t o = 0; o < r->nold; o++) {
		struct instance *inst = v->instances[o];

		if (r->old_tag[o] != RECONCILE_DELETE)
			continue;
		log_notice("%s: stopping (removed or changed by reload)",
		    inst->conf.name);
		vipd_drills_answer(v, inst);
		instance_stop(inst, &v->env, now_ms);
		if (instance_releasing(inst))
			instance_stop(inst, &v->env, now_ms);
		instance_fini(inst);
		free(inst);
	}
}

/*
 * v->instances becomes list, slot by slot as next lists them: the kept
 * ones where they go, the new ones started in order. Returns how many
 * started; a slot that memory ran out for is dropped.
 */
static size_t
vipd_reload_start(struct vipd *v, const struct conf *next,
    const struct reconcile *r, struct instance **list, uint64_t now_ms)
{
	size_t started = 0, n = 0;

	for (size_t i = 0; i < r->nnew; i++)
		if (r->new_tag[i] == RECONCILE_KEEP)
			list[i] = v->instances[r->from[i]];
	free(v->instances);
	v->instances = list;
	v->ninstances = r->nnew;
	for (size_t i = 0; i < r->nnew; i++) {
		if (r->new_tag[i] != RECONCILE_NEW)
			continue;
		if ((list[i] = malloc(sizeof(*list[i]))) == NULL) {
			log_err("%s: out of memory, not started",
			    next->instances[i].name);
			continue;
		}
		instance_init(list[i], &next->instances[i], next->global.handover);
		log_notice("%s: starting (added or changed by reload)",
		    list[i]->conf.name);
		vipd_start_instance(v, list[i], now_ms);
		started++;
	}
	/* Keep the instance table consistent: no empty slot. */
	for (size_t i = 0; i < r->nnew; i++)
		if (list[i] != NULL)
			list[n++] = list[i];
	v->ninstances = n;
	return started;
}

/* Every service follows the new model, which then replaces the old one. */
static void
vipd_reload_follow(struct vipd *v, struct conf *next, uint64_t now_ms)
{
	bool sync_changed = !conf_conn_sync_equal(&v->conf->conn_sync,
	    &next->conn_sync);
	bool peers_changed = vipd_peer_filter_changed(&v->conf->global,
	    &next->global);

	ifsock_prune(&v->socks, vipd_interface_in_use, v);
	if (strcmp(next->global.state_dir, v->conf->global.state_dir) != 0 &&
	    v->state_dir_override == NULL)
		log_warn("reload: state_dir change takes effect at restart");
	/* Before the old model goes: groups and scripts carry state by name. */
	vipd_bfd_configure(v, next, now_ms);
	vipd_health_configure(v, next, now_ms);
	/*
	 * No instance reads the old model's lists any more (lib/vrrp/instance.h):
	 * kept ones were rebound to next by instance_update(), the stopped
	 * ones are gone, the new ones started from next.
	 */
	vipd_statics_reload(v, next);
	conf_free(v->conf);
	v->conf = next;
	vipd_statics_start(v);
	if (sync_changed)
		vipd_sync_restart(v);
	if (peers_changed)
		vipd_peer_filter_apply(v, "reload");
	conf_router_id(v->conf, v->router_id, sizeof(v->router_id));
	vipd_lb_configure(v, "reload");
	vipd_metrics_apply(v);
}

/*
 * SIGHUP: build the new model beside the old one; refuse it whole on any
 * error. Unchanged instances keep their runtime (state, VIPs, counters);
 * changed and removed ones stop gracefully before added ones start, so a
 * VRID can move between instances in one reload.
 */
int
vipd_reload(struct vipd *v, char *why, size_t why_len)
{
	struct conf *next = NULL;
	struct instance **list;
	struct reconcile r;
	struct vipd_reload_pair pair;
	uint64_t now_ms;
	size_t started;
	int err;

	vipd_sdnotify_reloading(v);
	if ((err = vipd_reload_load(v, &next, why, why_len)) < 0) {
		vipd_sdnotify_reloaded(v, false);
		return err;
	}
	pair = (struct vipd_reload_pair){ v, next };
	/* Both allocations before anything is kept (and so rebound). */
	if ((list = calloc(next->ninstances ? next->ninstances : 1,
	    sizeof(*list))) == NULL || reconcile_match(&r, v->ninstances,
	    next->ninstances, vipd_reload_keeps, &pair) < 0) {
		free(list);
		conf_free(next);
		snprintf(why, why_len, "out of memory");
		vipd_sdnotify_reloaded(v, false);
		return -ENOMEM;
	}
	now_ms = evloop_now_ms();
	vipd_reload_stop(v, &r, now_ms);
	started = vipd_reload_start(v, next, &r, list, now_ms);
	vipd_reload_follow(v, next, now_ms);
	v->reloads++;
	log_notice("reload: configuration accepted (%zu kept, %zu stopped, "
	    "%zu started)", r.kept, r.nold - r.kept, started);
	snprintf(why, why_len, "%zu kept, %zu stopped, %zu started", r.kept,
	    r.nold - r.kept, started);
	reconcile_free(&r);
	vipd_sdnotify_reloaded(v, true);
	return 0;
}
