/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_session.c - one BFD session in asynchronous mode (see bfd_session.h).
 *
 * Deadlines are absolute monotonic milliseconds, 0 meaning "not armed".
 * Intervals stay in microseconds, as on the wire, until a deadline is
 * computed from them: a detection time is rounded up (never declare a
 * peer dead early), a transmit interval is chosen in whole milliseconds
 * inside the jitter range of RFC 5880 6.8.7.
 */
#include <errno.h>
#include <string.h>

#include "bfd/bfd_session.h"

#define BFD_JITTER_SEED 0x9e3779b9u	/* xorshift needs a non-zero state */

static const char *const reason_names[BFD_REASON__COUNT] = {
	[BFD_REASON_NONE] = "none",
	[BFD_REASON_PEER_DOWN] = "peer is down, handshake started",
	[BFD_REASON_PEER_INIT] = "peer is in init",
	[BFD_REASON_PEER_UP] = "peer is up",
	[BFD_REASON_DETECT_EXPIRED] = "control detection time expired",
	[BFD_REASON_NEIGHBOR_DOWN] = "neighbor signaled session down",
	[BFD_REASON_NEIGHBOR_ADMIN_DOWN] =
	    "neighbor signaled session down (administratively down)",
	[BFD_REASON_ADMIN_DOWN] = "administratively down",
	[BFD_REASON_ADMIN_UP] = "administratively enabled",
};

const char *
bfd_reason_name(enum bfd_reason reason)
{
	if ((unsigned int)reason >= BFD_REASON__COUNT)
		return "unknown";
	return reason_names[reason];
}

static uint32_t
max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

static bool
auth_type_supported(uint8_t type)
{
	return type == BFD_AUTH_NONE || type == BFD_AUTH_KEYED_SHA1 ||
	    type == BFD_AUTH_METICULOUS_SHA1;
}

/* xorshift32: reproducible from the caller's seed, no libc rand(). */
static uint32_t
jitter_next(struct bfd_session *s)
{
	uint32_t x = s->jitter_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	s->jitter_state = x;
	return x;
}

/*
 * RFC 5880 6.8.7: each interval between periodic packets is 75-100 % of
 * the negotiated one, and at most 90 % when bfd.DetectMult is 1 (a single
 * late packet would otherwise cost the session). Chosen in whole
 * milliseconds inside that range; below 1.33 ms the range holds no whole
 * millisecond and 1 ms it is.
 */
static uint64_t
jittered_ms(struct bfd_session *s, uint32_t interval_us)
{
	uint64_t lo = ((uint64_t)interval_us * 3 + 3999) / 4000;
	uint64_t hi = s->cfg.detect_mult == 1 ?
	    (uint64_t)interval_us * 9 / 10000 : (uint64_t)interval_us / 1000;

	if (lo == 0)
		lo = 1;
	if (hi < lo)
		hi = lo;
	return lo + jitter_next(s) % (hi - lo + 1);
}

/* RFC 5880 6.8.7 and 6.8.6: when periodic packets must not be sent. */
static bool
sends_periodic(const struct bfd_session *s)
{
	/* 6.8.16: an administratively down session ceases to transmit. */
	if (s->state == BFD_STATE_ADMIN_DOWN)
		return false;
	/* The peer asked for no packets at all. */
	if (s->remote_min_rx_us == 0)
		return false;
	/* 6.8.6: demand mode is active on the remote system. */
	if (s->remote_demand && s->state == BFD_STATE_UP &&
	    s->remote_state == BFD_STATE_UP)
		return false;
	return true;
}

/*
 * Arm or disarm the periodic transmission. A running schedule is kept
 * unless the interval changed; a new one counts from the last packet
 * sent, so that no two packets are closer than the interval allows.
 */
