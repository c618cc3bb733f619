/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sync - connection-table sync (protocol in ct_sync.h, wire in
 * ct_wire.h, kernel side in ct_kernel.c): the sockets' events, life cycle,
 * role and timers, on top of the other ct_sync_*.c files
 * (lib/ctsync/ct_sync_int.h), which never call back into this one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctsync/ct_select.h"
#include "ctsync/ct_sync_int.h"
#include "os/nft.h"

_Static_assert(CONF_CONN_SYNC_KEY_MAX <= CT_AUTH_KEY_MAX, "key sizes");
_Static_assert(CONF_CONN_SYNC_KEY_MIN >= CT_AUTH_KEY_MIN, "HMAC key size");

/*
 * From ct_kernel: an event or a dumped entry of a balanced flow. A sender
 * batches it; a receiver reads its own table only to sweep it.
 */
static void
on_entry(void *arg, const struct ct_entry *e, bool from_dump)
{
	struct ct_sync *s = arg;

	/* What the select leaves out is neither sent nor swept. */
	if (!ct_select_match(&s->conf.select, e, NFT_VIPD_CT_MARK) ||
	    ct_select_link_flow(&s->conf, e))
		return;
	if (s->role == CT_SYNC_SENDER)
		ct_sync_send_entry(s, e, from_dump);
	else if (from_dump && s->sweep_phase == CT_SYNC_SWEEP_READING) {
		/* Our own connections are not the master's to end. */
		if (ct_select_local_flow(s->locals, s->nlocals, e))
			s->stats.entries_local++;
		else
			ct_sweep_collect(&s->sweep, e);
	}
}

/*
 * From ct_kernel: an expectation (a helper's related flow to come). A
 * sender sends it when the select carries its master flow (looked up:
 * the expectation does not say its mark), the master's entry first: the
 * helper that made the expectation may have changed the length of the
 * packet (nf_nat_ftp rewriting a PORT), and the kernel reports no event
 * for the sequence offsets that follow, which the new master needs.
 * Destroys go out as they come (a receiver without it ignores them).
 * Receivers do not sweep expectations: they end by their own timers.
 */
static void
on_expect(void *arg, const struct ct_expect *x, bool from_dump)
{
	struct ct_sync *s = arg;
	struct ct_entry master;

	if (s->role != CT_SYNC_SENDER)
		return;
	if (x->op == CT_OP_UPDATE) {
		if (!ct_kernel_lookup(&s->kernel, x->family, x->master_proto,
		    x->zone, &x->master, &master) ||
		    !ct_select_match(&s->conf.select, &master, NFT_VIPD_CT_MARK) ||
		    ct_select_link_flow(&s->conf, &master))
			return;
		/* A dump has sent the master's entry already. */
		if (!from_dump)
			ct_sync_send_entry(s, &master, false);
	}
	ct_sync_send_expect(s, x);
}

/* ---- the sockets' events --------------------------------------------- */

static void
udp_event(struct evloop_watch *w, uint32_t events)
{
	struct ct_sync_sock *k = w->arg;
	struct ct_sync *s = k->s;
	uint64_t now_ms = evloop_now_ms();

	if (events & EPOLLOUT)
		ct_sync_send_pump(s);
	ct_sync_receive(s, k, now_ms);
	if (s->role == CT_SYNC_SENDER)
		ct_sync_dump_run(s, now_ms);
}

static void
ct_event(struct evloop_watch *w, uint32_t events)
{
	struct ct_sync *s = w->arg;
	uint64_t now_ms = evloop_now_ms(), suppressed = 0;
	int err;

	(void)events;
	if (w == &s->ct_watch &&
	    (err = ct_kernel_read_events(&s->kernel, CT_SYNC_EVENT_READS)) < 0 &&
	    log_ratelimit_allow(&s->events_log, now_ms, &suppressed))
		log_warn("conn_sync: reading conntrack events: %s (%" PRIu64
		    " more not logged)", strerror(-err), suppressed);
	s->stats.event_lookups = s->kernel.lookups;
	if (s->kernel.overrun) {
		s->kernel.overrun = false;
		s->stats.events_lost = s->kernel.events_lost;
		/* Every wake-up of a busy table may overrun again: limited. */
		if (s->role == CT_SYNC_SENDER) {
			if (log_ratelimit_allow(&s->events_log, now_ms,
			    &suppressed))
				log_warn("conn_sync: conntrack events lost, "
				    "sending the whole table (%" PRIu64 " more "
				    "not logged)", suppressed);
			s->dump_due = true;
		}
	}
	if (w == &s->exp_watch &&
	    (err = ct_kernel_read_expects(&s->kernel, CT_SYNC_EVENT_READS)) < 0 &&
	    log_ratelimit_allow(&s->events_log, now_ms, &suppressed))
		log_warn("conn_sync: reading expectation events: %s (%" PRIu64
		    " more not logged)", strerror(-err), suppressed);
	if (s->role != CT_SYNC_SENDER)
		return;
	if (s->nxbatch > 0 && s->flush_due_ms == 0)
		s->flush_due_ms = now_ms + CT_SYNC_FLUSH_MS;
	/*
	 * A partial batch waits CT_SYNC_FLUSH_MS for more: a burst of new
	 * flows, read a few events a wake-up, goes out in full datagrams
	 * (ct_sync.h says why that matters).
	 */
	if (s->nbatch > 0 && s->flush_due_ms == 0)
		s->flush_due_ms = now_ms + CT_SYNC_FLUSH_MS;
	ct_sync_dump_run(s, now_ms);
}

