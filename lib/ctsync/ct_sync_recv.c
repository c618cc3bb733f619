/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sync_recv - the receiving side of connection sync (protocol in
 * ct_sync.h), a pipeline as an advert's: read the socket, check the
 * framing (ct_wire_check), verify the MAC (ct_auth), decode (ct_wire), ask
 * lib/ct_recv for a decision against the window, then hand the entries to
 * the apply step (ct_sync_apply.c: the kernel table) and the end of a
 * resync to the sweep (ct_sync_sweep.c), neither of which calls back.
 * Asks for what is missing (nacks, full resyncs), and hands requests and
 * nacks to the sender's side (ct_sync_send.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ctsync/ct_sync_int.h"

static bool
from_peer(const struct ct_sync_link *l, const struct sockaddr_storage *ss)
{
	const struct addr *p = &l->conf->peer;

	if (ss->ss_family == AF_INET && p->family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)ss)->sin_addr,
		    p->bytes, 4) == 0;
	if (ss->ss_family == AF_INET6 && p->family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr,
		    p->bytes, 16) == 0;
	return false;
}

/* A datagram refused: counted by reason, logged rate-limited. */
static void
count_drop(struct ct_sync *s, const struct ct_sync_link *l,
    enum ct_drop reason, uint64_t now_ms)
{
	uint64_t suppressed = 0;

	s->stats.drops[reason]++;
	if (log_ratelimit_allow(&s->drop_log, now_ms, &suppressed))
		log_warn("conn_sync: dropped datagram on %s: %s (%" PRIu64
		    " more not logged)", l->conf->interface, ct_drop_name(reason),
		    suppressed);
}

/*
 * Ask for a full resync. gave_up: numbers that never came are given up
 * for it (lost for good); so are the window's gaps, below the floor
 * raised here. The dump answering an open request may have started
 * before those were sent, and the sweep after it would delete the flows
 * they carried: then the request is a new one (a new tag), whose answer
 * starts after it. A repeat that gives nothing up keeps the tag: the dump
 * under way answers it.
 */
static void
request_resync(struct ct_sync *s, uint64_t now_ms, bool gave_up)
{
	uint16_t tag;

	/* A sweep under way belongs to the answer before: a new one follows. */
	if (s->sweep_phase != CT_SYNC_SWEEP_IDLE)
		ct_sync_sweep_abort(s);
	else if (ct_sweep_open(&s->sweep) &&
	    (gave_up || ct_window_has_gaps(s->win)))
		ct_sweep_end(&s->sweep);
	tag = ct_sweep_begin(&s->sweep);

	ct_sync_send_emit(s, CT_WIRE_RESYNC, NULL, NULL, 0,
	    (uint32_t)tag << CT_SWEEP_TAG_SHIFT);
	s->stats.resyncs_requested++;
	/* What was missing is given up on: only the new answer is whole. */
	s->sweep_due = false;
	ct_order_clear(&s->order);
	s->resync_asked_ms = now_ms;
	s->synced = false;
	s->whole_once_gapless = false;
	ct_recv_repair_reset(&s->repair);
	/* The dump covers whatever is missing so far: stop asking for it. */
	if (s->win->session != 0)
		s->win->floor = s->win->highest + 1;
}

/* Ask for the gaps no nack named yet (all: every gap, again). */
static void
send_nack(struct ct_sync *s, uint64_t now_ms, bool all)
{
	struct ct_range ranges[CT_WIRE_MAX_RANGES];
	size_t n = all ? ct_window_gaps(s->win, ranges, CT_WIRE_MAX_RANGES) :
	    ct_window_unasked(s->win, ranges, CT_WIRE_MAX_RANGES);

	if (n == 0)
		return;
	ct_sync_send_emit(s, CT_WIRE_NACK, NULL, ranges, (uint16_t)n, 0);
	ct_window_ask(s->win, ranges, n);
	ct_recv_repair_nacked(&s->repair, now_ms);
	s->stats.nacks_sent++;
}

/* The window's gaps: ask for them, again, or give them up (ct_recv.h). */
static void
repair(struct ct_sync *s, uint64_t now_ms)
{
	switch (ct_recv_gap(s->win, &s->repair, now_ms)) {
	case CT_RECV_GAP_NONE:
		ct_recv_repair_reset(&s->repair);
		break;
	case CT_RECV_GAP_NACK_NEW:
		send_nack(s, now_ms, false);
		break;
	case CT_RECV_GAP_NACK:
		send_nack(s, now_ms, true);
		break;
	case CT_RECV_GAP_RESYNC:
		log_warn("conn_sync: datagrams lost for good, asking for a full "
		    "resync");
		request_resync(s, now_ms, true);
		break;
	case CT_RECV_GAP_WAIT:
		break;
	}
}

