// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_rd_tcp.c - the reader's TCP source: a raw byte stream from ser2net or
 * a network P1 dongle, framed exactly as from a tty (a telnet IAC 0xFF is
 * just a byte the CRC will judge).
 *
 * States: RESOLVE (getaddrinfo_a, polled by the timer so a slow DNS server
 * never blocks the loop; an address literal skips it), CONNECT (non-blocking
 * connect to each address in turn, bounded by connect-timeout, 10 s by
 * default), UP (reading; the timer is the idle timeout, idle-timeout, 60 s by
 * default, which must exceed the meter's interval) and WAIT (backoff before the
 * next attempt).
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p1_reader_int.h"

#define RESOLVE_POLL_NS 20000000u /* 20 ms */

static void tcp_attempt(struct p1_reader *r);

static void tcp_free_result(struct p1_reader *r)
{
	if (r->u.tcp.have_result) {
		freeaddrinfo(r->u.tcp.req.ar_result);
		r->u.tcp.req.ar_result = NULL;
		r->u.tcp.have_result = false;
	}
	r->u.tcp.cur = NULL;
}

static void tcp_fail(struct p1_reader *r, int err, const char *why)
{
	tcp_free_result(r);
	r->u.tcp.state = P1I_TS_WAIT;
	p1i_rd_lost(r, err, why);
}

static void tcp_open(struct p1_reader *r)
{
	struct gaicb *list[1] = {&r->u.tcp.req};
	int ret;

	memset(&r->u.tcp.hints, 0, sizeof(r->u.tcp.hints));
	r->u.tcp.hints.ai_family = AF_UNSPEC;
	r->u.tcp.hints.ai_socktype = SOCK_STREAM;
	r->u.tcp.hints.ai_flags = AI_ADDRCONFIG;
	memset(&r->u.tcp.req, 0, sizeof(r->u.tcp.req));
	r->u.tcp.req.ar_name = r->u.tcp.host;
	r->u.tcp.req.ar_service = r->u.tcp.port;
	r->u.tcp.req.ar_request = &r->u.tcp.hints;
	/* An address literal needs no lookup (and no helper thread). */
	r->u.tcp.hints.ai_flags |= AI_NUMERICHOST;
	ret = getaddrinfo(r->u.tcp.host, r->u.tcp.port, &r->u.tcp.hints,
			  &r->u.tcp.req.ar_result);
	r->u.tcp.hints.ai_flags &= ~AI_NUMERICHOST;
	if (!ret) {
		r->u.tcp.have_result = true;
		r->u.tcp.cur = r->u.tcp.req.ar_result;
		tcp_attempt(r);
		return;
	}
	r->u.tcp.req.ar_result = NULL;
	ret = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (ret) {
		tcp_fail(r, -EHOSTUNREACH, gai_strerror(ret));
		return;
	}
	r->u.tcp.state = P1I_TS_RESOLVE;
	r->u.tcp.resolve_deadline =
		p1i_mono_ns() + (uint64_t)(r->u.tcp.connect_timeout * 1e9);
	p1i_rd_arm(r, 0);
}

static void tcp_up(struct p1_reader *r)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		close(r->fd);
		p1i_rd_set_fd(r, -1, 0);
		r->u.tcp.cur = r->u.tcp.cur ? r->u.tcp.cur->ai_next : NULL;
		if (r->u.tcp.cur) {
			tcp_attempt(r);
			return;
		}
		tcp_fail(r, -err, strerror(err));
		return;
	}
	tcp_free_result(r);
	r->u.tcp.state = P1I_TS_UP;
	p1i_rd_set_fd(r, r->fd, POLLIN);
	p1i_rd_arm(r, (uint64_t)(r->u.tcp.idle_timeout * 1e9));
	p1_framer_reset(&r->fr);
	p1i_rd_connected(r, "connected");
}

/* Start a non-blocking connect to cur (or the next address that works). */
static void tcp_attempt(struct p1_reader *r)
{
	for (; r->u.tcp.cur; r->u.tcp.cur = r->u.tcp.cur->ai_next) {
		struct addrinfo *ai = r->u.tcp.cur;
		int one = 1;
		int fd = socket(ai->ai_family,
				SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
		    errno != EINPROGRESS) {
			close(fd);
			continue;
		}
		p1i_rd_set_fd(r, fd, POLLOUT);
		r->u.tcp.state = P1I_TS_CONNECT;
		p1i_rd_arm(r, (uint64_t)(r->u.tcp.connect_timeout * 1e9));
		return;
	}
	tcp_fail(r, -ECONNREFUSED, "no address could be connected");
}

static void tcp_resolved(struct p1_reader *r)
{
	int ret = gai_error(&r->u.tcp.req);

	if (ret) {
		r->u.tcp.have_result = false;
		r->u.tcp.req.ar_result = NULL;
		tcp_fail(r, -EHOSTUNREACH, gai_strerror(ret));
		return;
	}
	r->u.tcp.have_result = true;
	r->u.tcp.cur = r->u.tcp.req.ar_result;
	tcp_attempt(r);
}

