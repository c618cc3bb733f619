/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_check - a check's addresses, retries, udp/dns/smtp/http details
 * (see conf_check.h).
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "conf/conf_check.h"
#include "conf/conf_names.h"

const char *const conf_check_url_keys[] = { "path", "expect_status",
	"digest", "expect_body", "expect_body_regex", NULL };

static const struct {
	const char *word;
	uint16_t type;
} dns_types[] = {
	{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "PTR", 12 },
	{ "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 }, { "SRV", 33 },
};

uint16_t
conf_check_dns_type(const char *word)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (strcasecmp(word, dns_types[i].word) == 0)
			return dns_types[i].type;
	return 0;
}

const char *
conf_check_dns_type_name(uint16_t type)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (dns_types[i].type == type)
			return dns_types[i].word;
	return "?";
}

/* ---- helpers ----------------------------------------------------------- */

static const config_setting_t *
member(const config_setting_t *g, const char *key)
{
	return config_setting_get_member(g, key);
}

static char *
dup_or_fail(struct conf_ctx *ctx, const config_setting_t *at,
    const char *where, const char *key, const char *v)
{
	char *p = strdup(v);

	if (p == NULL) {
		conf_error(ctx, at, "%s.%s: out of memory", where, key);
		ctx->nomem = true;
	}
	return p;
}

/* A text key without line breaks or NUL, at most max chars: 1 when set. */
static int
get_line(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key, size_t max, const char **out)
{
	if (conf_get_string(ctx, g, where, key, out) <= 0)
		return 0;
	if (strlen(*out) > max) {
		conf_error(ctx, member(g, key), "%s.%s: longer than %zu "
		    "characters", where, key, max);
		return 0;
	}
	if (strpbrk(*out, "\r\n") != NULL) {
		conf_error(ctx, member(g, key), "%s.%s: must not contain a line "
		    "break", where, key);
		return 0;
	}
	return 1;
}

