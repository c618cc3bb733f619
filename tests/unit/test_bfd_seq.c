/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sequence number window of keyed and meticulous keyed SHA1 (RFC 5880
 * 6.7.3, 6.7.4): the bounds of both kinds, the circular wrap, an unknown
 * window accepting anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bfd/bfd_seq.h"

struct seq_row {
	uint32_t last;
	bool meticulous;
	uint8_t detect_mult;
	uint32_t seq;
	bool want;
};

static const struct seq_row rows[] = {
	/* Keyed: last .. last + 3 x mult, the last one again included. */
	{ 100, false, 3, 100, true },
	{ 100, false, 3, 109, true },
	{ 100, false, 3, 110, false },
	{ 100, false, 3, 99, false },
	/* Meticulous: last + 1 .. last + 3 x mult; never the same twice. */
	{ 100, true, 3, 100, false },
	{ 100, true, 3, 101, true },
	{ 100, true, 3, 109, true },
	{ 100, true, 3, 110, false },
	{ 100, true, 3, 0, false },
	/* The window is circular: 0xffffffff + 1 is 0. */
	{ 0xfffffffe, true, 1, 0, true },
	{ 0xfffffffe, true, 1, 1, true },
	{ 0xfffffffe, true, 1, 2, false },
	{ 0xffffffff, false, 1, 0xffffffff, true },
	{ 0xffffffff, false, 1, 0x80000000, false },
	/* The window follows the Detect Mult of the packet. */
	{ 0, true, 255, 765, true },
	{ 0, true, 255, 766, false },
};

static void
test_window_bounds(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct bfd_seq w = { .known = true, .last = rows[i].last };

		if (bfd_seq_acceptable(&w, rows[i].meticulous,
		    rows[i].detect_mult, rows[i].seq) != rows[i].want)
			fail_msg("row %zu: last %u seq %u", i, rows[i].last,
			    rows[i].seq);
	}
}

static void
test_unknown_window_accepts_anything_then_follows(void **state)
{
	struct bfd_seq w = { 0 };

	(void)state;
	assert_true(bfd_seq_acceptable(&w, true, 3, 0x12345678));
	bfd_seq_accept(&w, 0x12345678);
	assert_true(w.known);
	assert_false(bfd_seq_acceptable(&w, true, 3, 0x12345678));
	assert_false(bfd_seq_acceptable(&w, true, 3, 0x12345677));
	assert_true(bfd_seq_acceptable(&w, true, 3, 0x12345679));
	bfd_seq_forget(&w);
	assert_false(w.known);
	assert_true(bfd_seq_acceptable(&w, true, 3, 7));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_bounds),
		cmocka_unit_test(test_unknown_window_accepts_anything_then_follows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
