/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_vrrp - the vrrp_instances section: one group per virtual router
 * (RFC 5798), checked key by key, then the rules that span instances
 * (names, (interface, VRID) pairs, VIPs). Part of the conf module, see
 * conf_vrrp.h; the getters and key checks are conf_util's. VRRPv3 over
 * IPv4 or IPv6, VRRPv2 with keepalived's authentication over IPv4,
 * multicast or unicast (conf_unicast.c): keys and values of later
 * milestones are refused by name rather than ignored.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_keys.h"
#include "conf/conf_route_load.h"
#include "conf/conf_unicast.h"
#include "conf/conf_util.h"
#include "conf/conf_vmac.h"
#include "conf/conf_vrrp.h"
#include "base/addr.h"

const char *const conf_instance_keys[] = { "name", "interface", "vrid",
	"version", "priority", "advert_interval_ms", "preempt",
	"preempt_delay_ms", "accept_mode", "use_vmac", "vmac_name", "addresses", "garp",
	"authentication", "unicast_src", "unicast_peers", "track_interfaces",
	"track_scripts", "track_files", "notify", "virtual_routes",
	"virtual_rules", "check_advert_addresses", "notify_master_rx_lower_pri",
	"track_bfd", "master_down_bfd", "track_processes", NULL };
static const char *const instance_later[] = { NULL };
const char *const conf_garp_keys[] = { "delay_ms", "repeat",
	"interval_ms", "refresh_s", NULL };
const char *const conf_auth_keys[] = { "type", "secret", NULL };

/*
 * Where each accepted value came from, for the checks across instances and
 * their messages. A pointer is NULL when that value was refused: it has
 * been reported already, and comparing it would only add noise.
 */
struct inst_src {
	char where[CONF_WHERE_MAX];             /* "vrrp_instances[ext]" */
	const config_setting_t *name;
	const config_setting_t *vrid;           /* interface and vrid valid */
	const config_setting_t **vip;           /* parallel to vips[] (owned) */
};


/* ---- one instance -------------------------------------------------------- */

/* Linux dev_valid_name(): IFNAMSIZ, no '/', ':' or blanks, not . or .. */
static bool
valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_IFNAME_MAX || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return false;
	for (; *s != '\0'; s++)
		if (!isgraph((unsigned char)*s) || *s == '/' || *s == ':')
			return false;
	return true;
}

/*
 * This network (0/8), loopback (127/8), multicast and the reserved block
 * above it (224/3, broadcast included) cannot be owned by one router.
 */
static bool
usable_ipv4_vip(const struct addr *a)
{
	return a->bytes[0] != 0 && a->bytes[0] != 127 && a->bytes[0] < 224;
}

/* ::, ::1 and ff00::/8 cannot be owned by one router either. */
static bool
usable_ipv6_vip(const struct addr *a)
{
	static const uint8_t zero[15];

	return a->bytes[0] != 0xff && (memcmp(a->bytes, zero, 15) != 0 ||
	    a->bytes[15] > 1);
}

static const struct conf_vip *
has_vip(const struct conf_instance *in, const struct addr *addr)
{
	for (size_t i = 0; i < in->nvips; i++)
		if (addr_cmp(&in->vips[i].addr, addr) == 0)
			return &in->vips[i];
	for (size_t i = 0; i < in->nexcluded; i++)
		if (addr_cmp(&in->excluded[i].addr, addr) == 0)
			return &in->excluded[i];
	return NULL;
}

/*
 * One element of addresses; appended to in->vips (advertised) or
 * in->excluded (advertise = false) when it passes.
 */
static void
load_vip(struct conf_ctx *ctx, const config_setting_t *e, const char *ew,
    struct conf_instance *in, struct inst_src *src, int *family)
{
	struct conf_vip vip;
	const struct conf_vip *dup;
	const config_setting_t *t = config_setting_type(e) == CONFIG_TYPE_GROUP ?
	    config_setting_get_member(e, "address") : e;
	char a[INET6_ADDRSTRLEN], q[48];

