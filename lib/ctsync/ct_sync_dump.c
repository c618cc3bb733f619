/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sync_dump - the sender's full dumps, paced (why: lib/ctsync/ct_sync.h): the
 * kernel table is read one netlink batch at a time (lib/ct_kernel), at
 * most CT_SYNC_DUMP_BUDGET datagrams a pass, a pass every
 * CT_SYNC_DUMP_PACE_MS and only into an empty send queue. Entries that an
 * event of the same flow superseded while the dump ran are left out in
 * ct_sync_send_entry.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ctsync/ct_sync_int.h"

/* Start sending every balanced flow (the passes follow). */
static void
start(struct ct_sync *s, uint64_t now_ms)
{
	int err;

	s->dump_due = false;
	ct_sync_send_flush(s, 0);
	if ((err = ct_kernel_dump_start(&s->kernel)) < 0) {
		/* The peer asks again; a refresh comes again. */
		log_warn("conn_sync: cannot dump the conntrack table: %s",
		    strerror(-err));
		return;
	}
	s->dump.active = true;
	s->dump.restart = false;
	s->dump.tag = s->answer_tag;
	s->answer_tag = 0;
	s->dump.reads = 0;
	s->dump.next_ms = now_ms;
	ct_order_clear(&s->fresh);
}

void
ct_sync_dump_stop(struct ct_sync *s)
{
	ct_kernel_dump_abort(&s->kernel);
	s->dump.active = false;
	ct_order_clear(&s->fresh);
}

/*
 * One pass of the dump under way: at most CT_SYNC_DUMP_BUDGET datagrams
 * (plus what one batch holds), only when the send queue is empty, then
 * CT_SYNC_DUMP_PACE_MS until the next (ct_sync.h says why). The last
 * datagram carries CT_WIRE_F_RESYNC_DONE and the tag of the request the
 * dump answers.
 */
static void
pass(struct ct_sync *s, uint64_t now_ms)
{
	uint64_t first = s->emitted, sent;
	int rc = 1;

	if (!s->dump.active || now_ms < s->dump.next_ms)
		return;
	s->dump.next_ms = now_ms + CT_SYNC_DUMP_PACE_MS;
	if (s->dump.restart) {
		uint16_t tag = s->dump.tag;

		log_warn("conn_sync: too many changes during the dump to order "
		    "them, reading the table again");
		ct_sync_dump_stop(s);
		/* A request that came meanwhile is newer: this one answers it. */
		if (s->answer_tag == 0)
			s->answer_tag = tag;
		start(s, now_ms);
		if (!s->dump.active)
			return;
	}
	if (ct_ring_queued(&s->ring) > 0)
		return;                 /* the socket is behind: EPOLLOUT first */
	while (s->emitted - first < CT_SYNC_DUMP_BUDGET) {
		s->dump.reads++;
		if ((rc = ct_kernel_dump_step(&s->kernel)) != 1)
			break;
	}
	if (rc == -EAGAIN) {
		s->dump.reads--;        /* nothing was read */
		rc = 1;
	}
	if (rc < 0) {
		log_warn("conn_sync: dump of the conntrack table failed: %s",
		    strerror(-rc));
		ct_sync_send_flush(s, 0);
		s->stats.dump_entries_skipped += s->kernel.dump_skipped;
		/* Whoever asked, asks again; nothing claims to be whole. */
		ct_sync_dump_stop(s);
	} else if (rc == 0) {
		/* The tag tells the receiver which request this dump answers. */
		uint64_t skipped = s->kernel.dump_skipped;
		uint32_t flags = ct_sweep_dump_end_flags(s->dump.tag, skipped);
		int err;

		/* The expectations after every flow (their masters) is in. */
		if (ct_peers_all_ext(&s->peers) &&
		    (err = ct_kernel_dump_expects(&s->kernel)) < 0)
			log_warn("conn_sync: cannot dump the expectations: %s",
			    strerror(-err));

		ct_sync_send_flush(s, flags);
		s->stats.dump_entries_skipped += skipped;
		if (flags & CT_WIRE_F_RESYNC_DONE) {
			s->stats.resyncs_served++;
		} else {
			s->stats.dumps_partial++;
			log_warn("conn_sync: %" PRIu64 " entries of the conntrack "
			    "table could not be read during the dump: not "
			    "claiming it whole (the peer asks again)", skipped);
		}
		ct_sync_dump_stop(s);
	} else {
		ct_sync_send_flush(s, 0);
	}
	sent = s->emitted - first;
	if (sent > s->stats.dump_pass_datagrams_max)
		s->stats.dump_pass_datagrams_max = sent;
}

/* A dump was asked for: start it unless one is under way, and pass. */
void
ct_sync_dump_run(struct ct_sync *s, uint64_t now_ms)
{
	if (s->dump_due && !s->dump.active)
		start(s, now_ms);
	pass(s, now_ms);
}
