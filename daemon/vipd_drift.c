/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_drift - kernel state vipd owns, changed from outside, put back.
 *
 * What vipd owns and who watches it:
 *  - table inet vipd (balancer, accept-mode filter, peer_filter) and
 *    table netdev vipd (dr services): nft_monitor, which reports only
 *    transactions of other processes, so vipd's own never count;
 *  - a MASTER's VIPs: RTM_DELADDR (netlink deletion events); the desired
 *    state (the VIPs belong in from ADD_VIPS to REMOVE_VIPS) decides, so a
 *    VIP vipd removed on its way to BACKUP is never put back;
 *  - the VMAC macvlan: RTM_DELLINK, re-created by instance_resolve();
 *  - virtual_routes/rules, excluded and static entries: RTM_DELROUTE,
 *    RTM_DELRULE, put back by vipd_statics / instance_routes;
 *  - an announced service's route: RTM_NEWROUTE / RTM_DELROUTE with the
 *    route (lb_route_event, which lets our own changes pass: they agree
 *    with the desired state), put back by lb_route_repair.
 * nft tables and VIPs are checked DRIFT_COALESCE_MS after the first event
 * (lib/base/drift.h): a flush ruleset is one rebuild, not one per object.
 * Every repair is counted per kind (drift_repairs in the status JSON and
 * the metrics) and logged, one line per object, rate-limited per kind.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <sys/epoll.h>

#include "os/log.h"
#include "os/nl_route.h"
#include "vrrp/accept_filter.h"
#include "vrrp/instance_vips.h"
#include "vrrp/peer_filter.h"
#include "vipd.h"

/* A rebuild nftables refused is tried again this much later. */
#define VIPD_DRIFT_RETRY_MS 1000

static void
drift_nft_event(void *arg, unsigned tables, unsigned deleted, bool lost)
{
	struct vipd *v = arg;

	v->drift.nft_tables |= tables;
	v->drift.nft_deleted |= deleted;
	v->drift.nft_lost = v->drift.nft_lost || lost;
	drift_note(&v->drift.d, DRIFT_NFT_TABLE, evloop_now_ms());
}

static void
drift_nft_readable(struct evloop_watch *w, uint32_t events)
{
	struct vipd *v = w->arg;
	int err;

	(void)events;
	if ((err = nft_monitor_read(&v->drift.mon)) < 0)
		log_warn("nftables: reading change events: %s", strerror(-err));
}

void
vipd_drift_open(struct vipd *v)
{
	int err;

	drift_init(&v->drift.d);
	v->env.drift = &v->drift.d;
	if (v->nft.ctx == NULL)
		return;
	if ((err = nft_monitor_open(&v->drift.mon, drift_nft_event, v)) < 0) {
		log_err("nftables: cannot watch changes (%s): tables %s and %s "
		    "flushed or deleted from outside are not put back",
		    strerror(-err), NFT_TABLE, "netdev " NFT_TABLE_NAME);
		return;
	}
	v->drift.watch = (struct evloop_watch){ nft_monitor_fd(&v->drift.mon),
	    drift_nft_readable, v };
	if ((err = evloop_add(&v->loop, &v->drift.watch, EPOLLIN)) < 0) {
		log_err("nftables: cannot watch changes: %s", strerror(-err));
		nft_monitor_close(&v->drift.mon);
		return;
	}
	v->drift.watching = true;
}

void
vipd_drift_close(struct vipd *v)
{
	if (v->drift.watching)
		evloop_del(&v->loop, &v->drift.watch);
	v->drift.watching = false;
	nft_monitor_close(&v->drift.mon);
}

void
vipd_drift_stop(struct vipd *v)
{
	v->drift.stopping = true;
}

static void
drift_route_event(void *arg, int type, const struct netlink_route *r)
{
	struct vipd *v = arg;

	if (lb_route_event(&v->lb, type, r))
		drift_note(&v->drift.d, DRIFT_ANNOUNCE_ROUTE, evloop_now_ms());
}

void
vipd_drift_routes(struct vipd *v)
{
	int err;

	v->lb.drift = &v->drift.d;
	if (v->drift.routes_watching || !lb_route_wanted(&v->lb))
		return;
	if ((err = netlink_watch_routes(&v->nl, drift_route_event, v)) < 0) {
		log_err("netlink: cannot watch routes (%s): announced routes "
		    "deleted from outside are put back within %d s only",
		    strerror(-err), 10);
		return;
	}
	v->drift.routes_watching = true;
	v->lb.route_events = true;
}

void
vipd_drift_deleted(struct vipd *v, int type)
{
	if (type == RTM_DELADDR)
		drift_note(&v->drift.d, DRIFT_ADDRESS, evloop_now_ms());
}

