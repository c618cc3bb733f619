/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd.h - the daemon's one context, shared by daemon/vipd.c (start-up,
 * event loop, signals, stop), vipd_timers.c (the modules' timers),
 * vipd_privs.c (capabilities, open-files limit), vipd_vrrp.c (advert
 * sockets, packet dispatch, link events), vipd_reload.c (reload),
 * vipd_services.c (health, nftables, balancer, conn_sync), vipd_ctl.c
 * (control requests), vipd_drills.c (drills waiting for their answer),
 * vipd_view.c (what the dumps show) and vipd_metrics.c (the metrics
 * endpoint), and what each of them offers the others. Nothing in lib/
 * sees it.
 */
#ifndef VIPD_DAEMON_H
#define VIPD_DAEMON_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bfd/bfd_run.h"
#include "conf/conf.h"
#include "ctsync/ct_sync.h"
#include "ctl/ctl.h"
#include "ctl/dump.h"
#include "os/evloop.h"
#include "vrrp/ifsock.h"
#include "vrrp/instance.h"
#include "lb/lb.h"
#include "ctl/metrics.h"
#include "os/nl.h"
#include "os/nft.h"
#include "os/nft_monitor.h"
#include "base/drift.h"
#include "health/health.h"
#include "health/notify.h"
#include "health/script_audit.h"
#include "os/script.h"
#include "os/sdnotify.h"
#include "health/sync_group.h"

#define VIPD_VERSION "0.1.0"
#define VIPD_DEFAULT_PID_FILE "/run/vipd/vipd.pid"
#define VIPD_MAX_DRILLS 8
#define VIPD_DRILL_DEFAULT_HOLD_S 5.0
#define VIPD_SYNC_RETRY_MS 5000      /* conn_sync that could not open */
#define VIPD_STATUS_TIMELINE 5       /* transitions in `vipctl status` text */
#define VIPD_MAX_BFD_PROBES 64       /* master_down_bfd probes at once */

/* master_down_bfd: the probe of one instance's master (vipd_bfd.c). */
struct vipd_bfd_probe {
	bool used;
	char inst[CONF_NAME_MAX];
	char session[CONF_BFD_NAME_MAX]; /* whose down waits for the answer */
	struct addr target;
	int ifindex;
	uint64_t sent_ms, until_ms;
	bool answered;
	bool decide;                     /* decide again at answer / until_ms */
	/*
	 * Answered while the session is down: probe again then, for the
	 * answer may have come from a kernel whose links were about to go;
	 * told: the wait is logged once a failure.
	 */
	uint64_t reprobe_ms;
	bool told;
};


/* static_addresses, static_routes, static_rules (vipd_statics.c). */
struct vipd_statics {
	uint8_t addr_owned[(CONF_ROUTES_MAX + 7) / 8];  /* added by us */
	uint8_t route_owned[(CONF_ROUTES_MAX + 7) / 8];
	uint8_t rule_owned[(CONF_ROUTES_MAX + 7) / 8];
	bool watching;               /* deletion events subscribed */
	bool dirty;                  /* a deletion was seen: check them */
	bool stopping;
	uint64_t restored, errors;
	struct log_ratelimit log;
};

/* Kernel state changed from outside, put back (vipd_drift.c). */
struct vipd_drift {
	struct drift d;              /* windows, counters, log buckets */
	struct nft_monitor mon;
	struct evloop_watch watch;
	bool watching;
	bool stopping;               /* our own removals at stop stay removed */
	unsigned nft_tables, nft_deleted;   /* NFT_MONITOR_* seen changed */
	bool nft_lost;
	bool routes_watching;        /* route events go to lb_route_event */
};

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
	struct nft nft;              /* table inet vipd (lib/os/nft.h) */
	struct lb lb;                /* virtual_services (lib/lb/lb.h) */
	struct vipd_lbcount *lbcount;/* its connection counts (vipd_lbcount.c) */
	struct ct_sync *sync;        /* conn_sync (lib/ctsync/ct_sync.h); NULL when off */
	uint64_t sync_retry_ms;      /* conn_sync failed to open: next try, or 0 */
	bool table_hold;             /* followed instances wait for the table */
	struct instance_env env;
	struct ctl ctl;
	struct metrics metrics;      /* off unless global.metrics_listen */
	struct script_runner scripts;/* every script vipd starts (lib/os/script.h) */
	struct health health;        /* track_* (lib/health/health.h) */
	struct notify notify;        /* notify scripts and FIFO (lib/health/notify.h) */
	struct sync_groups groups;   /* sync_groups (lib/health/sync_group.h) */
	struct vipd_statics statics; /* static_* (vipd_statics.c) */
	struct vipd_drift drift;     /* outside changes put back (vipd_drift.c) */
	struct bfd_run bfd;          /* bfd_sessions (lib/bfd/bfd_run.h) */
	int bfd_probe_fd;            /* master_down_bfd's ARP socket, -1 none */
	struct evloop_watch bfd_probe_watch;
	int bfd_probe6_fd;           /* its ICMPv6 (NS / NA) socket, -1 none */
	struct evloop_watch bfd_probe6_watch;
	struct vipd_bfd_probe bfd_probes[VIPD_MAX_BFD_PROBES];
	struct log_ratelimit bfd_log;
	struct sdnotify sd;          /* systemd notify and watchdog (vipd_sdnotify.c) */
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
	/*
	 * Two limiters: other VRRP groups' adverts (debug) arrive all the time
	 * on a shared LAN and must not use up what real warnings may log.
	 */
	struct log_ratelimit unmatched_log;
	struct log_ratelimit unmatched_vrid_log;
};