	if (!conf_route_addr_load(ctx, e, ew, false, &vip))
		return;
	addr_str(&vip.addr, a, sizeof(a));
	conf_quote(config_setting_get_string(t), q, sizeof(q));
	/*
	 * RFC 5798 5.2.5: an advert carries the addresses of one family.
	 * Addresses in no advert (keepalived's virtual_ipaddress_excluded)
	 * may be of the other one: IPv4 and IPv6 move together.
	 */
	if (vip.advertise && *family != 0 && vip.addr.family != *family) {
		conf_error(ctx, e, "%s: '%s' is %s but the instance's first "
		    "address is %s: one family per instance (advertise = false "
		    "carries it unadvertised)", ew,
		    q, vip.addr.family == AF_INET ? "IPv4" : "IPv6",
		    *family == AF_INET ? "IPv4" : "IPv6");
		return;
	}
	if (vip.advertise)
		*family = vip.addr.family;
	/* RFC 3768 is VRRP for IPv4 only; IPv6 came with RFC 5798. */
	if (vip.advertise && vip.addr.family == AF_INET6 && in->version == 2) {
		conf_error(ctx, e, "%s: '%s' is IPv6, which needs version = 3 "
		    "(VRRPv2, RFC 3768, is IPv4 only)", ew, q);
		return;
	}
	if (vip.addr.family == AF_INET6 && !usable_ipv6_vip(&vip.addr)) {
		conf_error(ctx, e, "%s: %s cannot be a virtual address: it is "
		    "unspecified, loopback or multicast", ew, a);
		return;
	}
	if (vip.addr.family == AF_INET && !usable_ipv4_vip(&vip.addr)) {
		conf_error(ctx, e, "%s: %s cannot be a virtual address: it is "
		    "in 0.0.0.0/8, 127.0.0.0/8 or 224.0.0.0/3", ew, a);
		return;
	}
	if ((dup = has_vip(in, &vip.addr)) != NULL) {
		if (dup >= in->vips && dup < in->vips + in->nvips)
			conf_error(ctx, e, "%s: %s is already in the list "
			    "(addresses[%d])", ew, a,
			    config_setting_index(src->vip[dup - in->vips]));
		else
			conf_error(ctx, e, "%s: %s is already in the list (with "
			    "advertise = false)", ew, a);
		return;
	}
	if (!vip.advertise) {
		in->excluded[in->nexcluded++] = vip;
		return;
	}
	src->vip[in->nvips] = e;
	in->vips[in->nvips++] = vip;
}

static void
load_addresses(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_instance *in, struct inst_src *src)
{
	const config_setting_t *s;
	char ew[CONF_WHERE_MAX + 32];
	int n, family = 0;

	if ((s = config_setting_get_member(g, "addresses")) == NULL) {
		conf_error(ctx, g, "%s.addresses: missing (required)", where);
		return;
	}
	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    config_setting_type(s) != CONFIG_TYPE_ARRAY) {
		conf_error(ctx, s, "%s.addresses: expected a list ( ... ) of "
		    "strings", where);
		return;
	}
	if ((n = config_setting_length(s)) == 0)
		conf_error(ctx, s, "%s.addresses: empty, at least one address "
		    "is required", where);
	/* RFC 5798 5.2.5: Count IPvX Addr is 8 bits. The rest is still checked. */
	if (n > CONF_VIPS_MAX) {
		conf_error(ctx, s, "%s.addresses: %d addresses, at most %d fit "
		    "in an advertisement", where, n, CONF_VIPS_MAX);
		n = CONF_VIPS_MAX;
	}
	/* As many as the file lists: most instances have one or two. */
	if (n > 0 && ((in->vips = calloc((size_t)n, sizeof(*in->vips))) == NULL ||
	    (in->excluded = calloc((size_t)n, sizeof(*in->excluded))) == NULL ||
	    (src->vip = calloc((size_t)n, sizeof(*src->vip))) == NULL)) {
		ctx->nomem = true;
		return;
	}
	for (int i = 0; i < n; i++) {
		snprintf(ew, sizeof(ew), "%s.addresses[%d]", where, i);
		load_vip(ctx, config_setting_get_elem(s, (unsigned)i), ew, in,
		    src, &family);
	}
	if (family != 0)
		in->family = family;
	if (n > 0 && in->nvips == 0 && in->nexcluded > 0)
		conf_error(ctx, s, "%s.addresses: every address has advertise = "
		    "false; at least one must be advertised", where);
}

