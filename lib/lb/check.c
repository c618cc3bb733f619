/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check - backend health checks (see check.h).
 *
 * A stream probe is a small state machine driven by socket readiness:
 * CONNECTING (non-blocking connect, wait for writable) -> [TLS handshake]
 * -> SENDING (the GET) -> READING (until the answer is judged), once per
 * url. A tcp check ends at the connect; an smtp check reads first and
 * sends what check_smtp says. The http(s) request, TLS and judging of the
 * answer are check_http.c's, datagram probes check_dgram.c's. Every step
 * that would block returns to the loop with the one epoll event it waits
 * for; the deadline (timeout_ms after the start) is enforced from
 * check_tick(), so a backend that accepts and never answers is a failure
 * like one that refuses.
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

#include <regex.h>

#include "lb/check.h"
#include "lb/check_int.h"
#include "os/digest.h"

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

/* ---- probes ------------------------------------------------------------ */

static void check_io(struct evloop_watch *w, uint32_t events);

/* Connect for url c->url (or the tcp, smtp check). */
static void
stream_connect(struct check *c, uint64_t now_ms)
{
	c->deadline_ms = now_ms + c->conf.timeout_ms;
	c->resp_len = 0;
	c->req_sent = 0;
	c->req_len = 0;
	if ((c->conf.type == CONF_CHECK_HTTP || c->conf.type ==
	    CONF_CHECK_HTTPS) && check_http_request(c) < 0) {
		check_probe_done(c, false, now_ms, "out of memory for the "
		    "request");
		return;
	}
	if (check_probe_socket(c, SOCK_STREAM, 0, CHECK_CONNECTING,
	    check_io, now_ms) < 0 || check_probe_connect(c, c->conf.port, now_ms) < 0)
		return;
	check_watch_for(c, CHECK_WATCH_STREAM);
}

