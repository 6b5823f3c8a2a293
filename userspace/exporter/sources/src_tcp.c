// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * src_tcp.c - the --tcp source: a raw byte stream from ser2net or a
 * network P1 dongle.  Bytes are framed exactly as from a tty (TCP is treated
 * as raw: a telnet IAC 0xFF is just a byte the CRC will judge).
 *
 * States: RESOLVE (getaddrinfo_a, polled by the timer so a slow DNS server
 * never blocks the loop), CONNECT (non-blocking connect, bounded by
 * --tcp.connect-timeout), UP (reading; the timer is the idle timeout,
 * --tcp.idle-timeout, which must exceed the meter's interval) and WAIT
 * (backoff before the next attempt).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "meter.h"
#include "options.h"
#include "source.h"

#define TCP_READ	4096
#define RESOLVE_POLL_NS 20000000u /* 20 ms */

enum tcp_state { TS_WAIT, TS_RESOLVE, TS_CONNECT, TS_UP };

struct tcp_source {
	struct source s;
	char spec[256];
	char host[256];
	char port[16];
	enum tcp_state state;
	struct gaicb req;
	struct addrinfo hints;
	struct addrinfo *cur; /* address being tried */
	bool have_result;
	uint64_t deadline;
	uint8_t in[TCP_READ];
};

static void tcp_attempt(struct tcp_source *ts);

static void tcp_free_result(struct tcp_source *ts)
{
	if (ts->have_result) {
		freeaddrinfo(ts->req.ar_result);
		ts->req.ar_result = NULL;
		ts->have_result = false;
	}
	ts->cur = NULL;
}

static void tcp_fail(struct tcp_source *ts, const char *why)
{
	bool was_up = ts->state == TS_UP;

	LOG_RL(LOG_WARNING, "tcp %s: %s; reconnecting with backoff", ts->spec,
	       why);
	source_close_fd(&ts->s);
	tcp_free_result(ts);
	if (was_up) {
		meter_reset_framer(ts->s.m);
		ts->s.m->reconnects++;
	}
	meter_set_state(ts->s.m, was_up ? MS_DISCONNECTED : MS_CONNECTING, why);
	ts->state = TS_WAIT;
	source_retry(&ts->s);
}

static void tcp_readable(void *arg, int fd, short revents)
{
	struct tcp_source *ts = arg;
	ssize_t n = recv(fd, ts->in, sizeof(ts->in), 0);

	(void)revents;
	ts->s.m->read_calls++;
	if (n > 0) {
		uint64_t before = ts->s.m->seq;

		meter_feed(ts->s.m, ts->in, NULL, (size_t)n, ev_realtime_ns());
		if (ts->s.m->seq != before)
			ts->s.backoff = 0;
		ev_timer_arm(&ts->s.timer,
			     (uint64_t)(cfg.tcp_idle_timeout * 1e9));
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	tcp_fail(ts, n == 0 ? "connection closed by peer" : strerror(errno));
}

static void tcp_connected(void *arg, int fd, short revents)
{
	struct tcp_source *ts = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)revents;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		source_close_fd(&ts->s);
		LOG_RL(LOG_DEBUG, "tcp %s: connect: %s", ts->spec,
		       strerror(err));
		ts->cur = ts->cur->ai_next;
		if (ts->cur) {
			tcp_attempt(ts);
			return;
		}
		tcp_fail(ts, strerror(err));
		return;
	}
	tcp_free_result(ts);
	ev_fd_del(ts->s.evh);
	ts->s.evh = ev_fd_add(fd, POLLIN, tcp_readable, ts);
	ts->state = TS_UP;
	log_info("tcp %s: connected", ts->spec);
	meter_set_state(ts->s.m, MS_CONNECTED, NULL);
	ev_timer_arm(&ts->s.timer, (uint64_t)(cfg.tcp_idle_timeout * 1e9));
}

/* Start a non-blocking connect to ts->cur (or the next that works). */
static void tcp_attempt(struct tcp_source *ts)
{
	for (; ts->cur; ts->cur = ts->cur->ai_next) {
		struct addrinfo *ai = ts->cur;
		int one = 1;
		int fd = socket(ai->ai_family,
				SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
		    errno != EINPROGRESS) {
			LOG_RL(LOG_DEBUG, "tcp %s: connect: %m", ts->spec);
			close(fd);
			continue;
		}
		ts->s.fd = fd;
		ts->s.evh = ev_fd_add(fd, POLLOUT, tcp_connected, ts);
		if (ts->s.evh < 0) {
			close(fd);
			ts->s.fd = -1;
			break;
		}
		ts->state = TS_CONNECT;
		return;
	}
	tcp_fail(ts, "no address could be connected");
}

static void tcp_resolved(struct tcp_source *ts)
{
	int r = gai_error(&ts->req);

	if (r) {
		ts->have_result = false;
		ts->req.ar_result = NULL;
		tcp_fail(ts, gai_strerror(r));
		return;
	}
	ts->have_result = true;
	ts->cur = ts->req.ar_result;
	tcp_attempt(ts);
}