/*
 * The entries of a verified datagram into our table (ct_sync_apply.c).
 * late: it came after a higher sequence number (a resend filling a gap).
 * While a gap is open the flows applied are noted for the late ones to
 * come; when that table is full the gap is given up for a full resync.
 */
static void
install(struct ct_sync *s, const struct ct_wire_msg *m, bool late,
    uint64_t now_ms)
{
	struct ct_sync_apply a = { .kernel = &s->kernel, .order = &s->order,
	    .sweep = &s->sweep, .stats = &s->stats, .error_log = &s->drop_log,
	    .stale_log = &s->stale_log };
	/* The wire's sent_ms is the sender's wall clock (lib/ctsync/ct_wire.h). */
	int64_t lag_ms = (int32_t)((uint32_t)evloop_wall_ms() - m->hdr.sent_ms);
	uint32_t note_from = ct_window_has_gaps(s->win) ?
	    ct_window_lowest(s->win) : 0;

	s->stats.entries_received += m->hdr.count;
	s->last_entries_ms = now_ms;
	s->stats.lag_ms = lag_ms;
	if (lag_ms > s->stats.lag_max_ms)
		s->stats.lag_max_ms = lag_ms;
	if (ct_sync_apply_entries(&a, m, late, note_from, now_ms) < 0) {
		log_warn("conn_sync: too many changes while datagrams are "
		    "missing to order them, asking for a full resync");
		request_resync(s, now_ms, true);
	}
}

static void
handle(struct ct_sync *s, struct ct_sync_link *l, const struct ct_wire_msg *m,
    bool late, uint64_t now_ms)
{
	uint16_t tag = CT_SWEEP_TAG_OF(m->hdr.flags);

	switch (m->hdr.type) {
	case CT_WIRE_ENTRIES:
	case CT_WIRE_ENTRIES_EXT:
		if (s->role == CT_SYNC_SENDER)
			s->stats.entries_ignored += m->hdr.count;
		else
			install(s, m, late, now_ms);
		break;
	case CT_WIRE_EXPECTS:
		s->stats.expects_received += m->hdr.count;
		if (s->role == CT_SYNC_RECEIVER) {
			struct ct_sync_apply a = { .kernel = &s->kernel,
			    .stats = &s->stats, .error_log = &s->drop_log };

			s->last_entries_ms = now_ms;
			ct_sync_apply_expects(&a, m, now_ms);
		}
		break;
	case CT_WIRE_RESYNC:
		/* A repeat of the request the running dump answers: it comes. */
		if (s->role == CT_SYNC_SENDER &&
		    !(s->dump.active && s->dump.tag == tag && tag != 0)) {
			s->dump_due = true;
			s->answer_tag = tag;
		}
		break;
	case CT_WIRE_NACK:
		if (s->role == CT_SYNC_SENDER)
			ct_sync_send_answer_nack(s, l, m);
		break;
	default:
		break;
	}
	/*
	 * Only the answer to our open request is whole: a refresh or the
	 * answer to an earlier request may have started before we asked.
	 */
	if ((m->hdr.flags & CT_WIRE_F_RESYNC_DONE) &&
	    s->role == CT_SYNC_RECEIVER) {
		s->stats.dumps_received++;
		if (ct_sweep_answers(&s->sweep, tag))
			s->whole_once_gapless = true;
	}
	/*
	 * The dump's last datagram may come before others of it that were
	 * lost (or dropped: only some types filtered): the table is whole
	 * once nothing before it is missing, not when its end is read.
	 */
	if (s->whole_once_gapless && s->role == CT_SYNC_RECEIVER &&
	    !ct_window_has_gaps(s->win)) {
		s->whole_once_gapless = false;
		if (!s->synced) {
			log_info("conn_sync: full resync from node %08" PRIx32
			    " done (over %s)", s->follow_id,
			    l->conf->interface);
			s->stats.resyncs_completed++;
			s->stats.last_resync_ms = now_ms;
		}
		s->synced = true;
		if (s->sweep_phase == CT_SYNC_SWEEP_IDLE)
			s->sweep_due = true;
	}
	ct_sync_sweep(s, now_ms);
}

/*
 * Take node p's stream (lib/ctsync/ct_peer.h): its table is the one to
 * have now, whole; after another node's, a resync request goes to it at
 * the next tick.
 */
