/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reconcile - keep / delete / new tags for a reload (see reconcile.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/reconcile.h"

int
reconcile_match(struct reconcile *r, size_t nold, size_t nnew,
    reconcile_keeps_fn keeps, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->old_tag = calloc(nold ? nold : 1, sizeof(*r->old_tag));
	r->new_tag = calloc(nnew ? nnew : 1, sizeof(*r->new_tag));
	r->from = calloc(nnew ? nnew : 1, sizeof(*r->from));
	if (r->old_tag == NULL || r->new_tag == NULL || r->from == NULL) {
		reconcile_free(r);
		return -ENOMEM;
	}
	r->nold = nold;
	r->nnew = nnew;
	for (size_t o = 0; o < nold; o++)
		r->old_tag[o] = RECONCILE_DELETE;
	for (size_t n = 0; n < nnew; n++) {
		r->new_tag[n] = RECONCILE_NEW;
		for (size_t o = 0; o < nold; o++) {
			if (r->old_tag[o] == RECONCILE_KEEP || !keeps(arg, o, n))
				continue;
			r->old_tag[o] = r->new_tag[n] = RECONCILE_KEEP;
			r->from[n] = o;
			r->kept++;
			break;
		}
	}
	return 0;
}

size_t
reconcile_deleted_where(const struct reconcile *r,
    bool (*same)(void *arg, size_t o), void *arg)
{
	for (size_t o = 0; o < r->nold; o++)
		if (r->old_tag[o] == RECONCILE_DELETE && same(arg, o))
			return o;
	return (size_t)-1;
}

size_t
reconcile_new_where(const struct reconcile *r,
    bool (*same)(void *arg, size_t n), void *arg)
{
	for (size_t n = 0; n < r->nnew; n++)
		if (r->new_tag[n] == RECONCILE_NEW && same(arg, n))
			return n;
	return (size_t)-1;
}

void
reconcile_free(struct reconcile *r)
{
	free(r->old_tag);
	free(r->new_tag);
	free(r->from);
	memset(r, 0, sizeof(*r));
}
