/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_ring - the sync sender's datagram ring (see ct_ring.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "ctsync/ct_ring.h"

int
ct_ring_init(struct ct_ring *r)
{
	r->seq = r->sent_upto = 0;
	r->overwritten = 0;
	r->slots = calloc(CT_RING_SLOTS, sizeof(*r->slots));
	return r->slots != NULL ? 0 : -ENOMEM;
}

void
ct_ring_free(struct ct_ring *r)
{
	free(r->slots);
	r->slots = NULL;
}

bool
ct_ring_exhausted(const struct ct_ring *r)
{
	return r->seq == UINT32_MAX;
}

void
ct_ring_restart(struct ct_ring *r)
{
	for (size_t i = 0; i < CT_RING_SLOTS; i++)
		r->slots[i].seq = 0;
	r->seq = r->sent_upto = 0;
}

struct ct_ring_slot *
ct_ring_next(struct ct_ring *r, uint32_t *seq)
{
	*seq = r->seq + 1;
	return &r->slots[*seq % CT_RING_SLOTS];
}

void
ct_ring_commit(struct ct_ring *r, struct ct_ring_slot *slot, uint32_t seq,
    size_t len)
{
	/* The slot held one never sent: the queue is full, that one is lost. */
	if (r->seq - r->sent_upto >= CT_RING_SLOTS) {
		r->overwritten++;
		r->sent_upto = seq - CT_RING_SLOTS;
	}
	r->seq = seq;
	slot->seq = seq;
	slot->len = (uint16_t)len;
}

void
ct_ring_abort(struct ct_ring *r, struct ct_ring_slot *slot)
{
	(void)r;
	/* Its old bytes may be half overwritten: never resend them. */
	slot->seq = 0;
}

const struct ct_ring_slot *
ct_ring_unsent(struct ct_ring *r)
{
	while (r->sent_upto != r->seq) {
		const struct ct_ring_slot *slot =
		    &r->slots[(r->sent_upto + 1) % CT_RING_SLOTS];

		if (slot->seq == r->sent_upto + 1)
			return slot;
		r->overwritten++;
		r->sent_upto++;
	}
	return NULL;
}

void
ct_ring_sent(struct ct_ring *r)
{
	if (r->sent_upto != r->seq)
		r->sent_upto++;
}

uint32_t
ct_ring_queued(const struct ct_ring *r)
{
	return r->seq - r->sent_upto;
}

enum ct_ring_lookup
ct_ring_find(const struct ct_ring *r, uint32_t seq,
    const struct ct_ring_slot **out)
{
	const struct ct_ring_slot *slot = &r->slots[seq % CT_RING_SLOTS];

	if (seq == 0 || seq > r->seq)
		return CT_RING_GONE;
	if (seq > r->sent_upto)
		return CT_RING_QUEUED;
	if (slot->seq != seq)
		return CT_RING_GONE;
	*out = slot;
	return CT_RING_FOUND;
}
