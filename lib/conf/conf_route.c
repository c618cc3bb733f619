/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_route - loading routes, rules and addresses with attributes (see
 * conf_route.h): an instance's virtual_routes, virtual_rules and the group
 * form of its addresses, and the global static_addresses, static_routes
 * and static_rules. Every refused value is an error with FILE:LINE.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <net/if.h>

#include <libconfig.h>

#include "conf/conf_route.h"
#include "conf/conf_route_load.h"
#include "conf/conf_util.h"

const char *const conf_vip_keys[] = { "address", "dev", "label", "scope",
	"broadcast", "advertise", NULL };
const char *const conf_static_addr_keys[] = { "address", "dev", "label",
	"scope", "broadcast", NULL };
const char *const conf_route_keys[] = { "destination", "via", "dev", "src",
	"table", "metric", "scope", "type", NULL };
const char *const conf_rule_keys[] = { "from", "to", "iif", "oif", "fwmark",
	"table", "priority", NULL };
static const char *const none_later[] = { NULL };

/* Linux dev_valid_name(): IFNAMSIZ, no '/', ':' or blanks, not . or .. */
static bool
valid_dev(const char *s, bool label)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_ROUTE_IFNAME_MAX || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return false;
	for (; *s != '\0'; s++)
		if (!isgraph((unsigned char)*s) || *s == '/' ||
		    (*s == ':' && !label))
			return false;
	return true;
}

/* key = "ifname": 1 copied, 0 absent, -1 reported. */
static int
get_dev(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key, char out[CONF_ROUTE_IFNAME_MAX])
{
	const char *v;
	char q[48];
	int r;

	if ((r = conf_get_string(ctx, g, where, key, &v)) <= 0)
		return r;
	if (!valid_dev(v, false)) {
		conf_error(ctx, config_setting_get_member(g, key), "%s.%s: '%s' "
		    "is not an interface name (1..%d characters, no '/', ':' or "
		    "blanks)", where, key, conf_quote(v, q, sizeof(q)),
		    CONF_ROUTE_IFNAME_MAX - 1);
		return -1;
	}
	snprintf(out, CONF_ROUTE_IFNAME_MAX, "%s", v);
	return 1;
}

/* key = "A.B.C.D[/N]" (or "default" when may_default): 1, 0 absent, -1. */
static int
get_prefix(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key, bool host_only, struct addr *a, uint8_t *len)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	const char *v;
	char q[48];
	int r;

	if (s == NULL)
		return 0;
	if ((r = conf_get_string(ctx, g, where, key, &v)) <= 0)
		return -1;
	conf_quote(v, q, sizeof(q));
	switch (conf_route_parse_prefix(v, a, len)) {
	case CONF_PREFIX_NOT_ADDR:
		conf_error(ctx, s, "%s.%s: '%s' is not an IPv4 or IPv6 %s", where,
		    key, q, host_only ? "address" : "prefix (A.B.C.D/N or X:X::X/N)");
		return -1;
	case CONF_PREFIX_BAD_LEN:
		conf_error(ctx, s, "%s.%s: '%s': the prefix length must be 0..%d",
		    where, key, q, a->family == AF_INET ? 32 : 128);
		return -1;
	}
	if (host_only && strchr(v, '/') != NULL) {
		conf_error(ctx, s, "%s.%s: '%s': an address, without a prefix "
		    "length", where, key, q);
		return -1;
	}
	if (!conf_route_prefix_clean(a, *len)) {
		conf_error(ctx, s, "%s.%s: '%s' has bits set past the prefix "
		    "length (the kernel refuses it)", where, key, q);
		return -1;
	}
	return 1;
}

static int
get_scope(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    int *out)
{
	const char *v;
	char q[48];
	int r;

	if ((r = conf_get_string(ctx, g, where, "scope", &v)) <= 0)
		return r;
	if ((*out = conf_route_scope_parse(v)) < 0) {
		*out = CONF_SCOPE_DEFAULT;
		conf_error(ctx, config_setting_get_member(g, "scope"), "%s.scope: "
		    "'%s' is not a scope (global, site, link, host, nowhere)",
		    where, conf_quote(v, q, sizeof(q)));
		return -1;
	}
	return 1;
}

