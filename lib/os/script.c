/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * script - the runner: scripts started (lib/script_spawn), drained and
 * reaped through the event loop.
 */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/script.h"
#include "os/script_sec.h"
#include "os/script_spawn.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

bool
script_result_ok(const struct script_result *r)
{
	return r->outcome == SCRIPT_EXITED && r->exit_status == 0;
}

const char *
script_result_describe(const struct script_result *r, char *buf, size_t len)
{
	switch (r->outcome) {
	case SCRIPT_EXITED:
		snprintf(buf, len, "exit %d", r->exit_status);
		break;
	case SCRIPT_SIGNALED:
		snprintf(buf, len, "killed by signal %d", r->signo);
		break;
	case SCRIPT_TIMED_OUT:
		snprintf(buf, len, "timed out after %llu ms",
		    (unsigned long long)r->duration_ms);
		break;
	case SCRIPT_START_FAILED:
		snprintf(buf, len, "could not start: %s", r->why);
		break;
	case SCRIPT_REFUSED_BUSY:
	case SCRIPT_REFUSED_INSECURE:
		snprintf(buf, len, "not started: %s", r->why);
		break;
	}
	return buf;
}

void
script_runner_init(struct script_runner *r, struct evloop *loop,
    size_t max_running, size_t max_procs)
{
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->max_running = max_running ? max_running : SCRIPT_DEFAULT_MAX_RUNNING;
	r->max_procs = max_procs ? max_procs : SCRIPT_DEFAULT_MAX_PROCS;
}

int
script_user_check(const char *user, const struct passwd *pw, char *why,
    size_t why_len)
{
	if (pw == NULL) {
		snprintf(why, why_len, "no user named '%s' on this system", user);
		return -ENOENT;
	}
	/* The name says root, or the config did not mean root. */
	if (pw->pw_uid == 0 && strcmp(user, "root") != 0) {
		snprintf(why, why_len, "'%s' has uid 0: scripts run as root only "
		    "with script_user = \"root\"", user);
		return -EPERM;
	}
	return 0;
}

int
script_runner_set_user(struct script_runner *r, const char *user, char *why,
    size_t why_len)
{
	char text[SCRIPT_WHY_MAX];
	struct passwd *pw;
	int err;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL && errno != 0) {
		snprintf(why, why_len, "script_user \"%s\": %s", user,
		    strerror(errno));
		return -ENOENT;
	}
	if ((err = script_user_check(user, pw, text, sizeof(text))) < 0) {
		snprintf(why, why_len, "script_user: %s", text);
		return err;
	}
	r->uid = pw->pw_uid;
	r->gid = pw->pw_gid;
	r->as_root = pw->pw_uid == 0;
	r->user_set = true;
	snprintf(r->user, sizeof(r->user), "%s", user);
	return 0;
}

/* ---- the job list ------------------------------------------------------ */

static void
script_link(struct script_runner *r, struct script_job *job)
{
	job->next = r->jobs;
	r->jobs = job;
}

static void
script_unlink(struct script_runner *r, struct script_job *job)
{
	for (struct script_job **p = &r->jobs; *p != NULL; p = &(*p)->next) {
		if (*p == job) {
			*p = job->next;
			break;
		}
	}
	job->next = NULL;
}

/* A failure before fork: the callback comes on the next tick. */
static void
script_pend(struct script_runner *r, struct script_job *job,
    enum script_outcome outcome, int err, const char *why, uint64_t now_ms)
{
	job->state = SCRIPT_JOB_PENDING;
	job->result.outcome = outcome;
	job->result.err = err;
	snprintf(job->result.why, sizeof(job->result.why), "%s", why);
	job->deadline_ms = now_ms;
	script_link(r, job);
}

/* ---- the parent -------------------------------------------------------- */

static void script_output_ready(struct evloop_watch *w, uint32_t events);
static void script_exited(struct evloop_watch *w, uint32_t events);