static void
refresh_tx(struct bfd_session *s, uint64_t now_ms, bool interval_changed)
{
	uint64_t due;

	if (!sends_periodic(s)) {
		s->tx_due_ms = 0;
		return;
	}
	if (s->tx_due_ms != 0 && !interval_changed)
		return;
	due = s->last_tx_ms != 0 ?
	    s->last_tx_ms + jittered_ms(s, s->tx_interval_us) : now_ms;
	s->tx_due_ms = due > now_ms ? due : now_ms;
}

/*
 * RFC 5880 6.8.2 (transmit interval: the greater of our Desired Min TX and
 * the peer's Required Min RX) and 6.8.4 (detection time: the peer's Detect
 * Mult times the greater of our Required Min RX and its Desired Min TX),
 * from the values in force.
 */
static void
update_timers(struct bfd_session *s, uint64_t now_ms, struct bfd_actions *out)
{
	uint32_t tx = max_u32(s->tx_in_force_us, s->remote_min_rx_us);
	uint64_t det_us = (uint64_t)s->remote_detect_mult *
	    max_u32(s->rx_in_force_us, s->remote_desired_min_tx_us);
	uint64_t det_ms = (det_us + 999) / 1000;
	bool tx_changed = tx != s->tx_interval_us;

	if (tx_changed || det_ms != s->detect_time_ms)
		out->flags |= BFD_ACT_TIMERS_CHANGED;
	s->tx_interval_us = tx;
	if (det_ms != s->detect_time_ms && s->detect_due_ms != 0)
		s->detect_due_ms = s->last_rx_ms + det_ms;
	s->detect_time_ms = det_ms;
	refresh_tx(s, now_ms, tx_changed);
}

/*
 * New advertised intervals (RFC 5880 6.8.3). Outside Up they are in force
 * at once. When Up, a poll sequence starts; a faster rate and a longer
 * receive interval are safe at once, while a slower rate and a shorter
 * receive interval wait for the peer's F bit, so that neither side's
 * detection time is ever shorter than what the other actually sends.
 */
static void
set_advertised(struct bfd_session *s, uint32_t desired_tx_us,
    uint32_t required_rx_us, uint64_t now_ms, struct bfd_actions *out)
{
	if (desired_tx_us == s->desired_min_tx_us &&
	    required_rx_us == s->required_min_rx_us)
		return;
	s->desired_min_tx_us = desired_tx_us;
	s->required_min_rx_us = required_rx_us;
	if (s->state == BFD_STATE_UP) {
		s->poll_active = true;
		if (desired_tx_us < s->tx_in_force_us)
			s->tx_in_force_us = desired_tx_us;
		if (required_rx_us > s->rx_in_force_us)
			s->rx_in_force_us = required_rx_us;
	} else {
		s->poll_active = false;
		s->tx_in_force_us = desired_tx_us;
		s->rx_in_force_us = required_rx_us;
	}
	update_timers(s, now_ms, out);
}

/* RFC 5880 6.8.3: the configured rate when Up, at most one packet a second otherwise. */
static void
apply_rate(struct bfd_session *s, uint64_t now_ms, struct bfd_actions *out)
{
	uint32_t tx = s->cfg.desired_min_tx_us;

	if (s->state != BFD_STATE_UP)
		tx = max_u32(tx, BFD_SLOW_TX_US);
	set_advertised(s, tx, s->cfg.required_min_rx_us, now_ms, out);
}

static void
transition(struct bfd_session *s, enum bfd_state to, enum bfd_reason reason,
    uint64_t now_ms, struct bfd_actions *out)
{
	struct bfd_event ev = {
		.at_ms = now_ms, .from = s->state, .to = to, .reason = reason,
		.diag = s->local_diag,
	};

	if (s->state == BFD_STATE_UP) {
		s->down_count++;
		s->last_down_diag = s->local_diag;
	}
	if (to == BFD_STATE_UP)
		s->up_count++;
	s->state = to;
	s->state_since_ms = now_ms;
	s->events[s->nevents % BFD_EVENT_LOG] = ev;
	s->nevents++;
	out->flags |= BFD_ACT_STATE_CHANGED;
	out->event = ev;
	apply_rate(s, now_ms, out);
	refresh_tx(s, now_ms, false);
}

