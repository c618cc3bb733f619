/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_sched - the balancer's scheduler tables, pure: which backend each slot
 * of a lookup table sends new flows to. The kernel does the per-packet part
 * (numgen or jhash picks a slot, an nft map turns the slot into a backend);
 * this module only computes the slot -> backend tables.
 *
 *  - rr / wrr: a smooth weighted round-robin sequence (nginx's algorithm:
 *    weights 5,1,1 give a a b a c a a, not a a a a a b c), walked by
 *    "numgen inc mod LEN". rr is wrr with every usable weight taken as 1.
 *  - sh / mh: a Maglev lookup table (Eisenbud et al., NSDI 2016, 3.4) of a
 *    prime size, indexed by "jhash ... mod SIZE": each backend fills the
 *    table along its own permutation, so when one of N backends goes away
 *    only about 1/N of the slots change owner. Weights give a backend
 *    proportionally more turns.
 *
 * A backend with weight 0 (drained) or marked unusable (down) gets no slot.
 *
 * Owns: nothing but the arithmetic. Never does: allocate, or touch the OS.
 */
#ifndef VIPD_LB_SCHED_H
#define VIPD_LB_SCHED_H

#include <stddef.h>
#include <stdint.h>

#define LB_SCHED_NONE 0xffffu         /* a slot no backend owns */
/*
 * Maglev's imbalance and extra disruption shrink with slots per backend
 * (Eisenbud et al. 5.3): at least 100 a backend, a prime, at most 65537.
 */
#define LB_SCHED_MAGLEV_SLOTS_PER_BACKEND 100u
#define LB_SCHED_MAGLEV_MIN 101u
#define LB_SCHED_MAGLEV_MAX 65537u
#define LB_SCHED_MAX_BACKENDS 256
#define LB_SCHED_SEQ_MAX 25600u       /* 256 backends x weight 100 */

struct lb_sched_backend {
	uint64_t key;                 /* stable identity (lb_sched_key) */
	uint32_t weight;              /* 0 = no new flows */
	int usable;                   /* 0 = down: no new flows */
};

/* A stable 64-bit identity for a backend from its address and port bytes. */
uint64_t lb_sched_key(const void *bytes, size_t len);

/*
 * Smooth weighted round-robin over the usable backends, weights reduced by
 * their greatest common divisor; equal_weights makes it plain rr. Writes at
 * most max entries (backend indexes) to seq; returns the length, 0 when no
 * backend is usable.
 */
size_t lb_sched_wrr(const struct lb_sched_backend *b, size_t n,
    int equal_weights, uint16_t *seq, size_t max);

/*
 * The table size for a service of nconfigured backends: the smallest prime
 * above 100 x the smallest power of two not below nconfigured (101, 211,
 * 401, 809, ...), capped at 65537: at least 100 slots a backend. Sized from
 * the configured backends, never the ones up, so that a health change does
 * not resize the table and move every flow; and in steps, so that a reload
 * adding or removing a backend mostly keeps the size.
 */
size_t lb_sched_maglev_size(size_t nconfigured);

/*
 * Fill table[0..size-1] (size prime, > n) with backend indexes as Maglev
 * does; every slot is LB_SCHED_NONE when no backend is usable. The backend
 * owning a slot depends only on the set of (key, weight, usable), never on
 * the order of b[]. Returns the number of usable backends (0 and no table
 * when n > LB_SCHED_MAX_BACKENDS).
 */
size_t lb_sched_maglev(const struct lb_sched_backend *b, size_t n,
    uint16_t *table, size_t size);

/*
 * A digest of a slot -> backend table, over the backends' keys (a free
 * slot counts as key 0): two nodes with the same digest send every flow to
 * the same backend, whatever the order of their configs.
 */
uint64_t lb_sched_table_digest(const struct lb_sched_backend *b, size_t n,
    const uint16_t *table, size_t size);

#endif
