/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sync_int - what the files of lib/ct_sync share among themselves and
 * nobody else calls (the module's contract is lib/ctsync/ct_sync.h):
 *  - ct_sync.c: the sockets' events, life cycle, role and timers; it
 *    calls the others, none calls it;
 *  - ct_sync_send.c: sending (every datagram goes through
 *    ct_sync_send_emit into the ring and out), batches, nack answers;
 *  - ct_sync_recv.c: the receiver (decisions in lib/ct_recv);
 *  - ct_sync_apply.c: received entries into the kernel table;
 *  - ct_sync_dump.c: the sender's paced dumps;
 *  - ct_sync_sweep.c: the receiver's sweep after a full resync;
 *  - ct_sync_session.c: the session across runs;
 *  - ct_sync_link.c: the links' sockets, probes and the choice of link;
 *  - ct_sync_report.c: `vipctl conns` and the dumps.
 */
#ifndef VIPD_CT_SYNC_INT_H
#define VIPD_CT_SYNC_INT_H

#include "ctsync/ct_sync.h"

/*
 * ct_sync_send.c. ct_sync_send_emit: the next datagram of our session into
 * its ring slot, and out when the socket takes it. ct_sync_send_flush: the
 * batch into a datagram (a heartbeat when empty and flags are set).
 * ct_sync_send_entry: an event or dumped entry into the batch.
 * ct_sync_send_answer_nack: resend from the ring, or a full dump when it
 * is gone. ct_sync_send_pump: the ring's unsent datagrams into the socket.
 */
void ct_sync_send_emit(struct ct_sync *s, uint8_t type,
    const struct ct_entry *entries, const struct ct_range *ranges,
    uint16_t count, uint32_t flags);
void ct_sync_send_flush(struct ct_sync *s, uint32_t flags);
void ct_sync_send_entry(struct ct_sync *s, const struct ct_entry *e,
    bool from_dump);
void ct_sync_send_expect(struct ct_sync *s, const struct ct_expect *x);
void ct_sync_send_answer_nack(struct ct_sync *s, struct ct_sync_link *from,
    const struct ct_wire_msg *m);
void ct_sync_send_pump(struct ct_sync *s);

/*
 * ct_sync_recv.c. ct_sync_receive: read what the socket holds (at most
 * CT_SYNC_READ_BUDGET datagrams), verify and handle each, ask for a new
 * gap at once. ct_sync_recv_tick and ct_sync_recv_deadline: the
 * receiver's timers (resync requests, nacks, the sweep).
 */
void ct_sync_receive(struct ct_sync *s, struct ct_sync_sock *k,
    uint64_t now_ms);
void ct_sync_recv_tick(struct ct_sync *s, uint64_t now_ms);
uint64_t ct_sync_recv_deadline(const struct ct_sync *s);

/*
 * ct_sync_apply.c: what applying received entries changes, pointers into
 * struct ct_sync that the receiver hands over.
 */
struct ct_sync_apply {
	struct ct_kernel *kernel;
	struct ct_order *order;        /* flows changed while a gap is open */
	struct ct_sweep *sweep;        /* marks since the resync request */
	struct ct_sync_stats *stats;
	struct log_ratelimit *error_log, *stale_log;
};

/*
 * The entries of m, accepted by the window, into the kernel table: late
 * ones skipped when their flow changed since (ct_recv_entry), the others
 * installed, counted and marked for the sweep; while a gap is open
 * (note_from: the window's lowest number; 0: no gap) noted in the order
 * table. Returns 0, or -ENOSPC when the order table could not note them
 * all (the caller gives the gap up for a full resync).
 */
int ct_sync_apply_entries(const struct ct_sync_apply *a,
    const struct ct_wire_msg *m, bool late, uint32_t note_from,
    uint64_t now_ms);

/*
 * The expectations of m into the kernel table, counted. Not weighed
 * against the order table: an expectation lives for seconds and is
 * refreshed by every dump, and a late one whose master is gone is refused
 * by the kernel (expect_errors).
 */
void ct_sync_apply_expects(const struct ct_sync_apply *a,
    const struct ct_wire_msg *m, uint64_t now_ms);

/* ct_sync_session.c: the session for a new run, kept for the next. */
void ct_sync_session_start(struct ct_sync *s);

/*
 * ct_sync_dump.c: ct_sync_dump_run starts the dump asked for (dump_due)
 * unless one runs, and makes a pass when one is due; ct_sync_dump_stop
 * gives it up.
 */
void ct_sync_dump_run(struct ct_sync *s, uint64_t now_ms);
void ct_sync_dump_stop(struct ct_sync *s);

/*
 * ct_sync_sweep.c: delete what the last full resync did not contain, once
 * no datagram of it is missing, a paced pass at a time;
 * ct_sync_sweep_abort gives a sweep under way up.
 */
void ct_sync_sweep(struct ct_sync *s, uint64_t now_ms);
void ct_sync_sweep_abort(struct ct_sync *s);

/*
 * ct_sync_link.c. ct_sync_link_open: link i's socket and watch.
 * ct_sync_link_close: all of them. ct_sync_link_tick and
 * ct_sync_link_deadline: probes, link states, the active link.
 * ct_sync_link_probe_in: a verified probe or answer that came on l.
 * ct_sync_link_send_failed: a send on l failed (not for a full buffer).
 * ct_sync_link_out: arm or disarm EPOLLOUT on a socket. Those that return a
 * bool say whether the active link changed: the caller then pumps the
 * send queue (ct_sync_send_pump) into the new one.
 */
int ct_sync_link_open(struct ct_sync *s, size_t i, void (*cb)(
    struct evloop_watch *, uint32_t));
void ct_sync_link_close(struct ct_sync *s);
bool ct_sync_link_tick(struct ct_sync *s, uint64_t now_ms);
uint64_t ct_sync_link_deadline(const struct ct_sync *s);
bool ct_sync_link_probe_in(struct ct_sync *s, struct ct_sync_link *l,
    const struct ct_wire_msg *m, uint64_t now_ms);
bool ct_sync_link_send_failed(struct ct_sync *s, struct ct_sync_link *l,
    int err, uint64_t now_ms);
void ct_sync_link_out(struct ct_sync *s, struct ct_sync_sock *k, bool on);
/* ct_sync_link_fd: l's socket (-1: none). ct_sync_link_node: l reaches
 * the node with sender id `id` (learnt from a verified datagram). */
int ct_sync_link_fd(const struct ct_sync *s, const struct ct_sync_link *l);
bool ct_sync_link_node(struct ct_sync *s, struct ct_sync_link *l, uint32_t id);

#endif
