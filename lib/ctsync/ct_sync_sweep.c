/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sync_sweep - the end of a full resync on the receiver: delete what
 * the master's dump did not contain (bookkeeping in lib/ct_sweep).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <stdlib.h>

#include "ctsync/ct_sync_int.h"
#include "os/nl.h"

static void
finish(struct ct_sync *s)
{
	ct_kernel_dump_abort(&s->kernel);
	ct_sweep_end(&s->sweep);
	s->sweep_phase = CT_SYNC_SWEEP_IDLE;
	s->sweep_next_ms = 0;
}

void
ct_sync_sweep_abort(struct ct_sync *s)
{
	if (s->sweep_phase != CT_SYNC_SWEEP_IDLE)
		finish(s);
}

/*
 * This node's addresses, now: the sweep keeps the flows that have one
 * (ct_select_local_flow). Read at each sweep, as they change at run time.
 */
static int
read_locals(struct ct_sync *s)
{
	int n = netlink_local_addrs(NULL, 0);
	size_t cap;
	struct addr *a;

	if (n < 0)
		return n;
	/* Room for a few added between the count and the read. */
	cap = (size_t)n + 16;
	if ((a = calloc(cap, sizeof(*a))) == NULL)
		return -ENOMEM;
	if ((n = netlink_local_addrs(a, cap)) < 0 || (size_t)n > cap) {
		free(a);
		return n < 0 ? n : -EAGAIN;
	}
	free(s->locals);
	s->locals = a;
	s->nlocals = (size_t)n;
	return 0;
}

static void
skipped(struct ct_sync *s)
{
	s->stats.sweeps_skipped++;
	log_warn("conn_sync: resync too large to find stale entries (over %zu): "
	    "they stay until their own timeout", s->sweep.max);
	finish(s);
}

/*
 * Runs when the tagged dump has come and no datagram since the request is
 * missing (a lost one may have carried entries of the dump: its nack
 * repair comes first, or a new request starts over). Our own table is
 * read (CT_SYNC_SWEEP_READS batches a pass) and every entry that was not
 * marked is kept as stale; then they are deleted, CT_SYNC_SWEEP_DELETES a
 * pass, each checked again (the master may have sent it since it was
 * read). Paced like the sender's dumps, so that a big table does not stall
 * the loop that runs VRRP.
 */
void
ct_sync_sweep(struct ct_sync *s, uint64_t now_ms)
{
	uint64_t suppressed = 0;
	int err;

	if (s->role != CT_SYNC_RECEIVER)
		return;
	if (s->sweep_phase == CT_SYNC_SWEEP_IDLE) {
		if (!s->sweep_due || ct_window_has_gaps(s->win))
			return;
		s->sweep_due = false;
		if (ct_sweep_spoiled(&s->sweep)) {
			skipped(s);
			return;
		}
		/* Without them a sweep could delete our own connections. */
		if ((err = read_locals(s)) < 0) {
			log_warn("conn_sync: cannot read our addresses to keep our "
			    "own connections: %s; no sweep", strerror(-err));
			s->stats.sweeps_skipped++;
			finish(s);
			return;
		}
		if ((err = ct_kernel_dump_start(&s->kernel)) < 0) {
			log_warn("conn_sync: cannot read our conntrack table to "
			    "remove stale entries: %s", strerror(-err));
			finish(s);
			return;
		}
		s->sweep_phase = CT_SYNC_SWEEP_READING;
		s->sweep_next_stale = 0;
		s->sweep_removed = 0;
		s->sweep_next_ms = now_ms;
	}
	if (now_ms < s->sweep_next_ms)
		return;
	s->sweep_next_ms = now_ms + CT_SYNC_DUMP_PACE_MS;
	if (s->sweep_phase == CT_SYNC_SWEEP_READING) {
		err = 1;
		for (int i = 0; i < CT_SYNC_SWEEP_READS && err == 1; i++)
			err = ct_kernel_dump_step(&s->kernel);
		if (err == 1 || err == -EAGAIN)
			return;
		if (err < 0) {
			log_warn("conn_sync: cannot read our conntrack table to "
			    "remove stale entries: %s", strerror(-err));
			finish(s);
			return;
		}
		if (ct_sweep_spoiled(&s->sweep)) {
			skipped(s);
			return;
		}
		s->sweep_phase = CT_SYNC_SWEEP_DELETING;
	}
	for (int n = 0; n < CT_SYNC_SWEEP_DELETES &&
	    s->sweep_next_stale < s->sweep.nstale; n++) {
		const struct ct_entry *e =
		    &s->sweep.stale[s->sweep_next_stale++];

		if (!ct_sweep_is_stale(&s->sweep, e))
			continue;
		if ((err = ct_kernel_apply(&s->kernel, e)) >= 0)
			s->sweep_removed++;
		else if (log_ratelimit_allow(&s->drop_log, now_ms, &suppressed))
			log_warn("conn_sync: cannot remove a stale entry: %s (%"
			    PRIu64 " more not logged)", strerror(-err),
			    suppressed);
	}
	if (s->sweep_next_stale < s->sweep.nstale)
		return;
	s->stats.stale_removed += s->sweep_removed;
	if (s->sweep_removed > 0)
		log_notice("conn_sync: removed %" PRIu64 " entries the master "
		    "no longer has (ended while we were away)", s->sweep_removed);
	finish(s);
}
