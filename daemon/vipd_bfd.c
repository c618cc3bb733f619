/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_bfd - the BFD sessions (lib/bfd/bfd_run.h) wired to the instances:
 * track_bfd through health (a transition evaluates every instance again),
 * and master_down_bfd: when a session to a Backup's master starts missing
 * packets (half its detection time in silence), a probe of the master's
 * address goes out (an ARP request, or for IPv6 a neighbour
 * solicitation), so that when the session goes down the
 * answer is known; lib/vrrp/vrrp_bfd.h decides from the state, the
 * session and the probe whether the instance takes over early.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "vipd.h"
#include "vrrp/vrrp_bfd.h"
#include "vrrp/vrrp_probe.h"

#define PROBE_MIN_WAIT_MS 10    /* a LAN neighbour answers in far less */

static struct vipd_bfd_probe *
probe_find(struct vipd *v, const char *inst)
{
	for (size_t i = 0; i < VIPD_MAX_BFD_PROBES; i++)
		if (v->bfd_probes[i].used &&
		    strcmp(v->bfd_probes[i].inst, inst) == 0)
			return &v->bfd_probes[i];
	return NULL;
}

static bool
watches(const struct instance *inst, const struct bfd_run_session *rs)
{
	const struct addr *m = instance_master_addr(inst);

	return inst->conf.bfd.master_down && m != NULL &&
	    addr_cmp(m, &rs->conf.peer) == 0;
}

/* Send the probe of inst's master (ARP request / NS), or leave none. */
static void
probe_start(struct vipd *v, struct instance *inst,
    const struct bfd_run_session *rs, uint64_t now_ms)
{
	struct vipd_bfd_probe *p = probe_find(v, inst->conf.name);
	bool told = p != NULL && p->told;   /* the same failure, told once */
	char t[64];
	int err;

	if (p == NULL)
		for (size_t i = 0; i < VIPD_MAX_BFD_PROBES && p == NULL; i++)
			if (!v->bfd_probes[i].used)
				p = &v->bfd_probes[i];
	if (p == NULL)
		return;
	memset(p, 0, sizeof(*p));
	p->told = told;
	if (!inst->have_primary || inst->ifindex == 0 ||
	    inst->primary.family != rs->conf.peer.family)
		return;                 /* no probe: vrrp_bfd waits */
	if (rs->conf.peer.family == AF_INET6)
		err = v->bfd_probe6_fd < 0 ? -EBADF : vrrp_probe6_send(
		    v->bfd_probe6_fd, inst->ifindex, inst->mac, &inst->primary,
		    &rs->conf.peer);
	else
		err = v->bfd_probe_fd < 0 ? -EBADF : vrrp_probe_send(
		    v->bfd_probe_fd, inst->ifindex, inst->mac, &inst->primary,
		    &rs->conf.peer);
	if (err < 0) {
		log_warn("%s: cannot probe master %s: %s", inst->conf.name,
		    addr_str(&rs->conf.peer, t, sizeof(t)), strerror(-err));
		return;
	}
	p->used = true;
	snprintf(p->inst, sizeof(p->inst), "%s", inst->conf.name);
	p->target = rs->conf.peer;
	p->ifindex = inst->ifindex;
	p->sent_ms = now_ms;
	p->until_ms = now_ms + vrrp_bfd_probe_wait_ms(
	    bfd_session_detect_time_ms(&rs->s), PROBE_MIN_WAIT_MS);
}

static enum vrrp_bfd_probe
probe_state(const struct vipd_bfd_probe *p, uint64_t now_ms)
{
	if (p == NULL || !p->used)
		return VRRP_BFD_PROBE_NONE;
	if (p->answered)
		return VRRP_BFD_PROBE_ANSWERED;
	return now_ms >= p->until_ms ? VRRP_BFD_PROBE_SILENT :
	    VRRP_BFD_PROBE_PENDING;
}

