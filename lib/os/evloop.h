/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * evloop - the daemon's one single-threaded event loop: epoll for file
 * descriptors, one timerfd for the earliest deadline, signalfd for signals.
 *
 * Owns: the epoll, timer and signal descriptors, and the blocked signal mask.
 * Never does: decide deadlines (the caller arms the timer with the earliest
 * one it knows before each wait) or block anywhere but in epoll_wait.
 */
#ifndef VIPD_EVLOOP_H
#define VIPD_EVLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evloop_watch;
typedef void (*evloop_fd_cb)(struct evloop_watch *w, uint32_t events);

/* Embedded by the owner of a descriptor; must outlive its registration. */
struct evloop_watch {
	int fd;
	evloop_fd_cb cb;
	void *arg;
};

typedef void (*evloop_signal_cb)(void *arg, int signo);
typedef void (*evloop_timer_cb)(void *arg, uint64_t now_ms);

struct evloop {
	int epoll_fd;
	int timer_fd;
	int signal_fd;
	uint64_t timer_due_ms;      /* 0 = disarmed */
	evloop_signal_cb on_signal;
	evloop_timer_cb on_timer;
	evloop_timer_cb on_wake;    /* NULL: none (evloop_on_wake) */
	void *arg;
	struct evloop_watch timer_watch, signal_watch;
};

/* Current CLOCK_MONOTONIC time in milliseconds. */
uint64_t evloop_now_ms(void);

/*
 * Current CLOCK_REALTIME in milliseconds since the epoch (0 if unreadable),
 * for what people read (log stamps, timeline dates); never for deadlines,
 * it jumps when the clock is set.
 */
uint64_t evloop_wall_ms(void);

/*
 * Block signals[] and route them to on_signal; route timer expiry to
 * on_timer. Returns 0 or -errno.
 */
int evloop_init(struct evloop *loop, const int *signals, size_t nsignals,
		evloop_signal_cb on_signal, evloop_timer_cb on_timer, void *arg);
void evloop_close(struct evloop *loop);

/*
 * Call on_wake (with the init's arg) each time the wait returns events,
 * before any of them is dispatched: the one place where a caller sees
 * the loop woke before one callback acts on what woke it (a stalled
 * loop's timers and packets become ready together, in any order).
 */
void evloop_on_wake(struct evloop *loop, evloop_timer_cb on_wake);

/* Watch w->fd for events (EPOLLIN...). Returns 0 or -errno. */
int evloop_add(struct evloop *loop, struct evloop_watch *w, uint32_t events);
/*
 * Watch the already added w->fd for events instead (one epoll_ctl, where
 * del + add took two). Returns 0 or -errno.
 */
int evloop_mod(struct evloop *loop, struct evloop_watch *w, uint32_t events);
void evloop_del(struct evloop *loop, struct evloop_watch *w);

/* Arm the single timer for absolute monotonic due_ms (0 disarms). */
int evloop_arm(struct evloop *loop, uint64_t due_ms);

/*
 * Wait for events (at most max_wait_ms, -1 = no limit) and dispatch them.
 * Returns the number dispatched or -errno (EINTR is not an error: 0).
 */
int evloop_run_once(struct evloop *loop, int max_wait_ms);

#endif
