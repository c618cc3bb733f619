/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * peer_filter - global.peer_filter as nftables rules in table inet vipd.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

#include "vrrp/peer_filter.h"

struct pf_buf {
	char *p;
	size_t len, used;
	bool full;
};

static void __attribute__((format(printf, 2, 3)))
pf_add(struct pf_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->len - b->used)
		b->full = true;
	else
		b->used += (size_t)n;
}

/* The addresses of one family, comma-separated. */
static void
pf_elements(struct pf_buf *b, const struct addr *peers, size_t n,
    int family)
{
	char text[INET6_ADDRSTRLEN];
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		if (peers[i].family != family)
			continue;
		pf_add(b, "%s%s", first ? "" : ", ",
		    addr_str(&peers[i], text, sizeof(text)));
		first = false;
	}
}

int
peer_filter_build(const struct addr *peers, size_t n, char *buf,
    size_t len)
{
	static const char *const fam[2] = { "ipv4", "ipv6" };
	static const char *const saddr[2] = { "ip saddr", "ip6 saddr" };
	static const int af[2] = { AF_INET, AF_INET6 };
	struct pf_buf b = { buf, len, 0, false };

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	/* "add" first: create-if-missing, so flush and delete always apply. */
	pf_add(&b, "add chain " NFT_TABLE " peer_input { type filter hook input "
	    "priority -200; policy accept; }\n");
	for (int f = 0; f < 2; f++)
		pf_add(&b, "add set " NFT_TABLE " peer_v%c { type %s_addr; }\n",
		    f ? '6' : '4', fam[f]);
	if (n == 0) {
		pf_add(&b, "delete chain " NFT_TABLE " peer_input\n"
		    "delete set " NFT_TABLE " peer_v4\n"
		    "delete set " NFT_TABLE " peer_v6\n");
		return b.full ? -ENOSPC : (int)b.used;
	}
	pf_add(&b, "flush chain " NFT_TABLE " peer_input\n");
	for (int f = 0; f < 2; f++) {
		bool any = false;

		pf_add(&b, "flush set " NFT_TABLE " peer_v%c\n", f ? '6' : '4');
		for (size_t i = 0; i < n && !any; i++)
			any = peers[i].family == af[f];
		if (!any)
			continue;
		pf_add(&b, "add element " NFT_TABLE " peer_v%c { ", f ? '6' : '4');
		pf_elements(&b, peers, n, af[f]);
		pf_add(&b, " }\n");
	}
	/* l4proto, not nexthdr: in IPv6 it looks past extension headers. */
	for (int f = 0; f < 2; f++)
		pf_add(&b, "add rule " NFT_TABLE " peer_input meta nfproto %s "
		    "meta l4proto { 51, 112 } %s != @peer_v%c counter drop\n",
		    fam[f], saddr[f], f ? '6' : '4');
	return b.full ? -ENOSPC : (int)b.used;
}

int
peer_filter_apply(struct nft *nft, const struct conf_global *gl, char *err,
    size_t err_len)
{
	char batch[PEER_FILTER_BATCH_MAX];
	int n = peer_filter_build(gl->peer_filter, gl->npeer_filter, batch,
	    sizeof(batch));

	if (n < 0) {
		snprintf(err, err_len, "peer filter does not fit in one batch");
		return n;
	}
	return nft_apply(nft, batch, err, err_len);
}