static const char *
family_word(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* ---- addresses ---------------------------------------------------------- */

int
conf_route_addr_load(struct conf_ctx *ctx, const config_setting_t *e,
    const char *ew, bool need_dev, struct conf_vip *vip)
{
	const config_setting_t *s;
	const char *text;
	char q[48];
	bool b;
	int r, ok = 1;

	memset(vip, 0, sizeof(*vip));
	vip->scope = CONF_SCOPE_DEFAULT;
	vip->advertise = true;
	if (config_setting_type(e) == CONFIG_TYPE_STRING) {
		if (need_dev) {
			conf_error(ctx, e, "%s: expected a group { address = "
			    "\"...\"; dev = \"...\"; }", ew);
			return 0;
		}
		s = e;
	} else if (config_setting_type(e) == CONFIG_TYPE_GROUP) {
		conf_check_keys(ctx, e, ew, need_dev ? conf_static_addr_keys :
		    conf_vip_keys, none_later);
		if ((s = config_setting_get_member(e, "address")) == NULL) {
			conf_error(ctx, e, "%s.address: missing (required)", ew);
			return 0;
		}
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			conf_error(ctx, s, "%s.address: expected a string", ew);
			return 0;
		}
	} else {
		conf_error(ctx, e, "%s: expected a string or a group { address "
		    "= \"...\"; ... }", ew);
		return 0;
	}
	text = config_setting_get_string(s);
	conf_quote(text, q, sizeof(q));
	switch (conf_route_parse_prefix(text, &vip->addr, &vip->prefix_len)) {
	case CONF_PREFIX_NOT_ADDR:
		conf_error(ctx, s, "%s: '%s' is not an IPv4 or IPv6 address "
		    "(A.B.C.D[/N] or X:X::X[/N])", ew, q);
		return 0;
	case CONF_PREFIX_BAD_LEN:
		conf_error(ctx, s, "%s: '%s': the prefix length must be 0..%d",
		    ew, q, vip->addr.family == AF_INET ? 32 : 128);
		return 0;
	}
	if (s == e)
		return 1;
	if ((r = get_dev(ctx, e, ew, "dev", vip->dev)) < 0)
		ok = 0;
	else if (r == 0 && need_dev) {
		conf_error(ctx, e, "%s.dev: missing (required)", ew);
		ok = 0;
	}
	if (get_scope(ctx, e, ew, &vip->scope) < 0)
		ok = 0;
	if (conf_get_bool(ctx, e, ew, "advertise", &b) > 0)
		vip->advertise = b;
	if ((r = conf_get_string(ctx, e, ew, "label", &text)) < 0)
		ok = 0;
	else if (r > 0) {
		const config_setting_t *ls = config_setting_get_member(e, "label");
		size_t dn = strlen(vip->dev);

		/* IFA_LABEL is IPv4's (ifconfig aliases); ip(8) insists too. */
		if (vip->addr.family != AF_INET) {
			conf_error(ctx, ls, "%s.label: labels are for IPv4 "
			    "addresses only", ew);
			ok = 0;
		} else if (!valid_dev(text, true)) {
			conf_error(ctx, ls, "%s.label: '%s' is not a label (1..%d "
			    "characters, no '/' or blanks)", ew,
			    conf_quote(text, q, sizeof(q)),
			    CONF_ROUTE_IFNAME_MAX - 1);
			ok = 0;
		} else if (dn > 0 && strncmp(text, vip->dev, dn) != 0) {
			conf_error(ctx, ls, "%s.label: '%s' must start with the "
			    "device name '%s'", ew, conf_quote(text, q,
			    sizeof(q)), vip->dev);
			ok = 0;
		} else
			snprintf(vip->label, sizeof(vip->label), "%s", text);
	}
	if ((s = config_setting_get_member(e, "broadcast")) != NULL) {
		char bw[CONF_WHERE_MAX + 48];

		snprintf(bw, sizeof(bw), "%s.broadcast", ew);
		if (vip->addr.family != AF_INET) {
			conf_error(ctx, s, "%s: a broadcast address is for IPv4 "
			    "addresses only", bw);
			ok = 0;
		} else if (!conf_get_addr(ctx, s, bw, &vip->broadcast, q,
		    sizeof(q)))
			ok = 0;
		else if (vip->broadcast.family != AF_INET) {
			conf_error(ctx, s, "%s: '%s' is not an IPv4 address", bw, q);
			ok = 0;
		} else
			vip->have_broadcast = true;
	}
	return ok;
}

/* ---- routes ------------------------------------------------------------- */

