/*
 * json_out - write a JSON string literal. One writer for the control
 * protocol, vipd.json and the sections other modules add to it, so that
 * every JSON vipd prints escapes text the same way.
 *
 * Owns: the escaping: '"' and '\' by a backslash, newline and tab by \n
 * and \t, other bytes below 0x20 and DEL as \u00XX. Bytes from 0x80 pass
 * as they are (UTF-8 text stays readable); text that may hold other bytes
 * (script output, received data) is made printable where it is read.
 * Never does: allocate, or check that the text is UTF-8.
 */
#ifndef VIPD_JSON_OUT_H
#define VIPD_JSON_OUT_H

#include <stddef.h>
#include <stdio.h>

/* s (len bytes) as a JSON string literal, quotes included. */
void json_out_string(FILE *f, const char *s, size_t len);

/* The same for a NUL-terminated s. */
void json_out_str(FILE *f, const char *s);

#endif