/* vrrp_bfd's decision for inst, whose master's session rs is down. */
static void
decide(struct vipd *v, struct instance *inst, const struct bfd_run_session *rs,
    uint64_t now_ms)
{
	struct vipd_bfd_probe *p = probe_find(v, inst->conf.name);
	struct vrrp_bfd_input in = { .enabled = inst->conf.bfd.master_down,
	    .state = instance_state(inst),
	    .master_known = instance_master_addr(inst) != NULL,
	    .peer_is_master = watches(inst, rs),
	    .probe = probe_state(p, now_ms) };
	enum vrrp_bfd_decision d = vrrp_bfd_decide(&in);
	const struct bfd_event *ev = bfd_session_event(&rs->s, 0);
	uint64_t silent = rs->s.last_rx_ms != 0 ? now_ms - rs->s.last_rx_ms : 0;
	char why[256], t[64];  /* the log line whole, with an IPv6 master */

	if (d == VRRP_BFD_WAIT_PROBE) {
		p->decide = true;       /* again at the answer or its time */
		snprintf(p->session, sizeof(p->session), "%s", rs->conf.name);
		return;
	}
	if (p != NULL)
		p->decide = false;
	if (d < VRRP_BFD_WAIT_PROBE)
		return;
	snprintf(why, sizeof(why), "%s down (%s), master %s silent %" PRIu64
	    " ms, %s", rs->conf.name, bfd_diag_name(ev != NULL ? ev->diag :
	    rs->s.local_diag), addr_str(&rs->conf.peer, t, sizeof(t)), silent,
	    vrrp_bfd_decision_name(d));
	if (d != VRRP_BFD_TAKE_OVER) {
		bool again = d == VRRP_BFD_WAIT_MASTER_ANSWERS && p != NULL;

		if ((!again || !p->told) &&
		    log_ratelimit_allow(&v->bfd_log, now_ms, NULL))
			log_warn("%s: %s", inst->conf.name, why);
		if (again) {
			p->told = true;
			snprintf(p->session, sizeof(p->session), "%s",
			    rs->conf.name);
			p->reprobe_ms = now_ms + vrrp_bfd_probe_wait_ms(
			    bfd_session_detect_time_ms(&rs->s),
			    PROBE_MIN_WAIT_MS);
		}
		return;
	}
	instance_bfd_master_down(inst, &v->env, vrrp_bfd_skew_ms(
	    instance_effective_priority(inst), bfd_session_detect_time_ms(&rs->s)),
	    why, now_ms);
}

static void
on_state(void *arg, struct bfd_run_session *rs, const struct bfd_event *ev,
    uint64_t now_ms)
{
	struct vipd *v = arg;
	struct vipd_bfd_probe *p;

	health_evaluate_all(&v->health, now_ms);
	for (size_t i = 0; i < v->ninstances; i++) {
		struct instance *inst = v->instances[i];

		if (!watches(inst, rs))
			continue;
		if (ev->to == BFD_STATE_UP) {
			if ((p = probe_find(v, inst->conf.name)) != NULL)
				p->used = false;
			continue;
		}
		/*
		 * A peer that says AdminDown is being reconfigured, not failing
		 * (RFC 5880 6.8.16): its adverts decide, as without BFD.
		 */
		if (ev->from != BFD_STATE_UP || ev->to != BFD_STATE_DOWN ||
		    ev->reason == BFD_REASON_NEIGHBOR_ADMIN_DOWN)
			continue;
		/*
		 * No probe yet, or one that was answered: the answer may predate
		 * the failure (a node whose daemon died first and whose links
		 * went a moment later), so ask again; only a probe unanswered
		 * since the session fell silent lets the backup go early.
		 */
		p = probe_find(v, inst->conf.name);
		if ((p == NULL || p->answered) &&
		    instance_state(inst) == VRRP_STATE_BACKUP)
			probe_start(v, inst, rs, now_ms);
		decide(v, inst, rs, now_ms);
	}
}

static void
on_silent(void *arg, struct bfd_run_session *rs, uint64_t now_ms)
{
	struct vipd *v = arg;

	for (size_t i = 0; i < v->ninstances; i++)
		if (watches(v->instances[i], rs) &&
		    instance_state(v->instances[i]) == VRRP_STATE_BACKUP)
			probe_start(v, v->instances[i], rs, now_ms);
}

static void
redecide(struct vipd *v, struct vipd_bfd_probe *p, uint64_t now_ms)
{
	struct bfd_run_session *rs = bfd_run_find(&v->bfd, p->session);

	p->decide = false;
	for (size_t i = 0; rs != NULL && i < v->ninstances; i++)
		if (strcmp(v->instances[i]->conf.name, p->inst) == 0)
			decide(v, v->instances[i], rs, now_ms);
}

/*
 * The master answered while its session was down: ask again, so that a
 * node whose daemon died a moment before its links is taken over as soon
 * as the links go, not at Master_Down_Timer. Ends when the session comes
 * back (the probe is dropped) or the instance stops being BACKUP.
 */
static void
reprobe(struct vipd *v, struct vipd_bfd_probe *p, uint64_t now_ms)
{
	struct bfd_run_session *rs = bfd_run_find(&v->bfd, p->session);

	p->reprobe_ms = 0;
	for (size_t i = 0; rs != NULL && i < v->ninstances; i++) {
		struct instance *inst = v->instances[i];

		if (strcmp(inst->conf.name, p->inst) != 0 ||
		    rs->s.state == BFD_STATE_UP ||
		    instance_state(inst) != VRRP_STATE_BACKUP)
			continue;
		probe_start(v, inst, rs, now_ms);
		decide(v, inst, rs, now_ms);
	}
}