static int
hex_val(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "0a1B..." (blanks and colons between bytes allowed) into out: length or -1. */
static long
hex_decode(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*s != '\0') {
		int hi, lo;

		if (*s == ' ' || *s == ':') {
			s++;
			continue;
		}
		if ((hi = hex_val(s[0])) < 0 || (lo = hex_val(s[1])) < 0 ||
		    n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return (long)n;
}

/*
 * Bytes given as text (key) or as hex (key_hex), not both: allocated into
 * *out. Returns 1 when set.
 */
static int
get_bytes(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key, uint8_t **out, size_t *len)
{
	char hk[32];
	const char *v;
	uint8_t buf[CONF_CHECK_BYTES_MAX];
	long n;
	const config_setting_t *at;

	snprintf(hk, sizeof(hk), "%s_hex", key);
	if (member(g, key) != NULL && member(g, hk) != NULL) {
		conf_error(ctx, member(g, hk), "%s: %s and %s exclude each other",
		    where, key, hk);
		return 0;
	}
	if (member(g, key) != NULL) {
		at = member(g, key);
		if (conf_get_string(ctx, g, where, key, &v) <= 0)
			return 0;
		n = (long)strlen(v);
		if (n > CONF_CHECK_BYTES_MAX) {
			conf_error(ctx, at, "%s.%s: longer than %d bytes", where,
			    key, CONF_CHECK_BYTES_MAX);
			return 0;
		}
		memcpy(buf, v, (size_t)n);
	} else if (member(g, hk) != NULL) {
		at = member(g, hk);
		if (conf_get_string(ctx, g, where, hk, &v) <= 0)
			return 0;
		if ((n = hex_decode(v, buf, sizeof(buf))) < 0) {
			conf_error(ctx, at, "%s.%s: not pairs of hex digits, at "
			    "most %d bytes", where, hk, CONF_CHECK_BYTES_MAX);
			return 0;
		}
	} else
		return 0;
	if ((*out = malloc(n > 0 ? (size_t)n : 1)) == NULL) {
		conf_error(ctx, at, "%s.%s: out of memory", where, key);
		ctx->nomem = true;
		return 0;
	}
	memcpy(*out, buf, (size_t)n);
	*len = (size_t)n;
	return 1;
}

/* A POSIX extended regular expression that compiles: allocated copy. */
static char *
get_regex(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key)
{
	const char *v;
	regex_t re;
	int rc;

	if (get_line(ctx, g, where, key, CONF_LB_TEXT_MAX - 1, &v) <= 0)
		return NULL;
	if ((rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB)) != 0) {
		char e[96];

		regerror(rc, &re, e, sizeof(e));
		conf_error(ctx, member(g, key), "%s.%s: not a regular "
		    "expression: %s", where, key, e);
		return NULL;
	}
	regfree(&re);
	return dup_or_fail(ctx, member(g, key), where, key, v);
}

static int
get_addr_key(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, const char *key, struct addr *out)
{
	const config_setting_t *s = member(g, key);
	char w[CONF_WHERE_MAX + 96], q[48];

	if (s == NULL)
		return 0;
	snprintf(w, sizeof(w), "%s.%s", where, key);
	return conf_get_addr(ctx, s, w, out, q, sizeof(q));
}

void
conf_check_load_status(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, uint16_t *lo, uint16_t *hi)
{
	const config_setting_t *s = member(g, "expect_status");
	long long v;
	unsigned a, b;
	char end;

	if (s == NULL)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		if (conf_get_int(ctx, g, where, "expect_status", 100, 599,
		    &v) > 0)
			*lo = *hi = (uint16_t)v;
		return;
	}
	if (sscanf(config_setting_get_string(s), "%u-%u%c", &a, &b,
	    &end) != 2 || a < 100 || b > 599 || a > b) {
		conf_error(ctx, s, "%s.expect_status: '%s' is not a status "
		    "(100..599) or a range \"LOW-HIGH\"", where,
		    config_setting_get_string(s));
		return;
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
}

/* ---- http -------------------------------------------------------------- */

static void
load_url(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    struct conf_check_url *u)
{
	const char *v;

	u->status_lo = u->status_hi = 200;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_error(ctx, g, "%s: expected a group { ... }", where);
		return;
	}
	conf_check_keys(ctx, g, where, conf_check_url_keys, NULL);
	if (member(g, "path") == NULL)
		conf_error(ctx, g, "%s.path: missing (required)", where);
	else if (get_line(ctx, g, where, "path", CONF_LB_TEXT_MAX - 1, &v) > 0) {
		if (v[0] != '/' || strchr(v, ' ') != NULL)
			conf_error(ctx, member(g, "path"), "%s.path: must start "
			    "with / and contain no blank", where);
		else
			u->path = dup_or_fail(ctx, member(g, "path"), where,
			    "path", v);
	}
	conf_check_load_status(ctx, g, where, &u->status_lo, &u->status_hi);
	if (get_line(ctx, g, where, "digest", 64, &v) > 0) {
		if (strlen(v) != 32 || hex_decode(v, u->digest,
		    sizeof(u->digest)) != 16)
			conf_error(ctx, member(g, "digest"), "%s.digest: not an "
			    "MD5 digest (32 hex digits)", where);
		else
			u->has_digest = true;
	}
	if (get_line(ctx, g, where, "expect_body", CONF_LB_TEXT_MAX - 1,
	    &v) > 0)
		u->expect_body = dup_or_fail(ctx, member(g, "expect_body"),
		    where, "expect_body", v);
	u->expect_regex = get_regex(ctx, g, where, "expect_body_regex");
}

static void
load_urls(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    struct conf_check *c)
{
	const config_setting_t *s = member(g, "urls");
	char w[CONF_WHERE_MAX + 128];
	int n;

	if (s == NULL)
		return;
	if (!conf_is_list_of_groups(ctx, s, where))
		return;
	n = config_setting_length(s);
	if (n < 1 || n > CONF_CHECK_URLS_MAX) {
		conf_error(ctx, s, "%s.urls: %d urls, 1..%d allowed", where, n,
		    CONF_CHECK_URLS_MAX);
		return;
	}
	if (member(g, "path") != NULL || member(g, "expect_status") != NULL ||
	    member(g, "expect_body") != NULL)
		conf_error(ctx, s, "%s.urls: path, expect_status and expect_body "
		    "go into each url then", where);
	if ((c->urls = calloc((size_t)n, sizeof(*c->urls))) == NULL) {
		conf_error(ctx, s, "%s.urls: out of memory", where);
		ctx->nomem = true;
		return;
	}
	c->nurls = (size_t)n;
	for (int i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "%s.urls[%d]", where, i);
		load_url(ctx, config_setting_get_elem(s, (unsigned)i), w,
		    &c->urls[i]);
	}
}

