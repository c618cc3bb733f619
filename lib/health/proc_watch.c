/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proc_watch - processes for track_processes, through the process events
 * connector or pidfds and /proc scans (see proc_watch.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "health/proc_watch.h"
#include "base/json_out.h"
#include "os/log.h"
#include "os/procev.h"

#define CMDLINE_MAX 4096                /* enough for any args we compare */

static void proc_watch_evaluate(struct proc_watch *pw, uint64_t now_ms);

void
proc_watch_init(struct proc_watch *pw, struct evloop *loop,
    void (*changed)(void *arg, size_t tracker, uint64_t now_ms), void *arg)
{
	memset(pw, 0, sizeof(*pw));
	pw->loop = loop;
	pw->cn_fd = -1;
	pw->changed = changed;
	pw->arg = arg;
}

/* ---- pidfds --------------------------------------------------------------- */

static struct proc_watch_pidfd *
pidfd_find(struct proc_watch *pw, int pid)
{
	for (size_t i = 0; i < pw->npfds; i++)
		if (pw->pfds[i]->pid == pid)
			return pw->pfds[i];
	return NULL;
}

static void
pidfd_drop(struct proc_watch *pw, size_t i)
{
	struct proc_watch_pidfd *p = pw->pfds[i];

	evloop_del(pw->loop, &p->w);
	close(p->fd);
	free(p);
	pw->pfds[i] = pw->pfds[--pw->npfds];
}

static void
forget_pid(struct proc_watch *pw, int pid)
{
	for (size_t i = 0; i < pw->nt; i++)
		proc_track_remove(&pw->t[i].st, pid);
}

static void
pidfd_exited(struct evloop_watch *w, uint32_t events)
{
	struct proc_watch_pidfd *p = w->arg;
	struct proc_watch *pw = p->pw;
	int pid = p->pid;

	(void)events;
	for (size_t i = 0; i < pw->npfds; i++)
		if (pw->pfds[i] == p) {
			pidfd_drop(pw, i);
			break;
		}
	forget_pid(pw, pid);
	proc_watch_evaluate(pw, evloop_now_ms());
}

/* A pidfd for pid unless it has one; false when none could be had. */
static bool
pidfd_watch(struct proc_watch *pw, int pid)
{
	struct proc_watch_pidfd *p, **np;
	int fd;

	if ((p = pidfd_find(pw, pid)) != NULL) {
		p->seen = true;
		return true;
	}
	if (pw->npfds == pw->cap_pfds) {
		size_t cap = pw->cap_pfds ? pw->cap_pfds * 2 : 16;

		if ((np = realloc(pw->pfds, cap * sizeof(*np))) == NULL)
			return false;
		pw->pfds = np;
		pw->cap_pfds = cap;
	}
	if ((fd = procev_pidfd_open(pid)) < 0)
		return false;           /* gone already: the next scan agrees */
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		close(fd);
		return false;
	}
	*p = (struct proc_watch_pidfd){ pid, fd, true, { fd, pidfd_exited, p }, pw };
	if (evloop_add(pw->loop, &p->w, EPOLLIN) < 0) {
		close(fd);
		free(p);
		return false;
	}
	pw->pfds[pw->npfds++] = p;
	return true;
}

/* ---- matching ------------------------------------------------------------- */

/*
 * Read pid once and offer it to every tracker: matched ones follow it
 * (counting from now_ms, or at once in a first scan's collection),
 * others forget it. With scan, matches go to the scan's pid lists.
 */
struct scan {
	struct proc_watch *pw;
	int *pids;                      /* nt lists of PROC_TRACK_PIDS_MAX */
	size_t *n;
	uint64_t now_ms;
};

static bool
offer(struct proc_watch *pw, int pid, struct scan *sc, uint64_t now_ms)
{
	char comm[64], cmd[CMDLINE_MAX];
	size_t len = 0;
	bool any = false;

	if (procev_read(pid, comm, sizeof(comm), cmd, sizeof(cmd), &len) < 0) {
		if (sc == NULL)
			forget_pid(pw, pid);
		return false;
	}
	for (size_t i = 0; i < pw->nt; i++) {
		if (!proc_track_match(&pw->t[i].spec, comm, cmd, len)) {
			if (sc == NULL)
				proc_track_remove(&pw->t[i].st, pid);
			continue;
		}
		any = true;
		if (sc == NULL)
			proc_track_add(&pw->t[i].st, pid, now_ms);
		else if (sc->n[i] < PROC_TRACK_PIDS_MAX)
			sc->pids[i * PROC_TRACK_PIDS_MAX + sc->n[i]++] = pid;
		else
			pw->t[i].st.overflows++;
	}
	return any;
}

static void
scan_one(void *arg, int pid)
{
	struct scan *sc = arg;

	if (offer(sc->pw, pid, sc, sc->now_ms) && sc->pw->mode == PROC_WATCH_PIDFD)
		(void)pidfd_watch(sc->pw, pid);
}

