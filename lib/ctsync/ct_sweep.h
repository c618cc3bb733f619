/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sweep - the sync receiver's mark-and-sweep after a full resync: which
 * of its own balanced entries the master's table no longer holds.
 *
 * A generation opens when the receiver asks for a full resync and gets a
 * tag (1..65535) that the request carries and the answering dump's last
 * datagram echoes (ct_wire.h, flags bits 16..31), so that only a dump
 * that started after the generation opened can close it: a dump already
 * under way when the request left (a periodic refresh, an earlier
 * request's answer) would not hold everything. While it is open, every
 * entry the master sends (dump or event) is marked seen. When the tagged
 * dump is complete (no datagram missing), each entry of the receiver's
 * own table that was not seen is stale: the flow ended on the master while
 * the receiver was away, and its NAT mapping must not outlive it.
 *
 * Marks are 64-bit hashes of (family, protocol, original tuple): a
 * collision keeps a stale entry until its own timeout, never deletes a
 * live one. Bounded: at most CT_SWEEP_MAX_ENTRIES marks and as many stale
 * entries per generation; past that the generation is spoiled (counted by
 * the caller) and sweeps nothing.
 *
 * Owns: the marks and the stale list of the open generation (allocated as
 * they grow, freed by ct_sweep_end).
 * Never does: read the kernel table or delete anything (lib/ct_sync does,
 * through lib/ct_kernel), send or receive. Pure, unit-tested.
 */
#ifndef VIPD_CT_SWEEP_H
#define VIPD_CT_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctsync/ct_wire.h"

#define CT_SWEEP_MAX_ENTRIES (1u << 21)

/* flags bits 16..31 of a resync request and of its dump's last datagram. */
#define CT_SWEEP_TAG_SHIFT 16
#define CT_SWEEP_TAG_OF(flags) ((uint16_t)((flags) >> CT_SWEEP_TAG_SHIFT))

struct ct_sweep {
	uint64_t *marks;               /* open addressing; 0 = empty slot */
	size_t cap, used;
	struct ct_entry *stale;        /* ct_sweep_collect's finds */
	size_t nstale, stale_cap;
	size_t max;                    /* bound on marks and on stale */
	uint16_t tag;                  /* of the open generation; 0 = none */
	uint16_t last_tag;
	bool spoiled;                  /* a bound was hit or memory ran out */
};

/* An empty sweeper, no generation open; max = 0 means CT_SWEEP_MAX_ENTRIES. */
void ct_sweep_init(struct ct_sweep *w, size_t max);

/*
 * Open a generation (or keep the open one: a repeated request belongs to
 * it) and return its tag for the resync request.
 */
uint16_t ct_sweep_begin(struct ct_sweep *w);

/* True while a generation is open. */
bool ct_sweep_open(const struct ct_sweep *w);

/* The master sent e (update or destroy): mark it seen. */
void ct_sweep_mark(struct ct_sweep *w, const struct ct_entry *e);

/*
 * Whether a dump's last datagram with this tag closes the generation: it
 * answers the open generation's request (spoiled ones close too: the
 * caller counts them and sweeps nothing).
 */
bool ct_sweep_answers(const struct ct_sweep *w, uint16_t tag);

/*
 * The sender's side of the rule: the flags of a complete dump's last
 * datagram. CT_WIRE_F_RESYNC_DONE with the tag of the request it answers
 * (0: none), unless skipped entries of the table (the kernel gave them,
 * they could not be read) were left out: a dump that claims to be whole
 * lets the receiver sweep what it did not contain, and a skipped entry is
 * a live flow. Such a dump claims nothing (0); the receiver asks again.
 */
uint32_t ct_sweep_dump_end_flags(uint16_t tag, uint64_t skipped);

/* True when e (of the receiver's table) was not marked. */
bool ct_sweep_is_stale(const struct ct_sweep *w, const struct ct_entry *e);

/* For the receiver's table dump: keep e in the stale list if stale. */
void ct_sweep_collect(struct ct_sweep *w, const struct ct_entry *e);

/* True when the generation hit a bound or ran out of memory. */
bool ct_sweep_spoiled(const struct ct_sweep *w);

/* Close the generation and free its marks and stale list. */
void ct_sweep_end(struct ct_sweep *w);

#endif