/* virtual_routes, virtual_rules, and the keys of the RFC 5798 7.1 check. */
static void
load_gateway(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_instance *in)
{
	const char *v;
	char q[48];
	bool b;

	if (conf_route_list_load(ctx, g, where, "virtual_routes", &in->routes,
	    &in->nroutes) < 0 ||
	    conf_rule_list_load(ctx, g, where, "virtual_rules", &in->rules,
	    &in->nrules) < 0)
		return;
	if (conf_get_bool(ctx, g, where, "check_advert_addresses", &b) > 0)
		in->check_advert_addresses = b;
	if (conf_get_string(ctx, g, where, "notify_master_rx_lower_pri", &v) <= 0)
		return;
	if (v[0] != '/' || strlen(v) >= sizeof(in->notify_rx_lower_pri))
		conf_error(ctx, config_setting_get_member(g,
		    "notify_master_rx_lower_pri"), "%s.notify_master_rx_lower_pri:"
		    " '%s' is not an absolute path (at most %zu characters)",
		    where, conf_quote(v, q, sizeof(q)),
		    sizeof(in->notify_rx_lower_pri) - 1);
	else
		snprintf(in->notify_rx_lower_pri,
		    sizeof(in->notify_rx_lower_pri), "%s", v);
}

static void
load_garp(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    struct conf_garp *garp)
{
	const config_setting_t *s;
	char gw[CONF_WHERE_MAX + 8];
	long long v;

	if ((s = config_setting_get_member(g, "garp")) == NULL)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		conf_error(ctx, s, "%s.garp: expected a group { ... }", where);
		return;
	}
	snprintf(gw, sizeof(gw), "%s.garp", where);
	conf_check_keys(ctx, s, gw, conf_garp_keys, NULL);
	if (conf_get_int(ctx, s, gw, "delay_ms", 0, 60000, &v) > 0)
		garp->delay_ms = (uint32_t)v;
	if (conf_get_int(ctx, s, gw, "repeat", 1, 100, &v) > 0)
		garp->repeat = (uint32_t)v;
	if (conf_get_int(ctx, s, gw, "interval_ms", 0, 10000, &v) > 0)
		garp->interval_ms = (uint32_t)v;
	if (conf_get_int(ctx, s, gw, "refresh_s", 0, 86400, &v) > 0)
		garp->refresh_s = (uint32_t)v;
}

/* name first: once it is known to be valid, messages use it. */
static void
load_name(struct conf_ctx *ctx, const config_setting_t *g, size_t index,
    struct conf_instance *in, struct inst_src *src)
{
	const char *v;
	char q[48];
	int r;

	snprintf(src->where, sizeof(src->where), "vrrp_instances[%zu]", index);
	if ((r = conf_get_string(ctx, g, src->where, "name", &v)) == 0)
		conf_error(ctx, g, "%s.name: missing (required)", src->where);
	else if (r > 0 && !conf_valid_name(v, CONF_NAME_MAX - 1))
		conf_error(ctx, config_setting_get_member(g, "name"),
		    "%s.name: '%s' is not 1..%d characters of A-Z a-z 0-9 _ . -",
		    src->where, conf_quote(v, q, sizeof(q)), CONF_NAME_MAX - 1);
	else if (r > 0) {
		snprintf(in->name, sizeof(in->name), "%s", v);
		snprintf(src->where, sizeof(src->where), "vrrp_instances[%s]", v);
		src->name = config_setting_get_member(g, "name");
	}
}

/* RFC 5798 5.2.7: v3 carries centiseconds in 12 bits; v2 whole seconds. */
static void
load_interval(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_instance *in, long long version)
{
	long long v, lo = 10, hi = 40950, step = 10;

	if (version == 2) {
		lo = step = 1000;
		hi = 255000;
	}
	if (conf_get_int(ctx, g, where, "advert_interval_ms", lo, hi, &v) <= 0)
		return;
	if (v % step != 0)
		conf_error(ctx, config_setting_get_member(g,
		    "advert_interval_ms"), "%s.advert_interval_ms: %lld is not "
		    "a multiple of %lld (VRRPv%lld counts %s)", where, v, step,
		    version, version == 2 ? "seconds" : "centiseconds");
	else
		in->advert_interval_ms = (uint32_t)v;
}

