/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_fill - test helper: create N established TCP conntrack entries in the
 * current network namespace, as the balancer would have them (client
 * CLIENT+k:port -> VIP:80, DNAT to BACKEND:8080, SEEN_REPLY and ASSURED,
 * timeout 600 s), with ct mark MARK (0x76697064 for the balancer's flows,
 * anything else for traffic sync must leave alone). Clients are CLIENT,
 * CLIENT+1, ... with 50 000 source ports each (10000..59999). ASSURED
 * entries are never early-dropped, so a table filled with them is full.
 * Prints "created N of M"; exits 0 when every entry was created (or
 * --upto-full: when the kernel refused one for a full table, ENOMEM).
 *
 *   ct_fill N MARK CLIENT VIP BACKEND [--upto-full]
 *
 * Built by tests/system/test_conn_sync.py (cc, libnetfilter_conntrack).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

static int
create(struct nfct_handle *h, uint32_t client, uint16_t port, uint32_t vip,
    uint32_t be, uint32_t mark)
{
	struct nf_conntrack *ct = nfct_new();
	int rc;

	if (ct == NULL)
		return -ENOMEM;
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
	nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, AF_INET);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_TCP);
	nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, IPPROTO_TCP);
	nfct_set_attr_u32(ct, ATTR_IPV4_SRC, client);
	nfct_set_attr_u32(ct, ATTR_IPV4_DST, vip);
	nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(port));
	nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(80));
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_SRC, vip);
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_DST, client);
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(80));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(port));
	nfct_set_attr_u32(ct, ATTR_DNAT_IPV4, be);
	nfct_set_attr_u16(ct, ATTR_DNAT_PORT, htons(8080));
	nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
	nfct_set_attr_u32(ct, ATTR_TIMEOUT, 600);
	nfct_set_attr_u32(ct, ATTR_MARK, mark);
	nfct_set_attr_u32(ct, ATTR_STATUS, IPS_SEEN_REPLY | IPS_ASSURED);
	rc = nfct_query(h, NFCT_Q_CREATE, ct) == 0 ? 0 : -errno;
	nfct_destroy(ct);
	return rc;
}

int
main(int argc, char **argv)
{
	struct in_addr client, vip, be;
	struct nfct_handle *h;
	bool upto_full = argc == 7 && strcmp(argv[6], "--upto-full") == 0;
	long n, done = 0;
	uint32_t mark;
	int rc = 0;

	if ((argc != 6 && !upto_full) || (n = atol(argv[1])) <= 0 ||
	    !inet_aton(argv[3], &client) || !inet_aton(argv[4], &vip) ||
	    !inet_aton(argv[5], &be)) {
		fprintf(stderr, "usage: ct_fill N MARK CLIENT VIP BACKEND "
		    "[--upto-full]\n");
		return 2;
	}
	mark = (uint32_t)strtoul(argv[2], NULL, 0);
	if ((h = nfct_open(CONNTRACK, 0)) == NULL) {
		perror("nfct_open");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		uint32_t c = htonl(ntohl(client.s_addr) + (uint32_t)(i / 50000));

		rc = create(h, c, (uint16_t)(10000 + i % 50000), vip.s_addr,
		    be.s_addr, mark);
		if (rc == 0)
			done++;
		else if (rc != -EEXIST)
			break;
	}
	printf("created %ld of %ld\n", done, n);
	nfct_close(h);
	if (rc < 0 && rc != -EEXIST) {
		fprintf(stderr, "ct_fill: %s\n", strerror(-rc));
		return upto_full && rc == -ENOMEM ? 0 : 1;
	}
	return upto_full ? 1 : 0;
}
