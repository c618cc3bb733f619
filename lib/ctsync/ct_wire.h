/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_wire - the connection-sync wire format: datagrams, entries, the
 * trailer's place, and the receiver's replay window.
 *
 * Owns: encoding and strict decoding of sync datagrams and the sliding
 * bitmap that refuses replays. Pure: no sockets, no clock, no conntrack,
 * no MAC: the caller signs the trailer after ct_wire_encode and verifies
 * it between ct_wire_check and ct_wire_decode (lib/ctsync/ct_auth).
 * Never does: decide when to send what, or touch the kernel table.
 *
 * Version 1, every integer in network byte order:
 *
 *   header (32 bytes)
 *     0  u32 magic      0x56535943 ("VSYC")
 *     4  u8  version    1
 *     5  u8  type       1 entries, 2 resync request, 3 nack, 4 heartbeat,
 *                       5 link probe, 6 probe answer (below)
 *     6  u16 count      entries (type 1) or ranges (type 3); 0 otherwise
 *     8  u64 session    the sender's run: its CLOCK_REALTIME in ns at
 *                       start, or one more than the last session it used
 *                       when its clock is not past that (ct_wire_session_next,
 *                       the last one kept in state_dir); a receiver refuses
 *                       a session older than the one it follows (replays of
 *                       an earlier run of the peer), and restarts its window
 *                       on a newer one (see "Sessions" below)
 *    16  u32 sender_id  the sender's local sync address: IPv4 as is, IPv6
 *                       hashed (addr_id32, lib/base/addr.h); a receiver drops a
 *                       datagram with its own id or session (reflected):
 *                       both directions share the key, so a host on the
 *                       link could otherwise send a node its own signed
 *                       datagrams back with the peer's source address
 *    20  u32 seq        per session, +1 for every datagram (first is 1)
 *    24  u32 sent_ms    the sender's CLOCK_REALTIME in ms modulo 2^32, for
 *                       the receiver's lag figure (meaningful when both
 *                       clocks are NTP-synchronised; never trusted for more)
 *    28  u32 flags      bit 0 (CT_WIRE_F_RESYNC_DONE): the last datagram
 *                       of a full resync; bits 16..31: on a resync request
 *                       the receiver's tag, on the last datagram of the
 *                       dump that answers it the same tag (0: a dump no
 *                       request asked for; lib/ct_sweep); other bits are
 *                       zero when sent and ignored when received
 *   body
 *     entries: count x 88-byte entry (below)
 *     nack:    count x { u32 first_seq, u32 last_seq } (inclusive ranges)
 *   trailer: HMAC-SHA256(key, header + body), 32 bytes (lib/ctsync/ct_auth)
 *
 *   entry (88 bytes)
 *     0  u8  op         1 update (create or change), 2 destroy
 *     1  u8  family     2 (AF_INET) or 10 (AF_INET6)
 *     2  u8  proto      6 tcp, 17 udp, 132 sctp, 1/58 icmp
 *     3  u8  tcp_state  the kernel's TCP_CONNTRACK_* (0 unless tcp)
 *     4  u32 status     IPS_* bits as the master's kernel had them
 *     8  u32 timeout_s  seconds left
 *    12  u32 mark       ct mark
 *    16  orig tuple  { 16 bytes src, 16 bytes dst, u16 sport, u16 dport }
 *    52  reply tuple { same }   (IPv4 addresses in the first 4 bytes)
 *   The NAT mapping is what the two tuples say: a reply source that is not
 *   the original destination is a DNAT, a reply destination that is not the
 *   original source an SNAT.
 *
 * A datagram is at most CT_WIRE_MAX_BYTES (fits a 1500-byte MTU in UDP).
 *
 * Extended records (types 7 and 8), for flows beyond the 88-byte entry's
 * reach: a conntrack zone, a `ct helper` (FTP, SIP) and its expectations.
 *   7 entries_ext: count x 132-byte entry: the 88 bytes above, then
 *      88 u16 zone        the flow's conntrack zone (0: the default)
 *      90 u16 reserved    zero
 *      92 helper[16]      the helper's name, NUL-padded ("" none)
 *     108 seqadj orig     { u32 correction_pos, u32 offset_before,
 *                           u32 offset_after }: the sequence offsets a
 *                         helper made by changing a payload's length
 *                         (nf_nat_ftp rewriting a PORT), original dir.
 *     120 seqadj reply    the same, reply direction (all 0: none)
 *   8 expects: count x 204-byte expectation (a related flow a helper
 *      told the kernel to wait for, e.g. an FTP data connection):
 *       0 u8  op           1 new, 2 destroy
 *       1 u8  family
 *       2 u8  proto        of the expected flow
 *       3 u8  master_proto of the flow that made it (the control flow)
 *       4 u16 zone
 *       6 u8  nat_dir      the direction the NAT tuple applies to
 *       7 u8  has_nat      1: nat tuple and nat_dir hold (nf_nat_ftp)
 *       8 u32 timeout_s    seconds left
 *      12 u32 flags        NF_CT_EXPECT_* (permanent, inactive)
 *      16 u32 class        the helper's expectation class
 *      20 master tuple     the control flow's original tuple (36 bytes)
 *      56 tuple            the expected flow's original tuple
 *      92 mask tuple       which bits of it must match
 *     128 nat tuple        where the expected flow is NATed to (its
 *                          source address and port: the kernel's
 *                          saved address)
 *     164 helper[16]       NUL-padded
 *     180 fn[24]           the kernel's expect function, NUL-padded
 *                          ("nat-follow-master" for a NATed FTP flow)
 * The version stays 1: a node decodes types 7 and 8 only when it says so,
 * flag bit 1 (CT_WIRE_F_EXT) in every datagram it sends, and a sender
 * sends them only while every node it heard from said so; to a node of an
 * earlier release (which would refuse them as bad_type, counted, and ask
 * for them again, a loss repair without end) it sends the entries as type
 * 1, zone and helper left out, and no expectations (counted as
 * expects_withheld).
 *
 * Link probes (types 5 and 6, count 0): with more than one sync link
 * (conn_sync.links), each end probes every link and the other answers on
 * the link the probe came in on (lib/ctsync/ct_link.h). seq is then the
 * probe's nonce, not a number of the stream: probes and answers stay out
 * of the replay window and its ring (they are sent on every link at once,
 * and copies on two links would read as replays); an answer echoes the
 * probe's nonce, and the prober takes only an answer to one of its last
 * probes, which keeps replayed answers from keeping a dead link up; the
 * HMAC and the reflection check hold as for every datagram. The version
 * stays 1: a single-link configuration never sends them, so it talks to
 * a node of an earlier release byte for byte, and such a node refuses
 * them as bad_type (counted) when links are configured on one side only.
 *
 * Order: the sequence numbers are the order in which the sender learnt of
 * the changes, and an entry is only ever right against the entries before
 * it. A datagram that comes late (a nack's resend after later ones) may
 * carry a change that a later datagram already undid (an update of a flow
 * whose destroy came first); the receiver remembers, while a gap is open,
 * the sequence number of the last change it applied per flow (lib/ct_order)
 * and skips such entries (counted as entries_stale). Sequence numbers
 * below the window's floor (before the receiver's first datagram of the
 * session or its last full-resync request) are refused: the resync's dump
 * supersedes them. A number that slides out of the window without having
 * come is lost for good (ct_window_loses): the receiver asks for a full
 * resync.
 *
 * Sessions: the session orders runs of the peer, so that a capture of an
 * earlier run cannot be replayed into the window. A sender that restarts
 * with its clock set back (an NTP step, a replaced RTC battery) would start
 * a session below its last one and be refused for good; hence
 *  - the sender keeps its last session in state_dir and takes
 *    max(CLOCK_REALTIME, last + 1) (ct_wire_session_next); and, for a
 *    sender whose state_dir was lost as well,
 *  - a receiver follows an older session once the followed one has been
 *    silent for CT_WIRE_ADOPT_SILENT_MS (ct_window_adopts). The trade-off:
 *    while the peer is silent that long (dead, or the link cut), an
 *    attacker who captured datagrams of the peer's earlier runs can replay
 *    one such run (each datagram once): entries of flows long gone may be
 *    installed, and a replayed resync request or nack makes the master
 *    send its table again. The HMAC still keeps out anything the peer
 *    never sent; a live peer (heartbeats every 250 ms) is never replaced;
 *    the real peer's next datagram carries a newer session and takes the
 *    window back, and the full resync it leads to sweeps what the replay
 *    installed. Adoptions are counted (sessions_adopted) and logged.
 */