/* Keep only the last non-empty line of whatever arrives. */
static void
script_take_output(struct script_job *job, const char *buf, size_t n)
{
	job->result.output_bytes += n;
	job->runner->counters.output_bytes += n;
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\n' || c == '\r') {
			if (job->line_len > 0) {
				memcpy(job->result.last_line, job->line_buf, job->line_len);
				job->result.last_line[job->line_len] = '\0';
				job->line_len = 0;
			}
			continue;
		}
		if (job->line_len < sizeof(job->line_buf) - 1)
			job->line_buf[job->line_len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
}

/* Read what is there, never more than a few chunks per wake-up. */
static void
script_drain(struct script_job *job)
{
	char buf[4096];
	ssize_t n;

	if (job->out_fd < 0)
		return;
	for (int i = 0; i < 16; i++) {
		n = read(job->out_fd, buf, sizeof(buf));
		if (n > 0) {
			script_take_output(job, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* EOF or error: nobody writes any more. */
		evloop_del(job->runner->loop, &job->out_watch);
		close(job->out_fd);
		job->out_fd = -1;
		return;
	}
}

static void
script_output_ready(struct evloop_watch *w, uint32_t events)
{
	(void)events;
	script_drain(w->arg);
}

static void
script_close_fds(struct script_runner *r, struct script_job *job)
{
	if (job->out_fd >= 0) {
		evloop_del(r->loop, &job->out_watch);
		close(job->out_fd);
		job->out_fd = -1;
	}
	if (job->pidfd >= 0) {
		evloop_del(r->loop, &job->pid_watch);
		close(job->pidfd);
		job->pidfd = -1;
	}
}

/* The counter that an ended job's outcome adds one to. */
static uint64_t *
script_counter(struct script_counters *c, const struct script_result *res)
{
	switch (res->outcome) {
	case SCRIPT_EXITED:
		return res->exit_status == 0 ? &c->succeeded : &c->failed;
	case SCRIPT_SIGNALED:
		return &c->failed;
	case SCRIPT_TIMED_OUT:
		return &c->timed_out;
	case SCRIPT_START_FAILED:
		return &c->start_failed;
	case SCRIPT_REFUSED_BUSY:
		return &c->refused_busy;
	case SCRIPT_REFUSED_INSECURE:
		break;
	}
	return &c->refused_insecure;
}

static void
script_finish(struct script_runner *r, struct script_job *job)
{
	script_done_cb cb = job->cb;
	void *arg = job->arg;
	struct script_result res;

	script_unlink(r, job);
	if (job->state == SCRIPT_JOB_RUNNING)
		r->running--;
	job->state = SCRIPT_JOB_IDLE;
	if (job->line_len > 0) {
		memcpy(job->result.last_line, job->line_buf, job->line_len);
		job->result.last_line[job->line_len] = '\0';
		job->line_len = 0;
	}
	(*script_counter(&r->counters, &job->result))++;
	/* The callback may start the job again: hand it a copy. */
	res = job->result;
	cb(job, &res, arg);
}

/*
 * If the child is gone: reap it, read the last output, report (the
 * callback runs). Returns false, doing nothing, while it still runs.
 */
static bool
script_reap(struct script_job *job)
{
	struct script_runner *r = job->runner;
	const char *stage;
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	/* Peek first: while the leader is a zombie its pid names the group. */
	if (waitid((idtype_t)P_PIDFD, (id_t)job->pidfd, &si,
	    WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
		return false;
	/*
	 * What it left running in its group goes with it, unless the owner
	 * lets a script that ended on its own leave a service behind
	 * (notify). After a timeout the whole group dies in any case.
	 */
	if (!(job->flags & SCRIPT_LEAVE_BACKGROUND) || job->timed_out)
		kill(-job->pid, SIGKILL);
	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)job->pidfd, &si, WEXITED | WNOHANG) < 0 ||
	    si.si_pid == 0)
		return false;
	script_drain(job);
	job->result.duration_ms = evloop_now_ms() - job->started_ms;
	if (job->timed_out) {
		job->result.outcome = SCRIPT_TIMED_OUT;
	} else if (si.si_code == CLD_EXITED) {
		job->result.outcome = SCRIPT_EXITED;
		job->result.exit_status = si.si_status;
		/* The child's own report of a failed start, if it wrote one. */
		if (si.si_status == 127 && script_spawn_failed(job->err_fd,
		    &job->result.err, &stage)) {
			job->result.outcome = SCRIPT_START_FAILED;
			snprintf(job->result.why, sizeof(job->result.why), "%s %s: %s",
			    stage, job->argv0, strerror(job->result.err));
		}
	} else {
		job->result.outcome = SCRIPT_SIGNALED;
		job->result.signo = si.si_status;
	}
	if (job->err_fd >= 0) {
		close(job->err_fd);
		job->err_fd = -1;
	}
	script_close_fds(r, job);
	script_finish(r, job);
	return true;
}

static void
script_exited(struct evloop_watch *w, uint32_t events)
{
	(void)events;
	(void)script_reap(w->arg);
}

int
script_start(struct script_runner *r, struct script_job *job, char *const argv[],
    char *const env[], uint32_t timeout_ms, script_done_cb cb, void *arg,
    uint64_t now_ms)
{
	return script_start_flags(r, job, argv, env, timeout_ms, 0, cb, arg,
	    now_ms);
}

int
script_start_flags(struct script_runner *r, struct script_job *job,
    char *const argv[], char *const env[], uint32_t timeout_ms, unsigned flags,
    script_done_cb cb, void *arg, uint64_t now_ms)
{
	struct script_spawn_user u = { r->as_root, r->uid, r->gid, r->max_procs };
	struct script_spawn_proc p;
	char why[SCRIPT_WHY_MAX];
	size_t argc = 0;
	int err;

	if (job->state != SCRIPT_JOB_IDLE)
		return -EBUSY;
	memset(job, 0, sizeof(*job));
	job->pidfd = job->out_fd = job->err_fd = -1;
	job->runner = r;
	job->cb = cb;
	job->arg = arg;
	job->flags = flags;
	job->started_ms = now_ms;
	while (argv != NULL && argv[argc] != NULL)
		argc++;
	if (argc == 0 || argc >= SCRIPT_MAX_ARGS) {
		script_pend(r, job, SCRIPT_START_FAILED, EINVAL,
		    argc ? "too many arguments" : "empty command", now_ms);
		return 0;
	}
	snprintf(job->argv0, sizeof(job->argv0), "%s", argv[0]);
	if (!r->user_set) {
		script_pend(r, job, SCRIPT_START_FAILED, EPERM, "no script user",
		    now_ms);
		return 0;
	}
	if (r->running >= r->max_running) {
		snprintf(why, sizeof(why), "%zu scripts already running",
		    r->running);
		script_pend(r, job, SCRIPT_REFUSED_BUSY, EAGAIN, why, now_ms);
		return 0;
	}
	switch (script_sec_check(argv[0], NULL, why, sizeof(why))) {
	case SCRIPT_SEC_OK:
		break;
	case SCRIPT_SEC_INSECURE:
		script_pend(r, job, SCRIPT_REFUSED_INSECURE, EPERM, why, now_ms);
		return 0;
	default:
		script_pend(r, job, SCRIPT_START_FAILED, ENOENT, why, now_ms);
		return 0;
	}
	if ((err = script_spawn(&u, argv, env,
	    (flags & SCRIPT_LEAVE_BACKGROUND) != 0, &p, why, sizeof(why))) < 0) {
		script_pend(r, job, SCRIPT_START_FAILED, -err, why, now_ms);
		return 0;
	}
	job->pid = p.pid;
	job->pidfd = p.pidfd;
	job->out_fd = p.out_fd;
	job->err_fd = p.err_fd;
	job->state = SCRIPT_JOB_RUNNING;
	job->deadline_ms = timeout_ms ? now_ms + timeout_ms : 0;
	job->out_watch = (struct evloop_watch){ job->out_fd, script_output_ready, job };
	job->pid_watch = (struct evloop_watch){ job->pidfd, script_exited, job };
	if (job->out_fd >= 0)
		evloop_add(r->loop, &job->out_watch, EPOLLIN);
	evloop_add(r->loop, &job->pid_watch, EPOLLIN);
	script_link(r, job);
	r->running++;
	r->counters.started++;
	return 0;
}

/* ---- cancelled children ------------------------------------------------- */

static void
script_orphan_free(struct script_runner *r, struct script_orphan *o)
{
	for (struct script_orphan **p = &r->orphans; *p != NULL; p = &(*p)->next) {
		if (*p == o) {
			*p = o->next;
			break;
		}
	}
	evloop_del(r->loop, &o->watch);
	close(o->pidfd);
	r->norphans--;
	free(o);
}

static void
script_orphan_exited(struct evloop_watch *w, uint32_t events)
{
	struct script_orphan *o = w->arg;
	siginfo_t si;

	(void)events;
	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)o->pidfd, &si, WEXITED | WNOHANG) < 0 ||
	    si.si_pid != 0)
		script_orphan_free(o->runner, o);
}

