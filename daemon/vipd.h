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
#include "ctl.h"
#include "dump.h"
#include "evloop.h"
#include "ifsock.h"
#include "instance.h"
#include "nl.h"

#define VIPD_VERSION "0.1.0"
#define VIPD_DEFAULT_PID_FILE "/run/vipd/vipd.pid"
#define VIPD_MAX_DRILLS 8
#define VIPD_DRILL_DEFAULT_HOLD_S 5.0


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
	struct instance_env env;
	struct ctl ctl;
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
int vipd_ctl_request(void *arg, const char *cmd, FILE *out,
		     struct ctl_ticket *ticket);
/* Answer every finished drill, and the drills of `going` (being stopped). */
void vipd_answer_drills(struct vipd *v, const struct instance *going);

#endif
