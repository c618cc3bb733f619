/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nl - libnl glue for addresses and links.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>

#include "os/nl.h"
#include "os/nl_route.h"

/* libnl returns its own negative codes; map the ones callers act on. */
static int
netlink_errno(int nlerr)
{
	switch (-nlerr) {
	case 0:
		return 0;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_NOADDR:
	case NLE_OBJ_NOTFOUND:
		return -EADDRNOTAVAIL;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_INVAL:
		return -EINVAL;
	default:
		return -EIO;
	}
}

const char *
netlink_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}

static int
netlink_event_valid(struct nl_msg *msg, void *arg)
{
	struct netlink *nl = arg;
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	struct ifinfomsg *ifi;
	struct nlattr *name;
	char ifname[IFNAMSIZ] = "";
	struct netlink_route r;

	if ((hdr->nlmsg_type == RTM_NEWROUTE || hdr->nlmsg_type ==
	    RTM_DELROUTE) && nl->on_route != NULL &&
	    netlink_route_parse(hdr, &r))
		nl->on_route(nl->route_arg, hdr->nlmsg_type, &r);
	if (hdr->nlmsg_type == RTM_DELADDR || hdr->nlmsg_type == RTM_DELROUTE ||
	    hdr->nlmsg_type == RTM_DELRULE) {
		if (nl->on_del != NULL)
			nl->on_del(nl->del_arg, hdr->nlmsg_type);
		return NL_OK;
	}
	if (hdr->nlmsg_type != RTM_NEWLINK && hdr->nlmsg_type != RTM_DELLINK)
		return NL_OK;
	if (!nlmsg_valid_hdr(hdr, sizeof(*ifi)))
		return NL_OK;
	ifi = nlmsg_data(hdr);
	name = nlmsg_find_attr(hdr, sizeof(*ifi), IFLA_IFNAME);
	if (name != NULL)
		nla_strlcpy(ifname, name, sizeof(ifname));
	nl->on_link(nl->arg, ifi->ifi_index, ifname);
	return NL_OK;
}

int
netlink_open(struct netlink *nl, netlink_link_cb on_link, void *arg)
{
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->on_link = on_link;
	nl->arg = arg;
	nl->req = nl_socket_alloc();
	nl->events = nl_socket_alloc();
	nl->route = nl_socket_alloc();
	if (nl->req == NULL || nl->events == NULL || nl->route == NULL) {
		netlink_close(nl);
		return -ENOMEM;
	}
	if ((err = nl_connect(nl->req, NETLINK_ROUTE)) < 0 ||
	    (err = nl_connect(nl->route, NETLINK_ROUTE)) < 0)
		goto fail;
	netlink_route_sock_setup(nl);
	nl_socket_disable_seq_check(nl->events);
	nl_socket_modify_cb(nl->events, NL_CB_VALID, NL_CB_CUSTOM,
	    netlink_event_valid, nl);
	if ((err = nl_connect(nl->events, NETLINK_ROUTE)) < 0 ||
	    (err = nl_socket_add_memberships(nl->events, RTNLGRP_LINK, 0)) < 0 ||
	    (err = nl_socket_set_nonblocking(nl->events)) < 0)
		goto fail;
	/* A burst of link events must not be lost to a small buffer. */
	nl_socket_set_buffer_size(nl->events, 1 << 20, 0);
	return 0;
fail:
	netlink_close(nl);
	return netlink_errno(err);
}

int
netlink_watch_deletions(struct netlink *nl, netlink_del_cb cb, void *arg)
{
	int err;

	nl->on_del = cb;
	nl->del_arg = arg;
	err = nl_socket_add_memberships(nl->events, RTNLGRP_IPV4_IFADDR,
	    RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
	    RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE, 0);
	return netlink_errno(err);
}

int
netlink_watch_routes(struct netlink *nl, netlink_route_cb cb, void *arg)
{
	int err;

	nl->on_route = cb;
	nl->route_arg = arg;
	err = nl_socket_add_memberships(nl->events, RTNLGRP_IPV4_ROUTE,
	    RTNLGRP_IPV6_ROUTE, 0);
	return netlink_errno(err);
}

void
netlink_close(struct netlink *nl)
{
	if (nl->events != NULL)
		nl_socket_free(nl->events);
	if (nl->req != NULL)
		nl_socket_free(nl->req);
	if (nl->route != NULL)
		nl_socket_free(nl->route);
	nl->events = nl->req = nl->route = NULL;
}

int
netlink_event_fd(const struct netlink *nl)
{
	return nl_socket_get_fd(nl->events);
}

