/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_auth - the trailer of a conn_sync datagram: HMAC-SHA256 under the
 * shared key over header and body (layout in lib/ctsync/ct_wire.h),
 * computed and compared through lib/os/digest.
 *
 * The pipeline around it: the sender encodes (ct_wire_encode) then signs
 * (ct_auth_sign); the receiver checks the framing (ct_wire_check), then
 * verifies (ct_auth_verify), and only then decodes (ct_wire_decode), so
 * that nothing of a datagram is used before its MAC checks out.
 * Never does: framing, key files (lib/conf/conf_conn_sync reads them).
 */
#ifndef VIPD_CT_AUTH_H
#define VIPD_CT_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "ctsync/ct_wire.h"

#define CT_AUTH_KEY_MIN 32          /* RFC 2104: not shorter than the hash */
#define CT_AUTH_KEY_MAX 256

struct ct_auth_key {
	uint8_t bytes[CT_AUTH_KEY_MAX];
	size_t len;
};

/*
 * Fill the trailer of the encoded datagram buf[0..len) (its last
 * CT_WIRE_HMAC_BYTES) with the MAC of the bytes before it. Returns 0,
 * -EINVAL (no key, or len shorter than a trailer) or the digest's error.
 */
int ct_auth_sign(const struct ct_auth_key *key, uint8_t *buf, size_t len);

/*
 * CT_DROP_NONE when the trailer of buf[0..len) (framing checked by
 * ct_wire_check) is the MAC of the bytes before it, compared in constant
 * time; CT_DROP_BAD_HMAC otherwise, also when no MAC can be computed.
 */
enum ct_drop ct_auth_verify(const struct ct_auth_key *key, const uint8_t *buf,
    size_t len);

#endif
