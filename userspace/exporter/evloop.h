/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * evloop.h - the exporter's single event loop (epoll): file descriptors and
 * one-shot monotonic timers, all callbacks run on the one thread.  Sized
 * for a thousand meters and more (a descriptor and a timer each).
 */
#ifndef P1X_EVLOOP_H
#define P1X_EVLOOP_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#define EV_MAX_FDS    8192
#define EV_MAX_TIMERS 8192

typedef void (*ev_fd_cb)(void *arg, int fd, short revents);
typedef void (*ev_timer_cb)(void *arg);

struct ev_timer {
	uint64_t deadline; /* CLOCK_MONOTONIC ns */
	ev_timer_cb cb;
	void *arg;
	bool armed;
	int slot; /* in the loop's heap while armed */
};

/* Called before every poll(): may shorten the timeout (ms, -1: none). */
typedef int (*ev_prepare_cb)(void *arg);

uint64_t ev_now(void); /* CLOCK_MONOTONIC in ns */
uint64_t ev_realtime_ns(void);

/* Returns a handle >= 0, or -1 when the table is full. */
int ev_fd_add(int fd, short events, ev_fd_cb cb, void *arg);
void ev_fd_events(int handle, short events);
void ev_fd_del(int handle);

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg);
void ev_timer_arm(struct ev_timer *t, uint64_t delay_ns);
void ev_timer_disarm(struct ev_timer *t);

void ev_set_prepare(ev_prepare_cb cb, void *arg);

/* Run until ev_stop(); returns 0, or -1 if epoll_wait() failed. */
int ev_run(void);
void ev_stop(void);

#endif
