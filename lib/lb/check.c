/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check - backend health checks (see check.h).
 *
 * A probe is a small state machine driven by socket readiness:
 * CONNECTING (non-blocking connect, wait for writable) -> [TLS handshake]
 * -> SENDING (the GET) -> READING (until the answer is judged). A tcp check
 * ends at the connect. Every step that would block returns to the loop
 * with the one epoll event it waits for; the deadline (timeout_ms after
 * the start) is enforced from check_tick(), so a backend that accepts and
 * never answers is a failure like one that refuses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "lb/check.h"

/*
 * The slot of the probe after the one starting now (see check_set_grid).
 * A probe started early (check_set_lead) counts as started at its slot:
 * from now_ms, the next slot could be the very one it is starting for.
 */
static uint64_t
next_probe_ms(struct check *c, uint64_t now_ms)
{
	uint64_t grid = c->grid_ms, at = now_ms > c->next_ms ? now_ms :
	    c->next_ms;

	if (grid == 0)
		return check_next_slot(c->next_ms, at, c->conf.interval_ms);
	c->grid_ms = 0;
	return check_grid_slot(grid, at, c->conf.interval_ms);
}

/* c's key in its schedule follows what it waits for next. */
static void
resched(struct check *c)
{
	if (c->sched != NULL)
		(void)check_heap_set(c->sched, &c->sched_node,
		    check_next_deadline(c));
}

/* ---- probes ------------------------------------------------------------ */

static void check_io(struct evloop_watch *w, uint32_t events);

/*
 * Wait for exactly `events` on the probe's socket (0: none). A switch
 * between writable and readable is one EPOLL_CTL_MOD, not a del and an
 * add: an http probe makes it once, 1000 of them a second.
 */
static void
watch_for(struct check *c, uint32_t events)
{
	if (c->watching == events)
		return;
	if (c->watching != 0 && events != 0 &&
	    evloop_mod(c->loop, &c->watch, events) == 0) {
		c->watching = events;
		return;
	}
	if (c->watching != 0)
		evloop_del(c->loop, &c->watch);
	c->watching = 0;
	if (events != 0 && evloop_add(c->loop, &c->watch, events) == 0)
		c->watching = events;
}

static void
probe_reset(struct check *c)
{
	watch_for(c, 0);
	if (c->tls != NULL)
		SSL_free(c->tls);
	c->tls = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->counted && c->budget != NULL)
		c->budget->in_flight--;
	c->counted = false;
	/* The answer's buffer only lives while a probe reads one. */
	free(c->resp);
	c->resp = NULL;
	c->resp_len = 0;
	c->phase = CHECK_IDLE;
}

static void
probe_done(struct check *c, bool ok, uint64_t now_ms, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
probe_done(struct check *c, bool ok, uint64_t now_ms, const char *fmt, ...)
{
	va_list ap;

	probe_reset(c);
	va_start(ap, fmt);
	vsnprintf(c->last_reason, sizeof(c->last_reason), fmt, ap);
	va_end(ap);
	c->has_result = true;
	c->last_ok = ok;
	c->last_ms = now_ms;
	c->runs++;
	c->failures += !ok;
	if (check_rf_record(&c->rf, ok) && c->cb != NULL)
		c->cb(c->arg, c);
}

static const char *
tls_error(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	ERR_clear_error();
	if (e == 0)
		snprintf(buf, len, "connection closed");
	else
		ERR_error_string_n(e, buf, len);
	return buf;
}

static void
probe_start(struct check *c, uint64_t now_ms)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (c->addr.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(c->conf.port);
		memcpy(&s6->sin6_addr, c->addr.bytes, 16);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(c->conf.port);
		memcpy(&s4->sin_addr, c->addr.bytes, 4);
		sl = sizeof(*s4);
	}
	c->next_ms = next_probe_ms(c, now_ms);
	if (c->budget != NULL && c->budget->max != 0 &&
	    c->budget->in_flight >= c->budget->max) {
		/* Not a failure of the backend: it waits for its next slot. */
		c->budget->refused++;
		return;
	}
	c->deadline_ms = now_ms + c->conf.timeout_ms;
	c->resp_len = 0;
	c->req_sent = 0;
	fd = socket(c->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0) {
		probe_done(c, false, now_ms, "socket: %s", strerror(errno));
		return;
	}
	c->fd = fd;
	if (c->budget != NULL) {
		c->budget->in_flight++;
		c->counted = true;
	}
	c->watch = (struct evloop_watch){ fd, check_io, c };
	c->phase = CHECK_CONNECTING;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		probe_done(c, false, now_ms, "connect: %s", strerror(errno));
		return;
	}
	watch_for(c, EPOLLOUT);
}

