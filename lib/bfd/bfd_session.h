/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_session - one BFD session in asynchronous mode (RFC 5880 6.8), as
 * pure logic: the state machine of 6.8.6 (AdminDown, Down, Init, Up and
 * the three-way handshake), the timers of 6.8.2-6.8.4 (transmit interval,
 * detection time, the one-second slow rate while not Up, jitter), the
 * poll sequence of 6.5 that changes timers, the diagnostic codes, and the
 * sequence numbers of SHA1 authentication.
 *
 * Input: decoded packets (bfd_pkt_decode, and bfd_auth_verify when the
 * session authenticates), timer expiry and administrative commands, each
 * with the current time (ms, CLOCK_MONOTONIC). Output: struct
 * bfd_actions telling the caller what to do (send a packet now, log a
 * transition). The caller builds the packet with bfd_session_build,
 * encodes, signs and sends it. Never touches the OS, never logs, never
 * allocates; jitter comes from a seed the caller gives.
 *
 * Not implemented: demand mode of our own (the D bit we send is 0; a
 * peer's demand mode is honoured as 6.8.6 says), the echo function
 * (Required Min Echo RX Interval is 0), and the passive role.
 */
#ifndef VIPD_BFD_SESSION_H
#define VIPD_BFD_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "bfd/bfd_pkt.h"
#include "bfd/bfd_seq.h"

#define BFD_SLOW_TX_US 1000000u   /* RFC 5880 6.8.3: at least 1 s while not Up */
#define BFD_EVENT_LOG 8           /* transitions a session remembers */

/* Why a transition happened; names are the words in logs and dumps. */
enum bfd_reason {
	BFD_REASON_NONE = 0,
	BFD_REASON_PEER_DOWN,       /* Down -> Init: the peer is Down (handshake) */
	BFD_REASON_PEER_INIT,       /* Down -> Up: the peer is in Init */
	BFD_REASON_PEER_UP,         /* Init -> Up: the peer is Up */
	BFD_REASON_DETECT_EXPIRED,  /* Init/Up -> Down, diag 1 */
	BFD_REASON_NEIGHBOR_DOWN,   /* Init/Up -> Down: the peer says Down, diag 3 */
	BFD_REASON_NEIGHBOR_ADMIN_DOWN, /* -> Down: the peer says AdminDown, diag 3 */
	BFD_REASON_ADMIN_DOWN,      /* -> AdminDown: bfd_session_admin(down) */
	BFD_REASON_ADMIN_UP,        /* AdminDown -> Down: bfd_session_admin(up) */
	BFD_REASON__COUNT
};

/* One transition, as the glue logs it and the dump shows it. */
struct bfd_event {
	uint64_t at_ms;
	enum bfd_state from, to;
	enum bfd_reason reason;
	enum bfd_diag diag;          /* bfd.LocalDiag after the transition */
};

enum bfd_action_flags {
	BFD_ACT_SEND = 1u << 0,          /* bfd_session_build, encode, sign, send now */
	BFD_ACT_STATE_CHANGED = 1u << 1, /* actions.event is a new transition */
	BFD_ACT_TIMERS_CHANGED = 1u << 2,/* negotiated intervals or detection time
					    changed (dumps, metrics) */
};

struct bfd_actions {
	unsigned flags;
	struct bfd_event event;          /* with BFD_ACT_STATE_CHANGED */
};

/* Static per-session settings, copied in at init. */
struct bfd_session_config {
	uint32_t local_discr;            /* bfd.LocalDiscr: non-zero, unique
					    among our sessions (the caller's) */
	uint32_t desired_min_tx_us;      /* min_tx_ms x 1000, non-zero */
	uint32_t required_min_rx_us;     /* min_rx_ms x 1000, non-zero */
	uint8_t detect_mult;             /* multiplier, non-zero */
	uint8_t auth_type;               /* BFD_AUTH_NONE or a SHA1 kind */
	uint8_t auth_key_id;
	uint32_t xmit_auth_seq;          /* first bfd.XmitAuthSeq: random (6.8.1) */
	uint32_t jitter_seed;            /* any value; random in the daemon */
	bool admin_down;                 /* start in AdminDown */
};

struct bfd_session {
	struct bfd_session_config cfg;
	enum bfd_state state;            /* bfd.SessionState */
	enum bfd_state remote_state;     /* bfd.RemoteSessionState */
	uint32_t remote_discr;           /* bfd.RemoteDiscr, 0 = unknown */
	enum bfd_diag local_diag;        /* bfd.LocalDiag */
	uint8_t remote_diag;             /* Diag of the last packet received */
	/* What we advertise: bfd.DesiredMinTxInterval, bfd.RequiredMinRxInterval. */
	uint32_t desired_min_tx_us;
	uint32_t required_min_rx_us;
	/*
	 * What the timers use: the advertised values, except while a poll
	 * sequence holds back an increased transmit interval or a reduced
	 * receive interval (RFC 5880 6.8.3).
	 */
	uint32_t tx_in_force_us;
	uint32_t rx_in_force_us;
	/* From the peer's last packet. */
	uint32_t remote_min_rx_us;       /* bfd.RemoteMinRxInterval, 1 at first */
	uint32_t remote_desired_min_tx_us;
	uint8_t remote_detect_mult;      /* 0 = nothing received yet */
	bool remote_demand;              /* bfd.RemoteDemandMode */
	bool poll_active;                /* our poll sequence: P until F */
	bool final_pending;              /* the next packet answers a poll (F) */
	uint32_t tx_interval_us;         /* negotiated, before jitter */
	uint64_t detect_time_ms;         /* 0 = nothing received yet */
	uint64_t tx_due_ms;              /* next periodic packet, 0 = none */
	uint64_t last_tx_ms;             /* last periodic packet, 0 = none yet */
	uint64_t last_rx_ms;             /* last packet accepted, 0 = none */
	uint64_t detect_due_ms;          /* detection timer, 0 = not armed */
	uint64_t seq_forget_due_ms;      /* bfd.AuthSeqKnown cleared then, 0 = no */
	uint32_t jitter_state;
	struct bfd_seq rx_seq;
	uint32_t xmit_auth_seq;          /* bfd.XmitAuthSeq */
	uint64_t state_since_ms;
	uint32_t up_count, down_count;   /* transitions into / out of Up */
	enum bfd_diag last_down_diag;    /* why it last left Up (dumps) */
	struct bfd_event events[BFD_EVENT_LOG];
	unsigned nevents;                /* total transitions, events[] a ring */
};

/*
 * Start a session at now_ms: Down (or AdminDown), slow rate, first packet
 * due at once. Returns 0, or -EINVAL for a config with a zero
 * discriminator, interval or multiplier, or an authentication type other
 * than none and the SHA1 kinds.
 */
int bfd_session_init(struct bfd_session *s, const struct bfd_session_config *cfg,
		     uint64_t now_ms);

/*
 * A packet for this session (decoded for its authentication type, its
 * hash verified by the caller): RFC 5880 6.8.6 from "If the Your
 * Discriminator field is nonzero" on. Returns BFD_DROP_NONE, or why it
 * was refused (DISCRIMINATOR, AUTH_* for the key id and the sequence,
 * ADMIN_DOWN); a refused packet changes nothing (ADMIN_DOWN: the peer's
 * variables are updated first, as 6.8.6 orders). *out is cleared first.
 */
enum bfd_drop bfd_session_receive(struct bfd_session *s,
				  const struct bfd_pkt *pkt, uint64_t now_ms,
				  struct bfd_actions *out);

/* Expired timers at now_ms (call when now_ms >= bfd_session_next_deadline). */
void bfd_session_timer(struct bfd_session *s, uint64_t now_ms,
		       struct bfd_actions *out);

/* Earliest armed deadline (ms), or 0 when none is armed. */
uint64_t bfd_session_next_deadline(const struct bfd_session *s);

/*
 * The packet to send now (with BFD_ACT_SEND): state, diagnostic, P or F,
 * the advertised intervals, and the authentication section with the next
 * sequence number and a zero hash for bfd_auth_sign. A pending F is sent
 * (and cleared) in place of P: RFC 5880 6.8.7 forbids both in one packet.
 */
void bfd_session_build(struct bfd_session *s, struct bfd_pkt *out);

/*
 * RFC 5880 6.8.16: down = true takes the session to AdminDown (diag 7;
 * one packet says so, then transmission ceases), false back to Down.
 * Nothing happens when the session already is (or is not) AdminDown.
 */
void bfd_session_admin(struct bfd_session *s, bool down, uint64_t now_ms,
		       struct bfd_actions *out);

/*
 * New configured intervals (a reload): advertised at once, under a poll
 * sequence when Up (RFC 5880 6.8.3). Returns -EINVAL for a zero value.
 */
int bfd_session_set_intervals(struct bfd_session *s, uint32_t desired_min_tx_us,
			      uint32_t required_min_rx_us, uint64_t now_ms,
			      struct bfd_actions *out);

/* Negotiated transmit interval (before jitter) and detection time. */
uint32_t bfd_session_tx_interval_us(const struct bfd_session *s);
uint64_t bfd_session_detect_time_ms(const struct bfd_session *s);

/* The age-th latest transition (0 = the last), NULL beyond what is kept. */
const struct bfd_event *bfd_session_event(const struct bfd_session *s,
					  unsigned age);

const char *bfd_reason_name(enum bfd_reason reason);

#endif
