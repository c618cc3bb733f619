/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_link - sync link liveness and the choice of link (see ct_link.h).
 */
#include "ctsync/ct_link.h"

static const char *const state_names[] = {
	[CT_LINK_UNKNOWN] = "unknown",
	[CT_LINK_UP] = "up",
	[CT_LINK_DOWN] = "down",
};

static const char *const reason_names[] = {
	[CT_LINK_R_NONE] = "none",
	[CT_LINK_R_ANSWERED] = "probe answered",
	[CT_LINK_R_SILENT] = "no answer to probes",
	[CT_LINK_R_SEND_FAILED] = "send failed",
};

const char *
ct_link_state_name(enum ct_link_state state)
{
	if ((unsigned)state > CT_LINK_DOWN)
		return "unknown";
	return state_names[state];
}

const char *
ct_link_reason_name(enum ct_link_reason reason)
{
	if ((unsigned)reason > CT_LINK_R_SEND_FAILED)
		return "none";
	return reason_names[reason];
}

void
ct_link_init(struct ct_link *l, uint32_t first_nonce, uint64_t now_ms)
{
	*l = (struct ct_link){ .nonce = first_nonce, .next_probe_ms = now_ms };
}

static bool
set_state(struct ct_link *l, enum ct_link_state state,
    enum ct_link_reason reason, uint64_t now_ms)
{
	if (l->state == state)
		return false;
	l->state = state;
	l->reason = reason;
	l->changed_ms = now_ms;
	l->transitions++;
	return true;
}

bool
ct_link_probe_due(const struct ct_link *l, uint64_t now_ms)
{
	return now_ms >= l->next_probe_ms;
}

uint32_t
ct_link_probe_sent(struct ct_link *l, uint64_t now_ms)
{
	if (!l->probed) {
		l->probed = true;
		l->probing_since_ms = now_ms;
	}
	l->nonce++;
	l->probes_sent++;
	l->next_probe_ms = now_ms + CT_LINK_PROBE_MS;
	return l->nonce;
}

bool
ct_link_answer(struct ct_link *l, uint32_t nonce, uint64_t now_ms,
    bool *changed)
{
	*changed = false;
	/* Unsigned distance back from the last probe: 0 is the last one. */
	if (!l->probed || (uint32_t)(l->nonce - nonce) >= CT_LINK_NONCES) {
		l->answers_refused++;
		return false;
	}
	l->answers_received++;
	l->last_answer_ms = now_ms;
	*changed = set_state(l, CT_LINK_UP, CT_LINK_R_ANSWERED, now_ms);
	return true;
}

bool
ct_link_send_failed(struct ct_link *l, uint64_t now_ms)
{
	return set_state(l, CT_LINK_DOWN, CT_LINK_R_SEND_FAILED, now_ms);
}

bool
ct_link_tick(struct ct_link *l, uint64_t now_ms)
{
	uint64_t since;

	if (!l->probed || l->state == CT_LINK_DOWN)
		return false;
	since = l->last_answer_ms != 0 ? l->last_answer_ms : l->probing_since_ms;
	if (now_ms - since < CT_LINK_DEAD_MS)
		return false;
	return set_state(l, CT_LINK_DOWN, CT_LINK_R_SILENT, now_ms);
}

uint64_t
ct_link_deadline(const struct ct_link *l)
{
	uint64_t due = l->next_probe_ms, dead;

	if (l->probed && l->state != CT_LINK_DOWN) {
		dead = (l->last_answer_ms != 0 ? l->last_answer_ms :
		    l->probing_since_ms) + CT_LINK_DEAD_MS;
		if (dead < due)
			due = dead;
	}
	return due;
}

size_t
ct_link_pick(const struct ct_link *links, size_t n, size_t current)
{
	for (size_t i = 0; i < n; i++)
		if (links[i].state == CT_LINK_UP)
			return i;
	return current < n ? current : 0;
}
