/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The transition timeline keeps the newest TIMELINE_MAX entries, in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "vrrp/timeline.h"

static void
test_empty_timeline_has_nothing(void **state)
{
	struct timeline tl;

	(void)state;
	timeline_init(&tl);
	assert_int_equal(timeline_count(&tl), 0);
	assert_null(timeline_recent(&tl, 0));
}

static void
test_keeps_newest_hundred_newest_first(void **state)
{
	static struct timeline tl;
	struct timeline_entry e = { .from = VRRP_STATE_BACKUP,
		.to = VRRP_STATE_MASTER };

	(void)state;
	timeline_init(&tl);
	for (uint64_t i = 1; i <= 250; i++) {
		e.at_ms = i;
		timeline_add(&tl, &e);
		assert_int_equal(timeline_count(&tl), i < TIMELINE_MAX ? i :
		    TIMELINE_MAX);
		assert_int_equal(timeline_recent(&tl, 0)->at_ms, i);
	}
	assert_int_equal(tl.total, 250);
	for (size_t i = 0; i < TIMELINE_MAX; i++)
		assert_int_equal(timeline_recent(&tl, i)->at_ms, 250 - i);
	assert_null(timeline_recent(&tl, TIMELINE_MAX));
	timeline_free(&tl);
}

/* The ring grows as entries come (memory at scale) and never loses order. */
static void
test_grows_on_demand_in_order(void **state)
{
	struct timeline tl;
	struct timeline_entry e = { .from = VRRP_STATE_MASTER,
		.to = VRRP_STATE_FAULT, .reason = VRRP_REASON__COUNT - 1 };
	uint32_t last_cap = 0;

	(void)state;
	timeline_init(&tl);
	assert_null(tl.entries);
	for (uint64_t i = 1; i <= TIMELINE_MAX + 7; i++) {
		e.at_ms = i;
		snprintf(e.detail, sizeof(e.detail), "entry %u", (unsigned)i);
		timeline_add(&tl, &e);
		assert_true(tl.cap >= tl.count && tl.cap <= TIMELINE_MAX);
		if (i <= 3)
			assert_int_equal(tl.cap, 4);  /* small while little happens */
		if (tl.cap != last_cap) {
			last_cap = tl.cap;
			/* Just grown: every entry so far still there, newest first. */
			for (size_t j = 0; j < timeline_count(&tl); j++)
				assert_int_equal(timeline_recent(&tl, j)->at_ms, i - j);
		}
	}
	assert_int_equal(tl.cap, TIMELINE_MAX);
	assert_int_equal(tl.grow_failed, 0);
	for (size_t j = 0; j < TIMELINE_MAX; j++) {
		const struct timeline_entry *r = timeline_recent(&tl, j);
		char want[32];

		snprintf(want, sizeof(want), "entry %u",
		    (unsigned)(TIMELINE_MAX + 7 - j));
		assert_string_equal(r->detail, want);
		assert_int_equal(r->from, VRRP_STATE_MASTER);
		assert_int_equal(r->to, VRRP_STATE_FAULT);
		assert_int_equal(r->reason, VRRP_REASON__COUNT - 1);
	}
	timeline_free(&tl);
	assert_null(tl.entries);
	assert_int_equal(timeline_count(&tl), 0);
	assert_null(timeline_recent(&tl, 0));
	/* Usable again after free (an instance restarted by reload). */
	timeline_add(&tl, &e);
	assert_int_equal(timeline_recent(&tl, 0)->at_ms, TIMELINE_MAX + 7);
	timeline_free(&tl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_timeline_has_nothing),
		cmocka_unit_test(test_keeps_newest_hundred_newest_first),
		cmocka_unit_test(test_grows_on_demand_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
