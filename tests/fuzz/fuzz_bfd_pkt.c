/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the BFD control packet decoder and the session
 * that receives it: whatever a host on the link can put in a UDP datagram
 * to port 3784 is decoded as a session without authentication and as
 * keyed and meticulous keyed SHA1 sessions would decode it. A packet that
 * decodes must encode back to the same bytes (but the Reserved byte of
 * the authentication section, ignored on receipt and sent as zero), and
 * its hash is checked the way the daemon checks it. Each decoded packet
 * is then fed to a session in every state (AdminDown, Down, Init, Up);
 * whatever it does, the session stays in a valid state, names its drop
 * reason, and what it builds next is a packet it would accept itself.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bfd/bfd_auth.h"
#include "bfd/bfd_pkt.h"
#include "bfd/bfd_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 ((uint64_t)1000000)
#define LOCAL 0x11111111u
#define PEER 0x22222222u

static const uint8_t auth_types[] = {
	BFD_AUTH_NONE, BFD_AUTH_KEYED_SHA1, BFD_AUTH_METICULOUS_SHA1,
};
static const uint8_t fuzz_key[] = "vipd-bfd-key";

static void
check_reencode(const struct bfd_pkt *p, const uint8_t *buf, size_t len)
{
	uint8_t out[BFD_PKT_MAX_LEN];
	int n;

	n = bfd_pkt_encode(p, out, sizeof(out));
	if (n < 0 || (size_t)n != len || p->length != len)
		abort();
	if (memcmp(out, buf, BFD_PKT_LEN) != 0)
		abort();
	if (p->auth_present &&
	    (memcmp(out + BFD_PKT_LEN, buf + BFD_PKT_LEN, 3) != 0 ||
	    out[BFD_PKT_LEN + 3] != 0 ||
	    memcmp(out + BFD_PKT_LEN + 4, buf + BFD_PKT_LEN + 4,
	    len - BFD_PKT_LEN - 4) != 0))
		abort();
}

/* What the session builds must be sendable and acceptable to a peer. */
static void
check_built(struct bfd_session *s)
{
	uint8_t buf[BFD_PKT_MAX_LEN];
	struct bfd_pkt out, back;
	int n;

	bfd_session_build(s, &out);
	if (out.poll && out.final)
		abort();
	n = bfd_pkt_encode(&out, buf, sizeof(buf));
	if (n < 0)
		abort();
	if (s->cfg.auth_type != BFD_AUTH_NONE &&
	    bfd_auth_sign(buf, (size_t)n, fuzz_key, sizeof(fuzz_key) - 1) != 0)
		abort();
	if (bfd_pkt_decode(buf, (size_t)n, s->cfg.auth_type, &back) !=
	    BFD_DROP_NONE)
		abort();
	if (s->cfg.auth_type != BFD_AUTH_NONE &&
	    bfd_auth_verify(buf, (size_t)n, fuzz_key, sizeof(fuzz_key) - 1) !=
	    BFD_DROP_NONE)
		abort();
}

static void
check_session(const struct bfd_session *s, enum bfd_drop r)
{
	if ((unsigned int)s->state > BFD_STATE_UP ||
	    (unsigned int)r >= BFD_DROP__COUNT ||
	    strcmp(bfd_drop_name(r), "unknown") == 0)
		abort();
	/* Init and Up are reached only from a peer that named itself. */
	if ((s->state == BFD_STATE_INIT || s->state == BFD_STATE_UP) &&
	    s->remote_discr == 0)
		abort();
	if (s->state == BFD_STATE_ADMIN_DOWN && s->tx_due_ms != 0)
		abort();
	/* ...and always under a detection timer. */
	if ((s->state == BFD_STATE_INIT || s->state == BFD_STATE_UP) &&
	    s->detect_due_ms == 0)
		abort();
}

/* A session in state, reached as a real peer would bring it there. */
static void
session_in(struct bfd_session *s, uint8_t auth_type, enum bfd_state state)
{
	struct bfd_session_config cfg = {
		.local_discr = LOCAL, .desired_min_tx_us = 10000,
		.required_min_rx_us = 10000, .detect_mult = 3,
		.auth_type = auth_type, .auth_key_id = 1,
		.xmit_auth_seq = 77, .jitter_seed = 1,
		.admin_down = state == BFD_STATE_ADMIN_DOWN,
	};
	struct bfd_pkt p = {
		.version = 1, .state = BFD_STATE_DOWN, .detect_mult = 3,
		.my_discr = PEER, .desired_min_tx_us = 1000000,
		.required_min_rx_us = 10000,
		.auth_present = auth_type != BFD_AUTH_NONE,
		.auth_type = auth_type, .auth_key_id = 1, .auth_seq = 5,
	};
	struct bfd_actions a;

	if (bfd_session_init(s, &cfg, T0) != 0)
		abort();
	if (state == BFD_STATE_ADMIN_DOWN || state == BFD_STATE_DOWN)
		return;
	bfd_session_receive(s, &p, T0, &a);
	if (state == BFD_STATE_INIT)
		return;
	p.state = BFD_STATE_UP;
	p.your_discr = LOCAL;
	p.auth_seq = 6;
	bfd_session_receive(s, &p, T0, &a);
	if (s->state != state)
		abort();
}

static void
feed_every_state(const struct bfd_pkt *p, uint8_t auth_type)
{
	static struct bfd_session s;
	struct bfd_actions a;
	enum bfd_drop r;
	uint64_t next;

	for (int st = BFD_STATE_ADMIN_DOWN; st <= BFD_STATE_UP; st++) {
		session_in(&s, auth_type, (enum bfd_state)st);
		r = bfd_session_receive(&s, p, T0 + 1, &a);
		check_session(&s, r);
		check_built(&s);
		/* The same packet again: a replay for meticulous sessions. */
		r = bfd_session_receive(&s, p, T0 + 2, &a);
		check_session(&s, r);
		next = bfd_session_next_deadline(&s);
		if (next != 0) {
			if (next < T0)
				abort();
			bfd_session_timer(&s, next, &a);
			check_session(&s, BFD_DROP_NONE);
		}
		/* Silence until the detection time: the session goes Down. */
		if (s.detect_due_ms != 0) {
			bfd_session_timer(&s, s.detect_due_ms, &a);
			check_session(&s, BFD_DROP_NONE);
		}
		if (s.state == BFD_STATE_INIT || s.state == BFD_STATE_UP)
			abort();
		check_built(&s);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bfd_pkt p;
	uint8_t *copy;

	/* An exact-size heap copy keeps ASan's redzone right after the end. */
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	for (size_t i = 0; i < sizeof(auth_types); i++) {
		enum bfd_drop r = bfd_pkt_decode(copy, size, auth_types[i], &p);

		if ((unsigned int)r >= BFD_DROP__COUNT)
			abort();
		if (r != BFD_DROP_NONE)
			continue;
		check_reencode(&p, copy, size);
		if (p.auth_present &&
		    (unsigned int)bfd_auth_verify(copy, size, fuzz_key,
		    sizeof(fuzz_key) - 1) >= BFD_DROP__COUNT)
			abort();
		feed_every_state(&p, auth_types[i]);
	}
	free(copy);
	return 0;
}