static int
load_route(struct conf_ctx *ctx, const config_setting_t *g, const char *w,
    struct conf_route *r)
{
	const config_setting_t *s;
	const char *v;
	char q[48];
	long long n;
	uint8_t hostlen;
	int t, ok = 1;

	memset(r, 0, sizeof(*r));
	r->line = (int)config_setting_source_line(g);
	r->table = CONF_ROUTE_TABLE_MAIN;
	r->scope = CONF_SCOPE_DEFAULT;
	conf_check_keys(ctx, g, w, conf_route_keys, none_later);
	if ((s = config_setting_get_member(g, "destination")) == NULL) {
		conf_error(ctx, g, "%s.destination: missing (required)", w);
		return 0;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING &&
	    strcmp(config_setting_get_string(s), "default") == 0) {
		/* The family follows via or src (IPv4 when neither says). */
		const char *f = NULL;

		r->dst.family = AF_INET;
		if (conf_get_string(ctx, g, w, "via", &f) > 0 ||
		    conf_get_string(ctx, g, w, "src", &f) > 0) {
			struct addr a;

			if (addr_parse(f, &a) == 0)
				r->dst.family = a.family;
		}
		r->dst_len = 0;
	} else if (get_prefix(ctx, g, w, "destination", false, &r->dst,
	    &r->dst_len) <= 0)
		ok = 0;
	if ((t = get_prefix(ctx, g, w, "via", true, &r->via, &hostlen)) < 0)
		ok = 0;
	else if (t > 0)
		r->have_via = true;
	if ((t = get_prefix(ctx, g, w, "src", true, &r->src, &hostlen)) < 0)
		ok = 0;
	else if (t > 0)
		r->have_src = true;
	if (get_dev(ctx, g, w, "dev", r->dev) < 0)
		ok = 0;
	else if (r->dev[0] != '\0' && if_nametoindex(r->dev) == 0)
		/*
		 * Not an error: the device may come later (a VLAN, a VMAC,
		 * the file checked on another host); the kernel refuses the
		 * route until then, and vipd logs and retries it.
		 */
		conf_warn_line(ctx, config_setting_source_line(
		    config_setting_get_member(g, "dev")), "%s.dev: no interface "
		    "'%s' here now: the route is refused until it exists", w,
		    r->dev);
	if (conf_get_int(ctx, g, w, "table", 1, 0xffffffffLL, &n) > 0)
		r->table = (uint32_t)n;
	else if (config_setting_get_member(g, "table") != NULL)
		ok = 0;
	if (conf_get_int(ctx, g, w, "metric", 0, 0xffffffffLL, &n) > 0)
		r->metric = (uint32_t)n;
	else if (config_setting_get_member(g, "metric") != NULL)
		ok = 0;
	if (get_scope(ctx, g, w, &r->scope) < 0)
		ok = 0;
	if ((t = conf_get_string(ctx, g, w, "type", &v)) < 0)
		ok = 0;
	else if (t > 0 && (t = conf_route_type_parse(v)) < 0) {
		conf_error(ctx, config_setting_get_member(g, "type"), "%s.type: "
		    "'%s' is not a route type (unicast, blackhole, unreachable, "
		    "prohibit)", w, conf_quote(v, q, sizeof(q)));
		ok = 0;
	} else if (t > 0)
		r->type = (enum conf_route_type)t;
	if (!ok)
		return 0;
	if (r->have_via && r->via.family != r->dst.family) {
		conf_error(ctx, config_setting_get_member(g, "via"), "%s.via: %s "
		    "next hop for an %s destination", w, family_word(r->via.family),
		    family_word(r->dst.family));
		return 0;
	}
	if (r->have_src && r->src.family != r->dst.family) {
		conf_error(ctx, config_setting_get_member(g, "src"), "%s.src: %s "
		    "source for an %s destination", w, family_word(r->src.family),
		    family_word(r->dst.family));
		return 0;
	}
	if (r->type != CONF_ROUTE_UNICAST && (r->have_via || r->dev[0] != '\0')) {
		conf_error(ctx, g, "%s: a %s route has no next hop: no via or dev",
		    w, conf_route_type_names[r->type]);
		return 0;
	}
	if (r->type == CONF_ROUTE_UNICAST && !r->have_via && r->dev[0] == '\0') {
		conf_error(ctx, g, "%s: via or dev is required (or type = "
		    "blackhole, unreachable, prohibit)", w);
		return 0;
	}
	return 1;
}