#ifndef VIPD_CT_WIRE_H
#define VIPD_CT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_WIRE_MAGIC 0x56535943u
#define CT_WIRE_VERSION 1
#define CT_WIRE_HEADER_BYTES 32
#define CT_WIRE_ENTRY_BYTES 88
#define CT_WIRE_HMAC_BYTES 32
#define CT_WIRE_MAX_ENTRIES 15
#define CT_WIRE_MAX_RANGES 64
#define CT_WIRE_MAX_BYTES (CT_WIRE_HEADER_BYTES + \
	CT_WIRE_MAX_ENTRIES * CT_WIRE_ENTRY_BYTES + CT_WIRE_HMAC_BYTES)
#define CT_WIRE_ENTRY_EXT_BYTES 132
#define CT_WIRE_MAX_ENTRIES_EXT 10
#define CT_WIRE_EXPECT_BYTES 204
#define CT_WIRE_MAX_EXPECTS 6
#define CT_WIRE_HELPER_MAX 16         /* NF_CT_HELPER_NAME_LEN, with NUL */
#define CT_WIRE_FN_MAX 24
/*
 * Sequence numbers the replay window spans. A lost datagram is noticed
 * when the receiver reads the next one, behind everything queued at its
 * socket, and the resend its nack asks for joins the back of that queue:
 * the window must still span the gap when the resend is read, or the loss
 * can only end in a full resync (ct_window_loses). A full receive queue
 * of the default conn_sync.socket_buffer_bytes (8 MiB, which the kernel
 * doubles) holds some 7 300 full datagrams (2.3 kB of kernel memory
 * each), a backup that installs 50 000 entries a second drains it in 2 s.
 */
