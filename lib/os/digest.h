/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * digest - the message digests and keyed MACs vipd's protocols use, from
 * OpenSSL's libcrypto: HMAC-MD5-96 (VRRPv2 AH), HMAC-SHA256 (conn_sync),
 * SHA1 (BFD keyed SHA1), MD5 (HTTP body digests), and a comparison that
 * takes the same time wherever the inputs differ.
 *
 * The codecs stay pure by leaving signing and verifying to their callers,
 * which call this module. Never does: key files, key rotation, or any
 * protocol's framing.
 */
#ifndef VIPD_OS_DIGEST_H
#define VIPD_OS_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum digest_alg {
	DIGEST_MD5,        /* 16 bytes */
	DIGEST_SHA1,       /* 20 bytes */
	DIGEST_SHA256,     /* 32 bytes */
};

#define DIGEST_MAX_BYTES 32

/* Length in bytes of alg's digest. */
size_t digest_len(enum digest_alg alg);

/*
 * The digest of data, its first out_len bytes into out (out_len at most
 * digest_len(alg)). Returns 0, -EINVAL for a longer out_len, or -ENOTSUP
 * when libcrypto refuses the algorithm (a FIPS-only build without MD5).
 */
int digest_hash(enum digest_alg alg, const void *data, size_t len,
    uint8_t *out, size_t out_len);

/* RFC 2104 HMAC of data under key, truncated to out_len; as digest_hash. */
int digest_hmac(enum digest_alg alg, const void *key, size_t key_len,
    const void *data, size_t len, uint8_t *out, size_t out_len);

/*
 * A digest fed piece by piece (an HTTP body read as it comes, so that
 * only the digest state is kept): digest_stream_new returns an allocated
 * stream or NULL (no memory, or the algorithm refused); _final writes
 * out_len bytes (at most digest_len) and frees it; _free frees it unused.
 */
struct digest_stream;
struct digest_stream *digest_stream_new(enum digest_alg alg);
int digest_stream_update(struct digest_stream *s, const void *data,
    size_t len);
int digest_stream_final(struct digest_stream *s, uint8_t *out,
    size_t out_len);
void digest_stream_free(struct digest_stream *s);

/* a and b equal, in a time that does not depend on where they differ. */
bool digest_equal(const void *a, const void *b, size_t len);

/* Wipe secret bytes so that the compiler cannot drop the store. */
void digest_wipe(void *p, size_t len);

#endif
