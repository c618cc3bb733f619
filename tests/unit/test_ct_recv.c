/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sync receiver's decisions (lib/ctsync/ct_recv.h), as tables: (window,
 * what we are, header) -> (drop reason, adopt, new session, resync, late,
 * lost);
 * (late, order table) -> apply or skip; (window, repair clocks, now) ->
 * none, wait, nack (new gaps or all) or resync, alone and over a burst
 * behind a full receive queue; resends no longer needed. And the scenario the reflected rule exists
 * for: a host on the sync link sends the receiver its own signed resync
 * request back with the master's source address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctsync/ct_order.h"
#include "ctsync/ct_recv.h"
#include "ctsync/ct_wire.h"

#define check(row, cond) do {						\
	if (!(cond))							\
		fail_msg("%s: %s", (row)->name, #cond);			\
} while (0)

#define PEER_SESSION 5000u     /* the session the receiver follows */
#define OWN_SESSION 7000u      /* ours: newer than the peer's */
#define PEER_ID 0x0a020001u
#define OWN_ID 0x0a020002u

/* The window after the peer's datagrams seqs[] (0-terminated) of session. */
static void
window_of(struct ct_window *w, uint64_t session, const uint32_t *seqs)
{
	bool fresh;

	ct_window_reset(w);
	for (; *seqs != 0; seqs++) {
		assert_int_equal(ct_window_check(w, session, *seqs, &fresh),
		    CT_DROP_NONE);
		ct_window_accept(w, session, *seqs);
	}
}

struct row {
	const char *name;
	uint32_t seqs[8];              /* the window: PEER_SESSION's, or none */
	bool sender;                   /* our role */
	uint64_t silent_ms;
	uint64_t session;              /* the datagram */
	uint32_t seq, sender_id;
	enum ct_drop drop;             /* expected */
	bool adopt, new_session, resync, late, lost;
};

static const struct row rows[] = {
	{ "the first session heard starts the window (our start asked)",
	  { 0 }, false, 0, PEER_SESSION, 40, PEER_ID,
	  CT_DROP_NONE, false, true, false, false, false },
	{ "in order", { 1, 2, 3 }, false, 0, PEER_SESSION, 4, PEER_ID,
	  CT_DROP_NONE, false, false, false, false, false },
	{ "a number skipped ahead is in order too",
	  { 1, 2, 3 }, false, 0, PEER_SESSION, 9, PEER_ID,
	  CT_DROP_NONE, false, false, false, false, false },
	{ "a resend filling a gap is late", { 1, 2, 4 }, false, 0,
	  PEER_SESSION, 3, PEER_ID, CT_DROP_NONE, false, false, false, true,
	  false },
	{ "a replay is dropped", { 1, 2, 3 }, false, 0, PEER_SESSION, 2,
	  PEER_ID, CT_DROP_REPLAYED, false, false, false, false, false },
	{ "below the first seen is too old", { 10, 11 }, false, 0,
	  PEER_SESSION, 9, PEER_ID, CT_DROP_TOO_OLD, false, false, false, false,
	  false },
	{ "sequence number 0 is never sent", { 1 }, false, 0, PEER_SESSION, 0,
	  PEER_ID, CT_DROP_TOO_OLD, false, false, false, false, false },
	{ "a newer session: the peer restarted, resync", { 1, 2 }, false, 0,
	  PEER_SESSION + 1, 1, PEER_ID, CT_DROP_NONE, false, true, true, false,
	  false },
	{ "a newer session while sending: followed, nothing asked",
	  { 1, 2 }, true, 0, PEER_SESSION + 1, 1, PEER_ID,
	  CT_DROP_NONE, false, true, false, false, false },
	{ "an older session while the followed one speaks", { 1, 2 }, false,
	  CT_WIRE_ADOPT_SILENT_MS - 1, PEER_SESSION - 1, 3, PEER_ID,
	  CT_DROP_TOO_OLD, false, false, false, false, false },
	{ "an older session after silence is adopted, resync", { 1, 2 },
	  false, CT_WIRE_ADOPT_SILENT_MS, PEER_SESSION - 1, 3, PEER_ID,
	  CT_DROP_NONE, true, true, true, false, false },
	{ "an adopted session while sending: nothing asked", { 1, 2 },
	  true, CT_WIRE_ADOPT_SILENT_MS, PEER_SESSION - 1, 3, PEER_ID,
	  CT_DROP_NONE, true, true, false, false, false },
	{ "no adoption for sequence number 0", { 1, 2 }, false, 60000,
	  PEER_SESSION - 1, 0, PEER_ID, CT_DROP_TOO_OLD, false, false, false,
	  false, false },
	{ "a jump past the window over numbers never seen: lost, resync",
	  { 1, 2, 3 }, false, 0, PEER_SESSION, 4 + CT_WIRE_WINDOW, PEER_ID,
	  CT_DROP_NONE, false, false, false, false, true },
	{ "a jump the window still spans: the nacks ask for it",
	  { 1, 2, 3 }, false, 0, PEER_SESSION, 3 + CT_WIRE_WINDOW, PEER_ID,
	  CT_DROP_NONE, false, false, false, false, false },
	{ "a jump past the window while sending: nothing asked",
	  { 1, 2, 3 }, true, 0, PEER_SESSION, 4 + CT_WIRE_WINDOW, PEER_ID,
	  CT_DROP_NONE, false, false, false, false, false },
	/* Reflected: our own datagrams, signed with the shared key. */
	{ "our own id and (newer) session", { 1, 2 }, false, 0, OWN_SESSION,
	  1, OWN_ID, CT_DROP_REFLECTED, false, false, false, false, false },
	{ "our own id in another run's session", { 1, 2 }, false, 0,
	  OWN_SESSION + 1, 1, OWN_ID, CT_DROP_REFLECTED, false, false, false,
	  false, false },
	{ "our own id, older, after silence: not adopted", { 1, 2 }, false,
	  60000, PEER_SESSION - 1, 5, OWN_ID, CT_DROP_REFLECTED, false, false,
	  false, false, false },
	{ "our own session under another id", { 1, 2 }, false, 0, OWN_SESSION,
	  1, PEER_ID, CT_DROP_REFLECTED, false, false, false, false, false },
	{ "our own id before any window", { 0 }, false, 0, OWN_SESSION, 1,
	  OWN_ID, CT_DROP_REFLECTED, false, false, false, false, false },
	{ "our own id while sending", { 1, 2 }, true, 0, OWN_SESSION, 3,
	  OWN_ID, CT_DROP_REFLECTED, false, false, false, false, false },
};

