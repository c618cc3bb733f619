/*
 * vipd - VRRP failover daemon.
 *
 * This file wires the modules of lib/ together around one struct vipd: it
 * parses the command line, loads the config, owns the sockets shared between
 * instances (one advert socket per interface, the netlink and AF_PACKET
 * sockets), runs the event loop, and turns signals into reload, dumps and a
 * graceful stop. Protocol decisions live in lib/vrrp_fsm.c; OS effects of an
 * instance in lib/instance.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "dump.h"
#include "evloop.h"
#include "ifsock.h"
#include "instance.h"
#include "log.h"
#include "nl.h"
#include "peer_filter.h"
#include "privs.h"
#include "proc.h"
#include "vrrp_auth.h"
#include "vrrp_pkt.h"
#include "announce.h"
#include "accept_filter.h"
#include "nft.h"
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
log_conf_errors(const struct conf_errors *errs, const char *what)
{
	for (size_t i = 0; i < errs->stored; i++)
		log_err("%s: %s", what, errs->msg[i]);
	if (errs->count > errs->stored)
		log_err("%s: (%zu more errors)", what, errs->count - errs->stored);
}

/* ---- advert sockets ---------------------------------------------------- */

static struct instance *
vipd_find_instance(struct vipd *v, const char *ifname, uint8_t vrid,
    int family)
{
	/* RFC 5798 5.2.3: IPv4 and IPv6 virtual routers number apart. */
	for (size_t i = 0; i < v->ninstances; i++) {
		struct instance *inst = v->instances[i];

		if (inst->conf.vrid == vrid && inst->conf.family == family &&
		    strcmp(inst->conf.interface, ifname) == 0)
			return inst;
	}
	return NULL;
}

static void
vipd_count_unmatched(struct vipd *v, struct ifsock *s, enum vrrp_drop reason,
    const struct vrrp_pkt_meta *meta, uint64_t now_ms)
{
	char text[INET6_ADDRSTRLEN];
	uint64_t suppressed = 0;

	v->unmatched_drops[reason]++;
	/* Adverts of other VRRP groups on a shared LAN are normal: debug only. */
	if (!log_ratelimit_allow(&v->unmatched_log, now_ms, &suppressed))
		return;
	log_msg(reason == VRRP_DROP_VRID ? LOG_DEBUG : LOG_WARNING,
	    "%s: dropped packet from %s: %s (%" PRIu64 " more not logged)",
	    s->ifname, meta && meta->src.family ?
	    vrrp_addr_str(&meta->src, text, sizeof(text)) : "?",
	    vrrp_drop_name(reason), suppressed);
}

static void
vipd_handle_packet(void *arg, struct ifsock *s, const uint8_t *pkt, size_t len)
{
	struct vipd *v = arg;
	uint64_t now_ms = evloop_now_ms();
	struct vrrp_pkt_meta meta;
	struct vrrp_advert adv;
	struct instance *inst;
	const uint8_t *payload;
	size_t plen;
	enum vrrp_drop reason;

	memset(&meta, 0, sizeof(meta));
	/* len 0: larger than any advert can be (ifsock read it with MSG_TRUNC). */
	reason = len == 0 ? VRRP_DROP_LENGTH :
	    vrrp_pkt_parse_ip(pkt, len, &meta, &payload, &plen);
	if (reason != VRRP_DROP_NONE) {
		vipd_count_unmatched(v, s, reason, &meta, now_ms);
		return;
	}
	/*
	 * The VRID picks the instance before the packet is verified, so that
	 * its drops are counted where the operator looks; nothing else of an
	 * unverified packet is used.
	 */
	inst = plen >= 2 ? vipd_find_instance(v, s->ifname, payload[1],
	    meta.src.family) : NULL;
	if (inst == NULL) {
		vipd_count_unmatched(v, s, plen >= 2 ? VRRP_DROP_VRID :
		    VRRP_DROP_TRUNCATED, &meta, now_ms);
		return;
	}
	/* Unicast: the peer list vouches for the sender, not the TTL. */
	meta.any_ttl = inst->conf.npeers > 0;
	reason = vrrp_pkt_decode(payload, plen, &meta, inst->conf.version,
	    &inst->conf.auth, &adv);
	if (reason != VRRP_DROP_NONE) {
		instance_count_drop(inst, reason, &meta.src, now_ms);
		return;
	}
	instance_receive(inst, &v->env, &adv, &meta, now_ms);
}

