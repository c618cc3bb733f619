/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BFD session of RFC 5880 6.8, driven with injected time: the state
 * table of 6.8.6, the three-way handshake between two sessions, the
 * timers of 6.8.2-6.8.4 and their negotiation, the slow rate until Up
 * (6.8.3), jitter (6.8.7), the poll sequence (6.5, 6.8.3), detection
 * expiry, administrative control (6.8.16), the session's drop reasons and
 * the sequence numbers of SHA1 authentication. Expected times are worked
 * out by hand from the RFC's formulas and written down as numbers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bfd/bfd_session.h"

/* Any non-zero start: 0 is the "not armed" value of a deadline. */
#define T0 ((uint64_t)1000000)
#define LOCAL 0x11111111u
#define PEER 0x22222222u

static void
setup_cfg(struct bfd_session_config *cfg, uint8_t auth_type)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->local_discr = LOCAL;
	cfg->desired_min_tx_us = 10000;     /* min_tx_ms = 10 */
	cfg->required_min_rx_us = 20000;    /* min_rx_ms = 20 */
	cfg->detect_mult = 3;
	cfg->auth_type = auth_type;
	cfg->auth_key_id = 1;
	cfg->xmit_auth_seq = 1000;
	cfg->jitter_seed = 12345;
}

static void
setup(struct bfd_session *s)
{
	struct bfd_session_config cfg;

	setup_cfg(&cfg, BFD_AUTH_NONE);
	assert_int_equal(bfd_session_init(s, &cfg, T0), 0);
}

/* What the peer sends: its state, our discriminator once known. */
static struct bfd_pkt
peer_pkt(uint8_t state, uint32_t desired_tx_us, uint32_t required_rx_us)
{
	struct bfd_pkt p;

	memset(&p, 0, sizeof(p));
	p.version = 1;
	p.state = state;
	p.detect_mult = 3;
	p.length = BFD_PKT_LEN;
	p.my_discr = PEER;
	p.your_discr = state == BFD_STATE_DOWN ||
	    state == BFD_STATE_ADMIN_DOWN ? 0 : LOCAL;
	p.desired_min_tx_us = desired_tx_us;
	p.required_min_rx_us = required_rx_us;
	return p;
}

static enum bfd_drop
feed(struct bfd_session *s, const struct bfd_pkt *p, uint64_t now,
    struct bfd_actions *a)
{
	return bfd_session_receive(s, p, now, a);
}

/* Bring s to state, the peer at the slow rate as a real peer would be. */
static void
drive_to(struct bfd_session *s, enum bfd_state state, uint64_t now)
{
	struct bfd_actions a;
	struct bfd_pkt p;

	setup(s);
	if (state == BFD_STATE_ADMIN_DOWN) {
		bfd_session_admin(s, true, now, &a);
		return;
	}
	if (state == BFD_STATE_DOWN)
		return;
	p = peer_pkt(BFD_STATE_DOWN, 1000000, 10000);
	assert_int_equal(feed(s, &p, now, &a), BFD_DROP_NONE);
	assert_int_equal(s->state, BFD_STATE_INIT);
	if (state == BFD_STATE_INIT)
		return;
	p = peer_pkt(BFD_STATE_UP, 1000000, 10000);
	assert_int_equal(feed(s, &p, now, &a), BFD_DROP_NONE);
	assert_int_equal(s->state, BFD_STATE_UP);
}

struct fsm_row {
	enum bfd_state local, received;
	bool poll;
	enum bfd_state want;
	enum bfd_reason reason;     /* NONE: no transition */
	enum bfd_diag diag;
	enum bfd_drop drop;
};

