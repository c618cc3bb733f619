/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_least - connection-count schedulers (see lb_least.h).
 */
#include <string.h>

#include "lb/lb_least.h"
#include "lb/lb_sched.h"

#define LB_LEAST_MIN_LEN 256u
#define LB_LEAST_PER_BACKEND 32u

size_t
lb_least_len(size_t n)
{
	size_t len = n * LB_LEAST_PER_BACKEND;

	if (len < LB_LEAST_MIN_LEN)
		len = LB_LEAST_MIN_LEN;
	return len > LB_SCHED_SEQ_MAX ? LB_SCHED_SEQ_MAX : len;
}

static uint64_t
overhead(enum lb_least_kind kind, const struct lb_least_backend *b)
{
	if (kind == LB_LEAST_SED || kind == LB_LEAST_NQ)
		return (uint64_t)b->active + 1;
	return (uint64_t)b->active * 256 + b->inactive;
}

/* a's overhead per weight is below b's (cross-multiplied, as IPVS). */
static int
lower(enum lb_least_kind kind, const struct lb_least_backend *a,
    const struct lb_least_backend *b)
{
	if (kind == LB_LEAST_LC)
		return overhead(kind, a) < overhead(kind, b);
	return overhead(kind, a) * b->weight < overhead(kind, b) * a->weight;
}

int
lb_least_pick(enum lb_least_kind kind, const struct lb_least_backend *b,
    size_t n)
{
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		if (!b[i].usable || b[i].weight == 0)
			continue;
		/* nq: an idle backend at once, the first one found. */
		if (kind == LB_LEAST_NQ && b[i].active == 0)
			return (int)i;
		if (best < 0 || lower(kind, &b[i], &b[best]))
			best = (int)i;
	}
	return best;
}

size_t
lb_least_seq(enum lb_least_kind kind, const struct lb_least_backend *b,
    size_t n, uint16_t *seq, size_t len)
{
	struct lb_least_backend sim[LB_SCHED_MAX_BACKENDS];
	int k;

	if (n > LB_SCHED_MAX_BACKENDS)
		return 0;
	memcpy(sim, b, n * sizeof(*b));
	for (size_t s = 0; s < len; s++) {
		if ((k = lb_least_pick(kind, sim, n)) < 0)
			return 0;
		seq[s] = (uint16_t)k;
		sim[k].active++;
	}
	return len;
}

void
lb_least_place(const uint16_t *seq, size_t len, uint32_t pos,
    uint16_t *slots)
{
	size_t start = len > 0 ? pos % len : 0;

	for (size_t j = 0; j < len; j++)
		slots[(start + j) % len] = seq[j];
}
