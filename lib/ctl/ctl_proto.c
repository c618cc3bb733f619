/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_proto - control requests and replies as JSON (see ctl_proto.h).
 *
 * A small strict JSON reader: RFC 8259 values, strings decoded to UTF-8
 * with every escape, nesting bounded by CTL_JSON_DEPTH_MAX so that a deep
 * "[[[[..." cannot exhaust the stack. It only reads what the protocol
 * needs; other values are checked and skipped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_proto.h"
#include "base/json_out.h"

struct jscan {
	const char *p, *end;
	int depth;
	char *why;
	size_t why_len;
};

static int __attribute__((format(printf, 2, 3)))
jfail(struct jscan *js, const char *fmt, ...)
{
	va_list ap;

	/* Keep the first reason: it is where the text went wrong. */
	if (js->why != NULL && js->why_len > 0 && js->why[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(js->why, js->why_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void
jws(struct jscan *js)
{
	while (js->p < js->end && (*js->p == ' ' || *js->p == '\t' ||
	    *js->p == '\n' || *js->p == '\r'))
		js->p++;
}

static bool
jeat(struct jscan *js, char c)
{
	jws(js);
	if (js->p < js->end && *js->p == c) {
		js->p++;
		return true;
	}
	return false;
}

static int
hex4(const char *p, uint32_t *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];

		*out <<= 4;
		if (c >= '0' && c <= '9')
			*out |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*out |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*out |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static size_t
utf8_put(uint32_t cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* "\uXXXX" at js->p (after the backslash-u): one code point, pairs joined. */
static int
junicode(struct jscan *js, uint32_t *cp)
{
	uint32_t lo;

	if (js->end - js->p < 4 || hex4(js->p, cp) < 0)
		return jfail(js, "bad \\u escape");
	js->p += 4;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return jfail(js, "lone low surrogate in \\u escape");
	if (*cp >= 0xd800 && *cp <= 0xdbff) {
		if (js->end - js->p < 6 || js->p[0] != '\\' || js->p[1] != 'u' ||
		    hex4(js->p + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
			return jfail(js, "lone high surrogate in \\u escape");
		js->p += 6;
		*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (*cp == 0)
		return jfail(js, "\\u0000 is not allowed in strings");
	return 0;
}

/*
 * A string at js->p; decoded into out (cap bytes, NUL added) unless out is
 * NULL. *n gets the decoded length. Decoded text is never longer than the
 * raw text, which is what callers size buffers by.
 */
static int
jstring(struct jscan *js, char *out, size_t cap, size_t *n)
{
	static const char plain[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
	size_t o = 0;

	if (!jeat(js, '"'))
		return jfail(js, "expected a string");
	while (js->p < js->end && *js->p != '"') {
		char tmp[4];
		size_t k;
		uint32_t cp;
		const char *e;

		if ((unsigned char)*js->p < 0x20)
			return jfail(js, "control character in a string");
		if (*js->p == '\\') {
			if (++js->p == js->end)
				break;
			if (*js->p == 'u') {
				js->p++;
				if (junicode(js, &cp) < 0)
					return -EINVAL;
				k = utf8_put(cp, tmp);
			} else if (*js->p != '\0' &&
			    (e = strchr(plain, *js->p)) != NULL) {
				tmp[0] = decoded[e - plain];
				k = 1;
				js->p++;
			} else {
				return jfail(js, "bad escape '\\%c'", *js->p);
			}
		} else {
			k = json_utf8_len((const unsigned char *)js->p,
			    (size_t)(js->end - js->p));
			if (k == 0)
				return jfail(js, "invalid UTF-8 in a string");
			memcpy(tmp, js->p, k);
			js->p += k;
		}
		if (out != NULL) {
			if (o + k >= cap)
				return jfail(js, "string longer than %zu bytes",
				    cap - 1);
			memcpy(out + o, tmp, k);
		}
		o += k;
	}
	if (js->p == js->end)
		return jfail(js, "unterminated string");
	js->p++;
	if (out != NULL)
		out[o] = '\0';
	if (n != NULL)
		*n = o;
	return 0;
}

static int
jnumber(struct jscan *js)
{
	const char *start = js->p;

	if (js->p < js->end && *js->p == '-')
		js->p++;
	if (js->p < js->end && *js->p == '0')
		js->p++;
	else if (js->p < js->end && *js->p >= '1' && *js->p <= '9')
		while (js->p < js->end && *js->p >= '0' && *js->p <= '9')
			js->p++;
	else
		return jfail(js, "bad number");
	if (js->p < js->end && *js->p == '.') {
		if (++js->p == js->end || *js->p < '0' || *js->p > '9')
			return jfail(js, "bad number");
		while (js->p < js->end && *js->p >= '0' && *js->p <= '9')
			js->p++;
	}
	if (js->p < js->end && (*js->p == 'e' || *js->p == 'E')) {
		js->p++;
		if (js->p < js->end && (*js->p == '+' || *js->p == '-'))
			js->p++;
		if (js->p == js->end || *js->p < '0' || *js->p > '9')
			return jfail(js, "bad number");
		while (js->p < js->end && *js->p >= '0' && *js->p <= '9')
			js->p++;
	}
	return js->p > start ? 0 : jfail(js, "bad number");
}

static int jskip(struct jscan *js);

/* Object or array after its opening bracket, up to its closing one. */
static int
jskip_container(struct jscan *js, char close, bool object)
{
	if (++js->depth > CTL_JSON_DEPTH_MAX)
		return jfail(js, "nested deeper than %d", CTL_JSON_DEPTH_MAX);
	if (jeat(js, close)) {
		js->depth--;
		return 0;
	}
	do {
		if (object && (jstring(js, NULL, 0, NULL) < 0 || !jeat(js, ':')))
			return jfail(js, "expected \"key\": value");
		if (jskip(js) < 0)
			return -EINVAL;
	} while (jeat(js, ','));
	if (!jeat(js, close))
		return jfail(js, "expected ',' or '%c'", close);
	js->depth--;
	return 0;
}

static int
jskip(struct jscan *js)
{
	static const char *const words[] = { "true", "false", "null" };

	jws(js);
	if (js->p == js->end)
		return jfail(js, "unexpected end of the text");
	switch (*js->p) {
	case '"':
		return jstring(js, NULL, 0, NULL);
	case '{':
		js->p++;
		return jskip_container(js, '}', true);
	case '[':
		js->p++;
		return jskip_container(js, ']', false);
	}
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(words[i]);

		if ((size_t)(js->end - js->p) >= n &&
		    memcmp(js->p, words[i], n) == 0) {
			js->p += n;
			return 0;
		}
	}
	return jnumber(js);
}

/* ---- requests ---------------------------------------------------------- */

static bool
command_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '_'))
			return false;
	return true;
}

static int
parse_args(struct jscan *js, struct ctl_request *req)
{
	if (!jeat(js, '['))
		return jfail(js, "\"args\" must be an array of strings");
	if (jeat(js, ']'))
		return 0;
	do {
		if (req->nargs == CTL_ARGS_MAX)
			return jfail(js, "more than %d args", CTL_ARGS_MAX);
		if (jstring(js, req->args[req->nargs], CTL_ARG_MAX, NULL) < 0)
			return jfail(js, "\"args\" must be an array of strings");
		req->nargs++;
	} while (jeat(js, ','));
	if (!jeat(js, ']'))
		return jfail(js, "expected ',' or ']' in \"args\"");
	return 0;
}

static int
parse_member(struct jscan *js, struct ctl_request *req, bool *have_cmd,
    bool *have_args)
{
	char key[16];

	if (jstring(js, key, sizeof(key), NULL) < 0 || !jeat(js, ':'))
		return jfail(js, "expected \"key\": value");
	if (strcmp(key, "command") == 0) {
		if (*have_cmd)
			return jfail(js, "\"command\" given twice");
		*have_cmd = true;
		if (jstring(js, req->command, sizeof(req->command), NULL) < 0)
			return -EINVAL;
		if (!command_word(req->command))
			return jfail(js, "\"command\" is not a word of a-z 0-9 - _");
		return 0;
	}
	if (strcmp(key, "args") == 0) {
		if (*have_args)
			return jfail(js, "\"args\" given twice");
		*have_args = true;
		return parse_args(js, req);
	}
	return jfail(js, "unknown key \"%s\" (known: command, args)", key);
}

int
ctl_proto_parse_request(const char *text, size_t len, struct ctl_request *req,
    char *why, size_t why_len)
{
	struct jscan js = { text, text + len, 0, why, why_len };
	bool have_cmd = false, have_args = false;

	memset(req, 0, sizeof(*req));
	if (why_len > 0)
		why[0] = '\0';
	if (len > CTL_REQUEST_MAX)
		return jfail(&js, "longer than %d bytes", CTL_REQUEST_MAX);
	if (!jeat(&js, '{'))
		return jfail(&js, "not a JSON object");
	if (!jeat(&js, '}')) {
		do {
			if (parse_member(&js, req, &have_cmd, &have_args) < 0)
				return -EINVAL;
		} while (jeat(&js, ','));
		if (!jeat(&js, '}'))
			return jfail(&js, "expected ',' or '}'");
	}
	jws(&js);
	if (js.p != js.end)
		return jfail(&js, "text after the request object");
	if (!have_cmd)
		return jfail(&js, "no \"command\"");
	return 0;
}

/* ---- formatting -------------------------------------------------------- */

int
ctl_proto_format_request(char *buf, size_t len, const char *command,
    char *const *args, size_t nargs)
{
	char *text = NULL;
	size_t text_len = 0;
	FILE *f;
	int ret;

	if (!command_word(command) || strlen(command) >= CTL_COMMAND_MAX ||
	    nargs > CTL_ARGS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < nargs; i++)
		if (strlen(args[i]) >= CTL_ARG_MAX)
			return -EINVAL;
	if ((f = open_memstream(&text, &text_len)) == NULL)
		return -ENOMEM;
	fprintf(f, "{\"command\": ");
	json_out_str(f, command);
	fprintf(f, ", \"args\": [");
	for (size_t i = 0; i < nargs; i++) {
		fputs(i ? ", " : "", f);
		json_out_str(f, args[i]);
	}
	fprintf(f, "]}\n");
	fclose(f);
	if (text_len >= len || text_len > CTL_REQUEST_MAX) {
		ret = -ENOSPC;
	} else {
		memcpy(buf, text, text_len + 1);
		ret = (int)text_len;
	}
	free(text);
	return ret;
}

/* ---- replies ----------------------------------------------------------- */

/* A string member's value, decoded into a new allocation. */
static int
jstring_alloc(struct jscan *js, char **out)
{
	struct jscan probe = *js;
	size_t raw;

	jws(&probe);
	if (jstring(&probe, NULL, 0, NULL) < 0)
		return jfail(js, "expected a string");
	raw = (size_t)(probe.p - js->p);
	free(*out);
	if ((*out = malloc(raw + 1)) == NULL)
		return -ENOMEM;
	return jstring(js, *out, raw + 1, NULL);
}

static int
reply_member(struct jscan *js, struct ctl_reply *reply, bool *have_ok)
{
	char key[16];
	const char *start;

	if (jstring(js, key, sizeof(key), NULL) < 0 || !jeat(js, ':'))
		return jfail(js, "expected \"key\": value");
	if (strcmp(key, "ok") == 0) {
		jws(js);
		*have_ok = true;
		if (js->end - js->p >= 4 && memcmp(js->p, "true", 4) == 0) {
			reply->ok = true;
			js->p += 4;
			return 0;
		}
		if (js->end - js->p >= 5 && memcmp(js->p, "false", 5) == 0) {
			reply->ok = false;
			js->p += 5;
			return 0;
		}
		return jfail(js, "\"ok\" is not true or false");
	}
	if (strcmp(key, "text") == 0)
		return jstring_alloc(js, &reply->text);
	if (strcmp(key, "error") == 0)
		return jstring_alloc(js, &reply->error);
	jws(js);
	start = js->p;
	if (jskip(js) < 0)
		return -EINVAL;
	/* Unknown members are skipped: later daemons may say more. */
	if (strcmp(key, "result") == 0) {
		reply->result = start;
		reply->result_len = (size_t)(js->p - start);
	}
	return 0;
}

int
ctl_proto_parse_reply(const char *text, size_t len, struct ctl_reply *reply,
    char *why, size_t why_len)
{
	struct jscan js = { text, text + len, 0, why, why_len };
	bool have_ok = false;
	int err = 0;

	memset(reply, 0, sizeof(*reply));
	if (why_len > 0)
		why[0] = '\0';
	if (!jeat(&js, '{'))
		err = jfail(&js, "not a JSON object");
	while (err == 0 && !jeat(&js, '}')) {
		if ((err = reply_member(&js, reply, &have_ok)) < 0)
			break;
		if (!jeat(&js, ',') && (jws(&js), js.p < js.end && *js.p != '}'))
			err = jfail(&js, "expected ',' or '}'");
		if (js.p == js.end)
			err = jfail(&js, "unterminated reply");
	}
	if (err == 0 && !have_ok)
		err = jfail(&js, "no \"ok\" in the reply");
	if (err < 0)
		ctl_proto_reply_free(reply);
	return err;
}

void
ctl_proto_reply_free(struct ctl_reply *reply)
{
	free(reply->text);
	free(reply->error);
	reply->text = reply->error = NULL;
	reply->result = NULL;
}
