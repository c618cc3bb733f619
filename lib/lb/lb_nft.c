/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_nft - virtual services as nft batch text (see lb_nft.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "conf/conf_names.h"
#include "lb/lb_nft.h"
#include "lb/lb_least.h"
#include "lb/lb_sched.h"
#include "os/nft.h"

/* Both nodes hash alike, so a flow's slot does not depend on the node. */
#define LB_NFT_SEED "0x76697064"

void
lb_text_printf(struct lb_text *t, const char *fmt, ...)
{
	va_list ap;
	size_t need;
	int n;
	char *nb;

	if (t->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf != NULL ? t->buf + t->len : NULL,
	    t->buf != NULL ? t->cap - t->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->oom = true;
		return;
	}
	if (t->buf != NULL && t->len + (size_t)n < t->cap) {
		t->len += (size_t)n;
		return;
	}
	need = t->len + (size_t)n + 1;
	if (need < 2 * t->cap)
		need = 2 * t->cap;
	if (need < 4096)
		need = 4096;
	if ((nb = realloc(t->buf, need)) == NULL) {
		t->oom = true;
		return;
	}
	t->buf = nb;
	t->cap = need;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void
lb_text_free(struct lb_text *t)
{
	free(t->buf);
	*t = (struct lb_text){ 0 };
}

void
lb_nft_id(const char *name, char *out, size_t len)
{
	size_t o = 0;

	for (; *name != '\0' && o + 3 < len; name++) {
		if (*name == '_' || *name == '-' || *name == '.') {
			out[o++] = '_';
			out[o++] = *name == '_' ? '_' : *name == '-' ? 'd' : 'o';
		} else
			out[o++] = *name;
	}
	out[o] = '\0';
}

static const char *
fam(const struct addr *a)
{
	return a->family == AF_INET6 ? "ip6" : "ip";
}

static const char *
l4(const struct conf_service *svc)
{
	return conf_names_lb_proto(svc->protocol);
}

static const char *
addr_text(const struct addr *a, char *buf, size_t len)
{
	return addr_str(a, buf, len);
}

/* The nft type of a client address, for the persistence sets. */
static const char *
addr_type(const struct addr *a)
{
	return a->family == AF_INET6 ? "ipv6_addr" : "ipv4_addr";
}

/*
 * (conf_lb refuses two backends with one address and port in a service.)
 * Persistence sets are named after their backend's address and port, not
 * its place in the list, so that a reload that adds, removes or reorders
 * backends finds the set of every backend it keeps under the same name.
 */
const char *
lb_nft_counter_name(enum lb_nft_counter kind, const char *id, size_t backend,
    char *buf, size_t len)
{
	snprintf(buf, len, "lb_%c_%s_%zu",
	    kind == LB_NFT_COUNTER_CONNS ? 'n' : 'c', id, backend);
	return buf;
}

/*
 * The id may hold '_' ("__", "_d", "_o"), the index never does: the last
 * '_' ends the id. The index is decimal as %zu writes it (no sign, no
 * leading zero), so that only names lb_nft_counter_name() writes parse.
 */
bool
lb_nft_counter_parse(const char *name, enum lb_nft_counter *kind, char *id,
    size_t id_len, size_t *backend)
{
	const char *sep, *p;
	size_t n = 0, idl;

	if (strncmp(name, "lb_", 3) != 0 || (name[3] != 'n' && name[3] != 'c') ||
	    name[4] != '_' || (sep = strrchr(name + 5, '_')) == NULL)
		return false;
	idl = (size_t)(sep - (name + 5));
	if (idl == 0 || idl >= id_len || sep[1] == '\0' ||
	    (sep[1] == '0' && sep[2] != '\0'))
		return false;
	for (p = sep + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || n > (SIZE_MAX - 9) / 10)
			return false;
		n = n * 10 + (size_t)(*p - '0');
	}
	memcpy(id, name + 5, idl);
	id[idl] = '\0';
	*kind = name[3] == 'n' ? LB_NFT_COUNTER_CONNS : LB_NFT_COUNTER_TRAFFIC;
	*backend = n;
	return true;
}

/* "counter NAME {" then, on a line of its own, "packets N bytes M". */
void
lb_nft_counters_each(char *text, lb_nft_counter_fn fn, void *arg)
{
	char name[LB_NFT_COUNTER_MAX + 1] = "", *line, *save = NULL;
	uint64_t p, b;
	size_t n;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		if (strncmp(line, "counter ", 8) == 0) {
			n = strcspn(line + 8, " \t{");
			/* A name too long is none of ours: matches nothing. */
			snprintf(name, sizeof(name), "%.*s", n < sizeof(name) - 1 ?
			    (int)n : 0, line + 8);
			continue;
		}
		if (name[0] != '\0' && sscanf(line, "packets %" SCNu64 " bytes %"
		    SCNu64, &p, &b) == 2)
			fn(arg, name, p, b);
	}
}