#define CT_WIRE_WINDOW 8192
/* Silence of the followed session after which an older one is followed. */
#define CT_WIRE_ADOPT_SILENT_MS 1000

enum ct_wire_type {
	CT_WIRE_ENTRIES = 1,
	CT_WIRE_RESYNC = 2,
	CT_WIRE_NACK = 3,
	CT_WIRE_HEARTBEAT = 4,
	CT_WIRE_PROBE = 5,
	CT_WIRE_PROBE_ANSWER = 6,
	CT_WIRE_ENTRIES_EXT = 7,
	CT_WIRE_EXPECTS = 8,
};

#define CT_WIRE_F_RESYNC_DONE 0x1u
#define CT_WIRE_F_EXT 0x2u            /* the sender decodes types 7 and 8 */

enum ct_wire_op {
	CT_OP_UPDATE = 1,
	CT_OP_DESTROY = 2,
};

/* Why a datagram was refused; every reason has a name (ct_drop_name). */
enum ct_drop {
	CT_DROP_NONE = 0,
	CT_DROP_TRUNCATED,       /* shorter than its header + count + trailer */
	CT_DROP_OVERSIZED,       /* longer than CT_WIRE_MAX_BYTES or than count says */
	CT_DROP_BAD_MAGIC,
	CT_DROP_BAD_VERSION,
	CT_DROP_BAD_TYPE,
	CT_DROP_BAD_COUNT,       /* count out of range for the type */
	CT_DROP_BAD_HMAC,
	CT_DROP_BAD_ENTRY,       /* unknown op, family or protocol */
	CT_DROP_REPLAYED,        /* sequence number already accepted */
	CT_DROP_TOO_OLD,         /* below the replay window or its floor, or an
				    older session */
	CT_DROP_NOT_PEER,        /* source is not the configured peer (ct_sync) */
	CT_DROP_REFLECTED,       /* our own sender id or session: one of our
				    datagrams sent back to us (ct_recv) */
	CT_DROP__COUNT
};

