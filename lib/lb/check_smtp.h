/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_smtp - the dialogue of an smtp check (RFC 5321 4.2, 4.3.2): the
 * 220 banner, EHLO (HELO when the server refuses EHLO with 5xx), 250, then
 * QUIT. Given what the server has said so far, it says what to send next
 * or how the check ended.
 *
 * Owns: the stage of one dialogue. Never does: read, write, allocate.
 * Pure, unit-tested.
 */
#ifndef VIPD_CHECK_SMTP_H
#define VIPD_CHECK_SMTP_H

#include <stddef.h>

#define CHECK_SMTP_LINE_MAX 512   /* RFC 5321 4.5.3.1.5: a reply line */

/*
 * The code of the complete reply (one or more "NNN-" lines, then a
 * "NNN " or "NNN" line) at the start of buf: 100..599 with *used its
 * length, 0 when it is not complete yet, -1 when it is not a reply.
 */
int check_smtp_reply(const char *buf, size_t len, size_t *used);

enum check_smtp_stage { CHECK_SMTP_BANNER = 0, CHECK_SMTP_EHLO,
	CHECK_SMTP_HELO };

enum check_smtp_verdict {
	CHECK_SMTP_MORE = 0,      /* read on */
	CHECK_SMTP_SEND,          /* send out (out_len bytes), then read on */
	CHECK_SMTP_OK,            /* send out (QUIT), then close */
	CHECK_SMTP_FAIL,          /* why says why */
};

/*
 * One step: buf holds what was read since the last reply was used (*used
 * is what this step used of it). eof: the server closed.
 */
enum check_smtp_verdict check_smtp_step(enum check_smtp_stage *stage,
    const char *buf, size_t len, size_t *used, int eof, const char *helo,
    char *out, size_t out_cap, size_t *out_len, char *why, size_t why_len);

#endif
