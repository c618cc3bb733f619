/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * track - tracked objects -> effective priority or FAULT.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "health/track.h"

#define TRACK_FILE_VALUE_MAX 1000000LL

const char *
track_kind_name(enum track_kind k)
{
	switch (k) {
	case TRACK_INTERFACE: return "interface";
	case TRACK_SCRIPT: return "script";
	case TRACK_FILE: return "file";
	case TRACK_SERVICE: return "service";
	case TRACK_BFD: return "bfd";
	case TRACK_PROCESS: return "process";
	}
	return "?";
}

static const char *
track_down_word(const struct track_obj *o)
{
	switch (o->kind) {
	case TRACK_INTERFACE: return "down";
	case TRACK_SCRIPT: return "failing";
	case TRACK_FILE: return "unreadable";
	case TRACK_SERVICE: return "below quorum";
	case TRACK_BFD: return "down";
	case TRACK_PROCESS: return "not running";
	}
	return "down";
}

/* The first fault found names the reason; later ones add nothing. */
static void
track_fault(struct track_result *out, const struct track_obj *o, const char *why)
{
	if (out->fault)
		return;
	out->fault = true;
	snprintf(out->reason, sizeof(out->reason), "%s %s %s%s%s%s",
	    track_kind_name(o->kind), o->name, why, o->detail ? " (" : "",
	    o->detail ? o->detail : "", o->detail ? ")" : "");
}

/* Remember the largest single adjustment as the reason for a priority. */
static void
track_note(char *reason, size_t len, int *largest, const struct track_obj *o,
    int applied)
{
	int mag = applied < 0 ? -applied : applied;

	if (mag <= *largest)
		return;
	*largest = mag;
	if (o->kind == TRACK_FILE)
		snprintf(reason, len, "file %s = %lld, weight %d", o->name,
		    o->value, o->weight);
	else
		snprintf(reason, len, "%s %s %s%s%s%s, weight %d",
		    track_kind_name(o->kind), o->name, o->up ? "up" :
		    track_down_word(o), !o->up && o->detail ? " (" : "",
		    !o->up && o->detail ? o->detail : "",
		    !o->up && o->detail ? ")" : "", o->weight);
}

void
track_evaluate(uint8_t base_priority, const struct track_obj *objs, size_t n,
    struct track_result *out)
{
	long long sum = 0;
	int largest = 0;
	char note[TRACK_REASON_MAX] = "";

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const struct track_obj *o = &objs[i];
		long long applied = 0;

		if (o->kind == TRACK_FILE) {
			if (!o->up) {
				track_fault(out, o, "unreadable");
				continue;
			}
			if (o->weight == 0 && o->value != 0) {
				track_fault(out, o, "is not 0 (weight 0)");
				continue;
			}
			applied = o->value * o->weight;
			if (applied <= -254) {
				track_fault(out, o, "at -254 or less");
				continue;
			}
		} else if (o->weight == 0) {
			if (!o->up)
				track_fault(out, o, track_down_word(o));
			continue;
		} else if ((o->up && o->weight > 0) || (!o->up && o->weight < 0)) {
			applied = o->weight;
		}
		if (applied != 0)
			track_note(note, sizeof(note), &largest, o, (int)applied);
		sum += applied;
	}
	if (out->fault) {
		out->priority = base_priority;
		return;
	}
	/* An address owner keeps 255 whatever is tracked (RFC 5798 6.1). */
	if (base_priority == 255) {
		out->priority = 255;
		return;
	}
	sum = sum < -1000 ? -1000 : sum > 1000 ? 1000 : sum;
	out->adjust = (int)sum;
	sum += base_priority;
	out->priority = (uint8_t)(sum < 1 ? 1 : sum > 254 ? 254 : sum);
	if (out->adjust != 0)
		snprintf(out->reason, sizeof(out->reason), "%s", note);
}

void
track_script_init(struct track_script_state *st)
{
	memset(st, 0, sizeof(*st));
	st->up = true;
}

bool
track_script_feed(struct track_script_state *st, bool ok, uint32_t rise,
    uint32_t fall)
{
	st->runs++;
	if (ok) {
		st->failures = 0;
		if (st->successes < UINT32_MAX)
			st->successes++;
		if (!st->up && st->successes >= (rise ? rise : 1)) {
			st->up = true;
			return true;
		}
	} else {
		st->successes = 0;
		if (st->failures < UINT32_MAX)
			st->failures++;
		if (st->up && st->failures >= (fall ? fall : 1)) {
			st->up = false;
			return true;
		}
	}
	return false;
}

bool
track_parse_file(const char *text, size_t len, long long *value)
{
	size_t i = 0;
	long long v = 0;
	bool neg = false, digits = false;

	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	if (i < len && (text[i] == '-' || text[i] == '+'))
		neg = text[i++] == '-';
	for (; i < len && isdigit((unsigned char)text[i]); i++) {
		digits = true;
		v = v * 10 + (text[i] - '0');
		if (v > TRACK_FILE_VALUE_MAX)
			return false;
	}
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (!digits || i != len)
		return false;
	*value = neg ? -v : v;
	return true;
}
