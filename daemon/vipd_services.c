/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_services - what runs beside VRRP and follows it: health (tracking,
 * notify scripts and FIFO, sync groups), table inet vipd and its peer_filter
 * and accept-mode parts, the balancer (virtual_services and the weight of
 * their quorum on an instance's priority) and conn_sync (which follows an
 * instance or group as master). Each is configured here at start and on
 * reload; the modules in lib/ do the work, and nothing here changes a VRRP
 * state except through lib/health/health.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrrp/accept_filter.h"
#include "ctsync/ct_select.h"
#include "os/log.h"
#include "os/nft.h"
#include "vrrp/peer_filter.h"
#include "vipd.h"

/* ---- health: tracking, notify, sync groups ----------------------------- */

/* Every state change of an instance: its notify scripts and FIFO line. */
void
vipd_on_transition(void *arg, struct instance *inst,
    const struct vrrp_actions *a, uint64_t now_ms)
{
	struct vipd *v = arg;
	struct notify_queue *q;

	vipd_sdnotify_transition(v);
	if (!notify_wanted(&v->notify, &inst->conf.track.notify))
		return;
	if ((q = notify_queue_get(&v->notify, "INSTANCE", inst->conf.name)) != NULL)
		notify_transition(q, &inst->conf.track.notify,
		    a->to == VRRP_STATE_INIT ? "STOP" : vrrp_state_name(a->to),
		    instance_effective_priority(inst), now_ms);
}

/*
 * A Master heard a lower-priority Master (the split brain is over and we
 * won): notify_master_rx_lower_pri and the FIFO line, as keepalived.
 */
void
vipd_on_rx_lower_pri(void *arg, struct instance *inst, uint64_t now_ms)
{
	struct vipd *v = arg;
	struct notify_queue *q;

	if (inst->conf.notify_rx_lower_pri[0] == '\0' && v->notify.fifo_fd < 0)
		return;
	if ((q = notify_queue_get(&v->notify, "INSTANCE", inst->conf.name)) != NULL)
		notify_event(q, inst->conf.notify_rx_lower_pri,
		    "MASTER_RX_LOWER_PRI", instance_effective_priority(inst),
		    inst->conf.track.notify.timeout_ms, now_ms);
}

/* conf's scripts, FIFO, tracking and groups over v->instances. */
void
vipd_health_configure(struct vipd *v, const struct conf *conf, uint64_t now_ms)
{
	char why[SCRIPT_WHY_MAX];
	int err;

	if (script_runner_set_user(&v->scripts, conf->global.script_user, why,
	    sizeof(why)) < 0)
		log_err("%s: scripts will not run", why);
	if ((err = notify_set_fifo(&v->notify, conf->global.notify_fifo)) < 0)
		log_err("notify_fifo %s: %s", conf->global.notify_fifo,
		    strerror(-err));
	if (health_configure(&v->health, conf, v->instances, v->ninstances,
	    now_ms) < 0 || sync_groups_configure(&v->groups, conf, v->instances,
	    v->ninstances) < 0)
		log_err("out of memory: tracking and sync groups not updated");
}

/* ---- table inet vipd --------------------------------------------------- */

/* global.peer_filter into the kernel (or out of it when emptied). */
void
vipd_peer_filter_apply(struct vipd *v, const char *when)
{
	const struct conf_global *gl = &v->conf->global;
	char err[256];

	if (v->nft.ctx == NULL)
		return;
	if (peer_filter_apply(&v->nft, gl, err, sizeof(err)) < 0)
		log_err("%s: cannot apply peer_filter: %s", when, err);
	else if (gl->npeer_filter > 0)
		log_notice("%s: peer_filter: VRRP and AH accepted from %zu "
		    "addresses only", when, gl->npeer_filter);
	else
		log_notice("%s: peer_filter removed", when);
}

/*
 * Table inet vipd: a stale one from a crashed run is replaced by an empty
 * one, then each part adds its own objects (accept_ here). Without
 * nftables vipd still runs; what needs the table logs its own error.
 */