static void
go_down(struct bfd_session *s, enum bfd_reason reason, enum bfd_diag diag,
    uint64_t now_ms, struct bfd_actions *out)
{
	s->local_diag = diag;
	transition(s, BFD_STATE_DOWN, reason, now_ms, out);
}

int
bfd_session_init(struct bfd_session *s, const struct bfd_session_config *cfg,
    uint64_t now_ms)
{
	if (cfg->local_discr == 0 || cfg->desired_min_tx_us == 0 ||
	    cfg->required_min_rx_us == 0 || cfg->detect_mult == 0 ||
	    !auth_type_supported(cfg->auth_type))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	/* RFC 5880 6.8.1: the initial values of the state variables. */
	s->state = cfg->admin_down ? BFD_STATE_ADMIN_DOWN : BFD_STATE_DOWN;
	s->remote_state = BFD_STATE_DOWN;
	s->local_diag = cfg->admin_down ? BFD_DIAG_ADMIN_DOWN : BFD_DIAG_NONE;
	s->remote_min_rx_us = 1;
	s->desired_min_tx_us = max_u32(cfg->desired_min_tx_us, BFD_SLOW_TX_US);
	s->required_min_rx_us = cfg->required_min_rx_us;
	s->tx_in_force_us = s->desired_min_tx_us;
	s->rx_in_force_us = s->required_min_rx_us;
	s->tx_interval_us = max_u32(s->tx_in_force_us, s->remote_min_rx_us);
	s->jitter_state = cfg->jitter_seed != 0 ? cfg->jitter_seed :
	    BFD_JITTER_SEED;
	s->xmit_auth_seq = cfg->xmit_auth_seq;
	s->state_since_ms = now_ms;
	refresh_tx(s, now_ms, false);
	return 0;
}

/* RFC 5880 6.8.6 and 6.7.4: what the decoder could not know. */
static enum bfd_drop
check_packet(const struct bfd_session *s, const struct bfd_pkt *pkt)
{
	bool authenticates = s->cfg.auth_type != BFD_AUTH_NONE;

	if (pkt->your_discr != 0 && pkt->your_discr != s->cfg.local_discr)
		return BFD_DROP_DISCRIMINATOR;
	if (pkt->auth_present != authenticates)
		return authenticates ? BFD_DROP_AUTH_MISSING :
		    BFD_DROP_AUTH_UNEXPECTED;
	if (!authenticates)
		return BFD_DROP_NONE;
	if (pkt->auth_type != s->cfg.auth_type)
		return BFD_DROP_AUTH_TYPE;
	if (pkt->auth_key_id != s->cfg.auth_key_id)
		return BFD_DROP_AUTH_KEY_ID;
	if (!bfd_seq_acceptable(&s->rx_seq,
	    s->cfg.auth_type == BFD_AUTH_METICULOUS_SHA1, pkt->detect_mult,
	    pkt->auth_seq))
		return BFD_DROP_AUTH_SEQ;
	return BFD_DROP_NONE;
}

/* RFC 5880 6.8.6: the peer's variables, the end of our poll, the timers. */
static void
learn_peer(struct bfd_session *s, const struct bfd_pkt *pkt, uint64_t now_ms,
    struct bfd_actions *out)
{
	s->remote_discr = pkt->my_discr;
	s->remote_state = pkt->state;
	s->remote_diag = pkt->diag;
	s->remote_demand = pkt->demand;
	s->remote_min_rx_us = pkt->required_min_rx_us;
	s->remote_desired_min_tx_us = pkt->desired_min_tx_us;
	s->remote_detect_mult = pkt->detect_mult;
	if (s->poll_active && pkt->final) {
		/* 6.8.3: the peer has seen our values; all take effect now. */
		s->poll_active = false;
		s->tx_in_force_us = s->desired_min_tx_us;
		s->rx_in_force_us = s->required_min_rx_us;
	}
	update_timers(s, now_ms, out);
}