static void
follow(struct ct_sync *s, struct ct_peer *p, const struct ct_sync_link *l)
{
	char peer[INET6_ADDRSTRLEN];
	bool had;

	log_notice("conn_sync: following node %08" PRIx32 " (on %s from %s)%s",
	    p->id, l->conf->interface,
	    addr_str(&l->conf->peer, peer, sizeof(peer)),
	    s->follow_id != 0 ? ", the node followed so far is silent" : "");
	had = s->follow_id != 0;
	s->follow_id = p->id;
	s->win = &p->window;
	/*
	 * From none: the request open so far went to every node, this one's
	 * answer to it ends the resync. From another node: ask this one.
	 */
	if (!had)
		return;
	s->synced = false;
	s->whole_once_gapless = false;
	s->resync_asked_ms = 0;
	s->sweep_due = false;
	ct_sync_sweep_abort(s);
	ct_order_clear(&s->order);
	ct_recv_repair_reset(&s->repair);
}

static bool
is_stream(uint8_t type)
{
	return type == CT_WIRE_ENTRIES || type == CT_WIRE_HEARTBEAT ||
	    type == CT_WIRE_ENTRIES_EXT || type == CT_WIRE_EXPECTS;
}

static void
receive_one(struct ct_sync *s, struct ct_sync_link *l, const uint8_t *buf,
    size_t len, uint64_t now_ms)
{
	struct ct_wire_msg *m = &s->rx;
	struct ct_recv_view view = { .own_session = s->session,
	    .own_id = s->sender_id, .receiving = s->role == CT_SYNC_RECEIVER };
	struct ct_recv_verdict d;
	enum ct_drop reason;
	struct ct_peer *p, *cur;
	bool followed;
	uint64_t suppressed = 0;

	/* Framing, then the MAC, and only then the body (ct_auth.h). */
	if ((reason = ct_wire_check(buf, len)) != CT_DROP_NONE ||
	    (reason = ct_auth_verify(&s->key, buf, len)) != CT_DROP_NONE ||
	    (reason = ct_wire_decode(buf, len, m)) != CT_DROP_NONE) {
		count_drop(s, l, reason, now_ms);
		return;
	}
	if (m->hdr.sender_id == s->sender_id || m->hdr.session == s->session) {
		count_drop(s, l, CT_DROP_REFLECTED, now_ms);
		return;
	}
	/* The signed sender id says which node the link reaches. */
	if (ct_sync_link_node(s, l, m->hdr.sender_id))
		ct_sync_send_pump(s);
	/* Probes are the link's, outside the window (lib/ctsync/ct_wire.h). */
	if (m->hdr.type == CT_WIRE_PROBE || m->hdr.type == CT_WIRE_PROBE_ANSWER) {
		if (ct_sync_link_probe_in(s, l, m, now_ms))
			ct_sync_send_pump(s);
		return;
	}
	/* More nodes than links can name: not one of ours. */
	if ((p = ct_peers_get(&s->peers, m->hdr.sender_id)) == NULL) {
		count_drop(s, l, CT_DROP_NOT_PEER, now_ms);
		return;
	}
	/* Signed: what it decodes (lib/ctsync/ct_wire.h, "Extended records"). */
	p->ext = (m->hdr.flags & CT_WIRE_F_EXT) != 0;
	view.window = &p->window;
	view.silent_ms = now_ms - p->last_rx_ms;
	ct_recv_datagram(&view, &m->hdr, &d);
	if (d.unneeded) {
		/* Loss repair at work, not a replay: debug (lib/ctsync/ct_recv.h). */
		s->stats.resends_unneeded++;
		if (log_ratelimit_allow(&s->stale_log, now_ms, &suppressed))
			log_debug("conn_sync: resent datagram %" PRIu32 " on %s "
			    "no longer needed (%s; %" PRIu64 " more not logged)",
			    m->hdr.seq, l->conf->interface, ct_drop_name(d.drop),
			    suppressed);
		return;
	}
	if (d.drop != CT_DROP_NONE) {
		count_drop(s, l, d.drop, now_ms);
		return;
	}
	cur = ct_peers_find(&s->peers, s->follow_id);
	if (s->role == CT_SYNC_RECEIVER && is_stream(m->hdr.type) &&
	    ct_peer_follow(s->follow_id, cur != NULL ? cur->last_rx_ms : 0,
	    p->id, now_ms))
		follow(s, p, l);
	followed = p->id == s->follow_id;
	if (d.adopt) {
		if (log_ratelimit_allow(&s->adopt_log, now_ms, &suppressed))
			log_notice("conn_sync: peer on %s restarted with an older "
			    "session (its clock set back?); following it after "
			    "%.1f s without a word from the newer one (%" PRIu64
			    " more not logged)", l->conf->interface,
			    (double)view.silent_ms / 1000.0, suppressed);
		s->stats.sessions_adopted++;
		ct_window_reset(&p->window);
	} else if (d.resync && followed && log_ratelimit_allow(&s->restart_log, now_ms,
	    &suppressed)) {
		log_notice("conn_sync: peer on %s restarted, asking for a full "
		    "resync (%" PRIu64 " more not logged)", l->conf->interface,
		    suppressed);
	}
	/* What the restarted peer had told us may be stale or partial. */
	if (d.resync && followed) {
		s->synced = false;
		s->whole_once_gapless = false;
		s->resync_asked_ms = 0;
	}
	if (d.new_session && followed)
		ct_order_clear(&s->order);
	ct_window_accept(&p->window, m->hdr.session, m->hdr.seq);
	s->stats.datagrams_received++;
	l->datagrams_received++;
	p->datagrams++;
	p->last_rx_ms = now_ms;
	s->stats.last_rx_ms = now_ms;
	/*
	 * Another sender's stream while we follow one (two masters for a
	 * moment): numbered in its window, not installed; following it later
	 * takes its table whole.
	 */
	if (!followed && s->role == CT_SYNC_RECEIVER && is_stream(m->hdr.type)) {
		s->stats.entries_ignored += m->hdr.count;
		return;
	}
	/*
	 * After the accept, so that the request's floor is above this one;
	 * before handling it, so that a dump end it carries answers an
	 * earlier request, not this one.
	 */
	if (d.lost && followed) {
		if (log_ratelimit_allow(&s->drop_log, now_ms, &suppressed))
			log_warn("conn_sync: more datagrams lost on %s than the "
			    "window can ask for, asking for a full resync (%"
			    PRIu64 " more not logged)", l->conf->interface,
			    suppressed);
		request_resync(s, now_ms, true);
	}
	handle(s, l, m, d.late, now_ms);
	/* No gap left: nothing older can come, the order is not needed. */
	if (ct_order_count(&s->order) > 0 && !ct_window_has_gaps(s->win))
		ct_order_clear(&s->order);
}