const char *ct_drop_name(enum ct_drop reason);

struct ct_tuple {
	uint8_t src[16], dst[16];   /* IPv4 in the first 4 bytes, rest zero */
	uint16_t sport, dport;      /* host order; ICMP: id in sport, type/code in dport */
};

struct ct_entry {
	uint8_t op;                 /* enum ct_wire_op */
	uint8_t family;             /* AF_INET / AF_INET6 */
	uint8_t proto;
	uint8_t tcp_state;
	uint32_t status;
	uint32_t timeout_s;
	uint32_t mark;
	struct ct_tuple orig, reply;
	uint16_t zone;              /* type 7 only; 0 in type 1 */
	char helper[CT_WIRE_HELPER_MAX];   /* type 7 only; "" none */
	uint16_t reserved;          /* 0: no padding, so entries compare whole */
	struct ct_seqadj {          /* type 7 only; [0] original, [1] reply */
		uint32_t pos, before, after;
	} seqadj[2];
};

/* An expectation (type 8); op is enum ct_wire_op (UPDATE = new). */
struct ct_expect {
	uint8_t op;
	uint8_t family;
	uint8_t proto, master_proto;
	uint16_t zone;
	uint8_t nat_dir;
	bool has_nat;
	uint32_t timeout_s, flags, class;
	struct ct_tuple master, tuple, mask, nat;
	char helper[CT_WIRE_HELPER_MAX];
	char fn[CT_WIRE_FN_MAX];
};

struct ct_range {
	uint32_t first, last;       /* inclusive */
};

struct ct_wire_header {
	uint8_t type;               /* enum ct_wire_type */
	uint16_t count;
	uint64_t session;
	uint32_t sender_id;
	uint32_t seq;
	uint32_t sent_ms;
	uint32_t flags;             /* CT_WIRE_F_* */
};

/* A decoded datagram; entries/ranges point into caller-provided storage. */
struct ct_wire_msg {
	struct ct_wire_header hdr;
	struct ct_entry entries[CT_WIRE_MAX_ENTRIES];
	struct ct_range ranges[CT_WIRE_MAX_RANGES];
	struct ct_expect expects[CT_WIRE_MAX_EXPECTS];
};

/*
 * Encode hdr (+ entries for CT_WIRE_ENTRIES, + ranges for CT_WIRE_NACK,
 * hdr->count of them) into buf (at least CT_WIRE_MAX_BYTES), the trailer's
 * last CT_WIRE_HMAC_BYTES zero: the caller signs them (ct_auth_sign).
 * Returns the length with the trailer, or -EINVAL (count out of range,
 * bad entry, buf too small).
 */
int ct_wire_encode(const struct ct_wire_header *hdr,
    const struct ct_entry *entries, const struct ct_range *ranges,
    uint8_t *buf, size_t buf_len);

/*
 * The same for an expects datagram (hdr->type CT_WIRE_EXPECTS, hdr->count
 * of them).
 */
int ct_wire_encode_expects(const struct ct_wire_header *hdr,
    const struct ct_expect *expects, uint8_t *buf, size_t buf_len);

/* True when x is well formed (known op, family, protocols, NUL-ended names). */
bool ct_expect_valid(const struct ct_expect *x);

/*
 * The framing, before anything trusts the datagram: length, magic,
 * version, type, count, and a length that is exactly what they make.
 * Returns CT_DROP_NONE or the reason; then the caller verifies the
 * trailer (ct_auth_verify) before ct_wire_decode.
 */
enum ct_drop ct_wire_check(const uint8_t *buf, size_t len);

/*
 * Strict decode of a datagram whose trailer the caller verified: the
 * framing again (ct_wire_check), then every entry or range. Returns
 * CT_DROP_NONE with *msg filled, or the reason. Replays are the window's
 * business (ct_window_check).
 */
enum ct_drop ct_wire_decode(const uint8_t *buf, size_t len,
    struct ct_wire_msg *msg);

/* True when e is well formed (known op, family, protocol). */
bool ct_entry_valid(const struct ct_entry *e);