const char *
lb_nft_persist_set(const char *id, const struct conf_backend *b, char *buf,
    size_t len)
{
	uint8_t key[18];

	memcpy(key, b->addr.bytes, 16);
	key[16] = (uint8_t)(b->port >> 8);
	key[17] = (uint8_t)b->port;
	snprintf(buf, len, "lb_p_%s_%016" PRIx64, id, lb_sched_key(key,
	    sizeof(key)));
	return buf;
}

static bool
same_backend(const struct conf_backend *a, const struct conf_backend *b)
{
	return addr_cmp(&a->addr, &b->addr) == 0 && a->port == b->port;
}

/* True when svc has sets and keep has the same set for backend b. */
static bool
persist_kept(const struct conf_service *svc, const struct conf_backend *b,
    const struct conf_service *keep)
{
	if (keep == NULL || svc->persistence_s == 0 ||
	    keep->persistence_s != svc->persistence_s ||
	    keep->addr.family != svc->addr.family)
		return false;
	for (size_t j = 0; j < keep->nbackends; j++)
		if (same_backend(&keep->backends[j], b))
			return true;
	return false;
}

/* "10.1.0.11:8080" or "[2001:db8::11]:8080", a dnat target. */
static const char *
target_text(const struct addr *addr, unsigned port, char *buf,
    size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr_text(addr, a, sizeof(a));
	snprintf(buf, len, addr->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
	    port);
	return buf;
}

void
lb_nft_base(struct lb_text *t)
{
	lb_text_printf(t,
	    "add table " NFT_TABLE "\n"
	    "add chain " NFT_TABLE " lb_prerouting { type nat hook prerouting "
	    "priority dstnat; policy accept; }\n"
	    "add chain " NFT_TABLE " lb_output { type nat hook output "
	    "priority -100; policy accept; }\n"
	    "add chain " NFT_TABLE " lb_fwd { type filter hook forward "
	    "priority filter; policy accept; }\n"
	    "add chain " NFT_TABLE " lb_input { type filter hook input "
	    "priority " NFT_PRIO_LB_INPUT "; policy accept; }\n"
	    "add chain " NFT_TABLE " lb_postrouting { type nat hook postrouting "
	    "priority srcnat; policy accept; }\n"
	    "flush chain " NFT_TABLE " lb_prerouting\n"
	    "flush chain " NFT_TABLE " lb_output\n"
	    "flush chain " NFT_TABLE " lb_fwd\n"
	    "flush chain " NFT_TABLE " lb_input\n"
	    "flush chain " NFT_TABLE " lb_postrouting\n");
}

/* The service's backend -> counter maps (see lb_nft.h). */
static const char *
counter_map(enum lb_nft_counter kind, const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "lb_%cm_%s", kind == LB_NFT_COUNTER_CONNS ? 'n' :
	    'c', id);
	return buf;
}

/* "10.1.0.11 . 8080 : "lb_c_web_0", ..." for one counter map. */
static void
counter_elems(struct lb_text *t, const struct conf_service *svc,
    const char *id, enum lb_nft_counter kind)
{
	char a[INET6_ADDRSTRLEN], c[LB_NFT_COUNTER_MAX], m[LB_NFT_SET_MAX];

	if (svc->nbackends == 0)
		return;
	lb_text_printf(t, "add element " NFT_TABLE " %s { ", counter_map(kind,
	    id, m, sizeof(m)));
	for (size_t i = 0; i < svc->nbackends; i++)
		lb_text_printf(t, "%s%s . %u : \"%s\"", i > 0 ? ", " : "",
		    addr_text(&svc->backends[i].addr, a, sizeof(a)),
		    svc->backends[i].port, lb_nft_counter_name(kind, id, i, c,
		    sizeof(c)));
	lb_text_printf(t, " }\n");
}