static void
test_datagram_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct ct_window w;
		struct ct_recv_view v = { .window = &w,
		    .own_session = OWN_SESSION, .own_id = OWN_ID,
		    .silent_ms = r->silent_ms, .receiving = !r->sender };
		struct ct_wire_header hdr = { .type = CT_WIRE_HEARTBEAT,
		    .session = r->session, .seq = r->seq,
		    .sender_id = r->sender_id };
		struct ct_recv_verdict d;

		window_of(&w, PEER_SESSION, r->seqs);
		ct_recv_datagram(&v, &hdr, &d);
		if (d.drop != r->drop)
			fail_msg("%s: drop %s, want %s", r->name,
			    ct_drop_name(d.drop), ct_drop_name(r->drop));
		check(r, d.adopt == r->adopt);
		check(r, d.new_session == r->new_session);
		check(r, d.resync == r->resync);
		check(r, d.late == r->late);
		check(r, d.lost == r->lost);
	}
}

/*
 * The attack of the review: b follows the master's session and is
 * synced; an attacker sends b's own resync request (b's newer session,
 * b's id) back to b from the master's address. Taken as "peer restarted",
 * it would make b follow its own session, go unsynced, and drop the
 * master's real datagrams as too old for good.
 */
static void
test_a_reflected_request_leaves_the_window_to_the_master(void **state)
{
	struct ct_window w;
	struct ct_recv_view v = { .window = &w, .own_session = OWN_SESSION,
	    .own_id = OWN_ID, .receiving = true };
	struct ct_wire_header own = { .type = CT_WIRE_RESYNC,
	    .session = OWN_SESSION, .seq = 1, .sender_id = OWN_ID };
	struct ct_wire_header master = { .type = CT_WIRE_HEARTBEAT,
	    .session = PEER_SESSION, .seq = 4, .sender_id = PEER_ID };
	struct ct_recv_verdict d;

	(void)state;
	window_of(&w, PEER_SESSION, (const uint32_t[]){ 1, 2, 3, 0 });
	for (uint32_t seq = 1; seq <= 3; seq++) {
		own.seq = seq;
		ct_recv_datagram(&v, &own, &d);
		assert_int_equal(d.drop, CT_DROP_REFLECTED);
		assert_false(d.resync);
	}
	assert_true(w.session == PEER_SESSION);
	ct_recv_datagram(&v, &master, &d);
	assert_int_equal(d.drop, CT_DROP_NONE);
	assert_false(d.resync);
}