static void tcp_timer(void *arg)
{
	struct tcp_source *ts = arg;

	switch (ts->state) {
	case TS_WAIT:
		ts->s.ops->start(&ts->s);
		break;
	case TS_RESOLVE:
		if (gai_error(&ts->req) != EAI_INPROGRESS) {
			tcp_resolved(ts);
		} else if (ev_now() >= ts->deadline) {
			gai_cancel(&ts->req);
			if (gai_error(&ts->req) == EAI_INPROGRESS) {
				/* Cannot cancel: poll until it ends. */
				ev_timer_arm(&ts->s.timer, RESOLVE_POLL_NS);
				return;
			}
			tcp_free_result(ts);
			tcp_fail(ts, "name resolution timed out");
		} else {
			ev_timer_arm(&ts->s.timer, RESOLVE_POLL_NS);
		}
		break;
	case TS_CONNECT:
		tcp_fail(ts, "connect timed out");
		break;
	case TS_UP:
		tcp_fail(ts, "idle timeout: no data");
		break;
	}
}

static void tcp_start(struct source *s)
{
	struct tcp_source *ts = (struct tcp_source *)s;
	struct gaicb *list[1] = {&ts->req};
	int r;

	memset(&ts->hints, 0, sizeof(ts->hints));
	ts->hints.ai_family = AF_UNSPEC;
	ts->hints.ai_socktype = SOCK_STREAM;
	ts->hints.ai_flags = AI_ADDRCONFIG;
	memset(&ts->req, 0, sizeof(ts->req));
	ts->req.ar_name = ts->host;
	ts->req.ar_service = ts->port;
	ts->req.ar_request = &ts->hints;
	meter_set_state(s->m, MS_CONNECTING, NULL);
	r = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (r) {
		tcp_fail(ts, gai_strerror(r));
		return;
	}
	ts->state = TS_RESOLVE;
	ts->deadline = ev_now() + (uint64_t)(cfg.tcp_connect_timeout * 1e9);
	ev_timer_arm(&s->timer, 0);
}

static void tcp_stop(struct source *s)
{
	struct tcp_source *ts = (struct tcp_source *)s;

	ev_timer_disarm(&s->timer);
	if (ts->state == TS_RESOLVE) {
		gai_cancel(&ts->req);
		/* A lookup still running owns the request: leave it be. */
		if (gai_error(&ts->req) == EAI_INPROGRESS)
			return;
		if (!gai_error(&ts->req))
			ts->have_result = true;
	}
	tcp_free_result(ts);
	source_close_fd(s);
}

static const struct source_ops tcp_ops = {.start = tcp_start, .stop = tcp_stop};

/* HOST:PORT or [V6ADDR]:PORT */
static bool split_host_port(const char *s, char *host, size_t hn, char *port,
			    size_t pn)
{
	const char *colon;
	size_t n;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return false;
		n = (size_t)(close - s - 1);
		if (!n || n >= hn)
			return false;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s || memchr(s, ':', (size_t)(colon - s)))
			return false;
		n = (size_t)(colon - s);
		if (n >= hn)
			return false;
		memcpy(host, s, n);
		host[n] = '\0';
	}
	if (!colon[1] || strlen(colon + 1) >= pn)
		return false;
	snprintf(port, pn, "%s", colon + 1);
	return true;
}

struct source *tcp_source_new(const char *text, int index)
{
	static const char *const keys[] = {"name", "tz", NULL};
	struct tcp_source *ts;
	struct spec sp;
	const char *name;
	char defname[32];

	if (!spec_parse(text, &sp) || !sp.main[0]) {
		log_err("--tcp %s: cannot parse", text);
		return NULL;
	}
	if (!spec_check_keys(&sp, "--tcp", keys))
		return NULL;
	ts = calloc(1, sizeof(*ts));
	if (!ts)
		return NULL;
	if (!split_host_port(sp.main, ts->host, sizeof(ts->host), ts->port,
			     sizeof(ts->port))) {
		log_err("--tcp %s: expected HOST:PORT or [IPV6]:PORT", sp.main);
		free(ts);
		return NULL;
	}
	snprintf(ts->spec, sizeof(ts->spec), "%s", sp.main);
	snprintf(defname, sizeof(defname), "tcp%d", index);
	name = spec_get(&sp, "name");
	ts->s.m = meter_new(name && *name ? name : defname, "tcp", ts->spec);
	if (!ts->s.m) {
		free(ts);
		return NULL;
	}
	if (!spec_apply_common(&sp, ts->s.m)) {
		free(ts);
		return NULL;
	}
	ts->s.ops = &tcp_ops;
	ts->s.fd = -1;
	ts->s.evh = -1;
	ts->s.m->src = &ts->s;
	ev_timer_init(&ts->s.timer, tcp_timer, ts);
	return &ts->s;
}
