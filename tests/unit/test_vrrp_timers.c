/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_timers: Skew_Time and Master_Down_Interval for VRRPv3 (RFC 5798 6.1)
 * and VRRPv2 (RFC 3768 6.1). Expected values are worked out by hand in
 * microseconds and truncated to ms, as keepalived does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vrrp/vrrp_timers.h"

struct timer_row {
	const char *name;
	uint8_t version, priority;
	uint32_t interval_ms;
	uint32_t skew_ms, down_ms;
};

static const struct timer_row rows[] = {
	/* v3: skew = (256 - p) * interval / 256 */
	{ "v3 p100 1 s: 156000/256 ms", 3, 100, 1000, 609, 3609 },
	{ "v3 p100 100 ms: skew scales with the interval", 3, 100, 100, 60, 360 },
	{ "v3 p254 10 ms: 78 us of skew truncates to 0", 3, 254, 10, 0, 30 },
	{ "v3 p255 1 s: owner", 3, 255, 1000, 3, 3003 },
	{ "v3 p1 40.95 s: no 32-bit overflow", 3, 1, 40950, 40790, 163640 },
	{ "version 0 (unset) counts as v3", 0, 100, 100, 60, 360 },
	/* v2: skew = (256 - p) / 256 s whatever the interval */
	{ "v2 p100 1 s", 2, 100, 1000, 609, 3609 },
	{ "v2 p100 3 s: skew does not scale", 2, 100, 3000, 609, 9609 },
	{ "v2 p100 100 ms: 300 ms + 609.375 ms", 2, 100, 100, 609, 909 },
	{ "v2 p254 1 s: 7812 us of skew", 2, 254, 1000, 7, 3007 },
	{ "v2 p1 1 s", 2, 1, 1000, 996, 3996 },
};

static void
test_skew_and_master_down_interval_per_version(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct timer_row *r = &rows[i];
		uint32_t skew = vrrp_timers_skew_ms(r->version, r->priority,
		    r->interval_ms);
		uint32_t down = vrrp_timers_down_ms(r->version, r->priority,
		    r->interval_ms);

		if (skew != r->skew_ms || down != r->down_ms)
			fail_msg("%s: skew %u (want %u), down %u (want %u)",
			    r->name, skew, r->skew_ms, down, r->down_ms);
	}
}

/* RFC 5798 6.1: a higher priority always waits less before taking over. */
static void
test_higher_priority_never_waits_longer(void **state)
{
	static const uint8_t versions[] = { 2, 3 };
	static const uint32_t intervals[] = { 10, 100, 1000, 40950 };

	(void)state;
	for (size_t v = 0; v < sizeof(versions); v++)
		for (size_t i = 0; i < sizeof(intervals) / sizeof(intervals[0]);
		    i++)
			for (unsigned p = 1; p < 255; p++)
				assert_true(vrrp_timers_down_ms(versions[v],
				    (uint8_t)(p + 1), intervals[i]) <=
				    vrrp_timers_down_ms(versions[v], (uint8_t)p,
				    intervals[i]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skew_and_master_down_interval_per_version),
		cmocka_unit_test(test_higher_priority_never_waits_longer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
