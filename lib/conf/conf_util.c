/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_util - what every section of the configuration uses: the error list
 * with its "FILE:LINE: message" form, key checks, typed getters, quoting
 * and name checks (see conf_util.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <libconfig.h>

#include "conf/conf_util.h"
#include "base/addr.h"

/* ---- errors ------------------------------------------------------------ */

/* "FILE:LINE: " + message into out; LINE through the include map. */
static void
conf_vformat(const struct conf_ctx *ctx, char *out, unsigned int line,
    const char *tag, const char *fmt, va_list ap)
{
	const char *path = ctx->path;
	unsigned int at = line;
	char msg[CONF_ERROR_LEN];
	int n;

	if (ctx->map != NULL && line > 0)
		(void)conf_srcmap_locate(ctx->map, line, &path, &at);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (at > 0)
		n = snprintf(out, CONF_ERROR_LEN, "%s:%u: %s", path, at, tag);
	else
		n = snprintf(out, CONF_ERROR_LEN, "%s: %s", path, tag);
	/* A path as long as the whole buffer still leaves a terminated line. */
	if (n >= 0 && n < CONF_ERROR_LEN)
		snprintf(out + n, CONF_ERROR_LEN - (size_t)n, "%s", msg);
}

static void
conf_verror(struct conf_ctx *ctx, unsigned int line, const char *fmt,
    va_list ap)
{
	struct conf_errors *errs = ctx->errs;

	errs->count++;
	if (errs->stored >= CONF_MAX_ERRORS)
		return;
	ctx->line[errs->stored] = line;
	conf_vformat(ctx, errs->msg[errs->stored], line, "", fmt, ap);
	errs->stored++;
}

void
conf_warn_line(struct conf_ctx *ctx, unsigned int line, const char *fmt, ...)
{
	struct conf_errors *errs = ctx->errs;
	va_list ap;

	if (errs->nwarn >= CONF_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	conf_vformat(ctx, errs->warn[errs->nwarn++], line, "warning: ", fmt, ap);
	va_end(ap);
}

void
conf_error_line(struct conf_ctx *ctx, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_verror(ctx, line, fmt, ap);
	va_end(ap);
}

void
conf_error(struct conf_ctx *ctx, const config_setting_t *at,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_verror(ctx, at != NULL ? config_setting_source_line(at) : 0, fmt,
	    ap);
	va_end(ap);
}

/* ---- keys and values -------------------------------------------------- */

const char *
conf_quote(const char *s, char *buf, size_t len)
{
	size_t i, max = len - 4 < 40 ? len - 4 : 40;

	for (i = 0; s[i] != '\0' && i < max; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (s[i] != '\0') {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static bool
in_list(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/* "global" + "." + "state_dir", or just the key at the top level. */
static const char *
dot(const char *where)
{
	return where[0] != '\0' ? "." : "";
}

void
conf_check_keys(struct conf_ctx *ctx, const config_setting_t *group,
    const char *where, const char *const *known, const char *const *later)
{
	const config_setting_t *s;
	const char *name;

	for (int i = 0; (s = config_setting_get_elem(group, (unsigned)i)) != NULL;
	    i++) {
		name = config_setting_name(s);
		if (name == NULL || in_list(name, known))
			continue;
		if (later != NULL && in_list(name, later))
			conf_error(ctx, s, "%s%s%s: not supported yet", where,
			    dot(where), name);
		else
			conf_error(ctx, s, "unknown key '%s' in %s", name,
			    where[0] != '\0' ? where : "the top level");
	}
}

int
conf_get_int(struct conf_ctx *ctx, const config_setting_t *group,
    const char *where, const char *key, long long lo, long long hi,
    long long *out)
{
	const config_setting_t *s;
	long long v;

	if ((s = config_setting_get_member(group, key)) == NULL)
		return 0;
	/* 1000L is as good an integer as 1000; 1000.0 is not. */
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		conf_error(ctx, s, "%s.%s: expected an integer", where, key);
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < lo || v > hi) {
		conf_error(ctx, s, "%s.%s: %lld is out of range %lld..%lld",
		    where, key, v, lo, hi);
		return -1;
	}
	*out = v;
	return 1;
}

int
conf_get_bool(struct conf_ctx *ctx, const config_setting_t *group,
    const char *where, const char *key, bool *out)
{
	const config_setting_t *s;

	if ((s = config_setting_get_member(group, key)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_error(ctx, s, "%s.%s: expected true or false", where, key);
		return -1;
	}
	*out = config_setting_get_bool(s) != 0;
	return 1;
}

int
conf_get_string(struct conf_ctx *ctx, const config_setting_t *group,
    const char *where, const char *key, const char **out)
{
	const config_setting_t *s;

	if ((s = config_setting_get_member(group, key)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_error(ctx, s, "%s.%s: expected a string", where, key);
		return -1;
	}
	*out = config_setting_get_string(s);
	return 1;
}

bool
conf_valid_name(const char *s, size_t max_len)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && strchr("_.-", s[n]) == NULL)
			return false;
	return n >= 1 && n <= max_len;
}

bool
conf_valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 16 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s != '\0'; s++)
		if (!isgraph((unsigned char)*s) || *s == '/' || *s == ':')
			return false;
	return true;
}

int
conf_get_addr(struct conf_ctx *ctx, const config_setting_t *s,
    const char *where, struct addr *out, char *quoted, size_t quoted_len)
{
	const char *text;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_error(ctx, s, "%s: expected a string (an IPv4 or IPv6 "
		    "address)", where);
		return 0;
	}
	text = config_setting_get_string(s);
	conf_quote(text, quoted, quoted_len);
	if (addr_parse(text, out) < 0) {
		conf_error(ctx, s, "%s: '%s' is not an IPv4 or IPv6 address "
		    "(no prefix length here)", where, quoted);
		return 0;
	}
	return 1;
}

bool
conf_addr_is_unicast(const struct addr *a)
{
	static const uint8_t zero[16], loop6[16] = { [15] = 1 };

	if (a->family == AF_INET)
		return a->bytes[0] != 0 && a->bytes[0] != 127 && a->bytes[0] < 224;
	return a->bytes[0] != 0xff && memcmp(a->bytes, zero, 16) != 0 &&
	    memcmp(a->bytes, loop6, 16) != 0;
}

bool
conf_is_list_of_groups(struct conf_ctx *ctx, const config_setting_t *list,
    const char *where)
{
	const config_setting_t *e;

	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		conf_error(ctx, list, "%s: expected a list ( { ... }, ... ) of "
		    "groups", where);
		return false;
	}
	for (int i = 0; (e = config_setting_get_elem(list, (unsigned)i)) != NULL;
	    i++) {
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			conf_error(ctx, e, "%s[%d]: expected a group { ... }",
			    where, i);
			return false;
		}
	}
	return true;
}

const char *
conf_get_entry_name(struct conf_ctx *ctx, const config_setting_t *e,
    const char *where, size_t max)
{
	const char *v;
	char q[48];
	int r;

	if ((r = conf_get_string(ctx, e, where, "name", &v)) == 0) {
		conf_error(ctx, e, "%s.name: missing (required)", where);
		return NULL;
	}
	if (r < 0)
		return NULL;
	if (!conf_valid_name(v, max - 1)) {
		conf_error(ctx, config_setting_get_member(e, "name"), "%s.name: "
		    "'%s' is not 1..%zu characters of A-Z a-z 0-9 _ . -", where,
		    conf_quote(v, q, sizeof(q)), max - 1);
		return NULL;
	}
	return v;
}
