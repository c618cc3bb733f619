/* The transition timeline keeps the newest TIMELINE_MAX entries, in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "timeline.h"

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
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_timeline_has_nothing),
		cmocka_unit_test(test_keeps_newest_hundred_newest_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
