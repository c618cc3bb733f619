/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_auth.c - SHA1 over BFD control packets (see bfd_auth.h).
 */
#include <errno.h>
#include <string.h>

#include "bfd/bfd_auth.h"
#include "os/digest.h"

/* The packet as hashed: the key, zero-padded, in place of the hash. */
static int
bfd_auth_hash(const uint8_t *pkt, const uint8_t *key, size_t key_len,
    uint8_t hash[BFD_AUTH_HASH_LEN])
{
	uint8_t copy[BFD_PKT_MAX_LEN];
	int rc;

	memcpy(copy, pkt, BFD_AUTH_HASH_OFFSET);
	memset(copy + BFD_AUTH_HASH_OFFSET, 0, BFD_AUTH_HASH_LEN);
	memcpy(copy + BFD_AUTH_HASH_OFFSET, key, key_len);
	rc = digest_hash(DIGEST_SHA1, copy, sizeof(copy), hash,
	    BFD_AUTH_HASH_LEN);
	/* The copy held the key. */
	digest_wipe(copy, sizeof(copy));
	return rc;
}

int
bfd_auth_sign(uint8_t *pkt, size_t len, const uint8_t *key, size_t key_len)
{
	uint8_t hash[BFD_AUTH_HASH_LEN];
	int rc;

	if (len != BFD_PKT_MAX_LEN || key_len == 0 || key_len > BFD_AUTH_KEY_MAX)
		return -EINVAL;
	if ((rc = bfd_auth_hash(pkt, key, key_len, hash)) < 0)
		return rc;
	memcpy(pkt + BFD_AUTH_HASH_OFFSET, hash, BFD_AUTH_HASH_LEN);
	return 0;
}

enum bfd_drop
bfd_auth_verify(const uint8_t *pkt, size_t len, const uint8_t *key,
    size_t key_len)
{
	uint8_t hash[BFD_AUTH_HASH_LEN];

	if (len != BFD_PKT_MAX_LEN)
		return BFD_DROP_LENGTH;
	if (key_len == 0 || key_len > BFD_AUTH_KEY_MAX ||
	    bfd_auth_hash(pkt, key, key_len, hash) < 0)
		return BFD_DROP_AUTH;
	if (!digest_equal(hash, pkt + BFD_AUTH_HASH_OFFSET, BFD_AUTH_HASH_LEN))
		return BFD_DROP_AUTH;
	return BFD_DROP_NONE;
}
