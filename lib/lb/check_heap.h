/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_heap - the schedule of many health checks: a binary min-heap of
 * nodes keyed by the time each is next due, so that the loop finds the
 * earliest in O(1) and moves one in O(log n) when its probe starts, ends
 * or times out. With 1000 backends, scanning all of them after every
 * wake-up (about one a millisecond) was most of the daemon's own CPU.
 *
 * A node is embedded in its owner (lib/check) and knows its place in the
 * heap, so that a change of its key needs no search.
 *
 * Owns: the array of node pointers (check_heap_reserve allocates it, the
 * only allocation). Never does: read a clock, allocate on a change of key
 * (a set that would need room fails instead, see check_heap_set), know
 * what a node belongs to. Pure, unit-tested.
 */
#ifndef VIPD_CHECK_HEAP_H
#define VIPD_CHECK_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define CHECK_HEAP_NONE SIZE_MAX  /* a node's pos when not in a heap */

struct check_heap_node {
	uint64_t due_ms;              /* its key, while in the heap */
	size_t pos;                   /* index in nodes[], or CHECK_HEAP_NONE */
};

struct check_heap {
	struct check_heap_node **nodes;   /* cap of them, owned */
	size_t len, cap;
};

void check_heap_init(struct check_heap *h);
void check_heap_free(struct check_heap *h);

/* A node that is in no heap yet (before its first check_heap_set). */
void check_heap_node_init(struct check_heap_node *n);

/*
 * Room for n nodes in all (it never shrinks). Returns 0 or -ENOMEM (the
 * heap is unchanged then).
 */
int check_heap_reserve(struct check_heap *h, size_t n);

/*
 * Make n due at due_ms: insert it, or move it if it is in h already;
 * due_ms 0 takes it out (nothing due). Returns 0, or -ENOSPC when n is
 * not in h and h is full (reserve first).
 */
int check_heap_set(struct check_heap *h, struct check_heap_node *n,
    uint64_t due_ms);

/* Take n out of h (nothing when it is not in). */
void check_heap_remove(struct check_heap *h, struct check_heap_node *n);

/* The earliest node, or NULL when h is empty. */
struct check_heap_node *check_heap_top(const struct check_heap *h);

/* The earliest due_ms, 0 when h is empty. */
uint64_t check_heap_next_ms(const struct check_heap *h);

#endif
