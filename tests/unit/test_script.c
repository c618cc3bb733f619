/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/script: real children driven through a real event loop. Commands
 * are /bin/sh -c '...' (root-owned, so the security rule lets them run);
 * the script user is whoever runs the test.
 */
#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "os/evloop.h"
#include "os/script.h"

struct done {
	int calls;
	struct script_result res;
};

static void
on_done(struct script_job *job, const struct script_result *res, void *arg)
{
	struct done *d = arg;

	(void)job;
	d->calls++;
	d->res = *res;
}

struct fixture {
	struct evloop loop;
	struct script_runner r;
};

static int
setup(void **state)
{
	static struct fixture f;
	char why[SCRIPT_WHY_MAX];
	struct passwd *pw = getpwuid(geteuid());

	if (evloop_init(&f.loop, NULL, 0, NULL, NULL, NULL) < 0 || pw == NULL)
		return -1;
	script_runner_init(&f.r, &f.loop, 2, 0);
	if (script_runner_set_user(&f.r, pw->pw_name, why, sizeof(why)) < 0)
		return -1;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	script_runner_close(&f->r);
	evloop_close(&f->loop);
	return 0;
}

/*
 * After a test whose jobs are static: a failed assertion leaves them
 * running, and the next test must not find them in the runner.
 */
static int
cancel_leftovers(void **state)
{
	struct fixture *f = *state;

	while (f->r.jobs != NULL)
		script_cancel(&f->r, f->r.jobs);
	return 0;
}

/* Run the loop (and the runner's deadlines) until d has its callback. */
static void
wait_done(struct fixture *f, struct done *d, int max_ms)
{
	uint64_t until = evloop_now_ms() + (uint64_t)max_ms;

	while (d->calls == 0 && evloop_now_ms() < until) {
		evloop_run_once(&f->loop, 10);
		script_runner_tick(&f->r, evloop_now_ms());
	}
}

static void
start_sh(struct fixture *f, struct script_job *job, const char *code,
    uint32_t timeout_ms, struct done *d)
{
	char *argv[] = { "/bin/sh", "-c", (char *)code, NULL };

	memset(d, 0, sizeof(*d));
	assert_int_equal(script_start(&f->r, job, argv, NULL, timeout_ms, on_done,
	    d, evloop_now_ms()), 0);
}

static void
start_sh_flags(struct fixture *f, struct script_job *job, const char *code,
    uint32_t timeout_ms, unsigned flags, struct done *d)
{
	char *argv[] = { "/bin/sh", "-c", (char *)code, NULL };

	memset(d, 0, sizeof(*d));
	assert_int_equal(script_start_flags(&f->r, job, argv, NULL, timeout_ms,
	    flags, on_done, d, evloop_now_ms()), 0);
}

/* Alive and not a zombie. */
static bool
pid_running(long pid)
{
	char path[64], st[256];
	bool running = false;
	FILE *s;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((s = fopen(path, "r")) == NULL)
		return false;
	if (fgets(st, sizeof(st), s) != NULL)
		running = strstr(st, ") Z") == NULL;
	fclose(s);
	return running;
}

/* Until pid is no longer running (SIGKILL takes a moment to land). */
static bool
pid_gone_within(long pid, int max_ms)
{
	for (int i = 0; i < max_ms / 10 && pid_running(pid); i++)
		usleep(10000);
	return !pid_running(pid);
}

/* A scratch file for the script to write a pid into. */
static void
pid_file(char *path)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
}

static long
pid_file_read(const char *path)
{
	long pid = 0;
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%ld", &pid), 1);
	fclose(fp);
	unlink(path);
	assert_true(pid > 1);
	return pid;
}

