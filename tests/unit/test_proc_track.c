/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proc_track: which processes a tracker matches (name, arguments exact or
 * as a prefix) and the quorum with its fork and terminate delays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "health/proc_track.h"

#define CMD(s) s, sizeof(s) - 1         /* a cmdline literal with its NULs */

static struct proc_track_spec
spec(const char *process, const char *args, bool prefix)
{
	struct proc_track_spec s = { .quorum = 1 };

	strcpy(s.process, process);
	if (args != NULL) {
		strcpy(s.args, args);
		s.has_args = true;
		s.args_prefix = prefix;
	}
	return s;
}

static void
test_match_by_comm_argv0_or_its_basename(void **state)
{
	struct proc_track_spec s = spec("nginx", NULL, false);
	struct proc_track_spec full = spec("/usr/sbin/nginx", NULL, false);

	(void)state;
	assert_true(proc_track_match(&s, "nginx", CMD("nginx: master\0")));
	assert_true(proc_track_match(&s, "other", CMD("/usr/sbin/nginx\0-g\0")));
	assert_true(proc_track_match(&full, "nginx", CMD("/usr/sbin/nginx\0")));
	assert_false(proc_track_match(&s, "nginx-debug", CMD("/usr/sbin/nginx-debug\0")));
	assert_false(proc_track_match(&full, "nginx", CMD("/opt/nginx\0")));
	/* Kernel threads and zombies have no command line. */
	assert_false(proc_track_match(&s, "nginx", "", 0));
}

static void
test_match_arguments_exactly_or_as_a_prefix(void **state)
{
	struct proc_track_spec exact = spec("python3", "-m http.server 8080", false);
	struct proc_track_spec prefix = spec("python3", "-m http.server", true);

	(void)state;
	assert_true(proc_track_match(&exact, "python3",
	    CMD("/usr/bin/python3\0-m\0http.server\0008080\0")));
	assert_false(proc_track_match(&exact, "python3",
	    CMD("/usr/bin/python3\0-m\0http.server\0008080\0-b\0")));
	assert_false(proc_track_match(&exact, "python3",
	    CMD("/usr/bin/python3\0-m\0http.server\0")));
	/* The words, not the bytes: "-m http" is not "-mhttp". */
	assert_false(proc_track_match(&exact, "python3",
	    CMD("/usr/bin/python3\0-m http.server 8080\0x\0")));
	assert_true(proc_track_match(&prefix, "python3",
	    CMD("/usr/bin/python3\0-m\0http.server\0008080\0")));
	assert_true(proc_track_match(&prefix, "python3",
	    CMD("/usr/bin/python3\0-m\0http.server\0")));
	assert_false(proc_track_match(&prefix, "python3",
	    CMD("/usr/bin/python3\0-m\0http\0")));
	/* A cmdline without its last NUL (setproctitle) still reads. */
	assert_true(proc_track_match(&exact, "python3",
	    "/usr/bin/python3\0-m\0http.server\0008080", 36));
}

static void
test_quorum_and_quorum_max(void **state)
{
	struct proc_track_spec s = spec("w", NULL, false);
	struct proc_track_state st;
	int pids[] = { 10, 11, 12 };
	uint64_t next;

	(void)state;
	s.quorum = 2;
	s.quorum_max = 2;
	proc_track_init(&st);
	/* Down until the first scan, whatever the rules say. */
	assert_false(proc_track_evaluate(&st, &s, 1000, &next));
	assert_false(st.up);
	proc_track_scanned(&st, pids, 2, 1000);
	assert_true(proc_track_evaluate(&st, &s, 1000, &next));
	assert_true(st.up);
	assert_int_equal(next, 0);
	/* Three is above quorum_max: down (no terminate delay set). */
	proc_track_add(&st, 12, 2000);
	assert_true(proc_track_evaluate(&st, &s, 2000, &next));
	assert_false(st.up);
	assert_true(proc_track_remove(&st, 12));
	assert_false(proc_track_remove(&st, 12));
	assert_true(proc_track_evaluate(&st, &s, 2001, &next));
	assert_true(proc_track_remove(&st, 11));
	assert_true(proc_track_evaluate(&st, &s, 2002, &next));
	assert_false(st.up);
	assert_int_equal(st.counted, 1);
}

static void
test_fork_delay_counts_a_new_process_late_but_not_the_first_scan(void **state)
{
	struct proc_track_spec s = spec("w", NULL, false);
	struct proc_track_state st;
	int pids[] = { 10 };
	uint64_t next;

	(void)state;
	s.fork_delay_ms = 500;
	proc_track_init(&st);
	proc_track_scanned(&st, pids, 1, 1000);
	assert_true(proc_track_evaluate(&st, &s, 1000, &next));
	proc_track_remove(&st, 10);
	assert_true(proc_track_evaluate(&st, &s, 1100, &next));
	assert_false(st.up);
	/* A restart counts only once it has lived fork_delay_ms. */
	proc_track_add(&st, 20, 1200);
	assert_false(proc_track_evaluate(&st, &s, 1200, &next));
	assert_int_equal(next, 1700);
	assert_false(proc_track_evaluate(&st, &s, 1699, &next));
	assert_true(proc_track_evaluate(&st, &s, 1700, &next));
	assert_true(st.up);
	/* A later scan keeps its time; a pid new to a later scan waits. */
	pids[0] = 30;
	proc_track_scanned(&st, pids, 1, 1800);
	assert_true(proc_track_evaluate(&st, &s, 1800, &next));
	assert_false(st.up);
	assert_int_equal(next, 2300);
}

static void
test_terminate_delay_forgives_a_quick_restart(void **state)
{
	struct proc_track_spec s = spec("w", NULL, false);
	struct proc_track_state st;
	int pids[] = { 10 };
	uint64_t next;

	(void)state;
	s.terminate_delay_ms = 1000;
	proc_track_init(&st);
	proc_track_scanned(&st, pids, 1, 5000);
	assert_true(proc_track_evaluate(&st, &s, 5000, &next));
	proc_track_remove(&st, 10);
	assert_false(proc_track_evaluate(&st, &s, 5100, &next));
	assert_true(st.up);
	assert_int_equal(next, 6100);
	/* Back within the delay: never went down, and the clock is reset. */
	proc_track_add(&st, 11, 5500);
	assert_false(proc_track_evaluate(&st, &s, 5500, &next));
	assert_int_equal(st.out_since_ms, 0);
	proc_track_remove(&st, 11);
	assert_false(proc_track_evaluate(&st, &s, 6000, &next));
	assert_int_equal(next, 7000);
	assert_true(proc_track_evaluate(&st, &s, 7000, &next));
	assert_false(st.up);
}

static void
test_pid_set_is_bounded_and_overflow_counted(void **state)
{
	struct proc_track_state st;

	(void)state;
	proc_track_init(&st);
	for (int i = 0; i < PROC_TRACK_PIDS_MAX + 3; i++)
		proc_track_add(&st, 100 + i, 1);
	proc_track_add(&st, 100, 1);           /* already there: no double */
	assert_int_equal(st.npids, PROC_TRACK_PIDS_MAX);
	assert_int_equal(st.overflows, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_by_comm_argv0_or_its_basename),
		cmocka_unit_test(test_match_arguments_exactly_or_as_a_prefix),
		cmocka_unit_test(test_quorum_and_quorum_max),
		cmocka_unit_test(test_fork_delay_counts_a_new_process_late_but_not_the_first_scan),
		cmocka_unit_test(test_terminate_delay_forgives_a_quick_restart),
		cmocka_unit_test(test_pid_set_is_bounded_and_overflow_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
