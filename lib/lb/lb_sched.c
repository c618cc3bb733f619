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

size_t
lb_sched_maglev(const struct lb_sched_backend *b, size_t n, uint16_t *table,
    size_t size)
{
	uint64_t offset[LB_SCHED_MAX_BACKENDS], skip[LB_SCHED_MAX_BACKENDS];
	uint64_t next[LB_SCHED_MAX_BACKENDS], credit[LB_SCHED_MAX_BACKENDS];
	uint32_t wmax = 0;
	size_t usable = 0, filled = 0;

	for (size_t s = 0; s < size; s++)
		table[s] = LB_SCHED_NONE;
	if (n > LB_SCHED_MAX_BACKENDS || size < 2)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!takes_flows(&b[i]))
			continue;
		usable++;
		if (b[i].weight > wmax)
			wmax = b[i].weight;
		/* Maglev 3.4: offset and skip from two hashes of the name. */
		offset[i] = mix(b[i].key) % size;
		skip[i] = mix(b[i].key ^ 0x9e3779b97f4a7c15ull) % (size - 1) + 1;
		next[i] = 0;
		credit[i] = 0;
	}
	if (usable == 0)
		return 0;
	/*
	 * Turns in backend order; a backend of weight w takes w/wmax of a
	 * turn per round, so the slots end up shared in weight proportion.
	 * Each turn walks the backend's permutation to its next free slot.
	 */
	while (filled < size) {
		for (size_t i = 0; i < n && filled < size; i++) {
			if (!takes_flows(&b[i]))
				continue;
			credit[i] += b[i].weight;
			while (credit[i] >= wmax && filled < size) {
				size_t c;

				credit[i] -= wmax;
				do {
					c = (size_t)((offset[i] + next[i] *
					    skip[i]) % size);
					next[i]++;
				} while (table[c] != LB_SCHED_NONE);
				table[c] = (uint16_t)i;
				filled++;
			}
		}
	}
	return usable;
}