static void
test_exit_status_last_line_and_clean_environment(void **state)
{
	struct fixture *f = *state;
	struct script_job job = { 0 };
	struct done d;
	char buf[128];

	setenv("VIPD_SECRET", "leak", 1);
	start_sh(f, &job, "echo first; echo \"$PATH ${VIPD_SECRET:-clean}\"; exit 3",
	    5000, &d);
	assert_int_equal(d.calls, 0);          /* never from inside script_start */
	wait_done(f, &d, 5000);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.res.outcome, SCRIPT_EXITED);
	assert_int_equal(d.res.exit_status, 3);
	assert_false(script_result_ok(&d.res));
	assert_string_equal(d.res.last_line, "/usr/sbin:/usr/bin:/sbin:/bin clean");
	assert_string_equal(script_result_describe(&d.res, buf, sizeof(buf)), "exit 3");
	assert_int_equal(job.state, SCRIPT_JOB_IDLE);
}

static void
test_timeout_kills_the_whole_process_group(void **state)
{
	struct fixture *f = *state;
	struct script_job job = { 0 };
	struct done d;
	char pidfile[] = "/tmp/vipd-script-test-XXXXXX", code[256];
	long child = 0;
	FILE *fp;
	int fd = mkstemp(pidfile);

	assert_true(fd >= 0);
	close(fd);
	snprintf(code, sizeof(code), "sleep 30 & echo $! > %s; wait", pidfile);
	start_sh(f, &job, code, 200, &d);
	wait_done(f, &d, 5000);
	assert_int_equal(d.res.outcome, SCRIPT_TIMED_OUT);
	assert_true(d.res.duration_ms >= 200);
	assert_int_equal(f->r.counters.timed_out, 1);
	fp = fopen(pidfile, "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%ld", &child), 1);
	fclose(fp);
	unlink(pidfile);
	/* The grandchild got SIGKILL with its group (gone or a zombie of init). */
	for (int i = 0; i < 100 && kill((pid_t)child, 0) == 0; i++) {
		char path[64], st[256];
		FILE *s;

		snprintf(path, sizeof(path), "/proc/%ld/stat", child);
		if ((s = fopen(path, "r")) == NULL)
			break;
		if (fgets(st, sizeof(st), s) && strstr(st, ") Z"))
			child = -1;
		fclose(s);
		if (child < 0)
			break;
		usleep(10000);
	}
	assert_true(child < 0 || kill((pid_t)child, 0) < 0);
}

/*
 * A track script or check that exits takes what it left running with it:
 * one leaked process per interval would add up.
 */
static void
test_exit_kills_what_a_check_left_running(void **state)
{
	struct fixture *f = *state;
	static struct script_job job;  /* outlives a failed assert */
	struct done d;
	char pidfile[] = "/tmp/vipd-script-test-XXXXXX", code[256];
	long child;
	bool gone;

	pid_file(pidfile);
	snprintf(code, sizeof(code), "sleep 30 & echo $! > %s; exit 0", pidfile);
	start_sh(f, &job, code, 5000, &d);
	wait_done(f, &d, 5000);
	assert_int_equal(d.res.outcome, SCRIPT_EXITED);
	assert_int_equal(d.res.exit_status, 0);
	child = pid_file_read(pidfile);
	gone = pid_gone_within(child, 2000);
	if (!gone)
		kill((pid_t)child, SIGKILL);   /* a failing run leaves nothing */
	assert_true(gone);
}

/*
 * A notify script (SCRIPT_LEAVE_BACKGROUND) that starts a service with
 * `foo &` and exits 0 leaves it running, as keepalived does; the service
 * may write to its stdout after the script is gone without dying of
 * SIGPIPE (it is /dev/null, not the runner's pipe).
 */
