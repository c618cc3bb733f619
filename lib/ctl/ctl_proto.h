/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_proto - the control socket's wire format (protocol version 1): pure
 * JSON parsing and formatting, no sockets.
 *
 * One request per connection. The client sends one JSON object on one line
 * (ended by '\n', or by shutting its side down), at most CTL_REQUEST_MAX
 * bytes:
 *
 *     {"command": "status", "args": ["--json"]}
 *
 * "command" (string, required): a word of a-z, 0-9, '-', '_'.
 * "args" (array of strings, optional): at most CTL_ARGS_MAX, each shorter
 * than CTL_ARG_MAX bytes, valid UTF-8, no NUL. Any other key is an error.
 *
 * The daemon answers with one JSON object and closes the connection:
 *
 *     {"ok": true, "text": "..."}          a human-readable answer
 *     {"ok": true, "result": {...}}        a machine-readable answer (--json)
 *     {"ok": false, "error": "..."}        refused, with the reason
 *
 * A request that is not valid JSON, too long, or not finished within
 * CTL_READ_TIMEOUT_MS gets {"ok": false, "error": ...} as well.
 *
 * Owns: the request parser (fuzzed by tests/fuzz/fuzz_ctl.c), the reply
 * parser vipctl uses, and JSON string escaping.
 * Never does: I/O, allocation for requests (fixed-size fields), or trust
 * its input: every length is checked against the end of the buffer.
 */
#ifndef VIPD_CTL_PROTO_H
#define VIPD_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CTL_REQUEST_MAX 4096       /* bytes, including the final '\n' */
#define CTL_COMMAND_MAX 32         /* including NUL */
#define CTL_ARGS_MAX 8
#define CTL_ARG_MAX 128            /* including NUL */
#define CTL_READ_TIMEOUT_MS 2000   /* from connect to the end of the request */
#define CTL_JSON_DEPTH_MAX 64      /* nesting the parsers follow */

struct ctl_request {
	char command[CTL_COMMAND_MAX];
	size_t nargs;
	char args[CTL_ARGS_MAX][CTL_ARG_MAX];
};

/*
 * Parse one request of len bytes (no NUL needed; a trailing "\r\n" or
 * "\n" is allowed). Returns 0, or -EINVAL with the reason in why.
 */
int ctl_proto_parse_request(const char *text, size_t len,
			    struct ctl_request *req, char *why, size_t why_len);

/*
 * Format a request as one line ending in '\n' into buf. Returns its length,
 * or -ENOSPC when it would not fit in len (or exceed CTL_REQUEST_MAX), or
 * -EINVAL when a part breaks the limits above.
 */
int ctl_proto_format_request(char *buf, size_t len, const char *command,
			     char *const *args, size_t nargs);

struct ctl_reply {
	bool ok;
	char *text;                /* allocated, or NULL when absent */
	char *error;               /* allocated, or NULL when absent */
	const char *result;        /* points into the parsed buffer, or NULL */
	size_t result_len;
};

/*
 * Parse a reply (vipctl's side). Returns 0, or -EINVAL with the reason in
 * why, or -ENOMEM. On success free with ctl_proto_reply_free().
 */
int ctl_proto_parse_reply(const char *text, size_t len, struct ctl_reply *reply,
			  char *why, size_t why_len);
void ctl_proto_reply_free(struct ctl_reply *reply);

#endif