void
vipd_open_nft(struct vipd *v)
{
	char err[256];
	int rc;

	v->env.nft = &v->nft;
	if ((rc = nft_open(&v->nft)) < 0) {
		log_err("nftables: cannot open a context: %s", strerror(-rc));
		return;
	}
	if (nft_table_reset(&v->nft, err, sizeof(err)) < 0) {
		log_err("nftables: cannot reset table %s: %s", NFT_TABLE, err);
		return;
	}
	if (v->conf->global.npeer_filter > 0)
		vipd_peer_filter_apply(v, "start");
	if (accept_filter_setup(&v->nft, err, sizeof(err)) < 0) {
		log_err("nftables: cannot create the accept-mode filter: %s", err);
		return;
	}
	v->env.accept_filter_ok = true;
}

/* ---- balancer ---------------------------------------------------------- */

/* Balancer rules for v->conf's virtual_services (start and reload). */
void
vipd_lb_configure(struct vipd *v, const char *when)
{
	char why[256];

	if (v->conf->nservices == 0 && v->lb.nservices == 0)
		return;
	if (lb_configure(&v->lb, v->conf, evloop_now_ms(), why,
	    sizeof(why)) < 0)
		log_err("balancer: %s: %s", when, why);
	else
		log_info("balancer: %s: %zu virtual services", when,
		    v->lb.nservices);
	vipd_lbcount_update(v);
	vipd_drift_routes(v);
	/* New services start with no VMAC rule: give them their holder's. */
	for (size_t i = 0; i < v->ninstances; i++)
		lb_dr_vips_held(&v->lb, &v->instances[i]->conf,
		    v->instances[i]->vips_in);
	/* Tracked services may have come, gone or changed. */
	health_evaluate_all(&v->health, evloop_now_ms());
}

void
vipd_on_vips(void *arg, struct instance *inst, bool held)
{
	struct vipd *v = arg;

	lb_dr_vips_held(&v->lb, &inst->conf, held);
}

size_t
vipd_service_tracks(void *arg, const struct instance *inst,
    struct track_obj *objs, size_t max)
{
	struct vipd *v = arg;

	return lb_track_objs(&v->lb, &inst->conf, objs, max);
}

bool
vipd_service_track(void *arg, const struct lb_service *svc, char *detail,
    size_t len)
{
	struct vipd *v = arg;
	const char *why;

	for (size_t k = 0; k < svc->conf.ntrack_scripts; k++)
		if (!health_script_up(&v->health, svc->conf.track_scripts[k],
		    &why)) {
			snprintf(detail, len, "%s %s", svc->conf.track_scripts[k],
			    why[0] != '\0' ? why : "failing");
			return false;
		}
	for (size_t k = 0; k < svc->conf.ntrack_procs; k++)
		for (size_t j = 0; j < v->conf->ntrack_processes; j++) {
			if (strcmp(v->conf->track_processes[j].name,
			    svc->conf.track_procs[k]) != 0)
				continue;
			if (proc_watch_up(&v->health.procs, j))
				break;
			snprintf(detail, len, "%s %s", svc->conf.track_procs[k],
			    proc_watch_detail(&v->health.procs, j));
			return false;
		}
	return true;
}

void
vipd_service_quorum(void *arg, const struct lb_service *svc)
{
	struct vipd *v = arg;

	(void)svc;
	health_evaluate_all(&v->health, evloop_now_ms());
}

/* ---- connection sync --------------------------------------------------- */

/* Whether inst is conn_sync.follow or a member of that group. */
static bool
sync_follows(const struct vipd *v, const struct instance *inst)
{
	const struct conf_conn_sync *cs = &v->conf->conn_sync;
	const struct sync_group *g;

	if (!cs->follow_is_group)
		return strcmp(inst->conf.name, cs->follow) == 0;
	g = sync_groups_of(&v->groups, inst);
	return g != NULL && strcmp(g->conf->name, cs->follow) == 0;
}

/*
 * The followed instances do not preempt while the connection table is on
 * its way (lib/ctsync/ct_recv.h, ct_recv_table_pending): one log line when the
 * wait starts and one when it ends, with why.
 */