/*
 * The list g.key of virtual_routes / virtual_rules / static_*: its where
 * text into w, its length checked, an array of n entries of size bytes
 * allocated into *out. Returns n (0: no list, or an error recorded), or
 * -ENOMEM.
 */
static int
open_list(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key, char *w, size_t wlen, size_t size, void **out,
    const config_setting_t **list)
{
	int n;

	*out = NULL;
	if ((*list = config_setting_get_member(g, key)) == NULL)
		return 0;
	snprintf(w, wlen, "%s%s%s", where, where[0] ? "." : "", key);
	if (!conf_is_list_of_groups(ctx, *list, w))
		return 0;
	if ((n = config_setting_length(*list)) > CONF_ROUTES_MAX) {
		conf_error(ctx, *list, "%s: %d entries, at most %d", w, n,
		    CONF_ROUTES_MAX);
		return 0;
	}
	if (n > 0 && (*out = calloc((size_t)n, size)) == NULL) {
		ctx->nomem = true;
		return -ENOMEM;
	}
	return n;
}

int
conf_route_list_load(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, const char *key, struct conf_route **out, size_t *nout)
{
	const config_setting_t *list;
	char w[CONF_WHERE_MAX + 48];
	void *mem;
	int n = open_list(ctx, g, where, key, w, sizeof(w), sizeof(**out), &mem,
	    &list);

	*out = mem;
	*nout = 0;
	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++) {
		char ew[CONF_WHERE_MAX + 64];
		struct conf_route *r = &(*out)[*nout];

		snprintf(ew, sizeof(ew), "%s[%d]", w, i);
		if (load_route(ctx, config_setting_get_elem(list, (unsigned)i),
		    ew, r) <= 0)
			continue;
		for (size_t j = 0; j < *nout; j++) {
			if (conf_route_equal(&(*out)[j], r)) {
				conf_error(ctx, config_setting_get_elem(list,
				    (unsigned)i), "%s: the same route as at "
				    "line %d", ew, (*out)[j].line);
				r = NULL;
				break;
			}
		}
		if (r != NULL)
			(*nout)++;
	}
	return 0;
}

/* ---- rules -------------------------------------------------------------- */

/* fwmark = 16 or "0x10" or "0x10/0xff". */
static int
get_fwmark(struct conf_ctx *ctx, const config_setting_t *g, const char *w,
    struct conf_rule *r)
{
	const config_setting_t *s = config_setting_get_member(g, "fwmark");
	unsigned long long mark, mask = 0xffffffffULL;
	const char *v;
	char *end, q[48];

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64) {
		long long n;

		if (conf_get_int(ctx, g, w, "fwmark", 0, 0xffffffffLL, &n) <= 0)
			return -1;
		mark = (unsigned long long)n;
	} else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		v = config_setting_get_string(s);
		errno = 0;
		mark = strtoull(v, &end, 0);
		if (end != v && *end == '/' && isdigit((unsigned char)end[1]))
			mask = strtoull(end + 1, &end, 0);
		if (end == v || *end != '\0' || errno != 0 || isspace((unsigned
		    char)*v) || *v == '-' || mark > 0xffffffffULL ||
		    mask > 0xffffffffULL) {
			conf_error(ctx, s, "%s.fwmark: '%s' is not a mark "
			    "(N or N/MASK, 32 bits, decimal or 0x hex)", w,
			    conf_quote(v, q, sizeof(q)));
			return -1;
		}
	} else {
		conf_error(ctx, s, "%s.fwmark: expected an integer or a string "
		    "\"MARK/MASK\"", w);
		return -1;
	}
	r->have_fwmark = true;
	r->fwmark = (uint32_t)mark;
	r->fwmask = (uint32_t)mask;
	return 1;
}

static int
load_rule(struct conf_ctx *ctx, const config_setting_t *g, const char *w,
    struct conf_rule *r)
{
	long long n;
	int t, ok = 1;