/* The master's address spoke (ARP sender, NA target) on ifindex. */
static void
answered(struct vipd *v, int ifindex, const struct addr *sender,
    uint64_t now_ms)
{
	for (size_t i = 0; i < VIPD_MAX_BFD_PROBES; i++) {
		struct vipd_bfd_probe *p = &v->bfd_probes[i];

		if (!p->used || p->answered || p->ifindex != ifindex ||
		    addr_cmp(&p->target, sender) != 0)
			continue;
		p->answered = true;
		if (p->decide)
			redecide(v, p, now_ms);
	}
}

static void
probe_readable(struct evloop_watch *w, uint32_t events)
{
	struct vipd *v = w->arg;
	uint64_t now_ms = evloop_now_ms();
	struct addr sender;
	int ifindex;

	(void)events;
	for (int n = 0; n < 64 && vrrp_probe_read(v->bfd_probe_fd, &ifindex,
	    &sender); n++)
		answered(v, ifindex, &sender, now_ms);
}

static void
probe6_readable(struct evloop_watch *w, uint32_t events)
{
	struct vipd *v = w->arg;
	uint64_t now_ms = evloop_now_ms();
	struct addr sender;
	int ifindex;

	(void)events;
	for (int n = 0; n < 64 && vrrp_probe6_read(v->bfd_probe6_fd, &ifindex,
	    &sender); n++)
		answered(v, ifindex, &sender, now_ms);
}

int
vipd_bfd_open(struct vipd *v)
{
	struct bfd_run_hooks hooks = { .on_state = on_state,
	    .on_silent = on_silent, .arg = v };
	int err;

	v->bfd_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	v->bfd_probe_fd = -1;
	v->bfd_probe6_fd = -1;
	if ((err = bfd_run_init(&v->bfd, &v->loop, &hooks)) < 0) {
		log_err("bfd: no random source: %s", strerror(-err));
		return err;
	}
	v->health.bfd = &v->bfd;
	return 0;
}

/* Open one probe socket into *fdp and watch it; errors are logged. */
static void
probe_socket(struct vipd *v, int *fdp, struct evloop_watch *w,
    int (*open_fn)(void), void (*cb)(struct evloop_watch *, uint32_t),
    const char *what)
{
	int fd;

	if (*fdp >= 0)
		return;
	if ((fd = open_fn()) < 0) {
		log_err("master_down_bfd: no %s socket (%s): BFD alone will not "
		    "take over", what, strerror(-fd));
		return;
	}
	*w = (struct evloop_watch){ .fd = fd, .cb = cb, .arg = v };
	if (evloop_add(&v->loop, w, EPOLLIN) < 0) {
		log_err("master_down_bfd: cannot watch the %s socket", what);
		close(fd);
		return;
	}
	*fdp = fd;
}

void
vipd_bfd_configure(struct vipd *v, const struct conf *conf, uint64_t now_ms)
{
	bool want_probe = false;

	if (bfd_run_configure(&v->bfd, conf, now_ms) < 0)
		log_err("out of memory: bfd_sessions not updated");
	for (size_t i = 0; i < conf->ninstances; i++)
		want_probe |= conf->instances[i].bfd.master_down;
	if (!want_probe)
		return;
	probe_socket(v, &v->bfd_probe_fd, &v->bfd_probe_watch,
	    vrrp_probe_open, probe_readable, "ARP");
	probe_socket(v, &v->bfd_probe6_fd, &v->bfd_probe6_watch,
	    vrrp_probe6_open, probe6_readable, "ICMPv6");
}

void
vipd_bfd_tick(struct vipd *v, uint64_t now_ms)
{
	bfd_run_tick(&v->bfd, now_ms);
	for (size_t i = 0; i < VIPD_MAX_BFD_PROBES; i++) {
		struct vipd_bfd_probe *p = &v->bfd_probes[i];

		if (p->used && p->decide && now_ms >= p->until_ms)
			redecide(v, p, now_ms);
		if (p->used && p->reprobe_ms != 0 && now_ms >= p->reprobe_ms)
			reprobe(v, p, now_ms);
	}
}

uint64_t
vipd_bfd_deadline(const struct vipd *v)
{
	uint64_t due = bfd_run_next_deadline(&v->bfd);

	for (size_t i = 0; i < VIPD_MAX_BFD_PROBES; i++) {
		const struct vipd_bfd_probe *p = &v->bfd_probes[i];

		if (p->used && p->decide && (due == 0 || p->until_ms < due))
			due = p->until_ms;
		if (p->used && p->reprobe_ms != 0 &&
		    (due == 0 || p->reprobe_ms < due))
			due = p->reprobe_ms;
	}
	return due;
}

void
vipd_bfd_close(struct vipd *v)
{
	bfd_run_close(&v->bfd);
	if (v->bfd_probe_fd >= 0) {
		evloop_del(&v->loop, &v->bfd_probe_watch);
		close(v->bfd_probe_fd);
		v->bfd_probe_fd = -1;
	}
	if (v->bfd_probe6_fd >= 0) {
		evloop_del(&v->loop, &v->bfd_probe6_watch);
		close(v->bfd_probe6_fd);
		v->bfd_probe6_fd = -1;
	}
}