void
lb_nft_service_add(struct lb_text *t, const struct conf_service *svc)
{
	char id[LB_NFT_ID_MAX], a[INET6_ADDRSTRLEN], set[LB_NFT_SET_MAX];
	char cn[LB_NFT_COUNTER_MAX], cc[LB_NFT_COUNTER_MAX], m[LB_NFT_SET_MAX];
	char nm[LB_NFT_SET_MAX], cm[LB_NFT_SET_MAX];
	const char *f = fam(&svc->addr);

	lb_nft_id(svc->name, id, sizeof(id));
	counter_map(LB_NFT_COUNTER_CONNS, id, nm, sizeof(nm));
	counter_map(LB_NFT_COUNTER_TRAFFIC, id, cm, sizeof(cm));
	/* The flushes make this idempotent: a retry after a refusal. */
	lb_text_printf(t, "add chain " NFT_TABLE " lb_s_%s\n"
	    "add chain " NFT_TABLE " lb_f_%s\n"
	    "flush chain " NFT_TABLE " lb_f_%s\n"
	    "add map " NFT_TABLE " %s { type %s . inet_service : counter; }\n"
	    "add map " NFT_TABLE " %s { type %s . inet_service : counter; }\n"
	    "flush map " NFT_TABLE " %s\n"
	    "flush map " NFT_TABLE " %s\n", id, id, id, nm,
	    addr_type(&svc->addr), cm, addr_type(&svc->addr), nm, cm);
	/*
	 * lc, wlc, sed, nq: slot -> backend, walked by the scheduler's rule
	 * (the key's type is numgen's; its modulus is the rule's business).
	 */
	if (CONF_LB_SCHED_COUNTS(svc->scheduler))
		lb_text_printf(t, "add map " NFT_TABLE " %s { typeof numgen inc "
		    "mod %zu : %s daddr . %s dport; }\n", lb_nft_least_map(id, m,
		    sizeof(m)), lb_least_len(svc->nbackends), fam(&svc->addr),
		    l4(svc));
	for (size_t i = 0; i < svc->nbackends; i++) {
		lb_nft_counter_name(LB_NFT_COUNTER_CONNS, id, i, cn, sizeof(cn));
		lb_nft_counter_name(LB_NFT_COUNTER_TRAFFIC, id, i, cc, sizeof(cc));
		lb_text_printf(t, "add counter " NFT_TABLE " %s\n"
		    "add counter " NFT_TABLE " %s\n", cn, cc);
	}
	counter_elems(t, svc, id, LB_NFT_COUNTER_CONNS);
	counter_elems(t, svc, id, LB_NFT_COUNTER_TRAFFIC);
	/*
	 * Every packet of every balanced flow passes here: one lookup of the
	 * backend (the DNATed destination going out, the source coming
	 * back) finds its counter, whatever the number of backends. (A
	 * rule per backend matching the conntrack reply tuple cost a fifth
	 * of the node's forwarding time; the ct tuple's ports cannot be a
	 * map key, the packet's can.)
	 */
	lb_text_printf(t, "add rule " NFT_TABLE " lb_f_%s ct direction original "
	    "counter name %s daddr . th dport map @%s\n"
	    "add rule " NFT_TABLE " lb_f_%s ct direction reply counter name %s "
	    "saddr . th sport map @%s\n", id, f, cm, id, f, cm);
	for (size_t i = 0; i < svc->nbackends; i++) {
		const struct conf_backend *b = &svc->backends[i];

		addr_text(&b->addr, a, sizeof(a));
		/*
		 * Persistence: one set of clients per backend, filled by each
		 * new flow that went there. (A single client -> address.port
		 * map would be simpler, but nft 1.0.6 aborts on updating one
		 * with IPv6 concatenations.) "add set" leaves a set that a
		 * reload kept (same definition) as it is, clients and all.
		 *
		 * Every later packet of the client's flows, either way,
		 * restarts its timeout, so that a client whose connection is
		 * in use is not re-balanced under it (IPVS keeps a template
		 * while it has connections). Only a client still in the set
		 * is refreshed: one whose backend stopped taking new flows
		 * was forgotten (lb_nft_service_rules) and its old
		 * connections must not put it back. The time runs from the
		 * last packet, not, as with IPVS, from the end of the last
		 * connection: a connection idle for persistence_s no longer
		 * holds its client. The cost is one set update per packet.
		 */
		if (svc->persistence_s == 0)
			continue;
		lb_nft_persist_set(id, b, set, sizeof(set));
		lb_text_printf(t, "add set " NFT_TABLE " %s { type %s; flags "
		    "dynamic,timeout; timeout %us; }\n"
		    "add rule " NFT_TABLE " lb_f_%s meta l4proto %s ct reply %s "
		    "saddr %s ct reply proto-src %u ct direction original ct "
		    "state new update @%s { %s saddr }\n"
		    "add rule " NFT_TABLE " lb_f_%s meta l4proto %s ct reply %s "
		    "saddr %s ct reply proto-src %u ct state established ct "
		    "original %s saddr @%s update @%s { ct original %s saddr "
		    "}\n", set,
		    addr_type(&svc->addr), svc->persistence_s, id, l4(svc),
		    fam(&b->addr), a, b->port, set, fam(&b->addr),
		    id, l4(svc), fam(&b->addr), a, b->port, fam(&b->addr), set,
		    set, fam(&b->addr));
	}
}