/* ---- life cycle -------------------------------------------------------- */

int
ct_sync_open(struct ct_sync *s, const struct conf_conn_sync *conf,
    struct evloop *loop, const char *state_dir, uint64_t now_ms)
{
	uint32_t mark = 0;
	bool by_mark;
	int err;

	memset(s, 0, sizeof(*s));
	s->exp_watch.fd = -1;
	for (size_t i = 0; i < CONF_CONN_SYNC_LINKS_MAX; i++)
		s->socks[i].fd = -1;
	s->win = &s->nowin;
	s->conf = *conf;
	s->nlinks = conf->nlinks;
	s->probing = conf->nlinks > 1;
	s->loop = loop;
	memcpy(s->key.bytes, conf->key, conf->key_len);
	s->key.len = conf->key_len;
	ct_order_init(&s->order, 0);
	ct_order_init(&s->fresh, 0);
	if (state_dir != NULL && state_dir[0] != '\0' &&
	    (size_t)snprintf(s->session_path, sizeof(s->session_path), "%s/%s",
	    state_dir, CT_SYNC_SESSION_FILE) >= sizeof(s->session_path))
		s->session_path[0] = '\0';
	ct_sync_session_start(s);
	s->sender_id = addr_id32(&conf->local);
	s->drop_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	s->adopt_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(2, 1);
	s->restart_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(2, 1);
	s->events_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(2, 1);
	s->stale_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	s->queue_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(2, 1);
	s->link_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(2, 1);
	s->role = CT_SYNC_RECEIVER;
	s->receiving_since_ms = now_ms;
	ct_sweep_init(&s->sweep, 0);
	/* Tags differ from a previous run's, whose answers may be in flight. */
	s->sweep.last_tag = (uint16_t)(s->session >> 10);
	if (ct_ring_init(&s->ring) < 0)
		return -ENOMEM;
	by_mark = ct_select_kernel_mark(&s->conf.select, NFT_VIPD_CT_MARK, &mark);
	if ((err = ct_kernel_open(&s->kernel, by_mark, mark, on_entry, s)) < 0) {
		log_err("conn_sync: cannot open ctnetlink: %s", strerror(-err));
		goto fail;
	}
	ct_kernel_want_events(&s->kernel, false);     /* a receiver first */
	if ((err = ct_kernel_expect_open(&s->kernel, on_expect)) < 0) {
		log_err("conn_sync: cannot open ctnetlink expectations: %s",
		    strerror(-err));
		goto fail;
	}
	for (size_t i = 0; i < s->nlinks; i++)
		if ((err = ct_sync_link_open(s, i, udp_event)) < 0)
			goto fail;
	s->ct_watch = (struct evloop_watch){ ct_kernel_events_fd(&s->kernel),
	    ct_event, s };
	if ((err = evloop_add(loop, &s->ct_watch, EPOLLIN)) < 0)
		goto fail;
	s->exp_watch = (struct evloop_watch){ ct_kernel_expect_fd(&s->kernel),
	    ct_event, s };
	if ((err = evloop_add(loop, &s->exp_watch, EPOLLIN)) < 0) {
		s->exp_watch.fd = -1;
		goto fail;
	}
	log_notice("conn_sync: on %s%s, peer port %u, following %s %s",
	    conf->interface, s->nlinks > 1 ? " and other links" : "", conf->port,
	    conf->follow_is_group ? "sync group" : "instance", conf->follow);
	return 0;
fail:
	ct_sync_close(s);
	return err;
}

void
ct_sync_close(struct ct_sync *s)
{
	ct_sync_link_close(s);
	if (s->kernel.events != NULL)
		evloop_del(s->loop, &s->ct_watch);
	if (s->exp_watch.fd >= 0)
		evloop_del(s->loop, &s->exp_watch);
	ct_kernel_close(&s->kernel);
	ct_ring_free(&s->ring);
	ct_sweep_end(&s->sweep);
	ct_order_free(&s->order);
	ct_order_free(&s->fresh);
	free(s->locals);
	s->locals = NULL;
	s->nlocals = 0;
}

