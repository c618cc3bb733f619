/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the dns check's answer parser: whatever a backend
 * (or anyone who can spoof its address) sends back to the check's socket
 * is judged for the id in its own first two bytes, for A and AAAA with
 * and without an expected address, and for MX. The parser must never
 * read past the datagram, and a verdict other than "not ours" always
 * names its reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lb/check_dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { 1, 28, 15 };
	struct addr a4 = { .family = AF_INET, .bytes = { 10, 1, 0, 11 } };
	struct addr a6 = { .family = AF_INET6, .bytes = { 0x20, 1, 0xd, 0xb8 } };
	/* A copy of exactly size bytes: ASan sees any read past it. */
	uint8_t *m = malloc(size > 0 ? size : 1);
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	char why[128];

	if (m == NULL)
		return 0;
	memcpy(m, data, size);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const struct addr *e = types[i] == 1 ? &a4 : types[i] == 28 ?
		    &a6 : NULL;

		why[0] = '\0';
		if (check_dns_answer(m, size, id, types[i], e, why,
		    sizeof(why)) != CHECK_DNS_NOT_OURS && why[0] == '\0')
			abort();
		why[0] = '\0';
		if (check_dns_answer(m, size, id, types[i], NULL, why,
		    sizeof(why)) != CHECK_DNS_NOT_OURS && why[0] == '\0')
			abort();
	}
	free(m);
	return 0;
}