static void
base64(const char *in, size_t len, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)(uint8_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)(uint8_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= (uint8_t)in[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

/* headers = ( "Name: value", ... ) and user/password, as request lines. */
static void
load_headers(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_check *c)
{
	const config_setting_t *s = member(g, "headers");
	char buf[4096], cred[2 * CONF_LB_TEXT_MAX + 2];
	char b64[sizeof(cred) / 3 * 4 + 8];
	const char *user = NULL, *pass = NULL;
	size_t len = 0;

	if (s != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_LIST &&
		    config_setting_type(s) != CONFIG_TYPE_ARRAY) {
			conf_error(ctx, s, "%s.headers: expected a list of "
			    "\"Name: value\" strings", where);
			return;
		}
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *e =
			    config_setting_get_elem(s, (unsigned)i);
			const char *v = config_setting_get_string(e);
			const char *colon = v != NULL ? strchr(v, ':') : NULL;

			if (v == NULL || colon == NULL || colon == v ||
			    strpbrk(v, "\r\n") != NULL ||
			    strcspn(v, " \t") < (size_t)(colon - v)) {
				conf_error(ctx, e, "%s.headers[%d]: not a "
				    "\"Name: value\" line", where, i);
				return;
			}
			if (len + strlen(v) + 3 > sizeof(buf)) {
				conf_error(ctx, e, "%s.headers: longer than %zu "
				    "characters in all", where, sizeof(buf) - 1);
				return;
			}
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "%s\r\n", v);
		}
	}
	get_line(ctx, g, where, "user", CONF_LB_TEXT_MAX - 1, &user);
	get_line(ctx, g, where, "password", CONF_LB_TEXT_MAX - 1, &pass);
	if ((member(g, "user") == NULL) != (member(g, "password") == NULL))
		conf_error(ctx, g, "%s: user and password go together", where);
	else if (user != NULL && pass != NULL) {
		/* RFC 7617: user-id ":" password, in base64. */
		if (strchr(user, ':') != NULL)
			conf_error(ctx, member(g, "user"), "%s.user: must not "
			    "contain ':'", where);
		snprintf(cred, sizeof(cred), "%s:%s", user, pass);
		base64(cred, strlen(cred), b64);
		if (len + strlen(b64) + 32 > sizeof(buf)) {
			conf_error(ctx, g, "%s.headers: too long with the "
			    "authorization", where);
			return;
		}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "Authorization: Basic %s\r\n", b64);
	}
	if (len > 0)
		c->headers = dup_or_fail(ctx, g, where, "headers", buf);
}

/* ---- the whole ---------------------------------------------------------- */

/* keys that apply to `types` only (a mask of 1 << CONF_CHECK_x). */
static void
only_for(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const struct conf_check *c, unsigned types, const char *what,
    const char *const *keys)
{
	if (types & 1u << c->type)
		return;
	for (size_t i = 0; keys[i] != NULL; i++)
		if (member(g, keys[i]) != NULL)
			conf_error(ctx, member(g, keys[i]), "%s.%s: applies to "
			    "%s checks only", where, keys[i], what);
}

#define T(x) (1u << CONF_CHECK_##x)

