/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_recv - what the sync receiver does with a verified datagram, and when
 * it asks again for what is missing: the decisions of lib/ctsync/ct_sync_recv.c,
 * pure (input: the datagram's header, the replay window, the order table,
 * the clock; output: what to do), so that every rule is unit-tested
 * without a socket or a kernel table.
 *
 * A datagram whose HMAC checked out is, in this order:
 *  - dropped as reflected when it carries our own sender id or session:
 *    both directions share the key, so our own datagrams are the only
 *    signed ones an attacker on the link can have that the peer never
 *    sent; sent back to us with the peer's source address, a newer
 *    session of ours would take the window over and lock the peer out;
 *  - checked against the window (lib/ctsync/ct_wire.h): a replay or an old one is
 *    dropped; an older session is followed (adopt) only after the followed
 *    one was silent CT_WIRE_ADOPT_SILENT_MS;
 *  - a newer session than the one followed (or an adopted one) restarts
 *    the window and forgets the order table; unless it is the first
 *    session we hear (our own start asks for a resync anyway), the peer
 *    restarted and what it told us may be stale or partial: a receiver
 *    asks for a full resync;
 *  - lost when accepting it pushes a number that never came out of the
 *    window (more than CT_WIRE_WINDOW datagrams lost at once, e.g. the
 *    sender's queue wrapped, or a gap outlived that many later ones): no
 *    nack can name it any more, and what it carried (a destroy, a part of
 *    a dump) is gone; a receiver asks for a full resync at once, so that
 *    no sweep trusts a resync that missed it;
 *  - late when it is below the highest number accepted (a resend filling
 *    a gap): each of its entries is skipped when the order table holds a
 *    later change of the same flow (lib/ct_order), else applied.
 * Resends no longer needed: a copy of a number a nack asked for that
 * came meanwhile (a resend that crossed a repeated nack, or the original
 * merely late) or was given up for a full resync (below the floor) is
 * loss repair at work: dropped like a replay or an old one, but counted
 * apart (resends_unneeded) and not warned about.
 *
 * Loss repair (ct_recv_gap, with the clocks of struct ct_recv_repair). A
 * gap is found when the datagram after it is read, which may be behind
 * thousands queued at the socket (a burst of new flows, a dump: the
 * backup installs each entry with a netlink round trip), and the resend
 * its nack asks for joins the back of that queue. So:
 *  - a gap no nack named yet is asked for at once, whatever else is open
 *    (only the new ranges: the others are on their way);
 *  - a gap is asked for again only once its resend could have come and
 *    did not: CT_RECV_NACK_MS after the socket was first found empty
 *    after the last nack (everything the sender sent before it read the
 *    nack was then read too), or CT_RECV_NACK_BLIND_MS after the last
 *    nack while the queue never empties (a resend lost in a long burst);
 *  - the oldest gap is given up for a full resync once it has been
 *    missing CT_RECV_GAP_MAX_MS since its resend could have come (the
 *    nacks or the resends do not get through, or the sender's ring no
 *    longer holds it). Its clock starts when it becomes the oldest gap
 *    with the queue drained since, or at the next drain: overlapping
 *    gaps of a long burst are each repaired in turn, never timed as one.
 *    A gap of a queue that never drains is bounded by the window instead
 *    (lost, above).
 *
 * Owns: nothing (decisions only). Never does: send, read, or touch the
 * window, the order table or the kernel table; the caller acts.
 */
#ifndef VIPD_CT_RECV_H
#define VIPD_CT_RECV_H

#include <stdbool.h>
#include <stdint.h>

#include "ctsync/ct_order.h"
#include "ctsync/ct_wire.h"

#define CT_RECV_NACK_MS 100        /* after a drain: ask again */
#define CT_RECV_NACK_BLIND_MS 1000 /* a queue that never drains: again */
#define CT_RECV_GAP_MAX_MS 1000    /* the oldest gap, answerable: resync */

/* What the receiver knows when a datagram comes. */
struct ct_recv_view {
	const struct ct_window *window;
	uint64_t own_session;          /* the session we send with */
	uint32_t own_id;               /* addr_id32 of our address */
	uint64_t silent_ms;            /* since the last verified datagram */
	bool receiving;                /* our role (the sender asks nothing) */
};

/* What to do with it. */
struct ct_recv_verdict {
	enum ct_drop drop;             /* not NONE: drop and count, nothing else */
	bool adopt;                    /* follow this older session: reset the
					  window first (counted, logged) */
	bool new_session;              /* the window restarts on accept: forget
					  the order table */
	bool resync;                   /* the peer restarted: not synced, ask
					  for a full resync */
	bool lost;                     /* numbers slid out of the window
					  unseen: ask for a full resync now */
	bool late;                     /* weigh each entry (ct_recv_entry) */
	bool unneeded;                 /* drop is REPLAYED or TOO_OLD, of a
					  number a nack asked for: a resend
					  no longer needed */
};

void ct_recv_datagram(const struct ct_recv_view *v,
    const struct ct_wire_header *hdr, struct ct_recv_verdict *out);

enum ct_recv_entry { CT_RECV_APPLY, CT_RECV_SKIP };

/*
 * An entry (flow key) of the datagram numbered seq: skipped when it is
 * late and the order table holds a later change of the flow.
 */
enum ct_recv_entry ct_recv_entry(const struct ct_order *order, bool late,
    uint32_t seq, uint64_t key);

enum ct_recv_gap {
	CT_RECV_GAP_NONE,              /* nothing missing: reset the clocks */
	CT_RECV_GAP_WAIT,              /* missing, its resend may yet come */
	CT_RECV_GAP_NACK_NEW,          /* ask for the gaps no nack named */
	CT_RECV_GAP_NACK,              /* ask for every gap again */
	CT_RECV_GAP_RESYNC,            /* give them up: ask for a full resync */
};

/* The receiver's loss-repair clocks (monotonic ms; 0: not set). */
struct ct_recv_repair {
	uint64_t last_nack_ms;         /* the last nack sent */
	uint64_t drained_ms;           /* the socket first found empty since */
	uint32_t oldest;               /* the oldest gap timed (first number) */
	uint64_t oldest_since_ms;      /* since its resend could have come */
};

/* No gap open (or all given up): every clock stopped. */
void ct_recv_repair_reset(struct ct_recv_repair *r);

/* A nack went out at now_ms (its resends are not there yet). */
void ct_recv_repair_nacked(struct ct_recv_repair *r, uint64_t now_ms);

/* A read of the socket found it empty at now_ms. */
void ct_recv_repair_drained(struct ct_recv_repair *r, uint64_t now_ms);

/*
 * What to do about the window's gaps at now_ms (the rules above); notes
 * in r which gap is the oldest and since when it is timed.
 */
enum ct_recv_gap ct_recv_gap(const struct ct_window *w,
    struct ct_recv_repair *r, uint64_t now_ms);

/*
 * Preemption waits for the table: a node that has just become receiver
 * (started, or lost its master role) and is not synced yet would, as
 * master, drop every established connection it has no entry for. It
 * waits at most CT_RECV_TABLE_WAIT_MS from since_ms (a table that big, or
 * a peer that never completes a dump, must not keep the better node out
 * for ever), and only CT_RECV_TABLE_SILENT_MS when nothing was ever heard
 * from the peer (it runs no conn_sync, or the sync link is down).
 */
#define CT_RECV_TABLE_WAIT_MS 30000
#define CT_RECV_TABLE_SILENT_MS 2000

bool ct_recv_table_pending(bool receiving, bool synced, bool peer_heard,
    uint64_t since_ms, uint64_t now_ms);

/* When ct_recv_gap may next say more than WAIT; 0: not before a read. */
uint64_t ct_recv_repair_deadline(const struct ct_recv_repair *r);

#endif
