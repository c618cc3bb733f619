/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_run - BFD sessions at run time (see bfd_run.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/json_out.h"
#include "bfd/bfd_auth.h"
#include "bfd/bfd_run.h"
#include "bfd/bfd_sock.h"
#include "os/digest.h"

#define DROP_LOG_BURST 5            /* lines, then ... */
#define DROP_LOG_PER_S 1            /* ... one a second at most */
#define RX_BUF (BFD_PKT_MAX_LEN + 1) /* one more: a longer datagram shows */
#define RX_BATCH 64                 /* datagrams per wakeup per socket */

static void rx_readable(struct evloop_watch *w, uint32_t events);

/* splitmix64: spreads one random seed over the sessions' numbers. */
static uint32_t
next_rand(struct bfd_run *b)
{
	uint64_t z = (b->rand_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)(z ^ (z >> 31));
}

int
bfd_run_init(struct bfd_run *b, struct evloop *loop,
    const struct bfd_run_hooks *hooks)
{
	memset(b, 0, sizeof(*b));
	b->loop = loop;
	if (hooks != NULL)
		b->hooks = *hooks;
	b->unmatched_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(
	    DROP_LOG_BURST, DROP_LOG_PER_S);
	if (getrandom(&b->rand_state, sizeof(b->rand_state), 0) !=
	    (ssize_t)sizeof(b->rand_state))
		return errno != 0 ? -errno : -EIO;
	b->port_hint = (uint16_t)(BFD_SRC_PORT_MIN + next_rand(b) %
	    (BFD_SRC_PORT_MAX - BFD_SRC_PORT_MIN + 1));
	return 0;
}

/* ---- sending -------------------------------------------------------------- */

static void
session_send(struct bfd_run_session *rs, uint64_t now_ms)
{
	uint8_t buf[BFD_PKT_MAX_LEN];
	struct bfd_pkt pkt;
	char p[64];
	int len, err;

	bfd_session_build(&rs->s, &pkt);
	if ((len = bfd_pkt_encode(&pkt, buf, sizeof(buf))) < 0)
		return;
	if (pkt.auth_present &&
	    (err = bfd_auth_sign(buf, (size_t)len, rs->conf.key,
	    rs->conf.key_len)) < 0)
		goto fail;
	if (rs->tx_fd < 0) {
		err = -ENOTCONN;
		goto fail;
	}
	if ((err = bfd_sock_send(rs->tx_fd, &rs->conf.peer, rs->conf.interface,
	    buf, (size_t)len)) < 0)
		goto fail;
	rs->tx_packets++;
	rs->last_tx_err = 0;
	return;
fail:
	rs->tx_errors++;
	/* An unreachable peer fails every packet: say it when it changes. */
	if (err != rs->last_tx_err && log_ratelimit_allow(&rs->err_log, now_ms,
	    NULL))
		log_warn("bfd %s: cannot send to %s: %s", rs->conf.name,
		    addr_str(&rs->conf.peer, p, sizeof(p)), strerror(-err));
	rs->last_tx_err = err;
}

static void
session_actions(struct bfd_run *b, struct bfd_run_session *rs,
    const struct bfd_actions *a, uint64_t now_ms)
{
	char p[64];

	if (a->flags & BFD_ACT_STATE_CHANGED) {
		const struct bfd_event *ev = &a->event;
		uint64_t silent = rs->s.last_rx_ms != 0 ?
		    now_ms - rs->s.last_rx_ms : 0;

		if (ev->to == BFD_STATE_DOWN && ev->from == BFD_STATE_UP)
			log_warn("bfd %s: %s -> %s (%s), peer %s silent %" PRIu64
			    " ms", rs->conf.name, bfd_state_name(ev->from),
			    bfd_state_name(ev->to), bfd_diag_name(ev->diag),
			    addr_str(&rs->conf.peer, p, sizeof(p)), silent);
		else
			log_notice("bfd %s: %s -> %s (%s), peer %s", rs->conf.name,
			    bfd_state_name(ev->from), bfd_state_name(ev->to),
			    bfd_reason_name(ev->reason),
			    addr_str(&rs->conf.peer, p, sizeof(p)));
		rs->silent_told = false;
	}
	if (a->flags & BFD_ACT_SEND)
		session_send(rs, now_ms);
	if ((a->flags & BFD_ACT_STATE_CHANGED) && b->hooks.on_state != NULL)
		b->hooks.on_state(b->hooks.arg, rs, &a->event, now_ms);
}

/* ---- receiving ------------------------------------------------------------ */

static struct bfd_run_session *
session_for(struct bfd_run *b, size_t rx, const struct addr *src)
{
	for (size_t i = 0; i < b->nsess; i++)
		if (b->sess[i]->rx == rx &&
		    addr_cmp(&b->sess[i]->conf.peer, src) == 0)
			return b->sess[i];
	return NULL;
}

static void
count_drop(struct bfd_run *b, struct bfd_run_session *rs, enum bfd_drop why,
    const struct addr *src, uint16_t port, uint64_t now_ms)
{
	struct log_ratelimit *rl = rs != NULL ? &rs->drop_log : &b->unmatched_log;
	uint64_t suppressed = 0;
	char p[64], more[48] = "";

	if (rs != NULL)
		rs->drops[why]++;
	else
		b->unmatched[why]++;
	if (!log_ratelimit_allow(rl, now_ms, &suppressed))
		return;
	if (suppressed != 0)
		snprintf(more, sizeof(more), " (%" PRIu64 " similar suppressed)",
		    suppressed);
	log_info("bfd %s: packet from %s port %u dropped: %s%s",
	    rs != NULL ? rs->conf.name : "-", addr_str(src, p, sizeof(p)), port,
	    bfd_drop_name(why), more);
}

static void
rx_one(struct bfd_run *b, size_t rx, const uint8_t *buf, size_t len,
    const struct addr *src, uint16_t port, int ttl, uint64_t now_ms)
{
	struct bfd_run_session *rs = session_for(b, rx, src);
	struct bfd_actions a;
	struct bfd_pkt pkt;
	enum bfd_drop why;

	/* RFC 5881 5: anything but 255 may come from beyond the link. */
	if (ttl != BFD_REQUIRED_TTL) {
		count_drop(b, rs, BFD_DROP_TTL, src, port, now_ms);
		return;
	}
	if (rs == NULL) {
		count_drop(b, NULL, BFD_DROP_NO_SESSION, src, port, now_ms);
		return;
	}
	if ((why = bfd_pkt_decode(buf, len, rs->conf.auth_type, &pkt)) !=
	    BFD_DROP_NONE) {
		count_drop(b, rs, why, src, port, now_ms);
		return;
	}
	if (pkt.auth_present && rs->conf.key_len != 0 &&
	    (why = bfd_auth_verify(buf, len, rs->conf.key, rs->conf.key_len)) !=
	    BFD_DROP_NONE) {
		count_drop(b, rs, why, src, port, now_ms);
		return;
	}
	if ((why = bfd_session_receive(&rs->s, &pkt, now_ms, &a)) !=
	    BFD_DROP_NONE) {
		count_drop(b, rs, why, src, port, now_ms);
		return;
	}
	rs->rx_packets++;
	rs->silent_told = false;
	session_actions(b, rs, &a, now_ms);
}

static void
rx_readable(struct evloop_watch *w, uint32_t events)
{
	struct bfd_run_rx *rx = w->arg;
	struct bfd_run *b = rx->owner;
	uint8_t buf[RX_BUF];
	struct addr src;
	uint16_t port;
	uint64_t now_ms = evloop_now_ms();
	size_t idx;
	ssize_t n;
	int ttl;

	(void)events;
	for (idx = 0; idx < b->nrx && b->rx[idx] != rx; idx++)
		;
	for (int i = 0; i < RX_BATCH; i++) {
		if ((n = bfd_sock_recv(rx->fd, buf, sizeof(buf), &src, &port,
		    &ttl)) < 0)
			break;
		rx_one(b, idx, buf, (size_t)n, &src, port, ttl, now_ms);
	}
}

/* ---- sockets -------------------------------------------------------------- */

static size_t
rx_get(struct bfd_run *b, const struct conf_bfd_session *c)
{
	struct bfd_run_rx *rx, **grown;
	char p[64];
	int fd;

	for (size_t i = 0; i < b->nrx; i++)
		if (addr_cmp(&b->rx[i]->local, &c->local) == 0 &&
		    strcmp(b->rx[i]->ifname, c->interface) == 0) {
			b->rx[i]->users++;
			return i;
		}
	if ((rx = calloc(1, sizeof(*rx))) == NULL)
		return SIZE_MAX;
	if ((grown = realloc(b->rx, (b->nrx + 1) * sizeof(*grown))) == NULL) {
		free(rx);
		return SIZE_MAX;
	}
	b->rx = grown;
	rx->local = c->local;
	snprintf(rx->ifname, sizeof(rx->ifname), "%s", c->interface);
	rx->owner = b;
	rx->users = 1;
	rx->fd = -1;
	if ((fd = bfd_sock_open_rx(&c->local, c->interface)) < 0)
		log_err("bfd %s: cannot listen on %s port %d%s%s: %s",
		    c->name, addr_str(&c->local, p, sizeof(p)), BFD_UDP_PORT,
		    c->interface[0] ? " on " : "", c->interface, strerror(-fd));
	else {
		rx->fd = fd;
		rx->w = (struct evloop_watch){ .fd = fd, .cb = rx_readable,
		    .arg = rx };
		if (evloop_add(b->loop, &rx->w, EPOLLIN) < 0) {
			close(fd);
			rx->fd = -1;
		}
	}
	b->rx[b->nrx] = rx;
	return b->nrx++;
}

static void
rx_free(struct bfd_run *b, struct bfd_run_rx *rx)
{
	if (rx->fd >= 0) {
		evloop_del(b->loop, &rx->w);
		close(rx->fd);
	}
	free(rx);
}

/* Drop the receive sockets nobody uses, renumbering the sessions'. */
static void
rx_prune(struct bfd_run *b)
{
	size_t j = 0;

	for (size_t i = 0; i < b->nrx; i++) {
		if (b->rx[i]->users == 0) {
			rx_free(b, b->rx[i]);
			continue;
		}
		for (size_t k = 0; k < b->nsess; k++)
			if (b->sess[k]->rx == i)
				b->sess[k]->rx = j;
		b->rx[j++] = b->rx[i];
	}
	b->nrx = j;
}

/* ---- sessions ------------------------------------------------------------- */

static uint32_t
new_discr(struct bfd_run *b)
{
	uint32_t d;
	bool used;

	do {
		d = next_rand(b);
		used = d == 0;
		for (size_t i = 0; i < b->nsess && !used; i++)
			used = b->sess[i] != NULL &&
			    b->sess[i]->s.cfg.local_discr == d;
	} while (used);
	return d;
}

static struct bfd_run_session *
session_new(struct bfd_run *b, const struct conf_bfd_session *c,
    uint64_t now_ms)
{
	struct bfd_run_session *rs = calloc(1, sizeof(*rs));
	struct bfd_session_config sc;
	char p[64];
	int err;

	if (rs == NULL)
		return NULL;
	rs->conf = *c;
	rs->owner = b;
	rs->drop_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(DROP_LOG_BURST,
	    DROP_LOG_PER_S);
	rs->err_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(DROP_LOG_BURST,
	    DROP_LOG_PER_S);
	sc = (struct bfd_session_config){ .local_discr = new_discr(b),
	    .desired_min_tx_us = c->min_tx_ms * 1000u,
	    .required_min_rx_us = c->min_rx_ms * 1000u,
	    .detect_mult = c->multiplier, .auth_type = c->auth_type,
	    .auth_key_id = c->key_id, .xmit_auth_seq = next_rand(b),
	    .jitter_seed = next_rand(b) };
	if (bfd_session_init(&rs->s, &sc, now_ms) < 0) {
		free(rs);
		return NULL;
	}
	if ((rs->rx = rx_get(b, c)) == SIZE_MAX) {
		free(rs);
		return NULL;
	}
	if ((rs->tx_fd = bfd_sock_open_tx(&c->local, c->interface,
	    &b->port_hint)) < 0) {
		err = rs->tx_fd;
		log_err("bfd %s: cannot open a socket from %s: %s (trying again)",
		    c->name, addr_str(&c->local, p, sizeof(p)), strerror(-err));
	} else {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		if (getsockname(rs->tx_fd, (struct sockaddr *)&ss, &len) == 0)
			rs->src_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	log_notice("bfd %s: started, peer %s, local discriminator %" PRIu32
	    ", tx %u ms, rx %u ms, multiplier %u%s", c->name,
	    addr_str(&c->peer, p, sizeof(p)), sc.local_discr, c->min_tx_ms,
	    c->min_rx_ms, c->multiplier, c->auth_type == CONF_BFD_AUTH_SHA1 ?
	    ", keyed SHA1" : c->auth_type == CONF_BFD_AUTH_METICULOUS_SHA1 ?
	    ", meticulous keyed SHA1" : "");
	return rs;
}

static void
session_free(struct bfd_run *b, struct bfd_run_session *rs)
{
	if (rs->tx_fd >= 0)
		close(rs->tx_fd);
	if (rs->rx < b->nrx)
		b->rx[rs->rx]->users--;
	digest_wipe(rs->conf.key, sizeof(rs->conf.key));
	free(rs);
}

/*
 * Keep (same session), update (same but for the intervals: a poll
 * sequence, RFC 5880 6.8.3) or start again; the sessions no longer
 * configured go AdminDown first, so that the peer hears why (6.8.16).
 */
int
bfd_run_configure(struct bfd_run *b, const struct conf *conf, uint64_t now_ms)
{
	struct bfd_run_session **next;
	struct bfd_actions a;
	size_t n = conf->nbfd_sessions;

	if ((next = calloc(n != 0 ? n : 1, sizeof(*next))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < b->nsess; i++)
		b->sess[i]->keep = false;
	for (size_t i = 0; i < n; i++) {
		const struct conf_bfd_session *c = &conf->bfd_sessions[i];

		for (size_t j = 0; j < b->nsess; j++) {
			struct bfd_run_session *rs = b->sess[j];

			if (rs->keep || !conf_bfd_session_same(&rs->conf, c))
				continue;
			rs->keep = true;
			if (rs->conf.min_tx_ms != c->min_tx_ms ||
			    rs->conf.min_rx_ms != c->min_rx_ms) {
				bfd_session_set_intervals(&rs->s,
				    c->min_tx_ms * 1000u, c->min_rx_ms * 1000u,
				    now_ms, &a);
				session_actions(b, rs, &a, now_ms);
			}
			rs->conf = *c;
			next[i] = rs;
			break;
		}
	}
	for (size_t j = 0; j < b->nsess; j++) {
		struct bfd_run_session *rs = b->sess[j];

		if (rs->keep)
			continue;
		bfd_session_admin(&rs->s, true, now_ms, &a);
		if (a.flags & BFD_ACT_SEND)
			session_send(rs, now_ms);
		log_notice("bfd %s: removed", rs->conf.name);
		session_free(b, rs);
	}
	free(b->sess);
	b->sess = next;
	/* new_discr looks at the kept ones (NULL: not started yet). */
	b->nsess = n;
	for (size_t i = 0; i < n; i++)
		if (next[i] == NULL)
			next[i] = session_new(b, &conf->bfd_sessions[i], now_ms);
	/* A session that could not be allocated is left out, and said so. */
	for (size_t i = 0, j = 0; i < n; i++) {
		if (next[i] == NULL) {
			log_err("bfd %s: out of memory, not started",
			    conf->bfd_sessions[i].name);
			b->nsess--;
			continue;
		}
		next[j++] = next[i];
	}
	rx_prune(b);
	return 0;
}

struct bfd_run_session *
bfd_run_find(const struct bfd_run *b, const char *name)
{
	for (size_t i = 0; i < b->nsess; i++)
		if (strcmp(b->sess[i]->conf.name, name) == 0)
			return b->sess[i];
	return NULL;
}

bool
bfd_run_up(const struct bfd_run_session *rs)
{
	return rs != NULL && rs->s.state == BFD_STATE_UP;
}

/* ---- timers --------------------------------------------------------------- */

static uint64_t
silent_due(const struct bfd_run_session *rs)
{
	if (rs->s.state != BFD_STATE_UP || rs->silent_told ||
	    rs->s.last_rx_ms == 0 || rs->s.detect_time_ms == 0)
		return 0;
	return rs->s.last_rx_ms + (rs->s.detect_time_ms + 1) / 2;
}

void
bfd_run_tick(struct bfd_run *b, uint64_t now_ms)
{
	struct bfd_actions a;
	uint64_t due;

	for (size_t i = 0; i < b->nsess; i++) {
		struct bfd_run_session *rs = b->sess[i];

		if ((due = silent_due(rs)) != 0 && due <= now_ms) {
			rs->silent_told = true;
			if (b->hooks.on_silent != NULL)
				b->hooks.on_silent(b->hooks.arg, rs, now_ms);
		}
		if ((due = bfd_session_next_deadline(&rs->s)) != 0 &&
		    due <= now_ms) {
			bfd_session_timer(&rs->s, now_ms, &a);
			session_actions(b, rs, &a, now_ms);
		}
		if (rs->tx_fd < 0 && rs->s.tx_due_ms != 0 &&
		    rs->s.tx_due_ms <= now_ms + 1)
			rs->tx_fd = bfd_sock_open_tx(&rs->conf.local,
			    rs->conf.interface, &b->port_hint);
	}
}

uint64_t
bfd_run_next_deadline(const struct bfd_run *b)
{
	uint64_t due = 0, d;

	for (size_t i = 0; i < b->nsess; i++) {
		d = bfd_session_next_deadline(&b->sess[i]->s);
		if (d != 0 && (due == 0 || d < due))
			due = d;
		d = silent_due(b->sess[i]);
		if (d != 0 && (due == 0 || d < due))
			due = d;
	}
	return due;
}

/* ---- dumps ---------------------------------------------------------------- */

static uint64_t
drops_total(const uint64_t *d)
{
	uint64_t n = 0;

	for (int i = 0; i < BFD_DROP__COUNT; i++)
		n += d[i];
	return n;
}

void
bfd_run_status_text(FILE *f, const struct bfd_run *b, uint64_t now_ms)
{
	char p[64], l[64];

	for (size_t i = 0; i < b->nsess; i++) {
		const struct bfd_run_session *rs = b->sess[i];
		const struct bfd_session *s = &rs->s;

		fprintf(f, "bfd %s: %s for %.1f s, peer %s, local %s%s%s, "
		    "discriminators %" PRIu32 "/%" PRIu32 ", tx %.1f ms, "
		    "rx %.1f ms, detection %" PRIu64 " ms, last diag %s, "
		    "up %" PRIu32 ", down %" PRIu32 ", drops %" PRIu64 "\n",
		    rs->conf.name, bfd_state_name(s->state),
		    (double)(now_ms - s->state_since_ms) / 1000.0,
		    addr_str(&rs->conf.peer, p, sizeof(p)),
		    addr_str(&rs->conf.local, l, sizeof(l)),
		    rs->conf.interface[0] ? " on " : "", rs->conf.interface,
		    s->cfg.local_discr, s->remote_discr,
		    (double)bfd_session_tx_interval_us(s) / 1000.0,
		    (double)s->rx_in_force_us / 1000.0,
		    bfd_session_detect_time_ms(s),
		    bfd_diag_name(s->last_down_diag), s->up_count,
		    s->down_count, drops_total(rs->drops));
	}
	if (drops_total(b->unmatched) != 0)
		fprintf(f, "bfd unmatched drops %" PRIu64 "\n",
		    drops_total(b->unmatched));
}

static void
drops_json(FILE *f, const uint64_t *d)
{
	bool first = true;

	fputc('{', f);
	for (int i = 1; i < BFD_DROP__COUNT; i++) {
		fprintf(f, "%s", first ? "" : ",");
		json_out_str(f, bfd_drop_name((enum bfd_drop)i));
		fprintf(f, ":%" PRIu64, d[i]);
		first = false;
	}
	fputc('}', f);
}

void
bfd_run_dump_json(FILE *f, const struct bfd_run *b, uint64_t now_ms)
{
	char p[64];

	fputs("{\"sessions\":[", f);
	for (size_t i = 0; i < b->nsess; i++) {
		const struct bfd_run_session *rs = b->sess[i];
		const struct bfd_session *s = &rs->s;

		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_out_str(f, rs->conf.name);
		fputs(",\"state\":", f);
		json_out_str(f, bfd_state_name(s->state));
		fprintf(f, ",\"state_for_ms\":%" PRIu64, now_ms - s->state_since_ms);
		fputs(",\"peer\":", f);
		json_out_str(f, addr_str(&rs->conf.peer, p, sizeof(p)));
		fputs(",\"local\":", f);
		json_out_str(f, addr_str(&rs->conf.local, p, sizeof(p)));
		fputs(",\"interface\":", f);
		json_out_str(f, rs->conf.interface);
		fprintf(f, ",\"source_port\":%u,\"local_discriminator\":%" PRIu32
		    ",\"remote_discriminator\":%" PRIu32 ",\"remote_state\":",
		    rs->src_port, s->cfg.local_discr, s->remote_discr);
		json_out_str(f, bfd_state_name(s->remote_state));
		fprintf(f, ",\"tx_interval_us\":%" PRIu32 ",\"rx_interval_us\":%"
		    PRIu32 ",\"detect_time_ms\":%" PRIu64 ",\"multiplier\":%u"
		    ",\"remote_multiplier\":%u,\"local_diag\":",
		    bfd_session_tx_interval_us(s), s->rx_in_force_us,
		    bfd_session_detect_time_ms(s), s->cfg.detect_mult,
		    s->remote_detect_mult);
		json_out_str(f, bfd_diag_name(s->local_diag));
		fputs(",\"last_down_diag\":", f);
		json_out_str(f, bfd_diag_name(s->last_down_diag));
		fputs(",\"authentication\":", f);
		json_out_str(f, rs->conf.auth_type == CONF_BFD_AUTH_SHA1 ? "sha1" :
		    rs->conf.auth_type == CONF_BFD_AUTH_METICULOUS_SHA1 ?
		    "meticulous-sha1" : "none");
		fprintf(f, ",\"up_count\":%" PRIu32 ",\"down_count\":%" PRIu32
		    ",\"rx_packets\":%" PRIu64 ",\"tx_packets\":%" PRIu64
		    ",\"tx_errors\":%" PRIu64 ",\"drops\":", s->up_count,
		    s->down_count, rs->rx_packets, rs->tx_packets, rs->tx_errors);
		drops_json(f, rs->drops);
		fputs(",\"events\":[", f);
		for (unsigned k = 0; bfd_session_event(s, k) != NULL; k++) {
			const struct bfd_event *ev = bfd_session_event(s, k);

			fprintf(f, "%s{\"ago_ms\":%" PRIu64 ",\"from\":", k ? "," : "",
			    now_ms - ev->at_ms);
			json_out_str(f, bfd_state_name(ev->from));
			fputs(",\"to\":", f);
			json_out_str(f, bfd_state_name(ev->to));
			fputs(",\"reason\":", f);
			json_out_str(f, bfd_reason_name(ev->reason));
			fputs(",\"diag\":", f);
			json_out_str(f, bfd_diag_name(ev->diag));
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("],\"unmatched_drops\":", f);
	drops_json(f, b->unmatched);
	fputc('}', f);
}

void
bfd_run_stats_text(FILE *f, const struct bfd_run *b)
{
	for (size_t i = 0; i < b->nsess; i++) {
		const struct bfd_run_session *rs = b->sess[i];

		fprintf(f, "bfd.%s.rx_packets %" PRIu64 "\nbfd.%s.tx_packets %"
		    PRIu64 "\nbfd.%s.up_count %" PRIu32 "\nbfd.%s.down_count %"
		    PRIu32 "\n", rs->conf.name, rs->rx_packets, rs->conf.name,
		    rs->tx_packets, rs->conf.name, rs->s.up_count, rs->conf.name,
		    rs->s.down_count);
		for (int k = 1; k < BFD_DROP__COUNT; k++)
			fprintf(f, "bfd.%s.drops.%s %" PRIu64 "\n", rs->conf.name,
			    bfd_drop_name((enum bfd_drop)k), rs->drops[k]);
	}
	for (int k = 1; k < BFD_DROP__COUNT; k++)
		fprintf(f, "bfd.unmatched.drops.%s %" PRIu64 "\n",
		    bfd_drop_name((enum bfd_drop)k), b->unmatched[k]);
}

void
bfd_run_close(struct bfd_run *b)
{
	struct conf empty = { 0 };

	bfd_run_configure(b, &empty, evloop_now_ms());
	for (size_t i = 0; i < b->nrx; i++)
		rx_free(b, b->rx[i]);
	free(b->rx);
	free(b->sess);
	b->rx = NULL;
	b->sess = NULL;
	b->nrx = b->nsess = 0;
}
