/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_lbcount - the balancer's connection counts from conntrack: while a
 * service schedules by counts (lc, wlc, sed, nq), a ctnetlink listener of
 * its own (lib/ctsync/ct_kernel, filtered by the balancer's ct mark)
 * feeds every event of a balanced flow to lb_conn_event(), and a paced
 * dump (at start, and after the socket lost events) brings the table in
 * line with the kernel's, sweeping what the dump did not show.
 *
 * Its own listener rather than conn_sync's: counts are wanted whether
 * conn_sync runs or not, on the master and the backup alike (a backup's
 * injected flows count once it takes over), and a listener that never
 * asks the kernel anything back (updates without a TCP state keep the
 * class they had) costs the loop nothing but the events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "vipd.h"
#include "ctsync/ct_kernel.h"

#define LBCOUNT_READS 64            /* event reads per wake-up */
#define LBCOUNT_DUMP_STEPS 8        /* dump batches per tick */
#define LBCOUNT_DUMP_PACE_MS 1

struct vipd_lbcount {
	struct ct_kernel k;
	struct evloop_watch watch;
	struct vipd *v;
	bool dumping;
	uint64_t dump_next_ms;
};

static void
on_entry(void *arg, const struct ct_entry *e, bool from_dump)
{
	struct vipd_lbcount *c = arg;
	struct lb_conn_key key;
	struct lb_conn_dest dest;
	size_t alen = e->family == AF_INET6 ? 16 : 4;

	memset(&key, 0, sizeof(key));
	memset(&dest, 0, sizeof(dest));
	memcpy(key.src, e->orig.src, alen);
	memcpy(key.dst, e->orig.dst, alen);
	key.sport = e->orig.sport;
	key.dport = e->orig.dport;
	key.family = e->family;
	key.proto = e->proto;
	memcpy(dest.addr, e->reply.src, alen);
	dest.port = e->reply.sport;
	lb_conn_event(&c->v->lb, &key, &dest, lb_conns_class(e->proto,
	    e->tcp_state), e->op == CT_OP_DESTROY, from_dump, evloop_now_ms());
}

static void
dump_start(struct vipd_lbcount *c)
{
	int err;

	if ((err = ct_kernel_dump_start(&c->k)) < 0) {
		log_warn("balancer: cannot read the conntrack table for "
		    "connection counts: %s", strerror(-err));
		return;
	}
	lb_conn_sweep_begin(&c->v->lb);
	c->dumping = true;
	c->dump_next_ms = evloop_now_ms();
}

static void
read_events(struct vipd_lbcount *c)
{
	int rc;

	rc = ct_kernel_read_events(&c->k, LBCOUNT_READS);
	if (rc < 0)
		log_warn("balancer: conntrack events: %s", strerror(-rc));
	if (c->k.overrun) {
		c->k.overrun = false;
		log_warn("balancer: conntrack events lost (%llu so far): "
		    "counting connections anew from the table",
		    (unsigned long long)c->k.events_lost);
		dump_start(c);
	}
}

static void
on_events(struct evloop_watch *w, uint32_t events)
{
	(void)events;
	read_events(w->arg);
}

/* lb.drain_events: what is queued counts before the rules are computed. */
static void
drain(void *arg)
{
	read_events(arg);
}

static void
lbcount_close(struct vipd *v)
{
	struct vipd_lbcount *c = v->lbcount;

	if (c == NULL)
		return;
	v->lb.drain_events = NULL;
	evloop_del(&v->loop, &c->watch);
	ct_kernel_close(&c->k);
	free(c);
	v->lbcount = NULL;
}

void
vipd_lbcount_update(struct vipd *v)
{
	struct vipd_lbcount *c;
	int err;

	if (!lb_counts_wanted(&v->lb)) {
		lbcount_close(v);
		return;
	}
	if (v->lbcount != NULL)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_err("balancer: out of memory for connection counts");
		return;
	}
	c->v = v;
	if ((err = ct_kernel_open(&c->k, true, NFT_VIPD_CT_MARK, on_entry, c)) < 0) {
		log_err("balancer: cannot listen to conntrack events (%s): lc, "
		    "wlc, sed and nq schedule without counts", strerror(-err));
		free(c);
		return;
	}
	ct_kernel_no_lookups(&c->k);
	c->watch = (struct evloop_watch){ .fd = ct_kernel_events_fd(&c->k),
	    .cb = on_events, .arg = c };
	if (evloop_add(&v->loop, &c->watch, EPOLLIN) < 0) {
		log_err("balancer: cannot watch conntrack events: %s",
		    strerror(errno));
		ct_kernel_close(&c->k);
		free(c);
		return;
	}
	v->lbcount = c;
	v->lb.drain_events = drain;
	v->lb.drain_events_arg = c;
	dump_start(c);
}

void
vipd_lbcount_tick(struct vipd *v, uint64_t now_ms)
{
	struct vipd_lbcount *c = v->lbcount;
	int rc = 1;

	if (c == NULL || !c->dumping || now_ms < c->dump_next_ms)
		return;
	c->dump_next_ms = now_ms + LBCOUNT_DUMP_PACE_MS;
	for (int i = 0; i < LBCOUNT_DUMP_STEPS && rc == 1; i++)
		rc = ct_kernel_dump_step(&c->k);
	if (rc == -EAGAIN || rc == 1)
		return;
	c->dumping = false;
	if (rc < 0) {
		log_warn("balancer: reading the conntrack table failed: %s",
		    strerror(-rc));
		return;
	}
	lb_conn_sweep_end(&v->lb, now_ms);
}

uint64_t
vipd_lbcount_deadline(const struct vipd *v)
{
	return v->lbcount != NULL && v->lbcount->dumping ?
	    v->lbcount->dump_next_ms : 0;
}

void
vipd_lbcount_close(struct vipd *v)
{
	lbcount_close(v);
}
