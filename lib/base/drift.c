/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * drift - when to look for outside changes, what to count and log (see
 * drift.h).
 */
#include <errno.h>
#include <string.h>

#include "base/drift.h"

static const char *const drift_names[DRIFT__COUNT] = {
	[DRIFT_NFT_TABLE] = "nft_table",
	[DRIFT_ADDRESS] = "address",
	[DRIFT_MACVLAN] = "macvlan",
	[DRIFT_ROUTE] = "route",
	[DRIFT_ANNOUNCE_ROUTE] = "announce_route",
};

const char *
drift_kind_name(enum drift_kind k)
{
	return (unsigned)k < DRIFT__COUNT ? drift_names[k] : "unknown";
}

void
drift_init(struct drift *d)
{
	memset(d, 0, sizeof(*d));
}

void
drift_note(struct drift *d, enum drift_kind k, uint64_t now_ms)
{
	struct drift_kind_state *s;

	if ((unsigned)k >= DRIFT__COUNT)
		return;
	s = &d->k[k];
	if (s->pending)
		return;
	/*
	 * At once after a quiet spell: a table without its NAT chains sends
	 * established flows to the local stack, which resets them, so every
	 * millisecond counts. Events read in one batch are still one check
	 * (the check runs after the batch), and a tool that keeps deleting
	 * waits DRIFT_COALESCE_MS after each check.
	 */
	s->pending = true;
	s->due_ms = now_ms;
	if (s->checked && s->checked_ms + DRIFT_COALESCE_MS > now_ms)
		s->due_ms = s->checked_ms + DRIFT_COALESCE_MS;
}

void
drift_retry_at(struct drift *d, enum drift_kind k, uint64_t due_ms)
{
	struct drift_kind_state *s;

	if ((unsigned)k >= DRIFT__COUNT)
		return;
	s = &d->k[k];
	if (s->pending && s->due_ms <= due_ms)
		return;
	s->pending = true;
	s->due_ms = due_ms;
}

uint64_t
drift_deadline(const struct drift *d)
{
	uint64_t due = 0;

	for (int k = 0; k < DRIFT__COUNT; k++)
		if (d->k[k].pending && (due == 0 || d->k[k].due_ms < due))
			due = d->k[k].due_ms;
	return due;
}

bool
drift_take_due(struct drift *d, enum drift_kind k, uint64_t now_ms)
{
	struct drift_kind_state *s;

	if ((unsigned)k >= DRIFT__COUNT)
		return false;
	s = &d->k[k];
	if (!s->pending || now_ms < s->due_ms)
		return false;
	s->pending = false;
	s->checked = true;
	s->checked_ms = now_ms;
	return true;
}

enum drift_outcome
drift_outcome_of(int err)
{
	if (err == -EEXIST)
		return DRIFT_WAS_THERE;
	return err == 0 ? DRIFT_REPAIRED : DRIFT_FAILED;
}

/* The log bucket of s: refill for the time gone by, then take a token. */
static bool
drift_bucket_take(struct drift_kind_state *s, uint64_t now_ms)
{
	if (!s->primed) {
		s->primed = true;
		s->tokens = DRIFT_LOG_BURST;
		s->tokens_ms = now_ms;
	} else if (now_ms > s->tokens_ms) {
		s->tokens += (double)(now_ms - s->tokens_ms) * DRIFT_LOG_PER_S /
		    1000.0;
		if (s->tokens > DRIFT_LOG_BURST)
			s->tokens = DRIFT_LOG_BURST;
		s->tokens_ms = now_ms;
	}
	if (s->tokens < 1.0)
		return false;
	s->tokens -= 1.0;
	return true;
}

bool
drift_record(struct drift *d, enum drift_kind k, bool repaired,
    uint64_t now_ms, uint64_t *suppressed_out)
{
	struct drift_kind_state *s;

	*suppressed_out = 0;
	if ((unsigned)k >= DRIFT__COUNT)
		return false;
	s = &d->k[k];
	if (repaired)
		s->repairs++;
	else
		s->failures++;
	if (!drift_bucket_take(s, now_ms)) {
		s->suppressed++;
		return false;
	}
	*suppressed_out = s->suppressed;
	s->suppressed = 0;
	return true;
}

uint64_t
drift_repairs(const struct drift *d, enum drift_kind k)
{
	return (unsigned)k < DRIFT__COUNT ? d->k[k].repairs : 0;
}

uint64_t
drift_failures(const struct drift *d, enum drift_kind k)
{
	return (unsigned)k < DRIFT__COUNT ? d->k[k].failures : 0;
}
