/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_link - whether a sync link answers, and which link the stream takes:
 * the liveness decisions of conn_sync's redundant links (conn_sync.links),
 * pure (time passed in), so that every rule is unit-tested without a
 * socket.
 *
 * With more than one link configured, each end sends a probe
 * (CT_WIRE_PROBE, lib/ctsync/ct_wire.h) on every link every
 * CT_LINK_PROBE_MS, whatever its role, and the other end answers it on the
 * link it came in on (CT_WIRE_PROBE_ANSWER) with the probe's nonce. So a
 * link is up only when both directions work, which heartbeats one way
 * could not tell. A link is
 *  - up from the first answer to one of its last CT_LINK_NONCES probes
 *    (an answer to an older probe is refused: a replay, or a link so slow
 *    it is no use);
 *  - down once no acceptable answer came for CT_LINK_DEAD_MS (a cut link
 *    is noticed in under a second, the bound), or when a send on
 *    it fails at once (the interface went down under us);
 *  - unknown until it is first probed or answered.
 * The stream (entries, heartbeats, nacks, resync requests) goes over the
 * active link: the first up link in configuration order, so a link that
 * comes back is used again; with none up it stays where it was (the peer
 * may be dead, not the links). What the switch lost on the dead link is
 * repaired by the receiver by sequence number (nacks, lib/ctsync/ct_recv.h):
 * the window is one for all the links of the peer.
 *
 * Owns: nothing but the decisions. Never does: send, read a socket.
 */
#ifndef VIPD_CT_LINK_H
#define VIPD_CT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_LINK_PROBE_MS 150
#define CT_LINK_DEAD_MS 600
/* Probes whose answer is still taken: those of the last CT_LINK_DEAD_MS. */
#define CT_LINK_NONCES (CT_LINK_DEAD_MS / CT_LINK_PROBE_MS)

enum ct_link_state { CT_LINK_UNKNOWN = 0, CT_LINK_UP, CT_LINK_DOWN };

/* Why a link changed state (ct_link_reason_name), for the log line. */
enum ct_link_reason {
	CT_LINK_R_NONE = 0,
	CT_LINK_R_ANSWERED,      /* a probe was answered */
	CT_LINK_R_SILENT,        /* no answer for CT_LINK_DEAD_MS */
	CT_LINK_R_SEND_FAILED,   /* the kernel refused a send on it */
};

struct ct_link {
	enum ct_link_state state;
	enum ct_link_reason reason;   /* of the last change */
	uint64_t changed_ms;          /* the last change; 0 = never */
	uint64_t last_answer_ms;      /* 0 = never */
	uint64_t probing_since_ms;    /* the first probe */
	uint64_t next_probe_ms;
	uint32_t nonce;               /* of the last probe sent */
	bool probed;                  /* a probe went out */
	uint64_t probes_sent, answers_received, answers_refused, transitions;
};

const char *ct_link_state_name(enum ct_link_state state);
const char *ct_link_reason_name(enum ct_link_reason reason);

/* A link not yet probed; first_nonce: anything, e.g. from the session. */
void ct_link_init(struct ct_link *l, uint32_t first_nonce, uint64_t now_ms);

/* Whether a probe is due on l at now_ms. */
bool ct_link_probe_due(const struct ct_link *l, uint64_t now_ms);

/* A probe goes out: returns its nonce, and schedules the next one. */
uint32_t ct_link_probe_sent(struct ct_link *l, uint64_t now_ms);

/*
 * An answer echoing nonce came on l. Returns true when it is taken (one of
 * the last CT_LINK_NONCES probes); *changed tells whether l became up.
 */
bool ct_link_answer(struct ct_link *l, uint32_t nonce, uint64_t now_ms,
    bool *changed);

/* A send on l failed at once: down (returns true when it changed). */
bool ct_link_send_failed(struct ct_link *l, uint64_t now_ms);

/*
 * The clock: an up link that had no answer for CT_LINK_DEAD_MS, or an
 * unknown one probed that long without one, is down. Returns true when l
 * changed.
 */
bool ct_link_tick(struct ct_link *l, uint64_t now_ms);

/* When ct_link_tick or a probe is due next. */
uint64_t ct_link_deadline(const struct ct_link *l);

/*
 * The link the stream takes among n (n >= 1): the first up one, else
 * current (kept while none is up).
 */
size_t ct_link_pick(const struct ct_link *links, size_t n, size_t current);

#endif
