/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nl_route - routes, policy rules and addresses with attributes (label,
 * scope, broadcast), through raw rtnetlink on the netlink's route socket,
 * so that a refusal comes back with the kernel's own words (extended ack)
 * for the log; and the promote_secondaries sysctl of an interface.
 *
 * Owns: building and sending one request, waiting for its answer.
 * Never does: decide what goes where, retry, or log: callers do.
 */
#ifndef VIPD_NL_ROUTE_H
#define VIPD_NL_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "os/nl.h"

/* The kernel's reason for a refusal: "Nexthop has invalid gateway". */
#define NETLINK_WHY_MAX 128

struct netlink_addr_attrs {
	const char *label;          /* NULL or "": none (IPv4 only) */
	int scope;                  /* RT_SCOPE_*, -1: the kernel's default */
	bool have_broadcast;        /* IPv4 only */
	struct addr broadcast;
};

struct netlink_route {
	struct addr dst;
	uint8_t dst_len;
	bool have_via;
	struct addr via;
	int ifindex;                /* 0: none */
	bool have_src;
	struct addr src;
	uint32_t table;
	uint32_t metric;
	int scope;                  /* RT_SCOPE_*, -1: as ip(8) chooses */
	uint8_t type;               /* RTN_UNICAST, RTN_BLACKHOLE, ... */
	uint8_t protocol;           /* RTPROT_*; 0: static (vipd's default) */
};

struct netlink_rule {
	int family;
	bool have_from, have_to;
	struct addr from, to;
	uint8_t from_len, to_len;
	const char *iif, *oif;      /* NULL or "": any */
	bool have_fwmark;
	uint32_t fwmark, fwmask;
	uint32_t table;
	bool have_priority;
	uint32_t priority;
};

/* Called by netlink_open() for nl->route: extended acks on. */
void netlink_route_sock_setup(struct netlink *nl);

/*
 * Add addr/prefix_len with attrs (NULL: none) to ifindex (IPv6 without
 * DAD, as netlink_addr_add). Returns 0, -EEXIST when there, or -errno with
 * the kernel's reason in why.
 */
int netlink_addr_add_attrs(struct netlink *nl, int ifindex,
			   const struct addr *addr, uint8_t prefix_len,
			   const struct netlink_addr_attrs *attrs,
			   char *why, size_t why_len);

/* 0, -EEXIST (the same route is there), or -errno with why. */
int netlink_route_add(struct netlink *nl, const struct netlink_route *r,
		      char *why, size_t why_len);
/* 0, -ESRCH when absent, or -errno with why. */
int netlink_route_del(struct netlink *nl, const struct netlink_route *r,
		      char *why, size_t why_len);
/* Add r or replace the route of its table, destination and metric. */
int netlink_route_replace(struct netlink *nl, const struct netlink_route *r,
			  char *why, size_t why_len);

/*
 * Every route of family (AF_INET, AF_INET6) and routing protocol proto in
 * every table, one call of fn each (r->protocol set; fn must not send
 * netlink requests: collect, then act). Multipath routes come with their
 * first hop only. The kernel filters by protocol when it can (strict
 * checking, Linux 5.3); the rest are filtered here. Returns 0 or -errno.
 */
int netlink_route_dump(struct netlink *nl, int family, uint8_t proto,
		       void (*fn)(void *arg, const struct netlink_route *r),
		       void *arg);

/*
 * A route message (RTM_NEWROUTE, RTM_DELROUTE, IPv4 or IPv6) into r, as
 * netlink_route_dump() gives it. False for anything else.
 */
struct nlmsghdr;
bool netlink_route_parse(const struct nlmsghdr *h, struct netlink_route *r);

/* 0, -EEXIST (the same rule is there), or -errno with why. */
int netlink_rule_add(struct netlink *nl, const struct netlink_rule *r,
		     char *why, size_t why_len);
/* 0, -ENOENT when absent, or -errno with why. */
int netlink_rule_del(struct netlink *nl, const struct netlink_rule *r,
		     char *why, size_t why_len);

/*
 * net.ipv4.conf.IFNAME.promote_secondaries = 1: removing a primary IPv4
 * address (a VIP that was first in its subnet) keeps the secondaries.
 * Returns 0 or -errno.
 */
int netlink_promote_secondaries(const char *ifname);

#endif
