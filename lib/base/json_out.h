/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json_out - write a JSON string literal. One writer for the control
 * protocol, vipd.json and the sections other modules add to it, so that
 * every JSON vipd prints escapes text the same way.
 *
 * Owns: the escaping: '"' and '\' by a backslash, newline and tab by \n
 * and \t, other bytes below 0x20 and DEL as \u00XX; valid UTF-8 passes as
 * it is, and a byte that is not part of valid UTF-8 (a Latin-1 path in the
 * config, say) becomes \ufffd, so the output is always valid JSON.
 * Never does: allocate.
 */
#ifndef VIPD_JSON_OUT_H
#define VIPD_JSON_OUT_H

#include <stddef.h>
#include <stdio.h>

/* s (len bytes) as a JSON string literal, quotes included. */
void json_out_string(FILE *f, const char *s, size_t len);

/* The same for a NUL-terminated s. */
void json_out_str(FILE *f, const char *s);

/*
 * Length of the UTF-8 sequence at p (at most n bytes, n > 0), 0 when it is
 * not valid UTF-8 (overlong forms, surrogates, beyond U+10FFFF included).
 */
size_t json_utf8_len(const unsigned char *p, size_t n);

#endif
