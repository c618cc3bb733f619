/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_recv - the sync receiver's decisions (see ct_recv.h).
 */
#include <string.h>

#include "ctsync/ct_recv.h"

void
ct_recv_datagram(const struct ct_recv_view *v,
    const struct ct_wire_header *hdr, struct ct_recv_verdict *out)
{
	const struct ct_window *w = v->window;
	bool new_session = false;

	memset(out, 0, sizeof(*out));
	if (hdr->sender_id == v->own_id || hdr->session == v->own_session) {
		out->drop = CT_DROP_REFLECTED;
		return;
	}
	out->drop = ct_window_check(w, hdr->session, hdr->seq, &new_session);
	if (out->drop == CT_DROP_TOO_OLD && ct_window_adopts(w, hdr->session,
	    hdr->seq, v->silent_ms)) {
		/* lib/ctsync/ct_wire.h, "Sessions": the peer's clock went back. */
		out->drop = CT_DROP_NONE;
		out->adopt = true;
		new_session = true;
	}
	if (out->drop != CT_DROP_NONE) {
		out->unneeded = (out->drop == CT_DROP_REPLAYED ||
		    out->drop == CT_DROP_TOO_OLD) &&
		    hdr->session == w->session && ct_window_asked(w, hdr->seq);
		return;
	}
	out->new_session = new_session;
	/* The first session we hear: our own start asks for a resync. */
	out->resync = v->receiving && new_session &&
	    (w->session != 0 || out->adopt);
	out->lost = v->receiving && !new_session &&
	    ct_window_loses(w, hdr->seq);
	out->late = !new_session && hdr->seq < w->highest;
}

enum ct_recv_entry
ct_recv_entry(const struct ct_order *order, bool late, uint32_t seq,
    uint64_t key)
{
	return late && ct_order_newer(order, key, seq) ? CT_RECV_SKIP :
	    CT_RECV_APPLY;
}

void
ct_recv_repair_reset(struct ct_recv_repair *r)
{
	memset(r, 0, sizeof(*r));
}

void
ct_recv_repair_nacked(struct ct_recv_repair *r, uint64_t now_ms)
{
	r->last_nack_ms = now_ms;
	r->drained_ms = 0;
}

void
ct_recv_repair_drained(struct ct_recv_repair *r, uint64_t now_ms)
{
	if (r->last_nack_ms == 0 || r->drained_ms != 0)
		return;
	r->drained_ms = now_ms;
	/* The oldest gap was asked for before: its resend could come now. */
	if (r->oldest != 0 && r->oldest_since_ms == 0)
		r->oldest_since_ms = now_ms;
}

enum ct_recv_gap
ct_recv_gap(const struct ct_window *w, struct ct_recv_repair *r,
    uint64_t now_ms)
{
	struct ct_range oldest, unasked;
	bool fresh;

	if (ct_window_gaps(w, &oldest, 1) == 0)
		return CT_RECV_GAP_NONE;
	fresh = ct_window_unasked(w, &unasked, 1) > 0;
	if (oldest.first != r->oldest) {
		/* The one before came (or was given up): time this one. */
		r->oldest = oldest.first;
		r->oldest_since_ms = r->drained_ms != 0 &&
		    !(fresh && unasked.first == oldest.first) ? now_ms : 0;
	}
	if (r->oldest_since_ms != 0 &&
	    now_ms - r->oldest_since_ms >= CT_RECV_GAP_MAX_MS)
		return CT_RECV_GAP_RESYNC;
	if (fresh)
		return CT_RECV_GAP_NACK_NEW;
	if ((r->drained_ms != 0 && now_ms - r->drained_ms >= CT_RECV_NACK_MS) ||
	    now_ms - r->last_nack_ms >= CT_RECV_NACK_BLIND_MS)
		return CT_RECV_GAP_NACK;
	return CT_RECV_GAP_WAIT;
}

bool
ct_recv_table_pending(bool receiving, bool synced, bool peer_heard,
    uint64_t since_ms, uint64_t now_ms)
{
	uint64_t waited = now_ms > since_ms ? now_ms - since_ms : 0;

	if (!receiving || synced)
		return false;
	return waited < (peer_heard ? CT_RECV_TABLE_WAIT_MS :
	    CT_RECV_TABLE_SILENT_MS);
}

uint64_t
ct_recv_repair_deadline(const struct ct_recv_repair *r)
{
	uint64_t due;

	if (r->last_nack_ms == 0)
		return 0;
	due = r->last_nack_ms + CT_RECV_NACK_BLIND_MS;
	if (r->drained_ms != 0 && r->drained_ms + CT_RECV_NACK_MS < due)
		due = r->drained_ms + CT_RECV_NACK_MS;
	if (r->oldest_since_ms != 0 &&
	    r->oldest_since_ms + CT_RECV_GAP_MAX_MS < due)
		due = r->oldest_since_ms + CT_RECV_GAP_MAX_MS;
	return due;
}
