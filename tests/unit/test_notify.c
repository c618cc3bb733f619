/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify: a transition with nothing to do needs no queue, and a queue that
 * only writes FIFO lines has no script slots (memory at 1000 instances).
 * Scripts running in order are tests/system/test_notify.py's business.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "health/notify.h"

static void
test_wanted_only_with_a_fifo_or_a_script(void **state)
{
	static char true_path[] = "/bin/true";
	struct notify n;
	struct conf_notify c;

	(void)state;
	notify_init(&n, NULL);
	memset(&c, 0, sizeof(c));
	assert_false(notify_wanted(&n, NULL));
	assert_false(notify_wanted(&n, &c));
	for (int k = 0; k < CONF_NOTIFY__COUNT; k++) {
		memset(&c, 0, sizeof(c));
		c.script[k] = true_path;
		assert_true(notify_wanted(&n, &c));
	}
	n.fifo_fd = 0;                 /* any open FIFO */
	memset(&c, 0, sizeof(c));
	assert_true(notify_wanted(&n, &c));
	assert_true(notify_wanted(&n, NULL));
}

static void
test_fifo_only_queue_allocates_no_script_slots(void **state)
{
	char dir[] = "/tmp/vipd-test-notify-XXXXXX", path[64], line[128];
	struct notify n;
	struct conf_notify c;
	struct notify_queue *q;
	ssize_t len;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	notify_init(&n, NULL);
	assert_int_equal(notify_set_fifo(&n, path), 0);
	memset(&c, 0, sizeof(c));
	assert_true(notify_wanted(&n, &c));
	q = notify_queue_get(&n, "INSTANCE", "ext");
	assert_non_null(q);
	notify_transition(q, &c, "MASTER", 150, 0);
	notify_transition(q, NULL, "BACKUP", 100, 0);
	assert_null(q->items);
	assert_false(notify_busy(q));
	assert_int_equal(n.counters.fifo_lines, 2);
	assert_int_equal(n.counters.queued, 0);
	/* The lines are there all the same, in order. */
	fd = n.fifo_fd;
	len = read(fd, line, sizeof(line) - 1);
	assert_true(len > 0);
	line[len] = '\0';
	assert_string_equal(line, "INSTANCE \"ext\" MASTER 150\n"
	    "INSTANCE \"ext\" BACKUP 100\n");
	notify_close(&n);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wanted_only_with_a_fifo_or_a_script),
		cmocka_unit_test(test_fifo_only_queue_allocates_no_script_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
