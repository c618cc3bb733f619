/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sync_send - conn_sync's sending path (protocol in ct_sync.h): entries
 * into batches, batches and control datagrams into the ring and out of the
 * socket, and the answers to nacks from the ring.
 *
 * Both ends send through here: a datagram takes the next sequence number
 * of this run (session), is encoded (lib/ctsync/ct_wire) and signed
 * (lib/ctsync/ct_auth) into its ring slot, and the ring is pumped into the
 * socket. So a nack can be answered from the ring byte for byte, and the
 * ring doubles as the bounded send queue. Calls only the session file
 * (ct_sync_session.c) of the other ct_sync files: the receiver, the dump
 * and the timers call this one.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "ctsync/ct_sync_int.h"

static bool
buffer_full(int err)
{
	return err == -EAGAIN || err == -EWOULDBLOCK || err == -ENOBUFS;
}

/*
 * Whether datagrams go out on l: the active link of its node (ct_peer.h),
 * to every node from a sender; from a receiver only to the node it
 * follows, or to all while it follows none, so that its first resync
 * request reaches whichever node sends (the others ignore it). A nack
 * never goes to a node it does not number: those are only sent while a
 * node is followed.
 */
static bool
dest(const struct ct_sync *s, const struct ct_sync_link *l)
{
	if (!l->active)
		return false;
	if (s->role == CT_SYNC_SENDER || s->follow_id == 0)
		return true;
	return l->node == s->follow_id;
}

static int
send_slot(struct ct_sync *s, struct ct_sync_link *l,
    const struct ct_ring_slot *slot)
{
	int fd = ct_sync_link_fd(s, l);

	if (fd < 0)
		return -ENOTCONN;
	if (sendto(fd, slot->bytes, slot->len, 0,
	    (const struct sockaddr *)&l->peer_sa, l->peer_salen) < 0)
		return -errno;
	s->stats.datagrams_sent++;
	l->datagrams_sent++;
	return 0;
}

/*
 * Datagrams the ring wrapped over before the socket took them: counted as
 * they go (the queue may stay full for long), logged rate-limited.
 */
static void
note_queue(struct ct_sync *s, const struct ct_sync_link *slowest)
{
	uint64_t lost = s->ring.overwritten - s->stats.queue_full, suppressed = 0;

	if (lost == 0)
		return;
	s->stats.queue_full = s->ring.overwritten;
	if (log_ratelimit_allow(&s->queue_log, evloop_now_ms(), &suppressed))
		log_warn("conn_sync: send queue full on %s (%u datagrams the "
		    "socket did not take): %" PRIu64 " dropped unsent, the peer "
		    "repairs through a resync (%" PRIu64 " more not logged)",
		    slowest->conf->interface, CT_RING_SLOTS, lost, suppressed);
}

/*
 * The ring's datagrams that l has not had, into its socket until it is
 * full (l->blocked). A send that fails for another reason than a full
 * buffer (the interface went down) downs the link: true when another link
 * took its node over, which then starts with that datagram.
 */
static bool
pump_link(struct ct_sync *s, struct ct_sync_link *l)
{
	l->blocked = false;
	while (l->sent_upto != s->ring.seq) {
		const struct ct_ring_slot *slot;
		uint32_t seq;
		int err;

		/* The ring wrapped over what l never had: the ring counted it. */
		if (s->ring.seq - l->sent_upto > CT_RING_SLOTS)
			l->sent_upto = s->ring.seq - CT_RING_SLOTS;
		seq = l->sent_upto + 1;
		slot = &s->ring.slots[seq % CT_RING_SLOTS];
		if (slot->seq != seq) {        /* aborted encode */
			l->sent_upto = seq;
			continue;
		}
		err = send_slot(s, l, slot);
		if (buffer_full(err)) {
			l->blocked = true;
			return false;
		}
		if (err < 0) {
			s->stats.send_errors++;   /* the peer's nack repairs it */
			if (ct_sync_link_send_failed(s, l, err, evloop_now_ms()))
				return true;
		}
		l->sent_upto = seq;
	}
	return false;
}

/*
 * Hand the ring's unsent datagrams to the sockets of the links they go
 * to, each as far as its socket takes them; the ring's sent_upto is the
 * slowest link's, so that a full queue is the one of the slowest.
 */
