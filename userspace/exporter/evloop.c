// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * evloop.c - poll(2) loop with fixed tables (no allocation).
 *
 * Timers are kept in an unsorted table: there are a handful (one or two per
 * source), so a linear scan per iteration is cheaper than a heap.
 */
#include "evloop.h"

#include <errno.h>
#include <time.h>

#include "log.h"

struct ev_fd {
	ev_fd_cb cb;
	void *arg;
	bool used;
};

static struct pollfd pfds[EV_MAX_FDS];
static struct ev_fd fds[EV_MAX_FDS];
static int nfds;
static struct ev_timer *timers[EV_MAX_TIMERS];
static int ntimers;
static bool stopping;
static ev_prepare_cb prepare_cb;
static void *prepare_arg;

uint64_t ev_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ev_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int ev_fd_add(int fd, short events, ev_fd_cb cb, void *arg)
{
	int i;

	for (i = 0; i < nfds; i++)
		if (!fds[i].used)
			break;
	if (i == EV_MAX_FDS) {
		log_err("event loop: more than %d descriptors", EV_MAX_FDS);
		return -1;
	}
	if (i == nfds)
		nfds++;
	pfds[i] = (struct pollfd){.fd = fd, .events = events};
	fds[i] = (struct ev_fd){.cb = cb, .arg = arg, .used = true};
	return i;
}

void ev_fd_events(int handle, short events)
{
	if (handle >= 0 && handle < nfds && fds[handle].used)
		pfds[handle].events = events;
}

void ev_fd_del(int handle)
{
	if (handle < 0 || handle >= nfds)
		return;
	fds[handle].used = false;
	pfds[handle].fd = -1; /* poll() ignores negative descriptors */
	pfds[handle].revents = 0;
	while (nfds > 0 && !fds[nfds - 1].used)
		nfds--;
}

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg)
{
	*t = (struct ev_timer){.cb = cb, .arg = arg};
}

void ev_timer_arm(struct ev_timer *t, uint64_t delay_ns)
{
	t->deadline = ev_now() + delay_ns;
	if (t->armed)
		return;
	if (ntimers == EV_MAX_TIMERS) {
		log_err("event loop: more than %d timers", EV_MAX_TIMERS);
		return;
	}
	timers[ntimers++] = t;
	t->armed = true;
}

void ev_timer_disarm(struct ev_timer *t)
{
	if (!t->armed)
		return;
	for (int i = 0; i < ntimers; i++) {
		if (timers[i] == t) {
			timers[i] = timers[--ntimers];
			break;
		}
	}
	t->armed = false;
}

void ev_set_prepare(ev_prepare_cb cb, void *arg)
{
	prepare_cb = cb;
	prepare_arg = arg;
}

void ev_stop(void)
{
	stopping = true;
}

static int next_timeout_ms(uint64_t now)
{
	uint64_t first = UINT64_MAX;

	for (int i = 0; i < ntimers; i++)
		if (timers[i]->deadline < first)
			first = timers[i]->deadline;
	if (first == UINT64_MAX)
		return -1;
	if (first <= now)
		return 0;
	/* Round up so that we never wake just before the deadline. */
	uint64_t ms = (first - now + 999999) / 1000000;
	return ms > 60000 ? 60000 : (int)ms;
}

static void run_timers(void)
{
	uint64_t now = ev_now();
	bool again = true;

	/* A callback may arm or disarm timers: rescan after each one. */
	while (again) {
		again = false;
		for (int i = 0; i < ntimers; i++) {
			struct ev_timer *t = timers[i];

			if (t->deadline > now)
				continue;
			ev_timer_disarm(t);
			t->cb(t->arg);
			again = true;
			break;
		}
	}
}

int ev_run(void)
{
	while (!stopping) {
		int timeout = next_timeout_ms(ev_now());

		if (prepare_cb) {
			int t = prepare_cb(prepare_arg);

			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t;
		}
		int n = poll(pfds, (nfds_t)nfds, timeout);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %m");
			return -1;
		}
		for (int i = 0; i < nfds && n > 0 && !stopping; i++) {
			short re = pfds[i].revents;

			if (!re || !fds[i].used)
				continue;
			pfds[i].revents = 0;
			n--;
			fds[i].cb(fds[i].arg, pfds[i].fd, re);
		}
		run_timers();
	}
	return 0;
}
