/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * digest - digests and HMACs through libcrypto (see digest.h).
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "os/digest.h"

static const EVP_MD *
digest_md(enum digest_alg alg)
{
	switch (alg) {
	case DIGEST_MD5:
		return EVP_md5();
	case DIGEST_SHA1:
		return EVP_sha1();
	case DIGEST_SHA256:
		return EVP_sha256();
	}
	return NULL;
}

size_t
digest_len(enum digest_alg alg)
{
	switch (alg) {
	case DIGEST_MD5:
		return 16;
	case DIGEST_SHA1:
		return 20;
	case DIGEST_SHA256:
		return 32;
	}
	return 0;
}

int
digest_hash(enum digest_alg alg, const void *data, size_t len, uint8_t *out,
    size_t out_len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	const EVP_MD *type = digest_md(alg);

	if (out_len > digest_len(alg))
		return -EINVAL;
	if (type == NULL || EVP_Digest(data, len, md, &md_len, type, NULL) != 1 ||
	    md_len < out_len)
		return -ENOTSUP;
	memcpy(out, md, out_len);
	return 0;
}

int
digest_hmac(enum digest_alg alg, const void *key, size_t key_len,
    const void *data, size_t len, uint8_t *out, size_t out_len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	const EVP_MD *type = digest_md(alg);

	if (out_len > digest_len(alg) || key_len > (size_t)__INT_MAX__)
		return -EINVAL;
	if (type == NULL || HMAC(type, key, (int)key_len, data, len, md,
	    &md_len) == NULL || md_len < out_len)
		return -ENOTSUP;
	memcpy(out, md, out_len);
	/* The untruncated MAC would help a forger guess the cut bytes. */
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

bool
digest_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void
digest_wipe(void *p, size_t len)
{
	OPENSSL_cleanse(p, len);
}

/* The stream is libcrypto's EVP_MD_CTX itself. */
struct digest_stream *
digest_stream_new(enum digest_alg alg)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const EVP_MD *type = digest_md(alg);

	if (ctx == NULL || type == NULL || EVP_DigestInit_ex(ctx, type,
	    NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return (struct digest_stream *)ctx;
}

int
digest_stream_update(struct digest_stream *s, const void *data, size_t len)
{
	return EVP_DigestUpdate((EVP_MD_CTX *)s, data, len) == 1 ? 0 :
	    -ENOTSUP;
}

int
digest_stream_final(struct digest_stream *s, uint8_t *out, size_t out_len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	int rc = EVP_DigestFinal_ex((EVP_MD_CTX *)s, md, &md_len) == 1 &&
	    md_len >= out_len ? 0 : -ENOTSUP;

	if (rc == 0)
		memcpy(out, md, out_len);
	EVP_MD_CTX_free((EVP_MD_CTX *)s);
	return rc;
}

void
digest_stream_free(struct digest_stream *s)
{
	EVP_MD_CTX_free((EVP_MD_CTX *)s);
}
