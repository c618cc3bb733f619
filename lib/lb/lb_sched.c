/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_sched - scheduler tables (see lb_sched.h).
 */
#include <stdbool.h>

#include "lb/lb_sched.h"

uint64_t
lb_sched_key(const void *bytes, size_t len)
{
	const uint8_t *p = bytes;
	uint64_t h = 0xcbf29ce484222325ull;       /* FNV-1a 64 */

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* splitmix64's finaliser: two independent-looking values from one key. */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static bool
takes_flows(const struct lb_sched_backend *b)
{
	return b->usable && b->weight > 0;
}

static uint32_t
gcd(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

size_t
lb_sched_wrr(const struct lb_sched_backend *b, size_t n, int equal_weights,
    uint16_t *seq, size_t max)
{
	int64_t current[LB_SCHED_MAX_BACKENDS];
	uint32_t g = 0, total = 0, w;
	size_t len = 0;

	if (n > LB_SCHED_MAX_BACKENDS)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (takes_flows(&b[i]))
			g = gcd(g, equal_weights ? 1 : b[i].weight);
	if (g == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		current[i] = 0;
		if (takes_flows(&b[i]))
			total += equal_weights ? 1 : b[i].weight / g;
	}
	/*
	 * nginx's smooth WRR: every step each backend gains its weight, the
	 * richest is picked and pays the total. Over `total` steps each is
	 * picked exactly weight times, spread out rather than in runs.
	 */
	while (len < total && len < max) {
		size_t best = n;

		for (size_t i = 0; i < n; i++) {
			if (!takes_flows(&b[i]))
				continue;
			w = equal_weights ? 1 : b[i].weight / g;
			current[i] += w;
			if (best == n || current[i] > current[best])
				best = i;
		}
		current[best] -= total;
		seq[len++] = (uint16_t)best;
	}
	return len;
}

/* n is prime: trial division, enough for sizes up to LB_SCHED_MAGLEV_MAX. */
static bool
is_prime(size_t n)
{
	if (n < 2)
		return false;
	for (size_t d = 2; d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

size_t
lb_sched_maglev_size(size_t nconfigured)
{
	size_t want = LB_SCHED_MAGLEV_SLOTS_PER_BACKEND;

	/*
	 * Steps of 100 x a power of two: a table resized loses most flows'
	 * backends (with direct routing, their connections), so adding or
	 * removing a backend keeps the size unless the count crosses a
	 * power of two, and a backend still gets 100 to 200 slots.
	 */
	while (want < nconfigured * LB_SCHED_MAGLEV_SLOTS_PER_BACKEND &&
	    want < LB_SCHED_MAGLEV_MAX)
		want *= 2;
	if (want >= LB_SCHED_MAGLEV_MAX)
		return LB_SCHED_MAGLEV_MAX;
	while (!is_prime(want))
		want++;
	return want < LB_SCHED_MAGLEV_MAX ? want : LB_SCHED_MAGLEV_MAX;
}

/*
 * The usable backends' indexes in order of their keys (insertion sort: at
 * most LB_SCHED_MAX_BACKENDS). Filling in key order rather than config
 * order makes the table a function of the set of backends alone, so two
 * nodes whose files list the same backends differently agree on it.
 */
static size_t
usable_in_key_order(const struct lb_sched_backend *b, size_t n,
    uint16_t *order)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (!takes_flows(&b[i]))
			continue;
		for (j = k; j > 0 && (b[order[j - 1]].key > b[i].key ||
		    (b[order[j - 1]].key == b[i].key &&
		    b[order[j - 1]].weight > b[i].weight)); j--)
			order[j] = order[j - 1];
		order[j] = (uint16_t)i;
		k++;
	}
	return k;
}

size_t
lb_sched_maglev(const struct lb_sched_backend *b, size_t n, uint16_t *table,
    size_t size)
{
	uint64_t offset[LB_SCHED_MAX_BACKENDS], skip[LB_SCHED_MAX_BACKENDS];
	uint64_t next[LB_SCHED_MAX_BACKENDS], credit[LB_SCHED_MAX_BACKENDS];
	uint16_t order[LB_SCHED_MAX_BACKENDS];
	uint32_t wmax = 0;
	size_t usable, filled = 0;

	for (size_t s = 0; s < size; s++)
		table[s] = LB_SCHED_NONE;
	if (n > LB_SCHED_MAX_BACKENDS || size < 2)
		return 0;
	usable = usable_in_key_order(b, n, order);
	if (usable == 0)
		return 0;
	for (size_t k = 0; k < usable; k++) {
		const struct lb_sched_backend *be = &b[order[k]];

		if (be->weight > wmax)
			wmax = be->weight;
		/* Maglev 3.4: offset and skip from two hashes of the name. */
		offset[k] = mix(be->key) % size;
		skip[k] = mix(be->key ^ 0x9e3779b97f4a7c15ull) % (size - 1) + 1;
		next[k] = 0;
		credit[k] = 0;
	}
	/*
	 * Turns in key order; a backend of weight w takes w/wmax of a turn
	 * per round, so the slots end up shared in weight proportion. Each
	 * turn walks the backend's permutation to its next free slot.
	 */
	while (filled < size) {
		for (size_t k = 0; k < usable && filled < size; k++) {
			credit[k] += b[order[k]].weight;
			while (credit[k] >= wmax && filled < size) {
				size_t c;

				credit[k] -= wmax;
				do {
					c = (size_t)((offset[k] + next[k] *
					    skip[k]) % size);
					next[k]++;
				} while (table[c] != LB_SCHED_NONE);
				table[c] = order[k];
				filled++;
			}
		}
	}
	return usable;
}

uint64_t
lb_sched_table_digest(const struct lb_sched_backend *b, size_t n,
    const uint16_t *table, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;       /* FNV-1a 64 over the keys */

	/* Keys, not indexes: the digest names backends, not config lines. */
	for (size_t s = 0; s < size; s++) {
		uint64_t key = table[s] < n ? b[table[s]].key : 0;

		for (int byte = 0; byte < 8; byte++) {
			h ^= (key >> (8 * byte)) & 0xff;
			h *= 0x100000001b3ull;
		}
	}
	return h;
}