/*
 * authentication = { type = "pass" | "ah"; secret = "..." }. RFC 3768
 * keeps v2's Auth Type field and keepalived fills it as RFC 2338 did: a
 * simple password, or IPsec AH keyed with the same 8-byte auth_pass. RFC
 * 5798 removed authentication, so v3 refuses the key. version_known is
 * false when version itself was refused: its rule is then not repeated.
 */
static void
load_auth(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    struct conf_instance *in, long long version, bool version_known)
{
	const config_setting_t *s;
	char aw[CONF_WHERE_MAX + 16], q[48];
	const char *type, *secret;
	struct conf_auth auth;
	int rt, rs;
	size_t n = 0;

	if ((s = config_setting_get_member(g, "authentication")) == NULL)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		conf_error(ctx, s, "%s.authentication: expected a group { ... }",
		    where);
		return;
	}
	if (version_known && version != 2) {
		conf_error(ctx, s, "%s.authentication: needs version = 2 "
		    "(VRRPv3, RFC 5798, has no authentication)", where);
		return;
	}
	snprintf(aw, sizeof(aw), "%s.authentication", where);
	conf_check_keys(ctx, s, aw, conf_auth_keys, NULL);
	memset(&auth, 0, sizeof(auth));
	if ((rt = conf_get_string(ctx, s, aw, "type", &type)) == 0)
		conf_error(ctx, s, "%s.type: missing (required)", aw);
	else if (rt > 0 && strcmp(type, "pass") == 0)
		auth.type = CONF_AUTH_PASS;
	else if (rt > 0 && strcmp(type, "ah") == 0)
		auth.type = CONF_AUTH_AH;
	else if (rt > 0) {
		conf_error(ctx, config_setting_get_member(s, "type"),
		    "%s.type: '%s' is not \"pass\" or \"ah\"", aw,
		    conf_quote(type, q, sizeof(q)));
		rt = -1;
	}
	/*
	 * Both travel as keepalived's 8-byte auth data (the password in
	 * clear, or the HMAC key), which keepalived silently cuts to 8: a
	 * longer secret here could never match the peer's.
	 */
	if ((rs = conf_get_string(ctx, s, aw, "secret", &secret)) == 0)
		conf_error(ctx, s, "%s.secret: missing (required)", aw);
	else if (rs > 0 && ((n = strlen(secret)) == 0 ||
	    n > CONF_AUTH_KEY_LEN)) {
		conf_error(ctx, config_setting_get_member(s, "secret"),
		    "%s.secret: %zu characters, VRRPv2 carries 1..%d", aw, n,
		    CONF_AUTH_KEY_LEN);
		rs = -1;
	} else if (rs > 0)
		memcpy(auth.key, secret, n);
	if (rt > 0 && rs > 0)
		in->auth = auth;
}

static void
load_instance(struct conf_ctx *ctx, const config_setting_t *g, size_t index,
    struct conf_instance *in, struct inst_src *src)
{
	const char *where = src->where, *v;
	long long n, version = 3;
	bool b, if_ok = false;
	char q[48];
	int r, rv;

	in->line = (int)config_setting_source_line(g);
	in->version = 3;
	in->priority = 100;
	in->advert_interval_ms = 1000;
	in->preempt = true;
	in->accept_mode = true;
	in->family = AF_INET;
	in->check_advert_addresses = true;
	in->garp = (struct conf_garp){ .delay_ms = 0, .repeat = 3,
	    .interval_ms = 10, .refresh_s = 0 };
	load_name(ctx, g, index, in, src);
	conf_check_keys(ctx, g, where, conf_instance_keys, instance_later);