	memset(r, 0, sizeof(*r));
	r->line = (int)config_setting_source_line(g);
	r->family = AF_INET;
	conf_check_keys(ctx, g, w, conf_rule_keys, none_later);
	if ((t = get_prefix(ctx, g, w, "from", false, &r->from,
	    &r->from_len)) < 0)
		ok = 0;
	else if (t > 0)
		r->have_from = true;
	if ((t = get_prefix(ctx, g, w, "to", false, &r->to, &r->to_len)) < 0)
		ok = 0;
	else if (t > 0)
		r->have_to = true;
	if (get_dev(ctx, g, w, "iif", r->iif) < 0 ||
	    get_dev(ctx, g, w, "oif", r->oif) < 0)
		ok = 0;
	if (get_fwmark(ctx, g, w, r) < 0)
		ok = 0;
	if ((t = conf_get_int(ctx, g, w, "table", 1, 0xffffffffLL, &n)) > 0)
		r->table = (uint32_t)n;
	else if (t == 0) {
		conf_error(ctx, g, "%s.table: missing (required: the table the "
		    "rule sends lookups to)", w);
		ok = 0;
	} else
		ok = 0;
	if ((t = conf_get_int(ctx, g, w, "priority", 0, 0xffffffffLL, &n)) > 0) {
		r->have_priority = true;
		r->priority = (uint32_t)n;
	} else if (t < 0)
		ok = 0;
	if (!ok)
		return 0;
	if (r->have_from && r->have_to && r->from.family != r->to.family) {
		conf_error(ctx, g, "%s: from is %s and to is %s: one family per "
		    "rule", w, family_word(r->from.family),
		    family_word(r->to.family));
		return 0;
	}
	if (r->have_from)
		r->family = r->from.family;
	else if (r->have_to)
		r->family = r->to.family;
	return 1;
}

int
conf_rule_list_load(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, const char *key, struct conf_rule **out, size_t *nout)
{
	const config_setting_t *list;
	char w[CONF_WHERE_MAX + 48];
	void *mem;
	int n = open_list(ctx, g, where, key, w, sizeof(w), sizeof(**out), &mem,
	    &list);

	*out = mem;
	*nout = 0;
	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++) {
		char ew[CONF_WHERE_MAX + 64];
		struct conf_rule *r = &(*out)[*nout];

		snprintf(ew, sizeof(ew), "%s[%d]", w, i);
		if (load_rule(ctx, config_setting_get_elem(list, (unsigned)i),
		    ew, r) <= 0)
			continue;
		for (size_t j = 0; j < *nout; j++) {
			if (conf_rule_equal(&(*out)[j], r)) {
				conf_error(ctx, config_setting_get_elem(list,
				    (unsigned)i), "%s: the same rule as at "
				    "line %d", ew, (*out)[j].line);
				r = NULL;
				break;
			}
		}
		if (r != NULL)
			(*nout)++;
	}
	return 0;
}

/* ---- static_* ----------------------------------------------------------- */

int
conf_statics_load(struct conf_ctx *ctx, const config_setting_t *root,
    struct conf_statics *st)
{
	const config_setting_t *list;
	int n;

	if (conf_route_list_load(ctx, root, "", "static_routes", &st->routes,
	    &st->nroutes) < 0 ||
	    conf_rule_list_load(ctx, root, "", "static_rules", &st->rules,
	    &st->nrules) < 0)
		return -ENOMEM;
	if ((list = config_setting_get_member(root, "static_addresses")) == NULL)
		return 0;
	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		conf_error(ctx, list, "static_addresses: expected a list ( { "
		    "address = \"...\"; dev = \"...\"; }, ... )");
		return 0;
	}
	if ((n = config_setting_length(list)) > CONF_ROUTES_MAX) {
		conf_error(ctx, list, "static_addresses: %d entries, at most %d",
		    n, CONF_ROUTES_MAX);
		return 0;
	}
	if (n == 0)
		return 0;
	if ((st->addrs = calloc((size_t)n, sizeof(*st->addrs))) == NULL) {
		ctx->nomem = true;
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list,
		    (unsigned)i);
		struct conf_vip *a = &st->addrs[st->naddrs];
		char ew[64];
		bool dup = false;

		snprintf(ew, sizeof(ew), "static_addresses[%d]", i);
		if (!conf_route_addr_load(ctx, e, ew, true, a))
			continue;
		for (size_t j = 0; j < st->naddrs && !dup; j++)
			dup = addr_cmp(&st->addrs[j].addr, &a->addr) == 0 &&
			    strcmp(st->addrs[j].dev, a->dev) == 0;
		if (dup) {
			conf_error(ctx, e, "%s: the address is already in the "
			    "list on %s", ew, a->dev);
			continue;
		}
		st->naddrs++;
	}
	return 0;
}

void
conf_statics_free(struct conf_statics *st)
{
	free(st->addrs);
	free(st->routes);
	free(st->rules);
	memset(st, 0, sizeof(*st));
}

