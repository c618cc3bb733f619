/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_conns: each event reports what it changed for its backend, TCP
 * states fall in the right class, the table is bounded, and a sweep
 * removes what a dump did not show.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "lb/lb_conns.h"

static struct lb_conn_key
key(uint16_t sport)
{
	struct lb_conn_key k;

	memset(&k, 0, sizeof(k));
	k.src[0] = 10;
	k.dst[0] = 10;
	k.dst[3] = 10;
	k.sport = sport;
	k.dport = 80;
	k.family = 2;
	k.proto = IPPROTO_TCP;
	return k;
}

static const struct lb_conn_dest dest = { .addr = { 10, 1, 0, 11 },
	.port = 8080 };

static void
test_tcp_states_fall_in_their_class(void **state)
{
	(void)state;
	assert_int_equal(lb_conns_class(IPPROTO_TCP, 1), LB_CONN_ACTIVE);
	assert_int_equal(lb_conns_class(IPPROTO_TCP, 3), LB_CONN_ACTIVE);
	assert_int_equal(lb_conns_class(IPPROTO_TCP, 4), LB_CONN_INACTIVE);
	assert_int_equal(lb_conns_class(IPPROTO_TCP, 7), LB_CONN_INACTIVE);
	assert_int_equal(lb_conns_class(IPPROTO_TCP, 0), LB_CONN_NONE);
	assert_int_equal(lb_conns_class(IPPROTO_UDP, 0), LB_CONN_ACTIVE);
}

static void
test_events_report_each_change_once(void **state)
{
	struct lb_conns t;
	struct lb_conns_change ch;
	struct lb_conn_key k = key(1000);

	(void)state;
	assert_int_equal(lb_conns_init(&t, 10), 0);
	assert_int_equal(lb_conns_update(&t, &k, &dest, LB_CONN_ACTIVE, &ch), 0);
	assert_int_equal(ch.was, LB_CONN_NONE);
	assert_int_equal(ch.now, LB_CONN_ACTIVE);
	/* The same state again, or none: nothing changes. */
	lb_conns_update(&t, &k, &dest, LB_CONN_ACTIVE, &ch);
	assert_int_equal(ch.was, ch.now);
	lb_conns_update(&t, &k, &dest, LB_CONN_NONE, &ch);
	assert_int_equal(ch.was, ch.now);
	lb_conns_update(&t, &k, &dest, LB_CONN_INACTIVE, &ch);
	assert_int_equal(ch.was, LB_CONN_ACTIVE);
	assert_int_equal(ch.now, LB_CONN_INACTIVE);
	assert_int_equal(ch.dest.port, 8080);
	assert_true(lb_conns_destroy(&t, &k, &ch));
	assert_int_equal(ch.was, LB_CONN_INACTIVE);
	assert_int_equal(ch.now, LB_CONN_NONE);
	assert_false(lb_conns_destroy(&t, &k, &ch));
	assert_int_equal(t.count, 0);
	lb_conns_free(&t);
}

static void
test_table_is_bounded_and_counts_refusals(void **state)
{
	struct lb_conns t;
	struct lb_conns_change ch;

	(void)state;
	assert_int_equal(lb_conns_init(&t, 3), 0);
	for (uint16_t p = 1; p <= 3; p++) {
		struct lb_conn_key k = key(p);

		assert_int_equal(lb_conns_update(&t, &k, &dest, LB_CONN_NONE,
		    &ch), 0);
	}
	struct lb_conn_key k4 = key(4);
	assert_int_equal(lb_conns_update(&t, &k4, &dest, LB_CONN_ACTIVE, &ch),
	    -ENOSPC);
	assert_int_equal(t.refused, 1);
	assert_int_equal(t.count, 3);
	lb_conns_free(&t);
}

struct tally {
	size_t calls, gone;
};

static void
tally_fn(void *arg, const struct lb_conns_change *ch)
{
	struct tally *ta = arg;

	ta->calls++;
	ta->gone += ch->now == LB_CONN_NONE;
}

static void
test_sweep_removes_what_the_dump_did_not_show(void **state)
{
	struct lb_conns t;
	struct lb_conns_change ch;
	struct tally ta = { 0 };

	(void)state;
	assert_int_equal(lb_conns_init(&t, 100), 0);
	for (uint16_t p = 1; p <= 5; p++) {
		struct lb_conn_key k = key(p);

		lb_conns_update(&t, &k, &dest, LB_CONN_ACTIVE, &ch);
	}
	lb_conns_sweep_begin(&t);
	for (uint16_t p = 1; p <= 2; p++) {
		struct lb_conn_key k = key(p);

		lb_conns_update(&t, &k, &dest, LB_CONN_NONE, &ch);
	}
	assert_int_equal(lb_conns_sweep_end(&t, tally_fn, &ta), 3);
	assert_int_equal(ta.gone, 3);
	assert_int_equal(t.count, 2);
	ta = (struct tally){ 0 };
	lb_conns_each(&t, tally_fn, &ta);
	assert_int_equal(ta.calls, 2);
	assert_int_equal(ta.gone, 0);
	lb_conns_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_states_fall_in_their_class),
		cmocka_unit_test(test_events_report_each_change_once),
		cmocka_unit_test(test_table_is_bounded_and_counts_refusals),
		cmocka_unit_test(test_sweep_removes_what_the_dump_did_not_show),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