/* Give inst the advert socket of its interface. */
static void
vipd_attach_socket(struct vipd *v, struct instance *inst)
{
	int fd = ifsock_attach(&v->socks, inst->conf.interface, inst->ifindex);

	if (fd < 0 && fd != -ENODEV)
		log_err("%s: cannot open advert socket on %s: %s", inst->conf.name,
		    inst->conf.interface, strerror(-fd));
	/* An IPv6 instance sends and hears on the interface's IPv6 socket. */
	if (fd >= 0 && inst->conf.family == AF_INET6 &&
	    (fd = ifsock_attach_ipv6(&v->socks, inst->conf.interface)) < 0)
		log_err("%s: cannot open IPv6 advert socket on %s: %s",
		    inst->conf.name, inst->conf.interface, strerror(-fd));
	inst->sock_fd = fd;
	/* AH adverts are IP protocol 51: the advert socket never sees them. */
	if (fd >= 0 && inst->conf.auth.type == VRRP_AUTH_AH &&
	    (fd = ifsock_attach_ah(&v->socks, inst->conf.interface)) < 0)
		log_err("%s: cannot open AH socket on %s: %s", inst->conf.name,
		    inst->conf.interface, strerror(-fd));
}

static bool
vipd_interface_in_use(void *arg, const char *ifname)
{
	struct vipd *v = arg;

	for (size_t i = 0; i < v->ninstances; i++)
		if (strcmp(v->instances[i]->conf.interface, ifname) == 0)
			return true;
	return false;
}

/* ---- instances --------------------------------------------------------- */

static void
vipd_start_instance(struct vipd *v, struct instance *inst, uint64_t now_ms)
{
	/* The socket must exist before an address owner's first advert. */
	instance_resolve(inst, &v->env);
	vipd_attach_socket(v, inst);
	instance_start(inst, &v->env, now_ms);
}

static int
vipd_build_instances(const struct conf *conf, struct instance ***out)
{
	struct instance **list = calloc(conf->ninstances ? conf->ninstances : 1,
	    sizeof(*list));

	if (list == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < conf->ninstances; i++) {
		if ((list[i] = malloc(sizeof(*list[i]))) == NULL) {
			while (i-- > 0)
				free(list[i]);
			free(list);
			return -ENOMEM;
		}
		instance_init(list[i], &conf->instances[i], conf->global.handover);
	}
	*out = list;
	return 0;
}

/* The kernel's answer to instance_resolve() is the truth, not the event. */
static void
on_link(void *arg, int ifindex, const char *ifname)
{
	struct vipd *v = arg;
	uint64_t now_ms = evloop_now_ms();

	for (size_t i = 0; i < v->ninstances; i++) {
		struct instance *inst = v->instances[i];

		/* Its VMAC interface too: deleted by hand, it is re-created. */
		if (strcmp(inst->conf.interface, ifname) != 0 &&
		    inst->ifindex != ifindex && !(inst->conf.use_vmac &&
		    strcmp(inst->conf.vmac_name, ifname) == 0))
			continue;
		instance_resolve(inst, &v->env);
		vipd_attach_socket(v, inst);
		instance_link_update(inst, &v->env, now_ms);
	}
	health_link_event(&v->health, ifname, now_ms);
}

static void
netlink_readable(struct evloop_watch *w, uint32_t events)
{
	struct vipd *v = w->arg;
	int err;

	(void)events;
	if ((err = netlink_read_events(&v->nl)) < 0)
		log_warn("netlink: reading link events: %s", strerror(-err));
	if (v->nl.overrun) {
		/* Events were lost: ask the kernel for every link we care about. */
		v->nl.overrun = false;
		log_warn("netlink: link events lost, re-reading link states");
		for (size_t i = 0; i < v->ninstances; i++)
			on_link(v, v->instances[i]->ifindex,
			    v->instances[i]->conf.interface);
		health_link_all(&v->health, evloop_now_ms());
	}
}

/* ---- health: tracking, notify, sync groups ------------------------------ */

static uint64_t vipd_next_deadline(const struct vipd *v);

/* Every state change of an instance: its notify scripts and FIFO line. */
static void
vipd_on_transition(void *arg, struct instance *inst,
    const struct vrrp_actions *a, uint64_t now_ms)
{
	struct vipd *v = arg;
	struct notify_queue *q = notify_queue_get(&v->notify, "INSTANCE",
	    inst->conf.name);

	if (q != NULL)
		notify_transition(q, &inst->conf.track.notify,
		    a->to == VRRP_STATE_INIT ? "STOP" : vrrp_state_name(a->to),
		    inst->fsm.cfg.priority, now_ms);
}