/* A new probe (retry false) or a retry of the one that failed. */
static void
probe_start(struct check *c, uint64_t now_ms, bool retry)
{
	if (!retry) {
		c->next_ms = next_probe_ms(c, now_ms);
		c->retries_left = c->conf.retry;
	}
	c->retry_ms = 0;
	/* A datagram check that kept its socket needs none more. */
	if (c->fd < 0 && c->budget != NULL && c->budget->max != 0 &&
	    c->budget->in_flight >= c->budget->max) {
		/* Not a failure of the backend: it waits for its next slot. */
		c->budget->refused++;
		return;
	}
	c->url = 0;
	c->smtp = CHECK_SMTP_BANNER;
	switch (c->conf.type) {
	case CONF_CHECK_UDP:
	case CONF_CHECK_DNS:
	case CONF_CHECK_PING:
		c->deadline_ms = now_ms + c->conf.timeout_ms;
		check_dgram_start(c, now_ms);
		return;
	default:
		stream_connect(c, now_ms);
	}
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

/*
 * Into the rest of the first half of resp; once a body to digest has
 * filled it, into the second half (judge_body digests it there).
 */
static int
io_read(struct check *c)
{
	char *to = c->resp + c->resp_len;
	size_t room = CHECK_RESP_MAX - c->resp_len;
	int n;

	if (c->body_full) {
		to = c->resp + CHECK_RESP_MAX;
		room = CHECK_RESP_MAX;
		c->resp_len = CHECK_RESP_MAX;
	}
	if (c->tls != NULL)
		n = SSL_read(c->tls, to, (int)room);
	else
		n = (int)recv(c->fd, to, room, 0);
	c->resp_new = n > 0 ? (size_t)n : 0;
	return n;
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
		check_watch_for(c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
		return 1;
	}
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (e == SSL_ERROR_SYSCALL && errno == ECONNRESET)
		snprintf(why, len, "connection reset");
	else
		check_tls_error(why, len);
	return -1;
}

/* The answer's buffer (room for a NUL, and a second half to digest in). */
static bool
resp_alloc(struct check *c, uint64_t now_ms)
{
	if (c->resp == NULL && (c->resp = malloc(2 * CHECK_RESP_MAX + 1)) ==
	    NULL) {
		check_probe_done(c, false, now_ms, "out of memory for the "
		    "answer");
		return false;
	}
	return true;
}

/*
 * What was read so far (eof: the stream ended). Returns true to read on,
 * false when the probe moved on (ended, or the next url started).
 */
static bool
judge(struct check *c, bool eof, uint64_t now_ms)
{
	char why[CHECK_REASON_MAX], out[CHECK_SMTP_LINE_MAX];
	size_t used, out_len;

	if (c->conf.type == CONF_CHECK_SMTP) {
		enum check_smtp_verdict sv;

		sv = check_smtp_step(&c->smtp, c->resp, c->resp_len, &used, eof,
		    c->conf.helo_name != NULL ? c->conf.helo_name : "vipd",
		    out, sizeof(out), &out_len, why, sizeof(why));
		if (sv == CHECK_SMTP_MORE) {
			if (c->resp_len < CHECK_RESP_MAX)
				return true;
			check_probe_done(c, false, now_ms, "smtp: reply longer "
			    "than %d bytes", CHECK_RESP_MAX);
			return false;
		}
		if (sv == CHECK_SMTP_FAIL) {
			check_probe_done(c, false, now_ms, "%s", why);
			return false;
		}
		/* A short line on a fresh connection: the buffer takes it. */
		if (send(c->fd, out, out_len, MSG_NOSIGNAL) != (ssize_t)out_len &&
		    sv == CHECK_SMTP_SEND) {
			check_probe_done(c, false, now_ms, "smtp: sending: %s",
			    strerror(errno));
			return false;
		}
		if (sv == CHECK_SMTP_OK) {
			check_probe_done(c, true, now_ms, "%s", why);
			return false;
		}
		c->resp_len -= used;
		memmove(c->resp, c->resp + used, c->resp_len);
		return true;
	}
	switch (check_http_judge(c, eof, now_ms)) {
	case CHECK_HTTP_READ_ON:
		return true;
	case CHECK_HTTP_NEXT_URL:
		stream_connect(c, now_ms);
		return false;
	default:
		return false;
	}
}

/*
 * One readiness event (events as epoll gave them, 0: not known): run the
 * probe as far as it goes without waiting.
 */
static void
probe_step(struct check *c, uint32_t events, uint64_t now_ms)
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
			/*
			 * Writable without an error or hang-up: connected, and
			 * the kernel has nothing to say (a getsockopt per probe
			 * saved); anything else asks it why.
			 */
			if ((events & EPOLLOUT) == 0 ||
			    (events & (EPOLLERR | EPOLLHUP)) != 0) {
				if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR,
				    &soerr, &sl) < 0)
					soerr = errno;
				if (soerr == 0 && (events & EPOLLOUT) == 0)
					return;   /* not known to be connected */
			}
			if (soerr == EINPROGRESS)
				return;
			if (soerr != 0) {
				check_probe_done(c, false, now_ms, "connect: %s",
				    strerror(soerr));
				return;
			}
			if (c->conf.type == CONF_CHECK_TCP) {
				check_probe_done(c, true, now_ms, "connected");
				return;
			}
			if (c->conf.type == CONF_CHECK_SMTP) {
				/* The server speaks first: its banner. */
				if (!resp_alloc(c, now_ms))
					return;
				c->phase = CHECK_READING;
				break;
			}
			if (c->conf.type == CONF_CHECK_HTTPS &&
			    !check_http_tls_begin(c, why, sizeof(why))) {
				check_probe_done(c, false, now_ms, "tls: %s", why);
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
				check_probe_done(c, false, now_ms, "tls: certificate: "
				    "%s", X509_verify_cert_error_string(verify));
				return;
			}
			check_probe_done(c, false, now_ms, "tls handshake: %s",
			    w == 0 ? "connection closed" : why);
			return;
		case CHECK_SENDING:
			if ((n = io_write(c)) > 0) {
				c->req_sent += (size_t)n;
				if (c->req_sent < c->req_len)
					break;
				if (!resp_alloc(c, now_ms))
					return;
				c->phase = CHECK_READING;
				/*
				 * The answer cannot be in yet, and its arrival
				 * is an edge (CHECK_WATCH_STREAM): no read that
				 * would only say EAGAIN. TLS may hold bytes of
				 * its own: read on.
				 */
				if (c->tls == NULL)
					return;
				break;
			}
			if ((w = io_wait(c, n, why, sizeof(why))) > 0) {
				if (c->tls == NULL)
					check_watch_for(c, EPOLLOUT);
				return;
			}
			check_probe_done(c, false, now_ms, "sending the request: %s",
			    w == 0 ? "connection closed" : why);
			return;
		case CHECK_READING:
			if ((n = io_read(c)) > 0) {
				c->resp_len += (size_t)n;
				if (!judge(c, false, now_ms))
					return;
			} else if ((w = io_wait(c, n, why, sizeof(why))) > 0) {
				if (c->tls == NULL)
					check_watch_for(c, EPOLLIN);
				return;
			} else if (w < 0) {
				check_probe_done(c, false, now_ms, "%s", why);
				return;
			} else {
				(void)judge(c, true, now_ms);
				return;
			}
			break;
		case CHECK_DGRAM:
			check_dgram_step(c, now_ms);
			return;
		}
	}
}

static void
check_io(struct evloop_watch *w, uint32_t events)
{
	probe_step(w->arg, events, evloop_now_ms());
	check_resched(w->arg);
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
	/* poll's bits are epoll's (POLLIN == EPOLLIN, ... on Linux). */
	if (poll(&p, 1, 0) == 1 && p.revents != 0)
		probe_step(c, (uint32_t)p.revents, now_ms);
}

/* ---- life cycle -------------------------------------------------------- */

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
		check_probe_done(c, script_result_ok(r), evloop_now_ms(), "%s: %.80s",
		    desc, r->last_line);
	else
		check_probe_done(c, script_result_ok(r), evloop_now_ms(), "%s", desc);
	check_resched(c);
}

