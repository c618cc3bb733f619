/*
 * ct_recv - the sync receiver's decisions (see ct_recv.h).
 */
#include <string.h>

#include "ct_recv.h"

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
		/* lib/ct_wire.h, "Sessions": the peer's clock went back. */
		out->drop = CT_DROP_NONE;
		out->adopt = true;
		new_session = true;
	}
	if (out->drop != CT_DROP_NONE)
		return;
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

enum ct_recv_gap
ct_recv_gap(const struct ct_window *w, uint64_t gap_since_ms,
    uint64_t last_nack_ms, uint64_t now_ms)
{
	if (!ct_window_has_gaps(w))
		return CT_RECV_GAP_NONE;
	if (gap_since_ms == 0)
		return CT_RECV_GAP_NACK;         /* a new gap: at once */
	if (now_ms - gap_since_ms >= CT_RECV_GAP_MAX_MS)
		return CT_RECV_GAP_RESYNC;
	if (now_ms - last_nack_ms >= CT_RECV_NACK_MS)
		return CT_RECV_GAP_NACK;
	return CT_RECV_GAP_WAIT;
}