/* Every process in /proc, once; the trackers' sets replaced. */
static void
proc_watch_scan(struct proc_watch *pw, uint64_t now_ms)
{
	struct scan sc = { pw, NULL, NULL, now_ms };
	int err;

	if (pw->nt == 0)
		return;
	sc.pids = calloc(pw->nt * PROC_TRACK_PIDS_MAX, sizeof(*sc.pids));
	sc.n = calloc(pw->nt, sizeof(*sc.n));
	if (sc.pids == NULL || sc.n == NULL) {
		log_err("track processes: out of memory, scan skipped");
		goto out;
	}
	for (size_t i = 0; i < pw->npfds; i++)
		pw->pfds[i]->seen = false;
	if ((err = procev_scan(scan_one, &sc)) < 0) {
		log_err("track processes: cannot read /proc: %s", strerror(-err));
		goto out;
	}
	for (size_t i = 0; i < pw->nt; i++)
		proc_track_scanned(&pw->t[i].st, sc.pids + i * PROC_TRACK_PIDS_MAX,
		    sc.n[i], now_ms);
	/* pidfds of processes no tracker matches any more. */
	for (size_t i = pw->npfds; i-- > 0;)
		if (!pw->pfds[i]->seen)
			pidfd_drop(pw, i);
	pw->scans++;
out:
	free(sc.pids);
	free(sc.n);
}

/* ---- the connector -------------------------------------------------------- */

static void
connector_event(void *arg, const struct procev *ev)
{
	struct proc_watch *pw = arg;
	uint64_t now_ms = evloop_now_ms();
	bool parent = false;

	pw->events++;
	switch (ev->kind) {
	case PROCEV_EXIT:
		forget_pid(pw, ev->pid);
		break;
	case PROCEV_FORK:
		/* Only a matched process's children can match without exec. */
		for (size_t i = 0; i < pw->nt && !parent; i++)
			parent = proc_track_has(&pw->t[i].st, ev->parent);
		if (parent)
			(void)offer(pw, ev->pid, NULL, now_ms);
		break;
	case PROCEV_EXEC:
	case PROCEV_COMM:
		(void)offer(pw, ev->pid, NULL, now_ms);
		break;
	}
}

static void
connector_readable(struct evloop_watch *w, uint32_t events)
{
	struct proc_watch *pw = w->arg;
	uint64_t now_ms = evloop_now_ms();
	int err;

	(void)events;
	if ((err = procev_connector_read(pw->cn_fd, connector_event, pw)) == -ENOBUFS) {
		pw->overruns++;
		log_warn("track processes: process events lost (receive buffer "
		    "full): scanning /proc again");
		proc_watch_scan(pw, now_ms);
	} else if (err < 0)
		log_err("track processes: process events: %s", strerror(-err));
	proc_watch_evaluate(pw, now_ms);
}

/* Connector if it answers, else pidfds and scans; said once. */
static void
proc_watch_choose(struct proc_watch *pw)
{
	int fd;

	if ((fd = procev_connector_open()) >= 0) {
		pw->cn_fd = fd;
		pw->cn_watch = (struct evloop_watch){ fd, connector_readable, pw };
		if (evloop_add(pw->loop, &pw->cn_watch, EPOLLIN) == 0) {
			pw->mode = PROC_WATCH_CONNECTOR;
			log_info("track processes: following process events "
			    "(netlink connector)");
			return;
		}
		close(fd);
		pw->cn_fd = -1;
		fd = -EIO;
	}
	pw->mode = PROC_WATCH_PIDFD;
	log_notice("track processes: the process events connector %s (%s): "
	    "following matched processes by pidfd and scanning /proc every "
	    "%u ms", fd == -ENOTCONN || fd == -ECONNREFUSED ? "does not answer here (not the initial "
	    "network namespace)" : "is unavailable", strerror(-fd), pw->scan_ms);
}

/* ---- evaluation ----------------------------------------------------------- */

static void
proc_watch_evaluate(struct proc_watch *pw, uint64_t now_ms)
{
	for (size_t i = 0; i < pw->nt; i++) {
		struct proc_watch_tracker *t = &pw->t[i];
		bool changed = proc_track_evaluate(&t->st, &t->spec, now_ms,
		    &t->next_ms);

		if (t->conf.quorum_max != 0)
			snprintf(t->detail, sizeof(t->detail), "%u running, quorum "
			    "%u..%u", t->st.counted, t->conf.quorum,
			    t->conf.quorum_max);
		else
			snprintf(t->detail, sizeof(t->detail), "%u running, quorum "
			    "%u", t->st.counted, t->conf.quorum);
		if (!changed)
			continue;
		if (t->st.up)
			t->ups++;
		else
			t->downs++;
		log_notice("track process %s: now %s (%s)", t->conf.name,
		    t->st.up ? "up" : "down", t->detail);
		if (pw->changed != NULL)
			pw->changed(pw->arg, i, now_ms);
	}
}

bool
proc_watch_up(const struct proc_watch *pw, size_t i)
{
	return i < pw->nt && pw->t[i].st.up;
}

const char *
proc_watch_detail(const struct proc_watch *pw, size_t i)
{
	return i < pw->nt ? pw->t[i].detail : "";
}

