/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * script - the asynchronous script runner: track scripts, notify scripts
 * and the balancer's script checks all start their programs here.
 *
 * A job runs argv[0] directly (no shell) with argv as given:
 *   - as the runner's user (global.script_user; root only when that is
 *     "root"), supplementary groups reset to the user's primary group;
 *   - with a clean environment: PATH=SCRIPT_PATH_ENV and nothing inherited
 *     from the daemon (callers may add a few NAME=value strings);
 *   - cwd "/", stdin /dev/null, every other descriptor of the daemon
 *     closed, signal mask and dispositions reset;
 *   - in a process group of its own (pgid = its pid), so that a timeout
 *     or a cancel kills the script and everything it forked with one
 *     SIGKILL to the group; RLIMIT_NPROC bounds a script that forks
 *     without end.
 * When the script itself exits, what is left in its group is killed too
 * (a check or track script can never leak processes, one per interval),
 * unless the job was started with SCRIPT_LEAVE_BACKGROUND: notify scripts
 * that start a service with `foo &` or `nohup foo &`, as keepalived's
 * commonly do, keep it running after a normal exit, as under keepalived.
 * stdout and stderr share one pipe that the runner drains without blocking
 * into a fixed buffer: memory does not grow with output, a chatty script
 * never stalls, and the last non-empty line is kept for logs and dumps.
 * A SCRIPT_LEAVE_BACKGROUND job's stdout and stderr are /dev/null instead
 * (keepalived's too): what it leaves running would otherwise hold the pipe
 * and die of SIGPIPE at its first write once the runner stops reading.
 * Children are reaped through a pidfd watched by the event loop, so the
 * daemon needs no SIGCHLD handler and never waits.
 *
 * Every job started with script_start() ends in exactly one call of its
 * callback (unless cancelled first), never from inside script_start()
 * itself: failures found before fork are delivered on the next
 * script_runner_tick(), which the daemon calls when the deadline from
 * script_runner_next_deadline() has come.
 *
 * Owns: the child processes it started, their pidfds and output pipes, the
 * list of running jobs, the bound on how many run at once, its counters.
 * Never does: use a shell, block, reap processes it did not start, decide
 * what a result means (the caller does), log (results carry the reason).
 */
#ifndef VIPD_SCRIPT_H
#define VIPD_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pwd.h>
#include <sys/types.h>

#include "os/evloop.h"

#define SCRIPT_PATH_ENV "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define SCRIPT_MAX_ARGS 32          /* argv entries, including argv[0] */
#define SCRIPT_MAX_ENV 8            /* extra NAME=value strings from the caller */
#define SCRIPT_LINE_MAX 256         /* last output line kept, bytes incl. NUL */
#define SCRIPT_DEFAULT_MAX_RUNNING 64
#define SCRIPT_DEFAULT_MAX_PROCS 256 /* RLIMIT_NPROC of a non-root script user */
#define SCRIPT_WHY_MAX 160
#define SCRIPT_MAX_ORPHANS 1024     /* cancelled children still dying, reaped later */

/* script_start_flags(): what the script leaves running survives its normal
   exit (not its timeout or a cancel); its output goes to /dev/null. */
#define SCRIPT_LEAVE_BACKGROUND 0x1u

enum script_outcome {
	SCRIPT_EXITED = 0,       /* exit_status valid (0 = success) */
	SCRIPT_SIGNALED,         /* died of signal `signo` (not our timeout) */
	SCRIPT_TIMED_OUT,        /* outlived timeout_ms: process group SIGKILLed */
	SCRIPT_START_FAILED,     /* could not start: `err` and `why` say why */
	SCRIPT_REFUSED_BUSY,     /* max_running scripts already running */
	SCRIPT_REFUSED_INSECURE, /* script or a directory above it is writable
				    by a non-root user: `why` says which */
};

struct script_result {
	enum script_outcome outcome;
	int exit_status;             /* SCRIPT_EXITED */
	int signo;                   /* SCRIPT_SIGNALED */
	int err;                     /* SCRIPT_START_FAILED: positive errno */
	uint64_t duration_ms;        /* start to end (0 when never started) */
	uint64_t output_bytes;       /* everything it printed, counted not kept */
	char last_line[SCRIPT_LINE_MAX]; /* last non-empty output line, maybe cut */
	char why[SCRIPT_WHY_MAX];    /* the refusal or start failure in words */
};

/* True for SCRIPT_EXITED with status 0: the only success. */
bool script_result_ok(const struct script_result *r);

/*
 * One line describing r: "exit 0", "exit 2", "killed by signal 11",
 * "timed out after 1000 ms", "could not start: ...", "not started: ...".
 * Returns buf.
 */
const char *script_result_describe(const struct script_result *r, char *buf,
				   size_t len);

struct script_job;
typedef void (*script_done_cb)(struct script_job *job,
			       const struct script_result *result, void *arg);

enum script_job_state {
	SCRIPT_JOB_IDLE = 0,     /* never started, or finished (callback ran) */
	SCRIPT_JOB_RUNNING,      /* child alive or not yet reaped */
	SCRIPT_JOB_PENDING,      /* refused/failed before fork: callback due */
};

/*
 * Embedded by its owner (a track script, a notify queue, a backend check)
 * and started again and again; it must not move or be freed while not
 * IDLE (script_cancel() first). Fields are the runner's: read only.
 */
struct script_job {
	enum script_job_state state;
	pid_t pid;
	int pidfd, out_fd, err_fd;       /* err_fd: the child's start failure */
	char argv0[128];                 /* for messages */
	struct evloop_watch pid_watch, out_watch;
	uint64_t started_ms, deadline_ms;
	bool timed_out;
	unsigned flags;                  /* SCRIPT_LEAVE_BACKGROUND */
	script_done_cb cb;
	void *arg;
	struct script_result result;
	char line_buf[SCRIPT_LINE_MAX];  /* the line being read */
	size_t line_len;
	struct script_runner *runner;
	struct script_job *next;         /* runner's list of non-IDLE jobs */
};

struct script_counters {
	uint64_t started;
	uint64_t succeeded;              /* exit 0 */
	uint64_t failed;                 /* other exit status or signal */
	uint64_t timed_out;
	uint64_t start_failed;
	uint64_t refused_busy;           /* over max_running */
	uint64_t refused_insecure;
	uint64_t output_bytes;           /* read and thrown away */
	uint64_t orphans_abandoned;      /* cancelled children left to init to
					    reap (SCRIPT_MAX_ORPHANS dying at
					    once, or no memory) */
};

/* A cancelled child, SIGKILLed, reaped when its pidfd says it is gone. */
struct script_orphan {
	pid_t pid;
	int pidfd;
	struct evloop_watch watch;
	struct script_runner *runner;
	struct script_orphan *next;
};

struct script_runner {
	struct evloop *loop;
	bool user_set;
	bool as_root;                    /* script_user = "root" */
	uid_t uid;
	gid_t gid;
	char user[64];
	size_t max_running;
	size_t max_procs;                /* RLIMIT_NPROC for a non-root user */
	size_t running;                  /* jobs in SCRIPT_JOB_RUNNING */
	struct script_orphan *orphans;   /* cancelled children still to reap */
	size_t norphans;
	struct script_job *jobs;         /* every non-IDLE job */
	struct script_counters counters;
};

/* Bounds 0 take the defaults above. Nothing is started yet. */
void script_runner_init(struct script_runner *r, struct evloop *loop,
			size_t max_running, size_t max_procs);

/*
 * May scripts run as user, whose passwd entry is pw (NULL: no such user)?
 * Root only by its name: a uid-0 alias ("toor") is refused (-EPERM), so
 * that nobody runs scripts as root without writing script_user = "root".
 * Returns 0, or -ENOENT / -EPERM with why filled. Pure: config test and
 * start share it.
 */
int script_user_check(const char *user, const struct passwd *pw, char *why,
		      size_t why_len);

/*
 * Resolve the user scripts run as (getpwnam, then script_user_check()).
 * Returns 0, or -ENOENT / -EPERM with why filled; jobs started before a
 * successful call fail with "no script user". Running jobs keep their user.
 */
int script_runner_set_user(struct script_runner *r, const char *user,
			   char *why, size_t why_len);

/*
 * Start argv (argv[0] an absolute path; NULL-terminated, fewer than
 * SCRIPT_MAX_ARGS entries) with env (NULL or NULL-terminated extra
 * NAME=value strings, at most SCRIPT_MAX_ENV; both are copied by the fork,
 * so they need not outlive the call) and a timeout (0 = none,
 * meant only for callers with their own bound). The script's path is
 * checked with script_sec first (an insecure one never runs). cb(job,
 * result, arg) is called once when the job ends; it may start the job
 * again but must not free it (other events of the same batch may still
 * name it).
 * Returns 0, or -EBUSY when job is not IDLE (nothing else happens).
 */
int script_start(struct script_runner *r, struct script_job *job,
		 char *const argv[], char *const env[], uint32_t timeout_ms,
		 script_done_cb cb, void *arg, uint64_t now_ms);

/* script_start() with flags (0 or SCRIPT_LEAVE_BACKGROUND). */
int script_start_flags(struct script_runner *r, struct script_job *job,
		       char *const argv[], char *const env[],
		       uint32_t timeout_ms, unsigned flags, script_done_cb cb,
		       void *arg, uint64_t now_ms);

/*
 * Forget job without its callback (reload, stop, an owner going away): a
 * running child's process group gets SIGKILL and the runner reaps it in
 * the background, through the event loop; this never waits for it (a
 * child stuck in the kernel could take its time to die). Beyond
 * SCRIPT_MAX_ORPHANS such children, or without memory, one is left to
 * init to reap when vipd exits (counted). job is IDLE afterwards and may
 * be freed.
 */
void script_cancel(struct script_runner *r, struct script_job *job);

/* Earliest timeout or pending callback, 0 when none. */
uint64_t script_runner_next_deadline(const struct script_runner *r);

/* Kill what has timed out and deliver pending callbacks due at now_ms. */
void script_runner_tick(struct script_runner *r, uint64_t now_ms);

/*
 * Cancel every job (daemon stop) and forget the orphans without waiting:
 * once vipd exits, init reaps what is still dying.
 */
void script_runner_close(struct script_runner *r);

#endif
