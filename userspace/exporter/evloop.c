// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * evloop.c - epoll(7) loop with fixed tables (no allocation).  The
 * interface is poll(2)'s (POLLIN, POLLOUT; level-triggered); epoll because
 * with a thousand sources poll() would look at every descriptor at every
 * wakeup, a thousand times a second.
 *
 * Timers are kept in a binary heap on their deadline: with a thousand
 * sources there are a thousand of them, and each iteration only looks at
 * the first.
 */
#include "evloop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <time.h>

#include "log.h"

struct ev_fd {
	ev_fd_cb cb;
	void *arg;
	int fd;
	uint32_t gen; /* bumped on reuse: stale events are told apart */
	short events;
	bool used;
	bool always; /* regular file (epoll refuses it): always ready */
};

static int epfd = -1;
static struct ev_fd fds[EV_MAX_FDS];
static int nfds; /* handles in use are below it */
static int nalways;
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

static bool ep_open(void)
{
	if (epfd < 0)
		epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		log_err("epoll_create1: %m");
	return epfd >= 0;
}

/* poll(2) and epoll(7) event bits have the same values on Linux. */
static struct epoll_event ep_event(int handle, short events)
{
	return (struct epoll_event){
		.events = (uint32_t)(unsigned short)events,
		.data.u64 = (uint64_t)fds[handle].gen << 32 | (uint32_t)handle,
	};
}

int ev_fd_add(int fd, short events, ev_fd_cb cb, void *arg)
{
	struct epoll_event ev;
	int i;

	if (!ep_open())
		return -1;
	for (i = 0; i < nfds; i++)
		if (!fds[i].used)
			break;
	if (i == EV_MAX_FDS) {
		log_err("event loop: more than %d descriptors", EV_MAX_FDS);
		return -1;
	}
	fds[i] = (struct ev_fd){.cb = cb,
				.arg = arg,
				.fd = fd,
				.gen = fds[i].gen + 1,
				.used = true};
	ev = ep_event(i, events);
	fds[i].events = events;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		if (errno != EPERM) {
			log_err("event loop: descriptor %d: %m", fd);
			fds[i].used = false;
			return -1;
		}
		/* as poll() sees regular files */
		fds[i].always = true;
		nalways++;
	}
	if (i == nfds)
		nfds++;
	return i;
}

void ev_fd_events(int handle, short events)
{
	struct epoll_event ev;

	if (handle < 0 || handle >= nfds || !fds[handle].used)
		return;
	fds[handle].events = events;
	ev = ep_event(handle, events);
	if (!fds[handle].always)
		epoll_ctl(epfd, EPOLL_CTL_MOD, fds[handle].fd, &ev);
}

void ev_fd_del(int handle)
{
	int fd;

	if (handle < 0 || handle >= nfds || !fds[handle].used)
		return;
	fds[handle].used = false;
	if (fds[handle].always) {
		fds[handle].always = false;
		nalways--;
		fd = -1;
	} else {
		fd = fds[handle].fd;
	}
	/*
	 * A descriptor closed before this is already out of the epoll set;
	 * its number may be registered again by now: leave that one be.
	 */
	for (int i = 0; i < nfds && fd >= 0; i++)
		if (fds[i].used && fds[i].fd == fd)
			fd = -1;
	if (fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	while (nfds > 0 && !fds[nfds - 1].used)
		nfds--;
}

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg)
{
	*t = (struct ev_timer){.cb = cb, .arg = arg};
}

/* The armed timers: a binary min-heap on the deadline. */
static bool earlier(int a, int b)
{
	return timers[a]->deadline < timers[b]->deadline;
}

static void put(int i, struct ev_timer *t)
{
	timers[i] = t;
	t->slot = i;
}

static void sift_up(int i)
{
	while (i > 0 && earlier(i, (i - 1) / 2)) {
		struct ev_timer *t = timers[i];

		put(i, timers[(i - 1) / 2]);
		put((i - 1) / 2, t);
		i = (i - 1) / 2;
	}
}

static void sift_down(int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		struct ev_timer *t;

		if (l < ntimers && earlier(l, m))
			m = l;
		if (r < ntimers && earlier(r, m))
			m = r;
		if (m == i)
			return;
		t = timers[i];
		put(i, timers[m]);
		put(m, t);
		i = m;
	}
}

void ev_timer_arm(struct ev_timer *t, uint64_t delay_ns)
{
	t->deadline = ev_now() + delay_ns;
	if (t->armed) {
		sift_up(t->slot);
		sift_down(t->slot);
		return;
	}
	if (ntimers == EV_MAX_TIMERS) {
		log_err("event loop: more than %d timers", EV_MAX_TIMERS);
		return;
	}
	put(ntimers++, t);
	t->armed = true;
	sift_up(t->slot);
}

void ev_timer_disarm(struct ev_timer *t)
{
	int i = t->slot;

	if (!t->armed)
		return;
	t->armed = false;
	if (i != --ntimers) {
		put(i, timers[ntimers]);
		sift_up(i);
		sift_down(timers[i]->slot);
	}
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
	uint64_t first;

	if (!ntimers)
		return -1;
	first = timers[0]->deadline;
	if (first <= now)
		return 0;
	/* Round up so that we never wake just before the deadline. */
	uint64_t ms = (first - now + 999999) / 1000000;
	return ms > 60000 ? 60000 : (int)ms;
}

/* Those due now; a callback may arm or disarm timers (itself too). */
static void run_timers(void)
{
	uint64_t now = ev_now();

	while (ntimers && timers[0]->deadline <= now) {
		struct ev_timer *t = timers[0];

		ev_timer_disarm(t);
		t->cb(t->arg);
	}
}

int ev_run(void)
{
	struct epoll_event evs[64];

	if (!ep_open())
		return -1;
	while (!stopping) {
		int timeout = next_timeout_ms(ev_now());

		if (prepare_cb) {
			int t = prepare_cb(prepare_arg);

			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t;
		}
		if (nalways)
			timeout = 0;
		int n = epoll_wait(epfd, evs, 64, timeout);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %m");
			return -1;
		}
		for (int i = 0; i < n && !stopping; i++) {
			uint32_t h = (uint32_t)evs[i].data.u64;
			uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);

			/* deleted (or deleted and reused) by an earlier
			 * callback of this batch */
			if (h >= (uint32_t)nfds || !fds[h].used ||
			    fds[h].gen != gen)
				continue;
			fds[h].cb(fds[h].arg, fds[h].fd, (short)evs[i].events);
		}
		for (int i = 0; i < nfds && nalways && !stopping; i++)
			if (fds[i].used && fds[i].always &&
			    (fds[i].events & (POLLIN | POLLOUT)))
				fds[i].cb(fds[i].arg, fds[i].fd,
					  fds[i].events & (POLLIN | POLLOUT));
		run_timers();
	}
	stopping = false; /* a later ev_run() runs again */
	return 0;
}
