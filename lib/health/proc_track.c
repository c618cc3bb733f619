/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proc_track - matching processes and the quorum of a process tracker
 * (see proc_track.h). Pure.
 */
#include <string.h>

#include "health/proc_track.h"

/* The name against comm, argv[0] or argv[0]'s basename. */
static bool
name_matches(const char *want, const char *comm, const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	return strcmp(want, comm) == 0 || strcmp(want, argv0) == 0 ||
	    (base != NULL && strcmp(want, base + 1) == 0);
}

/*
 * argv[1..] joined by spaces against want: all of it, or its start when
 * prefix. Walks the NUL-separated cmdline without copying it.
 */
static bool
args_match(const char *want, bool prefix, const char *p, const char *end)
{
	size_t k = 0, wlen = strlen(want);
	bool first = true;

	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));

		if (!first) {
			if (k == wlen)
				return prefix;
			if (want[k++] != ' ')
				return false;
		}
		first = false;
		for (size_t i = 0; i < n; i++) {
			if (k == wlen)
				return prefix;
			if (want[k++] != p[i])
				return false;
		}
		p += n + 1;
	}
	return k == wlen;
}

bool
proc_track_match(const struct proc_track_spec *spec, const char *comm,
    const char *cmdline, size_t len)
{
	const char *end = cmdline + len;
	char argv0[PROC_TRACK_ARGS_MAX];
	size_t n;

	if (len == 0)
		return false;           /* a kernel thread, or a zombie */
	n = strnlen(cmdline, len);
	if (n >= sizeof(argv0))
		n = sizeof(argv0) - 1;
	memcpy(argv0, cmdline, n);
	argv0[n] = '\0';
	if (!name_matches(spec->process, comm, argv0))
		return false;
	if (!spec->has_args)
		return true;
	n = strnlen(cmdline, len);
	return args_match(spec->args, spec->args_prefix,
	    n < len ? cmdline + n + 1 : end, end);
}

void
proc_track_init(struct proc_track_state *st)
{
	memset(st, 0, sizeof(*st));
}

bool
proc_track_has(const struct proc_track_state *st, int pid)
{
	for (uint32_t i = 0; i < st->npids; i++)
		if (st->pids[i].pid == pid)
			return true;
	return false;
}

void
proc_track_add(struct proc_track_state *st, int pid, uint64_t now_ms)
{
	if (proc_track_has(st, pid))
		return;
	if (st->npids >= PROC_TRACK_PIDS_MAX) {
		st->overflows++;
		return;
	}
	/* 0 means "counts at once": a real time is never 0 past boot. */
	st->pids[st->npids++] = (struct proc_track_pid){ pid,
	    now_ms > 0 ? now_ms : 1 };
}

bool
proc_track_remove(struct proc_track_state *st, int pid)
{
	for (uint32_t i = 0; i < st->npids; i++)
		if (st->pids[i].pid == pid) {
			st->pids[i] = st->pids[--st->npids];
			return true;
		}
	return false;
}

void
proc_track_scanned(struct proc_track_state *st, const int *pids, size_t n,
    uint64_t now_ms)
{
	struct proc_track_state old = *st;

	st->npids = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t seen = st->scanned ? (now_ms > 0 ? now_ms : 1) : 0;

		for (uint32_t j = 0; j < old.npids; j++)
			if (old.pids[j].pid == pids[i])
				seen = old.pids[j].seen_ms;
		if (st->npids >= PROC_TRACK_PIDS_MAX) {
			st->overflows++;
			break;
		}
		st->pids[st->npids++] = (struct proc_track_pid){ pids[i], seen };
	}
	st->scanned = true;
}

/* The earlier of two deadlines, 0 being none. */
static uint64_t
earlier(uint64_t a, uint64_t b)
{
	return a == 0 ? b : b == 0 || a < b ? a : b;
}

bool
proc_track_evaluate(struct proc_track_state *st,
    const struct proc_track_spec *spec, uint64_t now_ms, uint64_t *next_ms)
{
	uint32_t counted = 0;
	bool in_range, was = st->up;
	uint64_t next = 0, due;

	for (uint32_t i = 0; i < st->npids; i++) {
		uint64_t seen = st->pids[i].seen_ms;

		if (seen == 0 || now_ms >= seen + spec->fork_delay_ms)
			counted++;
		else
			next = earlier(next, seen + spec->fork_delay_ms);
	}
	st->counted = counted;
	in_range = st->scanned && counted >= spec->quorum &&
	    (spec->quorum_max == 0 || counted <= spec->quorum_max);
	if (in_range) {
		st->out_since_ms = 0;
		st->up = true;
	} else if (st->up) {
		if (st->out_since_ms == 0)
			st->out_since_ms = now_ms > 0 ? now_ms : 1;
		due = st->out_since_ms + spec->terminate_delay_ms;
		if (now_ms >= due) {
			st->up = false;
			st->out_since_ms = 0;
		} else
			next = earlier(next, due);
	}
	*next_ms = next;
	return st->up != was;
}
