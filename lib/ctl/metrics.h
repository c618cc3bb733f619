/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics - the OpenMetrics endpoint (global.metrics_listen): HTTP/1.0
 * "GET /metrics" on the daemon's event loop.
 *
 * One request per connection; the request head must arrive within
 * METRICS_TIMEOUT_MS and METRICS_REQUEST_MAX bytes, and the answer must be
 * taken within the same time, or the connection is closed. At most
 * METRICS_MAX_CLIENTS at once; one more evicts the oldest. Every refusal
 * is counted in struct metrics_stats.
 *
 * Owns: the listening TCP socket, its clients, HTTP framing.
 * Never does: block, or know what the metrics are (the render callback
 * writes the body; see metrics_om.h).
 */
#ifndef VIPD_METRICS_H
#define VIPD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "os/evloop.h"
#include "base/addr.h"

#define METRICS_MAX_CLIENTS 8
#define METRICS_REQUEST_MAX 2048
#define METRICS_TIMEOUT_MS 5000

/* Write the response body (OpenMetrics text) to out. */
typedef void (*metrics_render)(void *arg, FILE *out);

struct metrics_stats {
	uint64_t scrapes;               /* 200 answers */
	uint64_t bad_requests;          /* 400, 404, 405, too long */
	uint64_t timeouts;              /* slow to ask or to read */
	uint64_t evicted;               /* closed to make room */
};

struct metrics;

struct metrics_client {
	int fd;                         /* -1 when free */
	uint64_t deadline_ms;
	uint64_t since_ms;              /* accept time: the oldest is evicted */
	size_t len;
	char req[METRICS_REQUEST_MAX + 1];
	char *out;                      /* response being sent, or NULL */
	size_t out_len, out_sent;
	bool draining;                  /* answered; waiting for the client's close */
	struct evloop_watch watch;
	struct metrics *m;
};

struct metrics {
	int fd;                         /* -1 when off */
	struct addr addr;          /* where it listens, when on */
	uint16_t port;
	struct evloop *loop;
	struct evloop_watch watch;
	metrics_render render;
	void *arg;
	struct metrics_stats stats;
	struct metrics_client clients[METRICS_MAX_CLIENTS];
};

/* Mark m as off (so that metrics_close is safe before any open). */
void metrics_init(struct metrics *m);

/* Listen on addr:port. 0 or -errno. */
int metrics_open(struct metrics *m, struct evloop *loop,
		 const struct addr *addr, uint16_t port,
		 metrics_render render, void *arg);
void metrics_close(struct metrics *m);

/* Earliest client deadline, 0 when none; metrics_tick() enforces it. */
uint64_t metrics_next_deadline(const struct metrics *m);
void metrics_tick(struct metrics *m, uint64_t now_ms);

#endif
