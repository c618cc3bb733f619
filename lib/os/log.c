/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log - syslog plus optional stderr, and a token-bucket rate limiter.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "os/evloop.h"
#include "os/log.h"

/*
 * The only file-level state of the project besides the daemon context: the
 * log destination is process-wide in the same way syslog's openlog() is.
 */
static struct {
	bool to_stderr;
	int max_level;
} log_cfg = { true, LOG_INFO };

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void
log_open(const char *ident, bool to_stderr, int max_level)
{
	log_cfg.to_stderr = to_stderr;
	log_cfg.max_level = max_level;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_close(void)
{
	closelog();
}

void
log_set_level(int max_level)
{
	log_cfg.max_level = max_level;
}

int
log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(name, "error") == 0)
		return LOG_ERR;
	if (strcasecmp(name, "warn") == 0)
		return LOG_WARNING;
	return -1;
}

void
log_msg(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > log_cfg.max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	syslog(level, "%s", line);
	if (log_cfg.to_stderr) {
		uint64_t wall_ms = evloop_wall_ms();
		time_t sec = (time_t)(wall_ms / 1000);
		struct tm tm;
		char stamp[32];

		localtime_r(&sec, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03u %s: %s\n", stamp,
		    (unsigned)(wall_ms % 1000), level_names[level & 7], line);
	}
}

bool
log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ms,
    uint64_t *suppressed_out)
{
	if (!rl->primed) {
		rl->tokens = rl->burst;
		rl->last_ms = now_ms;
		rl->primed = true;
	}
	rl->tokens += (double)(now_ms - rl->last_ms) * rl->per_second / 1000.0;
	if (rl->tokens > rl->burst)
		rl->tokens = rl->burst;
	rl->last_ms = now_ms;
	if (rl->tokens < 1.0) {
		rl->suppressed++;
		return false;
	}
	rl->tokens -= 1.0;
	if (suppressed_out)
		*suppressed_out = rl->suppressed;
	rl->suppressed = 0;
	return true;
}