/* RFC 5880 6.8.6, every (bfd.SessionState, received State) pair. */
static const struct fsm_row fsm_rows[] = {
	{ BFD_STATE_DOWN, BFD_STATE_ADMIN_DOWN, false, BFD_STATE_DOWN,
	  BFD_REASON_NONE, BFD_DIAG_NONE, BFD_DROP_NONE },
	{ BFD_STATE_DOWN, BFD_STATE_DOWN, false, BFD_STATE_INIT,
	  BFD_REASON_PEER_DOWN, BFD_DIAG_NONE, BFD_DROP_NONE },
	{ BFD_STATE_DOWN, BFD_STATE_INIT, false, BFD_STATE_UP,
	  BFD_REASON_PEER_INIT, BFD_DIAG_NONE, BFD_DROP_NONE },
	{ BFD_STATE_DOWN, BFD_STATE_UP, false, BFD_STATE_DOWN,
	  BFD_REASON_NONE, BFD_DIAG_NONE, BFD_DROP_NONE },
	{ BFD_STATE_INIT, BFD_STATE_ADMIN_DOWN, false, BFD_STATE_DOWN,
	  BFD_REASON_NEIGHBOR_ADMIN_DOWN, BFD_DIAG_NEIGHBOR_DOWN,
	  BFD_DROP_NONE },
	{ BFD_STATE_INIT, BFD_STATE_DOWN, false, BFD_STATE_INIT,
	  BFD_REASON_NONE, BFD_DIAG_NONE, BFD_DROP_NONE },
	{ BFD_STATE_INIT, BFD_STATE_INIT, false, BFD_STATE_UP,
	  BFD_REASON_PEER_UP, BFD_DIAG_NONE, BFD_DROP_NONE },
	{ BFD_STATE_INIT, BFD_STATE_UP, true, BFD_STATE_UP,
	  BFD_REASON_PEER_UP, BFD_DIAG_NONE, BFD_DROP_NONE },
	{ BFD_STATE_UP, BFD_STATE_ADMIN_DOWN, false, BFD_STATE_DOWN,
	  BFD_REASON_NEIGHBOR_ADMIN_DOWN, BFD_DIAG_NEIGHBOR_DOWN,
	  BFD_DROP_NONE },
	{ BFD_STATE_UP, BFD_STATE_DOWN, true, BFD_STATE_DOWN,
	  BFD_REASON_NEIGHBOR_DOWN, BFD_DIAG_NEIGHBOR_DOWN, BFD_DROP_NONE },
	{ BFD_STATE_UP, BFD_STATE_INIT, false, BFD_STATE_UP,
	  BFD_REASON_NONE, BFD_DIAG_NONE, BFD_DROP_NONE },
	{ BFD_STATE_UP, BFD_STATE_UP, true, BFD_STATE_UP,
	  BFD_REASON_NONE, BFD_DIAG_NONE, BFD_DROP_NONE },
	{ BFD_STATE_ADMIN_DOWN, BFD_STATE_DOWN, true, BFD_STATE_ADMIN_DOWN,
	  BFD_REASON_NONE, BFD_DIAG_ADMIN_DOWN, BFD_DROP_ADMIN_DOWN },
	{ BFD_STATE_ADMIN_DOWN, BFD_STATE_UP, false, BFD_STATE_ADMIN_DOWN,
	  BFD_REASON_NONE, BFD_DIAG_ADMIN_DOWN, BFD_DROP_ADMIN_DOWN },
};

static void
test_state_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fsm_rows) / sizeof(fsm_rows[0]); i++) {
		const struct fsm_row *r = &fsm_rows[i];
		struct bfd_session s;
		struct bfd_actions a;
		struct bfd_pkt p = peer_pkt(r->received, 1000000, 10000);
		enum bfd_drop got;

		drive_to(&s, r->local, T0);
		p.poll = r->poll;
		got = feed(&s, &p, T0 + 5, &a);
		if (got != r->drop || s.state != r->want ||
		    s.local_diag != r->diag)
			fail_msg("row %zu (%s + %s): %s, %s, diag %d", i,
			    bfd_state_name(r->local),
			    bfd_state_name(r->received), bfd_drop_name(got),
			    bfd_state_name(s.state), s.local_diag);
		if (r->reason == BFD_REASON_NONE) {
			if (a.flags & BFD_ACT_STATE_CHANGED)
				fail_msg("row %zu: unexpected transition", i);
		} else if (!(a.flags & BFD_ACT_STATE_CHANGED) ||
		    a.event.reason != r->reason || a.event.from != r->local ||
		    a.event.to != r->want || a.event.diag != r->diag ||
		    a.event.at_ms != T0 + 5) {
			fail_msg("row %zu: event %s", i,
			    bfd_reason_name(a.event.reason));
		}
		/* 6.8.6: a poll is answered at once, except when AdminDown. */
		if (((a.flags & BFD_ACT_SEND) != 0) !=
		    (r->poll && r->drop == BFD_DROP_NONE))
			fail_msg("row %zu: send flag", i);
	}
}