void
lb_nft_service_delete(struct lb_text *t, const struct conf_service *svc,
    const struct conf_service *keep)
{
	char id[LB_NFT_ID_MAX], set[LB_NFT_SET_MAX], cm[LB_NFT_SET_MAX];

	lb_nft_id(svc->name, id, sizeof(id));
	/* Rules go first: a chain or counter still referenced cannot go. */
	lb_text_printf(t, "flush chain " NFT_TABLE " lb_s_%s\n"
	    "flush chain " NFT_TABLE " lb_f_%s\n"
	    "delete chain " NFT_TABLE " lb_s_%s\n"
	    "delete chain " NFT_TABLE " lb_f_%s\n", id, id, id, id);
	/* The maps before the counters their elements name. */
	lb_text_printf(t, "delete map " NFT_TABLE " %s\n"
	    "delete map " NFT_TABLE " %s\n", counter_map(LB_NFT_COUNTER_CONNS,
	    id, set, sizeof(set)), counter_map(LB_NFT_COUNTER_TRAFFIC, id, cm,
	    sizeof(cm)));
	if (CONF_LB_SCHED_COUNTS(svc->scheduler))
		lb_text_printf(t, "delete map " NFT_TABLE " %s\n",
		    lb_nft_least_map(id, set, sizeof(set)));
	for (size_t i = 0; i < svc->nbackends; i++) {
		char cn[LB_NFT_COUNTER_MAX], cc[LB_NFT_COUNTER_MAX];

		lb_nft_counter_name(LB_NFT_COUNTER_CONNS, id, i, cn, sizeof(cn));
		lb_nft_counter_name(LB_NFT_COUNTER_TRAFFIC, id, i, cc, sizeof(cc));
		lb_text_printf(t, "delete counter " NFT_TABLE " %s\n"
		    "delete counter " NFT_TABLE " %s\n", cn, cc);
		if (svc->persistence_s > 0 && !persist_kept(svc, &svc->backends[i], keep))
			lb_text_printf(t, "delete set " NFT_TABLE " %s\n",
			    lb_nft_persist_set(id, &svc->backends[i], set,
			    sizeof(set)));
	}
}

void
lb_nft_service_hooks(struct lb_text *t, const struct conf_service *svc)
{
	char id[LB_NFT_ID_MAX], a[INET6_ADDRSTRLEN], nm[LB_NFT_SET_MAX];
	const char *f = fam(&svc->addr), *p = l4(svc);

	lb_nft_id(svc->name, id, sizeof(id));
	addr_text(&svc->addr, a, sizeof(a));
	/*
	 * New connections are counted where NAT sees them: once each, in
	 * postrouting (after DNAT: the destination is the backend), never
	 * again per packet.
	 */
	lb_text_printf(t, "add rule " NFT_TABLE " lb_postrouting ct mark 0x%08x "
	    "ct original %s daddr %s meta l4proto %s ct original proto-dst %u "
	    "counter name %s daddr . th dport map @%s\n", NFT_VIPD_CT_MARK, f,
	    a, p, svc->port, f, counter_map(LB_NFT_COUNTER_CONNS, id, nm,
	    sizeof(nm)));
	lb_text_printf(t,
	    "add rule " NFT_TABLE " lb_prerouting %s daddr %s %s dport %u "
	    "jump lb_s_%s\n"
	    "add rule " NFT_TABLE " lb_output %s daddr %s %s dport %u "
	    "jump lb_s_%s\n"
	    "add rule " NFT_TABLE " lb_fwd ct mark 0x%08x ct original %s daddr "
	    "%s meta l4proto %s ct original proto-dst %u jump lb_f_%s\n"
	    "add rule " NFT_TABLE " lb_input %s daddr %s %s dport %u reject%s\n",
	    f, a, p, svc->port, id, f, a, p, svc->port, id,
	    NFT_VIPD_CT_MARK, f, a, p, svc->port, id,
	    f, a, p, svc->port, svc->protocol == CONF_LB_TCP ?
	    " with tcp reset" : "");
}

