/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_order - the latest sequence number per flow (see ct_order.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctsync/ct_order.h"

void
ct_order_init(struct ct_order *o, size_t max)
{
	memset(o, 0, sizeof(*o));
	o->max = max != 0 ? max : CT_ORDER_MAX;
}

void
ct_order_free(struct ct_order *o)
{
	free(o->slots);
	o->slots = NULL;
	o->cap = o->used = 0;
}

void
ct_order_clear(struct ct_order *o)
{
	if (o->used == 0)
		return;
	memset(o->slots, 0, o->cap * sizeof(*o->slots));
	o->used = 0;
}

size_t
ct_order_count(const struct ct_order *o)
{
	return o->used;
}

/* The slot of key, or the empty one where it would go. */
static struct ct_order_slot *
find(const struct ct_order *o, uint64_t key)
{
	size_t mask = o->cap - 1, i = (size_t)key & mask;

	while (o->slots[i].key != 0 && o->slots[i].key != key)
		i = (i + 1) & mask;
	return &o->slots[i];
}

static int
alloc_table(struct ct_order *o)
{
	size_t cap = 1;

	/* A power of two at least twice max: probes stay short. */
	while (cap < 2 * o->max)
		cap <<= 1;
	if ((o->slots = calloc(cap, sizeof(*o->slots))) == NULL)
		return -ENOMEM;
	o->cap = cap;
	return 0;
}

void
ct_order_forget_below(struct ct_order *o, uint32_t floor)
{
	struct ct_order_slot *old = o->slots;
	size_t cap = o->cap;

	if (o->used == 0)
		return;
	/*
	 * Rebuilt in place would need tombstones; a second table for the
	 * moment is simpler, and this runs once per max notes at most.
	 */
	o->slots = NULL;
	o->used = 0;
	if (alloc_table(o) < 0) {
		/* Keep nothing rather than something wrong: callers then
		 * treat late entries as fresh, as before this table. */
		o->slots = old;
		o->cap = cap;
		memset(old, 0, cap * sizeof(*old));
		o->forgotten++;
		return;
	}
	for (size_t i = 0; i < cap; i++) {
		if (old[i].key == 0)
			continue;
		if (old[i].seq < floor) {
			o->forgotten++;
			continue;
		}
		*find(o, old[i].key) = old[i];
		o->used++;
	}
	free(old);
}

int
ct_order_note(struct ct_order *o, uint64_t key, uint32_t seq, uint32_t floor)
{
	struct ct_order_slot *slot;

	if (key == 0)
		key = 1;                 /* 0 marks an empty slot */
	if (o->slots == NULL && alloc_table(o) < 0)
		return -ENOMEM;
	slot = find(o, key);
	if (slot->key == key) {
		if (seq > slot->seq)
			slot->seq = seq;
		return 0;
	}
	if (o->used >= o->max) {
		ct_order_forget_below(o, floor);
		if (o->used >= o->max)
			return -ENOSPC;
		slot = find(o, key);
	}
	slot->key = key;
	slot->seq = seq;
	o->used++;
	return 0;
}

bool
ct_order_newer(const struct ct_order *o, uint64_t key, uint32_t seq)
{
	const struct ct_order_slot *slot;

	if (o->used == 0)
		return false;
	if (key == 0)
		key = 1;
	slot = find(o, key);
	return slot->key == key && slot->seq > seq;
}
