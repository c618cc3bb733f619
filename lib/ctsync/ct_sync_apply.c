/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sync_apply - the last step of a received datagram: its entries into
 * our kernel table (lib/ct_kernel), each weighed first against the order
 * table (ct_recv_entry: a late resend never undoes a later change), then
 * marked for the sweep (lib/ct_sweep) and, while a gap is open, noted in
 * the order table. Counted by outcome. Takes only what it changes (struct
 * ct_sync_apply); decides nothing about the window or resyncs: it reports
 * a full order table and the receiver asks.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ctsync/ct_sync_int.h"

static void
count(const struct ct_sync_apply *a, const struct ct_entry *e, int rc,
    uint64_t now_ms)
{
	struct ct_sync_stats *st = a->stats;
	uint64_t suppressed = 0;

	if (rc == 1)
		st->entries_installed++;
	else if (rc == 0 && e->op == CT_OP_DESTROY)
		st->entries_deleted++;
	else if (rc == 0)
		st->entries_updated++;
	else if (rc == -ENOMEM || rc == -ENOSPC)
		st->table_full++;
	else
		st->install_errors++;
	if (rc < 0 && log_ratelimit_allow(a->error_log, now_ms, &suppressed))
		log_warn("conn_sync: cannot install an entry: %s (%" PRIu64
		    " more not logged)", strerror(-rc), suppressed);
}

int
ct_sync_apply_entries(const struct ct_sync_apply *a,
    const struct ct_wire_msg *m, bool late, uint32_t note_from,
    uint64_t now_ms)
{
	uint64_t suppressed = 0;
	bool full = false;

	for (size_t i = 0; i < m->hdr.count; i++) {
		const struct ct_entry *e = &m->entries[i];
		uint64_t key = ct_entry_key(e);

		if (ct_recv_entry(a->order, late, m->hdr.seq, key) ==
		    CT_RECV_SKIP) {
			/* Loss repair at work, not a refusal: debug. */
			a->stats->entries_stale++;
			if (log_ratelimit_allow(a->stale_log, now_ms, &suppressed))
				log_debug("conn_sync: skipped an entry of late "
				    "datagram %" PRIu32 ": its flow changed since "
				    "(%" PRIu64 " more not logged)", m->hdr.seq,
				    suppressed);
			continue;
		}
		count(a, e, ct_kernel_apply(a->kernel, e), now_ms);
		ct_sweep_mark(a->sweep, e);
		if (note_from != 0 && !full &&
		    ct_order_note(a->order, key, m->hdr.seq, note_from) < 0)
			full = true;
	}
	return full ? -ENOSPC : 0;
}

void
ct_sync_apply_expects(const struct ct_sync_apply *a,
    const struct ct_wire_msg *m, uint64_t now_ms)
{
	struct ct_sync_stats *st = a->stats;
	uint64_t suppressed = 0;

	for (size_t i = 0; i < m->hdr.count; i++) {
		const struct ct_expect *x = &m->expects[i];
		int rc = ct_kernel_apply_expect(a->kernel, x);

		if (rc == 1)
			st->expects_installed++;
		else if (rc == 0 && x->op == CT_OP_DESTROY)
			st->expects_deleted++;
		else if (rc < 0)
			st->expect_errors++;
		if (rc < 0 && log_ratelimit_allow(a->error_log, now_ms,
		    &suppressed))
			log_warn("conn_sync: cannot install an expectation of "
			    "helper %s: %s%s (%" PRIu64 " more not logged)",
			    x->helper[0] ? x->helper : "(none)", strerror(-rc),
			    rc == -ENOENT ? ", its master flow is not here" : "",
			    suppressed);
	}
}