/* vipd_view.c */
/* What every dump shows, nft counters read just now. */
struct dump_view vipd_view(struct vipd *v);
/* SIGUSR1: STATE_DIR/vipd.data and vipd.json; SIGUSR2: vipd.stats. */
void vipd_view_write_dumps(struct vipd *v);
void vipd_view_write_stats(struct vipd *v);

/* vipd_timers.c */
/* Tick every module whose timers are due; the earliest deadline, or 0. */
void vipd_timers_tick(struct vipd *v, uint64_t now_ms);
uint64_t vipd_timers_next_deadline(const struct vipd *v);

/* vipd_privs.c */
/* Before anything is opened: -1 (told on stderr) without NET_ADMIN/NET_RAW. */
int vipd_check_privs(void);
/* The open-files soft limit up to the hard one (probes hold sockets). */
void vipd_raise_nofile(void);
/* Sockets are open: keep only the capabilities a running vipd needs. */
void vipd_drop_privs(void);

/* vipd_reload.c */
/* Load and apply the config file again; why gets the outcome in a line. */
int vipd_reload(struct vipd *v, char *why, size_t why_len);

/* vipd_vrrp.c */
/* One instance per conf instance, not started; *out is allocated. */
int vipd_build_instances(const struct conf *conf, struct instance ***out);
/* Resolve inst's interface, give it its advert socket, start its FSM. */
void vipd_start_instance(struct vipd *v, struct instance *inst,
			 uint64_t now_ms);
/* ifsock callback: one received packet to the instance it is for. */
void vipd_handle_packet(void *arg, struct ifsock *s, const uint8_t *pkt,
			size_t len);
/* ifsock_prune() callback: does an instance still use ifname? */
bool vipd_interface_in_use(void *arg, const char *ifname);
/* Netlink link event (and the watch that reads them). */
void vipd_on_link(void *arg, int ifindex, const char *ifname);
void vipd_netlink_readable(struct evloop_watch *w, uint32_t events);
/* The loop woke: after a stall, queued adverts before any timer. */
void vipd_vrrp_wake(void *arg, uint64_t now_ms);

/* vipd_services.c */
/* instance_env.on_transition: notify scripts and FIFO of an instance. */
/* vipd_statics.c */
void vipd_statics_start(struct vipd *v);
void vipd_statics_after_events(struct vipd *v, bool overrun);
/* A link changed: its routes may be gone without a deletion event. */
void vipd_statics_link_changed(struct vipd *v);
void vipd_statics_stop(struct vipd *v);
void vipd_statics_reload(struct vipd *v, const struct conf *next);

void vipd_on_rx_lower_pri(void *arg, struct instance *inst, uint64_t now_ms);
/* vipd_sdnotify.c */
void vipd_sdnotify_open(struct vipd *v);
void vipd_sdnotify_ready(struct vipd *v);
void vipd_sdnotify_transition(struct vipd *v);
void vipd_sdnotify_reloading(struct vipd *v);
void vipd_sdnotify_reloaded(struct vipd *v, bool accepted);
void vipd_sdnotify_stopping(struct vipd *v);
void vipd_sdnotify_tick(struct vipd *v, uint64_t now_ms);
uint64_t vipd_sdnotify_deadline(const struct vipd *v);

