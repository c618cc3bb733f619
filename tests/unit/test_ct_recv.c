/*
 * The sync receiver's decisions (lib/ct_recv.h), as tables: (window,
 * what we are, header) -> (drop reason, adopt, new session, resync, late,
 * lost);
 * (late, order table) -> apply or skip; (window, gap timers, now) ->
 * none, wait, nack or resync. And the scenario the reflected rule exists
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

#include "ct_order.h"
#include "ct_recv.h"
#include "ct_wire.h"

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
	uint64_t gap_since_ms, last_nack_ms, now_ms;
	enum ct_recv_gap want;
};

static const struct gap_row gap_rows[] = {
	{ "nothing missing", { 1, 2, 3 }, false, 0, 0, T0, CT_RECV_GAP_NONE },
	{ "a new gap is asked for at once", { 1, 3 }, false, 0, 0, T0,
	  CT_RECV_GAP_NACK },
	{ "asked for just now: wait", { 1, 3 }, false, T0, T0,
	  T0 + CT_RECV_NACK_MS - 1, CT_RECV_GAP_WAIT },
	{ "asked for a while ago: again", { 1, 3 }, false, T0, T0,
	  T0 + CT_RECV_NACK_MS, CT_RECV_GAP_NACK },
	{ "open too long: full resync", { 1, 3 }, false, T0,
	  T0 + CT_RECV_GAP_MAX_MS - 50, T0 + CT_RECV_GAP_MAX_MS,
	  CT_RECV_GAP_RESYNC },
	{ "repaired just before the limit: not given up", { 1, 2, 3 }, false,
	  T0, T0 + 900, T0 + CT_RECV_GAP_MAX_MS + 10, CT_RECV_GAP_NONE },
	{ "below the floor of a resync request: the dump covers it",
	  { 1, 3 }, true, T0, T0, T0 + 5000, CT_RECV_GAP_NONE },
};

static void
test_gap_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(gap_rows) / sizeof(gap_rows[0]); i++) {
		const struct gap_row *r = &gap_rows[i];
		struct ct_window w;
		enum ct_recv_gap got;

		window_of(&w, PEER_SESSION, r->seqs);
		if (r->floor_past_highest)
			w.floor = w.highest + 1;
		got = ct_recv_gap(&w, r->gap_since_ms, r->last_nack_ms, r->now_ms);
		if (got != r->want)
			fail_msg("%s: got %d, want %d", r->name, got, r->want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datagram_table),
		cmocka_unit_test(test_a_reflected_request_leaves_the_window_to_the_master),
		cmocka_unit_test(test_late_entries_of_changed_flows_are_skipped),
		cmocka_unit_test(test_gap_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
