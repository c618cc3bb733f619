/*
 * timeline - a ring of the last transitions of an instance.
 */
#include <string.h>

#include "timeline.h"

void
timeline_init(struct timeline *tl)
{
	memset(tl, 0, sizeof(*tl));
}

void
timeline_add(struct timeline *tl, const struct timeline_entry *e)
{
	tl->entries[tl->next] = *e;
	tl->next = (tl->next + 1) % TIMELINE_MAX;
	if (tl->count < TIMELINE_MAX)
		tl->count++;
	tl->total++;
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
	return &tl->entries[(tl->next + TIMELINE_MAX - 1 - i) % TIMELINE_MAX];
}
