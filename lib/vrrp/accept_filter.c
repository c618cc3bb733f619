/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * accept_filter - the accept-mode drop rules (see accept_filter.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>

#include "vrrp/accept_filter.h"

/* Append to out at *pos; false once the text no longer fits. */
static bool
af_append(char *out, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(out + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *pos) {
		*pos = len;
		return false;
	}
	*pos += (size_t)n;
	return true;
}

int
accept_filter_build(char *out, size_t len)
{
	size_t pos = 0;

	/*
	 * In the input hook after conntrack and the balancer's DNAT
	 * (prerouting), so a balanced flow whose destination was the VIP is
	 * no longer addressed to it here, as RFC 5798 intends (the Master
	 * forwards, it does not accept); and after the balancer's lb_input,
	 * so that a service below quorum refuses rather than drops (nft.h).
	 */
	af_append(out, len, &pos,
	    "add set " NFT_TABLE " " ACCEPT_FILTER_SET4 " { type ipv4_addr; }\n"
	    "add set " NFT_TABLE " " ACCEPT_FILTER_SET6 " { type ipv6_addr; }\n"
	    "add chain " NFT_TABLE " " ACCEPT_FILTER_CHAIN
	    " { type filter hook input priority " NFT_PRIO_ACCEPT_FILTER
	    "; policy accept; }\n"
	    "add rule " NFT_TABLE " " ACCEPT_FILTER_CHAIN " ip6 daddr @"
	    ACCEPT_FILTER_SET6 " icmpv6 type { nd-neighbor-solicit, "
	    "nd-neighbor-advert } accept\n"
	    "add rule " NFT_TABLE " " ACCEPT_FILTER_CHAIN " ip daddr @"
	    ACCEPT_FILTER_SET4 " counter drop\n");
	if (!af_append(out, len, &pos,
	    "add rule " NFT_TABLE " " ACCEPT_FILTER_CHAIN " ip6 daddr @"
	    ACCEPT_FILTER_SET6 " counter drop\n"))
		return -ENOSPC;
	return (int)pos;
}

/*
 * The i-th address the instance carries while MASTER: its VIPs, then those
 * with advertise = false, which RFC 5798 6.4.3 covers as much (keepalived
 * filters virtual_ipaddress_excluded the same way).
 */
static const struct addr *
af_carried(const struct conf_instance *conf, size_t i)
{
	return i < conf->nvips ? &conf->vips[i].addr :
	    &conf->excluded[i - conf->nvips].addr;
}

/* One "add/delete element" line for the addresses of family; true if it fits. */
static bool
af_elements_family(const struct conf_instance *conf, bool add, int family,
    char *out, size_t len, size_t *pos)
{
	char text[INET6_ADDRSTRLEN];
	bool first = true;

	for (size_t i = 0; i < conf->nvips + conf->nexcluded; i++) {
		const struct addr *a = af_carried(conf, i);

		if (a->family != family)
			continue;
		if (first && !af_append(out, len, pos, "%s element " NFT_TABLE
		    " %s { ", add ? "add" : "delete", family == AF_INET ?
		    ACCEPT_FILTER_SET4 : ACCEPT_FILTER_SET6))
			return false;
		if (!af_append(out, len, pos, "%s%s", first ? "" : ", ",
		    addr_str(a, text, sizeof(text))))
			return false;
		first = false;
	}
	return first || af_append(out, len, pos, " }\n");
}

int
accept_filter_elements(const struct conf_instance *conf, bool add, char *out,
    size_t len)
{
	size_t pos = 0;

	if (len > 0)
		out[0] = '\0';
	if (!af_elements_family(conf, add, AF_INET, out, len, &pos) ||
	    !af_elements_family(conf, add, AF_INET6, out, len, &pos))
		return -ENOSPC;
	return (int)pos;
}

int
accept_filter_setup(struct nft *nft, char *err, size_t err_len)
{
	char batch[1024];

	if (accept_filter_build(batch, sizeof(batch)) < 0)
		return -ENOSPC;
	return nft_apply(nft, batch, err, err_len);
}

int
accept_filter_set(struct nft *nft, const struct conf_instance *conf, bool drop,
    char *err, size_t err_len)
{
	char batch[ACCEPT_FILTER_BATCH_MAX];
	int n = accept_filter_elements(conf, drop, batch, sizeof(batch));

	if (n < 0) {
		snprintf(err, err_len, "too many addresses for one batch");
		return n;
	}
	if (n == 0)
		return 0;
	return nft_apply(nft, batch, err, err_len);
}
