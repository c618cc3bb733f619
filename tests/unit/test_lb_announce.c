/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_announce: when an announced service has its route, why it has not,
 * the stop's drain, and which routes of vipd's protocol are ours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "lb/lb_announce.h"

static const struct lb_announce_input ready = { .rules_ok = true,
	.links_up = true, .chain_ok = true, .checks_known = true,
	.quorum_met = true, .track_ok = true };

static void
test_each_condition_is_the_reason_in_order(void **state)
{
	struct lb_announce_input in = ready;

	(void)state;
	assert_int_equal(lb_announce_why(&in), LB_ANNOUNCE_READY);
	in.track_ok = false;
	assert_int_equal(lb_announce_why(&in), LB_ANNOUNCE_TRACK_FAILING);
	in.quorum_met = false;
	assert_int_equal(lb_announce_why(&in), LB_ANNOUNCE_BELOW_QUORUM);
	in.checks_known = false;
	assert_int_equal(lb_announce_why(&in), LB_ANNOUNCE_CHECKS_PENDING);
	in.chain_ok = false;
	assert_int_equal(lb_announce_why(&in), LB_ANNOUNCE_CHAIN_MISSING);
	in.links_up = false;
	assert_int_equal(lb_announce_why(&in), LB_ANNOUNCE_INTERFACE_DOWN);
	in.rules_ok = false;
	assert_int_equal(lb_announce_why(&in), LB_ANNOUNCE_NO_RULES);
	in.stopping = true;
	assert_int_equal(lb_announce_why(&in), LB_ANNOUNCE_STOPPING);
	assert_string_equal(lb_announce_reason_name(LB_ANNOUNCE_BELOW_QUORUM),
	    "below quorum");
	assert_string_equal(lb_announce_reason_name(LB_ANNOUNCE_REASON__COUNT),
	    "?");
}

static void
test_ready_announces_once_and_unready_withdraws_once(void **state)
{
	struct lb_announce a;

	(void)state;
	lb_announce_init(&a, 100);
	assert_int_equal(a.state, LB_ANNOUNCE_WITHDRAWN);
	assert_int_equal(a.reason, LB_ANNOUNCE_STARTING);
	/* Backends unchecked: nothing to do, the reason follows. */
	assert_int_equal(lb_announce_step(&a, LB_ANNOUNCE_CHECKS_PENDING, 2000,
	    150), LB_ANNOUNCE_NONE);
	assert_int_equal(a.reason, LB_ANNOUNCE_CHECKS_PENDING);
	assert_int_equal(lb_announce_step(&a, LB_ANNOUNCE_READY, 2000, 200),
	    LB_ANNOUNCE_ADD);
	assert_int_equal(a.state, LB_ANNOUNCE_ANNOUNCED);
	assert_int_equal(a.since_ms, 200);
	assert_int_equal(lb_announce_step(&a, LB_ANNOUNCE_READY, 2000, 300),
	    LB_ANNOUNCE_NONE);
	assert_string_equal(lb_announce_state_name(a.state), "announced");
	assert_int_equal(lb_announce_step(&a, LB_ANNOUNCE_BELOW_QUORUM, 2000,
	    400), LB_ANNOUNCE_DEL);
	assert_int_equal(a.state, LB_ANNOUNCE_WITHDRAWN);
	assert_int_equal(a.reason, LB_ANNOUNCE_BELOW_QUORUM);
	assert_int_equal(lb_announce_step(&a, LB_ANNOUNCE_BELOW_QUORUM, 2000,
	    500), LB_ANNOUNCE_NONE);
	assert_int_equal(lb_announce_step(&a, LB_ANNOUNCE_READY, 2000, 600),
	    LB_ANNOUNCE_ADD);
	assert_int_equal(a.announces, 2);
	assert_int_equal(a.withdraws, 1);
}

