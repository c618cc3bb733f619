/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_least - the connection-count schedulers, pure: lc, wlc, sed and nq
 * with IPVS's meaning, turned into a table the kernel walks.
 *
 * IPVS picks a backend per new connection from its live counts; vipd does
 * not see a connection before the kernel has sent it somewhere, so the
 * choice is made ahead: from the counts vipd keeps (lib/lb/lb_conns), the
 * next `len` choices IPVS would make, each one counted as it is made, form
 * a sequence, placed in a ring of len slots (a named nft map) that the
 * service's DNAT rule walks with "numgen inc mod len" (lib/lb/lb_nft.h).
 * The rule stays in place while the counts change, so its numgen keeps
 * counting; vipd knows how far it has come from the conntrack events of
 * the flows it placed, and rewrites the slots from there on:
 *  - connections opened one after another each find, at their slot, the
 *    pick from counts that include the previous ones: each goes where
 *    IPVS would send it, to a backend with the fewest;
 *  - a burst walks the sequence: the first ones fill the backends
 *    furthest below the others ("room"), the next ones are spread by
 *    weight, as IPVS would have placed them had none closed meanwhile.
 *    Flows the kernel places before vipd has their events take the
 *    picks written after the position vipd knows, which are theirs: a
 *    sequence from counts that include the first k picks, placed from
 *    slot k, is the first sequence from there on
 *    (test_sequence_from_later_counts_continues_the_first), so rewrites
 *    during a burst change nothing ahead of the kernel, and a connection
 *    that closes meanwhile moves only the picks after it.
 *
 * Overheads, as IPVS defines them (ip_vs_lc.c, ip_vs_wlc.c, ...):
 *   lc   min  active x 256 + inactive
 *   wlc  min  (active x 256 + inactive) / weight
 *   sed  min  (active + 1) / weight
 *   nq   a backend with no active connection first, else as sed
 * Ties go to the first backend in the config's order, as IPVS's list walk
 * does. A choice made ahead counts as an active connection: a connection
 * being opened becomes one within a round trip, and counting it as
 * inactive (1 instead of 256) would send a whole burst to the backend
 * that was lowest when it began.
 *
 * Owns: the arithmetic. Never does: allocate, or touch the OS.
 */
#ifndef VIPD_LB_LEAST_H
#define VIPD_LB_LEAST_H

#include <stddef.h>
#include <stdint.h>

enum lb_least_kind { LB_LEAST_LC = 0, LB_LEAST_WLC, LB_LEAST_SED,
	LB_LEAST_NQ };

struct lb_least_backend {
	uint32_t weight;              /* 0 = no new connections */
	int usable;                   /* 0 = down: no new connections */
	uint32_t active, inactive;    /* its connections now */
};

/* The sequence length for n configured backends (at least 256). */
size_t lb_least_len(size_t n);

/*
 * The index of the backend IPVS would pick now, or -1 when none is usable
 * with a weight above 0.
 */
int lb_least_pick(enum lb_least_kind kind, const struct lb_least_backend *b,
    size_t n);

/*
 * The next len picks into seq[], each counted as one more active
 * connection of its backend before the next (b[] is not changed).
 * Returns len, or 0 when no backend takes new connections.
 */
size_t lb_least_seq(enum lb_least_kind kind, const struct lb_least_backend *b,
    size_t n, uint16_t *seq, size_t len);

/*
 * seq[] (len picks) placed in a ring of len slots with its first pick at
 * slot pos % len: slots[(pos + j) % len] = seq[j].
 */
void lb_least_place(const uint16_t *seq, size_t len, uint32_t pos,
    uint16_t *slots);

#endif