/* The link on socket k whose peer sent from: NULL when none. */
static struct ct_sync_link *
link_of(struct ct_sync *s, const struct ct_sync_sock *k,
    const struct sockaddr_storage *from)
{
	for (size_t i = 0; i < s->nlinks; i++)
		if (&s->socks[s->links[i].sock] == k &&
		    from_peer(&s->links[i], from))
			return &s->links[i];
	return NULL;
}

void
ct_sync_receive(struct ct_sync *s, struct ct_sync_sock *k, uint64_t now_ms)
{
	uint8_t buf[CT_WIRE_MAX_BYTES + 1];
	struct sockaddr_storage from;

	for (int i = 0; i < CT_SYNC_READ_BUDGET; i++) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(k->fd, buf, sizeof(buf), MSG_TRUNC,
		    (struct sockaddr *)&from, &fl);
		struct ct_sync_link *l;

		if (n < 0) {
			/* Whatever was sent before our last nack was read. */
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				ct_recv_repair_drained(&s->repair, now_ms);
			break;
		}
		if ((l = link_of(s, k, &from)) == NULL) {
			count_drop(s, &s->links[k->first_link], CT_DROP_NOT_PEER,
			    now_ms);
			continue;
		}
		if ((size_t)n > CT_WIRE_MAX_BYTES) {
			count_drop(s, l, CT_DROP_OVERSIZED, now_ms);
			continue;
		}
		receive_one(s, l, buf, (size_t)n, now_ms);
	}
	/* A new gap is asked for at once, once for the whole read. */
	if (s->role == CT_SYNC_RECEIVER)
		repair(s, now_ms);
}

void
ct_sync_recv_tick(struct ct_sync *s, uint64_t now_ms)
{
	/*
	 * Ask again only while the peer says nothing: a big table may take
	 * longer than the retry interval to arrive, and a second request
	 * would only send it twice.
	 */
	if (!s->synced && (s->resync_asked_ms == 0 ||
	    (now_ms - s->resync_asked_ms >= CT_SYNC_RESYNC_RETRY_MS &&
	    now_ms - s->last_entries_ms >= CT_SYNC_RESYNC_RETRY_MS))) {
		request_resync(s, now_ms, false);
		return;
	}
	ct_sync_sweep(s, now_ms);
	/* Also while a resync is under way: its dump is repaired the same. */
	repair(s, now_ms);
}

static uint64_t
earliest(uint64_t a, uint64_t b)
{
	return a == 0 || (b != 0 && b < a) ? b : a;
}

uint64_t
ct_sync_recv_deadline(const struct ct_sync *s)
{
	uint64_t due = ct_recv_repair_deadline(&s->repair);

	if (s->sweep_phase != CT_SYNC_SWEEP_IDLE)
		due = earliest(due, s->sweep_next_ms != 0 ? s->sweep_next_ms : 1);
	if (!s->synced)
		due = earliest(due, s->resync_asked_ms == 0 ? 1 :
		    (s->resync_asked_ms > s->last_entries_ms ?
		    s->resync_asked_ms : s->last_entries_ms) +
		    CT_SYNC_RESYNC_RETRY_MS);
	return due;
}
