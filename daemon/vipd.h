/*
 * vipd.h - the daemon's one context, shared by daemon/vipd.c (start-up,
 * sockets, reload, event loop) and daemon/vipd_ctl.c (control requests).
 * Nothing in lib/ sees it.
 */
#ifndef VIPD_DAEMON_H
#define VIPD_DAEMON_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "ct_sync.h"
#include "ctl.h"
#include "dump.h"
#include "evloop.h"
#include "ifsock.h"
#include "instance.h"
#include "lb.h"
#include "metrics.h"
#include "nl.h"
#include "nft.h"
#include "health.h"
#include "notify.h"
#include "script.h"
#include "sync_group.h"

#define VIPD_VERSION "0.1.0"
#define VIPD_DEFAULT_PID_FILE "/run/vipd/vipd.pid"
#define VIPD_MAX_DRILLS 8
#define VIPD_DRILL_DEFAULT_HOLD_S 5.0
#define VIPD_SYNC_RETRY_MS 5000      /* conn_sync that could not open */
#define VIPD_STATUS_TIMELINE 5       /* transitions in `vipctl status` text */


struct vipd {
	/* command line */
	const char *config_path;
	const char *pid_file;
	const char *state_dir_override;
	bool foreground;
	int log_level;

	/* running configuration and what it runs */
	struct conf *conf;
	char state_dir[PATH_MAX];
	char router_id[CONF_NAME_MAX];
	struct instance **instances;
	size_t ninstances;
	struct ifsock_table socks;

	/* OS handles */
	struct evloop loop;
	struct netlink nl;
	struct evloop_watch nl_watch;
	struct nft nft;              /* table inet vipd (lib/nft.h) */
	struct lb lb;                /* virtual_services (lib/lb.h) */
	struct ct_sync *sync;        /* conn_sync (lib/ct_sync.h); NULL when off */
	uint64_t sync_retry_ms;      /* conn_sync failed to open: next try, or 0 */
	struct instance_env env;
	struct ctl ctl;
	struct metrics metrics;      /* off unless global.metrics_listen */
	struct script_runner scripts;/* every script vipd starts (lib/script.h) */
	struct health health;        /* track_* (lib/health.h) */
	struct notify notify;        /* notify scripts and FIFO (lib/notify.h) */
	struct sync_groups groups;   /* sync_groups (lib/sync_group.h) */
	struct {
		struct instance *inst;
		struct ctl_ticket ticket;
	} drills[VIPD_MAX_DRILLS];   /* vipctl drill requests waiting for the end */
	size_t ndrills;

	/* requests from signals, carried out between event batches */
	unsigned stop_requests;      /* a second one cuts a hand-over short */
	bool reload_requested, dump_requested, stats_requested;

	uint64_t started_ms;
	uint64_t reloads, reloads_refused;
	uint64_t unmatched_drops[VRRP_DROP__COUNT];
	struct log_ratelimit unmatched_log;
};

/* vipd.c */
struct dump_view vipd_view(struct vipd *v);
int vipd_reload(struct vipd *v, char *why, size_t why_len);

/* vipd_ctl.c */
int vipd_ctl_request(void *arg, const struct ctl_request *req, FILE *out,
		     struct ctl_ticket *ticket);
/* Open, move or close the metrics endpoint as v->conf says. */
void vipd_metrics_apply(struct vipd *v);
/* Answer every finished drill, and the drills of `going` (being stopped). */
void vipd_answer_drills(struct vipd *v, const struct instance *going);

#endif
