/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_http - the http(s) side of lib/check's stream probes (see
 * check_int.h): the GET of each url, the TLS context and session, and the
 * judging of the answer: the status in its range, the expected text, the
 * regular expression, the MD5 digest of the body (streamed through
 * lib/os/digest, so the body may be longer than what is kept).
 *
 * Owns nothing of its own: it works on the probe in flight of a check.
 * Never does: open or connect a socket (check.c does, for each url).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <regex.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "lb/check_int.h"
#include "os/digest.h"

const char *
check_tls_error(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	ERR_clear_error();
	if (e == 0)
		snprintf(buf, len, "connection closed");
	else
		ERR_error_string_n(e, buf, len);
	return buf;
}

/* The path, statuses and body checks of url i (0 when there are none). */
struct url_view {
	const char *path, *expect_body;
	unsigned lo, hi;
	const uint8_t *digest;        /* NULL: none */
	const regex_t *re;            /* NULL: none */
};

static struct url_view
url_at(const struct check *c, size_t i)
{
	struct url_view v;

	if (c->conf.nurls == 0) {
		v = (struct url_view){ c->conf.path != NULL ? c->conf.path :
		    "/", c->conf.expect_body != NULL ?
		    c->conf.expect_body : "",
		    c->conf.expect_status, c->conf.status_hi, NULL, NULL };
		if (v.hi < v.lo)
			v.hi = v.lo;
		return v;
	}
	const struct conf_check_url *u = &c->conf.urls[i];

	v = (struct url_view){ u->path, u->expect_body != NULL ?
	    u->expect_body : "", u->status_lo, u->status_hi,
	    u->has_digest ? u->digest : NULL, NULL };
	if (u->expect_regex != NULL && c->re != NULL)
		v.re = &((const regex_t *)c->re)[i];
	return v;
}

/* The GET of url c->url (HTTP/1.0, Connection: close): 0 or -ENOMEM. */
int
check_http_request(struct check *c)
{
	struct url_view u = url_at(c, c->url);
	const char *host = c->conf.host, *h = c->conf.headers;
	char a[INET6_ADDRSTRLEN + 2], t[INET6_ADDRSTRLEN];
	size_t cap;
	int n;

	if (host == NULL) {
		addr_str(check_target(c), t, sizeof(t));
		snprintf(a, sizeof(a), check_target(c)->family == AF_INET6 ?
		    "[%s]" : "%s", t);
		host = a;
	}
	cap = strlen(u.path) + strlen(host) + (h != NULL ? strlen(h) : 0) + 96;
	if ((c->req = malloc(cap)) == NULL)
		return -ENOMEM;
	n = snprintf(c->req, cap, "GET %s HTTP/1.0\r\nHost: %s\r\n"
	    "User-Agent: vipd-check\r\nConnection: close\r\n%s\r\n", u.path,
	    host, h != NULL ? h : "");
	c->req_len = (size_t)n;
	c->req_sent = 0;
	return 0;
}

bool
check_http_tls_begin(struct check *c, char *why, size_t len)
{
	SSL *s = SSL_new(c->tls_ctx);
	char a[INET6_ADDRSTRLEN];

	if (s == NULL || SSL_set_fd(s, c->fd) != 1) {
		SSL_free(s);
		check_tls_error(why, len);
		return false;
	}
	c->tls = s;
	addr_str(&c->addr, a, sizeof(a));
	/* The name in the certificate: host when given, else the address. */
	if (c->conf.host != NULL) {
		SSL_set_tlsext_host_name(s, c->conf.host);
		if (c->conf.verify)
			SSL_set1_host(s, c->conf.host);
	} else if (c->conf.verify)
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), a);
	return true;
}

int
check_http_tls_setup(struct check *c, char *why, size_t why_len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		check_tls_error(why, why_len);
		return -ENOMEM;
	}
	SSL_CTX_set_verify(ctx, c->conf.verify ? SSL_VERIFY_PEER :
	    SSL_VERIFY_NONE, NULL);
	if (c->conf.verify && (c->conf.ca_file != NULL ?
	    SSL_CTX_load_verify_locations(ctx, c->conf.ca_file, NULL) :
	    SSL_CTX_set_default_verify_paths(ctx)) != 1) {
		char e[96];

		snprintf(why, why_len, "cannot load CA certificates%s%s: %s",
		    c->conf.ca_file != NULL ? " from " : "",
		    c->conf.ca_file != NULL ? c->conf.ca_file : "",
		    check_tls_error(e, sizeof(e)));
		SSL_CTX_free(ctx);
		return -EINVAL;
	}
	c->tls_ctx = ctx;
	return 0;
}

/* The url passed: on to the next one, or the probe is good. */
static enum check_http_step
url_passed(struct check *c, uint64_t now_ms, const char *why)
{
	if (c->conf.nurls > 1 && c->url + 1 < c->conf.nurls) {
		size_t next = c->url + 1;
		enum check_smtp_stage st = c->smtp;

		check_probe_reset(c);
		c->url = next;
		c->smtp = st;
		return CHECK_HTTP_NEXT_URL;
	}
	if (c->conf.nurls > 1)
		check_probe_done(c, true, now_ms, "%zu urls: %s", c->conf.nurls,
		    why);
	else
		check_probe_done(c, true, now_ms, "%s", why);
	return CHECK_HTTP_ENDED;
}