/* ---- configuration -------------------------------------------------------- */

static void
spec_from_conf(struct proc_track_spec *s, const struct conf_track_process *c)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->process, sizeof(s->process), "%s", c->process);
	snprintf(s->args, sizeof(s->args), "%s", c->args);
	s->has_args = c->has_args;
	s->args_prefix = c->args_prefix;
	s->quorum = c->quorum;
	s->quorum_max = c->quorum_max;
	s->fork_delay_ms = c->fork_delay_ms;
	s->terminate_delay_ms = c->terminate_delay_ms;
}

int
proc_watch_configure(struct proc_watch *pw, const struct conf *conf,
    uint64_t now_ms)
{
	struct proc_watch_tracker *nt = NULL;
	size_t n = conf->ntrack_processes;
	uint32_t scan = PROC_WATCH_SCAN_MS;

	if (n > 0 && (nt = calloc(n, sizeof(*nt))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct conf_track_process *c = &conf->track_processes[i];

		nt[i].conf = *c;
		spec_from_conf(&nt[i].spec, c);
		proc_track_init(&nt[i].st);
		/* Same settings under the same name: its state goes on. */
		for (size_t j = 0; j < pw->nt; j++)
			if (conf_procs_equal(&pw->t[j].conf, c)) {
				nt[i].st = pw->t[j].st;
				nt[i].ups = pw->t[j].ups;
				nt[i].downs = pw->t[j].downs;
			}
		if (c->fork_delay_ms > 0 && c->fork_delay_ms < scan)
			scan = c->fork_delay_ms;
	}
	free(pw->t);
	pw->t = nt;
	pw->nt = n;
	pw->scan_ms = scan < PROC_WATCH_SCAN_MIN_MS ? PROC_WATCH_SCAN_MIN_MS : scan;
	if (n == 0) {
		while (pw->npfds > 0)
			pidfd_drop(pw, pw->npfds - 1);
		return 0;
	}
	if (pw->mode == PROC_WATCH_OFF)
		proc_watch_choose(pw);
	proc_watch_scan(pw, now_ms);
	pw->scan_due_ms = now_ms + pw->scan_ms;
	proc_watch_evaluate(pw, now_ms);
	return 0;
}

void
proc_watch_tick(struct proc_watch *pw, uint64_t now_ms)
{
	bool due = false;

	if (pw->nt == 0)
		return;
	if (pw->mode == PROC_WATCH_PIDFD && now_ms >= pw->scan_due_ms) {
		proc_watch_scan(pw, now_ms);
		pw->scan_due_ms = now_ms + pw->scan_ms;
		due = true;
	}
	for (size_t i = 0; i < pw->nt && !due; i++)
		due = pw->t[i].next_ms != 0 && now_ms >= pw->t[i].next_ms;
	if (due)
		proc_watch_evaluate(pw, now_ms);
}

uint64_t
proc_watch_next_deadline(const struct proc_watch *pw)
{
	uint64_t due = 0;

	if (pw->nt == 0)
		return 0;
	if (pw->mode == PROC_WATCH_PIDFD)
		due = pw->scan_due_ms;
	for (size_t i = 0; i < pw->nt; i++)
		if (pw->t[i].next_ms != 0 && (due == 0 || pw->t[i].next_ms < due))
			due = pw->t[i].next_ms;
	return due;
}

void
proc_watch_dump_json(FILE *f, const struct proc_watch *pw)
{
	fprintf(f, "{\"mode\":\"%s\",\"scans\":%llu,\"overruns\":%llu,"
	    "\"events\":%llu,\"trackers\":[", pw->mode == PROC_WATCH_CONNECTOR ?
	    "connector" : pw->mode == PROC_WATCH_PIDFD ? "pidfd" : "off",
	    (unsigned long long)pw->scans, (unsigned long long)pw->overruns,
	    (unsigned long long)pw->events);
	for (size_t i = 0; i < pw->nt; i++) {
		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_out_str(f, pw->t[i].conf.name);
		fprintf(f, ",\"up\":%s,\"running\":%u,\"ups\":%llu,"
		    "\"downs\":%llu,\"overflows\":%llu}",
		    pw->t[i].st.up ? "true" : "false", pw->t[i].st.counted,
		    (unsigned long long)pw->t[i].ups,
		    (unsigned long long)pw->t[i].downs,
		    (unsigned long long)pw->t[i].st.overflows);
	}
	fputs("]}", f);
}

void
proc_watch_close(struct proc_watch *pw)
{
	while (pw->npfds > 0)
		pidfd_drop(pw, pw->npfds - 1);
	free(pw->pfds);
	pw->pfds = NULL;
	pw->cap_pfds = 0;
	if (pw->mode == PROC_WATCH_CONNECTOR && pw->cn_fd >= 0) {
		evloop_del(pw->loop, &pw->cn_watch);
		close(pw->cn_fd);
		pw->cn_fd = -1;
	}
	free(pw->t);
	pw->t = NULL;
	pw->nt = 0;
	pw->mode = PROC_WATCH_OFF;
}
