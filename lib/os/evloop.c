/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * evloop - epoll + timerfd + signalfd.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "os/evloop.h"

#define EVLOOP_MAX_EVENTS 32

uint64_t
evloop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t
evloop_wall_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
evloop_timer_ready(struct evloop_watch *w, uint32_t events)
{
	struct evloop *loop = w->arg;
	uint64_t expirations;

	(void)events;
	/* Drain the expiry count; the callback recomputes what is due. */
	if (read(loop->timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		return;
	loop->timer_due_ms = 0;
	loop->on_timer(loop->arg, evloop_now_ms());
}

static void
evloop_signal_ready(struct evloop_watch *w, uint32_t events)
{
	struct evloop *loop = w->arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(loop->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		loop->on_signal(loop->arg, (int)si.ssi_signo);
}

int
evloop_init(struct evloop *loop, const int *signals, size_t nsignals,
    evloop_signal_cb on_signal, evloop_timer_cb on_timer, void *arg)
{
	sigset_t mask;
	int err;

	memset(loop, 0, sizeof(*loop));
	loop->epoll_fd = loop->timer_fd = loop->signal_fd = -1;
	loop->on_signal = on_signal;
	loop->on_timer = on_timer;
	loop->arg = arg;

	sigemptyset(&mask);
	for (size_t i = 0; i < nsignals; i++)
		sigaddset(&mask, signals[i]);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;

	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	loop->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	loop->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (loop->epoll_fd < 0 || loop->timer_fd < 0 || loop->signal_fd < 0) {
		err = -errno;
		evloop_close(loop);
		return err;
	}
	loop->timer_watch = (struct evloop_watch){ loop->timer_fd, evloop_timer_ready, loop };
	loop->signal_watch = (struct evloop_watch){ loop->signal_fd, evloop_signal_ready, loop };
	if ((err = evloop_add(loop, &loop->timer_watch, EPOLLIN)) < 0 ||
	    (err = evloop_add(loop, &loop->signal_watch, EPOLLIN)) < 0) {
		evloop_close(loop);
		return err;
	}
	return 0;
}

void
evloop_close(struct evloop *loop)
{
	if (loop->signal_fd >= 0)
		close(loop->signal_fd);
	if (loop->timer_fd >= 0)
		close(loop->timer_fd);
	if (loop->epoll_fd >= 0)
		close(loop->epoll_fd);
	loop->epoll_fd = loop->timer_fd = loop->signal_fd = -1;
}

/* EPOLL_CTL_ADD or _MOD of w for events. */
static int
watch_ctl(struct evloop *loop, int op, struct evloop_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (epoll_ctl(loop->epoll_fd, op, w->fd, &ev) < 0)
		return -errno;
	return 0;
}

int
evloop_add(struct evloop *loop, struct evloop_watch *w, uint32_t events)
{
	return watch_ctl(loop, EPOLL_CTL_ADD, w, events);
}

int
evloop_mod(struct evloop *loop, struct evloop_watch *w, uint32_t events)
{
	return watch_ctl(loop, EPOLL_CTL_MOD, w, events);
}

void
evloop_del(struct evloop *loop, struct evloop_watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
}

int
evloop_arm(struct evloop *loop, uint64_t due_ms)
{
	struct itimerspec its;

	if (due_ms == loop->timer_due_ms)
		return 0;
	memset(&its, 0, sizeof(its));
	if (due_ms != 0) {
		its.it_value.tv_sec = (time_t)(due_ms / 1000u);
		its.it_value.tv_nsec = (long)(due_ms % 1000u) * 1000000L;
		/* An all-zero it_value would disarm instead of firing at once. */
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(loop->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	loop->timer_due_ms = due_ms;
	return 0;
}

void
evloop_on_wake(struct evloop *loop, evloop_timer_cb on_wake)
{
	loop->on_wake = on_wake;
}

int
evloop_run_once(struct evloop *loop, int max_wait_ms)
{
	struct epoll_event events[EVLOOP_MAX_EVENTS];
	int n;

	n = epoll_wait(loop->epoll_fd, events, EVLOOP_MAX_EVENTS, max_wait_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n > 0 && loop->on_wake != NULL)
		loop->on_wake(loop->arg, evloop_now_ms());
	for (int i = 0; i < n; i++) {
		struct evloop_watch *w = events[i].data.ptr;

		w->cb(w, events[i].events);
	}
	return n;
}
