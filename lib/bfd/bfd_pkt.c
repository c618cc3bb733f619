/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_pkt.c - BFD control packet codec (see bfd_pkt.h).
 *
 * Byte 1 of the mandatory section packs the state and six flags:
 * Sta(2) P F C A D M, most significant bit first (RFC 5880 4.1). Every
 * multi-byte field is big-endian; be_bytes reads them byte by byte, so the
 * buffer needs no alignment.
 */
#include <errno.h>
#include <string.h>

#include "base/be_bytes.h"
#include "bfd/bfd_pkt.h"

#define BFD_FLAG_P	0x20
#define BFD_FLAG_F	0x10
#define BFD_FLAG_C	0x08
#define BFD_FLAG_A	0x04
#define BFD_FLAG_D	0x02
#define BFD_FLAG_M	0x01
#define BFD_AUTH_MIN_LEN 26	/* RFC 5880 6.8.6: 24 + Auth Type + Auth Len */

static const char *const drop_names[BFD_DROP__COUNT] = {
	[BFD_DROP_NONE] = "none",
	[BFD_DROP_TTL] = "ttl",
	[BFD_DROP_NO_SESSION] = "no_session",
	[BFD_DROP_TRUNCATED] = "truncated",
	[BFD_DROP_VERSION] = "version",
	[BFD_DROP_LENGTH] = "length",
	[BFD_DROP_DETECT_MULT] = "detect_mult",
	[BFD_DROP_MULTIPOINT] = "multipoint",
	[BFD_DROP_MY_DISCR] = "my_discr",
	[BFD_DROP_YOUR_DISCR] = "your_discr",
	[BFD_DROP_AUTH_UNEXPECTED] = "auth_unexpected",
	[BFD_DROP_AUTH_MISSING] = "auth_missing",
	[BFD_DROP_AUTH_TYPE] = "auth_type",
	[BFD_DROP_AUTH_LEN] = "auth_len",
	[BFD_DROP_DISCRIMINATOR] = "discriminator",
	[BFD_DROP_AUTH_KEY_ID] = "auth_key_id",
	[BFD_DROP_AUTH_SEQ] = "auth_seq",
	[BFD_DROP_AUTH] = "auth",
	[BFD_DROP_ADMIN_DOWN] = "admin_down",
};

static const char *const state_names[] = {
	[BFD_STATE_ADMIN_DOWN] = "AdminDown",
	[BFD_STATE_DOWN] = "Down",
	[BFD_STATE_INIT] = "Init",
	[BFD_STATE_UP] = "Up",
};

static const char *const diag_names[BFD_DIAG__COUNT] = {
	[BFD_DIAG_NONE] = "no diagnostic",
	[BFD_DIAG_DETECT_EXPIRED] = "control detection time expired",
	[BFD_DIAG_ECHO_FAILED] = "echo function failed",
	[BFD_DIAG_NEIGHBOR_DOWN] = "neighbor signaled session down",
	[BFD_DIAG_FORWARDING_RESET] = "forwarding plane reset",
	[BFD_DIAG_PATH_DOWN] = "path down",
	[BFD_DIAG_CONCAT_PATH_DOWN] = "concatenated path down",
	[BFD_DIAG_ADMIN_DOWN] = "administratively down",
	[BFD_DIAG_REVERSE_CONCAT_PATH_DOWN] = "reverse concatenated path down",
};

const char *
bfd_drop_name(enum bfd_drop reason)
{
	/* Counters are indexed by reason: a bad one is a caller bug, not a crash. */
	if ((unsigned int)reason >= BFD_DROP__COUNT)
		return "unknown";
	return drop_names[reason];
}

const char *
bfd_state_name(enum bfd_state state)
{
	if ((unsigned int)state > BFD_STATE_UP)
		return "unknown";
	return state_names[state];
}

const char *
bfd_diag_name(enum bfd_diag diag)
{
	/* A peer may send the reserved codes 9..31: name them, do not crash. */
	if ((unsigned int)diag >= BFD_DIAG__COUNT)
		return "reserved";
	return diag_names[diag];
}

static bool
bfd_auth_type_is_sha1(uint8_t type)
{
	return type == BFD_AUTH_KEYED_SHA1 || type == BFD_AUTH_METICULOUS_SHA1;
}

/* RFC 5880 6.8.6: the Length field, before anything it covers is read. */
static enum bfd_drop
bfd_check_length(const uint8_t *buf, size_t len)
{
	uint8_t length = buf[3];
	bool a = (buf[1] & BFD_FLAG_A) != 0;

	if (length < (a ? BFD_AUTH_MIN_LEN : BFD_PKT_LEN) || length != len)
		return BFD_DROP_LENGTH;
	/* Without authentication there is nothing after the 24 bytes. */
	if (!a && length != BFD_PKT_LEN)
		return BFD_DROP_LENGTH;
	return BFD_DROP_NONE;
}

/* RFC 5880 6.8.6 and 6.7.4: the A bit, then the section it announces. */
static enum bfd_drop
bfd_check_auth(const uint8_t *buf, uint8_t auth_type)
{
	bool a = (buf[1] & BFD_FLAG_A) != 0;

	if (a && auth_type == BFD_AUTH_NONE)
		return BFD_DROP_AUTH_UNEXPECTED;
	if (!a && auth_type != BFD_AUTH_NONE)
		return BFD_DROP_AUTH_MISSING;
	if (!a)
		return BFD_DROP_NONE;
	if (buf[BFD_PKT_LEN] != auth_type || !bfd_auth_type_is_sha1(auth_type))
		return BFD_DROP_AUTH_TYPE;
	if (buf[BFD_PKT_LEN + 1] != BFD_AUTH_SHA1_LEN)
		return BFD_DROP_AUTH_LEN;
	if (buf[3] != BFD_PKT_MAX_LEN)
		return BFD_DROP_LENGTH;
	return BFD_DROP_NONE;
}

