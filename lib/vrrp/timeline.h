/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timeline - the last TIMELINE_MAX state transitions of one instance, for
 * `vipctl status`, vipd.data and vipd.json.
 *
 * Owns: a ring of at most TIMELINE_MAX entries (the oldest is
 * overwritten). The ring grows on demand (4, 8, ... TIMELINE_MAX slots):
 * most instances make a handful of transitions in their life, and a full
 * ring per instance was a third of vipd's memory at 1000 instances. When
 * growing fails the ring keeps its size and overwrites its oldest entry
 * (counted in grow_failed); nothing else is lost.
 * Never does: read clocks (the caller stamps each entry with both its
 * monotonic time, for ages, and the wall clock, for people) or format.
 */
#ifndef VIPD_TIMELINE_H
#define VIPD_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_pkt.h"

#define TIMELINE_MAX 100

#define TIMELINE_DETAIL_MAX 96    /* detail text, including NUL */

/* Packed: enum vrrp_state and vrrp_reason values fit a byte. */
struct timeline_entry {
	uint64_t at_ms;                /* monotonic */
	uint64_t wall_ms;              /* CLOCK_REALTIME, ms since the epoch */
	struct addr peer;         /* family 0 when none */
	uint8_t from, to;              /* enum vrrp_state */
	uint8_t reason;                /* enum vrrp_reason */
	char detail[TIMELINE_DETAIL_MAX]; /* health transitions: which track,
					  script, exit code or timeout; "" otherwise */
};

struct timeline {
	struct timeline_entry *entries; /* owned: cap slots, NULL while cap 0 */
	uint32_t cap;                  /* slots allocated, <= TIMELINE_MAX */
	uint32_t next;                 /* slot the next entry goes to */
	uint32_t count;                /* entries kept, <= cap */
	uint32_t grow_failed;          /* out of memory: ring kept its size */
	uint64_t total;                /* entries ever added */
};

/* Empty, nothing allocated. */
void timeline_init(struct timeline *tl);

/* Free the entries; tl is empty (as after timeline_init) afterwards. */
void timeline_free(struct timeline *tl);

/* Keep e, growing the ring when it is full and below TIMELINE_MAX. */
void timeline_add(struct timeline *tl, const struct timeline_entry *e);

/* Entries kept (0..TIMELINE_MAX). */
size_t timeline_count(const struct timeline *tl);

/* The i-th newest entry (0 = the latest), or NULL when i >= count. */
const struct timeline_entry *timeline_recent(const struct timeline *tl, size_t i);

#endif
