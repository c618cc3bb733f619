/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_heap - a binary min-heap of check deadlines (see check_heap.h).
 *
 * nodes[0] is the earliest; the children of i are 2i+1 and 2i+2, never
 * earlier than i. Every move goes through place(), which keeps each
 * node's pos equal to its index.
 */
#include <errno.h>
#include <stdlib.h>

#include "lb/check_heap.h"

void
check_heap_init(struct check_heap *h)
{
	h->nodes = NULL;
	h->len = h->cap = 0;
}

void
check_heap_free(struct check_heap *h)
{
	for (size_t i = 0; i < h->len; i++)
		h->nodes[i]->pos = CHECK_HEAP_NONE;
	free(h->nodes);
	check_heap_init(h);
}

void
check_heap_node_init(struct check_heap_node *n)
{
	n->due_ms = 0;
	n->pos = CHECK_HEAP_NONE;
}

int
check_heap_reserve(struct check_heap *h, size_t n)
{
	struct check_heap_node **p;

	if (n <= h->cap)
		return 0;
	if (n > SIZE_MAX / sizeof(*p) ||
	    (p = realloc(h->nodes, n * sizeof(*p))) == NULL)
		return -ENOMEM;
	h->nodes = p;
	h->cap = n;
	return 0;
}

static void
place(struct check_heap *h, size_t i, struct check_heap_node *n)
{
	h->nodes[i] = n;
	n->pos = i;
}

static void
sift_up(struct check_heap *h, size_t i)
{
	struct check_heap_node *n = h->nodes[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (h->nodes[parent]->due_ms <= n->due_ms)
			break;
		place(h, i, h->nodes[parent]);
		i = parent;
	}
	place(h, i, n);
}

static void
sift_down(struct check_heap *h, size_t i)
{
	struct check_heap_node *n = h->nodes[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= h->len)
			break;
		if (child + 1 < h->len &&
		    h->nodes[child + 1]->due_ms < h->nodes[child]->due_ms)
			child++;
		if (h->nodes[child]->due_ms >= n->due_ms)
			break;
		place(h, i, h->nodes[child]);
		i = child;
	}
	place(h, i, n);
}

int
check_heap_set(struct check_heap *h, struct check_heap_node *n,
    uint64_t due_ms)
{
	uint64_t was;

	if (due_ms == 0) {
		check_heap_remove(h, n);
		return 0;
	}
	if (n->pos == CHECK_HEAP_NONE) {
		if (h->len == h->cap)
			return -ENOSPC;
		n->due_ms = due_ms;
		place(h, h->len++, n);
		sift_up(h, n->pos);
		return 0;
	}
	was = n->due_ms;
	n->due_ms = due_ms;
	if (due_ms < was)
		sift_up(h, n->pos);
	else if (due_ms > was)
		sift_down(h, n->pos);
	return 0;
}

void
check_heap_remove(struct check_heap *h, struct check_heap_node *n)
{
	size_t i = n->pos;
	struct check_heap_node *last;

	if (i == CHECK_HEAP_NONE)
		return;
	n->pos = CHECK_HEAP_NONE;
	last = h->nodes[--h->len];
	if (i == h->len)
		return;
	/* The last node fills the hole, then goes up or down as its key says. */
	place(h, i, last);
	sift_up(h, i);
	sift_down(h, last->pos);
}

struct check_heap_node *
check_heap_top(const struct check_heap *h)
{
	return h->len > 0 ? h->nodes[0] : NULL;
}

uint64_t
check_heap_next_ms(const struct check_heap *h)
{
	return h->len > 0 ? h->nodes[0]->due_ms : 0;
}
