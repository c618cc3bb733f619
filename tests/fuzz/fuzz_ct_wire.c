/*
 * libFuzzer target for the sync datagram decoder: whatever reaches the sync
 * port goes through ct_wire_decode with the key the corpus was signed with
 * (the seeds in tests/fuzz/corpus/fuzz_ct_wire were made with 32 bytes of 'k'), so
 * that mutations of signed seeds reach past the HMAC only when the fuzzer
 * keeps the signature valid, and every input is also decoded as if its
 * HMAC were right (re-signed here) so that the body checks are reached.
 * A datagram that decodes must encode back to the same bytes, and feeding
 * its sequence number to a replay window must behave.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ct_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const uint8_t *buf, size_t size, const struct ct_wire_key *key)
{
	static struct ct_wire_msg msg;
	static struct ct_window w;
	uint8_t again[CT_WIRE_MAX_BYTES];
	struct ct_range gaps[8];
	bool fresh;
	int len;

	if (ct_wire_decode(buf, size, key, &msg) != CT_DROP_NONE)
		return;
	len = ct_wire_encode(&msg.hdr, msg.entries, msg.ranges, key, again,
	    sizeof(again));
	if (len != (int)size || memcmp(again, buf, size) != 0)
		__builtin_trap();
	if (ct_window_check(&w, msg.hdr.session, msg.hdr.seq, &fresh) ==
	    CT_DROP_NONE)
		ct_window_accept(&w, msg.hdr.session, msg.hdr.seq);
	(void)ct_window_gaps(&w, gaps, 8);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t copy[CT_WIRE_MAX_BYTES];
	struct ct_wire_key key = { .len = 32 };
	unsigned int md_len;

	memset(key.bytes, 'k', key.len);
	check(data, size, &key);
	if (size < CT_WIRE_HMAC_BYTES || size > sizeof(copy))
		return 0;
	memcpy(copy, data, size);
	HMAC(EVP_sha256(), key.bytes, (int)key.len, copy, size - CT_WIRE_HMAC_BYTES,
	    copy + size - CT_WIRE_HMAC_BYTES, &md_len);
	check(copy, size, &key);
	return 0;
}
