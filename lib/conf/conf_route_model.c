/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_route_model - the pure half of conf_route (see conf_route.h): the
 * words of scopes and route types, prefix checks, equality, and the text
 * of a route or rule for log lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf_route.h"

static const struct {
	const char *word;
	int scope;
} scopes[] = {
	/* rtnetlink.h: RT_SCOPE_UNIVERSE 0, SITE 200, LINK 253, HOST 254, NOWHERE 255 */
	{ "global", 0 }, { "universe", 0 }, { "site", 200 }, { "link", 253 },
	{ "host", 254 }, { "nowhere", 255 },
};

int
conf_route_scope_parse(const char *word)
{
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (strcmp(scopes[i].word, word) == 0)
			return scopes[i].scope;
	return -1;
}

const char *
conf_route_scope_name(int scope)
{
	if (scope == CONF_SCOPE_DEFAULT)
		return "default";
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (scopes[i].scope == scope)
			return scopes[i].word;
	return "?";
}

const char *const conf_route_type_names[] = { "unicast", "blackhole",
	"unreachable", "prohibit", NULL };

int
conf_route_type_parse(const char *word)
{
	for (int i = 0; conf_route_type_names[i] != NULL; i++)
		if (strcmp(conf_route_type_names[i], word) == 0)
			return i;
	return -1;
}

bool
conf_route_prefix_clean(const struct addr *a, uint8_t len)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	if (len > n * 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned keep = len >= (i + 1) * 8 ? 8 :
		    len > i * 8 ? len - i * 8 : 0;
		uint8_t mask = keep == 8 ? 0xff : (uint8_t)(0xff00u >> keep);

		if ((a->bytes[i] & (uint8_t)~mask) != 0)
			return false;
	}
	return true;
}

static bool
opt_addr_equal(bool ha, const struct addr *a, bool hb, const struct addr *b)
{
	return ha == hb && (!ha || addr_cmp(a, b) == 0);
}

bool
conf_vip_equal(const struct conf_vip *a, const struct conf_vip *b)
{
	return addr_cmp(&a->addr, &b->addr) == 0 &&
	    a->prefix_len == b->prefix_len && strcmp(a->dev, b->dev) == 0 &&
	    strcmp(a->label, b->label) == 0 && a->scope == b->scope &&
	    a->advertise == b->advertise &&
	    opt_addr_equal(a->have_broadcast, &a->broadcast, b->have_broadcast,
	    &b->broadcast);
}

bool
conf_route_equal(const struct conf_route *a, const struct conf_route *b)
{
	return addr_cmp(&a->dst, &b->dst) == 0 && a->dst_len == b->dst_len &&
	    opt_addr_equal(a->have_via, &a->via, b->have_via, &b->via) &&
	    opt_addr_equal(a->have_src, &a->src, b->have_src, &b->src) &&
	    strcmp(a->dev, b->dev) == 0 && a->table == b->table &&
	    a->metric == b->metric && a->scope == b->scope &&
	    a->type == b->type;
}

bool
conf_rule_equal(const struct conf_rule *a, const struct conf_rule *b)
{
	return a->family == b->family &&
	    opt_addr_equal(a->have_from, &a->from, b->have_from, &b->from) &&
	    opt_addr_equal(a->have_to, &a->to, b->have_to, &b->to) &&
	    (!a->have_from || a->from_len == b->from_len) &&
	    (!a->have_to || a->to_len == b->to_len) &&
	    strcmp(a->iif, b->iif) == 0 && strcmp(a->oif, b->oif) == 0 &&
	    a->have_fwmark == b->have_fwmark &&
	    (!a->have_fwmark || (a->fwmark == b->fwmark &&
	    a->fwmask == b->fwmask)) && a->table == b->table &&
	    a->have_priority == b->have_priority &&
	    (!a->have_priority || a->priority == b->priority);
}

/* Append to buf as snprintf would, never past len. */
static void
cat(char *buf, size_t len, size_t *used, const char *fmt, const char *s,
    unsigned long v)
{
	int n;

	if (*used >= len)
		return;
	n = s != NULL ? snprintf(buf + *used, len - *used, fmt, s) :
	    snprintf(buf + *used, len - *used, fmt, v);
	if (n > 0)
		*used += (size_t)n;
}