void
ct_sync_status(const struct ct_sync *s, struct ct_sync_status *out)
{
	*out = (struct ct_sync_status){ .role = s->role, .synced = s->synced,
	    .peer_heard = s->win->session != 0, .session = s->session,
	    .peer_session = s->win->session, .conf = &s->conf,
	    .nlinks = s->nlinks };
	for (size_t i = 0; i < s->nlinks; i++)
		out->links[i] = (struct ct_sync_link_status){
		    .conf = &s->conf.links[i], .state = s->links[i].live.state,
		    .changed_ms = s->links[i].live.changed_ms,
		    .active = s->links[i].active, .probed = s->probing };
}

bool
ct_sync_table_pending(const struct ct_sync *s, uint64_t now_ms)
{
	return ct_recv_table_pending(s->role == CT_SYNC_RECEIVER, s->synced,
	    s->win->session != 0, s->receiving_since_ms, now_ms);
}

void
ct_sync_set_role(struct ct_sync *s, bool master, uint64_t now_ms)
{
	enum ct_sync_role role = master ? CT_SYNC_SENDER : CT_SYNC_RECEIVER;

	if (role == s->role)
		return;
	s->role = role;
	s->nbatch = 0;
	s->nxbatch = 0;
	s->flush_due_ms = 0;
	s->dump_due = false;
	s->answer_tag = 0;
	ct_recv_repair_reset(&s->repair);
	s->sweep_due = false;
	ct_sync_dump_stop(s);
	ct_sync_sweep_abort(s);
	ct_order_clear(&s->order);
	ct_kernel_want_events(&s->kernel, role == CT_SYNC_SENDER);
	if (role == CT_SYNC_SENDER) {
		log_notice("conn_sync: sending (%s is master)", s->conf.follow);
		s->next_heartbeat_ms = now_ms;
		s->next_refresh_ms = now_ms + CT_SYNC_REFRESH_MS;
		return;
	}
	/* Our table was the reference; now the peer's is: take it whole. */
	log_notice("conn_sync: receiving (%s is not master)", s->conf.follow);
	s->receiving_since_ms = now_ms;
	/* The sender is whichever node's stream comes (lib/ctsync/ct_peer.h). */
	s->follow_id = 0;
	s->win = &s->nowin;
	s->synced = false;
	s->whole_once_gapless = false;
	s->resync_asked_ms = 0;
}

void
ct_sync_tick(struct ct_sync *s, uint64_t now_ms)
{
	s->stats.event_lookups = s->kernel.lookups;
	if (ct_sync_link_tick(s, now_ms))
		ct_sync_send_pump(s);
	if (s->role == CT_SYNC_SENDER) {
		if (s->flush_due_ms != 0 && now_ms >= s->flush_due_ms)
			ct_sync_send_flush(s, 0);
		if (now_ms >= s->next_refresh_ms) {
			s->dump_due = true;
			s->next_refresh_ms = now_ms + CT_SYNC_REFRESH_MS;
		}
		ct_sync_dump_run(s, now_ms);
		if (now_ms >= s->next_heartbeat_ms) {
			ct_sync_send_flush(s, 0);
			ct_sync_send_emit(s, CT_WIRE_HEARTBEAT, NULL, NULL, 0, 0);
			s->next_heartbeat_ms = now_ms + CT_SYNC_HEARTBEAT_MS;
		}
		return;
	}
	ct_sync_recv_tick(s, now_ms);
}

static uint64_t
role_deadline(const struct ct_sync *s)
{
	uint64_t due;

	if (s->role == CT_SYNC_SENDER) {
		if (s->dump_due && !s->dump.active)
			return 1;
		due = s->next_heartbeat_ms < s->next_refresh_ms ?
		    s->next_heartbeat_ms : s->next_refresh_ms;
		if (s->flush_due_ms != 0 && s->flush_due_ms < due)
			due = s->flush_due_ms;
		if (s->dump.active && s->dump.next_ms < due)
			due = s->dump.next_ms;
		return due;
	}
	return ct_sync_recv_deadline(s);
}

uint64_t
ct_sync_next_deadline(const struct ct_sync *s)
{
	uint64_t due = role_deadline(s), links = ct_sync_link_deadline(s);

	/* 0 is "none" for the receiver's timers (ct_sync_recv_deadline). */
	if (links != 0 && (due == 0 || links < due))
		due = links;
	return due;
}
