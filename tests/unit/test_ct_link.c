/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sync link liveness (lib/ctsync/ct_link): a link is up from an answer to
 * one of its recent probes, down after CT_LINK_DEAD_MS without one or when
 * a send fails, and the stream takes the first up link, comes back to a
 * link that answers again, and stays put while none answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctsync/ct_link.h"

static void
test_a_new_link_is_unknown_and_probed_at_once(void **state)
{
	struct ct_link l;

	(void)state;
	ct_link_init(&l, 100, 5000);
	assert_int_equal(l.state, CT_LINK_UNKNOWN);
	assert_true(ct_link_probe_due(&l, 5000));
	assert_int_equal(ct_link_probe_sent(&l, 5000), 101);
	assert_false(ct_link_probe_due(&l, 5000 + CT_LINK_PROBE_MS - 1));
	assert_true(ct_link_probe_due(&l, 5000 + CT_LINK_PROBE_MS));
	assert_int_equal(ct_link_deadline(&l), 5000 + CT_LINK_PROBE_MS);
}

static void
test_an_answer_to_a_recent_probe_makes_it_up(void **state)
{
	struct ct_link l;
	bool changed;
	uint32_t n;

	(void)state;
	ct_link_init(&l, 0, 1000);
	n = ct_link_probe_sent(&l, 1000);
	assert_true(ct_link_answer(&l, n, 1002, &changed));
	assert_true(changed);
	assert_int_equal(l.state, CT_LINK_UP);
	assert_int_equal(l.changed_ms, 1002);
	assert_int_equal(l.reason, CT_LINK_R_ANSWERED);
	/* A second answer changes nothing. */
	assert_true(ct_link_answer(&l, n, 1003, &changed));
	assert_false(changed);
	assert_int_equal(l.changed_ms, 1002);
	assert_int_equal(l.transitions, 1);
}

static void
test_answers_to_old_or_unsent_probes_are_refused(void **state)
{
	struct ct_link l;
	bool changed;
	uint32_t first;

	(void)state;
	ct_link_init(&l, 0xfffffffe, 0);
	/* Nothing probed yet: any answer is a replay. */
	assert_false(ct_link_answer(&l, 0xfffffffe, 1, &changed));
	first = ct_link_probe_sent(&l, 0);
	for (int i = 1; i < CT_LINK_NONCES; i++)
		ct_link_probe_sent(&l, (uint64_t)i * CT_LINK_PROBE_MS);
	/* The oldest of the last CT_LINK_NONCES still counts (across the wrap). */
	assert_true(ct_link_answer(&l, first, 700, &changed));
	ct_link_probe_sent(&l, 800);
	assert_false(ct_link_answer(&l, first, 801, &changed));
	/* Nor a nonce ahead of the last one sent. */
	assert_false(ct_link_answer(&l, l.nonce + 1, 802, &changed));
	assert_int_equal(l.answers_refused, 3);
	assert_int_equal(l.answers_received, 1);
}

static void
test_silence_for_the_dead_time_makes_it_down(void **state)
{
	struct ct_link l;
	bool changed;
	uint64_t t = 10000;

	(void)state;
	ct_link_init(&l, 0, t);
	ct_link_answer(&l, ct_link_probe_sent(&l, t), t + 1, &changed);
	assert_false(ct_link_tick(&l, t + CT_LINK_DEAD_MS));
	assert_int_equal(ct_link_deadline(&l), t + CT_LINK_PROBE_MS);
	/* Probes go out but none is answered. */
	ct_link_probe_sent(&l, t + CT_LINK_PROBE_MS);
	assert_int_equal(ct_link_deadline(&l), t + 2 * CT_LINK_PROBE_MS);
	assert_false(ct_link_tick(&l, t + CT_LINK_DEAD_MS));
	assert_true(ct_link_tick(&l, t + 1 + CT_LINK_DEAD_MS));
	assert_int_equal(l.state, CT_LINK_DOWN);
	assert_int_equal(l.reason, CT_LINK_R_SILENT);
	assert_int_equal(l.changed_ms, t + 1 + CT_LINK_DEAD_MS);
	assert_false(ct_link_tick(&l, t + 5000));
	/* The bound the issue sets: noticed within a second. */
	assert_true(CT_LINK_DEAD_MS + CT_LINK_PROBE_MS < 1000);
	/* It comes back with the next answer. */
	ct_link_answer(&l, ct_link_probe_sent(&l, t + 6000), t + 6001, &changed);
	assert_true(changed);
	assert_int_equal(l.state, CT_LINK_UP);
	assert_int_equal(l.transitions, 3);
}