static void
test_late_entries_of_changed_flows_are_skipped(void **state)
{
	struct ct_order o;

	(void)state;
	ct_order_init(&o, 0);
	assert_int_equal(ct_order_note(&o, 77, 10, 1), 0);
	/* Flow 77 changed at 10: a late 9 must not undo it. */
	assert_int_equal(ct_recv_entry(&o, true, 9, 77), CT_RECV_SKIP);
	/* Another flow, or the same datagram: applied. */
	assert_int_equal(ct_recv_entry(&o, true, 9, 78), CT_RECV_APPLY);
	assert_int_equal(ct_recv_entry(&o, true, 10, 77), CT_RECV_APPLY);
	/* In order (not late), nothing is ever skipped. */
	assert_int_equal(ct_recv_entry(&o, false, 9, 77), CT_RECV_APPLY);
	ct_order_free(&o);
}

#define T0 ((uint64_t)1000000)

struct gap_row {
	const char *name;
	uint32_t seqs[8];
	bool floor_past_highest;       /* a resync was asked: floor moved */
	struct ct_range asked;         /* named by a nack ({0, 0}: none) */
	struct ct_recv_repair clocks;
	uint64_t now_ms;
	enum ct_recv_gap want;
};

static const struct gap_row gap_rows[] = {
	{ "nothing missing", { 1, 2, 3 }, false, { 0, 0 }, { 0, 0, 0, 0 }, T0,
	  CT_RECV_GAP_NONE },
	{ "a new gap is asked for at once", { 1, 3 }, false, { 0, 0 },
	  { 0, 0, 0, 0 }, T0, CT_RECV_GAP_NACK_NEW },
	{ "a new gap while an older one is asked for: at once too",
	  { 1, 3, 5 }, false, { 2, 2 }, { T0, 0, 2, 0 }, T0 + 1,
	  CT_RECV_GAP_NACK_NEW },
	{ "asked for, the socket not empty since: its resend may be queued",
	  { 1, 3 }, false, { 2, 2 }, { T0, 0, 2, 0 },
	  T0 + CT_RECV_NACK_BLIND_MS - 1, CT_RECV_GAP_WAIT },
	{ "a queue that never empties: asked again, blind", { 1, 3 }, false,
	  { 2, 2 }, { T0, 0, 2, 0 }, T0 + CT_RECV_NACK_BLIND_MS,
	  CT_RECV_GAP_NACK },
	{ "drained just now: its resend may still come", { 1, 3 }, false,
	  { 2, 2 }, { T0, T0 + 500, 2, T0 + 500 },
	  T0 + 500 + CT_RECV_NACK_MS - 1, CT_RECV_GAP_WAIT },
	{ "drained a while ago and still missing: again", { 1, 3 }, false,
	  { 2, 2 }, { T0, T0 + 500, 2, T0 + 500 }, T0 + 500 + CT_RECV_NACK_MS,
	  CT_RECV_GAP_NACK },
	{ "missing that long since its resend could have come: full resync",
	  { 1, 3 }, false, { 2, 2 }, { T0 + 900, T0 + 950, 2, T0 },
	  T0 + CT_RECV_GAP_MAX_MS, CT_RECV_GAP_RESYNC },
	{ "the timed gap came: the next one is timed afresh, not given up",
	  { 1, 2, 4 }, false, { 2, 3 }, { T0, T0, 2, T0 },
	  T0 + CT_RECV_GAP_MAX_MS + 10, CT_RECV_GAP_NACK },
	{ "below the floor of a resync request: the dump covers it",
	  { 1, 3 }, true, { 0, 0 }, { 0, 0, 0, 0 }, T0 + 5000, CT_RECV_GAP_NONE },
};

static void
test_gap_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(gap_rows) / sizeof(gap_rows[0]); i++) {
		const struct gap_row *r = &gap_rows[i];
		struct ct_recv_repair clocks = r->clocks;
		struct ct_window w;
		enum ct_recv_gap got;

		window_of(&w, PEER_SESSION, r->seqs);
		if (r->floor_past_highest)
			w.floor = w.highest + 1;
		if (r->asked.first != 0)
			ct_window_ask(&w, &r->asked, 1);
		got = ct_recv_gap(&w, &clocks, r->now_ms);
		if (got != r->want)
			fail_msg("%s: got %d, want %d", r->name, got, r->want);
	}
}

