/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sweep - mark-and-sweep of the sync receiver's table (see ct_sweep.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ctsync/ct_sweep.h"

#define FIRST_CAP 1024   /* slots; doubled at half full */

void
ct_sweep_init(struct ct_sweep *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->max = max != 0 ? max : CT_SWEEP_MAX_ENTRIES;
}

static bool
insert(uint64_t *marks, size_t cap, uint64_t key)
{
	size_t i = (size_t)key & (cap - 1);

	while (marks[i] != 0) {
		if (marks[i] == key)
			return false;
		i = (i + 1) & (cap - 1);
	}
	marks[i] = key;
	return true;
}

static bool
grow(struct ct_sweep *w)
{
	size_t cap = w->cap != 0 ? 2 * w->cap : FIRST_CAP;
	uint64_t *marks = calloc(cap, sizeof(*marks));

	if (marks == NULL)
		return false;
	for (size_t i = 0; i < w->cap; i++)
		if (w->marks[i] != 0)
			insert(marks, cap, w->marks[i]);
	free(w->marks);
	w->marks = marks;
	w->cap = cap;
	return true;
}

uint16_t
ct_sweep_begin(struct ct_sweep *w)
{
	uint16_t next = (uint16_t)(w->last_tag + 1);

	if (w->tag != 0)
		return w->tag;
	/* Never 0 (no tag), never the last one: its late answer must not count. */
	w->tag = next != 0 ? next : 1;
	w->last_tag = w->tag;
	w->spoiled = false;
	return w->tag;
}

bool
ct_sweep_open(const struct ct_sweep *w)
{
	return w->tag != 0;
}

void
ct_sweep_mark(struct ct_sweep *w, const struct ct_entry *e)
{
	if (w->tag == 0 || w->spoiled || !ct_sweep_is_stale(w, e))
		return;
	if (w->used >= w->max || (w->used + 1 > w->cap / 2 && !grow(w))) {
		w->spoiled = true;
		return;
	}
	insert(w->marks, w->cap, ct_entry_key(e));
	w->used++;
}

bool
ct_sweep_answers(const struct ct_sweep *w, uint16_t tag)
{
	return w->tag != 0 && tag == w->tag;
}

uint32_t
ct_sweep_dump_end_flags(uint16_t tag, uint64_t skipped)
{
	if (skipped > 0)
		return 0;
	return CT_WIRE_F_RESYNC_DONE | (uint32_t)tag << CT_SWEEP_TAG_SHIFT;
}

bool
ct_sweep_is_stale(const struct ct_sweep *w, const struct ct_entry *e)
{
	uint64_t key = ct_entry_key(e);

	if (w->cap == 0)
		return true;
	for (size_t i = (size_t)key & (w->cap - 1); w->marks[i] != 0;
	    i = (i + 1) & (w->cap - 1))
		if (w->marks[i] == key)
			return false;
	return true;
}

void
ct_sweep_collect(struct ct_sweep *w, const struct ct_entry *e)
{
	if (w->tag == 0 || w->spoiled || !ct_sweep_is_stale(w, e))
		return;
	if (w->nstale == w->stale_cap) {
		size_t cap = w->stale_cap != 0 ? 2 * w->stale_cap : 64;
		struct ct_entry *n;

		if (cap > w->max)
			cap = w->max;
		if (w->nstale >= cap ||
		    (n = realloc(w->stale, cap * sizeof(*n))) == NULL) {
			w->spoiled = true;
			return;
		}
		w->stale = n;
		w->stale_cap = cap;
	}
	w->stale[w->nstale] = *e;
	w->stale[w->nstale++].op = CT_OP_DESTROY;
}

bool
ct_sweep_spoiled(const struct ct_sweep *w)
{
	return w->spoiled;
}

void
ct_sweep_end(struct ct_sweep *w)
{
	free(w->marks);
	free(w->stale);
	w->marks = NULL;
	w->stale = NULL;
	w->cap = w->used = w->nstale = w->stale_cap = 0;
	w->tag = 0;
	w->spoiled = false;
}