static void
test_a_link_never_answered_is_down_after_the_dead_time(void **state)
{
	struct ct_link l;

	(void)state;
	ct_link_init(&l, 0, 0);
	/* Not probed: no verdict at all. */
	assert_false(ct_link_tick(&l, 100000));
	ct_link_probe_sent(&l, 100000);
	assert_false(ct_link_tick(&l, 100000 + CT_LINK_DEAD_MS - 1));
	assert_true(ct_link_tick(&l, 100000 + CT_LINK_DEAD_MS));
	assert_int_equal(l.state, CT_LINK_DOWN);
}

static void
test_a_failed_send_makes_it_down_at_once(void **state)
{
	struct ct_link l;
	bool changed;

	(void)state;
	ct_link_init(&l, 0, 0);
	ct_link_answer(&l, ct_link_probe_sent(&l, 0), 1, &changed);
	assert_true(ct_link_send_failed(&l, 2));
	assert_int_equal(l.state, CT_LINK_DOWN);
	assert_int_equal(l.reason, CT_LINK_R_SEND_FAILED);
	assert_false(ct_link_send_failed(&l, 3));
}

static void
test_the_stream_takes_the_first_up_link_and_comes_back(void **state)
{
	struct ct_link links[3];
	bool changed;

	(void)state;
	for (int i = 0; i < 3; i++)
		ct_link_init(&links[i], 0, 0);
	/* None known: stay where we are. */
	assert_int_equal(ct_link_pick(links, 3, 0), 0);
	assert_int_equal(ct_link_pick(links, 3, 2), 2);
	assert_int_equal(ct_link_pick(links, 3, 7), 0);
	for (int i = 0; i < 3; i++)
		ct_link_answer(&links[i], ct_link_probe_sent(&links[i], 0), 1,
		    &changed);
	assert_int_equal(ct_link_pick(links, 3, 2), 0);
	ct_link_send_failed(&links[0], 5);
	assert_int_equal(ct_link_pick(links, 3, 0), 1);
	ct_link_send_failed(&links[1], 5);
	assert_int_equal(ct_link_pick(links, 3, 1), 2);
	ct_link_send_failed(&links[2], 5);
	/* All down: the peer may be dead, not the links; keep the last one. */
	assert_int_equal(ct_link_pick(links, 3, 2), 2);
	/* The first link answers again: it is used again. */
	ct_link_answer(&links[0], ct_link_probe_sent(&links[0], 10), 11,
	    &changed);
	assert_int_equal(ct_link_pick(links, 3, 2), 0);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ct_link_state_name(CT_LINK_UP), "up");
	assert_string_equal(ct_link_state_name(CT_LINK_DOWN), "down");
	assert_string_equal(ct_link_state_name(CT_LINK_UNKNOWN), "unknown");
	assert_string_equal(ct_link_state_name((enum ct_link_state)9), "unknown");
	assert_string_equal(ct_link_reason_name(CT_LINK_R_SILENT),
	    "no answer to probes");
	assert_string_equal(ct_link_reason_name((enum ct_link_reason)9), "none");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_new_link_is_unknown_and_probed_at_once),
		cmocka_unit_test(test_an_answer_to_a_recent_probe_makes_it_up),
		cmocka_unit_test(test_answers_to_old_or_unsent_probes_are_refused),
		cmocka_unit_test(test_silence_for_the_dead_time_makes_it_down),
		cmocka_unit_test(test_a_link_never_answered_is_down_after_the_dead_time),
		cmocka_unit_test(test_a_failed_send_makes_it_down_at_once),
		cmocka_unit_test(test_the_stream_takes_the_first_up_link_and_comes_back),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