/* The receiver's side of a nack, as lib/ctsync/ct_sync_recv.c acts on it. */
static void
nack(struct ct_window *w, struct ct_recv_repair *r, bool all, uint64_t now)
{
	struct ct_range ranges[CT_WIRE_MAX_RANGES];
	size_t n = all ? ct_window_gaps(w, ranges, CT_WIRE_MAX_RANGES) :
	    ct_window_unasked(w, ranges, CT_WIRE_MAX_RANGES);

	assert_true(n > 0);
	ct_window_ask(w, ranges, n);
	ct_recv_repair_nacked(r, now);
}

static void
accept(struct ct_window *w, uint32_t seq)
{
	bool fresh;

	assert_int_equal(ct_window_check(w, PEER_SESSION, seq, &fresh),
	    CT_DROP_NONE);
	ct_window_accept(w, PEER_SESSION, seq);
}

/*
 * A burst: the backup reads datagrams 2 s behind the master (its socket
 * queue full), and one in every 600 is lost (one every 200 ms). Each gap is asked for once,
 * when found, and its resend read 2 s later behind the queue: no gap is
 * asked for twice and none is given up, although gaps are open for the
 * whole burst and each for longer than CT_RECV_GAP_MAX_MS.
 */
static void
test_gaps_behind_a_full_queue_are_asked_once_and_never_given_up(void **state)
{
	struct ct_window w;
	struct ct_recv_repair r = { 0 };
	uint32_t nacks = 0, seq, lost[64], nlost = 0, resent = 0;
	uint64_t now = T0;
	const uint32_t behind = 6000;   /* datagrams queued: 2 s of reads */

	(void)state;
	ct_window_reset(&w);
	for (seq = 1; seq <= 20000; seq++) {
		/* Reads of 3 datagrams a ms: 2 s to read 6000. */
		if (seq % 3 == 0)
			now++;
		/* The resend of a gap asked for comes behind the queue. */
		while (resent < nlost && seq >= lost[resent] + behind)
			accept(&w, lost[resent++]);
		if (seq % 600 == 300 && nlost < 64) {
			lost[nlost++] = seq;
			continue;
		}
		accept(&w, seq);
		switch (ct_recv_gap(&w, &r, now)) {
		case CT_RECV_GAP_NACK_NEW:
			nack(&w, &r, false, now);
			nacks++;
			break;
		case CT_RECV_GAP_WAIT:
		case CT_RECV_GAP_NONE:
			break;
		default:
			fail_msg("seq %u: asked again or given up", seq);
		}
	}
	assert_int_equal(nacks, nlost);
	while (resent < nlost)
		accept(&w, lost[resent++]);
	assert_int_equal(ct_recv_gap(&w, &r, now), CT_RECV_GAP_NONE);
}

/*
 * On an idle link a lost resend is asked for again CT_RECV_NACK_MS after
 * the socket was found empty, and the gap is given up
 * CT_RECV_GAP_MAX_MS after the first drain that followed its nack.
 */
static void
test_a_lost_resend_is_asked_again_after_a_drain_then_given_up(void **state)
{
	struct ct_window w;
	struct ct_recv_repair r = { 0 };
	uint64_t now = T0, drained;
	int again = 0;

	(void)state;
	window_of(&w, PEER_SESSION, (const uint32_t[]){ 1, 3, 0 });
	assert_int_equal(ct_recv_gap(&w, &r, now), CT_RECV_GAP_NACK_NEW);
	nack(&w, &r, false, now);
	/* Nothing read yet since the nack: no clock runs but the blind one. */
	assert_int_equal(ct_recv_repair_deadline(&r), now + CT_RECV_NACK_BLIND_MS);
	now += 5;
	ct_recv_repair_drained(&r, now);
	drained = now;
	assert_int_equal(ct_recv_repair_deadline(&r), now + CT_RECV_NACK_MS);
	assert_int_equal(ct_recv_gap(&w, &r, now + CT_RECV_NACK_MS - 1),
	    CT_RECV_GAP_WAIT);
	for (;;) {
		enum ct_recv_gap g;

		now = ct_recv_repair_deadline(&r);
		g = ct_recv_gap(&w, &r, now);
		if (g == CT_RECV_GAP_RESYNC)
			break;
		assert_int_equal(g, CT_RECV_GAP_NACK);
		nack(&w, &r, true, now);
		again++;
		now += 1;
		ct_recv_repair_drained(&r, now);
	}
	assert_int_equal(now, drained + CT_RECV_GAP_MAX_MS);
	assert_true(again >= 5);
}

