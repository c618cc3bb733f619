/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * routes - the model's addresses, routes and rules (conf_route.h) put into
 * and taken out of the kernel through os/nl_route: names resolved to
 * interface indexes at the moment of the call (a device that is missing is
 * a run-time refusal, said in why), the kernel's reason returned as text.
 * Used by the instances (virtual_routes, virtual_rules, VIP attributes)
 * and by the daemon's static_* keeper.
 *
 * Never does: keep state, retry or log: callers do.
 */
#ifndef VIPD_ROUTES_H
#define VIPD_ROUTES_H

#include <stddef.h>

#include "conf/conf_route.h"
#include "os/nl.h"
#include "os/nl_route.h"

/*
 * Add vip on vip->dev, else on ifindex (the instance's interface, or its
 * VMAC); IPv4 ones turn promote_secondaries on for the interface.
 * 0, -EEXIST when already there, or -errno with why.
 */
int routes_addr_add(struct netlink *nl, const struct conf_vip *vip,
		    int ifindex, char *why, size_t why_len);
/* 0, -EADDRNOTAVAIL or -ENODEV when absent, or -errno with why. */
int routes_addr_del(struct netlink *nl, const struct conf_vip *vip,
		    int ifindex, char *why, size_t why_len);

/* 0, -EEXIST (already there), or -errno (-ENODEV: no such dev) with why. */
int routes_route_add(struct netlink *nl, const struct conf_route *r,
		     char *why, size_t why_len);
int routes_route_del(struct netlink *nl, const struct conf_route *r,
		     char *why, size_t why_len);
int routes_rule_add(struct netlink *nl, const struct conf_rule *r,
		    char *why, size_t why_len);
int routes_rule_del(struct netlink *nl, const struct conf_rule *r,
		    char *why, size_t why_len);

#endif