static void tcp_io(struct p1_reader *r, short revents)
{
	ssize_t n;

	if (r->u.tcp.state == P1I_TS_CONNECT) {
		tcp_up(r);
		return;
	}
	(void)revents;
	n = recv(r->fd, r->in, r->in_cap, 0);
	r->c.read_calls++;
	if (n > 0) {
		p1i_rd_feed(r, r->in, NULL, (size_t)n, p1i_realtime_ns());
		if (r->fd >= 0)
			p1i_rd_arm(r, (uint64_t)(r->u.tcp.idle_timeout * 1e9));
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	tcp_fail(r, n == 0 ? -ECONNRESET : -errno,
		 n == 0 ? "connection closed by peer" : strerror(errno));
}

static void tcp_timer(struct p1_reader *r)
{
	switch (r->u.tcp.state) {
	case P1I_TS_WAIT:
		tcp_open(r);
		break;
	case P1I_TS_RESOLVE:
		if (gai_error(&r->u.tcp.req) != EAI_INPROGRESS) {
			tcp_resolved(r);
		} else if (p1i_mono_ns() >= r->u.tcp.resolve_deadline) {
			gai_cancel(&r->u.tcp.req);
			if (gai_error(&r->u.tcp.req) == EAI_INPROGRESS) {
				/* Cannot cancel: poll until it ends. */
				p1i_rd_arm(r, RESOLVE_POLL_NS);
				return;
			}
			if (!gai_error(&r->u.tcp.req))
				r->u.tcp.have_result = true;
			tcp_fail(r, -ETIMEDOUT, "name resolution timed out");
		} else {
			p1i_rd_arm(r, RESOLVE_POLL_NS);
		}
		break;
	case P1I_TS_CONNECT:
		tcp_fail(r, -ETIMEDOUT, "connect timed out");
		break;
	case P1I_TS_UP:
		tcp_fail(r, -ETIMEDOUT, "idle timeout: no data");
		break;
	}
}

static void tcp_close(struct p1_reader *r)
{
	if (r->u.tcp.state == P1I_TS_RESOLVE) {
		gai_cancel(&r->u.tcp.req);
		/* A lookup still running owns the request: leave it be (the
		 * reader must then outlive it; p1_reader_free() waits). */
		if (gai_error(&r->u.tcp.req) == EAI_INPROGRESS) {
			const struct gaicb *list[1] = {&r->u.tcp.req};

			gai_suspend(list, 1, NULL);
		}
		if (!gai_error(&r->u.tcp.req))
			r->u.tcp.have_result = true;
	}
	tcp_free_result(r);
	r->u.tcp.state = P1I_TS_WAIT;
}

/* HOST:PORT or [V6ADDR]:PORT */
static int split_host_port(struct p1_reader *r, const char *s)
{
	char *host = r->u.tcp.host, *port = r->u.tcp.port;
	size_t hn = sizeof(r->u.tcp.host), pn = sizeof(r->u.tcp.port);
	const char *colon;
	size_t n;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		n = (size_t)(close - s - 1);
		if (!n || n >= hn)
			return -EINVAL;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;
		n = (size_t)(colon - s);
		if (n >= hn)
			return -EINVAL;
		memcpy(host, s, n);
		host[n] = '\0';
	}
	if (!colon[1] || strlen(colon + 1) >= pn)
		return -EINVAL;
	snprintf(port, pn, "%s", colon + 1);
	return 0;
}

static int tcp_prepare(struct p1_reader *r)
{
	/* r->source is "HOST:PORT" after "tcp:" was taken off below. */
	const char *hp = r->source;

	if (!strncmp(hp, "tcp:", 4))
		memmove(r->source, hp + 4, strlen(hp + 4) + 1);
	r->u.tcp.connect_timeout = 10;
	r->u.tcp.idle_timeout = 60;
	if (split_host_port(r, r->source) < 0) {
		snprintf(r->errmsg, sizeof(r->errmsg), "%.200s: %s", r->source,
			 "expected HOST:PORT or [IPV6]:PORT");
		return -EINVAL;
	}
	return 0;
}

static int tcp_option(struct p1_reader *r, const char *key, const char *val)
{
	if (!strcmp(key, "connect-timeout"))
		return p1i_opt_double(val, 0.01, 3600,
				      &r->u.tcp.connect_timeout);
	if (!strcmp(key, "idle-timeout"))
		return p1i_opt_double(val, 0.01, 86400, &r->u.tcp.idle_timeout);
	return -ENOENT;
}

const struct p1i_rd_ops p1i_rd_tcp_ops = {
	.prepare = tcp_prepare,
	.open = tcp_open,
	.io = tcp_io,
	.timer = tcp_timer,
	.close = tcp_close,
	.option = tcp_option,
};
