// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rdglue.c - a libp1 reader in the exporter's event loop (see rdglue.h).
 */
#include "rdglue.h"

#include <poll.h>

static void rdglue_run(struct rdglue *g, short revents)
{
	p1_reader_process(g->rd, revents);
	rdglue_sync(g);
	if (g->after)
		g->after(g->arg);
}

static void on_fd(void *arg, int fd, short revents)
{
	(void)fd;
	rdglue_run(arg, revents ? revents : POLLIN);
}

static void on_timer(void *arg)
{
	rdglue_run(arg, 0);
}

void rdglue_init(struct rdglue *g, struct p1_reader *rd,
		 void (*after)(void *arg), void *arg)
{
	g->rd = rd;
	g->fd = -1;
	g->events = 0;
	g->evh = -1;
	g->after = after;
	g->arg = arg;
	ev_timer_init(&g->timer, on_timer, g);
}

void rdglue_sync(struct rdglue *g)
{
	short events = 0;
	int fd = g->rd ? p1_reader_fd(g->rd, &events) : -1;
	int ms = g->rd ? p1_reader_timeout(g->rd) : -1;

	if (fd < 0 || !events)
		fd = -1;
	if (fd != g->fd || events != g->events) {
		if (g->evh >= 0)
			ev_fd_del(g->evh);
		g->evh = fd >= 0 ? ev_fd_add(fd, events, on_fd, g) : -1;
		g->fd = g->evh >= 0 ? fd : -1;
		g->events = g->evh >= 0 ? events : 0;
		if (fd >= 0 && g->evh < 0 && ms < 0)
			ms = 1000; /* loop table full: try again */
	}
	if (ms < 0)
		ev_timer_disarm(&g->timer);
	else
		ev_timer_arm(&g->timer, (uint64_t)ms * 1000000u);
}

bool rdglue_start(struct rdglue *g)
{
	if (p1_reader_start(g->rd) < 0)
		return false;
	rdglue_sync(g);
	return true;
}

void rdglue_detach(struct rdglue *g)
{
	ev_timer_disarm(&g->timer);
	if (g->evh >= 0)
		ev_fd_del(g->evh);
	g->evh = -1;
	g->fd = -1;
	g->events = 0;
}
