/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd - VRRP failover daemon.
 *
 * This file wires the modules of lib/ together around one struct vipd: it
 * parses the command line, loads the config, opens the OS handles in their
 * order (event loop, netlink, AF_PACKET, nftables, control socket) and
 * closes them, drops privileges, runs the event loop, and turns signals
 * into reload, dumps and a graceful stop. The rest of the daemon is one
 * file per job (see vipd.h): vipd_timers.c (every module's timers),
 * vipd_privs.c (capabilities, open-files limit), vipd_vrrp.c (advert
 * sockets, packet dispatch, link events), vipd_reload.c (reload and the
 * instance diff), vipd_services.c (health, nftables, balancer, conn_sync),
 * vipd_ctl.c (control requests), vipd_drills.c, vipd_view.c (dumps) and
 * vipd_metrics.c.
 * Protocol decisions live in lib/vrrp/vrrp_fsm.c; OS effects of an instance in
 * lib/vrrp/instance.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ctl/ctl.h"
#include "ctl/dump.h"
#include "os/evloop.h"
#include "vrrp/ifsock.h"
#include "vrrp/instance.h"
#include "os/log.h"
#include "os/nl.h"
#include "os/proc.h"
#include "vrrp/vrrp_auth.h"
#include "vrrp/announce.h"
#include "os/nft.h"
#include "vipd.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vipd [options]\n"
	    "  -f, --config FILE     configuration (default %s)\n"
	    "  -n, --foreground      do not fork; log to stderr as well as syslog\n"
	    "  -t, --config-test     validate the configuration and exit 0/1\n"
	    "  -p, --pid-file FILE   (default %s)\n"
	    "  -S, --state-dir DIR   dumps and control socket (default %s)\n"
	    "  -l, --log-level LEVEL err|warning|notice|info|debug (default info)\n"
	    "  -V, --version\n"
	    "  -h, --help\n", CONF_DEFAULT_PATH, VIPD_DEFAULT_PID_FILE,
	    CONF_DEFAULT_STATE_DIR);
}

static void
print_conf_errors(FILE *f, const struct conf_errors *errs, const char *prefix)
{
	for (size_t i = 0; i < errs->stored; i++)
		fprintf(f, "%s%s\n", prefix, errs->msg[i]);
	if (errs->count > errs->stored)
		fprintf(f, "%s(%zu more errors)\n", prefix, errs->count - errs->stored);
}

static void
print_conf_warnings(FILE *f, const struct conf_errors *errs)
{
	for (size_t i = 0; i < errs->nwarn; i++)
		fprintf(f, "%s\n", errs->warn[i]);
}

/* ---- event loop -------------------------------------------------------- */

static void
on_signal(void *arg, int signo)
{
	struct vipd *v = arg;

	switch (signo) {
	case SIGTERM:
	case SIGINT:
		v->stop_requests++;
		break;
	case SIGHUP:
		v->reload_requested = true;
		break;
	case SIGUSR1:
		v->dump_requested = true;
		break;
	case SIGUSR2:
		v->stats_requested = true;
		break;
	default:
		break;
	}
}

static void
on_timer(void *arg, uint64_t now_ms)
{
	vipd_timers_tick(arg, now_ms);
}

/* ---- start-up ---------------------------------------------------------- */