static void
test_leave_background_keeps_what_a_script_left_running(void **state)
{
	struct fixture *f = *state;
	static struct script_job job;  /* outlives a failed assert */
	struct done d;
	char pidfile[] = "/tmp/vipd-script-test-XXXXXX", code[256];
	long child;

	pid_file(pidfile);
	snprintf(code, sizeof(code), "(sleep 0.3; echo late; echo late >&2; "
	    "sleep 30) & echo $! > %s; echo started; exit 0", pidfile);
	start_sh_flags(f, &job, code, 5000, SCRIPT_LEAVE_BACKGROUND, &d);
	wait_done(f, &d, 5000);
	assert_int_equal(d.res.outcome, SCRIPT_EXITED);
	assert_int_equal(d.res.exit_status, 0);
	assert_int_equal(d.res.output_bytes, 0);      /* /dev/null */
	child = pid_file_read(pidfile);
	assert_true(pid_running(child));
	/* Past its writes: still there. */
	usleep(800000);
	for (int i = 0; i < 20; i++)
		evloop_run_once(&f->loop, 10);
	assert_true(pid_running(child));
	assert_int_equal(kill((pid_t)child, SIGKILL), 0);
	assert_true(pid_gone_within(child, 2000));
}

/* ... but a notify script still running at its timeout dies with its group. */
static void
test_leave_background_still_kills_the_group_at_the_timeout(void **state)
{
	struct fixture *f = *state;
	static struct script_job job;  /* outlives a failed assert */
	struct done d;
	char pidfile[] = "/tmp/vipd-script-test-XXXXXX", code[256];
	long child;
	bool gone;

	pid_file(pidfile);
	snprintf(code, sizeof(code), "sleep 30 & echo $! > %s; wait", pidfile);
	start_sh_flags(f, &job, code, 200, SCRIPT_LEAVE_BACKGROUND, &d);
	wait_done(f, &d, 5000);
	assert_int_equal(d.res.outcome, SCRIPT_TIMED_OUT);
	child = pid_file_read(pidfile);
	gone = pid_gone_within(child, 2000);
	if (!gone)
		kill((pid_t)child, SIGKILL);   /* a failing run leaves nothing */
	assert_true(gone);
}

/*
 * A script that exited before its deadline, but whose end the loop has not
 * seen yet when the deadline is checked, exited: it did not time out, and
 * what a notify script left running is not killed as if it had.
 */
static void
test_exit_seen_late_at_the_deadline_is_no_timeout(void **state)
{
	struct fixture *f = *state;
	static struct script_job job;  /* outlives a failed assert */
	struct done d;
	char pidfile[] = "/tmp/vipd-script-test-XXXXXX", code[256];
	uint64_t timed_out = f->r.counters.timed_out;
	bool running;
	long child;

	pid_file(pidfile);
	snprintf(code, sizeof(code), "sleep 30 & echo $! > %s; exit 0", pidfile);
	start_sh_flags(f, &job, code, 100, SCRIPT_LEAVE_BACKGROUND, &d);
	/* The leader is a zombie, not reaped: the loop has not run. */
	for (int i = 0; i < 500 && pid_running(job.pid); i++)
		usleep(10000);
	assert_false(pid_running(job.pid));
	while (evloop_now_ms() < job.deadline_ms)
		usleep(10000);
	script_runner_tick(&f->r, evloop_now_ms());
	child = pid_file_read(pidfile);
	running = pid_running(child);
	if (running)
		kill((pid_t)child, SIGKILL);    /* ours to end, pass or fail */
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.res.outcome, SCRIPT_EXITED);
	assert_int_equal(d.res.exit_status, 0);
	assert_int_equal(f->r.counters.timed_out, timed_out);
	assert_true(running);
	assert_true(pid_gone_within(child, 2000));
}

static void
test_megabytes_of_output_are_counted_not_kept(void **state)
{
	struct fixture *f = *state;
	struct script_job job = { 0 };
	struct done d;

	start_sh(f, &job, "head -c 4000000 /dev/zero | tr '\\000' y; echo; echo end",
	    10000, &d);
	wait_done(f, &d, 10000);
	assert_int_equal(d.res.outcome, SCRIPT_EXITED);
	assert_int_equal(d.res.exit_status, 0);
	assert_true(d.res.output_bytes >= 4000000);
	assert_string_equal(d.res.last_line, "end");
}

