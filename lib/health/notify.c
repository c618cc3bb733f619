/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify - notify scripts in order, one at a time per instance or group,
 * and the notify FIFO.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/log.h"
#include "health/notify.h"

void
notify_init(struct notify *n, struct script_runner *runner)
{
	memset(n, 0, sizeof(*n));
	n->runner = runner;
	n->fifo_fd = -1;
}

int
notify_set_fifo(struct notify *n, const char *path)
{
	struct stat st;
	int fd;

	if (strcmp(path, n->fifo_path) == 0 && (n->fifo_fd >= 0 || path[0] == '\0'))
		return 0;
	if (n->fifo_fd >= 0)
		close(n->fifo_fd);
	n->fifo_fd = -1;
	snprintf(n->fifo_path, sizeof(n->fifo_path), "%s", path);
	if (path[0] == '\0')
		return 0;
	if (mkfifo(path, 0600) < 0 && errno != EEXIST)
		return -errno;
	/* Read-write: open never waits for a reader, writes never SIGPIPE. */
	if ((fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	n->fifo_fd = fd;
	return 0;
}

struct notify_queue *
notify_queue_get(struct notify *n, const char *type, const char *name)
{
	struct notify_queue *q;

	for (q = n->queues; q != NULL; q = q->next)
		if (strcmp(q->type, type) == 0 && strcmp(q->name, name) == 0)
			return q;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	snprintf(q->type, sizeof(q->type), "%s", type);
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->n = n;
	q->next = n->queues;
	n->queues = q;
	return q;
}

static void notify_next(struct notify_queue *q, uint64_t now_ms);

static void
notify_done(struct script_job *job, const struct script_result *res, void *arg)
{
	struct notify_queue *q = arg;
	struct notify_counters *c = &q->n->counters;
	char text[SCRIPT_WHY_MAX + 32];

	(void)job;
	script_result_describe(res, text, sizeof(text));
	snprintf(q->last, sizeof(q->last), "%s", text);
	if (res->outcome == SCRIPT_TIMED_OUT)
		c->timed_out++;
	if (!script_result_ok(res)) {
		c->failed++;
		log_warn("%s %s: notify %s %s: %s", q->type, q->name,
		    q->running.path, q->running.state, text);
	}
	notify_next(q, evloop_now_ms());
}

static void
notify_next(struct notify_queue *q, uint64_t now_ms)
{
	char *argv[6];

	if (q->count == 0 || q->job.state != SCRIPT_JOB_IDLE)
		return;
	q->running = q->items[q->head];
	q->head = (q->head + 1) % NOTIFY_QUEUE_MAX;
	q->count--;
	argv[0] = q->running.path;
	argv[1] = q->type;
	argv[2] = q->name;
	argv[3] = q->running.state;
	argv[4] = q->running.prio;
	argv[5] = NULL;
	q->n->counters.run++;
	/* A service the script starts in the background outlives it, as
	   under keepalived; a script still running at its timeout dies with
	   everything in its group. */
	script_start_flags(q->n->runner, &q->job, argv, NULL, q->timeout_ms,
	    SCRIPT_LEAVE_BACKGROUND, notify_done, q, now_ms);
}

static void
notify_push(struct notify_queue *q, const char *path, const char *state,
    unsigned priority)
{
	struct notify_item *it;

	if (q->items == NULL &&
	    (q->items = calloc(NOTIFY_QUEUE_MAX, sizeof(*q->items))) == NULL) {
		q->n->counters.dropped++;
		log_warn("%s %s: notify %s %s not run: out of memory", q->type,
		    q->name, path, state);
		return;
	}
	/* Full: the newest transitions matter most; drop the oldest waiting. */
	if (q->count == NOTIFY_QUEUE_MAX) {
		q->head = (q->head + 1) % NOTIFY_QUEUE_MAX;
		q->count--;
		q->n->counters.dropped++;
		log_warn("%s %s: notify queue full, oldest waiting script dropped",
		    q->type, q->name);
	}
	it = &q->items[(q->head + q->count) % NOTIFY_QUEUE_MAX];
	snprintf(it->path, sizeof(it->path), "%s", path);
	snprintf(it->state, sizeof(it->state), "%s", state);
	snprintf(it->prio, sizeof(it->prio), "%u", priority);
	q->count++;
	q->n->counters.queued++;
}

static void
notify_fifo_line(struct notify *n, const struct notify_queue *q,
    const char *state, unsigned priority)
{
	char line[CONF_NAME_MAX + 48];
	int len;

	if (n->fifo_fd < 0)
		return;
	if (strcmp(q->type, "GROUP") == 0)
		len = snprintf(line, sizeof(line), "GROUP \"%s\" %s\n", q->name,
		    state);
	else
		len = snprintf(line, sizeof(line), "INSTANCE \"%s\" %s %u\n",
		    q->name, state, priority);
	/* A line is far below PIPE_BUF: written whole or not at all. */
	if (write(n->fifo_fd, line, (size_t)len) == len)
		n->counters.fifo_lines++;
	else
		n->counters.fifo_dropped++;
}

void
notify_transition(struct notify_queue *q, const struct conf_notify *c,
    const char *state, unsigned priority, uint64_t now_ms)
{
	int kind = -1;

	notify_fifo_line(q->n, q, state, priority);
	if (c == NULL)
		return;
	q->timeout_ms = c->timeout_ms ? c->timeout_ms : 10000;
	if (strcmp(state, "MASTER") == 0)
		kind = CONF_NOTIFY_MASTER;
	else if (strcmp(state, "BACKUP") == 0)
		kind = CONF_NOTIFY_BACKUP;
	else if (strcmp(state, "FAULT") == 0)
		kind = CONF_NOTIFY_FAULT;
	else if (strcmp(state, "STOP") == 0)
		kind = CONF_NOTIFY_STOP;
	if (kind >= 0 && c->script[kind] != NULL)
		notify_push(q, c->script[kind], state, priority);
	if (c->script[CONF_NOTIFY_ANY] != NULL)
		notify_push(q, c->script[CONF_NOTIFY_ANY], state, priority);
	notify_next(q, now_ms);
}

void
notify_event(struct notify_queue *q, const char *script, const char *state,
    unsigned priority, uint32_t timeout_ms, uint64_t now_ms)
{
	notify_fifo_line(q->n, q, state, priority);
	if (script == NULL || script[0] == '\0')
		return;
	q->timeout_ms = timeout_ms ? timeout_ms : 10000;
	notify_push(q, script, state, priority);
	notify_next(q, now_ms);
}

bool
notify_wanted(const struct notify *n, const struct conf_notify *c)
{
	if (n->fifo_fd >= 0)
		return true;
	for (int k = 0; c != NULL && k < CONF_NOTIFY__COUNT; k++)
		if (c->script[k] != NULL)
			return true;
	return false;
}

bool
notify_busy(const struct notify_queue *q)
{
	return q->count > 0 || q->job.state != SCRIPT_JOB_IDLE;
}

bool
notify_any_busy(const struct notify *n)
{
	for (const struct notify_queue *q = n->queues; q != NULL; q = q->next)
		if (notify_busy(q))
			return true;
	return false;
}

void
notify_close(struct notify *n)
{
	struct notify_queue *q, *next;

	for (q = n->queues; q != NULL; q = next) {
		next = q->next;
		script_cancel(n->runner, &q->job);
		free(q->items);
		free(q);
	}
	n->queues = NULL;
	if (n->fifo_fd >= 0)
		close(n->fifo_fd);
	n->fifo_fd = -1;
}
