/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_reload - SIGHUP and `vipctl reload`: load the new configuration
 * beside the running one, refuse it whole on any error, diff the instances
 * (keep, stop, start) and swap, then let each service follow the new model.
 * It never touches the running state before the new model is known good.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * SIGHUP: build the new model beside the old one; refuse it whole on any
 * error. Unchanged instances keep their runtime (state, VIPs, counters);
 * changed and removed ones stop gracefully before added ones start, so a
 * VRID can move between instances in one reload.
 */
int
vipd_reload(struct vipd *v, char *why, size_t why_len)
{
	struct conf_errors *errs;
	struct conf *next = NULL;
	struct instance **list = NULL;
	bool *reused;
	uint64_t now_ms;
	size_t kept = 0, started = 0, stopped = 0;

	if ((errs = calloc(1, sizeof(*errs))) == NULL)
		return -ENOMEM;
	if (conf_load_file(v->config_path, &next, errs) < 0) {
		v->reloads_refused++;
		log_conf_errors(errs, "reload refused, old configuration kept");
		snprintf(why, why_len, "%s", errs->stored ? errs->msg[0] : "cannot load");
		free(errs);
		return -EINVAL;
	}
	if (health_check_scripts(next, errs) > 0) {
		v->reloads_refused++;
		log_conf_errors(errs, "reload refused, old configuration kept");
		snprintf(why, why_len, "%s", errs->stored ? errs->msg[0] : "insecure script");
		free(errs);
		conf_free(next);
		return -EINVAL;
	}
	free(errs);
	if ((list = calloc(next->ninstances ? next->ninstances : 1, sizeof(*list))) == NULL ||
	    (reused = calloc(v->ninstances ? v->ninstances : 1, sizeof(*reused))) == NULL) {
		free(list);
		conf_free(next);
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	/*
	 * Keep every instance whose new settings need no restart: unchanged
	 * ones, and those whose priority, intervals, preemption or garp
	 * changed (state and VIPs stay, so a master demoted by reload keeps
	 * serving until a peer preempts it). Names are unique on both sides.
	 */
	for (size_t i = 0; i < next->ninstances; i++) {
		for (size_t j = 0; j < v->ninstances && list[i] == NULL; j++) {
			if (!reused[j] && strcmp(v->instances[j]->conf.name,
			    next->instances[i].name) == 0 &&
			    instance_update(v->instances[j], &next->instances[i],
			    next->global.handover)) {
				list[i] = v->instances[j];
				reused[j] = true;
				kept++;
			}
		}
	}
	now_ms = evloop_now_ms();
	for (size_t j = 0; j < v->ninstances; j++) {
		if (reused[j])
			continue;
		log_notice("%s: stopping (removed or changed by reload)",
		    v->instances[j]->conf.name);
		/*
		 * Its replacement may reuse the VRID right away, so this one
		 * cannot linger: release at once (a second stop request).
		 */
		vipd_drills_answer(v, v->instances[j]);
		instance_stop(v->instances[j], &v->env, now_ms);
		if (instance_releasing(v->instances[j]))
			instance_stop(v->instances[j], &v->env, now_ms);
		instance_fini(v->instances[j]);
		free(v->instances[j]);
		stopped++;
	}
	free(reused);
	free(v->instances);
	v->instances = list;
	v->ninstances = next->ninstances;
	for (size_t i = 0; i < next->ninstances; i++) {
		if (list[i] != NULL)
			continue;
		if ((list[i] = malloc(sizeof(*list[i]))) == NULL) {
			/* Keep the instance table consistent: drop the slot. */
			log_err("%s: out of memory, not started",
			    next->instances[i].name);
			memmove(&list[i], &list[i + 1],
			    (next->ninstances - i - 1) * sizeof(*list));
			v->ninstances--;
			continue;
		}
		instance_init(list[i], &next->instances[i], next->global.handover);
		log_notice("%s: starting (added or changed by reload)",
		    list[i]->conf.name);
		vipd_start_instance(v, list[i], now_ms);
		started++;
	}
	ifsock_prune(&v->socks, vipd_interface_in_use, v);
	if (strcmp(next->global.state_dir, v->conf->global.state_dir) != 0 &&
	    v->state_dir_override == NULL)
		log_warn("reload: state_dir change takes effect at restart");
	bool sync_changed = !conf_sync_equal(&v->conf->conn_sync, &next->conn_sync);
	bool peers_changed = vipd_peer_filter_changed(&v->conf->global,
	    &next->global);
	/* Before the old model goes: groups and scripts carry state by name. */
	vipd_health_configure(v, next, now_ms);
	/*
	 * No instance reads the old model's lists any more (lib/vrrp/instance.h):
	 * kept ones were rebound to next by instance_update(), the stopped
	 * ones are gone, the new ones started from next.
	 */
	conf_free(v->conf);
	v->conf = next;
	if (sync_changed)
		vipd_sync_restart(v);
	if (peers_changed)
		vipd_peer_filter_apply(v, "reload");
	conf_router_id(v->conf, v->router_id, sizeof(v->router_id));
	vipd_lb_configure(v, "reload");
	vipd_metrics_apply(v);
	v->reloads++;
	log_notice("reload: configuration accepted (%zu kept, %zu stopped, "
	    "%zu started)", kept, stopped, started);
	snprintf(why, why_len, "%zu kept, %zu stopped, %zu started", kept,
	    stopped, started);
	return 0;
}