void
ct_sync_send_pump(struct ct_sync *s)
{
	uint32_t behind = 0;
	size_t slowest = 0;
	bool again = true;

	for (size_t round = 0; again && round <= s->nlinks; round++) {
		again = false;
		for (size_t i = 0; i < s->nlinks; i++) {
			struct ct_sync_link *l = &s->links[i];

			if (!dest(s, l)) {
				l->sent_upto = s->ring.seq;
				l->blocked = false;
			} else if (pump_link(s, l)) {
				again = true;
			}
		}
	}
	for (size_t i = 0; i < s->nlinks; i++) {
		uint32_t b = s->ring.seq - s->links[i].sent_upto;

		if (b > behind) {
			behind = b;
			slowest = i;
		}
	}
	s->ring.sent_upto = s->ring.seq - (behind > CT_RING_SLOTS ?
	    CT_RING_SLOTS : behind);
	note_queue(s, &s->links[slowest]);
	for (size_t k = 0; k < s->nsocks; k++) {
		bool out = false;

		for (size_t i = 0; i < s->nlinks; i++)
			if (s->links[i].sock == k && s->links[i].blocked)
				out = true;
		ct_sync_link_out(s, &s->socks[k], out);
	}
}

/*
 * Sequence numbers are 32 bits: before they wrap, start a new session. The
 * peer sees a newer session, restarts its window and asks for the table.
 */
static void
rollover(struct ct_sync *s)
{
	log_notice("conn_sync: sequence numbers used up, starting a new session");
	ct_sync_send_pump(s);
	ct_ring_restart(&s->ring);
	for (size_t i = 0; i < s->nlinks; i++)
		s->links[i].sent_upto = 0;
	ct_sync_session_start(s);
}

/*
 * Encode and sign the next datagram into its ring slot and send what can
 * be sent.
 */
static void
emit(struct ct_sync *s, uint8_t type, const struct ct_entry *entries,
    const struct ct_range *ranges, const struct ct_expect *expects,
    uint16_t count, uint32_t flags)
{
	/* Every datagram says that we decode the extended records. */
	struct ct_wire_header hdr = { .type = type, .count = count,
	    .session = s->session, .sender_id = s->sender_id,
	    .sent_ms = (uint32_t)evloop_wall_ms(),
	    .flags = flags | CT_WIRE_F_EXT };
	struct ct_ring_slot *slot;
	int len;

	if (ct_ring_exhausted(&s->ring)) {
		rollover(s);
		hdr.session = s->session;
	}
	slot = ct_ring_next(&s->ring, &hdr.seq);
	len = type == CT_WIRE_EXPECTS ? ct_wire_encode_expects(&hdr, expects,
	    slot->bytes, sizeof(slot->bytes)) : ct_wire_encode(&hdr, entries,
	    ranges, slot->bytes, sizeof(slot->bytes));
	if (len < 0 || ct_auth_sign(&s->key, slot->bytes, (size_t)len) < 0) {
		ct_ring_abort(&s->ring, slot);
		s->stats.send_errors++;
		return;
	}
	ct_ring_commit(&s->ring, slot, hdr.seq, (size_t)len);
	s->emitted++;
	if (type == CT_WIRE_ENTRIES || type == CT_WIRE_ENTRIES_EXT)
		s->stats.entries_sent += count;
	else if (type == CT_WIRE_EXPECTS)
		s->stats.expects_sent += count;
	ct_sync_send_pump(s);
}

void
ct_sync_send_emit(struct ct_sync *s, uint8_t type,
    const struct ct_entry *entries, const struct ct_range *ranges,
    uint16_t count, uint32_t flags)
{
	emit(s, type, entries, ranges, NULL, count, flags);
}

/* Whether the nodes we send to decode types 7 and 8 (lib/ctsync/ct_wire.h). */
static bool
ext(const struct ct_sync *s)
{
	return ct_peers_all_ext(&s->peers);
}

/*
 * The batches into datagrams, the entries first (an expectation's master
 * flow must be there before it), flags on the last one (a heartbeat when
 * both are empty and flags are set).
 */