static void
test_stop_withdraws_then_drains_and_stays_draining(void **state)
{
	struct lb_announce a;

	(void)state;
	lb_announce_init(&a, 0);
	(void)lb_announce_step(&a, LB_ANNOUNCE_READY, 2000, 10);
	assert_int_equal(lb_announce_step(&a, LB_ANNOUNCE_STOPPING, 3000, 1000),
	    LB_ANNOUNCE_DEL);
	assert_int_equal(a.state, LB_ANNOUNCE_DRAINING);
	assert_int_equal(a.drain_until_ms, 4000);
	assert_string_equal(lb_announce_state_name(a.state), "draining");
	/* Ready again while stopping: no route comes back. */
	assert_int_equal(lb_announce_step(&a, LB_ANNOUNCE_READY, 3000, 1500),
	    LB_ANNOUNCE_NONE);
	assert_int_equal(a.state, LB_ANNOUNCE_DRAINING);
	/* Never announced: no drain to wait for. */
	lb_announce_init(&a, 0);
	assert_int_equal(lb_announce_step(&a, LB_ANNOUNCE_STOPPING, 3000, 50),
	    LB_ANNOUNCE_NONE);
	assert_int_equal(a.drain_until_ms, 50);
}

static void
test_a_refused_route_is_tried_again(void **state)
{
	struct lb_announce a;

	(void)state;
	lb_announce_init(&a, 0);
	assert_int_equal(lb_announce_step(&a, LB_ANNOUNCE_READY, 0, 10),
	    LB_ANNOUNCE_ADD);
	lb_announce_refused(&a, 10);
	assert_int_equal(a.state, LB_ANNOUNCE_WITHDRAWN);
	assert_int_equal(a.reason, LB_ANNOUNCE_ROUTE_REFUSED);
	assert_int_equal(a.announces, 0);
	assert_int_equal(lb_announce_step(&a, LB_ANNOUNCE_READY, 0, 20),
	    LB_ANNOUNCE_ADD);
}

static struct lb_announce_route
route(const char *dst, uint8_t len, uint32_t table, uint8_t type,
    uint32_t metric)
{
	struct lb_announce_route r = { .dst_len = len, .table = table,
	    .type = type, .metric = metric };

	assert_int_equal(addr_parse(dst, &r.dst), 0);
	return r;
}

static void
test_only_our_exact_route_is_ours(void **state)
{
	struct lb_announce_route r = route("198.51.100.10", 32, 254,
	    RTN_BLACKHOLE, 0);

	(void)state;
	assert_int_equal(lb_announce_judge(&r, true, true), LB_ANNOUNCE_OURS);
	/* The VIP of a service that is not announced now. */
	assert_int_equal(lb_announce_judge(&r, false, true),
	    LB_ANNOUNCE_REMOVE);
	/* Not one of our VIPs: someone else's business. */
	assert_int_equal(lb_announce_judge(&r, false, false),
	    LB_ANNOUNCE_LEAVE);
	/* `ip route replace VIP/32 dev eth0 proto 91`: ours goes back. */
	r = route("198.51.100.10", 32, 254, RTN_UNICAST, 0);
	r.ifindex = 2;
	assert_int_equal(lb_announce_judge(&r, true, true),
	    LB_ANNOUNCE_REPLACE);
	r = route("198.51.100.10", 32, 254, RTN_UNICAST, 0);
	r.have_via = true;
	assert_int_equal(lb_announce_judge(&r, true, true),
	    LB_ANNOUNCE_REPLACE);
	/* Another metric or table beside ours: removed. */
	r = route("198.51.100.10", 32, 254, RTN_BLACKHOLE, 50);
	assert_int_equal(lb_announce_judge(&r, true, true),
	    LB_ANNOUNCE_REMOVE);
	r = route("198.51.100.10", 32, 100, RTN_BLACKHOLE, 0);
	assert_int_equal(lb_announce_judge(&r, true, true),
	    LB_ANNOUNCE_REMOVE);
	/* A shorter prefix is not the VIP's route. */
	r = route("198.51.100.10", 24, 254, RTN_BLACKHOLE, 0);
	assert_int_equal(lb_announce_judge(&r, true, true), LB_ANNOUNCE_LEAVE);
	r = route("2001:db8::10", 128, 254, RTN_BLACKHOLE, 0);
	assert_int_equal(lb_announce_judge(&r, true, true), LB_ANNOUNCE_OURS);
	/* The kernel stores an IPv6 route's metric 0 as 1024: still ours. */
	r = route("2001:db8::10", 128, 254, RTN_BLACKHOLE, 1024);
	r.ifindex = 1;                   /* "dev lo", as IPv6 shows it */
	assert_int_equal(lb_announce_judge(&r, true, true), LB_ANNOUNCE_OURS);
	assert_false(lb_announce_event_drift(&r, 91, false, true, true));
	r = route("2001:db8::10", 128, 254, RTN_BLACKHOLE, 50);
	assert_int_equal(lb_announce_judge(&r, true, true), LB_ANNOUNCE_REMOVE);
	r = route("198.51.100.10", 32, 254, RTN_BLACKHOLE, 1024);
	assert_int_equal(lb_announce_judge(&r, true, true), LB_ANNOUNCE_REMOVE);
	r = route("2001:db8::10", 32, 254, RTN_BLACKHOLE, 0);
	assert_int_equal(lb_announce_judge(&r, true, true), LB_ANNOUNCE_LEAVE);
}

