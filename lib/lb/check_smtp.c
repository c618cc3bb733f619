/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_smtp - an smtp check's dialogue (see check_smtp.h).
 */
#include <stdio.h>
#include <string.h>

#include "lb/check_smtp.h"

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

int
check_smtp_reply(const char *buf, size_t len, size_t *used)
{
	size_t off = 0;
	int code = 0;

	for (;;) {
		const char *eol = memchr(buf + off, '\n', len - off);
		size_t l = eol != NULL ? (size_t)(eol - (buf + off)) : len - off;
		int c;

		if (l >= 3 && !(digit(buf[off]) && digit(buf[off + 1]) &&
		    digit(buf[off + 2])))
			return -1;
		if (eol == NULL)
			return l > CHECK_SMTP_LINE_MAX ? -1 : 0;
		if (l < 3 || buf[off] < '1' || buf[off] > '5')
			return -1;
		c = (buf[off] - '0') * 100 + (buf[off + 1] - '0') * 10 +
		    (buf[off + 2] - '0');
		/* Every line of a reply carries the same code. */
		if (code != 0 && c != code)
			return -1;
		code = c;
		if (l > 3 && buf[off + 3] != '-' && buf[off + 3] != ' ' &&
		    buf[off + 3] != '\r')
			return -1;
		off += l + 1;
		if (l == 3 || buf[off - l - 1 + 3] != '-') {
			*used = off;
			return code;
		}
	}
}

static void
shown(const char *buf, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < cap && buf[i] != '\r' &&
	    buf[i] != '\n'; i++)
		out[o++] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '?';
	out[o] = '\0';
}

enum check_smtp_verdict
check_smtp_step(enum check_smtp_stage *stage, const char *buf, size_t len,
    size_t *used, int eof, const char *helo, char *out, size_t out_cap,
    size_t *out_len, char *why, size_t why_len)
{
	static const char *const what[] = { "banner", "EHLO", "HELO" };
	char text[48];
	int code;

	*used = 0;
	*out_len = 0;
	code = check_smtp_reply(buf, len, used);
	if (code < 0) {
		shown(buf, len < 40 ? len : 40, text, sizeof(text));
		snprintf(why, why_len, "smtp %s: not a reply: '%s'",
		    what[*stage], text);
		return CHECK_SMTP_FAIL;
	}
	if (code == 0) {
		if (!eof)
			return CHECK_SMTP_MORE;
		snprintf(why, why_len, "smtp %s: connection closed%s",
		    what[*stage], len == 0 ? " without a reply" :
		    " in the middle of a reply");
		return CHECK_SMTP_FAIL;
	}
	shown(buf, *used < 40 ? *used : 40, text, sizeof(text));
	switch (*stage) {
	case CHECK_SMTP_BANNER:
		if (code != 220) {
			snprintf(why, why_len, "smtp banner: '%s', expected 220",
			    text);
			return CHECK_SMTP_FAIL;
		}
		*stage = CHECK_SMTP_EHLO;
		*out_len = (size_t)snprintf(out, out_cap, "EHLO %s\r\n", helo);
		return CHECK_SMTP_SEND;
	case CHECK_SMTP_EHLO:
		/* RFC 5321 4.1.4: an old server refuses EHLO; HELO then. */
		if (code >= 500 && code < 600) {
			*stage = CHECK_SMTP_HELO;
			*out_len = (size_t)snprintf(out, out_cap, "HELO %s\r\n",
			    helo);
			return CHECK_SMTP_SEND;
		}
		/* FALLTHROUGH */
	case CHECK_SMTP_HELO:
		if (code != 250) {
			snprintf(why, why_len, "smtp %s: '%s', expected 250",
			    what[*stage], text);
			return CHECK_SMTP_FAIL;
		}
		*out_len = (size_t)snprintf(out, out_cap, "QUIT\r\n");
		snprintf(why, why_len, "smtp: 250 to %s", what[*stage]);
		return CHECK_SMTP_OK;
	}
	return CHECK_SMTP_FAIL;
}
