/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_order - the latest sequence number at which each flow changed, so
 * that a change that arrives late never undoes a later one.
 *
 * The sync receiver notes, while a gap in the sequence numbers is open,
 * every flow it applies with the datagram's number; a datagram that fills
 * the gap later (a nack's resend) is older than those, and its entry for a
 * flow noted with a higher number is stale: applying it would, say,
 * reinstall a flow whose destroy came first, for the days an established
 * TCP entry lives. Once no gap is open no late datagram can come (the
 * window refuses everything at or below its highest number but the gaps),
 * and the table is cleared. The sender uses the same table while a paced
 * dump runs, numbered by the dump's reads instead of datagrams (ct_sync.c).
 *
 * Records are (ct_entry_key, seq) in one open-addressing table of twice
 * max slots, allocated at the first note and kept (at most
 * 2 * CT_ORDER_MAX * 16 bytes). A note that finds the table full first
 * forgets the records below the caller's floor (those no datagram still
 * acceptable can be compared with); when it is still full the note fails
 * and the caller gives the gap up (a full resync supersedes it).
 *
 * Owns: the table. Never does: decide what is late, or touch the kernel.
 * Pure, unit-tested.
 */
#ifndef VIPD_CT_ORDER_H
#define VIPD_CT_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctsync/ct_wire.h"

/* A window's worth of full datagrams: every flow a late datagram can meet. */
#define CT_ORDER_MAX (CT_WIRE_WINDOW * CT_WIRE_MAX_ENTRIES)

struct ct_order_slot {
	uint64_t key;                  /* 0 = empty */
	uint32_t seq;
};

struct ct_order {
	struct ct_order_slot *slots;   /* 2 * max, owned; NULL until a note */
	size_t cap, used, max;
	uint64_t forgotten;            /* records dropped below a floor */
};

/* Empty; max = 0 means CT_ORDER_MAX. */
void ct_order_init(struct ct_order *o, size_t max);
void ct_order_free(struct ct_order *o);

/* Forget every record (the memory is kept). */
void ct_order_clear(struct ct_order *o);

/* Records held. */
size_t ct_order_count(const struct ct_order *o);

/*
 * Flow key changed at seq (the highest seq per key is kept). When the
 * table is full, records with a seq below floor are forgotten first.
 * Returns 0, -ENOSPC (still full) or -ENOMEM.
 */
int ct_order_note(struct ct_order *o, uint64_t key, uint32_t seq,
    uint32_t floor);

/* True when key was noted with a seq above seq: a change at seq is stale. */
bool ct_order_newer(const struct ct_order *o, uint64_t key, uint32_t seq);

/* Forget the records with a seq below floor. */
void ct_order_forget_below(struct ct_order *o, uint32_t floor);

#endif