/* instance_env.on_vips: dr services behind its VMAC follow the holder. */
void vipd_on_vips(void *arg, struct instance *inst, bool held);
void vipd_on_transition(void *arg, struct instance *inst,
			const struct vrrp_actions *a, uint64_t now_ms);
/* conf's scripts, FIFO, tracking and groups over v->instances. */
void vipd_health_configure(struct vipd *v, const struct conf *conf,
			   uint64_t now_ms);
/* Reset table inet vipd, add peer_filter and the accept-mode filter. */
void vipd_open_nft(struct vipd *v);
/* global.peer_filter into the kernel; when: "start" or "reload" (logs). */
void vipd_peer_filter_apply(struct vipd *v, const char *when);
/* Balancer rules for v->conf's virtual_services; when as above. */
void vipd_lb_configure(struct vipd *v, const char *when);
/* health.extra: the services whose quorum weighs on inst. */
size_t vipd_service_tracks(void *arg, const struct instance *inst,
			   struct track_obj *objs, size_t max);
/* lb.announce_track: an announced service's track_scripts/processes up. */
bool vipd_service_track(void *arg, const struct lb_service *svc, char *detail,
			size_t len);
/* lb.on_quorum: a service's quorum changed, priorities may too. */
void vipd_service_quorum(void *arg, const struct lb_service *svc);
/* conn_sync: role from the followed instance or group, (re)start, timers. */
void vipd_sync_follow(struct vipd *v);
void vipd_sync_restart(struct vipd *v);
/* Warn of a conn_sync.select that leaves balancer services out. */
void vipd_sync_select_warn(const struct conf *c, bool to_stderr);
void vipd_sync_tick(struct vipd *v, uint64_t now_ms);
uint64_t vipd_sync_deadline(const struct vipd *v);

/* A conf_lb_warnings line to the log (vipd_reload.c; arg unused). */
void log_conf_warning(void *arg, const char *line);

/* vipd_lbcount.c: conntrack -> lb_conn_event while lb_counts_wanted(). */
struct vipd_lbcount;
void vipd_lbcount_update(struct vipd *v);
void vipd_lbcount_tick(struct vipd *v, uint64_t now_ms);
uint64_t vipd_lbcount_deadline(const struct vipd *v);
void vipd_lbcount_close(struct vipd *v);

/* vipd_bfd.c */
/* The sessions' random seed, hooks; health reads them. 0 or -errno. */
int vipd_bfd_open(struct vipd *v);
/* conf's bfd_sessions (start and reload), the probe socket if needed. */
void vipd_bfd_configure(struct vipd *v, const struct conf *conf,
			uint64_t now_ms);
void vipd_bfd_tick(struct vipd *v, uint64_t now_ms);
uint64_t vipd_bfd_deadline(const struct vipd *v);
void vipd_bfd_close(struct vipd *v);

/* vipd_drift.c */
/* After vipd_open_nft(): the nft change monitor on the loop. */
void vipd_drift_open(struct vipd *v);
void vipd_drift_close(struct vipd *v);
/* Graceful stop begins: nothing is put back from now on. */
void vipd_drift_stop(struct vipd *v);
/* A netlink deletion event (RTM_DELADDR, ...). */
void vipd_drift_deleted(struct vipd *v, int type);
/* Watch route events once a service announces (start, reload). */
void vipd_drift_routes(struct vipd *v);
void vipd_drift_tick(struct vipd *v, uint64_t now_ms);
uint64_t vipd_drift_deadline(const struct vipd *v);

/* vipd_ctl.c */
int vipd_ctl_request(void *arg, const struct ctl_request *req, FILE *out,
		     struct ctl_ticket *ticket);

/* vipd_metrics.c */
/* Open, move or close the metrics endpoint as v->conf says. */
void vipd_metrics_apply(struct vipd *v);

/* vipd_drills.c */
/* No room for one more waiting drill (VIPD_MAX_DRILLS). */
bool vipd_drills_full(const struct vipd *v);
/* The client of inst's drill waits for its answer (room checked before). */
void vipd_drills_wait(struct vipd *v, struct instance *inst,
		      const struct ctl_ticket *ticket);
/* Answer every finished drill, and the drills of `going` (being stopped). */
void vipd_drills_answer(struct vipd *v, const struct instance *going);

#endif