const char *
conf_route_str(const struct conf_route *r, char *buf, size_t len)
{
	char a[64];
	size_t used = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (r->type != CONF_ROUTE_UNICAST)
		cat(buf, len, &used, "%s ", conf_route_type_names[r->type], 0);
	cat(buf, len, &used, "%s", addr_str(&r->dst, a, sizeof(a)), 0);
	cat(buf, len, &used, "/%lu", NULL, r->dst_len);
	if (r->have_via)
		cat(buf, len, &used, " via %s", addr_str(&r->via, a, sizeof(a)), 0);
	if (r->dev[0] != '\0')
		cat(buf, len, &used, " dev %s", r->dev, 0);
	if (r->have_src)
		cat(buf, len, &used, " src %s", addr_str(&r->src, a, sizeof(a)), 0);
	if (r->table != CONF_ROUTE_TABLE_MAIN)
		cat(buf, len, &used, " table %lu", NULL, r->table);
	if (r->metric != 0)
		cat(buf, len, &used, " metric %lu", NULL, r->metric);
	if (r->scope != CONF_SCOPE_DEFAULT)
		cat(buf, len, &used, " scope %s", conf_route_scope_name(r->scope), 0);
	return buf;
}

const char *
conf_rule_str(const struct conf_rule *r, char *buf, size_t len)
{
	char a[64];
	size_t used = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (r->have_priority)
		cat(buf, len, &used, "priority %lu ", NULL, r->priority);
	if (r->have_from) {
		cat(buf, len, &used, "from %s", addr_str(&r->from, a, sizeof(a)), 0);
		cat(buf, len, &used, "/%lu ", NULL, r->from_len);
	}
	if (r->have_to) {
		cat(buf, len, &used, "to %s", addr_str(&r->to, a, sizeof(a)), 0);
		cat(buf, len, &used, "/%lu ", NULL, r->to_len);
	}
	if (r->iif[0] != '\0')
		cat(buf, len, &used, "iif %s ", r->iif, 0);
	if (r->oif[0] != '\0')
		cat(buf, len, &used, "oif %s ", r->oif, 0);
	if (r->have_fwmark) {
		cat(buf, len, &used, "fwmark 0x%lx", NULL, r->fwmark);
		if (r->fwmask != 0xffffffffu)
			cat(buf, len, &used, "/0x%lx", NULL, r->fwmask);
		cat(buf, len, &used, " ", "", 0);
	}
	cat(buf, len, &used, "table %lu", NULL, r->table);
	if (r->family == AF_INET6)
		cat(buf, len, &used, " (IPv6)", "", 0);
	return buf;
}

int
conf_route_parse_prefix(const char *text, struct addr *a, uint8_t *len)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	size_t ndigits;
	unsigned int prefix, max;

	if (alen == 0 || alen >= sizeof(buf))
		return CONF_PREFIX_NOT_ADDR;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, a) < 0)
		return CONF_PREFIX_NOT_ADDR;
	max = a->family == AF_INET ? 32 : 128;
	*len = (uint8_t)max;
	if (slash == NULL)
		return CONF_PREFIX_OK;
	ndigits = strspn(slash + 1, "0123456789");
	if (ndigits == 0 || ndigits > 3 || slash[1 + ndigits] != '\0')
		return CONF_PREFIX_BAD_LEN;
	prefix = (unsigned int)atoi(slash + 1);
	if (prefix > max)
		return CONF_PREFIX_BAD_LEN;
	*len = (uint8_t)prefix;
	return CONF_PREFIX_OK;
}

bool
conf_statics_equal(const struct conf_statics *a, const struct conf_statics *b)
{
	if (a->naddrs != b->naddrs || a->nroutes != b->nroutes ||
	    a->nrules != b->nrules)
		return false;
	for (size_t i = 0; i < a->naddrs; i++)
		if (!conf_vip_equal(&a->addrs[i], &b->addrs[i]))
			return false;
	for (size_t i = 0; i < a->nroutes; i++)
		if (!conf_route_equal(&a->routes[i], &b->routes[i]))
			return false;
	for (size_t i = 0; i < a->nrules; i++)
		if (!conf_rule_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}