/* Two sessions over a perfect link: the handshake of RFC 5880 6.2. */
static void
exchange(struct bfd_session *from, struct bfd_session *to, uint64_t now)
{
	uint8_t buf[BFD_PKT_MAX_LEN];
	struct bfd_pkt p, q;
	struct bfd_actions a;
	int n;

	bfd_session_build(from, &p);
	n = bfd_pkt_encode(&p, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(bfd_pkt_decode(buf, (size_t)n, to->cfg.auth_type, &q),
	    BFD_DROP_NONE);
	assert_int_equal(bfd_session_receive(to, &q, now, &a), BFD_DROP_NONE);
	if (a.flags & BFD_ACT_SEND)
		exchange(to, from, now);
}

static void
run_pair(struct bfd_session *a, struct bfd_session *b, uint64_t from,
    uint64_t until)
{
	struct bfd_actions act;

	for (uint64_t t = from; t <= until; t++) {
		uint64_t da = bfd_session_next_deadline(a);
		uint64_t db;

		if (da != 0 && da <= t) {
			bfd_session_timer(a, t, &act);
			if (act.flags & BFD_ACT_SEND)
				exchange(a, b, t);
		}
		db = bfd_session_next_deadline(b);
		if (db != 0 && db <= t) {
			bfd_session_timer(b, t, &act);
			if (act.flags & BFD_ACT_SEND)
				exchange(b, a, t);
		}
	}
}

static void
test_three_way_handshake_then_fast_rate(void **state)
{
	struct bfd_session_config ca, cb;
	struct bfd_session a, b;

	(void)state;
	setup_cfg(&ca, BFD_AUTH_METICULOUS_SHA1);
	setup_cfg(&cb, BFD_AUTH_METICULOUS_SHA1);
	cb.local_discr = PEER;
	cb.jitter_seed = 777;
	assert_int_equal(bfd_session_init(&a, &ca, T0), 0);
	assert_int_equal(bfd_session_init(&b, &cb, T0 + 300), 0);
	/* Slow rate: at most a packet a second until Up; 3 s is plenty. */
	run_pair(&a, &b, T0, T0 + 3000);
	assert_int_equal(a.state, BFD_STATE_UP);
	assert_int_equal(b.state, BFD_STATE_UP);
	assert_int_equal(a.remote_discr, PEER);
	assert_int_equal(b.remote_discr, LOCAL);
	/* Both polled for their new rate, and both polls ended. */
	assert_false(a.poll_active || b.poll_active);
	/* 6.8.2: max(our 10 ms, their 20 ms). 6.8.4: 3 x max(20, 10) ms. */
	assert_int_equal(bfd_session_tx_interval_us(&a), 20000);
	assert_int_equal(bfd_session_detect_time_ms(&a), 60);
	assert_int_equal(a.up_count, 1);
	/* And it stays up: packets flow, no detection expiry. */
	run_pair(&a, &b, T0 + 3001, T0 + 5000);
	assert_int_equal(a.state, BFD_STATE_UP);
	assert_int_equal(b.state, BFD_STATE_UP);
	assert_int_equal(a.up_count, 1);
	assert_int_equal(a.down_count, 0);
}

static void
test_slow_rate_until_up(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt out;

	(void)state;
	setup(&s);
	/* 6.8.3: at least 1 s while not Up, whatever min_tx says. */
	bfd_session_build(&s, &out);
	assert_int_equal(out.desired_min_tx_us, 1000000);
	assert_int_equal(out.required_min_rx_us, 20000);
	assert_int_equal(out.state, BFD_STATE_DOWN);
	assert_int_equal(out.your_discr, 0);
	assert_false(out.poll || out.final);
	/* 6.8.1: bfd.RemoteMinRxInterval starts at 1 us: interval 1 s. */
	assert_int_equal(bfd_session_tx_interval_us(&s), 1000000);
	/* The first packet goes at once. */
	assert_int_equal(bfd_session_next_deadline(&s), T0);
	bfd_session_timer(&s, T0, &a);
	assert_true(a.flags & BFD_ACT_SEND);
	assert_in_range(bfd_session_next_deadline(&s), T0 + 750, T0 + 1000);

	drive_to(&s, BFD_STATE_INIT, T0);
	bfd_session_build(&s, &out);
	assert_int_equal(out.desired_min_tx_us, 1000000);
	assert_int_equal(out.your_discr, PEER);

	/* Up: the configured rate, under a poll sequence (6.8.3). */
	drive_to(&s, BFD_STATE_UP, T0);
	bfd_session_build(&s, &out);
	assert_int_equal(out.desired_min_tx_us, 10000);
	assert_true(out.poll);
	assert_false(out.final);
}

static void
test_timer_negotiation(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	(void)state;
	drive_to(&s, BFD_STATE_UP, T0);
	/* The peer wants 50 ms between our packets and sends every 30 ms. */
	p = peer_pkt(BFD_STATE_UP, 30000, 50000);
	p.detect_mult = 4;
	p.final = true;
	assert_int_equal(feed(&s, &p, T0 + 10, &a), BFD_DROP_NONE);
	assert_true(a.flags & BFD_ACT_TIMERS_CHANGED);
	/* 6.8.2: max(our desired 10 ms, their required 50 ms). */
	assert_int_equal(bfd_session_tx_interval_us(&s), 50000);
	/* 6.8.4: their mult 4 x max(our required 20 ms, their desired 30 ms). */
	assert_int_equal(bfd_session_detect_time_ms(&s), 120);
	assert_int_equal(bfd_session_next_deadline(&s) <= T0 + 10 + 120, true);
	assert_int_equal(s.detect_due_ms, T0 + 130);
	/* A faster peer: our required 20 ms is the floor. */
	p = peer_pkt(BFD_STATE_UP, 5000, 1000);
	assert_int_equal(feed(&s, &p, T0 + 20, &a), BFD_DROP_NONE);
	assert_int_equal(bfd_session_tx_interval_us(&s), 10000);
	assert_int_equal(bfd_session_detect_time_ms(&s), 60);
	/* Sub-millisecond products round the detection time up. */
	p = peer_pkt(BFD_STATE_UP, 20333, 1000);
	assert_int_equal(feed(&s, &p, T0 + 30, &a), BFD_DROP_NONE);
	assert_int_equal(bfd_session_detect_time_ms(&s), 61);
}

static void
test_jitter_range(void **state)
{
	struct bfd_session_config cfg;
	struct bfd_session s;
	struct bfd_actions a;
	uint64_t t = T0, lo = UINT64_MAX, hi = 0;

	(void)state;
	/* 6.8.7: 75-100 % of the 1 s slow interval. */
	setup(&s);
	bfd_session_timer(&s, t, &a);
	for (int i = 0; i < 2000; i++) {
		uint64_t next = bfd_session_next_deadline(&s);
		uint64_t gap = next - t;

		lo = gap < lo ? gap : lo;
		hi = gap > hi ? gap : hi;
		t = next;
		bfd_session_timer(&s, t, &a);
		assert_true(a.flags & BFD_ACT_SEND);
	}
	assert_in_range(lo, 750, 760);
	assert_in_range(hi, 990, 1000);

	/* Detect Mult 1: 75-90 %. */
	setup_cfg(&cfg, BFD_AUTH_NONE);
	cfg.detect_mult = 1;
	assert_int_equal(bfd_session_init(&s, &cfg, T0), 0);
	t = T0;
	lo = UINT64_MAX;
	hi = 0;
	bfd_session_timer(&s, t, &a);
	for (int i = 0; i < 2000; i++) {
		uint64_t next = bfd_session_next_deadline(&s);
		uint64_t gap = next - t;

		lo = gap < lo ? gap : lo;
		hi = gap > hi ? gap : hi;
		t = next;
		bfd_session_timer(&s, t, &a);
	}
	assert_in_range(lo, 750, 760);
	assert_in_range(hi, 890, 900);
}

static void
test_jitter_follows_the_seed(void **state)
{
	struct bfd_session_config cfg;
	struct bfd_session s1, s2;
	struct bfd_actions a;

	(void)state;
	setup_cfg(&cfg, BFD_AUTH_NONE);
	assert_int_equal(bfd_session_init(&s1, &cfg, T0), 0);
	assert_int_equal(bfd_session_init(&s2, &cfg, T0), 0);
	bfd_session_timer(&s1, T0, &a);
	bfd_session_timer(&s2, T0, &a);
	assert_int_equal(bfd_session_next_deadline(&s1),
	    bfd_session_next_deadline(&s2));
}

static void
test_poll_sequence_holds_slower_rate_until_final(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p, out;

	(void)state;
	drive_to(&s, BFD_STATE_UP, T0);
	/* End the poll that going Up started. */
	p = peer_pkt(BFD_STATE_UP, 10000, 1000);
	p.final = true;
	assert_int_equal(feed(&s, &p, T0 + 1, &a), BFD_DROP_NONE);
	assert_false(s.poll_active);
	assert_int_equal(bfd_session_tx_interval_us(&s), 10000);
	assert_int_equal(bfd_session_detect_time_ms(&s), 60);

	/* Slower transmit, shorter receive: both wait for F (6.8.3). */
	assert_int_equal(bfd_session_set_intervals(&s, 40000, 10000, T0 + 2,
	    &a), 0);
	assert_true(s.poll_active);
	bfd_session_build(&s, &out);
	assert_true(out.poll);
	assert_int_equal(out.desired_min_tx_us, 40000);
	assert_int_equal(out.required_min_rx_us, 10000);
	assert_int_equal(bfd_session_tx_interval_us(&s), 10000);
	p = peer_pkt(BFD_STATE_UP, 10000, 1000);
	assert_int_equal(feed(&s, &p, T0 + 3, &a), BFD_DROP_NONE);
	assert_true(s.poll_active);
	assert_int_equal(bfd_session_detect_time_ms(&s), 60);

	/* F: the new values are in force. */
	p.final = true;
	assert_int_equal(feed(&s, &p, T0 + 4, &a), BFD_DROP_NONE);
	assert_false(s.poll_active);
	assert_int_equal(bfd_session_tx_interval_us(&s), 40000);
	/* 3 x max(10 ms, their 10 ms). */
	assert_int_equal(bfd_session_detect_time_ms(&s), 30);
	bfd_session_build(&s, &out);
	assert_false(out.poll);
}

static void
test_poll_sequence_applies_safe_changes_at_once(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	(void)state;
	drive_to(&s, BFD_STATE_UP, T0);
	p = peer_pkt(BFD_STATE_UP, 10000, 1000);
	p.final = true;
	assert_int_equal(feed(&s, &p, T0 + 1, &a), BFD_DROP_NONE);
	/* Faster transmit and longer receive are safe before F. */
	assert_int_equal(bfd_session_set_intervals(&s, 5000, 50000, T0 + 2,
	    &a), 0);
	assert_true(s.poll_active);
	assert_int_equal(bfd_session_tx_interval_us(&s), 5000);
	assert_int_equal(bfd_session_detect_time_ms(&s), 150);
	assert_true(a.flags & BFD_ACT_TIMERS_CHANGED);
	assert_int_equal(bfd_session_set_intervals(&s, 0, 1, T0 + 3, &a),
	    -EINVAL);
}

static void
test_poll_is_answered_with_final_only(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p, out;

	(void)state;
	drive_to(&s, BFD_STATE_UP, T0);
	assert_true(s.poll_active);
	p = peer_pkt(BFD_STATE_UP, 10000, 1000);
	p.poll = true;
	assert_int_equal(feed(&s, &p, T0 + 1, &a), BFD_DROP_NONE);
	assert_true(a.flags & BFD_ACT_SEND);
	/* 6.8.7: F in answer, never P and F together... */
	bfd_session_build(&s, &out);
	assert_true(out.final);
	assert_false(out.poll);
	/* ...and our own poll goes on in the next one. */
	bfd_session_build(&s, &out);
	assert_false(out.final);
	assert_true(out.poll);
}

static void
test_detection_time_expiry(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p, out;
	const struct bfd_event *ev;

	(void)state;
	drive_to(&s, BFD_STATE_UP, T0);
	p = peer_pkt(BFD_STATE_UP, 10000, 1000);
	p.final = true;
	assert_int_equal(feed(&s, &p, T0 + 100, &a), BFD_DROP_NONE);
	assert_int_equal(s.detect_due_ms, T0 + 160);
	bfd_session_timer(&s, T0 + 159, &a);
	assert_int_equal(s.state, BFD_STATE_UP);
	bfd_session_timer(&s, T0 + 160, &a);
	assert_int_equal(s.state, BFD_STATE_DOWN);
	assert_true(a.flags & BFD_ACT_STATE_CHANGED);
	assert_int_equal(a.event.reason, BFD_REASON_DETECT_EXPIRED);
	assert_int_equal(a.event.diag, BFD_DIAG_DETECT_EXPIRED);
	assert_int_equal(s.local_diag, BFD_DIAG_DETECT_EXPIRED);
	assert_int_equal(s.down_count, 1);
	assert_int_equal(s.last_down_diag, BFD_DIAG_DETECT_EXPIRED);
	/* 6.8.1: the peer's discriminator is forgotten, 6.8.3: slow again. */
	assert_int_equal(s.remote_discr, 0);
	bfd_session_build(&s, &out);
	assert_int_equal(out.state, BFD_STATE_DOWN);
	assert_int_equal(out.diag, BFD_DIAG_DETECT_EXPIRED);
	assert_int_equal(out.desired_min_tx_us, 1000000);
	assert_int_equal(out.your_discr, 0);
	assert_false(out.poll);
	ev = bfd_session_event(&s, 0);
	assert_non_null(ev);
	assert_int_equal(ev->from, BFD_STATE_UP);
	assert_int_equal(ev->to, BFD_STATE_DOWN);
	assert_string_equal(bfd_reason_name(ev->reason),
	    "control detection time expired");
	assert_int_equal(bfd_session_event(&s, 1)->to, BFD_STATE_UP);
	assert_int_equal(bfd_session_event(&s, 2)->to, BFD_STATE_INIT);
	assert_null(bfd_session_event(&s, 3));
}

static void
test_no_detection_while_down(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	(void)state;
	setup(&s);
	/* A peer in Up while we are Down: no transition, but it is heard. */
	p = peer_pkt(BFD_STATE_UP, 1000000, 10000);
	assert_int_equal(feed(&s, &p, T0, &a), BFD_DROP_NONE);
	assert_int_equal(s.remote_discr, PEER);
	assert_int_equal(s.detect_due_ms, T0 + 3000);
	bfd_session_timer(&s, T0 + 3000, &a);
	assert_int_equal(s.state, BFD_STATE_DOWN);
	assert_false(a.flags & BFD_ACT_STATE_CHANGED);
	assert_int_equal(s.remote_discr, 0);
}

static void
test_periodic_transmission_stops_when_asked(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	(void)state;
	drive_to(&s, BFD_STATE_UP, T0);
	/* 6.8.6: the peer is in demand mode, both Up: no periodic packets. */
	p = peer_pkt(BFD_STATE_UP, 10000, 1000);
	p.demand = true;
	assert_int_equal(feed(&s, &p, T0 + 1, &a), BFD_DROP_NONE);
	assert_int_equal(s.tx_due_ms, 0);
	/* A poll is still answered. */
	p.poll = true;
	assert_int_equal(feed(&s, &p, T0 + 2, &a), BFD_DROP_NONE);
	assert_true(a.flags & BFD_ACT_SEND);
	/* Demand off: transmission resumes. */
	p = peer_pkt(BFD_STATE_UP, 10000, 1000);
	assert_int_equal(feed(&s, &p, T0 + 3, &a), BFD_DROP_NONE);
	assert_true(s.tx_due_ms >= T0 + 3);
	/* 6.8.7: Required Min RX 0, the peer wants no packets. */
	p = peer_pkt(BFD_STATE_UP, 10000, 0);
	assert_int_equal(feed(&s, &p, T0 + 4, &a), BFD_DROP_NONE);
	assert_int_equal(s.tx_due_ms, 0);
}

static void
test_admin_down_and_up(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt out;

	(void)state;
	drive_to(&s, BFD_STATE_UP, T0);
	bfd_session_admin(&s, true, T0 + 10, &a);
	assert_int_equal(s.state, BFD_STATE_ADMIN_DOWN);
	assert_true(a.flags & BFD_ACT_SEND);
	assert_true(a.flags & BFD_ACT_STATE_CHANGED);
	assert_int_equal(a.event.reason, BFD_REASON_ADMIN_DOWN);
	bfd_session_build(&s, &out);
	assert_int_equal(out.state, BFD_STATE_ADMIN_DOWN);
	assert_int_equal(out.diag, BFD_DIAG_ADMIN_DOWN);
	/* 6.8.16: no periodic transmission while AdminDown. */
	assert_int_equal(s.tx_due_ms, 0);
	bfd_session_admin(&s, true, T0 + 11, &a);
	assert_int_equal(a.flags, 0);

	bfd_session_admin(&s, false, T0 + 20, &a);
	assert_int_equal(s.state, BFD_STATE_DOWN);
	assert_int_equal(a.event.reason, BFD_REASON_ADMIN_UP);
	assert_true(s.tx_due_ms != 0);
}

static void
test_init_refuses_bad_config(void **state)
{
	struct bfd_session_config cfg;
	struct bfd_session s;

	(void)state;
	setup_cfg(&cfg, BFD_AUTH_NONE);
	cfg.local_discr = 0;
	assert_int_equal(bfd_session_init(&s, &cfg, T0), -EINVAL);
	setup_cfg(&cfg, BFD_AUTH_NONE);
	cfg.detect_mult = 0;
	assert_int_equal(bfd_session_init(&s, &cfg, T0), -EINVAL);
	setup_cfg(&cfg, BFD_AUTH_NONE);
	cfg.required_min_rx_us = 0;
	assert_int_equal(bfd_session_init(&s, &cfg, T0), -EINVAL);
	setup_cfg(&cfg, BFD_AUTH_KEYED_MD5);
	assert_int_equal(bfd_session_init(&s, &cfg, T0), -EINVAL);
	setup_cfg(&cfg, BFD_AUTH_NONE);
	cfg.admin_down = true;
	assert_int_equal(bfd_session_init(&s, &cfg, T0), 0);
	assert_int_equal(s.state, BFD_STATE_ADMIN_DOWN);
	assert_int_equal(bfd_session_next_deadline(&s), 0);
}

static void
test_session_drop_reasons(void **state)
{
	struct bfd_session_config cfg;
	struct bfd_session s, plain;
	struct bfd_actions a;
	struct bfd_pkt p;

	(void)state;
	setup_cfg(&cfg, BFD_AUTH_METICULOUS_SHA1);
	assert_int_equal(bfd_session_init(&s, &cfg, T0), 0);
	setup(&plain);
	p = peer_pkt(BFD_STATE_UP, 1000000, 10000);
	p.your_discr = LOCAL + 1;
	assert_int_equal(feed(&plain, &p, T0, &a), BFD_DROP_DISCRIMINATOR);
	p.your_discr = LOCAL;
	p.auth_present = true;
	p.auth_type = BFD_AUTH_METICULOUS_SHA1;
	assert_int_equal(feed(&plain, &p, T0, &a), BFD_DROP_AUTH_UNEXPECTED);
	p.auth_present = false;
	assert_int_equal(feed(&s, &p, T0, &a), BFD_DROP_AUTH_MISSING);
	p.auth_present = true;
	p.auth_type = BFD_AUTH_KEYED_SHA1;
	assert_int_equal(feed(&s, &p, T0, &a), BFD_DROP_AUTH_TYPE);
	p.auth_type = BFD_AUTH_METICULOUS_SHA1;
	p.auth_key_id = 2;
	assert_int_equal(feed(&s, &p, T0, &a), BFD_DROP_AUTH_KEY_ID);
	/* A refused packet changes nothing. */
	assert_int_equal(s.remote_discr, 0);
	assert_int_equal(s.state, BFD_STATE_DOWN);
	assert_false(s.rx_seq.known);

	/* Meticulous: each number once, in order, within 3 x mult. */
	p = peer_pkt(BFD_STATE_DOWN, 1000000, 10000);
	p.auth_present = true;
	p.auth_type = BFD_AUTH_METICULOUS_SHA1;
	p.auth_key_id = 1;
	p.auth_seq = 500;
	assert_int_equal(feed(&s, &p, T0, &a), BFD_DROP_NONE);
	assert_int_equal(s.state, BFD_STATE_INIT);
	assert_int_equal(feed(&s, &p, T0 + 1, &a), BFD_DROP_AUTH_SEQ);
	p.auth_seq = 510;
	assert_int_equal(feed(&s, &p, T0 + 2, &a), BFD_DROP_AUTH_SEQ);
	p.auth_seq = 509;
	assert_int_equal(feed(&s, &p, T0 + 3, &a), BFD_DROP_NONE);
	/* 6.8.1: forgotten after twice the detection time (2 x 3 s). */
	assert_int_equal(s.seq_forget_due_ms, T0 + 3 + 6000);
	bfd_session_timer(&s, T0 + 3 + 6000, &a);
	assert_false(s.rx_seq.known);
	p.auth_seq = 7;
	assert_int_equal(feed(&s, &p, T0 + 6004, &a), BFD_DROP_NONE);
}

static void
test_build_carries_auth_section_and_sequence(void **state)
{
	struct bfd_session_config cfg;
	struct bfd_session s;
	struct bfd_pkt out;

	(void)state;
	setup_cfg(&cfg, BFD_AUTH_KEYED_SHA1);
	cfg.auth_key_id = 9;
	cfg.xmit_auth_seq = 0xffffffff;
	assert_int_equal(bfd_session_init(&s, &cfg, T0), 0);
	bfd_session_build(&s, &out);
	assert_true(out.auth_present);
	assert_int_equal(out.auth_type, BFD_AUTH_KEYED_SHA1);
	assert_int_equal(out.auth_key_id, 9);
	assert_int_equal(out.auth_seq, 0xffffffff);
	assert_int_equal(out.length, BFD_PKT_MAX_LEN);
	bfd_session_build(&s, &out);
	assert_int_equal(out.auth_seq, 0);
	assert_int_equal(out.my_discr, LOCAL);
	assert_int_equal(out.detect_mult, 3);
	assert_int_equal(out.required_min_echo_rx_us, 0);
	assert_false(out.demand || out.cpi || out.multipoint);
}

static void
test_event_ring_keeps_the_latest(void **state)
{
	struct bfd_session s;
	struct bfd_actions a;

	(void)state;
	setup(&s);
	for (int i = 0; i < 10; i++) {
		bfd_session_admin(&s, true, T0 + (uint64_t)i * 2, &a);
		bfd_session_admin(&s, false, T0 + (uint64_t)i * 2 + 1, &a);
	}
	assert_int_equal(s.nevents, 20);
	assert_int_equal(bfd_session_event(&s, 0)->reason, BFD_REASON_ADMIN_UP);
	assert_int_equal(bfd_session_event(&s, 0)->at_ms, T0 + 19);
	assert_int_equal(bfd_session_event(&s, 7)->at_ms, T0 + 12);
	assert_null(bfd_session_event(&s, 8));
	assert_string_equal(bfd_reason_name(BFD_REASON__COUNT), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_table),
		cmocka_unit_test(test_three_way_handshake_then_fast_rate),
		cmocka_unit_test(test_slow_rate_until_up),
		cmocka_unit_test(test_timer_negotiation),
		cmocka_unit_test(test_jitter_range),
		cmocka_unit_test(test_jitter_follows_the_seed),
		cmocka_unit_test(test_poll_sequence_holds_slower_rate_until_final),
		cmocka_unit_test(test_poll_sequence_applies_safe_changes_at_once),
		cmocka_unit_test(test_poll_is_answered_with_final_only),
		cmocka_unit_test(test_detection_time_expiry),
		cmocka_unit_test(test_no_detection_while_down),
		cmocka_unit_test(test_periodic_transmission_stops_when_asked),
		cmocka_unit_test(test_admin_down_and_up),
		cmocka_unit_test(test_init_refuses_bad_config),
		cmocka_unit_test(test_session_drop_reasons),
		cmocka_unit_test(test_build_carries_auth_section_and_sequence),
		cmocka_unit_test(test_event_ring_keeps_the_latest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