static void
sync_table_hold(struct vipd *v, uint64_t now_ms)
{
	bool hold = v->sync != NULL && ct_sync_table_pending(v->sync, now_ms);
	struct ct_sync_status st = { 0 };

	/* Every iteration: nothing to walk while no hold is or was on. */
	for (size_t i = 0; (hold || v->table_hold) && i < v->ninstances; i++)
		instance_set_table_hold(v->instances[i], hold &&
		    sync_follows(v, v->instances[i]));
	if (hold == v->table_hold)
		return;
	v->table_hold = hold;
	if (v->sync != NULL)
		ct_sync_status(v->sync, &st);
	if (hold)
		log_info("conn_sync: %s does not preempt until the connection "
		    "table is here (at most %d s)", v->conf->conn_sync.follow,
		    CT_RECV_TABLE_WAIT_MS / 1000);
	else
		log_info("conn_sync: %s may preempt again: %s",
		    v->conf->conn_sync.follow, v->sync == NULL ?
		    "conn_sync is not running" : st.synced ?
		    "the connection table is here" :
		    st.role == CT_SYNC_SENDER ? "it is master" :
		    !st.peer_heard ? "nothing heard from the peer's conn_sync" :
		    "the table did not come in time");
}

/* conn_sync.follow (an instance, or a group: all members) master: we send. */
void
vipd_sync_follow(struct vipd *v)
{
	const struct conf_conn_sync *cs = &v->conf->conn_sync;
	enum vrrp_state state = VRRP_STATE_INIT;

	if (v->sync != NULL) {
		if (cs->follow_is_group)
			sync_groups_state(&v->groups, cs->follow, &state);
		for (size_t i = 0; i < v->ninstances && !cs->follow_is_group; i++)
			if (strcmp(v->instances[i]->conf.name, cs->follow) == 0)
				state = instance_state(v->instances[i]);
		ct_sync_set_role(v->sync, state == VRRP_STATE_MASTER,
		    evloop_now_ms());
	}
	sync_table_hold(v, evloop_now_ms());
}

/*
 * conn_sync.select that no flow of some balancer service can match: their
 * connections would not survive a takeover. A warning, not an error (a
 * pair may sync only part on purpose), naming them; on stderr for -t.
 */
void
vipd_sync_select_warn(const struct conf *c, bool to_stderr)
{
	char names[256];
	size_t n = ct_select_uncovered(c, NFT_VIPD_CT_MARK, names,
	    sizeof(names));

	if (n == 0)
		return;
	if (to_stderr)
		fprintf(stderr, "%s:%d: warning: conn_sync.select: matches no "
		    "flow of the balancer's service%s %s: their connections "
		    "are not synced\n", c->path, c->conn_sync.select.line,
		    n > 1 ? "s" : "", names);
	else
		log_warn("%s:%d: conn_sync.select: matches no flow of the "
		    "balancer's service%s %s: their connections are not synced",
		    c->path, c->conn_sync.select.line, n > 1 ? "s" : "", names);
}

/* (Re)start conn_sync as v->conf says (start, and a reload that changed it). */
void
vipd_sync_restart(struct vipd *v)
{
	int err;

	if (v->sync != NULL) {
		ct_sync_close(v->sync);
		free(v->sync);
		v->sync = NULL;
	}
	v->sync_retry_ms = 0;
	if (!v->conf->conn_sync.enabled)
		return;
	vipd_sync_select_warn(v->conf, false);
	if ((v->sync = malloc(sizeof(*v->sync))) == NULL ||
	    (err = ct_sync_open(v->sync, &v->conf->conn_sync, &v->loop,
	    v->state_dir, evloop_now_ms())) < 0) {
		/* E.g. the sync interface is not there yet: try again later. */
		log_err("conn_sync: not running (see above); trying again in "
		    "%d s", VIPD_SYNC_RETRY_MS / 1000);
		free(v->sync);
		v->sync = NULL;
		v->sync_retry_ms = evloop_now_ms() + VIPD_SYNC_RETRY_MS;
		return;
	}
	vipd_sync_follow(v);
}

void
vipd_sync_tick(struct vipd *v, uint64_t now_ms)
{
	if (v->sync != NULL)
		ct_sync_tick(v->sync, now_ms);
	else if (v->sync_retry_ms != 0 && now_ms >= v->sync_retry_ms)
		vipd_sync_restart(v);
}

uint64_t
vipd_sync_deadline(const struct vipd *v)
{
	return v->sync != NULL ? ct_sync_next_deadline(v->sync) : v->sync_retry_ms;
}
