/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_inject - bench helper: create N established TCP conntrack entries,
 * as the balancer would have them (client 10.9.x.y:port -> VIP:80, DNAT to
 * a backend:8080, ct mark 0x76697064), in the current network namespace,
 * as fast as ctnetlink takes them. Prints "created N in S s".
 *
 *   ct_inject N VIP BACKEND
 *
 * Built and run by tests/bench/sync.py; not part of vipd.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

int
main(int argc, char **argv)
{
	struct nfct_handle *h;
	struct timespec t0, t1;
	struct in_addr vip, be;
	long n, done = 0;

	if (argc != 4 || (n = atol(argv[1])) <= 0 || !inet_aton(argv[2], &vip) ||
	    !inet_aton(argv[3], &be)) {
		fprintf(stderr, "usage: ct_inject N VIP BACKEND\n");
		return 2;
	}
	if ((h = nfct_open(CONNTRACK, 0)) == NULL) {
		perror("nfct_open");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		struct nf_conntrack *ct = nfct_new();
		/* 50 000 ports per client address: 10.9.0.1, 10.9.0.2, ... */
		uint32_t client = htonl(0x0a090000u | (uint32_t)(i / 50000 + 1));
		uint16_t port = htons((uint16_t)(10000 + i % 50000));

		nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
		nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, AF_INET);
		nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_TCP);
		nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, IPPROTO_TCP);
		nfct_set_attr_u32(ct, ATTR_IPV4_SRC, client);
		nfct_set_attr_u32(ct, ATTR_IPV4_DST, vip.s_addr);
		nfct_set_attr_u16(ct, ATTR_PORT_SRC, port);
		nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(80));
		nfct_set_attr_u32(ct, ATTR_REPL_IPV4_SRC, vip.s_addr);
		nfct_set_attr_u32(ct, ATTR_REPL_IPV4_DST, client);
		nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(80));
		nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, port);
		nfct_set_attr_u32(ct, ATTR_DNAT_IPV4, be.s_addr);
		nfct_set_attr_u16(ct, ATTR_DNAT_PORT, htons(8080));
		nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
		nfct_set_attr_u32(ct, ATTR_TIMEOUT, 600);
		nfct_set_attr_u32(ct, ATTR_MARK, 0x76697064u);
		nfct_set_attr_u32(ct, ATTR_STATUS, IPS_SEEN_REPLY | IPS_ASSURED);
		if (nfct_query(h, NFCT_Q_CREATE, ct) == 0)
			done++;
		else if (errno != EEXIST)
			fprintf(stderr, "entry %ld: %s\n", i, strerror(errno));
		nfct_destroy(ct);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("created %ld in %.3f s\n", done, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	nfct_close(h);
	return 0;
}
