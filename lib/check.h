/*
 * check - one backend's health check: tcp (connect), http and https (a GET
 * and its status line, optionally a substring of the body), run on the
 * event loop with non-blocking sockets, or script (a program through
 * lib/script, exit 0 = healthy); a timeout per probe, and rise/fall before
 * the backend's health changes.
 *
 * The pure parts are separate and unit-tested: check_rf_record() (rise and
 * fall) and check_http_parse() (is this answer good, bad, or not complete).
 *
 * Owns: the probe's socket (and TLS session), its last result and reason,
 * its counters. Never does: block (every read, write, connect and TLS step
 * waits for the loop), touch nftables, log (the owner hears of a change
 * through the callback and says why with check_reason()).
 */
#ifndef VIPD_CHECK_H
#define VIPD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf_lb.h"
#include "evloop.h"
#include "script.h"
#include "vrrp_pkt.h"

#define CHECK_REASON_MAX 128
#define CHECK_RESP_MAX 4096       /* what an http check reads at most */

/*
 * Probes in flight against the open files the process may have: a probe
 * holds a socket, and beyond the limit every probe would fail with "Too
 * many open files" (and so would the daemon's own files). A probe that
 * would go beyond max is not started: it waits for its next slot, and
 * `refused` counts it. Shared by the checks of one owner.
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

struct check;
typedef void (*check_change_cb)(void *arg, struct check *c);

enum check_phase {
	CHECK_IDLE = 0, CHECK_CONNECTING, CHECK_TLS, CHECK_SENDING,
	CHECK_READING, CHECK_SCRIPT_RUNNING,
};

struct check {
	struct conf_check conf;
	struct vrrp_addr addr;
	struct check_rf rf;
	/* the last completed probe */
	bool has_result, last_ok;
	char last_reason[CHECK_REASON_MAX];
	uint64_t last_ms;
	uint64_t runs, failures;
	/* the probe in flight */
	enum check_phase phase;
	bool counted;                 /* the probe's socket is in budget */
	int fd;
	uint32_t watching;            /* epoll events registered, 0 = none */
	struct evloop_watch watch;
	struct evloop *loop;
	uint64_t next_ms, deadline_ms;
	uint64_t grid_ms;             /* 0, or the grid after the first probe */
	char req[2 * CONF_LB_TEXT_MAX + 96];
	size_t req_len, req_sent;
	char *resp;                   /* CHECK_RESP_MAX, only while reading */
	size_t resp_len;
	struct check_budget *budget;  /* NULL: no limit; set after init */
	void *tls_ctx, *tls;          /* SSL_CTX *, SSL * (https) */
	struct script_runner *runner; /* script checks */
	struct script_job job;
	char *argv[CONF_LB_SCRIPT_ARGS + 1];
	char env_text[2][80];         /* VIPD_BACKEND_ADDRESS=, _PORT= */
	char *env[3];
	check_change_cb cb;
	void *arg;
};

/*
 * Prepare c (it must not move afterwards) for addr with conf (c shares
 * conf's allocated texts, ca_file and argv: they must outlive c); cb(arg, c)
 * is called when c->rf.health changes. The first probe starts at
 * first_ms. Script checks run through runner (NULL: they fail), with
 * VIPD_BACKEND_ADDRESS and VIPD_BACKEND_PORT in their environment.
 * Returns 0, or -errno with why filled (https: no TLS context, unreadable
 * ca_file).
 */
int check_init(struct check *c, const struct conf_check *conf,
    const struct vrrp_addr *addr, struct evloop *loop,
    struct script_runner *runner, check_change_cb cb, void *arg,
    uint64_t first_ms, char *why, size_t why_len);

/*
 * The probes after the first follow the grid of slot_ms (at or after
 * check_init()'s first_ms, less than one interval later) instead of that
 * of first_ms: the first probe may come early, so that a new backend is
 * not UNKNOWN (no flows, short of quorum) for a long interval, while the
 * probes of many backends stay spread over the whole interval after it.
 */
void check_set_grid(struct check *c, uint64_t slot_ms);

/* Start probes that are due, time out those past their deadline. */
void check_tick(struct check *c, uint64_t now_ms);

/* When check_tick() has something to do next. */
uint64_t check_next_deadline(const struct check *c);

/* Stop the probe in flight and free the TLS context. */
void check_close(struct check *c);

#endif