static enum bfd_drop
bfd_check_fields(const uint8_t *buf)
{
	uint8_t state = buf[1] >> 6;

	if (buf[2] == 0)
		return BFD_DROP_DETECT_MULT;
	if (buf[1] & BFD_FLAG_M)
		return BFD_DROP_MULTIPOINT;
	if (be_get32(buf + 4) == 0)
		return BFD_DROP_MY_DISCR;
	/* Only a peer that has not heard from us may leave us unnamed. */
	if (be_get32(buf + 8) == 0 && state != BFD_STATE_DOWN &&
	    state != BFD_STATE_ADMIN_DOWN)
		return BFD_DROP_YOUR_DISCR;
	return BFD_DROP_NONE;
}

static void
bfd_unpack(const uint8_t *buf, struct bfd_pkt *out)
{
	memset(out, 0, sizeof(*out));
	out->version = buf[0] >> 5;
	out->diag = buf[0] & 0x1f;
	out->state = buf[1] >> 6;
	out->poll = (buf[1] & BFD_FLAG_P) != 0;
	out->final = (buf[1] & BFD_FLAG_F) != 0;
	out->cpi = (buf[1] & BFD_FLAG_C) != 0;
	out->auth_present = (buf[1] & BFD_FLAG_A) != 0;
	out->demand = (buf[1] & BFD_FLAG_D) != 0;
	out->detect_mult = buf[2];
	out->length = buf[3];
	out->my_discr = be_get32(buf + 4);
	out->your_discr = be_get32(buf + 8);
	out->desired_min_tx_us = be_get32(buf + 12);
	out->required_min_rx_us = be_get32(buf + 16);
	out->required_min_echo_rx_us = be_get32(buf + 20);
	if (!out->auth_present)
		return;
	out->auth_type = buf[BFD_PKT_LEN];
	out->auth_key_id = buf[BFD_PKT_LEN + 2];
	/* buf[BFD_PKT_LEN + 3] is Reserved: ignored on receipt (RFC 5880 4.4). */
	out->auth_seq = be_get32(buf + BFD_PKT_LEN + 4);
	memcpy(out->auth_hash, buf + BFD_AUTH_HASH_OFFSET, BFD_AUTH_HASH_LEN);
}

enum bfd_drop
bfd_pkt_decode(const uint8_t *buf, size_t len, uint8_t auth_type,
    struct bfd_pkt *out)
{
	enum bfd_drop r;

	if (len < BFD_PKT_LEN)
		return BFD_DROP_TRUNCATED;
	if ((buf[0] >> 5) != BFD_VERSION)
		return BFD_DROP_VERSION;
	if ((r = bfd_check_length(buf, len)) != BFD_DROP_NONE)
		return r;
	if ((r = bfd_check_fields(buf)) != BFD_DROP_NONE)
		return r;
	if ((r = bfd_check_auth(buf, auth_type)) != BFD_DROP_NONE)
		return r;
	bfd_unpack(buf, out);
	return BFD_DROP_NONE;
}

static uint8_t
bfd_pack_flags(const struct bfd_pkt *pkt)
{
	uint8_t b = (uint8_t)(pkt->state << 6);

	if (pkt->poll)
		b |= BFD_FLAG_P;
	if (pkt->final)
		b |= BFD_FLAG_F;
	if (pkt->cpi)
		b |= BFD_FLAG_C;
	if (pkt->auth_present)
		b |= BFD_FLAG_A;
	if (pkt->demand)
		b |= BFD_FLAG_D;
	if (pkt->multipoint)
		b |= BFD_FLAG_M;
	return b;
}

int
bfd_pkt_encode(const struct bfd_pkt *pkt, uint8_t *buf, size_t cap)
{
	size_t len = pkt->auth_present ? BFD_PKT_MAX_LEN : BFD_PKT_LEN;

	if (pkt->version != BFD_VERSION || pkt->diag > 0x1f ||
	    pkt->state > BFD_STATE_UP)
		return -EINVAL;
	if (pkt->auth_present && !bfd_auth_type_is_sha1(pkt->auth_type))
		return -EINVAL;
	if (cap < len)
		return -ENOSPC;
	buf[0] = (uint8_t)(BFD_VERSION << 5 | pkt->diag);
	buf[1] = bfd_pack_flags(pkt);
	buf[2] = pkt->detect_mult;
	buf[3] = (uint8_t)len;
	be_put32(buf + 4, pkt->my_discr);
	be_put32(buf + 8, pkt->your_discr);
	be_put32(buf + 12, pkt->desired_min_tx_us);
	be_put32(buf + 16, pkt->required_min_rx_us);
	be_put32(buf + 20, pkt->required_min_echo_rx_us);
	if (pkt->auth_present) {
		buf[BFD_PKT_LEN] = pkt->auth_type;
		buf[BFD_PKT_LEN + 1] = BFD_AUTH_SHA1_LEN;
		buf[BFD_PKT_LEN + 2] = pkt->auth_key_id;
		buf[BFD_PKT_LEN + 3] = 0;
		be_put32(buf + BFD_PKT_LEN + 4, pkt->auth_seq);
		memcpy(buf + BFD_AUTH_HASH_OFFSET, pkt->auth_hash,
		    BFD_AUTH_HASH_LEN);
	}
	return (int)len;
}
