/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nl_neigh - neighbour table through routing netlink (see nl_neigh.h).
 */
#include <errno.h>
#include <string.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>

#include "os/nl_neigh.h"

/* States in which the kernel sends to the entry's MAC. */
#define NL_NEIGH_USABLE (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | \
	NUD_PERMANENT | NUD_NOARP)

static int
nl_neigh_errno(int nlerr)
{
	switch (-nlerr) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_INVAL:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static int
nl_neigh_valid(struct nl_msg *msg, void *arg)
{
	struct nl_neigh *nn = arg;
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	struct nlattr *dst, *ll;
	struct ndmsg *nd;
	struct addr a = { 0 };
	size_t alen;

	if ((hdr->nlmsg_type != RTM_NEWNEIGH &&
	    hdr->nlmsg_type != RTM_DELNEIGH) ||
	    !nlmsg_valid_hdr(hdr, sizeof(*nd)))
		return NL_OK;
	nd = nlmsg_data(hdr);
	if (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6)
		return NL_OK;
	alen = nd->ndm_family == AF_INET ? 4 : 16;
	dst = nlmsg_find_attr(hdr, sizeof(*nd), NDA_DST);
	if (dst == NULL || (size_t)nla_len(dst) != alen)
		return NL_OK;
	a.family = nd->ndm_family;
	memcpy(a.bytes, nla_data(dst), alen);
	ll = nlmsg_find_attr(hdr, sizeof(*nd), NDA_LLADDR);
	nn->cb(nn->arg, nd->ndm_ifindex, &a,
	    hdr->nlmsg_type == RTM_NEWNEIGH && (nd->ndm_state & NL_NEIGH_USABLE) &&
	    ll != NULL && nla_len(ll) == 6 ? nla_data(ll) : NULL);
	return NL_OK;
}

int
nl_neigh_open(struct nl_neigh *nn, nl_neigh_cb cb, void *arg)
{
	int err;

	memset(nn, 0, sizeof(*nn));
	nn->cb = cb;
	nn->arg = arg;
	nn->req = nl_socket_alloc();
	nn->events = nl_socket_alloc();
	if (nn->req == NULL || nn->events == NULL) {
		nl_neigh_close(nn);
		return -ENOMEM;
	}
	nl_socket_modify_cb(nn->req, NL_CB_VALID, NL_CB_CUSTOM, nl_neigh_valid,
	    nn);
	nl_socket_disable_seq_check(nn->events);
	nl_socket_modify_cb(nn->events, NL_CB_VALID, NL_CB_CUSTOM,
	    nl_neigh_valid, nn);
	if ((err = nl_connect(nn->req, NETLINK_ROUTE)) < 0 ||
	    (err = nl_connect(nn->events, NETLINK_ROUTE)) < 0 ||
	    (err = nl_socket_add_memberships(nn->events, RTNLGRP_NEIGH, 0)) < 0 ||
	    (err = nl_socket_set_nonblocking(nn->events)) < 0) {
		nl_neigh_close(nn);
		return nl_neigh_errno(err);
	}
	/* Busy LANs change many entries: keep room for bursts. */
	nl_socket_set_buffer_size(nn->events, 1 << 20, 0);
	return 0;
}

void
nl_neigh_close(struct nl_neigh *nn)
{
	if (nn->events != NULL)
		nl_socket_free(nn->events);
	if (nn->req != NULL)
		nl_socket_free(nn->req);
	nn->events = nn->req = NULL;
}

int
nl_neigh_fd(const struct nl_neigh *nn)
{
	return nl_socket_get_fd(nn->events);
}

int
nl_neigh_read(struct nl_neigh *nn)
{
	int err;

	for (;;) {
		err = nl_recvmsgs_default(nn->events);
		if (err >= 0)
			continue;
		if (err == -NLE_AGAIN)
			return 0;
		if (err == -NLE_NOMEM || err == -NLE_MSG_OVERFLOW) {
			nn->overrun = true;
			return 0;
		}
		return nl_neigh_errno(err);
	}
}

int
nl_neigh_dump(struct nl_neigh *nn)
{
	struct ndmsg nd = { .ndm_family = AF_UNSPEC };
	int err;

	if ((err = nl_send_simple(nn->req, RTM_GETNEIGH, NLM_F_DUMP, &nd,
	    sizeof(nd))) < 0 || (err = nl_recvmsgs_default(nn->req)) < 0)
		return nl_neigh_errno(err);
	nn->overrun = false;
	return 0;
}

int
nl_neigh_use(struct nl_neigh *nn, int ifindex, const struct addr *addr)
{
	struct ndmsg nd = { .ndm_family = (uint8_t)addr->family,
	    .ndm_ifindex = ifindex, .ndm_state = NUD_NONE,
	    .ndm_flags = NTF_USE };
	struct nl_msg *msg;
	int err;

	if ((msg = nlmsg_alloc_simple(RTM_NEWNEIGH, NLM_F_CREATE |
	    NLM_F_REPLACE)) == NULL)
		return -ENOMEM;
	if (nlmsg_append(msg, &nd, sizeof(nd), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, NDA_DST, addr->family == AF_INET ? 4 : 16,
	    addr->bytes) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	err = nl_send_sync(nn->req, msg);     /* frees msg */
	return nl_neigh_errno(err);
}

/* Whether addr is in a prefix of ifindex's (own: is one of them). */
static int
addr_match(struct nl_neigh *nn, int ifindex, const struct addr *addr,
    bool own);

int
nl_neigh_on_link(struct nl_neigh *nn, int ifindex, const struct addr *addr)
{
	return addr_match(nn, ifindex, addr, false);
}

int
nl_neigh_is_local(struct nl_neigh *nn, int ifindex, const struct addr *addr)
{
	return addr_match(nn, ifindex, addr, true);
}

static int
addr_match(struct nl_neigh *nn, int ifindex, const struct addr *addr,
    bool own)
{
	struct nl_cache *cache;
	struct nl_object *obj;
	size_t alen = addr->family == AF_INET ? 4 : 16;
	int err, found = 0;

	if ((err = rtnl_addr_alloc_cache(nn->req, &cache)) < 0)
		return nl_neigh_errno(err);
	for (obj = nl_cache_get_first(cache); obj != NULL && !found;
	    obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)obj;
		struct nl_addr *local = rtnl_addr_get_local(ra);
		const uint8_t *l;
		unsigned plen, bits;

		if ((ifindex != 0 && rtnl_addr_get_ifindex(ra) != ifindex) ||
		    rtnl_addr_get_family(ra) != addr->family || local == NULL ||
		    nl_addr_get_len(local) != alen)
			continue;
		l = nl_addr_get_binary_addr(local);
		if (own) {
			found = memcmp(l, addr->bytes, alen) == 0;
			continue;
		}
		plen = (unsigned)rtnl_addr_get_prefixlen(ra);
		if (plen > alen * 8)
			continue;
		/* Same first plen bits: on that address's segment. */
		found = memcmp(l, addr->bytes, plen / 8) == 0;
		bits = plen % 8;
		if (found && bits != 0)
			found = ((l[plen / 8] ^ addr->bytes[plen / 8]) &
			    (0xff00u >> bits)) == 0;
		/* A /32 or /128 of the node's own is no segment. */
		if (plen == alen * 8)
			found = 0;
	}
	nl_cache_free(cache);
	return found;
}
