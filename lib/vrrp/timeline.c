/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timeline - a ring of the last transitions of an instance, grown on
 * demand up to TIMELINE_MAX slots.
 */
#include <stdlib.h>
#include <string.h>

#include "vrrp/timeline.h"

#define TIMELINE_FIRST_CAP 4

_Static_assert(VRRP_REASON__COUNT <= 256, "a reason must fit timeline_entry.reason");
_Static_assert(VRRP_STATE_FAULT < 256, "a state must fit timeline_entry.from");

void
timeline_init(struct timeline *tl)
{
	memset(tl, 0, sizeof(*tl));
}

void
timeline_free(struct timeline *tl)
{
	free(tl->entries);
	timeline_init(tl);
}

/*
 * Full below TIMELINE_MAX: a ring twice the size (at most TIMELINE_MAX),
 * with the entries copied oldest first so that the ring stays in order.
 * Returns false, leaving tl as it was, when memory is short.
 */
static bool
timeline_grow(struct timeline *tl)
{
	uint32_t cap = tl->cap ? tl->cap * 2 : TIMELINE_FIRST_CAP;
	struct timeline_entry *grown;

	if (cap > TIMELINE_MAX)
		cap = TIMELINE_MAX;
	if ((grown = malloc(cap * sizeof(*grown))) == NULL)
		return false;
	for (uint32_t i = 0; i < tl->count; i++)
		grown[i] = tl->entries[(tl->next + i) % tl->cap];
	free(tl->entries);
	tl->entries = grown;
	tl->cap = cap;
	tl->next = tl->count;
	return true;
}

void
timeline_add(struct timeline *tl, const struct timeline_entry *e)
{
	tl->total++;
	if (tl->count == tl->cap && tl->cap < TIMELINE_MAX && !timeline_grow(tl)) {
		tl->grow_failed++;
		if (tl->cap == 0)
			return;        /* nothing to overwrite: only counted */
	}
	tl->entries[tl->next] = *e;
	tl->next = (tl->next + 1) % tl->cap;
	if (tl->count < tl->cap)
		tl->count++;
}

size_t
timeline_count(const struct timeline *tl)
{
	return tl->count;
}

const struct timeline_entry *
timeline_recent(const struct timeline *tl, size_t i)
{
	if (i >= tl->count)
		return NULL;
	return &tl->entries[(tl->next + tl->cap - 1 - i) % tl->cap];
}