/* RFC 5880 6.8.6: the state machine proper (6.2's diagram). */
static void
step_state(struct bfd_session *s, uint8_t remote, uint64_t now_ms,
    struct bfd_actions *out)
{
	if (remote == BFD_STATE_ADMIN_DOWN) {
		if (s->state != BFD_STATE_DOWN)
			go_down(s, BFD_REASON_NEIGHBOR_ADMIN_DOWN,
			    BFD_DIAG_NEIGHBOR_DOWN, now_ms, out);
		return;
	}
	switch (s->state) {
	case BFD_STATE_DOWN:
		if (remote == BFD_STATE_DOWN)
			transition(s, BFD_STATE_INIT, BFD_REASON_PEER_DOWN,
			    now_ms, out);
		else if (remote == BFD_STATE_INIT)
			transition(s, BFD_STATE_UP, BFD_REASON_PEER_INIT,
			    now_ms, out);
		break;
	case BFD_STATE_INIT:
		if (remote == BFD_STATE_INIT || remote == BFD_STATE_UP)
			transition(s, BFD_STATE_UP, BFD_REASON_PEER_UP, now_ms,
			    out);
		break;
	case BFD_STATE_UP:
		if (remote == BFD_STATE_DOWN)
			go_down(s, BFD_REASON_NEIGHBOR_DOWN,
			    BFD_DIAG_NEIGHBOR_DOWN, now_ms, out);
		break;
	case BFD_STATE_ADMIN_DOWN:
		break;
	}
}

enum bfd_drop
bfd_session_receive(struct bfd_session *s, const struct bfd_pkt *pkt,
    uint64_t now_ms, struct bfd_actions *out)
{
	enum bfd_drop r;

	memset(out, 0, sizeof(*out));
	if ((r = check_packet(s, pkt)) != BFD_DROP_NONE)
		return r;
	if (pkt->auth_present)
		bfd_seq_accept(&s->rx_seq, pkt->auth_seq);
	learn_peer(s, pkt, now_ms, out);
	if (s->state == BFD_STATE_ADMIN_DOWN)
		return BFD_DROP_ADMIN_DOWN;
	step_state(s, pkt->state, now_ms, out);
	/* 6.8.7: answer a poll at once, whatever the timers say. */
	if (pkt->poll) {
		s->final_pending = true;
		out->flags |= BFD_ACT_SEND;
	}
	/* 6.8.4: received for the purpose of the detection time. */
	s->last_rx_ms = now_ms;
	s->detect_due_ms = now_ms + s->detect_time_ms;
	/* 6.8.1: bfd.AuthSeqKnown is forgotten after twice the detection time. */
	s->seq_forget_due_ms = pkt->auth_present ?
	    now_ms + 2 * s->detect_time_ms : 0;
	/* The peer's demand bit and state may have stopped or restarted us. */
	refresh_tx(s, now_ms, false);
	return BFD_DROP_NONE;
}

static void
detect_expired(struct bfd_session *s, uint64_t now_ms, struct bfd_actions *out)
{
	s->detect_due_ms = 0;
	/* 6.8.1: bfd.RemoteDiscr is zero after a detection time of silence. */
	s->remote_discr = 0;
	/* 6.8.4: only a session in Init or Up goes down on it. */
	if (s->state == BFD_STATE_INIT || s->state == BFD_STATE_UP)
		go_down(s, BFD_REASON_DETECT_EXPIRED, BFD_DIAG_DETECT_EXPIRED,
		    now_ms, out);
}