static void
test_missing_command_and_bound_on_running_scripts(void **state)
{
	struct fixture *f = *state;
	struct script_job j1 = { 0 }, j2 = { 0 }, j3 = { 0 };
	struct done d1, d2, d3;
	char *missing[] = { "/nonexistent/vipd-check", NULL };
	char buf[160];

	memset(&d1, 0, sizeof(d1));
	assert_int_equal(script_start(&f->r, &j1, missing, NULL, 1000, on_done, &d1,
	    evloop_now_ms()), 0);
	wait_done(f, &d1, 2000);
	assert_int_equal(d1.res.outcome, SCRIPT_START_FAILED);
	assert_non_null(strstr(script_result_describe(&d1.res, buf, sizeof(buf)),
	    "could not start"));

	/* max_running is 2 here: the third waits for nothing, it is refused. */
	start_sh(f, &j1, "sleep 1", 5000, &d1);
	start_sh(f, &j2, "sleep 1", 5000, &d2);
	start_sh(f, &j3, "exit 0", 5000, &d3);
	assert_int_equal(script_start(&f->r, &j1, missing, NULL, 0, on_done, &d1,
	    evloop_now_ms()), -EBUSY);
	wait_done(f, &d3, 2000);
	assert_int_equal(d3.res.outcome, SCRIPT_REFUSED_BUSY);
	assert_int_equal(f->r.counters.refused_busy, 1);
	/* Cancelled: no callback, the child is killed and reaped. */
	script_cancel(&f->r, &j1);
	script_cancel(&f->r, &j2);
	assert_int_equal(f->r.running, 0);
	assert_int_equal(d1.calls, 0);
}

/*
 * A failure between fork and exec (here: the interpreter is missing) is a
 * start failure with the stage and errno from the child, while a script
 * that exits 127 by itself is only an exit status.
 */
static void
test_exec_failure_in_the_child_is_a_start_failure(void **state)
{
	struct fixture *f = *state;
	struct script_job job = { 0 };
	struct done d;
	char dir[] = "/tmp/vipd-script-test-XXXXXX", path[64], want[128];
	char *argv[] = { path, NULL };
	FILE *fp;

	if (geteuid() != 0)
		skip();                 /* script_sec wants a root-owned script */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/chk", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("#!/nonexistent/vipd-sh\nexit 0\n", fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0755), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(script_start(&f->r, &job, argv, NULL, 2000, on_done, &d,
	    evloop_now_ms()), 0);
	wait_done(f, &d, 5000);
	unlink(path);
	rmdir(dir);
	assert_int_equal(d.res.outcome, SCRIPT_START_FAILED);
	assert_int_equal(d.res.err, ENOENT);
	snprintf(want, sizeof(want), "exec %s: %s", path, strerror(ENOENT));
	assert_string_equal(d.res.why, want);

	start_sh(f, &job, "exit 127", 2000, &d);
	wait_done(f, &d, 5000);
	assert_int_equal(d.res.outcome, SCRIPT_EXITED);
	assert_int_equal(d.res.exit_status, 127);
}

