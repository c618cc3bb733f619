/*
 * ct_sync_sweep - the end of a full resync on the receiver: delete what
 * the master's dump did not contain (bookkeeping in lib/ct_sweep).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ct_sync.h"

/*
 * Runs when the tagged dump has come and no datagram since the request is
 * missing (a lost one may have carried entries of the dump: its nack
 * repair comes first, or a new request starts over). Our own table is
 * read whole and every entry that was not marked is deleted.
 */
void
ct_sync_sweep(struct ct_sync *s, uint64_t now_ms)
{
	struct ct_range gap[1];
	uint64_t removed = 0, suppressed = 0;
	int err;

	if (s->role != CT_SYNC_RECEIVER || !s->sweep_due ||
	    ct_window_gaps(&s->window, gap, 1) > 0)
		return;
	s->sweep_due = false;
	if (!ct_sweep_spoiled(&s->sweep)) {
		s->sweeping = true;
		err = ct_kernel_dump(&s->kernel);
		s->sweeping = false;
		if (err < 0)
			log_warn("conn_sync: cannot read our conntrack table to "
			    "remove stale entries: %s", strerror(-err));
	}
	if (ct_sweep_spoiled(&s->sweep)) {
		s->stats.sweeps_skipped++;
		log_warn("conn_sync: resync too large to find stale entries "
		    "(over %zu): they stay until their own timeout",
		    s->sweep.max);
		ct_sweep_end(&s->sweep);
		return;
	}
	for (size_t i = 0; i < s->sweep.nstale; i++) {
		err = ct_kernel_apply(&s->kernel, &s->sweep.stale[i]);
		if (err >= 0)
			removed++;
		else if (log_ratelimit_allow(&s->drop_log, now_ms,
		    &suppressed))
			log_warn("conn_sync: cannot remove a stale entry: %s (%"
			    PRIu64 " more not logged)", strerror(-err),
			    suppressed);
	}
	s->stats.stale_removed += removed;
	if (removed > 0)
		log_notice("conn_sync: removed %" PRIu64 " entries the master "
		    "no longer has (ended while we were away)", removed);
	ct_sweep_end(&s->sweep);
}
