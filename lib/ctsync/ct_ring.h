/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_ring - the sync sender's last CT_RING_SLOTS datagrams, by sequence
 * number: the send queue (those not yet handed to the socket) and the store
 * that nacks are answered from, byte for byte.
 *
 * Owns: the slots (allocated by ct_ring_init) and the two counters that
 * say what is where: seq (the last number used) and sent_upto (the last
 * one handed to the socket). Queued datagrams are seq - sent_upto; when the
 * queue is as long as the ring, the next datagram overwrites the oldest
 * unsent one, which is counted (overwritten) and skipped: the receiver
 * sees the gap and repairs it with a full resync.
 * Never does: encode, send, or read a clock. Pure, unit-tested.
 */
#ifndef VIPD_CT_RING_H
#define VIPD_CT_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctsync/ct_wire.h"

/*
 * The last datagrams sent, for resends: as many as the receiver's window
 * spans (CT_WIRE_WINDOW). A gap is found, and asked for, only when the
 * receiver reads the datagram after it, behind its socket queue, which
 * the window is sized to span: by then the sender has sent up to that
 * many more, and the nack must still find what it names. 11.4 MB,
 * calloc'd: a page counts in the RSS only once a datagram was written to
 * it (the sender's whole ring after CT_RING_SLOTS datagrams; a receiver,
 * which sends nacks and requests only, touches a few pages).
 */
#define CT_RING_SLOTS CT_WIRE_WINDOW

struct ct_ring_slot {
	uint32_t seq;                  /* 0 = empty */
	uint16_t len;
	uint8_t bytes[CT_WIRE_MAX_BYTES];
};

struct ct_ring {
	struct ct_ring_slot *slots;    /* CT_RING_SLOTS, owned */
	uint32_t seq;                  /* last used; 0 = none yet */
	uint32_t sent_upto;            /* last handed to the socket */
	uint64_t overwritten;          /* queued ones lost to a full queue */
};

/* Returns 0 or -ENOMEM. */
int ct_ring_init(struct ct_ring *r);
void ct_ring_free(struct ct_ring *r);

/* True when the sequence numbers are used up (see ct_ring_restart). */
bool ct_ring_exhausted(const struct ct_ring *r);

/* Forget everything; numbering starts again at 1 (a new session). */
void ct_ring_restart(struct ct_ring *r);

/*
 * The slot for the next sequence number, returned in *seq; encode into
 * slot->bytes, then ct_ring_commit(len), or ct_ring_abort() on failure.
 * Must not be called when exhausted.
 */
struct ct_ring_slot *ct_ring_next(struct ct_ring *r, uint32_t *seq);
void ct_ring_commit(struct ct_ring *r, struct ct_ring_slot *slot,
    uint32_t seq, size_t len);
void ct_ring_abort(struct ct_ring *r, struct ct_ring_slot *slot);

/*
 * The oldest datagram not yet sent, or NULL; ct_ring_sent() when it went.
 * A queued one whose slot was lost (an aborted encode over a full queue)
 * is skipped and counted as overwritten.
 */
const struct ct_ring_slot *ct_ring_unsent(struct ct_ring *r);
void ct_ring_sent(struct ct_ring *r);

/* Datagrams waiting for the socket (0..CT_RING_SLOTS). */
uint32_t ct_ring_queued(const struct ct_ring *r);

enum ct_ring_lookup {
	CT_RING_FOUND,      /* sent and still held: resend *out */
	CT_RING_QUEUED,     /* not sent yet: it goes out anyway */
	CT_RING_GONE,       /* no longer held (or never used): full resync */
};

/* Where datagram seq is, for a nack. */
enum ct_ring_lookup ct_ring_find(const struct ct_ring *r, uint32_t seq,
    const struct ct_ring_slot **out);

#endif