static void
url_failed(struct check *c, uint64_t now_ms, const char *why)
{
	if (c->conf.nurls > 1)
		check_probe_done(c, false, now_ms, "%s: %s",
		    c->conf.urls[c->url].path, why);
	else
		check_probe_done(c, false, now_ms, "%s", why);
}

static const char *
hex16(const uint8_t *d, char *buf)
{
	for (int i = 0; i < 16; i++)
		snprintf(buf + 2 * i, 3, "%02x", d[i]);
	return buf;
}

/*
 * The body of a url that wants a digest or a regular expression: digest
 * all of it, keep the first CHECK_RESP_MAX bytes for the texts; judged at
 * the end of the stream.
 */
static enum check_http_step
judge_body(struct check *c, bool eof, uint64_t now_ms, struct url_view *u)
{
	char got[33], want[33];
	uint8_t md[16];
	size_t off;

	if (!c->in_body) {
		if ((off = check_http_body_off(c->resp, c->resp_len)) == 0) {
			if (!eof && c->resp_len < CHECK_RESP_MAX)
				return CHECK_HTTP_READ_ON;
			url_failed(c, now_ms, eof ? "connection closed in the "
			    "headers" : "headers longer than 4096 bytes");
			return CHECK_HTTP_ENDED;
		}
		if (u->digest != NULL && (c->md5 = digest_stream_new(
		    DIGEST_MD5)) == NULL) {
			url_failed(c, now_ms, "MD5 not available");
			return CHECK_HTTP_ENDED;
		}
		c->resp_len -= off;
		memmove(c->resp, c->resp + off, c->resp_len);
		c->in_body = true;
		if (c->md5 != NULL)
			(void)digest_stream_update(c->md5, c->resp, c->resp_len);
	} else if (c->body_full) {
		/* Bytes past what is kept were read into the second half. */
		(void)digest_stream_update(c->md5, c->resp + CHECK_RESP_MAX,
		    c->resp_len - CHECK_RESP_MAX);
		c->resp_len = CHECK_RESP_MAX;
	} else if (c->md5 != NULL)
		(void)digest_stream_update(c->md5, c->resp + c->resp_len -
		    c->resp_new, c->resp_new);
	if (c->resp_len >= CHECK_RESP_MAX) {
		c->resp_len = CHECK_RESP_MAX;
		c->body_full = true;
	}
	if (!eof && (c->md5 != NULL || !c->body_full))
		return CHECK_HTTP_READ_ON;
	c->resp[c->resp_len] = '\0';
	if (u->digest != NULL) {
		int rc = digest_stream_final(c->md5, md, sizeof(md));
		char m[96];

		c->md5 = NULL;
		if (rc < 0 || memcmp(md, u->digest, 16) != 0) {
			snprintf(m, sizeof(m), "body digest %s, expected %s",
			    rc < 0 ? "unavailable" : hex16(md, got),
			    hex16(u->digest, want));
			url_failed(c, now_ms, m);
			return CHECK_HTTP_ENDED;
		}
	}
	if (u->expect_body[0] != '\0' && memmem(c->resp, c->resp_len,
	    u->expect_body, strlen(u->expect_body)) == NULL) {
		url_failed(c, now_ms, "the body lacks the expected text");
		return CHECK_HTTP_ENDED;
	}
	if (u->re != NULL && (memchr(c->resp, '\0', c->resp_len) != NULL ||
	    regexec(u->re, c->resp, 0, NULL, 0) != 0)) {
		url_failed(c, now_ms, "the body does not match "
		    "expect_body_regex");
		return CHECK_HTTP_ENDED;
	}
	return url_passed(c, now_ms, u->digest != NULL ? "body digest matches" :
	    "body matches");
}

/* What an http(s) probe read so far (eof: the stream ended). */
enum check_http_step
check_http_judge(struct check *c, bool eof, uint64_t now_ms)
{
	char why[CHECK_REASON_MAX];
	enum check_http_verdict v;
	struct url_view u;

	u = url_at(c, c->url);
	if (c->in_body)
		return judge_body(c, eof, now_ms, &u);
	eof = eof || c->resp_len >= CHECK_RESP_MAX;
	v = check_http_parse_range(c->resp, c->resp_len, eof, u.lo, u.hi,
	    u.digest != NULL || u.re != NULL ? NULL : u.expect_body, why,
	    sizeof(why));
	if (v == CHECK_HTTP_MORE)
		return CHECK_HTTP_READ_ON;
	if (v == CHECK_HTTP_FAIL) {
		url_failed(c, now_ms, why);
		return CHECK_HTTP_ENDED;
	}
	if (u.digest != NULL || u.re != NULL)
		return judge_body(c, eof && c->resp_len < CHECK_RESP_MAX, now_ms,
		    &u);
	return url_passed(c, now_ms, why);
}
