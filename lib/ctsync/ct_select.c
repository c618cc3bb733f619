/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_select - which flows conn_sync carries (see ct_select.h).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "conf/conf_lb.h"
#include "ctsync/ct_select.h"

/* The first len bits of a and b (of an address of family) agree. */
static bool
in_prefix(const uint8_t *a, const struct addr *net, uint8_t len, int family)
{
	size_t full = len / 8;
	unsigned rest = len % 8;

	if (net->family != family)
		return false;
	if (memcmp(a, net->bytes, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ net->bytes[full]) & (uint8_t)(0xffu << (8 - rest))) == 0;
}

static bool
rule_match(const struct conf_conn_sync_rule *r, const struct ct_entry *e)
{
	if (r->has_mark && (e->mark & r->mask) != (r->mark & r->mask))
		return false;
	if (r->protocol != 0 && r->protocol != e->proto)
		return false;
	if (r->has_zone && r->zone != e->zone)
		return false;
	if (r->has_src && !in_prefix(e->orig.src, &r->src, r->src_len, e->family))
		return false;
	if (r->has_dst && !in_prefix(e->orig.dst, &r->dst, r->dst_len, e->family))
		return false;
	return true;
}

bool
ct_select_match(const struct conf_conn_sync_select *sel,
    const struct ct_entry *e, uint32_t default_mark)
{
	if (!sel->given)
		return e->mark == default_mark;
	if (sel->all)
		return true;
	for (size_t i = 0; i < sel->nrules; i++)
		if (rule_match(&sel->rules[i], e))
			return true;
	return false;
}

bool
ct_select_kernel_mark(const struct conf_conn_sync_select *sel,
    uint32_t default_mark, uint32_t *mark)
{
	if (!sel->given) {
		*mark = default_mark;
		return true;
	}
	if (sel->all || sel->nrules == 0)
		return false;
	for (size_t i = 0; i < sel->nrules; i++) {
		const struct conf_conn_sync_rule *r = &sel->rules[i];

		if (!r->has_mark || r->mask != 0xffffffffu || r->protocol != 0 ||
		    r->has_src || r->has_dst || r->has_zone ||
		    r->mark != sel->rules[0].mark)
			return false;
	}
	*mark = sel->rules[0].mark;
	return true;
}

bool
ct_select_covers_service(const struct conf_conn_sync_select *sel,
    int family, uint8_t proto, const uint8_t *vip, uint32_t mark)
{
	if (!sel->given || sel->all)
		return true;
	for (size_t i = 0; i < sel->nrules; i++) {
		const struct conf_conn_sync_rule *r = &sel->rules[i];

		if (r->has_mark && (mark & r->mask) != (r->mark & r->mask))
			continue;
		if (r->protocol != 0 && r->protocol != proto)
			continue;
		/* The balancer's flows are in the default zone. */
		if (r->has_zone && r->zone != 0)
			continue;
		if (r->has_src && r->src.family != family)
			continue;
		if (r->has_dst && !in_prefix(vip, &r->dst, r->dst_len, family))
			continue;
		return true;
	}
	return false;
}

static bool
is_addr(const uint8_t *bytes, int family, const struct addr *a)
{
	return a->family == family &&
	    memcmp(bytes, a->bytes, addr_len(family)) == 0;
}

bool
ct_select_link_flow(const struct conf_conn_sync *cs, const struct ct_entry *e)
{
	for (size_t i = 0; i < cs->nlinks; i++) {
		const struct conf_conn_sync_link *l = &cs->links[i];

		if (is_addr(e->orig.src, e->family, &l->local) ||
		    is_addr(e->orig.dst, e->family, &l->local) ||
		    is_addr(e->orig.src, e->family, &l->peer) ||
		    is_addr(e->orig.dst, e->family, &l->peer))
			return true;
	}
	return false;
}

bool
ct_select_local_flow(const struct addr *locals, size_t nlocals,
    const struct ct_entry *e)
{
	for (size_t i = 0; i < nlocals; i++)
		if (is_addr(e->orig.src, e->family, &locals[i]) ||
		    is_addr(e->orig.dst, e->family, &locals[i]) ||
		    is_addr(e->reply.src, e->family, &locals[i]) ||
		    is_addr(e->reply.dst, e->family, &locals[i]))
			return true;
	return false;
}

size_t
ct_select_uncovered(const struct conf *conf, uint32_t mark, char *buf,
    size_t len)
{
	const struct conf_conn_sync_select *sel = &conf->conn_sync.select;
	size_t n = 0, at = 0;

	if (len > 0)
		buf[0] = '\0';
	if (!conf->conn_sync.enabled || !sel->given)
		return 0;
	for (size_t i = 0; i < conf->nservices; i++) {
		const struct conf_service *svc = &conf->services[i];
		uint8_t proto = svc->protocol == CONF_LB_UDP ? 17 : 6;
		int w;

		if (ct_select_covers_service(sel, svc->addr.family, proto,
		    svc->addr.bytes, mark))
			continue;
		n++;
		if (at >= len)
			continue;
		w = snprintf(buf + at, len - at, "%s%s", at > 0 ? ", " : "",
		    svc->name);
		if (w < 0 || (size_t)w >= len - at) {
			if (len >= 4)
				memcpy(buf + len - 4, "...", 4);
			at = len;
		} else {
			at += (size_t)w;
		}
	}
	return n;
}