/* conf's scripts, FIFO, tracking and groups over v->instances. */
static void
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

/*
 * Stop notify scripts run after the VIPs are gone; give them their time
 * (bounded) before the process exits, as the loop would have.
 */
static void
vipd_wait_notify(struct vipd *v)
{
	uint64_t until = evloop_now_ms() + 5000;

	while (notify_any_busy(&v->notify) && evloop_now_ms() < until) {
		evloop_arm(&v->loop, vipd_next_deadline(v));
		if (evloop_run_once(&v->loop, 100) < 0)
			break;
	}
}

/* ---- dumps, reload, stop ----------------------------------------------- */

struct dump_view
vipd_view(struct vipd *v)
{
	uint64_t now_ms = evloop_now_ms();

	/* Every view shows what nft counted just now (dumps, vipctl). */
	(void)lb_read_counters(&v->lb);
	return (struct dump_view){
		.router_id = v->router_id,
		.pid = getpid(),
		.now_ms = now_ms,
		.uptime_ms = now_ms - v->started_ms,
		.instances = v->instances,
		.ninstances = v->ninstances,
		.unmatched_drops = v->unmatched_drops,
		.reloads = v->reloads,
		.reloads_refused = v->reloads_refused,
		.ctl = &v->ctl.stats,
		.metrics = v->metrics.fd >= 0 ? &v->metrics.stats : NULL,
		.lb = &v->lb,
		.health = &v->health,
		.groups = &v->groups,
		.scripts = &v->scripts.counters,
		.notify = &v->notify.counters,
		.sync = v->sync,
	};
}

/* ---- connection sync --------------------------------------------------- */

/* conn_sync.follow (an instance, or a group: all members) master: we send. */
static void
vipd_sync_follow(struct vipd *v)
{
	const struct conf_conn_sync *cs = &v->conf->conn_sync;
	enum vrrp_state state = VRRP_STATE_INIT;

	if (v->sync == NULL)
		return;
	if (cs->follow_is_group)
		sync_groups_state(&v->groups, cs->follow, &state);
	for (size_t i = 0; i < v->ninstances && !cs->follow_is_group; i++)
		if (strcmp(v->instances[i]->conf.name, cs->follow) == 0)
			state = v->instances[i]->fsm.state;
	ct_sync_set_role(v->sync, state == VRRP_STATE_MASTER, evloop_now_ms());
}

/* (Re)start conn_sync as v->conf says (start, and a reload that changed it). */
static void
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
	if ((v->sync = malloc(sizeof(*v->sync))) == NULL ||
	    (err = ct_sync_open(v->sync, &v->conf->conn_sync, &v->loop,
	    evloop_now_ms())) < 0) {
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

static void
vipd_sync_tick(struct vipd *v, uint64_t now_ms)
{
	if (v->sync != NULL)
		ct_sync_tick(v->sync, now_ms);
	else if (v->sync_retry_ms != 0 && now_ms >= v->sync_retry_ms)
		vipd_sync_restart(v);
}

static uint64_t
vipd_sync_deadline(const struct vipd *v)
{
	return v->sync != NULL ? ct_sync_next_deadline(v->sync) : v->sync_retry_ms;
}

/* Balancer rules for v->conf's virtual_services (start and reload). */
static void
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
	/* Tracked services may have come, gone or changed. */
	health_evaluate_all(&v->health, evloop_now_ms());
}

static size_t
vipd_service_tracks(void *arg, const struct instance *inst,
    struct track_obj *objs, size_t max)
{
	struct vipd *v = arg;

	return lb_track_objs(&v->lb, &inst->conf, objs, max);
}

static void
vipd_service_quorum(void *arg, const struct lb_service *svc)
{
	struct vipd *v = arg;

	(void)svc;
	health_evaluate_all(&v->health, evloop_now_ms());
}

static void
vipd_write_dumps(struct vipd *v)
{
	struct dump_view view = vipd_view(v);
	int err;

	if ((err = dump_to_file(v->state_dir, "vipd.data", dump_write_text, &view)) < 0 ||
	    (err = dump_to_file(v->state_dir, "vipd.json", dump_write_json, &view)) < 0)
		log_err("cannot write dump in %s: %s", v->state_dir, strerror(-err));
	else
		log_debug("state written to %s/vipd.data and vipd.json", v->state_dir);
}

