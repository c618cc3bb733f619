/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_pkt - BFD control packet codec: RFC 5880 4.1 (the mandatory
 * section) and 4.4 (the keyed SHA1 and meticulous keyed SHA1
 * authentication section), carried in UDP as RFC 5881 says.
 *
 * Owns: the wire layout of a control packet, and the checks of RFC 5880
 * 6.8.6 that need nothing but the packet and the authentication type the
 * session is configured with. Pure: no syscalls, no allocation, no
 * logging. A refused packet yields a reason (enum bfd_drop) that the
 * caller counts and logs; the reasons found later (by the session, by the
 * digest check, by the socket) are in the same enum so that every drop is
 * counted under one name.
 *
 * Never does: compute or check a hash (the caller does it with
 * bfd_auth.h, which uses os/digest), judge sequence numbers (bfd_seq.h),
 * demultiplex packets to sessions, or remember anything between packets.
 */
#ifndef VIPD_BFD_PKT_H
#define VIPD_BFD_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BFD_UDP_PORT 3784          /* RFC 5881 4: single hop control */
#define BFD_SRC_PORT_MIN 49152     /* RFC 5881 4: source port range */
#define BFD_SRC_PORT_MAX 65535
#define BFD_REQUIRED_TTL 255       /* RFC 5881 5: sent and required */
#define BFD_VERSION 1
#define BFD_PKT_LEN 24             /* the mandatory section */
#define BFD_AUTH_SHA1_LEN 28       /* RFC 5880 4.4: Auth Len of SHA1 types */
#define BFD_AUTH_HASH_LEN 20
#define BFD_AUTH_HASH_OFFSET (BFD_PKT_LEN + 8) /* type, len, key id, rsvd, seq */
#define BFD_PKT_MAX_LEN (BFD_PKT_LEN + BFD_AUTH_SHA1_LEN)

/* RFC 5880 4.1 State (Sta). */
enum bfd_state {
	BFD_STATE_ADMIN_DOWN = 0,
	BFD_STATE_DOWN = 1,
	BFD_STATE_INIT = 2,
	BFD_STATE_UP = 3,
};

/* RFC 5880 4.1 Diagnostic (Diag); 9..31 are reserved but carried. */
enum bfd_diag {
	BFD_DIAG_NONE = 0,
	BFD_DIAG_DETECT_EXPIRED = 1,       /* Control Detection Time Expired */
	BFD_DIAG_ECHO_FAILED = 2,
	BFD_DIAG_NEIGHBOR_DOWN = 3,        /* Neighbor Signaled Session Down */
	BFD_DIAG_FORWARDING_RESET = 4,
	BFD_DIAG_PATH_DOWN = 5,
	BFD_DIAG_CONCAT_PATH_DOWN = 6,
	BFD_DIAG_ADMIN_DOWN = 7,
	BFD_DIAG_REVERSE_CONCAT_PATH_DOWN = 8,
	BFD_DIAG__COUNT
};

/* RFC 5880 4.1 Auth Type; this codec lays out only the two SHA1 kinds. */
enum bfd_auth_type {
	BFD_AUTH_NONE = 0,                 /* no Authentication Section */
	BFD_AUTH_SIMPLE = 1,
	BFD_AUTH_KEYED_MD5 = 2,
	BFD_AUTH_METICULOUS_MD5 = 3,
	BFD_AUTH_KEYED_SHA1 = 4,
	BFD_AUTH_METICULOUS_SHA1 = 5,
};

/*
 * A decoded (or to-be-encoded) control packet. Intervals are microseconds,
 * as on the wire. The auth_* fields are meaningful when auth_present.
 */
struct bfd_pkt {
	uint8_t version;             /* 1 */
	uint8_t diag;                /* enum bfd_diag, 5 bits */
	uint8_t state;               /* enum bfd_state */
	bool poll, final;            /* P, F */
	bool cpi;                    /* C: control plane independent */
	bool auth_present;           /* A */
	bool demand;                 /* D */
	bool multipoint;             /* M: always false once decoded */
	uint8_t detect_mult;
	uint8_t length;              /* as found (decode); computed (encode) */
	uint32_t my_discr;
	uint32_t your_discr;
	uint32_t desired_min_tx_us;
	uint32_t required_min_rx_us;
	uint32_t required_min_echo_rx_us;
	uint8_t auth_type;           /* enum bfd_auth_type */
	uint8_t auth_key_id;
	uint32_t auth_seq;
	uint8_t auth_hash[BFD_AUTH_HASH_LEN]; /* as found; encode writes it as is */
};