void
conf_check_load_more(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_check *c)
{
	static const char *const addr_keys[] = { "connect_ip", "bind_to", NULL };
	static const char *const udp_keys[] = { "payload", "payload_hex",
		"expect_reply", "expect_reply_hex", "expect_reply_regex", NULL };
	static const char *const dns_keys[] = { "query_name", "query_type",
		"expect_address", NULL };
	static const char *const smtp_keys[] = { "helo_name", NULL };
	static const char *const http_keys[] = { "urls", "headers", "user",
		"password", NULL };
	static const char *const port_keys[] = { "port", NULL };
	const char *v;
	long long n;

	c->delay_before_retry_ms = 1000;
	only_for(ctx, g, where, c, ~T(SCRIPT), "network", addr_keys);
	only_for(ctx, g, where, c, T(UDP), "udp", udp_keys);
	only_for(ctx, g, where, c, T(DNS), "dns", dns_keys);
	only_for(ctx, g, where, c, T(SMTP), "smtp", smtp_keys);
	only_for(ctx, g, where, c, T(HTTP) | T(HTTPS), "http and https",
	    http_keys);
	only_for(ctx, g, where, c, ~T(PING), "port-based", port_keys);

	get_addr_key(ctx, g, where, "connect_ip", &c->connect_ip);
	if (get_addr_key(ctx, g, where, "bind_to", &c->bind_to) > 0 &&
	    c->connect_ip.family != 0 &&
	    c->connect_ip.family != c->bind_to.family)
		conf_error(ctx, member(g, "bind_to"), "%s.bind_to: not the "
		    "family of connect_ip", where);
	if (conf_get_int(ctx, g, where, "retry", 0, 100, &n) > 0)
		c->retry = (uint32_t)n;
	if (conf_get_int(ctx, g, where, "delay_before_retry_ms", 0, 3600000,
	    &n) > 0)
		c->delay_before_retry_ms = (uint32_t)n;
	if (conf_get_int(ctx, g, where, "warmup_ms", 0, 3600000, &n) > 0)
		c->warmup_ms = (uint32_t)n;

	get_bytes(ctx, g, where, "payload", &c->payload, &c->payload_len);
	get_bytes(ctx, g, where, "expect_reply", &c->expect_reply,
	    &c->expect_reply_len);
	if ((c->expect_regex = get_regex(ctx, g, where,
	    "expect_reply_regex")) != NULL && c->expect_reply != NULL)
		conf_error(ctx, member(g, "expect_reply_regex"), "%s: "
		    "expect_reply and expect_reply_regex exclude each other",
		    where);

	c->query_type = 6;
	if (get_line(ctx, g, where, "query_name", 253, &v) > 0) {
		if (v[0] == '\0' || strstr(v, "..") != NULL ||
		    (v[0] == '.' && v[1] != '\0') ||
		    strcspn(v, " \t") != strlen(v))
			conf_error(ctx, member(g, "query_name"), "%s.query_name: "
			    "not a domain name", where);
		else
			c->query_name = dup_or_fail(ctx, member(g,
			    "query_name"), where, "query_name", v);
	}
	if (conf_get_string(ctx, g, where, "query_type", &v) > 0 &&
	    (c->query_type = conf_check_dns_type(v)) == 0)
		conf_error(ctx, member(g, "query_type"), "%s.query_type: '%s' "
		    "is not A, NS, CNAME, SOA, PTR, MX, TXT, AAAA or SRV", where,
		    v);
	if (get_addr_key(ctx, g, where, "expect_address",
	    &c->expect_address) > 0 && c->query_type != 1 &&
	    c->query_type != 28)
		conf_error(ctx, member(g, "expect_address"), "%s.expect_address: "
		    "needs query_type \"A\" or \"AAAA\"", where);
	else if (c->expect_address.family != 0 &&
	    (c->expect_address.family == AF_INET) != (c->query_type == 1))
		conf_error(ctx, member(g, "expect_address"), "%s.expect_address: "
		    "not the family query_type asks for", where);

	if (get_line(ctx, g, where, "helo_name", 253, &v) > 0) {
		if (v[0] == '\0' || strcspn(v, " \t") != strlen(v))
			conf_error(ctx, member(g, "helo_name"), "%s.helo_name: "
			    "must be one word", where);
		else
			c->helo_name = dup_or_fail(ctx, member(g, "helo_name"),
			    where, "helo_name", v);
	}

	load_urls(ctx, g, where, c);
	load_headers(ctx, g, where, c);
}

/* ---- copies ------------------------------------------------------------- */

static int
copy_mem(void **to, const void *from, size_t len)
{
	*to = NULL;
	if (from == NULL)
		return 0;
	if ((*to = malloc(len > 0 ? len : 1)) == NULL)
		return -ENOMEM;
	memcpy(*to, from, len);
	return 0;
}