/*
 * The identity of e's flow as a 64-bit hash, never 0: family, protocol,
 * zone and original tuple, what the kernel looks an entry up by.
 */
uint64_t ct_entry_key(const struct ct_entry *e);

/*
 * The session for a sender's new run: now (CLOCK_REALTIME in ns), unless
 * the clock is not past last (the previous run's session, 0 if unknown),
 * then last + 1: a restart with a clock set back stays newer.
 */
uint64_t ct_wire_session_next(uint64_t realtime_ns, uint64_t last);

/*
 * The replay window: the highest sequence number accepted of the peer's
 * current session and a bitmap of the CT_WIRE_WINDOW numbers below it.
 * floor is the first sequence number of the session we saw: gaps below it
 * are not ours to repair (the full resync covers them). asked marks the
 * numbers a nack named (ct_window_ask): the gaps not asked for yet are
 * new, and a second copy of an asked one is a resend that crossed a
 * repeated nack, not a replay (lib/ctsync/ct_recv.h).
 */
struct ct_window {
	uint64_t session;           /* 0: none yet */
	uint32_t highest;
	uint32_t floor;
	uint64_t bits[CT_WIRE_WINDOW / 64];   /* bit (highest - seq) */
	uint64_t asked[CT_WIRE_WINDOW / 64];  /* the same numbering */
};

/*
 * Check (session, seq) against the window without changing it: NONE when
 * new, REPLAYED when seen, TOO_OLD when below the window or its floor or
 * of an older session. *new_session is set when session is newer than the
 * one followed (the peer restarted: the window will restart on accept).
 */
enum ct_drop ct_window_check(const struct ct_window *w, uint64_t session,
    uint32_t seq, bool *new_session);

/*
 * Whether a verified datagram (session, seq) that ct_window_check refused
 * for its older session is followed all the same: the followed session has
 * been silent for silent_ms >= CT_WIRE_ADOPT_SILENT_MS (the peer restarted
 * with its clock set back; see "Sessions" above for the replay trade-off).
 * The caller then resets the window and takes it as a new session.
 */
bool ct_window_adopts(const struct ct_window *w, uint64_t session,
    uint32_t seq, uint64_t silent_ms);

/*
 * Whether accepting seq of the followed session (ct_window_check said
 * NONE) pushes a number between the floor and seq that never came below
 * the window: it can no longer be asked for (a nack names only what the
 * window spans) nor accepted, so what it carried is lost for good. It
 * happens when more than CT_WIRE_WINDOW datagrams are lost at once (the
 * sender's queue wrapped) or a gap outlives CT_WIRE_WINDOW later ones.
 */
bool ct_window_loses(const struct ct_window *w, uint32_t seq);

/* Mark (session, seq) accepted; call only after ct_window_check said NONE. */
void ct_window_accept(struct ct_window *w, uint64_t session, uint32_t seq);

/*
 * The sequence numbers of the session missing between floor and highest,
 * as at most max ranges, oldest first. Returns how many ranges.
 * ct_window_unasked: the same, of those no nack named yet.
 */
size_t ct_window_gaps(const struct ct_window *w, struct ct_range *ranges,
    size_t max);
size_t ct_window_unasked(const struct ct_window *w, struct ct_range *ranges,
    size_t max);

/*
 * A nack named ranges: mark the numbers in them that the window spans
 * (between its lowest and highest) as asked for. ct_window_asked tells,
 * for any number the bitmap still spans (below the floor too).
 */
void ct_window_ask(struct ct_window *w, const struct ct_range *ranges,
    size_t n);
bool ct_window_asked(const struct ct_window *w, uint32_t seq);

/* True when a sequence number between floor and highest is missing. */
bool ct_window_has_gaps(const struct ct_window *w);

/*
 * The lowest sequence number the window may still accept (its floor, or
 * CT_WIRE_WINDOW below the highest): what is older is refused anyway.
 */
uint32_t ct_window_lowest(const struct ct_window *w);

/* Forget the session: the next datagram of any session starts a window. */
void ct_window_reset(struct ct_window *w);

#endif