static int
io_write(struct check *c)
{
	if (c->tls != NULL)
		return SSL_write(c->tls, c->req + c->req_sent,
		    (int)(c->req_len - c->req_sent));
	return (int)send(c->fd, c->req + c->req_sent, c->req_len - c->req_sent,
	    MSG_NOSIGNAL);
}

static int
io_read(struct check *c)
{
	if (c->tls != NULL)
		return SSL_read(c->tls, c->resp + c->resp_len,
		    (int)(CHECK_RESP_MAX - c->resp_len));
	return (int)recv(c->fd, c->resp + c->resp_len,
	    CHECK_RESP_MAX - c->resp_len, 0);
}

/*
 * After an I/O call returned n <= 0: 1 when it only has to wait (the
 * event set), 0 at the end of the stream, -1 on an error (why filled).
 */
static int
io_wait(struct check *c, int n, char *why, size_t len)
{
	int e;

	if (c->tls == NULL) {
		if (n == 0)
			return 0;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 1;
		snprintf(why, len, "%s", errno == ECONNRESET ?
		    "connection reset" : strerror(errno));
		return -1;
	}
	e = SSL_get_error(c->tls, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		watch_for(c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
		return 1;
	}
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (e == SSL_ERROR_SYSCALL && errno == ECONNRESET)
		snprintf(why, len, "connection reset");
	else
		tls_error(why, len);
	return -1;
}

static bool
tls_begin(struct check *c, char *why, size_t len)
{
	SSL *s = SSL_new(c->tls_ctx);
	char a[INET6_ADDRSTRLEN];

	if (s == NULL || SSL_set_fd(s, c->fd) != 1) {
		SSL_free(s);
		tls_error(why, len);
		return false;
	}
	c->tls = s;
	addr_str(&c->addr, a, sizeof(a));
	/* The name in the certificate: host when given, else the address. */
	if (c->conf.host[0] != '\0') {
		SSL_set_tlsext_host_name(s, c->conf.host);
		if (c->conf.verify)
			SSL_set1_host(s, c->conf.host);
	} else if (c->conf.verify)
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), a);
	return true;
}

/* One readiness event: run the probe as far as it goes without waiting. */
static void
probe_step(struct check *c, uint64_t now_ms)
{
	char why[CHECK_REASON_MAX];
	int n, soerr = 0, w;
	long verify;
	socklen_t sl = sizeof(soerr);

	/* SSL_get_error() reads the thread's error queue: start it empty. */
	ERR_clear_error();
	for (;;) {
		switch (c->phase) {
		case CHECK_IDLE:
		case CHECK_SCRIPT_RUNNING:
			return;
		case CHECK_CONNECTING:
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr,
			    &sl) < 0)
				soerr = errno;
			if (soerr == EINPROGRESS)
				return;
			if (soerr != 0) {
				probe_done(c, false, now_ms, "connect: %s",
				    strerror(soerr));
				return;
			}
			if (c->conf.type == CONF_CHECK_TCP) {
				probe_done(c, true, now_ms, "connected");
				return;
			}
			if (c->conf.type == CONF_CHECK_HTTPS &&
			    !tls_begin(c, why, sizeof(why))) {
				probe_done(c, false, now_ms, "tls: %s", why);
				return;
			}
			c->phase = c->tls != NULL ? CHECK_TLS : CHECK_SENDING;
			break;
		case CHECK_TLS:
			if ((n = SSL_connect(c->tls)) == 1) {
				c->phase = CHECK_SENDING;
				break;
			}
			if ((w = io_wait(c, n, why, sizeof(why))) > 0)
				return;
			/*
			 * OpenSSL records the verify result as soon as the
			 * certificate is in, whether it is asked to verify or
			 * not (SSL_VERIFY_NONE only lets the handshake go on),
			 * and a TLS 1.2 client still waits for the server's
			 * Finished after it: only a handshake that failed,
			 * with verification asked for, is the certificate's
			 * fault.
			 */
			if (c->conf.verify && (verify = SSL_get_verify_result(
			    c->tls)) != X509_V_OK) {
				probe_done(c, false, now_ms, "tls: certificate: "
				    "%s", X509_verify_cert_error_string(verify));
				return;
			}
			probe_done(c, false, now_ms, "tls handshake: %s",
			    w == 0 ? "connection closed" : why);
			return;
		case CHECK_SENDING:
			if ((n = io_write(c)) > 0) {
				c->req_sent += (size_t)n;
				if (c->req_sent < c->req_len)
					break;
				if (c->resp == NULL && (c->resp =
				    malloc(CHECK_RESP_MAX)) == NULL) {
					probe_done(c, false, now_ms, "out of "
					    "memory for the answer");
					return;
				}
				c->phase = CHECK_READING;
				break;
			}
			if ((w = io_wait(c, n, why, sizeof(why))) > 0) {
				if (c->tls == NULL)
					watch_for(c, EPOLLOUT);
				return;
			}
			probe_done(c, false, now_ms, "sending the request: %s",
			    w == 0 ? "connection closed" : why);
			return;
		case CHECK_READING: {
			bool eof = false;
			enum check_http_verdict v;

			if ((n = io_read(c)) > 0)
				c->resp_len += (size_t)n;
			else if ((w = io_wait(c, n, why, sizeof(why))) > 0) {
				if (c->tls == NULL)
					watch_for(c, EPOLLIN);
				return;
			} else if (w < 0) {
				probe_done(c, false, now_ms, "%s", why);
				return;
			} else
				eof = true;
			eof = eof || c->resp_len == CHECK_RESP_MAX;
			v = check_http_parse(c->resp, c->resp_len, eof,
			    c->conf.expect_status, c->conf.expect_body, why,
			    sizeof(why));
			if (v != CHECK_HTTP_MORE) {
				probe_done(c, v == CHECK_HTTP_OK, now_ms, "%s",
				    why);
				return;
			}
			break;
		}
		}
	}
}

