/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_least - the connection-count schedulers, pure: lc, wlc, sed and nq
 * with IPVS's meaning, turned into a table the kernel walks.
 *
 * IPVS picks a backend per new connection from its live counts; vipd does
 * not see a connection before the kernel has sent it somewhere, so the
 * choice is made ahead: from the counts vipd keeps (lib/lb/lb_conns), the
 * next `len` choices IPVS would make, each one counted as it is made, form
 * a sequence, and the service's DNAT rule walks it with "numgen inc mod
 * len". A rule the kernel has just installed starts its numgen at 0 (a
 * fresh expression), and vipd rewrites the rule whenever the counts
 * change, so:
 *  - connections opened one after another each find a table computed from
 *    counts that include the previous one: each goes where IPVS would send
 *    it, to a backend with the fewest;
 *  - a burst that arrives between two rewrites walks the sequence: the
 *    first ones fill the backends furthest below the others ("room"), the
 *    next ones are spread by weight, exactly as IPVS would have placed
 *    them had none of them closed meanwhile; the rewrite that follows
 *    starts again from the real counts.
 *
 * One race is left: a connection the kernel places while a rewrite is
 * being committed is not in the counts the rewrite was computed from, so
 * the next one can land on the same backend (off by one until the next
 * rewrite). Closing it needs the map rewritten in place under a numgen
 * that keeps counting, at the position the events say it has reached.
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

#endif
