/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_route - the model of the routes, policy rules and extra addresses
 * vipd puts in the kernel: an instance's virtual_routes and virtual_rules
 * (there while it is MASTER), the VIP attributes (dev, label, scope,
 * broadcast), and the global static_addresses, static_routes and
 * static_rules (there whatever the state). The words of the enums, the
 * equality the reload diff uses and the one-line text logs print are pure
 * (conf_route_model.c); the libconfig loaders are conf_route.c.
 *
 * Owns: the structs and their rules (families agree, a prefix has no host
 * bits, a typed route has no next hop, a rule names a table).
 * Never does: check that a device exists (there is no kernel at config
 * test; a missing device is a run-time log line), or touch the kernel.
 */
#ifndef VIPD_CONF_ROUTE_H
#define VIPD_CONF_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define CONF_ROUTE_IFNAME_MAX 16        /* IFNAMSIZ */
#define CONF_ROUTES_MAX 256             /* per list: a bound for the file */
#define CONF_ROUTE_TABLE_MAIN 254u

/* Kernel scope numbers (rtnetlink.h RT_SCOPE_*); -1: the kernel's default. */
#define CONF_SCOPE_DEFAULT (-1)

enum conf_route_type {
	CONF_ROUTE_UNICAST = 0,         /* a next hop: via and/or dev */
	CONF_ROUTE_BLACKHOLE,
	CONF_ROUTE_UNREACHABLE,
	CONF_ROUTE_PROHIBIT,
};

/* One address vipd adds: a VIP (with its attributes) or a static one. */
struct conf_vip {
	struct addr addr;
	uint8_t prefix_len;                /* default the host length */
	char dev[CONF_ROUTE_IFNAME_MAX];   /* "": the instance's interface */
	char label[CONF_ROUTE_IFNAME_MAX]; /* IPv4 only; "": none */
	int scope;                         /* RT_SCOPE_*, CONF_SCOPE_DEFAULT */
	bool have_broadcast;               /* IPv4 only */
	struct addr broadcast;
	bool advertise;                    /* false: virtual_ipaddress_excluded */
};

struct conf_route {
	struct addr dst;
	uint8_t dst_len;
	bool have_via;
	struct addr via;
	char dev[CONF_ROUTE_IFNAME_MAX];   /* "": none (the via decides) */
	bool have_src;
	struct addr src;
	uint32_t table;                    /* default 254 (main) */
	uint32_t metric;                   /* default 0 */
	int scope;                         /* RT_SCOPE_*, CONF_SCOPE_DEFAULT */
	enum conf_route_type type;
	int line;
};

struct conf_rule {
	int family;                        /* of from/to; AF_INET when neither */
	bool have_from, have_to;
	struct addr from, to;
	uint8_t from_len, to_len;
	char iif[CONF_ROUTE_IFNAME_MAX];   /* "": any */
	char oif[CONF_ROUTE_IFNAME_MAX];
	bool have_fwmark;
	uint32_t fwmark, fwmask;           /* fwmask 0xffffffff unless given */
	uint32_t table;                    /* required, 1..2^32-1 */
	bool have_priority;
	uint32_t priority;                 /* else the kernel picks one */
	int line;
};

/* Global static_addresses, static_routes, static_rules (owned lists). */
struct conf_statics {
	size_t naddrs, nroutes, nrules;
	struct conf_vip *addrs;            /* dev required */
	struct conf_route *routes;
	struct conf_rule *rules;
};

enum conf_prefix_parse { CONF_PREFIX_OK, CONF_PREFIX_NOT_ADDR, CONF_PREFIX_BAD_LEN };
/* "A.B.C.D", "A.B.C.D/N" or the IPv6 forms; *len the host length if no /N. */
int conf_route_parse_prefix(const char *text, struct addr *a, uint8_t *len);

/* "global", "site", "link", "host", "nowhere" <-> RT_SCOPE_*. */
int conf_route_scope_parse(const char *word);        /* -1 unknown */
const char *conf_route_scope_name(int scope);        /* "default" for -1 */
extern const char *const conf_route_type_names[];    /* in enum order */
int conf_route_type_parse(const char *word);         /* -1 unknown */

/* True when addr/len has no bit set past len. */
bool conf_route_prefix_clean(const struct addr *a, uint8_t len);

bool conf_vip_equal(const struct conf_vip *a, const struct conf_vip *b);
bool conf_route_equal(const struct conf_route *a, const struct conf_route *b);
bool conf_rule_equal(const struct conf_rule *a, const struct conf_rule *b);

bool conf_statics_equal(const struct conf_statics *a,
    const struct conf_statics *b);

/* "10.9.0.0/16 via 10.0.0.254 dev eth1 table 100", as ip(8) says it. */
const char *conf_route_str(const struct conf_route *r, char *buf, size_t len);
const char *conf_rule_str(const struct conf_rule *r, char *buf, size_t len);

#endif
