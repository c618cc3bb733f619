/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * drift - kernel state vipd owns, changed from outside: when to look, and
 * what to say about what was put back.
 *
 * Kinds: an nftables table of vipd's (inet vipd, netdev vipd), a VIP
 * (an address a MASTER holds), a VMAC macvlan, a route, rule or excluded
 * address of an instance or of static_*, the route of an announced
 * service. An event that may be drift (a
 * deletion seen on netlink) is noted; a kind noted is checked at once
 * after the batch of events it came in (`nft flush ruleset` sends one per
 * object: one check), and at most once per DRIFT_COALESCE_MS, so a tool
 * that keeps deleting gets one repair per kind per window, never a busy
 * loop. The check
 * compares what should be in (the desired state: a MASTER's VIPs, the
 * whole table) with the kernel's answer and puts back what is missing; a
 * repair is counted per kind, and logged through a token bucket per kind
 * (DRIFT_LOG_BURST lines, then DRIFT_LOG_PER_S a second).
 *
 * Owns: the per-kind windows, counters and log buckets.
 * Never does: talk to the kernel or log (the daemon and lib/vrrp do).
 * Pure: time is passed in.
 */
#ifndef VIPD_DRIFT_H
#define VIPD_DRIFT_H

#include <stdbool.h>
#include <stdint.h>

#define DRIFT_COALESCE_MS 50
#define DRIFT_LOG_BURST 5
#define DRIFT_LOG_PER_S 1

enum drift_kind {
	DRIFT_NFT_TABLE,      /* a table of vipd's, or part of one */
	DRIFT_ADDRESS,        /* a VIP of a MASTER, a static address */
	DRIFT_MACVLAN,        /* a VMAC interface */
	DRIFT_ROUTE,          /* virtual_routes/rules, excluded addresses, statics */
	DRIFT_ANNOUNCE_ROUTE, /* the route of an announced service */
	DRIFT__COUNT
};

/* "nft_table", "address", "macvlan", "route", "announce_route". */
const char *drift_kind_name(enum drift_kind k);

struct drift_kind_state {
	bool pending;          /* noted, check due at due_ms */
	uint64_t due_ms;
	bool checked;          /* checked_ms is the last check */
	uint64_t checked_ms;
	uint64_t repairs;      /* objects put back */
	uint64_t failures;     /* objects that could not be put back */
	double tokens;         /* log bucket */
	uint64_t tokens_ms;
	bool primed;
	uint64_t suppressed;   /* lines refused since the last one logged */
};

struct drift {
	struct drift_kind_state k[DRIFT__COUNT];
};

void drift_init(struct drift *d);

/*
 * An event that may be drift of kind k: a check is due now, or
 * DRIFT_COALESCE_MS after the last one when that is later (a check
 * already due is not pushed back).
 */
void drift_note(struct drift *d, enum drift_kind k, uint64_t now_ms);

/*
 * A check of kind k that could not repair: again at due_ms (unless one is
 * due earlier).
 */
void drift_retry_at(struct drift *d, enum drift_kind k, uint64_t due_ms);

/* The earliest check due, or 0 when none is. */
uint64_t drift_deadline(const struct drift *d);

/* Whether kind k is due now; true once, then its window is closed. */
bool drift_take_due(struct drift *d, enum drift_kind k, uint64_t now_ms);

/* What putting one object back (a netlink or nft answer) means. */
enum drift_outcome {
	DRIFT_WAS_THERE,       /* -EEXIST: nothing was missing */
	DRIFT_REPAIRED,        /* 0: it was missing and is back */
	DRIFT_FAILED,          /* another error: missing and still missing */
};
enum drift_outcome drift_outcome_of(int err);

/*
 * Count one object of kind k put back (repaired) or refused (!repaired).
 * True when a log line may be written now; *suppressed_out gets how many
 * were refused since the last one (then resets).
 */
bool drift_record(struct drift *d, enum drift_kind k, bool repaired,
		  uint64_t now_ms, uint64_t *suppressed_out);

uint64_t drift_repairs(const struct drift *d, enum drift_kind k);
uint64_t drift_failures(const struct drift *d, enum drift_kind k);

#endif