void
ct_sync_send_flush(struct ct_sync *s, uint32_t flags)
{
	bool x = ext(s);
	uint16_t max = x ? CT_WIRE_MAX_ENTRIES_EXT : CT_WIRE_MAX_ENTRIES;
	uint16_t done = 0;

	s->flush_due_ms = 0;
	if (s->nbatch == 0 && s->nxbatch == 0) {
		if (flags != 0)
			ct_sync_send_emit(s, CT_WIRE_HEARTBEAT, NULL, NULL, 0, flags);
		return;
	}
	while (done < s->nbatch) {
		uint16_t n = s->nbatch - done > max ? max : s->nbatch - done;
		bool last = done + n == s->nbatch && s->nxbatch == 0;

		ct_sync_send_emit(s, x ? CT_WIRE_ENTRIES_EXT : CT_WIRE_ENTRIES,
		    s->batch + done, NULL, n, last ? flags : 0);
		done += n;
	}
	s->nbatch = 0;
	if (s->nxbatch > 0)
		emit(s, CT_WIRE_EXPECTS, NULL, NULL, s->xbatch, s->nxbatch, flags);
	s->nxbatch = 0;
}

/*
 * An expectation into its batch, after the entries batched so far (they
 * may hold its master flow). Withheld (counted) while a node we send to
 * does not decode them.
 */
void
ct_sync_send_expect(struct ct_sync *s, const struct ct_expect *x)
{
	if (!ext(s)) {
		s->stats.expects_withheld++;
		return;
	}
	s->xbatch[s->nxbatch++] = *x;
	if (s->nxbatch == CT_WIRE_MAX_EXPECTS)
		ct_sync_send_flush(s, 0);
}

/*
 * An event or a dumped entry of a balanced flow, into the batch.
 *
 * While a dump runs, events go on. A dump batch is filled by the kernel
 * when the previous one is read (ct_kernel.h), so the entries of read r
 * are as old as read r - 1: an event handled after that read told a newer
 * state of its flow (or its end) than the batch holds, and went out
 * first. Such an entry is left out, else it would undo the event on the
 * receiver. Events are noted with the number of the read they are newer
 * than (reads + 1).
 */
void
ct_sync_send_entry(struct ct_sync *s, const struct ct_entry *e, bool from_dump)
{
	if (from_dump) {
		if (ct_order_newer(&s->fresh, ct_entry_key(e), s->dump.reads - 1)) {
			s->stats.dump_superseded++;
			return;
		}
	} else if (s->dump.active && !s->dump.restart &&
	    ct_order_note(&s->fresh, ct_entry_key(e), s->dump.reads + 1,
	    s->dump.reads + 1) < 0) {
		/* Too many to weigh the next batch against: read again. */
		s->dump.restart = true;
	}
	s->batch[s->nbatch++] = *e;
	if (s->nbatch >= (ext(s) ? CT_WIRE_MAX_ENTRIES_EXT : CT_WIRE_MAX_ENTRIES))
		ct_sync_send_flush(s, 0);
}


/* The active link of from's node: where the answers to its nacks go. */
static struct ct_sync_link *
node_link(struct ct_sync *s, struct ct_sync_link *from)
{
	if (from->active || from->node == 0)
		return from;
	for (size_t i = 0; i < s->nlinks; i++)
		if (s->links[i].node == from->node && s->links[i].active)
			return &s->links[i];
	return from;
}

/*
 * A nack: resend from the ring to the node that asked only (the others
 * repair on their own), or a full dump when it is gone.
 */
void
ct_sync_send_answer_nack(struct ct_sync *s, struct ct_sync_link *from,
    const struct ct_wire_msg *m)
{
	struct ct_sync_link *to = node_link(s, from);

	s->stats.nacks_received++;
	for (size_t i = 0; i < m->hdr.count; i++) {
		const struct ct_range *r = &m->ranges[i];

		if (r->last - r->first >= CT_RING_SLOTS) {
			s->dump_due = true;
			return;
		}
		for (uint32_t k = 0; k <= r->last - r->first; k++) {
			uint32_t seq = r->first + k;
			const struct ct_ring_slot *slot =
			    &s->ring.slots[seq % CT_RING_SLOTS];

			if (seq == 0 || seq > s->ring.seq || slot->seq != seq) {
				s->dump_due = true;
				return;
			}
			if (seq > to->sent_upto)
				break;          /* it goes out anyway */
			if (send_slot(s, to, slot) == 0)
				s->stats.datagrams_resent++;
		}
	}
}