static void
vipd_write_stats(struct vipd *v)
{
	struct dump_view view = vipd_view(v);
	int err;

	if ((err = dump_to_file(v->state_dir, "vipd.stats", dump_write_stats, &view)) < 0)
		log_err("cannot write %s/vipd.stats: %s", v->state_dir, strerror(-err));
}

static void
vipd_fill_router_id(struct vipd *v)
{
	if (v->conf->global.router_id[0] != '\0') {
		snprintf(v->router_id, sizeof(v->router_id), "%s",
		    v->conf->global.router_id);
		return;
	}
	if (gethostname(v->router_id, sizeof(v->router_id)) < 0)
		snprintf(v->router_id, sizeof(v->router_id), "vipd");
	v->router_id[sizeof(v->router_id) - 1] = '\0';
}

/* global.peer_filter into the kernel (or out of it when emptied). */
static void
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

static bool
vipd_peer_filter_changed(const struct conf_global *a, const struct conf_global *b)
{
	if (a->npeer_filter != b->npeer_filter)
		return true;
	for (size_t i = 0; i < a->npeer_filter; i++)
		if (vrrp_addr_cmp(&a->peer_filter[i], &b->peer_filter[i]) != 0)
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
		vipd_answer_drills(v, v->instances[j]);
		instance_stop(v->instances[j], &v->env, now_ms);
		if (instance_releasing(v->instances[j]))
			instance_stop(v->instances[j], &v->env, now_ms);
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
	conf_free(v->conf);
	v->conf = next;
	if (sync_changed)
		vipd_sync_restart(v);
	if (peers_changed)
		vipd_peer_filter_apply(v, "reload");
	vipd_fill_router_id(v);
	vipd_lb_configure(v, "reload");
	vipd_metrics_apply(v);
	v->reloads++;
	log_notice("reload: configuration accepted (%zu kept, %zu stopped, "
	    "%zu started)", kept, stopped, started);
	snprintf(why, why_len, "%zu kept, %zu stopped, %zu started", kept,
	    stopped, started);
	return 0;
}

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
	struct vipd *v = arg;

	for (size_t i = 0; i < v->ninstances; i++)
		instance_tick(v->instances[i], &v->env, now_ms);
	ctl_tick(&v->ctl, now_ms);
	metrics_tick(&v->metrics, now_ms);
	lb_tick(&v->lb, now_ms);
	vipd_sync_tick(v, now_ms);
	script_runner_tick(&v->scripts, now_ms);
	health_tick(&v->health, now_ms);
}

static uint64_t
vipd_next_deadline(const struct vipd *v)
{
	uint64_t due = 0, d;

	for (size_t i = 0; i < v->ninstances; i++) {
		d = instance_next_deadline(v->instances[i]);
		if (d != 0 && (due == 0 || d < due))
			due = d;
	}
	if ((d = ctl_next_deadline(&v->ctl)) != 0 && (due == 0 || d < due))
		due = d;
	if ((d = metrics_next_deadline(&v->metrics)) != 0 && (due == 0 || d < due))
		due = d;
	if ((d = lb_next_deadline(&v->lb)) != 0 && (due == 0 || d < due))
		due = d;
	if ((d = vipd_sync_deadline(v)) != 0 && (due == 0 || d < due))
		due = d;
	if ((d = script_runner_next_deadline(&v->scripts)) != 0 &&
	    (due == 0 || d < due))
		due = d;
	if ((d = health_next_deadline(&v->health)) != 0 && (due == 0 || d < due))
		due = d;
	return due;
}

/* ---- control socket requests ------------------------------------------- */

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

/*
 * Table inet vipd: a stale one from a crashed run is replaced by an empty
 * one, then each part adds its own objects (accept_ here). Without
 * nftables vipd still runs; what needs the table logs its own error.
 */