static void
check_io(struct evloop_watch *w, uint32_t events)
{
	(void)events;
	probe_step(w->arg, evloop_now_ms());
	resched(w->arg);
}

/*
 * At the deadline: a loop that was busy (a burst of health changes, each
 * an nftables transaction) may not have run the probe although its socket
 * was ready. Take what is there before calling it a timeout, so that the
 * daemon's own delay is not blamed on the backend.
 */
static void
probe_catch_up(struct check *c, uint64_t now_ms)
{
	struct pollfd p = { .fd = c->fd, .events = 0 };

	if (c->fd < 0 || c->watching == 0)
		return;
	if (c->watching & EPOLLIN)
		p.events |= POLLIN;
	if (c->watching & EPOLLOUT)
		p.events |= POLLOUT;
	if (poll(&p, 1, 0) == 1 && p.revents != 0)
		probe_step(c, now_ms);
}

/* ---- life cycle -------------------------------------------------------- */

static int
tls_setup(struct check *c, char *why, size_t why_len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		tls_error(why, why_len);
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
		    tls_error(e, sizeof(e)));
		SSL_CTX_free(ctx);
		return -EINVAL;
	}
	c->tls_ctx = ctx;
	return 0;
}

/* ---- script checks ------------------------------------------------------ */

static void
script_done(struct script_job *job, const struct script_result *r, void *arg)
{
	struct check *c = arg;
	char desc[SCRIPT_WHY_MAX + 32];

	(void)job;
	script_result_describe(r, desc, sizeof(desc));
	c->phase = CHECK_IDLE;
	if (r->last_line[0] != '\0')
		probe_done(c, script_result_ok(r), evloop_now_ms(), "%s: %.80s",
		    desc, r->last_line);
	else
		probe_done(c, script_result_ok(r), evloop_now_ms(), "%s", desc);
	resched(c);
}

static void
script_begin(struct check *c, uint64_t now_ms)
{
	c->next_ms = next_probe_ms(c, now_ms);
	c->deadline_ms = now_ms + c->conf.timeout_ms;
	if (c->runner == NULL) {
		probe_done(c, false, now_ms, "no script runner");
		return;
	}
	/* The runner enforces timeout_ms and always calls back once. */
	c->phase = CHECK_SCRIPT_RUNNING;
	if (script_start(c->runner, &c->job, c->conf.argv, c->env,
	    c->conf.timeout_ms, script_done, c, now_ms) < 0)
		probe_done(c, false, now_ms, "previous run still going");
}