static void
drift_nft_said(struct vipd *v, const char *table, bool ok, bool deleted,
    const char *err, uint64_t now_ms)
{
	uint64_t suppressed = 0;

	if (!drift_record(&v->drift.d, DRIFT_NFT_TABLE, ok, now_ms, &suppressed))
		return;
	if (ok)
		log_warn("nftables: table %s was %s from outside, restored (%"
		    PRIu64 " similar lines suppressed)", table, deleted ?
		    "deleted" : "changed", suppressed);
	else
		log_err("nftables: table %s was %s from outside and cannot be "
		    "restored: %s (%" PRIu64 " similar lines suppressed)", table,
		    deleted ? "deleted" : "changed", err, suppressed);
}

/*
 * Table inet vipd whole again, as at start: an empty table replaces what
 * is left (a rule deleted, a set flushed: the rest may be stale), then
 * each part adds its objects from the state in memory. Conntrack is not
 * the table's: established flows keep their NAT bindings.
 */
static void
drift_restore_inet(struct vipd *v, bool deleted, uint64_t now_ms)
{
	bool lb_first = deleted && v->lb.nservices > 0;
	char err[256];
	int rc;

	/*
	 * Deleted whole, nothing stale is left: the balancer goes first, its
	 * transaction re-creating the table, for established NAT flows have
	 * no NAT hook until it commits (one libnftables run, not three).
	 */
	if (lb_first)
		rc = lb_restore(&v->lb, err, sizeof(err));
	else
		rc = nft_table_reset(&v->nft, err, sizeof(err));
	if (rc == 0 && v->conf->global.npeer_filter > 0)
		rc = peer_filter_apply(&v->nft, &v->conf->global, err,
		    sizeof(err));
	if (rc == 0 && (rc = accept_filter_setup(&v->nft, err,
	    sizeof(err))) == 0) {
		v->env.accept_filter_ok = true;
		for (size_t i = 0; i < v->ninstances; i++)
			instance_vips_accept_filter_restore(v->instances[i],
			    &v->env);
	}
	if (rc == 0 && v->lb.nservices > 0 && !lb_first)
		rc = lb_restore(&v->lb, err, sizeof(err));
	drift_nft_said(v, NFT_TABLE, rc == 0, deleted, err, now_ms);
	if (rc < 0) {
		/* Refused (a table of that name someone else owns?): again. */
		v->drift.nft_tables |= NFT_MONITOR_INET;
		drift_retry_at(&v->drift.d, DRIFT_NFT_TABLE,
		    now_ms + VIPD_DRIFT_RETRY_MS);
	}
}

static void
drift_check_nft(struct vipd *v, uint64_t now_ms)
{
	unsigned tables = v->drift.nft_tables, deleted = v->drift.nft_deleted;
	bool lost = v->drift.nft_lost;

	v->drift.nft_tables = v->drift.nft_deleted = 0;
	v->drift.nft_lost = false;
	if (v->drift.stopping || v->nft.ctx == NULL)
		return;
	if (lost)
		log_warn("nftables: change events lost: tables rebuilt");
	if (tables & NFT_MONITOR_INET)
		drift_restore_inet(v, (deleted & NFT_MONITOR_INET) != 0, now_ms);
	if ((tables & NFT_MONITOR_NETDEV) && lb_has_dr(&v->lb)) {
		lb_restore_dr(&v->lb, now_ms);
		/* A refused rebuild leaves dr_rebuild set (and is retried). */
		drift_nft_said(v, "netdev " NFT_TABLE_NAME, !v->lb.dr_rebuild,
		    (deleted & NFT_MONITOR_NETDEV) != 0, v->lb.last_error,
		    now_ms);
	}
}

void
vipd_drift_tick(struct vipd *v, uint64_t now_ms)
{
	if (drift_take_due(&v->drift.d, DRIFT_NFT_TABLE, now_ms))
		drift_check_nft(v, now_ms);
	if (drift_take_due(&v->drift.d, DRIFT_ADDRESS, now_ms) &&
	    !v->drift.stopping)
		for (size_t i = 0; i < v->ninstances; i++)
			(void)instance_vips_repair(v->instances[i], &v->env,
			    now_ms);
	if (drift_take_due(&v->drift.d, DRIFT_ANNOUNCE_ROUTE, now_ms) &&
	    !v->drift.stopping)
		lb_route_repair(&v->lb, now_ms);
}

uint64_t
vipd_drift_deadline(const struct vipd *v)
{
	return drift_deadline(&v->drift.d);
}