static void
script_begin(struct check *c, uint64_t now_ms, bool retry)
{
	if (!retry) {
		c->next_ms = next_probe_ms(c, now_ms);
		c->retries_left = c->conf.retry;
	}
	c->retry_ms = 0;
	c->deadline_ms = now_ms + c->conf.timeout_ms;
	if (c->runner == NULL) {
		check_probe_done(c, false, now_ms, "no script runner");
		return;
	}
	/* The runner enforces timeout_ms and always calls back once. */
	c->phase = CHECK_SCRIPT_RUNNING;
	if (script_start(c->runner, &c->job, c->conf.argv, c->env,
	    c->conf.timeout_ms, script_done, c, now_ms) < 0)
		check_probe_done(c, false, now_ms, "previous run still going");
}

/* The expressions, compiled once: udp's reply, each url's body. */
static int
compile_regexes(struct check *c, char *why, size_t why_len)
{
	size_t n = c->conf.type == CONF_CHECK_UDP ? 1 : c->conf.nurls;
	regex_t *re;

	if (n == 0 || (c->conf.type == CONF_CHECK_UDP &&
	    c->conf.expect_regex == NULL))
		return 0;
	if ((re = calloc(n, sizeof(*re))) == NULL) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	c->re = re;
	for (size_t i = 0; i < n; i++) {
		const char *text = c->conf.type == CONF_CHECK_UDP ?
		    c->conf.expect_regex : c->conf.urls[i].expect_regex;
		int rc;

		/* A url without one gets one that matches anything. */
		if ((rc = regcomp(&re[i], text != NULL ? text : "",
		    REG_EXTENDED | REG_NOSUB)) != 0) {
			regerror(rc, &re[i], why, why_len);
			for (size_t k = 0; k < i; k++)
				regfree(&re[k]);
			free(re);
			c->re = NULL;
			return -1;
		}
	}
	return 0;
}

static void
free_regexes(struct check *c)
{
	size_t n = c->conf.type == CONF_CHECK_UDP ? 1 : c->conf.nurls;

	if (c->re == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		regfree(&((regex_t *)c->re)[i]);
	free(c->re);
	c->re = NULL;
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
	/* warmup: the first probe waits (a backend that is still starting). */
	c->next_ms = first_ms + conf->warmup_ms;
	c->retries_left = conf->retry;
	addr_str(addr, a, sizeof(a));
	c->runner = runner;
	snprintf(c->env_addr, sizeof(c->env_addr), "VIPD_BACKEND_ADDRESS=%s",
	    a);
	snprintf(c->env_port, sizeof(c->env_port), "VIPD_BACKEND_PORT=%u",
	    conf->port);
	c->env[0] = c->env_addr;
	c->env[1] = c->env_port;
	if (compile_regexes(c, why, why_len) < 0)
		return -EINVAL;
	if (conf->type == CONF_CHECK_HTTPS)
		return check_http_tls_setup(c, why, why_len);
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
	check_resched(c);
}

/* check_tick(): whether it did anything (started, ended, refused a probe). */
static bool
tick(struct check *c, uint64_t now_ms)
{
	static const char *const phase_words[] = { "", "connecting",
		"in the TLS handshake", "sending the request",
		"waiting for the answer", "running", "waiting for the reply" };
	uint64_t start_by_ms = now_ms + c->lead_ms;
	bool did = false;

	if (c->conf.type == CONF_CHECK_NONE)
		return false;
	if (c->conf.type == CONF_CHECK_SCRIPT) {
		if (c->phase == CHECK_IDLE && start_by_ms >= c->next_ms) {
			script_begin(c, now_ms, false);
			did = true;
		} else if (c->phase == CHECK_IDLE && c->retry_ms != 0 &&
		    now_ms >= c->retry_ms) {
			script_begin(c, now_ms, true);
			did = true;
		}
		check_resched(c);
		return did;
	}
	if (c->phase != CHECK_IDLE && now_ms >= c->deadline_ms) {
		probe_catch_up(c, now_ms);
		if (c->phase == CHECK_DGRAM)
			check_dgram_timeout(c, now_ms);
		if (c->phase != CHECK_IDLE)
			check_probe_done(c, false, now_ms, "timeout after %u ms %s",
			    c->conf.timeout_ms, phase_words[c->phase]);
		did = true;
	}
	if (c->phase == CHECK_IDLE && start_by_ms >= c->next_ms) {
		probe_start(c, now_ms, false);
		did = true;
	} else if (c->phase == CHECK_IDLE && c->retry_ms != 0 &&
	    now_ms >= c->retry_ms) {
		probe_start(c, now_ms, true);
		did = true;
	}
	check_resched(c);
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

void
check_close(struct check *c)
{
	/* IDLE already when the runner was closed first (daemon stop). */
	if (c->phase == CHECK_SCRIPT_RUNNING && c->runner != NULL &&
	    c->job.state != SCRIPT_JOB_IDLE)
		script_cancel(c->runner, &c->job);
	c->phase = CHECK_IDLE;
	check_probe_reset(c);
	if (c->sched != NULL)
		check_heap_remove(c->sched, &c->sched_node);
	c->sched = NULL;
	if (c->tls_ctx != NULL)
		SSL_CTX_free(c->tls_ctx);
	c->tls_ctx = NULL;
	free_regexes(c);
}