/*
 * Every reason a received control packet is refused. Names (bfd_drop_name)
 * are the words of logs, vipd.stats and metrics; keep them stable.
 */
enum bfd_drop {
	BFD_DROP_NONE = 0,
	/* Found by the socket glue (RFC 5881). */
	BFD_DROP_TTL,             /* TTL / hop limit != 255 (RFC 5881 5) */
	BFD_DROP_NO_SESSION,      /* no session for the discriminator / address */
	/* Found by bfd_pkt_decode (RFC 5880 6.8.6, in its order). */
	BFD_DROP_TRUNCATED,       /* shorter than the mandatory section */
	BFD_DROP_VERSION,         /* version is not 1 */
	BFD_DROP_LENGTH,          /* Length field vs. A bit, Auth Len or UDP payload */
	BFD_DROP_DETECT_MULT,     /* Detect Mult is 0 */
	BFD_DROP_MULTIPOINT,      /* M bit set */
	BFD_DROP_MY_DISCR,        /* My Discriminator is 0 */
	BFD_DROP_YOUR_DISCR,      /* Your Discriminator 0 while not Down/AdminDown */
	BFD_DROP_AUTH_UNEXPECTED, /* A bit set, the session has no authentication */
	BFD_DROP_AUTH_MISSING,    /* A bit clear, the session authenticates */
	BFD_DROP_AUTH_TYPE,       /* Auth Type is not the session's */
	BFD_DROP_AUTH_LEN,        /* Auth Len is not 28 (RFC 5880 4.4) */
	/* Found by the session and the digest check. */
	BFD_DROP_DISCRIMINATOR,   /* Your Discriminator is not our own */
	BFD_DROP_AUTH_KEY_ID,     /* Auth Key ID is not the configured one */
	BFD_DROP_AUTH_SEQ,        /* sequence number replayed or out of window */
	BFD_DROP_AUTH,            /* the SHA1 hash does not match (bfd_auth) */
	BFD_DROP_ADMIN_DOWN,      /* we are AdminDown: packets are discarded */
	BFD_DROP__COUNT
};

const char *bfd_drop_name(enum bfd_drop reason);
const char *bfd_state_name(enum bfd_state state);   /* "Up", "AdminDown", ... */
const char *bfd_diag_name(enum bfd_diag diag);      /* "control detection time expired" */

/*
 * Decode and check the control packet that is the whole UDP payload
 * (buf, len), for a session whose authentication type is auth_type
 * (BFD_AUTH_NONE for none). Checks, in the order of RFC 5880 6.8.6:
 * len >= 24 (TRUNCATED), version 1, the Length field (at least 24, or 26
 * with the A bit; equal to len: a datagram carries one packet and nothing
 * else, so any other length is malformed), Detect Mult not 0, M clear, My
 * Discriminator not 0, Your Discriminator not 0 unless State is Down or
 * AdminDown, the A bit against auth_type, and for the authentication
 * section: Auth Type equal to auth_type (only the SHA1 kinds can be
 * configured), Auth Len 28, Length 52.
 *
 * Fills *out (only on success) and returns BFD_DROP_NONE, or the first
 * reason the packet fails. The hash is copied, not checked: the caller
 * checks it (bfd_auth_verify) and the session checks the key id and the
 * sequence number. Never reads beyond len.
 */
enum bfd_drop bfd_pkt_decode(const uint8_t *buf, size_t len,
			     uint8_t auth_type, struct bfd_pkt *out);

/*
 * Encode pkt into buf (capacity cap): 24 bytes, or 52 with the SHA1
 * authentication section when pkt->auth_present (its Reserved byte zero,
 * its hash field pkt->auth_hash as given: the caller overwrites it with
 * bfd_auth_sign). pkt->length is not read. Returns the length, -ENOSPC, or
 * -EINVAL when a field does not fit (version not 1, diag over 31, state
 * over 3) or the authentication type is not a SHA1 one.
 */
int bfd_pkt_encode(const struct bfd_pkt *pkt, uint8_t *buf, size_t cap);

#endif
