/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nl - the kernel's routing netlink, through libnl: VIPs on and off
 * interfaces, link state and link events.
 *
 * Owns: two netlink sockets, one for requests (synchronous, answered by the
 * kernel at once) and one subscribed to link events (non-blocking, read from
 * the event loop). Functions are prefixed netlink_ so that they do not clash
 * with libnl's own nl_ names.
 * Never does: decide which addresses belong where; callers say.
 */
#ifndef VIPD_NL_H
#define VIPD_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct nl_sock;

/*
 * Called for each link event (new, changed or deleted link). Callers ask
 * the kernel for the link's state (netlink_link_get) rather than trust an
 * event that may be stale by the time it is read.
 */
typedef void (*netlink_link_cb)(void *arg, int ifindex, const char *ifname);

/*
 * Called for each address, route or rule deleted (RTM_DELADDR,
 * RTM_DELROUTE, RTM_DELRULE: type), once netlink_watch_deletions() asked.
 */
typedef void (*netlink_del_cb)(void *arg, int type);

/*
 * Called for each route added, changed or deleted (type RTM_NEWROUTE or
 * RTM_DELROUTE), with the route, once netlink_watch_routes() asked.
 */
struct netlink_route;
typedef void (*netlink_route_cb)(void *arg, int type,
				 const struct netlink_route *r);

struct netlink {
	struct nl_sock *req;
	struct nl_sock *events;
	struct nl_sock *route;      /* routes, rules, addresses with attributes
				       (nl_route.c), with the kernel's messages */
	netlink_link_cb on_link;
	void *arg;
	netlink_del_cb on_del;
	void *del_arg;
	netlink_route_cb on_route;
	void *route_arg;
	bool overrun;               /* events were lost: caller must re-query links */
};

/* Open both sockets. Returns 0 or -errno. */
int netlink_open(struct netlink *nl, netlink_link_cb on_link, void *arg);
void netlink_close(struct netlink *nl);

/* Descriptor of the event socket, for the event loop. */
int netlink_event_fd(const struct netlink *nl);

/* Read and dispatch pending link events. Returns 0 or -errno. */
int netlink_read_events(struct netlink *nl);

/* Link state: exists, administratively up and with carrier; MAC out (6 bytes). */
struct netlink_link_info {
	int ifindex;
	bool up;
	uint8_t mac[6];
};
int netlink_link_get(struct netlink *nl, const char *ifname,
		     struct netlink_link_info *out);

/*
 * Add addr/prefix_len to ifindex (IPv6: without duplicate address
 * detection, IFA_F_NODAD, so it serves at once). Returns 0, -EEXIST when
 * the address is already there, or another -errno.
 */
int netlink_addr_add(struct netlink *nl, int ifindex,
		     const struct addr *addr, uint8_t prefix_len);
/* Remove it. Returns 0, -EADDRNOTAVAIL when absent, or another -errno. */
int netlink_addr_del(struct netlink *nl, int ifindex,
		     const struct addr *addr, uint8_t prefix_len);

/*
 * The interface's primary address of the given family: the first
 * non-secondary one that is not in exclude[] (the instance's VIPs, which
 * can become primary in a subnet of their own). Returns 0 or -ENOENT.
 */
int netlink_primary_addr(struct netlink *nl, int ifindex, int family,
			 const struct addr *exclude, size_t nexclude,
			 struct addr *out);

/*
 * Every address of this network namespace's interfaces (IPv4 and IPv6,
 * loopback's too), at most max of them into out. Needs no struct netlink:
 * a one-shot dump. Returns how many there are (more than max: out holds
 * the first max), or -errno.
 */
int netlink_local_addrs(struct addr *out, size_t max);

/*
 * Create macvlan `name` on parent_ifindex with address mac, in bridge mode,
 * administratively down (the VMAC of an instance: its settings come first).
 * Returns 0, -EEXIST when a link of that name exists, or another -errno.
 */
int netlink_macvlan_add(struct netlink *nl, int parent_ifindex,
			const char *name, const uint8_t mac[6]);
/*
 * How many macvlans on parent_ifindex have a MAC starting with the 5 bytes
 * of prefix (other than skip_ifindex). Returns the count or -errno.
 */
int netlink_macvlan_count(struct netlink *nl, int parent_ifindex,
			  const uint8_t prefix[5], int skip_ifindex);

/* Set ifindex administratively up. Returns 0 or -errno. */
int netlink_link_set_up(struct netlink *nl, int ifindex);

/*
 * Delete link `name` if it is a macvlan. Returns 0, -ENODEV when there is
 * no such link, -EEXIST when it is something else (not ours to delete).
 */
int netlink_macvlan_del(struct netlink *nl, const char *name);

/*
 * Also deliver deletions of addresses, routes and rules (both families) to
 * cb: a daemon that keeps things in place asks, others do not pay for the
 * route churn of a router. Returns 0 or -errno.
 */
int netlink_watch_deletions(struct netlink *nl, netlink_del_cb cb, void *arg);

/*
 * Also deliver every route event (both families, with the route) to cb:
 * for the few routes a daemon owns by protocol number. Returns 0 or
 * -errno.
 */
int netlink_watch_routes(struct netlink *nl, netlink_route_cb cb, void *arg);

/* Text of a libnl error (the negative value libnl returned) or an errno. */
const char *netlink_strerror(int err);

#endif
