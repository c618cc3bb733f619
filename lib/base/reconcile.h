/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reconcile - the one idiom for making a running list follow a new config
 * (reload's instances, the balancer's services), as OpenBSD bgpd's
 * merge_config does it: first tag every object, then walk the lists once.
 *
 *   old objects:  RECONCILE_KEEP (runs on as a new one) or RECONCILE_DELETE
 *   new objects:  RECONCILE_KEEP (from[i] says which old one) or RECONCILE_NEW
 *
 * reconcile_match() only tags; what keep, delete and new mean (stop,
 * start, rules) is the caller's walk. Pure: no syscall, no allocation
 * beyond its own arrays.
 */
#ifndef VIPD_RECONCILE_H
#define VIPD_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>

enum reconcile_tag {
	RECONCILE_KEEP = 0,
	RECONCILE_DELETE,
	RECONCILE_NEW,
};

struct reconcile {
	size_t nold, nnew;
	enum reconcile_tag *old_tag;    /* nold: KEEP or DELETE */
	enum reconcile_tag *new_tag;    /* nnew: KEEP or NEW */
	size_t *from;                   /* nnew: the old index kept, if KEEP */
	size_t kept;                    /* how many KEEP pairs */
};

/*
 * May old object `o` run on as new object `n`? Called for each new object
 * in order, with each old object not yet kept in order, until one says
 * yes; so a callback with a side effect on yes (rebinding o to n's
 * config) sees each old object accepted at most once.
 */
typedef bool (*reconcile_keeps_fn)(void *arg, size_t o, size_t n);

/*
 * Tag nold old and nnew new objects. Allocates r's arrays before the
 * first call of keeps (so nothing has been kept when it fails): 0, or
 * -ENOMEM with r empty. Free with reconcile_free().
 */
int reconcile_match(struct reconcile *r, size_t nold, size_t nnew,
    reconcile_keeps_fn keeps, void *arg);

/* The old object tagged DELETE or new tagged NEW that satisfies same, or
 * (size_t)-1: a changed object's predecessor / successor (same name). */
size_t reconcile_deleted_where(const struct reconcile *r,
    bool (*same)(void *arg, size_t o), void *arg);
size_t reconcile_new_where(const struct reconcile *r,
    bool (*same)(void *arg, size_t n), void *arg);

void reconcile_free(struct reconcile *r);

#endif
