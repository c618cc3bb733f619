/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_peer - the other nodes of a sync group (see ct_peer.h).
 */
#include <string.h>

#include "ctsync/ct_peer.h"

struct ct_peer *
ct_peers_find(struct ct_peers *t, uint32_t id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->p[i].id == id)
			return &t->p[i];
	return NULL;
}

struct ct_peer *
ct_peers_get(struct ct_peers *t, uint32_t id)
{
	struct ct_peer *p;

	if (id == 0)
		return NULL;
	if ((p = ct_peers_find(t, id)) != NULL)
		return p;
	if (t->n == CT_PEER_MAX)
		return NULL;
	p = &t->p[t->n++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	return p;
}

bool
ct_peer_follow(uint32_t current, uint64_t current_rx_ms, uint32_t from,
    uint64_t now_ms)
{
	if (from == 0 || from == current)
		return false;
	if (current == 0 || current_rx_ms == 0)
		return true;
	return now_ms - current_rx_ms >= CT_PEER_FOLLOW_SILENT_MS;
}

size_t
ct_peer_pick_links(const struct ct_link *links, const uint32_t *node,
    size_t n, bool *active, size_t *from)
{
	bool done[CT_PEER_MAX] = { false };
	size_t changed = 0;

	for (size_t i = 0; i < n && i < CT_PEER_MAX; i++) {
		size_t up = n, was = n, first = i, pick;

		if (done[i])
			continue;
		for (size_t k = i; k < n; k++) {
			if (k != i && (node[i] == 0 || node[k] != node[i]))
				continue;
			done[k] = true;
			if (up == n && links[k].state == CT_LINK_UP)
				up = k;
			if (was == n && active[k])
				was = k;
		}
		pick = up != n ? up : was != n ? was : first;
		for (size_t k = i; k < n; k++) {
			bool on;

			if (k != i && (node[i] == 0 || node[k] != node[i]))
				continue;
			on = k == pick;
			if (active[k] != on)
				changed++;
			active[k] = on;
			from[k] = on ? was : n;
		}
	}
	return changed;
}

bool
ct_peers_all_ext(const struct ct_peers *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->p[i].id != 0 && !t->p[i].ext)
			return false;
	return true;
}