void
bfd_session_timer(struct bfd_session *s, uint64_t now_ms,
    struct bfd_actions *out)
{
	memset(out, 0, sizeof(*out));
	if (s->detect_due_ms != 0 && now_ms >= s->detect_due_ms)
		detect_expired(s, now_ms, out);
	if (s->seq_forget_due_ms != 0 && now_ms >= s->seq_forget_due_ms) {
		bfd_seq_forget(&s->rx_seq);
		s->seq_forget_due_ms = 0;
	}
	if (s->tx_due_ms != 0 && now_ms >= s->tx_due_ms) {
		out->flags |= BFD_ACT_SEND;
		s->last_tx_ms = now_ms;
		s->tx_due_ms = now_ms + jittered_ms(s, s->tx_interval_us);
	}
}

static uint64_t
earliest(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

uint64_t
bfd_session_next_deadline(const struct bfd_session *s)
{
	return earliest(earliest(s->tx_due_ms, s->detect_due_ms),
	    s->seq_forget_due_ms);
}

void
bfd_session_build(struct bfd_session *s, struct bfd_pkt *out)
{
	memset(out, 0, sizeof(*out));
	out->version = BFD_VERSION;
	out->diag = (uint8_t)s->local_diag;
	out->state = (uint8_t)s->state;
	/* 6.8.7: never P and F in one packet; the answer goes first. */
	if (s->final_pending) {
		out->final = true;
		s->final_pending = false;
	} else {
		out->poll = s->poll_active;
	}
	out->detect_mult = s->cfg.detect_mult;
	out->my_discr = s->cfg.local_discr;
	out->your_discr = s->remote_discr;
	out->desired_min_tx_us = s->desired_min_tx_us;
	out->required_min_rx_us = s->required_min_rx_us;
	out->length = BFD_PKT_LEN;
	if (s->cfg.auth_type == BFD_AUTH_NONE)
		return;
	out->auth_present = true;
	out->auth_type = s->cfg.auth_type;
	out->auth_key_id = s->cfg.auth_key_id;
	/* 6.7.4: meticulous needs a new number per packet; keyed accepts it. */
	out->auth_seq = s->xmit_auth_seq++;
	out->length = BFD_PKT_MAX_LEN;
}

void
bfd_session_admin(struct bfd_session *s, bool down, uint64_t now_ms,
    struct bfd_actions *out)
{
	memset(out, 0, sizeof(*out));
	if (down == (s->state == BFD_STATE_ADMIN_DOWN))
		return;
	if (down) {
		s->local_diag = BFD_DIAG_ADMIN_DOWN;
		transition(s, BFD_STATE_ADMIN_DOWN, BFD_REASON_ADMIN_DOWN,
		    now_ms, out);
		/*
		 * One packet tells the peer, which goes Down with "neighbor
		 * signaled session down" rather than waiting for its
		 * detection time; then transmission ceases (6.8.16).
		 */
		out->flags |= BFD_ACT_SEND;
		return;
	}
	transition(s, BFD_STATE_DOWN, BFD_REASON_ADMIN_UP, now_ms, out);
}

int
bfd_session_set_intervals(struct bfd_session *s, uint32_t desired_min_tx_us,
    uint32_t required_min_rx_us, uint64_t now_ms, struct bfd_actions *out)
{
	memset(out, 0, sizeof(*out));
	if (desired_min_tx_us == 0 || required_min_rx_us == 0)
		return -EINVAL;
	s->cfg.desired_min_tx_us = desired_min_tx_us;
	s->cfg.required_min_rx_us = required_min_rx_us;
	apply_rate(s, now_ms, out);
	return 0;
}

uint32_t
bfd_session_tx_interval_us(const struct bfd_session *s)
{
	return s->tx_interval_us;
}

uint64_t
bfd_session_detect_time_ms(const struct bfd_session *s)
{
	return s->detect_time_ms;
}

const struct bfd_event *
bfd_session_event(const struct bfd_session *s, unsigned age)
{
	if (age >= s->nevents || age >= BFD_EVENT_LOG)
		return NULL;
	return &s->events[(s->nevents - 1 - age) % BFD_EVENT_LOG];
}