/*
 * A second copy of a number a nack asked for (its resend crossed a
 * repeated nack), or one given up for a resync since (below the floor), is
 * a resend no longer needed; a copy of one never asked for is a replay,
 * and one below the floor never asked for is too old.
 */
static void
test_resends_no_longer_needed_are_told_from_replays(void **state)
{
	struct ct_window w;
	struct ct_recv_view v = { .window = &w, .own_session = OWN_SESSION,
	    .own_id = OWN_ID, .receiving = true };
	struct ct_wire_header hdr = { .type = CT_WIRE_ENTRIES,
	    .session = PEER_SESSION, .sender_id = PEER_ID };
	struct ct_range two = { 2, 2 };
	struct ct_recv_verdict d;

	(void)state;
	window_of(&w, PEER_SESSION, (const uint32_t[]){ 1, 3, 4, 0 });
	ct_window_ask(&w, &two, 1);
	hdr.seq = 2;
	ct_recv_datagram(&v, &hdr, &d);
	assert_int_equal(d.drop, CT_DROP_NONE);
	assert_false(d.unneeded);
	assert_true(d.late);
	ct_window_accept(&w, PEER_SESSION, 2);
	ct_recv_datagram(&v, &hdr, &d);
	assert_int_equal(d.drop, CT_DROP_REPLAYED);
	assert_true(d.unneeded);
	hdr.seq = 3;
	ct_recv_datagram(&v, &hdr, &d);
	assert_int_equal(d.drop, CT_DROP_REPLAYED);
	assert_false(d.unneeded);
	/* 5 and 6 missing, 5 asked for; then a resync raises the floor. */
	window_of(&w, PEER_SESSION, (const uint32_t[]){ 1, 2, 3, 4, 7, 0 });
	two = (struct ct_range){ 5, 5 };
	ct_window_ask(&w, &two, 1);
	w.floor = w.highest + 1;
	hdr.seq = 5;
	ct_recv_datagram(&v, &hdr, &d);
	assert_int_equal(d.drop, CT_DROP_TOO_OLD);
	assert_true(d.unneeded);
	hdr.seq = 6;
	ct_recv_datagram(&v, &hdr, &d);
	assert_int_equal(d.drop, CT_DROP_TOO_OLD);
	assert_false(d.unneeded);
}

/*
 * Preemption waits for the table only while receiving and not synced, at
 * most CT_RECV_TABLE_WAIT_MS, and only CT_RECV_TABLE_SILENT_MS when the
 * peer's conn_sync was never heard.
 */
static void
test_preemption_waits_for_the_table_within_bounds(void **state)
{
	const uint64_t since = 5000;

	(void)state;
	assert_true(ct_recv_table_pending(true, false, true, since, since));
	assert_true(ct_recv_table_pending(true, false, true, since,
	    since + CT_RECV_TABLE_WAIT_MS - 1));
	assert_false(ct_recv_table_pending(true, false, true, since,
	    since + CT_RECV_TABLE_WAIT_MS));
	assert_true(ct_recv_table_pending(true, false, false, since,
	    since + CT_RECV_TABLE_SILENT_MS - 1));
	assert_false(ct_recv_table_pending(true, false, false, since,
	    since + CT_RECV_TABLE_SILENT_MS));
	/* Synced, or sending: nothing to wait for. */
	assert_false(ct_recv_table_pending(true, true, true, since, since));
	assert_false(ct_recv_table_pending(false, false, true, since, since));
	/* A clock before since (not monotonic in a test): still waiting. */
	assert_true(ct_recv_table_pending(true, false, true, since, since - 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datagram_table),
		cmocka_unit_test(test_a_reflected_request_leaves_the_window_to_the_master),
		cmocka_unit_test(test_late_entries_of_changed_flows_are_skipped),
		cmocka_unit_test(test_gap_table),
		cmocka_unit_test(test_gaps_behind_a_full_queue_are_asked_once_and_never_given_up),
		cmocka_unit_test(test_a_lost_resend_is_asked_again_after_a_drain_then_given_up),
		cmocka_unit_test(test_resends_no_longer_needed_are_told_from_replays),
		cmocka_unit_test(test_preemption_waits_for_the_table_within_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