/* Root by name only: an alias with uid 0 would run scripts as root unseen. */
static void
test_scripts_run_as_root_only_when_the_user_is_named_root(void **state)
{
	struct passwd root = { .pw_name = "root", .pw_uid = 0, .pw_gid = 0 };
	struct passwd toor = { .pw_name = "toor", .pw_uid = 0, .pw_gid = 0 };
	struct passwd nobody = { .pw_name = "nobody", .pw_uid = 65534,
	    .pw_gid = 65534 };
	struct script_runner r;
	char why[SCRIPT_WHY_MAX];

	(void)state;
	assert_int_equal(script_user_check("root", &root, why, sizeof(why)), 0);
	assert_int_equal(script_user_check("nobody", &nobody, why, sizeof(why)), 0);
	assert_int_equal(script_user_check("toor", &toor, why, sizeof(why)), -EPERM);
	assert_string_equal(why, "'toor' has uid 0: scripts run as root only "
	    "with script_user = \"root\"");
	assert_int_equal(script_user_check("nope", NULL, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "no user named 'nope' on this system");
	/* The runner takes the same decision and keeps no user on a refusal. */
	script_runner_init(&r, NULL, 0, 0);
	assert_int_equal(script_runner_set_user(&r, "vipd-no-such-user", why,
	    sizeof(why)), -ENOENT);
	assert_false(r.user_set);
	assert_int_equal(script_runner_set_user(&r, "root", why, sizeof(why)), 0);
	assert_true(r.as_root);
}

/*
 * Cancelling never waits for the killed child: with more children dying
 * than the old fixed table held (16), the runner still reaps each one
 * later from the loop, never inside script_cancel().
 */
static void
test_cancel_never_waits_and_the_loop_reaps_every_child(void **state)
{
	struct fixture *f = *state;
	struct script_runner r;
	enum { N = 24 };
	struct script_job jobs[N];
	struct done d[N];
	char *argv[] = { "/bin/sh", "-c", "sleep 30", NULL };
	pid_t pids[N];
	uint64_t until;
	int alive = 0;

	memset(jobs, 0, sizeof(jobs));
	memset(d, 0, sizeof(d));
	script_runner_init(&r, &f->loop, N, 0);
	r.user_set = f->r.user_set;
	r.as_root = f->r.as_root;
	r.uid = f->r.uid;
	r.gid = f->r.gid;
	for (int i = 0; i < N; i++) {
		assert_int_equal(script_start(&r, &jobs[i], argv, NULL, 0, on_done,
		    &d[i], evloop_now_ms()), 0);
		assert_int_equal(jobs[i].state, SCRIPT_JOB_RUNNING);
		pids[i] = jobs[i].pid;
	}
	for (int i = 0; i < N; i++) {
		script_cancel(&r, &jobs[i]);
		assert_int_equal(jobs[i].state, SCRIPT_JOB_IDLE);
		/* Not reaped here: the process (maybe a zombie) still exists. */
		assert_int_equal(kill(pids[i], 0), 0);
	}
	assert_int_equal(r.norphans, N);
	assert_int_equal(r.counters.orphans_abandoned, 0);
	until = evloop_now_ms() + 5000;
	while (r.norphans > 0 && evloop_now_ms() < until)
		evloop_run_once(&f->loop, 10);
	assert_int_equal(r.norphans, 0);
	for (int i = 0; i < N; i++) {
		alive += kill(pids[i], 0) == 0;
		assert_int_equal(d[i].calls, 0);
	}
	assert_int_equal(alive, 0);          /* every one reaped, by the runner */
	script_runner_close(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status_last_line_and_clean_environment),
		cmocka_unit_test(test_timeout_kills_the_whole_process_group),
		cmocka_unit_test_teardown(test_exit_kills_what_a_check_left_running,
		    cancel_leftovers),
		cmocka_unit_test_teardown(test_leave_background_keeps_what_a_script_left_running,
		    cancel_leftovers),
		cmocka_unit_test_teardown(test_leave_background_still_kills_the_group_at_the_timeout,
		    cancel_leftovers),
		cmocka_unit_test_teardown(test_exit_seen_late_at_the_deadline_is_no_timeout,
		    cancel_leftovers),
		cmocka_unit_test(test_megabytes_of_output_are_counted_not_kept),
		cmocka_unit_test(test_missing_command_and_bound_on_running_scripts),
		cmocka_unit_test(test_exec_failure_in_the_child_is_a_start_failure),
		cmocka_unit_test(test_scripts_run_as_root_only_when_the_user_is_named_root),
		cmocka_unit_test(test_cancel_never_waits_and_the_loop_reaps_every_child),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
