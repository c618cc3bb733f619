/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_dns - the DNS messages of a dns check (RFC 1035 4.1): the query
 * for one name and type, and the judgement of the answer: ours (same id,
 * a response, one question), its rcode, and, when an address is expected,
 * whether an A or AAAA record of the answer section holds it.
 *
 * Owns: nothing. Never does: open a socket, allocate, read past len (a
 * name's compression pointers are followed only forward-bounded, at most
 * CHECK_DNS_HOPS of them). Pure; fuzzed by tests/fuzz/fuzz_dns_answer.c.
 */
#ifndef VIPD_CHECK_DNS_H
#define VIPD_CHECK_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define CHECK_DNS_QUERY_MAX 272   /* header, a 255-byte name, type, class */
#define CHECK_DNS_HOPS 16         /* compression pointers per name */
#define CHECK_DNS_ANSWER_MAX 1232 /* what a check reads (EDNS's safe size) */

/*
 * The query (id, RD set, class IN) for name ("." or "a.b.c", a final dot
 * allowed) and qtype into buf (cap bytes). Returns its length, or -EINVAL
 * (a label longer than 63, a name longer than 255, an empty label).
 */
int check_dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
    uint16_t qtype);

enum check_dns_verdict {
	CHECK_DNS_NOT_OURS = 0,   /* another id, or not a response: wait on */
	CHECK_DNS_OK,
	CHECK_DNS_FAIL,           /* why says why */
};

/* The rcode's name ("NOERROR", "NXDOMAIN"...) or "rcode N" into buf. */
const char *check_dns_rcode_name(unsigned rcode, char *buf, size_t len);

/*
 * Judge msg (len bytes) as the answer to the query with id and qtype.
 * Good: rcode NOERROR and, when expect is not NULL (an A or AAAA query),
 * an answer record of qtype whose address is expect.
 */
enum check_dns_verdict check_dns_answer(const uint8_t *msg, size_t len,
    uint16_t id, uint16_t qtype, const struct addr *expect, char *why,
    size_t why_len);

#endif