size_t
lb_nft_active_st(const struct conf_service *svc,
    const struct lb_nft_backend_state *st)
{
	size_t n = 0;

	for (size_t i = 0; i < svc->nbackends; i++)
		n += st[i].up && st[i].weight > 0;
	return n;
}

uint32_t
lb_nft_weight_sum(const struct conf_service *svc,
    const struct lb_nft_backend_state *st)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < svc->nbackends; i++)
		sum += st[i].up ? st[i].weight : 0;
	return sum;
}

bool
lb_nft_quorum_met(bool was_met, bool first, uint32_t sum, size_t active,
    uint32_t quorum, uint32_t hysteresis)
{
	if (active == 0)
		return false;
	if (first)
		return sum >= quorum;
	if (was_met)
		return sum + hysteresis >= quorum;
	return sum >= quorum + hysteresis;
}

/* The file's weights, no connections. */
static void
conf_states(const struct conf_service *svc, const bool *up,
    struct lb_nft_backend_state *st)
{
	for (size_t i = 0; i < svc->nbackends; i++)
		st[i] = (struct lb_nft_backend_state){ .up = up[i],
		    .weight = svc->backends[i].weight };
}

size_t
lb_nft_active(const struct conf_service *svc, const bool *up)
{
	struct lb_nft_backend_state st[CONF_LB_MAX_BACKENDS];

	conf_states(svc, up, st);
	return lb_nft_active_st(svc, st);
}

/* "{ 0 : 10.1.0.11 . 8080, 1 : ... }" from a slot -> backend table. */
static void
slot_map(struct lb_text *t, const struct conf_service *svc,
    const uint16_t *slots, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	lb_text_printf(t, "{ ");
	for (size_t s = 0; s < n; s++) {
		const struct conf_backend *b = &svc->backends[slots[s]];

		lb_text_printf(t, "%s%zu : %s . %u", s > 0 ? ", " : "", s,
		    addr_text(&b->addr, a, sizeof(a)), b->port);
	}
	lb_text_printf(t, " }\n");
}

/* lc, wlc, sed, nq: IPVS's next picks, walked by numgen (lb_least.h). */
size_t
lb_nft_least_slots(const struct conf_service *svc,
    const struct lb_nft_backend_state *st, uint32_t pos, uint16_t *slots)
{
	struct lb_least_backend lb[LB_SCHED_MAX_BACKENDS];
	uint16_t seq[LB_SCHED_SEQ_MAX];
	enum lb_least_kind kind = svc->scheduler == CONF_LB_LC ? LB_LEAST_LC :
	    svc->scheduler == CONF_LB_WLC ? LB_LEAST_WLC :
	    svc->scheduler == CONF_LB_SED ? LB_LEAST_SED : LB_LEAST_NQ;
	size_t len = lb_least_len(svc->nbackends);

	for (size_t i = 0; i < svc->nbackends && i < LB_SCHED_MAX_BACKENDS;
	    i++)
		lb[i] = (struct lb_least_backend){ st[i].weight, st[i].up,
		    st[i].active, st[i].inactive };
	if (lb_least_seq(kind, lb, svc->nbackends, seq, len) == 0)
		return 0;
	lb_least_place(seq, len, pos, slots);
	return len;
}

const char *
lb_nft_least_map(const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "lb_m_%s", id);
	return buf;
}

/* "s : 10.1.0.11 . 8080" */
static void
slot_elem(struct lb_text *t, const struct conf_service *svc, size_t s,
    uint16_t backend, bool first)
{
	char a[INET6_ADDRSTRLEN];
	const struct conf_backend *b = &svc->backends[backend];

	lb_text_printf(t, "%s%zu : %s . %u", first ? "" : ", ", s,
	    addr_text(&b->addr, a, sizeof(a)), b->port);
}

