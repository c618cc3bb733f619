/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check - one backend's health check: tcp (connect), http and https (a GET
 * per url: its status in a range, optionally a substring, a regular
 * expression or the MD5 digest of the body), smtp (banner, EHLO), udp (a
 * datagram, optionally its reply), dns (a query, rcode NOERROR), ping
 * (ICMP echo: check_dgram), run on the event loop with non-blocking
 * sockets, or script (a program through lib/script, exit 0 = healthy); a
 * timeout per probe, retries, and rise/fall before the backend's health
 * changes.
 *
 * The pure parts (rise and fall, judging an HTTP answer, when probes run,
 * how many may run at once) are lib/check_sched's, unit-tested without
 * sockets.
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

#include "lb/check_heap.h"
#include "lb/check_sched.h"
#include "lb/check_smtp.h"
#include "conf/conf_lb.h"
#include "os/evloop.h"
#include "os/script.h"
#include "base/addr.h"

struct check;
typedef void (*check_change_cb)(void *arg, struct check *c);

enum check_phase {
	CHECK_IDLE = 0, CHECK_CONNECTING, CHECK_TLS, CHECK_SENDING,
	CHECK_READING, CHECK_SCRIPT_RUNNING, CHECK_DGRAM,
};

struct check {
	struct conf_check conf;
	struct addr addr;
	struct check_rf rf;
	/* the last completed probe */
	bool has_result, last_ok;
	char last_reason[CHECK_REASON_MAX];
	uint32_t lead_ms;             /* probes start this early (check_set_lead) */
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
	char *req;                    /* the request, only while a probe runs */
	size_t req_len, req_sent;
	char *resp;                   /* CHECK_RESP_MAX, only while reading */
	size_t resp_len;
	size_t resp_new;              /* of which the last read brought */
	/* http(s): the url in flight; its body while it is judged */
	size_t url;
	bool in_body;                 /* status judged, resp holds the body */
	bool body_full;               /* resp is full: later bytes only digested */
	struct digest_stream *md5;    /* the body's, when a digest is expected */
	/* smtp */
	enum check_smtp_stage smtp;
	/* udp, dns, ping */
	bool icmp_raw;                /* no ping socket allowed: a raw one */
	bool keep_fd;                 /* the next reset keeps the socket */
	uint16_t seq;
	uint64_t token;
	/* retry: a failed probe runs again before it counts */
	uint32_t retries_left;
	uint64_t retry_ms;            /* 0: none pending */
	void *re;                     /* regex_t[] (udp: 1, http: per url) */
	struct check_budget *budget;  /* NULL: no limit; set after init */
	struct check_heap *sched;     /* NULL: none; see check_schedule */
	struct check_heap_node sched_node;
	void *tls_ctx, *tls;          /* SSL_CTX *, SSL * (https) */
	struct script_runner *runner; /* script checks */
	struct script_job job;
	char env_addr[72];            /* VIPD_BACKEND_ADDRESS=<46 at most> */
	char env_port[24];            /* VIPD_BACKEND_PORT=<5 at most> */
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
    const struct addr *addr, struct evloop *loop,
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

/*
 * Start every probe lead_ms before its slot (less than the interval; 0 by
 * default); its slots, and so its intervals, stay what they were. The
 * owner gives checks whose slots are a millisecond apart leads that make
 * them due at the same time: one wake-up of the loop for several probes.
 * A lead fixed per check rather than "start what is due within the next
 * millisecond" at each wake-up: the loop also wakes for other reasons,
 * at any time, which would start a probe early one round and on time the
 * next, a millisecond of jitter in its interval.
 */
void check_set_lead(struct check *c, uint32_t lead_ms);

/* When check_tick() has something to do next (0: nothing, or a script's). */
uint64_t check_next_deadline(const struct check *c);

/*
 * Keep c in h, keyed by check_next_deadline(c), from now on and until
 * check_close(): every start, step, end, refusal and script result moves
 * it. h must have room (check_heap_reserve). Returns 0 or -ENOSPC.
 */
int check_schedule(struct check *c, struct check_heap *h);

/* The check that n is the sched_node of. */
struct check *check_of_node(struct check_heap_node *n);

/*
 * Tick the checks of h that are due at now_ms, earliest first; the others
 * are not looked at. Returns how many were ticked.
 */
size_t check_run_due(struct check_heap *h, uint64_t now_ms);

/* Stop the probe in flight and free the TLS context. */
void check_close(struct check *c);

#endif