static int
vipd_parse_args(struct vipd *v, int argc, char **argv, bool *test_only)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "foreground", no_argument, NULL, 'n' },
		{ "config-test", no_argument, NULL, 't' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	v->config_path = CONF_DEFAULT_PATH;
	v->pid_file = VIPD_DEFAULT_PID_FILE;
	v->log_level = LOG_INFO;
	while ((c = getopt_long(argc, argv, "f:ntp:S:l:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			v->config_path = optarg;
			break;
		case 'n':
			v->foreground = true;
			break;
		case 't':
			*test_only = true;
			break;
		case 'p':
			v->pid_file = optarg;
			break;
		case 'S':
			v->state_dir_override = optarg;
			break;
		case 'l':
			if ((v->log_level = log_level_parse(optarg)) < 0) {
				fprintf(stderr, "vipd: unknown log level '%s'\n", optarg);
				return 1;
			}
			break;
		case 'V':
			printf("vipd %s\n", VIPD_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vipd: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	return 0;
}

static int
vipd_open(struct vipd *v)
{
	static const int signals[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 };
	int err;

	if ((err = evloop_init(&v->loop, signals, sizeof(signals) / sizeof(signals[0]),
	    on_signal, on_timer, v)) < 0) {
		log_err("cannot set up the event loop: %s", strerror(-err));
		return err;
	}
	evloop_on_wake(&v->loop, vipd_vrrp_wake);
	if ((err = netlink_open(&v->nl, vipd_on_link, v)) < 0) {
		log_err("cannot open netlink: %s", strerror(-err));
		return err;
	}
	v->nl_watch = (struct evloop_watch){ netlink_event_fd(&v->nl),
	    vipd_netlink_readable, v };
	if ((err = evloop_add(&v->loop, &v->nl_watch, EPOLLIN)) < 0)
		return err;
	if ((v->env.garp_fd = announce_open()) < 0) {
		log_err("cannot open packet socket for gratuitous ARP: %s",
		    strerror(-v->env.garp_fd));
		return v->env.garp_fd;
	}
	v->env.nl = &v->nl;
	v->env.on_transition = vipd_on_transition;
	v->env.on_rx_lower_pri = vipd_on_rx_lower_pri;
	v->env.on_vips = vipd_on_vips;
	v->env.transition_arg = v;
	if ((err = health_init(&v->health, &v->loop, &v->scripts, &v->nl,
	    &v->env)) < 0)
		log_warn("inotify unavailable (%s): track files are read at "
		    "start and reload only", strerror(-err));
	vipd_open_nft(v);
	vipd_drift_open(v);
	lb_init(&v->lb, &v->nft, &v->loop, &v->scripts);
	if ((err = lb_mac_open(&v->lb, &v->nl)) < 0)
		log_warn("neighbour events unavailable (%s): dr services have "
		    "no backend", strerror(-err));
	v->lb.nl = &v->nl;
	/* A crashed run's routes go, as its nft table did (announce). */
	if ((err = lb_route_flush(&v->lb)) < 0)
		log_warn("announce: cannot remove the routes of an earlier run: "
		    "%s", strerror(-err));
	/* Services with a track_weight weigh on their VIP's instance. */
	v->lb.on_quorum = vipd_service_quorum;
	v->lb.on_quorum_arg = v;
	v->lb.announce_track = vipd_service_track;
	v->lb.announce_track_arg = v;
	v->health.extra = vipd_service_tracks;
	v->health.extra_arg = v;
	if ((err = vipd_bfd_open(v)) < 0)
		return err;
	/* Now, so that OpenSSL reads its config at start-up, not on a packet. */
	if (vrrp_auth_init() < 0)
		log_warn("HMAC-MD5 is unavailable in OpenSSL: instances with "
		    "AH authentication will neither send nor accept adverts");
	ifsock_table_init(&v->socks, &v->loop, vipd_handle_packet, v);
	if ((err = ctl_open(&v->ctl, &v->loop, v->state_dir, vipd_ctl_request, v)) < 0)
		log_warn("control socket %s/vipd.sock unavailable: %s", v->state_dir,
		    strerror(-err));
	vipd_metrics_apply(v);
	return 0;
}

static void
vipd_close(struct vipd *v)
{
	for (size_t i = 0; i < v->ninstances; i++) {
		instance_fini(v->instances[i]);
		free(v->instances[i]);
	}
	free(v->instances);
	v->instances = NULL;
	v->ninstances = 0;
	ifsock_table_free(&v->socks);
	vipd_bfd_close(v);
	sync_groups_free(&v->groups);
	health_close(&v->health);
	notify_close(&v->notify);
	script_runner_close(&v->scripts);
	ctl_close(&v->ctl, &v->loop);
	metrics_close(&v->metrics);
	vipd_lbcount_close(v);
	lb_route_close(&v->lb);
	vipd_drift_close(v);
	lb_mac_close(&v->lb);
	lb_close(&v->lb);
	if (v->sync != NULL) {
		ct_sync_close(v->sync);
		free(v->sync);
		v->sync = NULL;
	}
	if (v->env.garp_fd >= 0)
		close(v->env.garp_fd);
	if (v->nft.ctx != NULL) {
		char err[256];

		/* Every rule of ours goes with it: stopped vipd filters nothing. */
		if (nft_table_remove(&v->nft, err, sizeof(err)) < 0)
			log_err("nftables: cannot remove table %s: %s", NFT_TABLE, err);
		nft_close(&v->nft);
	}
	netlink_close(&v->nl);
	sdnotify_close(&v->sd);
	evloop_close(&v->loop);
	conf_free(v->conf);
}

/* ---- running and stopping ---------------------------------------------- */

/* One wait for events, then what signals asked for. */
static int
vipd_iterate(struct vipd *v, bool accept_reload)
{
	char why[CONF_ERROR_LEN];

	evloop_arm(&v->loop, vipd_timers_next_deadline(v));
	if (evloop_run_once(&v->loop, -1) < 0) {
		log_err("event loop: %s", strerror(errno));
		return -1;
	}
	/* Sync groups after the batch: twice, as one decision can lead to one more. */
	sync_groups_evaluate(&v->groups, evloop_now_ms());
	sync_groups_evaluate(&v->groups, evloop_now_ms());
	vipd_sync_follow(v);
	/* Signals act here, after the batch, so no callback sees freed state. */
	if (v->reload_requested) {
		v->reload_requested = false;
		if (accept_reload)
			vipd_reload(v, why, sizeof(why));
		else
			log_warn("reload ignored: stopping");
	}
	if (v->dump_requested) {
		v->dump_requested = false;
		vipd_view_write_dumps(v);
	}
	if (v->stats_requested) {
		v->stats_requested = false;
		vipd_view_write_stats(v);
	}
	if (v->ndrills > 0)
		vipd_drills_answer(v, NULL);
	return 0;
}

static bool
vipd_any_releasing(const struct vipd *v)
{
	for (size_t i = 0; i < v->ninstances; i++)
		if (instance_releasing(v->instances[i]))
			return true;
	return false;
}

/*
 * Stop notify scripts run after the VIPs are gone; give them their time
 * (bounded) before the process exits, as the loop would have.
 */
static void
vipd_wait_notify(struct vipd *v)
{
	uint64_t until = evloop_now_ms() + 5000;

	while (notify_any_busy(&v->notify) && evloop_now_ms() < until) {
		evloop_arm(&v->loop, vipd_timers_next_deadline(v));
		if (evloop_run_once(&v->loop, 100) < 0)
			break;
	}
}

/*
 * Graceful stop. Masters announce priority 0; with make-before-break they
 * keep serving until their successor is heard (bounded by
 * Master_Down_Interval in the state machine), so the loop runs on until
 * the last one has released. Another SIGTERM releases at once.
 */
static void
vipd_stop(struct vipd *v)
{
	unsigned requests = v->stop_requests;
	uint64_t drain_until;

	log_notice("stopping: handing over and releasing VIPs");
	vipd_sdnotify_stopping(v);
	vipd_drift_stop(v);
	/*
	 * Announced services: routes withdrawn first, the data path kept for
	 * their announce_drain_ms while the routers converge.
	 */
	drain_until = lb_route_stop(&v->lb, evloop_now_ms());
	for (size_t i = 0; i < v->ninstances; i++)
		instance_stop(v->instances[i], &v->env, evloop_now_ms());
	while (vipd_any_releasing(v) || evloop_now_ms() < drain_until) {
		if (v->stop_requests != requests) {
			log_notice("stopping now: hand-over cut short by a second "
			    "stop request");
			for (size_t i = 0; i < v->ninstances; i++)
				if (instance_releasing(v->instances[i]))
					instance_stop(v->instances[i], &v->env,
					    evloop_now_ms());
			if (evloop_now_ms() < drain_until)
				log_notice("announce: drain cut short by a second "
				    "stop request");
			break;
		}
		if (vipd_iterate(v, false) < 0)
			break;
	}
	/* A vipctl drill still waiting gets its report before we go. */
	for (size_t i = 0; i < v->ninstances && v->ndrills > 0; i++)
		vipd_drills_answer(v, v->instances[i]);
	for (size_t i = 0; i < v->ninstances; i++)
		instance_release_all(v->instances[i], &v->env);
	vipd_statics_stop(v);
	vipd_wait_notify(v);
}

/* A reading that changed (conf_lb_warnings): on stderr for vipd -t. */
static void
print_conf_warning(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
}

int
main(int argc, char **argv)
{
	struct vipd v;
	struct conf_errors *errs;
	bool test_only = false;
	uint64_t now_ms;
	long other_pid = 0;
	int err;

	memset(&v, 0, sizeof(v));
	v.env.garp_fd = -1;
	v.ctl.fd = -1;
	v.sd.fd = -1;
	metrics_init(&v.metrics);
	/* Before anything can fail: vipd_close() tears these down. */
	script_runner_init(&v.scripts, &v.loop, 0, 0);
	notify_init(&v.notify, &v.scripts);
	sync_groups_init(&v.groups, &v.notify, &v.env);
	v.health.inotify_fd = -1;
	if (vipd_parse_args(&v, argc, argv, &test_only) != 0)
		return 1;
	if ((errs = calloc(1, sizeof(*errs))) == NULL)
		return 1;
	if (conf_load_file(v.config_path, &v.conf, errs) < 0) {
		print_conf_warnings(stderr, errs);
		print_conf_errors(stderr, errs, "");
		free(errs);
		return 1;
	}
	print_conf_warnings(stderr, errs);
	if (script_audit_conf(v.conf, errs) > 0) {
		print_conf_errors(stderr, errs, "");
		free(errs);
		conf_free(v.conf);
		return 1;
	}
	free(errs);
	vipd_sync_select_warn(v.conf, test_only);
	if (test_only) {
		(void)conf_lb_warnings(v.conf, v.config_path,
		    print_conf_warning, stderr);
		printf("%s: configuration OK (%zu instances)\n", v.config_path,
		    v.conf->ninstances);
		conf_free(v.conf);
		return 0;
	}
	if (vipd_check_privs() < 0) {
		conf_free(v.conf);
		return 1;
	}
	snprintf(v.state_dir, sizeof(v.state_dir), "%s", v.state_dir_override ?
	    v.state_dir_override : v.conf->global.state_dir);
	conf_router_id(v.conf, v.router_id, sizeof(v.router_id));
	if ((err = proc_mkdir_p(v.state_dir, 0755)) < 0) {
		fprintf(stderr, "vipd: cannot create state dir %s: %s\n",
		    v.state_dir, strerror(-err));
		conf_free(v.conf);
		return 1;
	}
	if (!v.foreground && (err = proc_daemonize()) < 0) {
		fprintf(stderr, "vipd: cannot daemonize: %s\n", strerror(-err));
		conf_free(v.conf);
		return 1;
	}
	if ((err = proc_write_pid_file(v.pid_file, &other_pid)) < 0) {
		if (err == -EEXIST)
			fprintf(stderr, "vipd: already running as pid %ld (%s)\n",
			    other_pid, v.pid_file);
		else
			fprintf(stderr, "vipd: cannot write pid file %s: %s\n",
			    v.pid_file, strerror(-err));
		conf_free(v.conf);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	log_open("vipd", v.foreground, v.log_level);
	(void)conf_lb_warnings(v.conf, v.config_path, log_conf_warning, NULL);
	vipd_sdnotify_open(&v);
	v.unmatched_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	v.unmatched_vrid_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	v.started_ms = evloop_now_ms();
	vipd_raise_nofile();
	if (vipd_open(&v) < 0 || vipd_build_instances(v.conf, &v.instances) < 0) {
		vipd_close(&v);
		unlink(v.pid_file);
		return 1;
	}
	v.ninstances = v.conf->ninstances;
	log_notice("vipd %s starting: %zu instances, config %s", VIPD_VERSION,
	    v.ninstances, v.config_path);
	vipd_drop_privs();
	now_ms = evloop_now_ms();
	vipd_statics_start(&v);
	/* Tracking first: an instance whose health is bad starts in FAULT. */
	vipd_bfd_configure(&v, v.conf, now_ms);
	vipd_health_configure(&v, v.conf, now_ms);
	for (size_t i = 0; i < v.ninstances; i++)
		vipd_start_instance(&v, v.instances[i], now_ms);
	sync_groups_evaluate(&v.groups, now_ms);
	vipd_lb_configure(&v, "start");
	vipd_sync_restart(&v);
	vipd_sdnotify_ready(&v);

	while (v.stop_requests == 0)
		if (vipd_iterate(&v, true) < 0)
			break;
	vipd_stop(&v);
	vipd_close(&v);
	unlink(v.pid_file);
	log_notice("stopped");
	log_close();
	return 0;
}