/*
 * An element's value cannot be changed in place (nft refuses to add a
 * key that exists with other data): a changed slot is deleted and added
 * again, both in this transaction, which the kernel commits at once.
 */
size_t
lb_nft_least_update(struct lb_text *t, const struct conf_service *svc,
    const uint16_t *was, const uint16_t *now, size_t len)
{
	char id[LB_NFT_ID_MAX], m[LB_NFT_SET_MAX];
	size_t changed = 0;

	lb_nft_id(svc->name, id, sizeof(id));
	lb_nft_least_map(id, m, sizeof(m));
	for (size_t s = 0; s < len; s++) {
		if (was[s] == now[s])
			continue;
		if (changed++ == 0)
			lb_text_printf(t, "delete element " NFT_TABLE " %s { ", m);
		lb_text_printf(t, "%s%zu", changed == 1 ? "" : ", ", s);
	}
	if (changed == 0)
		return 0;
	lb_text_printf(t, " }\nadd element " NFT_TABLE " %s { ", m);
	for (size_t s = 0, k = 0; s < len; s++)
		if (was[s] != now[s])
			slot_elem(t, svc, s, now[s], k++ == 0);
	lb_text_printf(t, " }\n");
	return changed;
}

void
lb_nft_sched_backends(const struct conf_service *svc,
    const struct lb_nft_backend_state *st, struct lb_sched_backend *sb)
{
	for (size_t i = 0; i < svc->nbackends && i < LB_SCHED_MAX_BACKENDS;
	    i++) {
		const struct conf_backend *b = &svc->backends[i];
		uint8_t key[18];

		memcpy(key, b->addr.bytes, 16);
		key[16] = (uint8_t)(b->port >> 8);
		key[17] = (uint8_t)b->port;
		sb[i] = (struct lb_sched_backend){ lb_sched_key(key,
		    sizeof(key)), st[i].weight, st[i].up };
	}
}

size_t
lb_nft_table_size(const struct conf_service *svc)
{
	if (svc->scheduler != CONF_LB_SH && svc->scheduler != CONF_LB_MH)
		return 0;
	return lb_sched_maglev_size(svc->nbackends);
}

uint64_t
lb_nft_table(const struct conf_service *svc,
    const struct lb_nft_backend_state *st, uint16_t *table)
{
	struct lb_sched_backend sb[LB_SCHED_MAX_BACKENDS];
	size_t size = lb_nft_table_size(svc);

	lb_nft_sched_backends(svc, st, sb);
	lb_sched_maglev(sb, svc->nbackends, table, size);
	return lb_sched_table_digest(sb, svc->nbackends, table, size);
}

const char *
lb_nft_hash_expr(const struct conf_service *svc, char *buf, size_t len)
{
	const char *f = fam(&svc->addr), *p = l4(svc);

	if (svc->scheduler == CONF_LB_SH)
		snprintf(buf, len, "jhash %s saddr mod %zu seed " LB_NFT_SEED,
		    f, lb_nft_table_size(svc));
	else
		snprintf(buf, len, "jhash %s saddr . %s sport . %s daddr . %s "
		    "dport mod %zu seed " LB_NFT_SEED, f, p, f, p,
		    lb_nft_table_size(svc));
	return buf;
}

/*
 * The scheduler's DNAT rule over the backends that take new flows. The
 * slots are allocated: a Maglev table of up to 65537 slots, or a wrr
 * sequence of up to LB_SCHED_SEQ_MAX, is too much for the stack.
 */