int
netlink_read_events(struct netlink *nl)
{
	int err;

	for (;;) {
		err = nl_recvmsgs_default(nl->events);
		if (err >= 0)
			continue;
		if (err == -NLE_AGAIN)
			return 0;
		/* ENOBUFS: the kernel dropped events; the caller re-reads links. */
		if (err == -NLE_NOMEM || err == -NLE_MSG_OVERFLOW) {
			nl->overrun = true;
			return 0;
		}
		return netlink_errno(err);
	}
}

int
netlink_link_get(struct netlink *nl, const char *ifname,
    struct netlink_link_info *out)
{
	struct rtnl_link *link = NULL;
	struct nl_addr *lladdr;
	unsigned flags;
	int err;

	memset(out, 0, sizeof(*out));
	err = rtnl_link_get_kernel(nl->req, 0, ifname, &link);
	if (err < 0)
		return err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV ?
		    -ENODEV : netlink_errno(err);
	out->ifindex = rtnl_link_get_ifindex(link);
	flags = rtnl_link_get_flags(link);
	out->up = (flags & IFF_UP) && (flags & IFF_RUNNING);
	lladdr = rtnl_link_get_addr(link);
	if (lladdr != NULL && nl_addr_get_len(lladdr) == 6)
		memcpy(out->mac, nl_addr_get_binary_addr(lladdr), 6);
	rtnl_link_put(link);
	return 0;
}

static struct rtnl_addr *
netlink_addr_build(int ifindex, const struct addr *addr, uint8_t prefix_len)
{
	struct rtnl_addr *ra;
	struct nl_addr *local;

	ra = rtnl_addr_alloc();
	local = nl_addr_build(addr->family, addr->bytes,
	    addr->family == AF_INET ? 4 : 16);
	if (ra == NULL || local == NULL) {
		if (ra != NULL)
			rtnl_addr_put(ra);
		if (local != NULL)
			nl_addr_put(local);
		return NULL;
	}
	nl_addr_set_prefixlen(local, prefix_len);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, addr->family);
	rtnl_addr_set_local(ra, local);
	rtnl_addr_set_prefixlen(ra, prefix_len);
	nl_addr_put(local);
	return ra;
}

int
netlink_addr_add(struct netlink *nl, int ifindex, const struct addr *addr,
    uint8_t prefix_len)
{
	struct rtnl_addr *ra;
	int err;

	if ((ra = netlink_addr_build(ifindex, addr, prefix_len)) == NULL)
		return -ENOMEM;
	/*
	 * A VIP must serve the moment we are master: duplicate address
	 * detection would hold an IPv6 one tentative for a second or more,
	 * and VRRP already decided who owns it.
	 */
	if (addr->family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	/* NLM_F_EXCL: an address already there is the caller's to know. */
	err = rtnl_addr_add(nl->req, ra, NLM_F_EXCL);
	rtnl_addr_put(ra);
	return netlink_errno(err);
}

int
netlink_addr_del(struct netlink *nl, int ifindex, const struct addr *addr,
    uint8_t prefix_len)
{
	struct rtnl_addr *ra;
	int err;

	if ((ra = netlink_addr_build(ifindex, addr, prefix_len)) == NULL)
		return -ENOMEM;
	err = rtnl_addr_delete(nl->req, ra, 0);
	rtnl_addr_put(ra);
	return netlink_errno(err);
}

static bool
netlink_addr_excluded(const struct addr *a, const struct addr *exclude,
    size_t nexclude)
{
	for (size_t i = 0; i < nexclude; i++)
		if (addr_cmp(a, &exclude[i]) == 0)
			return true;
	return false;
}

int
netlink_primary_addr(struct netlink *nl, int ifindex, int family,
    const struct addr *exclude, size_t nexclude, struct addr *out)
{
	struct nl_cache *cache;
	struct nl_object *obj;
	size_t alen = family == AF_INET ? 4 : 16;
	int err, found = -ENOENT;

	if ((err = rtnl_addr_alloc_cache(nl->req, &cache)) < 0)
		return netlink_errno(err);
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)obj;
		struct nl_addr *local = rtnl_addr_get_local(ra);
		struct addr cand = { .family = family };

		if (rtnl_addr_get_ifindex(ra) != ifindex ||
		    rtnl_addr_get_family(ra) != family || local == NULL ||
		    nl_addr_get_len(local) != alen ||
		    (rtnl_addr_get_flags(ra) & IFA_F_SECONDARY))
			continue;
		/* RFC 5798 5.1.1.2: IPv6 adverts come from the link-local address. */
		if (family == AF_INET6 && rtnl_addr_get_scope(ra) != RT_SCOPE_LINK)
			continue;
		memcpy(cand.bytes, nl_addr_get_binary_addr(local), alen);
		if (netlink_addr_excluded(&cand, exclude, nexclude))
			continue;
		*out = cand;
		found = 0;
		break;
	}
	nl_cache_free(cache);
	return found;
}

