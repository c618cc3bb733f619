/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_conns - the balanced connections (see lb_conns.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "lb/lb_conns.h"

/* The kernel's enum tcp_conntrack (linux/netfilter/nf_conntrack_tcp.h). */
enum { CT_TCP_SYN_SENT = 1, CT_TCP_SYN_RECV, CT_TCP_ESTABLISHED,
	CT_TCP_FIN_WAIT, CT_TCP_CLOSE_WAIT, CT_TCP_LAST_ACK, CT_TCP_TIME_WAIT,
	CT_TCP_CLOSE, CT_TCP_SYN_SENT2 };

int
lb_conns_init(struct lb_conns *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	if ((t->buckets = calloc(LB_CONNS_BUCKETS, sizeof(*t->buckets))) ==
	    NULL)
		return -ENOMEM;
	t->max = max;
	return 0;
}

void
lb_conns_free(struct lb_conns *t)
{
	for (size_t i = 0; t->buckets != NULL && i < LB_CONNS_BUCKETS; i++)
		for (struct lb_conn *c = t->buckets[i], *n; c != NULL; c = n) {
			n = c->next;
			free(c);
		}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

enum lb_conn_class
lb_conns_class(uint8_t proto, uint8_t tcp_state)
{
	if (proto != IPPROTO_TCP)
		return LB_CONN_ACTIVE;
	switch (tcp_state) {
	case CT_TCP_SYN_SENT:
	case CT_TCP_SYN_RECV:
	case CT_TCP_ESTABLISHED:
	case CT_TCP_SYN_SENT2:
		return LB_CONN_ACTIVE;
	case CT_TCP_FIN_WAIT:
	case CT_TCP_CLOSE_WAIT:
	case CT_TCP_LAST_ACK:
	case CT_TCP_TIME_WAIT:
	case CT_TCP_CLOSE:
		return LB_CONN_INACTIVE;
	default:
		return LB_CONN_NONE;
	}
}

static size_t
bucket(const struct lb_conn_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;             /* FNV-1a 32 */

	for (size_t i = 0; i < sizeof(*k); i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h & (LB_CONNS_BUCKETS - 1);
}

static struct lb_conn **
find(const struct lb_conns *t, const struct lb_conn_key *key)
{
	struct lb_conn **pp = &t->buckets[bucket(key)];

	while (*pp != NULL && memcmp(&(*pp)->key, key, sizeof(*key)) != 0)
		pp = &(*pp)->next;
	return pp;
}

int
lb_conns_update(struct lb_conns *t, const struct lb_conn_key *key,
    const struct lb_conn_dest *dest, enum lb_conn_class cls,
    struct lb_conns_change *ch)
{
	struct lb_conn **pp = find(t, key), *c = *pp;

	ch->key = key;
	ch->dest = *dest;
	ch->was = ch->now = LB_CONN_NONE;
	if (c != NULL) {
		c->gen = t->gen;
		ch->dest = c->dest;
		ch->was = ch->now = (enum lb_conn_class)c->cls;
		if (cls != LB_CONN_NONE)
			c->cls = (int8_t)(ch->now = cls);
		return 0;
	}
	if (t->count >= t->max) {
		t->refused++;
		return -ENOSPC;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		t->refused++;
		return -ENOMEM;
	}
	c->key = *key;
	c->dest = *dest;
	c->cls = (int8_t)(cls == LB_CONN_NONE ? LB_CONN_ACTIVE : cls);
	c->gen = t->gen;
	*pp = c;
	t->count++;
	ch->now = (enum lb_conn_class)c->cls;
	return 0;
}

bool
lb_conns_destroy(struct lb_conns *t, const struct lb_conn_key *key,
    struct lb_conns_change *ch)
{
	struct lb_conn **pp = find(t, key), *c = *pp;

	if (c == NULL)
		return false;
	ch->key = key;
	ch->dest = c->dest;
	ch->was = (enum lb_conn_class)c->cls;
	ch->now = LB_CONN_NONE;
	*pp = c->next;
	free(c);
	t->count--;
	return true;
}

void
lb_conns_each(const struct lb_conns *t, lb_conns_fn fn, void *arg)
{
	struct lb_conns_change ch;

	for (size_t i = 0; t->buckets != NULL && i < LB_CONNS_BUCKETS; i++)
		for (const struct lb_conn *c = t->buckets[i]; c != NULL;
		    c = c->next) {
			ch.key = &c->key;
			ch.dest = c->dest;
			ch.was = LB_CONN_NONE;
			ch.now = (enum lb_conn_class)c->cls;
			fn(arg, &ch);
		}
}

void
lb_conns_sweep_begin(struct lb_conns *t)
{
	t->gen++;
}

size_t
lb_conns_sweep_end(struct lb_conns *t, lb_conns_fn fn, void *arg)
{
	struct lb_conns_change ch;
	size_t gone = 0;

	for (size_t i = 0; t->buckets != NULL && i < LB_CONNS_BUCKETS; i++) {
		struct lb_conn **pp = &t->buckets[i];

		while (*pp != NULL) {
			struct lb_conn *c = *pp;

			if (c->gen == t->gen) {
				pp = &c->next;
				continue;
			}
			*pp = c->next;
			ch.key = &c->key;
			ch.dest = c->dest;
			ch.was = (enum lb_conn_class)c->cls;
			ch.now = LB_CONN_NONE;
			fn(arg, &ch);
			free(c);
			t->count--;
			gone++;
		}
	}
	return gone;
}