	if ((r = conf_get_string(ctx, g, where, "interface", &v)) == 0)
		conf_error(ctx, g, "%s.interface: missing (required)", where);
	else if (r > 0 && !valid_ifname(v))
		conf_error(ctx, config_setting_get_member(g, "interface"),
		    "%s.interface: '%s' is not an interface name (1..%d "
		    "characters, no '/', ':' or blanks)", where,
		    conf_quote(v, q, sizeof(q)), CONF_IFNAME_MAX - 1);
	else if (r > 0) {
		snprintf(in->interface, sizeof(in->interface), "%s", v);
		if_ok = true;
	}
	if ((r = conf_get_int(ctx, g, where, "vrid", 1, 255, &n)) == 0)
		conf_error(ctx, g, "%s.vrid: missing (required)", where);
	else if (r > 0) {
		in->vrid = (uint8_t)n;
		src->vrid = if_ok ? config_setting_get_member(g, "vrid") : NULL;
	}
	if ((rv = conf_get_int(ctx, g, where, "version", 2, 3, &version)) > 0)
		in->version = (uint8_t)version;
	if (conf_get_int(ctx, g, where, "priority", 1, 255, &n) > 0)
		in->priority = (uint8_t)n;
	load_interval(ctx, g, where, in, version);
	if (conf_get_bool(ctx, g, where, "preempt", &b) > 0)
		in->preempt = b;
	if (conf_get_int(ctx, g, where, "preempt_delay_ms", 0, 3600000, &n) > 0)
		in->preempt_delay_ms = (uint32_t)n;
	if (conf_get_bool(ctx, g, where, "accept_mode", &b) > 0)
		in->accept_mode = b;
	load_auth(ctx, g, where, in, version, rv >= 0);
	load_addresses(ctx, g, where, in, src);
	load_gateway(ctx, g, where, in);
	conf_unicast_load(ctx, g, where, in);
	conf_vmac_load(ctx, g, where, in);
	load_garp(ctx, g, where, &in->garp);
	conf_health_instance_load(ctx, g, where, &in->track);
}

/* ---- checks across instances ------------------------------------------- */

static void
check_names_and_vrids(struct conf_ctx *ctx, const struct conf *conf,
    const struct inst_src *src)
{
	const struct conf_instance *a, *b;

	for (size_t i = 0; i < conf->ninstances; i++) {
		a = &conf->instances[i];
		for (size_t j = 0; src[i].name != NULL && j < i; j++) {
			if (src[j].name != NULL &&
			    strcmp(a->name, conf->instances[j].name) == 0) {
				conf_error(ctx, src[i].name, "%s.name: '%s' is "
				    "already the name of the instance at line %d",
				    src[i].where, a->name, conf->instances[j].line);
				break;
			}
		}
		/*
		 * RFC 5798 6.1: a VRID is unique on its LAN, i.e. interface;
		 * IPv4 and IPv6 virtual routers have VRIDs of their own (5.2.3).
		 */
		for (size_t j = 0; src[i].vrid != NULL && j < i; j++) {
			b = &conf->instances[j];
			if (src[j].vrid != NULL && a->vrid == b->vrid &&
			    a->family == b->family &&
			    strcmp(a->interface, b->interface) == 0) {
				conf_error(ctx, src[i].vrid, "%s.vrid: %u on %s "
				    "is already used by %s (line %d)",
				    src[i].where, a->vrid, a->interface,
				    src[j].where, b->line);
				break;
			}
		}
	}
}

/*
 * Two routers owning one address would both answer ARP for it. Each
 * instance holds an address once (load_vip), so only earlier instances are
 * searched; quadratic in the number of VIPs, which is small in any real
 * file (a thousand VIPs is half a million comparisons).
 */
static void
check_vips(struct conf_ctx *ctx, const struct conf *conf,
    const struct inst_src *src)
{
	const struct conf_instance *a, *b;
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 1; i < conf->ninstances; i++) {
		a = &conf->instances[i];
		for (size_t k = 0; k < a->nvips; k++) {
			for (size_t j = 0; j < i; j++) {
				b = &conf->instances[j];
				if (!has_vip(b, &a->vips[k].addr))
					continue;
				conf_error(ctx, src[i].vip[k], "%s.addresses[%d]: "
				    "%s is already an address of %s (line %d)",
				    src[i].where,
				    config_setting_index(src[i].vip[k]),
				    addr_str(&a->vips[k].addr, text,
				    sizeof(text)), src[j].where, b->line);
				break;
			}
		}
	}
}