int
netlink_macvlan_add(struct netlink *nl, int parent_ifindex, const char *name,
    const uint8_t mac[6])
{
	struct rtnl_link *link;
	struct nl_addr *lladdr;
	int err;

	if ((link = rtnl_link_macvlan_alloc()) == NULL)
		return -ENOMEM;
	if ((lladdr = nl_addr_build(AF_LLC, mac, 6)) == NULL) {
		rtnl_link_put(link);
		return -ENOMEM;
	}
	rtnl_link_set_name(link, name);
	rtnl_link_set_link(link, parent_ifindex);
	rtnl_link_set_addr(link, lladdr);
	/* Down: the caller sets its sysctls before it can send anything. */
	/* Why bridge mode: see vmac.c. */
	rtnl_link_macvlan_set_mode(link, MACVLAN_MODE_BRIDGE);
	err = rtnl_link_add(nl->req, link, NLM_F_CREATE | NLM_F_EXCL);
	nl_addr_put(lladdr);
	rtnl_link_put(link);
	return netlink_errno(err);
}

int
netlink_link_set_up(struct netlink *nl, int ifindex)
{
	struct rtnl_link *link, *change;
	int err;

	link = rtnl_link_alloc();
	change = rtnl_link_alloc();
	if (link == NULL || change == NULL) {
		if (link != NULL)
			rtnl_link_put(link);
		if (change != NULL)
			rtnl_link_put(change);
		return -ENOMEM;
	}
	rtnl_link_set_ifindex(link, ifindex);
	rtnl_link_set_flags(change, IFF_UP);
	err = rtnl_link_change(nl->req, link, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(link);
	return netlink_errno(err);
}

int
netlink_macvlan_del(struct netlink *nl, const char *name)
{
	struct rtnl_link *link = NULL;
	const char *type;
	int err;

	err = rtnl_link_get_kernel(nl->req, 0, name, &link);
	if (err < 0)
		return err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV ?
		    -ENODEV : netlink_errno(err);
	type = rtnl_link_get_type(link);
	if (type == NULL || strcmp(type, "macvlan") != 0) {
		rtnl_link_put(link);
		return -EEXIST;
	}
	err = rtnl_link_delete(nl->req, link);
	rtnl_link_put(link);
	return netlink_errno(err);
}

int
netlink_macvlan_count(struct netlink *nl, int parent_ifindex,
    const uint8_t prefix[5], int skip_ifindex)
{
	struct nl_cache *cache;
	struct nl_object *obj;
	int err, n = 0;

	if ((err = rtnl_link_alloc_cache(nl->req, AF_UNSPEC, &cache)) < 0)
		return netlink_errno(err);
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_link *link = (struct rtnl_link *)obj;
		struct nl_addr *lladdr = rtnl_link_get_addr(link);
		const char *type = rtnl_link_get_type(link);

		if (rtnl_link_get_link(link) != parent_ifindex ||
		    rtnl_link_get_ifindex(link) == skip_ifindex ||
		    type == NULL || strcmp(type, "macvlan") != 0 ||
		    lladdr == NULL || nl_addr_get_len(lladdr) != 6 ||
		    memcmp(nl_addr_get_binary_addr(lladdr), prefix, 5) != 0)
			continue;
		n++;
	}
	nl_cache_free(cache);
	return n;
}

int
netlink_local_addrs(struct addr *out, size_t max)
{
	struct ifaddrs *list, *i;
	size_t n = 0;

	/* getifaddrs is glibc's RTM_GETADDR dump: one round trip. */
	if (getifaddrs(&list) < 0)
		return -errno;
	for (i = list; i != NULL; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;

		if (sa == NULL || (sa->sa_family != AF_INET &&
		    sa->sa_family != AF_INET6))
			continue;
		if (n < max) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].family = sa->sa_family;
			if (sa->sa_family == AF_INET)
				memcpy(out[n].bytes, &((const struct sockaddr_in *)
				    (const void *)sa)->sin_addr, 4);
			else
				memcpy(out[n].bytes, &((const struct sockaddr_in6 *)
				    (const void *)sa)->sin6_addr, 16);
		}
		n++;
	}
	freeifaddrs(list);
	return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
}