static void
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
	if ((err = netlink_open(&v->nl, on_link, v)) < 0) {
		log_err("cannot open netlink: %s", strerror(-err));
		return err;
	}
	v->nl_watch = (struct evloop_watch){ netlink_event_fd(&v->nl),
	    netlink_readable, v };
	if ((err = evloop_add(&v->loop, &v->nl_watch, EPOLLIN)) < 0)
		return err;
	if ((v->env.garp_fd = announce_open()) < 0) {
		log_err("cannot open packet socket for gratuitous ARP: %s",
		    strerror(-v->env.garp_fd));
		return v->env.garp_fd;
	}
	v->env.nl = &v->nl;
	v->env.on_transition = vipd_on_transition;
	v->env.transition_arg = v;
	if ((err = health_init(&v->health, &v->loop, &v->scripts, &v->nl,
	    &v->env)) < 0)
		log_warn("inotify unavailable (%s): track files are read at "
		    "start and reload only", strerror(-err));
	vipd_open_nft(v);
	lb_init(&v->lb, &v->nft, &v->loop, &v->scripts);
	/* Services with a track_weight weigh on their VIP's instance. */
	v->lb.on_quorum = vipd_service_quorum;
	v->lb.on_quorum_arg = v;
	v->health.extra = vipd_service_tracks;
	v->health.extra_arg = v;
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
	for (size_t i = 0; i < v->ninstances; i++)
		free(v->instances[i]);
	free(v->instances);
	v->instances = NULL;
	v->ninstances = 0;
	ifsock_table_free(&v->socks);
	sync_groups_free(&v->groups);
	health_close(&v->health);
	notify_close(&v->notify);
	script_runner_close(&v->scripts);
	ctl_close(&v->ctl, &v->loop);
	metrics_close(&v->metrics);
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
	evloop_close(&v->loop);
	conf_free(v->conf);
}

/* Sockets are open: keep only the capabilities a running vipd needs. */
static void
vipd_drop_privs(void)
{
	struct privs_report r;
	char kept[160];
	int err = privs_drop(&r);

	if (err < 0) {
		log_warn("privileges: cannot drop capabilities: %s", strerror(-err));
		return;
	}
	log_info("privileges: kept %s; %s", privs_mask_str(r.kept, kept,
	    sizeof(kept)), r.bounding_dropped ? "bounding set reduced to the same" :
	    "bounding set left as is (no CAP_SETPCAP)");
}

/* One wait for events, then what signals asked for. */
static int
vipd_iterate(struct vipd *v, bool accept_reload)
{
	char why[CONF_ERROR_LEN];

	evloop_arm(&v->loop, vipd_next_deadline(v));
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
		vipd_write_dumps(v);
	}
	if (v->stats_requested) {
		v->stats_requested = false;
		vipd_write_stats(v);
	}
	if (v->ndrills > 0)
		vipd_answer_drills(v, NULL);
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
 * Graceful stop. Masters announce priority 0; with make-before-break they
 * keep serving until their successor is heard (bounded by
 * Master_Down_Interval in the state machine), so the loop runs on until
 * the last one has released. Another SIGTERM releases at once.
 */
static void
vipd_stop(struct vipd *v)
{
	unsigned requests = v->stop_requests;

	log_notice("stopping: handing over and releasing VIPs");
	for (size_t i = 0; i < v->ninstances; i++)
		instance_stop(v->instances[i], &v->env, evloop_now_ms());
	while (vipd_any_releasing(v)) {
		if (v->stop_requests != requests) {
			log_notice("stopping now: hand-over cut short by a second "
			    "stop request");
			for (size_t i = 0; i < v->ninstances; i++)
				if (instance_releasing(v->instances[i]))
					instance_stop(v->instances[i], &v->env,
					    evloop_now_ms());
			break;
		}
		if (vipd_iterate(v, false) < 0)
			break;
	}
	for (size_t i = 0; i < v->ninstances; i++)
		instance_release_all(v->instances[i], &v->env);
	vipd_wait_notify(v);
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
		print_conf_errors(stderr, errs, "");
		free(errs);
		return 1;
	}
	if (health_check_scripts(v.conf, errs) > 0) {
		print_conf_errors(stderr, errs, "");
		free(errs);
		conf_free(v.conf);
		return 1;
	}
	free(errs);
	if (test_only) {
		printf("%s: configuration OK (%zu instances)\n", v.config_path,
		    v.conf->ninstances);
		conf_free(v.conf);
		return 0;
	}
	snprintf(v.state_dir, sizeof(v.state_dir), "%s", v.state_dir_override ?
	    v.state_dir_override : v.conf->global.state_dir);
	vipd_fill_router_id(&v);
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
	v.unmatched_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	v.started_ms = evloop_now_ms();
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
	/* Tracking first: an instance whose health is bad starts in FAULT. */
	vipd_health_configure(&v, v.conf, now_ms);
	for (size_t i = 0; i < v.ninstances; i++)
		vipd_start_instance(&v, v.instances[i], now_ms);
	sync_groups_evaluate(&v.groups, now_ms);
	vipd_lb_configure(&v, "start");
	vipd_sync_restart(&v);

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