static void
test_route_events_that_disagree_with_the_desired_state_are_drift(
    void **state)
{
	struct lb_announce_route r = route("198.51.100.10", 32, 254,
	    RTN_BLACKHOLE, 0);

	(void)state;
	/* `ip route del` of ours while announced. */
	assert_true(lb_announce_event_drift(&r, 91, true, true, true));
	/* Our own delete (withdrawn) and our own add (announced). */
	assert_false(lb_announce_event_drift(&r, 91, true, false, true));
	assert_false(lb_announce_event_drift(&r, 91, false, true, true));
	/* Someone adds our protocol's route of a VIP that is withdrawn. */
	assert_true(lb_announce_event_drift(&r, 91, false, false, true));
	/* Not one of our VIPs, or not its host route. */
	assert_false(lb_announce_event_drift(&r, 91, true, true, false));
	r = route("198.51.100.10", 24, 254, RTN_BLACKHOLE, 0);
	assert_false(lb_announce_event_drift(&r, 91, true, true, true));
	/* `ip route replace VIP/32 dev eth0` (proto boot) over ours. */
	r = route("198.51.100.10", 32, 254, RTN_UNICAST, 0);
	r.ifindex = 2;
	assert_true(lb_announce_event_drift(&r, 3, false, true, true));
	assert_false(lb_announce_event_drift(&r, 3, true, true, true));
	assert_false(lb_announce_event_drift(&r, 3, false, false, true));
	/* Our protocol, changed to a unicast route: ours goes back. */
	assert_true(lb_announce_event_drift(&r, 91, false, true, true));
	/* Another table of another protocol: not ours to mind. */
	r = route("198.51.100.10", 32, 100, RTN_UNICAST, 0);
	assert_false(lb_announce_event_drift(&r, 3, false, true, true));
	r = route("2001:db8::10", 128, 254, RTN_BLACKHOLE, 0);
	assert_true(lb_announce_event_drift(&r, 91, true, true, true));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_condition_is_the_reason_in_order),
		cmocka_unit_test(test_ready_announces_once_and_unready_withdraws_once),
		cmocka_unit_test(test_stop_withdraws_then_drains_and_stays_draining),
		cmocka_unit_test(test_a_refused_route_is_tried_again),
		cmocka_unit_test(test_only_our_exact_route_is_ours),
		cmocka_unit_test(
		    test_route_events_that_disagree_with_the_desired_state_are_drift),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
