/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_sched - the pure parts of health checks (see check_sched.h).
 */
#include <stdio.h>
#include <string.h>

#include "lb/check_sched.h"

const char *
check_health_name(enum check_health h)
{
	switch (h) {
	case CHECK_UP:
		return "up";
	case CHECK_DOWN:
		return "down";
	default:
		return "unknown";
	}
}

bool
check_rf_record(struct check_rf *rf, bool ok)
{
	enum check_health was = rf->health;

	if (ok) {
		rf->ok_run++;
		rf->fail_run = 0;
	} else {
		rf->fail_run++;
		rf->ok_run = 0;
	}
	if (rf->health == CHECK_UNKNOWN)
		rf->health = ok ? CHECK_UP : CHECK_DOWN;
	else if (rf->health == CHECK_DOWN && rf->ok_run >= rf->rise)
		rf->health = CHECK_UP;
	else if (rf->health == CHECK_UP && rf->fail_run >= rf->fall)
		rf->health = CHECK_DOWN;
	return rf->health != was;
}

static void
printable(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < len; i++)
		out[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[o] = '\0';
}

enum check_http_verdict
check_http_parse(const char *buf, size_t len, bool eof,
    unsigned expect_status, const char *expect_body, char *why,
    size_t why_len)
{
	return check_http_parse_range(buf, len, eof, expect_status,
	    expect_status, expect_body, why, why_len);
}

size_t
check_http_body_off(const char *buf, size_t len)
{
	const char *b = memmem(buf, len, "\r\n\r\n", 4);

	return b != NULL ? (size_t)(b + 4 - buf) : 0;
}

enum check_http_verdict
check_http_parse_range(const char *buf, size_t len, bool eof, unsigned lo,
    unsigned hi, const char *expect_body, char *why, size_t why_len)
{
	const char *eol = memchr(buf, '\n', len), *body;
	char shown[24];
	unsigned status;

	/* "HTTP/1.1 200 OK": the status line is all we need first. */
	if (eol == NULL && len < 64 && !eof)
		return CHECK_HTTP_MORE;
	if (len == 0) {
		snprintf(why, why_len, "connection closed without an answer");
		return CHECK_HTTP_FAIL;
	}
	if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' ||
	    sscanf(buf + 9, "%3u", &status) != 1 || buf[9] < '1' ||
	    buf[9] > '9' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' ||
	    buf[11] > '9' || (len > 12 && buf[12] != ' ' && buf[12] != '\r' &&
	    buf[12] != '\n')) {
		printable(buf, len < 16 ? len : 16, shown, sizeof(shown));
		snprintf(why, why_len, "not an HTTP status line: '%s'", shown);
		return CHECK_HTTP_FAIL;
	}
	if (status < lo || status > hi) {
		if (lo == hi)
			snprintf(why, why_len, "status %u, expected %u", status,
			    lo);
		else
			snprintf(why, why_len, "status %u, expected %u-%u",
			    status, lo, hi);
		return CHECK_HTTP_FAIL;
	}
	if (expect_body == NULL || expect_body[0] == '\0') {
		snprintf(why, why_len, "status %u", status);
		return CHECK_HTTP_OK;
	}
	body = memmem(buf, len, "\r\n\r\n", 4);
	if (body != NULL && memmem(body + 4, len - (size_t)(body + 4 - buf),
	    expect_body, strlen(expect_body)) != NULL) {
		snprintf(why, why_len, "status %u, body matches", status);
		return CHECK_HTTP_OK;
	}
	if (!eof)
		return CHECK_HTTP_MORE;
	snprintf(why, why_len, "status %u but the body lacks the expected text",
	    status);
	return CHECK_HTTP_FAIL;
}

size_t
check_budget_max(uint64_t nofile, size_t reserve)
{
	if (nofile <= reserve)
		return 1;             /* one probe at a time, not none */
	if (nofile - reserve > SIZE_MAX)
		return SIZE_MAX;
	return (size_t)(nofile - reserve);
}

uint64_t
check_next_slot(uint64_t slot_ms, uint64_t now_ms, uint32_t interval_ms)
{
	uint64_t next = slot_ms + interval_ms;

	if (interval_ms == 0 || next > now_ms)
		return next;
	/* Slots missed while the loop was busy are skipped, not run late. */
	return next + (now_ms - next) / interval_ms * interval_ms + interval_ms;
}

uint64_t
check_grid_slot(uint64_t grid_ms, uint64_t now_ms, uint32_t interval_ms)
{
	if (grid_ms > now_ms)
		return grid_ms;
	return check_next_slot(grid_ms, now_ms, interval_ms);
}
