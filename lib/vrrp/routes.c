/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * routes - the model's addresses, routes and rules into the kernel (see
 * routes.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "vrrp/routes.h"

/* The ifindex of dev, or -ENODEV with why. */
static int
routes_ifindex(struct netlink *nl, const char *dev, char *why, size_t why_len)
{
	struct netlink_link_info li;
	int err;

	if ((err = netlink_link_get(nl, dev, &li)) < 0) {
		snprintf(why, why_len, "device %s %s", dev, err == -ENODEV ?
		    "does not exist" : netlink_strerror(err));
		return err == -ENODEV ? -ENODEV : err;
	}
	return li.ifindex;
}

static int
routes_addr_ifindex(struct netlink *nl, const struct conf_vip *vip,
    int ifindex, char *why, size_t why_len)
{
	if (vip->dev[0] != '\0')
		return routes_ifindex(nl, vip->dev, why, why_len);
	if (ifindex <= 0) {
		snprintf(why, why_len, "the interface does not exist");
		return -ENODEV;
	}
	return ifindex;
}

int
routes_addr_add(struct netlink *nl, const struct conf_vip *vip, int ifindex,
    char *why, size_t why_len)
{
	struct netlink_addr_attrs at = { .label = vip->label,
	    .scope = vip->scope, .have_broadcast = vip->have_broadcast,
	    .broadcast = vip->broadcast };
	int idx = routes_addr_ifindex(nl, vip, ifindex, why, why_len);

	if (idx < 0)
		return idx;
	/*
	 * Kernel default: removing a primary IPv4 address removes its
	 * secondaries too; a VIP that went in first would take the other
	 * addresses of its subnet with it when it leaves.
	 */
	if (vip->addr.family == AF_INET) {
		char name[32];

		if (vip->dev[0] != '\0')
			snprintf(name, sizeof(name), "%s", vip->dev);
		else if (if_indextoname((unsigned)idx, name) == NULL)
			name[0] = '\0';
		if (name[0] != '\0')
			(void)netlink_promote_secondaries(name);
	}
	return netlink_addr_add_attrs(nl, idx, &vip->addr, vip->prefix_len, &at,
	    why, why_len);
}

int
routes_addr_del(struct netlink *nl, const struct conf_vip *vip, int ifindex,
    char *why, size_t why_len)
{
	int idx = routes_addr_ifindex(nl, vip, ifindex, why, why_len), err;

	if (idx < 0)
		return idx;
	err = netlink_addr_del(nl, idx, &vip->addr, vip->prefix_len);
	if (err < 0)
		snprintf(why, why_len, "%s", netlink_strerror(err));
	return err;
}

static const uint8_t rtn_of[] = {
	[CONF_ROUTE_UNICAST] = RTN_UNICAST,
	[CONF_ROUTE_BLACKHOLE] = RTN_BLACKHOLE,
	[CONF_ROUTE_UNREACHABLE] = RTN_UNREACHABLE,
	[CONF_ROUTE_PROHIBIT] = RTN_PROHIBIT,
};

static int
routes_build(struct netlink *nl, const struct conf_route *r,
    struct netlink_route *out, char *why, size_t why_len)
{
	memset(out, 0, sizeof(*out));
	out->dst = r->dst;
	out->dst_len = r->dst_len;
	out->have_via = r->have_via;
	out->via = r->via;
	out->have_src = r->have_src;
	out->src = r->src;
	out->table = r->table;
	out->metric = r->metric;
	out->scope = r->scope;
	out->type = rtn_of[r->type];
	if (r->dev[0] != '\0' &&
	    (out->ifindex = routes_ifindex(nl, r->dev, why, why_len)) < 0)
		return out->ifindex;
	return 0;
}

int
routes_route_add(struct netlink *nl, const struct conf_route *r, char *why,
    size_t why_len)
{
	struct netlink_route nr;
	int err;

	if ((err = routes_build(nl, r, &nr, why, why_len)) < 0)
		return err;
	return netlink_route_add(nl, &nr, why, why_len);
}

int
routes_route_del(struct netlink *nl, const struct conf_route *r, char *why,
    size_t why_len)
{
	struct netlink_route nr;
	int err;

	if ((err = routes_build(nl, r, &nr, why, why_len)) < 0)
		return err;
	return netlink_route_del(nl, &nr, why, why_len);
}

static void
rules_build(const struct conf_rule *r, struct netlink_rule *out)
{
	memset(out, 0, sizeof(*out));
	out->family = r->family;
	out->have_from = r->have_from;
	out->have_to = r->have_to;
	out->from = r->from;
	out->to = r->to;
	out->from_len = r->from_len;
	out->to_len = r->to_len;
	out->iif = r->iif;
	out->oif = r->oif;
	out->have_fwmark = r->have_fwmark;
	out->fwmark = r->fwmark;
	out->fwmask = r->fwmask;
	out->table = r->table;
	out->have_priority = r->have_priority;
	out->priority = r->priority;
}

int
routes_rule_add(struct netlink *nl, const struct conf_rule *r, char *why,
    size_t why_len)
{
	struct netlink_rule nr;

	rules_build(r, &nr);
	return netlink_rule_add(nl, &nr, why, why_len);
}

int
routes_rule_del(struct netlink *nl, const struct conf_rule *r, char *why,
    size_t why_len)
{
	struct netlink_rule nr;

	rules_build(r, &nr);
	return netlink_rule_del(nl, &nr, why, why_len);
}
