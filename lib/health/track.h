/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * track - what an instance's tracked objects make of its priority: pure
 * logic, no OS, no time.
 *
 * Weight semantics are keepalived's, the same for every kind:
 *   - interface or script, weight 0: FAULT while down / failing;
 *   - weight > 0: added while up / succeeding;
 *   - weight < 0: added (so subtracted) while down / failing;
 *   - file: value * weight is added; weight 0 and a value other than 0,
 *     a sum of -254 or less, or a missing, unreadable or non-integer file:
 *     FAULT.
 * The effective priority is clamped to 1..254; an address owner (255) is
 * never adjusted (it can still be put in FAULT).
 * Scripts change state only after `rise` successes or `fall` failures in a
 * row (track_script_feed).
 *
 * Owns: the rules above and the words that explain a result.
 * Never does: run scripts, read files, watch links (the daemon does and
 * hands the results in).
 */
#ifndef VIPD_TRACK_H
#define VIPD_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACK_REASON_MAX 160

enum track_kind { TRACK_INTERFACE = 0, TRACK_SCRIPT, TRACK_FILE,
	TRACK_SERVICE,                 /* a balancer service: up = quorum met */
	TRACK_BFD,                   /* a BFD session: up = Up */
	TRACK_PROCESS };               /* track_processes: up = quorum running */

/* One tracked object as the instance sees it now. */
struct track_obj {
	enum track_kind kind;
	const char *name;          /* interface, script name or file path */
	int weight;
	bool up;                   /* interface up, script succeeding, file readable */
	long long value;           /* TRACK_FILE: the integer read */
	const char *detail;        /* why it is down ("exit 1", "No such file") or NULL */
};

struct track_result {
	bool fault;
	uint8_t priority;          /* effective priority (meaningful unless fault) */
	int adjust;                /* sum of the weights applied */
	char reason[TRACK_REASON_MAX]; /* "chk_web failing (exit 1), weight -60" */
};

/* Evaluate objs[0..n) against base_priority (1..255). */
void track_evaluate(uint8_t base_priority, const struct track_obj *objs, size_t n,
		    struct track_result *out);

/* Rise/fall bookkeeping of one script. Starts up (keepalived's default). */
struct track_script_state {
	bool up;
	uint32_t successes, failures;  /* in a row */
	uint64_t runs;
};

void track_script_init(struct track_script_state *st);

/* One result in; true when st->up changed. */
bool track_script_feed(struct track_script_state *st, bool ok, uint32_t rise,
		       uint32_t fall);

/*
 * Parse a track file's content: optional blanks, an optional sign and
 * decimal digits, optional blanks/newline, nothing else. True and *value
 * on success (range -1000000..1000000).
 */
bool track_parse_file(const char *text, size_t len, long long *value);

const char *track_kind_name(enum track_kind k);   /* "interface", "script", "file" */

#endif