/* job's killed child goes on the orphan list, to be reaped by the loop. */
static void
script_orphan_adopt(struct script_runner *r, struct script_job *job)
{
	struct script_orphan *o = NULL;

	if (r->norphans < SCRIPT_MAX_ORPHANS)
		o = calloc(1, sizeof(*o));
	if (o == NULL) {
		/* Never wait here: init reaps it once vipd exits. */
		r->counters.orphans_abandoned++;
		return;                        /* the pidfd closes with the job's */
	}
	o->pid = job->pid;
	o->pidfd = job->pidfd;
	o->runner = r;
	o->watch = (struct evloop_watch){ o->pidfd, script_orphan_exited, o };
	evloop_del(r->loop, &job->pid_watch);
	if (evloop_add(r->loop, &o->watch, EPOLLIN) < 0) {
		free(o);
		r->counters.orphans_abandoned++;
		return;
	}
	job->pidfd = -1;
	o->next = r->orphans;
	r->orphans = o;
	r->norphans++;
}

void
script_cancel(struct script_runner *r, struct script_job *job)
{
	if (job->state == SCRIPT_JOB_IDLE)
		return;
	script_unlink(r, job);
	if (job->state == SCRIPT_JOB_RUNNING) {
		r->running--;
		kill(-job->pid, SIGKILL);
		script_orphan_adopt(r, job);
		if (job->err_fd >= 0)
			close(job->err_fd);
		job->err_fd = -1;
		script_close_fds(r, job);
	}
	job->state = SCRIPT_JOB_IDLE;
}