int
check_init(struct check *c, const struct conf_check *conf,
    const struct addr *addr, struct evloop *loop,
    struct script_runner *runner, check_change_cb cb, void *arg,
    uint64_t first_ms, char *why, size_t why_len)
{
	char a[INET6_ADDRSTRLEN];

	memset(c, 0, sizeof(*c));
	c->conf = *conf;
	c->addr = *addr;
	c->loop = loop;
	c->cb = cb;
	c->arg = arg;
	c->fd = -1;
	check_heap_node_init(&c->sched_node);
	c->rf.rise = conf->rise;
	c->rf.fall = conf->fall;
	c->next_ms = first_ms;
	addr_str(addr, a, sizeof(a));
	/* HTTP/1.0 with Connection: close: the answer ends with the stream. */
	snprintf(c->req, sizeof(c->req), "GET %s HTTP/1.0\r\nHost: %s%s%s\r\n"
	    "User-Agent: vipd-check\r\nConnection: close\r\n\r\n",
	    conf->path, conf->host[0] != '\0' || addr->family != AF_INET6 ?
	    "" : "[", conf->host[0] != '\0' ? conf->host : a,
	    conf->host[0] != '\0' || addr->family != AF_INET6 ? "" : "]");
	c->req_len = strlen(c->req);
	c->runner = runner;
	snprintf(c->env_addr, sizeof(c->env_addr), "VIPD_BACKEND_ADDRESS=%s",
	    a);
	snprintf(c->env_port, sizeof(c->env_port), "VIPD_BACKEND_PORT=%u",
	    conf->port);
	c->env[0] = c->env_addr;
	c->env[1] = c->env_port;
	if (conf->type == CONF_CHECK_HTTPS)
		return tls_setup(c, why, why_len);
	return 0;
}

void
check_set_grid(struct check *c, uint64_t slot_ms)
{
	c->grid_ms = slot_ms;
}

void
check_set_lead(struct check *c, uint32_t lead_ms)
{
	c->lead_ms = lead_ms < c->conf.interval_ms ? lead_ms : 0;
	resched(c);
}

/* check_tick(): whether it did anything (started, ended, refused a probe). */
static bool
tick(struct check *c, uint64_t now_ms)
{
	static const char *const phase_words[] = { "", "connecting",
		"in the TLS handshake", "sending the request",
		"waiting for the answer", "running" };
	uint64_t start_by_ms = now_ms + c->lead_ms;
	bool did = false;

	if (c->conf.type == CONF_CHECK_NONE)
		return false;
	if (c->conf.type == CONF_CHECK_SCRIPT) {
		if (c->phase == CHECK_IDLE && start_by_ms >= c->next_ms) {
			script_begin(c, now_ms);
			did = true;
		}
		resched(c);
		return did;
	}
	if (c->phase != CHECK_IDLE && now_ms >= c->deadline_ms) {
		probe_catch_up(c, now_ms);
		if (c->phase != CHECK_IDLE)
			probe_done(c, false, now_ms, "timeout after %u ms %s",
			    c->conf.timeout_ms, phase_words[c->phase]);
		did = true;
	}
	if (c->phase == CHECK_IDLE && start_by_ms >= c->next_ms) {
		probe_start(c, now_ms);
		did = true;
	}
	resched(c);
	return did;
}

void
check_tick(struct check *c, uint64_t now_ms)
{
	(void)tick(c, now_ms);
}

int
check_schedule(struct check *c, struct check_heap *h)
{
	c->sched = h;
	return check_heap_set(h, &c->sched_node, check_next_deadline(c));
}

struct check *
check_of_node(struct check_heap_node *n)
{
	return (struct check *)((char *)n - offsetof(struct check, sched_node));
}

size_t
check_run_due(struct check_heap *h, uint64_t now_ms)
{
	struct check_heap_node *top;
	/*
	 * Each tick moves its check's key past now_ms (a probe ends, or
	 * starts with a deadline timeout_ms ahead and its next slot an
	 * interval later): the bound and the break only keep a key that
	 * would not move from holding the loop.
	 */
	size_t n = 0, bound = 2 * h->len + 1;

	while (n < bound && (top = check_heap_top(h)) != NULL &&
	    top->due_ms <= now_ms) {
		if (!tick(check_of_node(top), now_ms))
			break;
		n++;
	}
	return n;
}

uint64_t
check_next_deadline(const struct check *c)
{
	if (c->conf.type == CONF_CHECK_NONE)
		return 0;
	/* A running script's deadline is the runner's. */
	if (c->phase == CHECK_SCRIPT_RUNNING)
		return 0;
	if (c->phase != CHECK_IDLE)
		return c->deadline_ms;
	return c->next_ms > c->lead_ms ? c->next_ms - c->lead_ms : 1;
}

void
check_close(struct check *c)
{
	/* IDLE already when the runner was closed first (daemon stop). */
	if (c->phase == CHECK_SCRIPT_RUNNING && c->runner != NULL &&
	    c->job.state != SCRIPT_JOB_IDLE)
		script_cancel(c->runner, &c->job);
	c->phase = CHECK_IDLE;
	probe_reset(c);
	if (c->sched != NULL)
		check_heap_remove(c->sched, &c->sched_node);
	c->sched = NULL;
	if (c->tls_ctx != NULL)
		SSL_CTX_free(c->tls_ctx);
	c->tls_ctx = NULL;
}