static void
sched_rule(struct lb_text *t, const struct conf_service *svc, const char *id,
    const struct lb_nft_backend_state *st)
{
	struct lb_sched_backend sb[LB_SCHED_MAX_BACKENDS];
	const char *f = fam(&svc->addr), *p = l4(svc);
	char hash[LB_NFT_HASH_MAX], m[LB_NFT_SET_MAX];
	bool counts = CONF_LB_SCHED_COUNTS(svc->scheduler);
	size_t n = lb_nft_table_size(svc);
	uint16_t *slots = malloc((n > LB_SCHED_SEQ_MAX ? n : LB_SCHED_SEQ_MAX) *
	    sizeof(*slots));

	if (slots == NULL) {
		t->oom = true;
		return;
	}
	if (counts) {
		/* The elements before the rule that walks them. */
		n = lb_nft_least_slots(svc, st, 0, slots);
		lb_nft_least_map(id, m, sizeof(m));
		lb_text_printf(t, "flush map " NFT_TABLE " %s\n", m);
		if (n > 0) {
			lb_text_printf(t, "add element " NFT_TABLE " %s { ", m);
			for (size_t s = 0; s < n; s++)
				slot_elem(t, svc, s, slots[s], s == 0);
			lb_text_printf(t, " }\n");
		}
	}
	lb_text_printf(t, "add rule " NFT_TABLE " lb_s_%s meta l4proto %s "
	    "ct mark set 0x%08x dnat %s to ", id, p, NFT_VIPD_CT_MARK, f);
	if (counts) {
		/*
		 * A named map the rule never leaves: later count changes
		 * rewrite its elements, and numgen keeps counting.
		 */
		lb_text_printf(t, "numgen inc mod %zu map @%s\n", n, m);
		free(slots);
		return;
	}
	if (n == 0) {                 /* rr, wrr */
		lb_nft_sched_backends(svc, st, sb);
		n = lb_sched_wrr(sb, svc->nbackends, svc->scheduler ==
		    CONF_LB_RR, slots, LB_SCHED_SEQ_MAX);
		lb_text_printf(t, "numgen inc mod %zu map ", n);
	} else {                      /* sh, mh */
		(void)lb_nft_table(svc, st, slots);
		lb_text_printf(t, "%s map ", lb_nft_hash_expr(svc, hash,
		    sizeof(hash)));
	}
	slot_map(t, svc, slots, n);
	free(slots);
}

size_t
lb_nft_service_rules(struct lb_text *t, const struct conf_service *svc,
    const bool *up)
{
	struct lb_nft_backend_state st[CONF_LB_MAX_BACKENDS];

	conf_states(svc, up, st);
	return lb_nft_service_rules_st(t, svc, st, lb_nft_quorum_met(false,
	    true, lb_nft_weight_sum(svc, st), lb_nft_active_st(svc, st),
	    svc->quorum, svc->hysteresis));
}

size_t
lb_nft_service_rules_st(struct lb_text *t, const struct conf_service *svc,
    const struct lb_nft_backend_state *st, bool quorum_met)
{
	char id[LB_NFT_ID_MAX], to[INET6_ADDRSTRLEN + 8], set[LB_NFT_SET_MAX];
	size_t active = lb_nft_active_st(svc, st);
	const char *f = fam(&svc->addr), *p = l4(svc);

	lb_nft_id(svc->name, id, sizeof(id));
	lb_text_printf(t, "flush chain " NFT_TABLE " lb_s_%s\n", id);
	/*
	 * Only the clients of a backend that no longer takes new flows are
	 * forgotten (and so re-balanced); the others stay where they are, as
	 * with IPVS persistence templates, whatever happened to other
	 * backends.
	 */
	for (size_t i = 0; svc->persistence_s > 0 && i < svc->nbackends; i++)
		if (!st[i].up || st[i].weight == 0)
			lb_text_printf(t, "flush set " NFT_TABLE " %s\n",
			    lb_nft_persist_set(id, &svc->backends[i], set,
			    sizeof(set)));
	if (quorum_met) {
		/* Remembered clients first, to backends that take flows. */
		for (size_t i = 0; svc->persistence_s > 0 &&
		    i < svc->nbackends; i++)
			if (st[i].up && st[i].weight > 0)
				lb_text_printf(t, "add rule " NFT_TABLE " lb_s_%s "
				    "meta l4proto %s %s saddr @%s ct mark set "
				    "0x%08x dnat %s to %s\n", id, p, f,
				    lb_nft_persist_set(id, &svc->backends[i], set,
				    sizeof(set)), NFT_VIPD_CT_MARK, f,
				    target_text(&svc->backends[i].addr,
				    svc->backends[i].port, to, sizeof(to)));
		sched_rule(t, svc, id, st);
	} else if (svc->has_sorry)
		lb_text_printf(t, "add rule " NFT_TABLE " lb_s_%s meta l4proto "
		    "%s ct mark set 0x%08x dnat %s to %s\n", id, p,
		    NFT_VIPD_CT_MARK, f, target_text(&svc->sorry_addr,
		    svc->sorry_port, to, sizeof(to)));
	return active;
}
