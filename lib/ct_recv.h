/*
 * ct_recv - what the sync receiver does with a verified datagram, and when
 * it asks again for what is missing: the decisions of lib/ct_sync_recv.c,
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
 *  - checked against the window (lib/ct_wire.h): a replay or an old one is
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
 * A gap in the window is asked for at once (nack), again every
 * CT_RECV_NACK_MS while it lasts, and given up for a full resync once it
 * has been open CT_RECV_GAP_MAX_MS (the sender's ring no longer has it, or
 * the nacks do not get through).
 *
 * Owns: nothing (decisions only). Never does: send, read, or touch the
 * window, the order table or the kernel table; the caller acts.
 */
#ifndef VIPD_CT_RECV_H
#define VIPD_CT_RECV_H

#include <stdbool.h>
#include <stdint.h>

#include "ct_order.h"
#include "ct_wire.h"

#define CT_RECV_NACK_MS 100       /* a nack is repeated while its gap lasts */
#define CT_RECV_GAP_MAX_MS 1000   /* a gap open this long: full resync */

/* What the receiver knows when a datagram comes. */
struct ct_recv_view {
	const struct ct_window *window;
	uint64_t own_session;          /* the session we send with */
	uint32_t own_id;               /* ct_wire_sender_id of our address */
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
	CT_RECV_GAP_NONE,              /* nothing missing: the gap is closed */
	CT_RECV_GAP_WAIT,              /* missing, asked for recently */
	CT_RECV_GAP_NACK,              /* ask for it (again) now */
	CT_RECV_GAP_RESYNC,            /* give it up: ask for a full resync */
};

/*
 * What to do about the window's gaps at now_ms; gap_since_ms is when the
 * open gap was first asked for (0: none open), last_nack_ms the last nack.
 */
enum ct_recv_gap ct_recv_gap(const struct ct_window *w, uint64_t gap_since_ms,
    uint64_t last_nack_ms, uint64_t now_ms);

#endif
