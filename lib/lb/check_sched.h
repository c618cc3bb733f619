/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_sched - the pure parts of backend health checks (lib/check runs
 * the probes): what a result does to a backend's health (rise and fall),
 * whether an HTTP answer is good, bad or not complete yet, when the next
 * probe runs (slots on a fixed grid), and how many probes the open-files
 * limit allows at once.
 *
 * Owns: nothing but the small value types below. Never does: read a
 * clock, open a socket, allocate or log; time and limits are passed in.
 */
#ifndef VIPD_CHECK_SCHED_H
#define VIPD_CHECK_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHECK_REASON_MAX 128
#define CHECK_RESP_MAX 4096       /* what an http check reads at most */

/*
 * Probes in flight against the open files the process may have: a probe
 * holds a socket, and beyond the limit every probe would fail with "Too
 * many open files" (and so would the daemon's own files). A probe that
 * would go beyond max is not started: it waits for its next slot, and
 * `refused` counts it. in_flight counts every socket a check holds, also
 * those datagram checks keep between probes (check_dgram: at most half
 * of max). Shared by the checks of one owner.
 */
struct check_budget {
	size_t in_flight, max;        /* max 0: no limit */
	uint64_t refused;
};

/*
 * The probes a process whose soft RLIMIT_NOFILE is nofile may run at once
 * (pure): that limit less `reserve` for the daemon's other files.
 */
size_t check_budget_max(uint64_t nofile, size_t reserve);

enum check_health {
	CHECK_UNKNOWN = 0,        /* no result yet: takes no new flows */
	CHECK_UP,
	CHECK_DOWN,
};

const char *check_health_name(enum check_health h);

/* Rise and fall (pure). */
struct check_rf {
	enum check_health health;
	uint32_t rise, fall;
	uint32_t ok_run, fail_run;    /* consecutive results of each kind */
};

/*
 * Record one result. The first result decides an UNKNOWN backend at once
 * (so that a fresh start serves as soon as backends answer); after that
 * health changes only after `rise` successes or `fall` failures in a row.
 * Returns true when health changed.
 */
bool check_rf_record(struct check_rf *rf, bool ok);

enum check_http_verdict {
	CHECK_HTTP_MORE = 0,      /* not decided: read on */
	CHECK_HTTP_OK,
	CHECK_HTTP_FAIL,          /* why says why */
};

/*
 * Judge the answer so far (pure): buf/len what was read, eof when the peer
 * closed (or the buffer is full). Good: "HTTP/1.x <expect_status>" and,
 * when expect_body is not empty, the body contains it.
 */
enum check_http_verdict check_http_parse(const char *buf, size_t len,
    bool eof, unsigned expect_status, const char *expect_body, char *why,
    size_t why_len);

/*
 * The same with a range of good statuses, lo..hi (pure). check_http_parse
 * is this with lo = hi = expect_status.
 */
enum check_http_verdict check_http_parse_range(const char *buf, size_t len,
    bool eof, unsigned lo, unsigned hi, const char *expect_body, char *why,
    size_t why_len);

/* Where the body starts (after the blank line), 0 when not read yet. */
size_t check_http_body_off(const char *buf, size_t len);

/*
 * When the probe after the one due at slot_ms starts (pure): slot_ms +
 * interval_ms, on the grid of slot_ms, skipping slots already past at
 * now_ms. Probes keep the phase check_init()'s first_ms gave them: a loop
 * that starts a probe late (busy with other probes, an nftables
 * transaction) neither delays the ones after it nor lets the probes of
 * many backends drift into one burst.
 */
uint64_t check_next_slot(uint64_t slot_ms, uint64_t now_ms,
    uint32_t interval_ms);

/*
 * When the probe after a first one started at now_ms runs, when the later
 * probes follow the grid of grid_ms rather than that of the first (pure):
 * grid_ms itself while it is still ahead, else the next slot on its grid.
 */
uint64_t check_grid_slot(uint64_t grid_ms, uint64_t now_ms,
    uint32_t interval_ms);

#endif
