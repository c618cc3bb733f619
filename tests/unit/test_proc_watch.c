/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proc_watch against real processes: a tracker for "sleep TAG" goes up
 * when one runs and down when it is killed, through the process events
 * connector when it answers here (root in the initial network namespace)
 * and, forced, through pidfds and /proc scans. Each case says which way it
 * ran; the connector case is skipped where the connector does not answer.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "health/proc_watch.h"
#include "os/evloop.h"
#include "os/procev.h"

struct fixture {
	struct evloop loop;
	struct proc_watch pw;
	struct conf conf;
	struct conf_track_process tp;
	char tag[32];
	int changes;
	pid_t child;                    /* killed at teardown, pass or fail */
};

/* The loop's timer only wakes the wait; run_until ticks. */
static void
on_timer(void *arg, uint64_t now_ms)
{
	(void)arg;
	(void)now_ms;
}

static void
changed(void *arg, size_t tracker, uint64_t now_ms)
{
	struct fixture *f = arg;

	(void)tracker;
	(void)now_ms;
	f->changes++;
}

static int
setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	if (evloop_init(&f.loop, NULL, 0, NULL, on_timer, NULL) < 0)
		return -1;
	proc_watch_init(&f.pw, &f.loop, changed, &f);
	/* An argument no other process on the machine has. */
	snprintf(f.tag, sizeof(f.tag), "%d.%d", 70000 + getpid() % 20000,
	    (int)(evloop_now_ms() % 1000));
	snprintf(f.tp.name, sizeof(f.tp.name), "sleeper");
	snprintf(f.tp.process, sizeof(f.tp.process), "sleep");
	snprintf(f.tp.args, sizeof(f.tp.args), "%s", f.tag);
	f.tp.has_args = true;
	f.tp.quorum = 1;
	f.conf.ntrack_processes = 1;
	f.conf.track_processes = &f.tp;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->child > 0) {
		kill(f->child, SIGKILL);
		waitpid(f->child, NULL, 0);
	}
	proc_watch_close(&f->pw);
	evloop_close(&f->loop);
	return 0;
}

static pid_t
spawn_sleep(const char *tag)
{
	pid_t pid = fork();

	if (pid == 0) {
		execlp("sleep", "sleep", tag, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	return pid;
}

/* Run the loop until tracker 0 is `up`, at most 10 s. */
static bool
run_until(struct fixture *f, bool up)
{
	uint64_t until = evloop_now_ms() + 10000;

	while (evloop_now_ms() < until) {
		if (proc_watch_up(&f->pw, 0) == up)
			return true;
		evloop_arm(&f->loop, proc_watch_next_deadline(&f->pw));
		(void)evloop_run_once(&f->loop, 100);
		proc_watch_tick(&f->pw, evloop_now_ms());
	}
	return proc_watch_up(&f->pw, 0) == up;
}

static void
follow_a_process(struct fixture *f)
{
	pid_t pid;
	int status;

	assert_int_equal(proc_watch_configure(&f->pw, &f->conf, evloop_now_ms()), 0);
	assert_false(proc_watch_up(&f->pw, 0));
	pid = f->child = spawn_sleep(f->tag);
	assert_true(run_until(f, true));
	assert_string_equal(proc_watch_detail(&f->pw, 0), "1 running, quorum 1");
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	f->child = 0;
	assert_true(run_until(f, false));
	assert_int_equal(f->changes, 2);
	/* Its parent's name is not "sleep": a fork of us never matched. */
	assert_int_equal(f->pw.t[0].st.npids, 0);
}

static void
test_tracker_follows_a_process_through_the_connector(void **state)
{
	struct fixture *f = *state;
	int fd = procev_connector_open();

	if (fd < 0) {
		print_message("connector: %s: skipped\n", strerror(-fd));
		skip();
	}
	close(fd);
	follow_a_process(f);
	assert_int_equal(f->pw.mode, PROC_WATCH_CONNECTOR);
	assert_true(f->pw.events > 0);
}

static void
test_tracker_follows_a_process_by_pidfd_and_scans(void **state)
{
	struct fixture *f = *state;

	/* As where the connector does not answer. */
	f->pw.mode = PROC_WATCH_PIDFD;
	follow_a_process(f);
	assert_int_equal(f->pw.mode, PROC_WATCH_PIDFD);
	assert_int_equal(f->pw.npfds, 0);
	assert_true(f->pw.scans >= 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_tracker_follows_a_process_through_the_connector, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_tracker_follows_a_process_by_pidfd_and_scans, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