uint64_t
script_runner_next_deadline(const struct script_runner *r)
{
	uint64_t due = 0;

	for (const struct script_job *j = r->jobs; j != NULL; j = j->next) {
		/* A timed-out job waits for its reaping, not for a deadline. */
		if (j->deadline_ms == 0 || j->timed_out)
			continue;
		if (due == 0 || j->deadline_ms < due)
			due = j->deadline_ms;
	}
	return due;
}

void
script_runner_tick(struct script_runner *r, uint64_t now_ms)
{
	struct script_job *j, *next;
	bool again = true;

	/* Callbacks may start or cancel jobs: rescan after each one. */
	while (again) {
		again = false;
		for (j = r->jobs; j != NULL; j = next) {
			next = j->next;
			if (j->deadline_ms == 0 || j->deadline_ms > now_ms ||
			    j->timed_out)
				continue;
			if (j->state == SCRIPT_JOB_PENDING) {
				script_finish(r, j);
				again = true;
				break;
			}
			/*
			 * Ended before its deadline came round but not yet
			 * reaped: an exit, not a timeout (for a notify
			 * script, what it left running is left alone).
			 */
			if (script_reap(j)) {
				again = true;
				break;
			}
			/* The whole group: a script's children die with it. */
			j->timed_out = true;
			kill(-j->pid, SIGKILL);
		}
	}
}

void
script_runner_close(struct script_runner *r)
{
	while (r->jobs != NULL)
		script_cancel(r, r->jobs);
	/* Reap what is already gone; the rest goes to init when we exit. */
	while (r->orphans != NULL) {
		struct script_orphan *o = r->orphans;
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		(void)waitid((idtype_t)P_PIDFD, (id_t)o->pidfd, &si,
		    WEXITED | WNOHANG);
		script_orphan_free(r, o);
	}
}