static int
copy_str(char **to, const char *from)
{
	return copy_mem((void **)to, from, from != NULL ? strlen(from) + 1 : 0);
}

int
conf_check_copy_more(struct conf_check *to, const struct conf_check *from)
{
	int rc = 0;

	/* Cleared first: a failure leaves only owned pointers to free. */
	to->payload = to->expect_reply = NULL;
	to->expect_regex = to->query_name = to->helo_name = to->headers = NULL;
	to->urls = NULL;
	to->nurls = 0;
	rc |= copy_mem((void **)&to->payload, from->payload, from->payload_len);
	rc |= copy_mem((void **)&to->expect_reply, from->expect_reply,
	    from->expect_reply_len);
	rc |= copy_str(&to->expect_regex, from->expect_regex);
	rc |= copy_str(&to->query_name, from->query_name);
	rc |= copy_str(&to->helo_name, from->helo_name);
	rc |= copy_str(&to->headers, from->headers);
	if (from->nurls > 0) {
		if ((to->urls = calloc(from->nurls, sizeof(*to->urls))) == NULL)
			return -ENOMEM;
		to->nurls = from->nurls;
		for (size_t i = 0; i < from->nurls; i++) {
			struct conf_check_url *u = &to->urls[i];

			*u = from->urls[i];
			u->path = u->expect_body = u->expect_regex = NULL;
			rc |= copy_str(&u->path, from->urls[i].path);
			rc |= copy_str(&u->expect_body,
			    from->urls[i].expect_body);
			rc |= copy_str(&u->expect_regex,
			    from->urls[i].expect_regex);
		}
	}
	return rc != 0 ? -ENOMEM : 0;
}

void
conf_check_free_more(struct conf_check *c)
{
	free(c->payload);
	free(c->expect_reply);
	free(c->expect_regex);
	free(c->query_name);
	free(c->helo_name);
	free(c->headers);
	for (size_t i = 0; i < c->nurls; i++) {
		free(c->urls[i].path);
		free(c->urls[i].expect_body);
		free(c->urls[i].expect_regex);
	}
	free(c->urls);
	c->payload = c->expect_reply = NULL;
	c->expect_regex = c->query_name = c->helo_name = c->headers = NULL;
	c->urls = NULL;
	c->nurls = 0;
}

static bool
str_eq(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static bool
mem_eq(const void *a, size_t al, const void *b, size_t bl)
{
	if (a == NULL || b == NULL)
		return a == b;
	return al == bl && memcmp(a, b, al) == 0;
}

bool
conf_check_equal_more(const struct conf_check *a, const struct conf_check *b)
{
	if (addr_cmp(&a->connect_ip, &b->connect_ip) != 0 ||
	    addr_cmp(&a->bind_to, &b->bind_to) != 0 || a->retry != b->retry ||
	    a->delay_before_retry_ms != b->delay_before_retry_ms ||
	    a->warmup_ms != b->warmup_ms || a->status_hi != b->status_hi ||
	    !mem_eq(a->payload, a->payload_len, b->payload, b->payload_len) ||
	    !mem_eq(a->expect_reply, a->expect_reply_len, b->expect_reply,
	    b->expect_reply_len) || !str_eq(a->expect_regex, b->expect_regex) ||
	    !str_eq(a->query_name, b->query_name) ||
	    a->query_type != b->query_type ||
	    addr_cmp(&a->expect_address, &b->expect_address) != 0 ||
	    !str_eq(a->helo_name, b->helo_name) ||
	    !str_eq(a->headers, b->headers) || a->nurls != b->nurls)
		return false;
	for (size_t i = 0; i < a->nurls; i++) {
		const struct conf_check_url *x = &a->urls[i], *y = &b->urls[i];

		if (!str_eq(x->path, y->path) || x->status_lo != y->status_lo ||
		    x->status_hi != y->status_hi ||
		    x->has_digest != y->has_digest ||
		    memcmp(x->digest, y->digest, sizeof(x->digest)) != 0 ||
		    !str_eq(x->expect_body, y->expect_body) ||
		    !str_eq(x->expect_regex, y->expect_regex))
			return false;
	}
	return true;
}
