/*
 * timeline - the last TIMELINE_MAX state transitions of one instance, for
 * `vipctl status`, vipd.data and vipd.json.
 *
 * Owns: a fixed ring of entries (no allocation; the oldest is overwritten).
 * Never does: read clocks (the caller stamps each entry with both its
 * monotonic time, for ages, and the wall clock, for people) or format.
 */
#ifndef VIPD_TIMELINE_H
#define VIPD_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp_fsm.h"
#include "vrrp_pkt.h"

#define TIMELINE_MAX 100

struct timeline_entry {
	enum vrrp_state from, to;
	enum vrrp_reason reason;
	uint64_t at_ms;                /* monotonic */
	uint64_t wall_ms;              /* CLOCK_REALTIME, ms since the epoch */
	struct vrrp_addr peer;         /* family 0 when none */
	char detail[96];               /* health transitions: which track, script,
					  exit code or timeout; "" otherwise */
};

struct timeline {
	size_t next;                   /* slot the next entry goes to */
	size_t count;                  /* min(entries ever added, TIMELINE_MAX) */
	uint64_t total;                /* entries ever added */
	struct timeline_entry entries[TIMELINE_MAX];
};

void timeline_init(struct timeline *tl);
void timeline_add(struct timeline *tl, const struct timeline_entry *e);

/* Entries kept (0..TIMELINE_MAX). */
size_t timeline_count(const struct timeline *tl);

/* The i-th newest entry (0 = the latest), or NULL when i >= count. */
const struct timeline_entry *timeline_recent(const struct timeline *tl, size_t i);

#endif
