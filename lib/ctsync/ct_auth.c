/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_auth - the HMAC-SHA256 trailer of conn_sync datagrams (see ct_auth.h).
 */
#include <errno.h>

#include "ctsync/ct_auth.h"
#include "os/digest.h"

_Static_assert(CT_WIRE_HMAC_BYTES == 32, "the trailer is a whole SHA-256");

static int
mac(const struct ct_auth_key *key, const uint8_t *buf, size_t len,
    uint8_t out[CT_WIRE_HMAC_BYTES])
{
	if (key->len == 0 || key->len > CT_AUTH_KEY_MAX ||
	    len < CT_WIRE_HMAC_BYTES)
		return -EINVAL;
	return digest_hmac(DIGEST_SHA256, key->bytes, key->len, buf,
	    len - CT_WIRE_HMAC_BYTES, out, CT_WIRE_HMAC_BYTES);
}

int
ct_auth_sign(const struct ct_auth_key *key, uint8_t *buf, size_t len)
{
	return mac(key, buf, len, buf + len - CT_WIRE_HMAC_BYTES);
}

enum ct_drop
ct_auth_verify(const struct ct_auth_key *key, const uint8_t *buf, size_t len)
{
	uint8_t want[CT_WIRE_HMAC_BYTES];

	if (mac(key, buf, len, want) < 0 || !digest_equal(want,
	    buf + len - CT_WIRE_HMAC_BYTES, CT_WIRE_HMAC_BYTES))
		return CT_DROP_BAD_HMAC;
	return CT_DROP_NONE;
}