int
conf_vrrp_load(struct conf_ctx *ctx, const config_setting_t *list,
    struct conf *conf)
{
	const config_setting_t *g;
	struct inst_src *src;
	size_t n;

	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		conf_error(ctx, list, "vrrp_instances: expected a list "
		    "( { ... }, ... ) of groups");
		return 0;
	}
	if ((n = (size_t)config_setting_length(list)) == 0)
		return 0;
	if ((conf->instances = calloc(n, sizeof(*conf->instances))) == NULL)
		return -ENOMEM;
	conf->ninstances = n;
	if ((src = calloc(n, sizeof(*src))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		g = config_setting_get_elem(list, (unsigned)i);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			conf_error(ctx, g, "vrrp_instances[%zu]: expected a "
			    "group { ... }", i);
			continue;
		}
		load_instance(ctx, g, i, &conf->instances[i], &src[i]);
		conf_bfd_instance_load(ctx, g, src[i].where, conf,
		    &conf->instances[i].bfd);
	}
	check_names_and_vrids(ctx, conf, src);
	check_vips(ctx, conf, src);
	conf_vmac_check(ctx, list, conf);
	for (size_t i = 0; i < n; i++)
		free(src[i].vip);
	free(src);
	return 0;
}

void
conf_vrrp_free(struct conf *conf)
{
	for (size_t i = 0; i < conf->ninstances; i++) {
		free(conf->instances[i].vips);
		free(conf->instances[i].excluded);
		free(conf->instances[i].routes);
		free(conf->instances[i].rules);
		free(conf->instances[i].peers);
	}
	free(conf->instances);
	conf->instances = NULL;
	conf->ninstances = 0;
}

/* ---- the model ---------------------------------------------------------- */

const struct conf_instance *
conf_find_instance(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->ninstances; i++)
		if (strcmp(conf->instances[i].name, name) == 0)
			return &conf->instances[i];
	return NULL;
}

bool
conf_instance_equal(const struct conf_instance *a,
    const struct conf_instance *b)
{
	/* Field by field: padding makes memcmp() lie; line is not behaviour. */
	if (strcmp(a->name, b->name) != 0 ||
	    strcmp(a->interface, b->interface) != 0 ||
	    a->vrid != b->vrid || a->version != b->version ||
	    a->priority != b->priority ||
	    a->advert_interval_ms != b->advert_interval_ms ||
	    a->preempt != b->preempt ||
	    a->preempt_delay_ms != b->preempt_delay_ms ||
	    a->accept_mode != b->accept_mode || a->use_vmac != b->use_vmac ||
	    strcmp(a->vmac_name, b->vmac_name) != 0 ||
	    a->auth.type != b->auth.type ||
	    memcmp(a->auth.key, b->auth.key, sizeof(a->auth.key)) != 0 ||
	    a->garp.delay_ms != b->garp.delay_ms ||
	    a->garp.repeat != b->garp.repeat ||
	    a->garp.interval_ms != b->garp.interval_ms ||
	    a->garp.refresh_s != b->garp.refresh_s || a->nvips != b->nvips ||
	    a->family != b->family || a->npeers != b->npeers ||
	    a->nexcluded != b->nexcluded || a->nroutes != b->nroutes ||
	    a->nrules != b->nrules ||
	    a->check_advert_addresses != b->check_advert_addresses ||
	    strcmp(a->notify_rx_lower_pri, b->notify_rx_lower_pri) != 0 ||
	    a->have_unicast_src != b->have_unicast_src ||
	    (a->have_unicast_src &&
	    addr_cmp(&a->unicast_src, &b->unicast_src) != 0))
		return false;
	for (size_t i = 0; i < a->npeers; i++)
		if (addr_cmp(&a->peers[i], &b->peers[i]) != 0)
			return false;
	if (!conf_health_instance_equal(&a->track, &b->track) ||
	    !conf_bfd_instance_equal(&a->bfd, &b->bfd))
		return false;
	for (size_t i = 0; i < a->nvips; i++)
		if (!conf_vip_equal(&a->vips[i], &b->vips[i]))
			return false;
	for (size_t i = 0; i < a->nexcluded; i++)
		if (!conf_vip_equal(&a->excluded[i], &b->excluded[i]))
			return false;
	for (size_t i = 0; i < a->nroutes; i++)
		if (!conf_route_equal(&a->routes[i], &b->routes[i]))
			return false;
	for (size_t i = 0; i < a->nrules; i++)
		if (!conf_rule_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}
