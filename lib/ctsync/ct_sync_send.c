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

static void
watch_out(struct ct_sync *s, bool on)
{
	ct_sync_link_out(s, &s->links[s->active], on);
}

static bool
buffer_full(int err)
{
	return err == -EAGAIN || err == -EWOULDBLOCK || err == -ENOBUFS;
}

/*
 * Over the active link. A send that fails for another reason than a full
 * buffer (the interface went down) downs the link, and the datagram is
 * tried once more on the link that takes over, if any.
 */
static int
send_slot(struct ct_sync *s, const struct ct_ring_slot *slot)
{
	for (int tries = 0; tries < 2; tries++) {
		struct ct_sync_link *l = &s->links[s->active];
		int err = 0;

		if (l->fd < 0)
			err = -ENOTCONN;
		else if (sendto(l->fd, slot->bytes, slot->len, 0,
		    (const struct sockaddr *)&l->peer_sa, l->peer_salen) < 0)
			err = -errno;
		if (err == 0) {
			s->stats.datagrams_sent++;
			l->datagrams_sent++;
			return 0;
		}
		if (buffer_full(err))
			return err;
		ct_sync_link_send_failed(s, l, err, evloop_now_ms());
		if (&s->links[s->active] == l)
			return err;
	}
	return -EIO;
}

/*
 * Datagrams the ring wrapped over before the socket took them: counted as
 * they go (the queue may stay full for long), logged rate-limited.
 */
static void
note_queue(struct ct_sync *s)
{
	uint64_t lost = s->ring.overwritten - s->stats.queue_full, suppressed = 0;

	if (lost == 0)
		return;
	s->stats.queue_full = s->ring.overwritten;
	if (log_ratelimit_allow(&s->queue_log, evloop_now_ms(), &suppressed))
		log_warn("conn_sync: send queue full on %s (%u datagrams the "
		    "socket did not take): %" PRIu64 " dropped unsent, the peer "
		    "repairs through a resync (%" PRIu64 " more not logged)",
		    s->links[s->active].conf->interface, CT_RING_SLOTS, lost,
		    suppressed);
}

/* Hand the ring's unsent datagrams to the socket until it is full. */
void
ct_sync_send_pump(struct ct_sync *s)
{
	const struct ct_ring_slot *slot;

	while ((slot = ct_ring_unsent(&s->ring)) != NULL) {
		int err = send_slot(s, slot);

		if (buffer_full(err)) {
			note_queue(s);
			watch_out(s, true);
			return;
		}
		if (err < 0)
			s->stats.send_errors++;   /* the peer's nack repairs it */
		ct_ring_sent(&s->ring);
	}
	note_queue(s);
	watch_out(s, false);
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
	ct_sync_session_start(s);
	watch_out(s, false);
}

/*
 * Encode and sign the next datagram into its ring slot and send what can
 * be sent.
 */
void
ct_sync_send_emit(struct ct_sync *s, uint8_t type,
    const struct ct_entry *entries, const struct ct_range *ranges,
    uint16_t count, uint32_t flags)
{
	struct ct_wire_header hdr = { .type = type, .count = count,
	    .session = s->session, .sender_id = s->sender_id,
	    .sent_ms = (uint32_t)evloop_wall_ms(), .flags = flags };
	struct ct_ring_slot *slot;
	int len;

	if (ct_ring_exhausted(&s->ring)) {
		rollover(s);
		hdr.session = s->session;
	}
	slot = ct_ring_next(&s->ring, &hdr.seq);
	len = ct_wire_encode(&hdr, entries, ranges, slot->bytes,
	    sizeof(slot->bytes));
	if (len < 0 || ct_auth_sign(&s->key, slot->bytes, (size_t)len) < 0) {
		ct_ring_abort(&s->ring, slot);
		s->stats.send_errors++;
		return;
	}
	ct_ring_commit(&s->ring, slot, hdr.seq, (size_t)len);
	s->emitted++;
	if (type == CT_WIRE_ENTRIES)
		s->stats.entries_sent += count;
	ct_sync_send_pump(s);
}

void
ct_sync_send_flush(struct ct_sync *s, uint32_t flags)
{
	s->flush_due_ms = 0;
	if (s->nbatch == 0) {
		if (flags != 0)
			ct_sync_send_emit(s, CT_WIRE_HEARTBEAT, NULL, NULL, 0, flags);
		return;
	}
	ct_sync_send_emit(s, CT_WIRE_ENTRIES, s->batch, NULL, s->nbatch, flags);
	s->nbatch = 0;
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
	if (s->nbatch == CT_WIRE_MAX_ENTRIES)
		ct_sync_send_flush(s, 0);
}


/* A nack: resend from the ring, or a full dump when it is gone. */
void
ct_sync_send_answer_nack(struct ct_sync *s, const struct ct_wire_msg *m)
{
	s->stats.nacks_received++;
	for (size_t i = 0; i < m->hdr.count; i++) {
		const struct ct_range *r = &m->ranges[i];

		if (r->last - r->first >= CT_RING_SLOTS) {
			s->dump_due = true;
			return;
		}
		for (uint32_t k = 0; k <= r->last - r->first; k++) {
			const struct ct_ring_slot *slot = NULL;
			enum ct_ring_lookup where = ct_ring_find(&s->ring,
			    r->first + k, &slot);

			if (where == CT_RING_QUEUED)
				break;          /* it goes out anyway */
			if (where == CT_RING_GONE) {
				s->dump_due = true;
				return;
			}
			if (send_slot(s, slot) == 0)
				s->stats.datagrams_resent++;
		}
	}
}
