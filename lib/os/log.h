/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log - one line per event, to syslog and (in the foreground) to stderr.
 *
 * Owns: the process's log destination and threshold, set once at start-up by
 * log_open() (like openlog(3), whose state it wraps, this is process-wide by
 * nature), and the rate limiter that keeps a hostile peer from flooding it.
 * Never does: decide what is worth logging; callers do.
 */
#ifndef VIPD_LOG_H
#define VIPD_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* Levels are syslog's: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG. */
void log_open(const char *ident, bool to_stderr, int max_level);
void log_close(void);
void log_set_level(int max_level);

/* Parse "err", "warning", "notice", "info", "debug"; -1 when unknown. */
int log_level_parse(const char *name);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)     log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)    log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * A token bucket per event source: at most burst lines, refilled at
 * per_second. What is refused is counted and reported with the next line
 * that gets through ("... (37 similar lines suppressed)").
 */
struct log_ratelimit {
	uint32_t burst;
	uint32_t per_second;
	double tokens;
	uint64_t last_ms;
	uint64_t suppressed;
	bool primed;
};

#define LOG_RATELIMIT_INIT(burst_, per_second_) \
	{ .burst = (burst_), .per_second = (per_second_) }

/*
 * True when a line may be logged now. *suppressed_out receives how many were
 * refused since the last allowed one (to append to the line), then resets.
 */
bool log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ms,
			 uint64_t *suppressed_out);

#endif
