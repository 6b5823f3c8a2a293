// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tgserver.c - the raw telegram TCP server (--telegram-server.listen):
 * every good telegram of one meter, byte-exact as the line delivered it,
 * to every connected client, the stream Home Assistant's dsmr integration
 * (network mode), DSMR-reader's socket datalogger and Domoticz read.
 *
 * Telegrams are personal data: the server is off unless a listen address
 * is given, and the documentation shows binding it to loopback.
 *
 * Each client has a ring buffer of --telegram-server.client-buffer bytes,
 * allocated when it connects.  A telegram is appended and sent at once as
 * far as the socket takes it (non-blocking); the rest goes out when the
 * socket is writable.  A client whose buffer cannot take the next telegram
 * is disconnected and counted: it never holds up the others or the meter.
 * The socket's send buffer is set to the same size, so what a client may
 * hold up is bounded too (about three times the buffer with the kernel's
 * doubling).
 * Whatever clients send is read and thrown away.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "listen.h"
#include "log.h"
#include "meter.h"
#include "options.h"
#include "sbuf.h"
#include "sink.h"

#define TS_MAX_CLIENTS 64

struct ts_client {
	int fd; /* -1: free slot */
	int evh;
	uint8_t *buf;
	size_t head, len;
};

static struct {
	struct sink_pick pick;
	int lfd[OPT_LIST_MAX];
	int nl;
	struct ts_client cl[TS_MAX_CLIENTS];
	int max;
	size_t cap;
	uint64_t accepted, refused, slow, closed, sent_telegrams, sent_bytes;
} ts;

static int nclients(void)
{
	int n = 0;

	for (int i = 0; i < ts.max; i++)
		n += ts.cl[i].fd >= 0;
	return n;
}

static void drop(struct ts_client *c)
{
	ev_fd_del(c->evh);
	close(c->fd);
	free(c->buf);
	*c = (struct ts_client){.fd = -1, .evh = -1};
}

/* Send what the socket takes; false if the client is gone. */
static bool flush(struct ts_client *c)
{
	while (c->len) {
		size_t chunk =
			ts.cap - c->head < c->len ? ts.cap - c->head : c->len;
		ssize_t w = send(c->fd, c->buf + c->head, chunk,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			ts.closed++;
			drop(c);
			return false;
		}
		ts.sent_bytes += (uint64_t)w;
		c->head = (c->head + (size_t)w) % ts.cap;
		c->len -= (size_t)w;
	}
	if (!c->len)
		c->head = 0;
	ev_fd_events(c->evh, c->len ? POLLIN | POLLOUT : POLLIN);
	return true;
}

static void on_client(void *arg, int fd, short revents)
{
	struct ts_client *c = arg;
	char junk[512];

	if (revents & POLLIN) {
		ssize_t r = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);

		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			ts.closed++;
			drop(c);
			return;
		}
	}
	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		ts.closed++;
		drop(c);
		return;
	}
	if (revents & POLLOUT)
		flush(c);
}

static void on_accept(void *arg, int lfd, short revents)
{
	int sndbuf = (int)ts.cap;

	(void)arg;
	(void)revents;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ts_client *c = NULL;

		if (fd < 0)
			return; /* EAGAIN, or a connection that went away */
		for (int i = 0; i < ts.max; i++) {
			if (ts.cl[i].fd < 0) {
				c = &ts.cl[i];
				break;
			}
		}
		if (!c) {
			ts.refused++;
			LOG_RL(LOG_WARNING,
			       "telegram server: %d clients already; "
			       "connection refused",
			       ts.max);
			close(fd);
			continue;
		}
		/* The kernel's send queue counts too: a client that stops
		 * reading is found after about three buffers, not after the
		 * megabytes send-buffer autotuning allows. */
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		c->buf = malloc(ts.cap);
		c->evh = c->buf ? ev_fd_add(fd, POLLIN, on_client, c) : -1;
		if (c->evh < 0) {
			free(c->buf);
			c->buf = NULL;
			close(fd);
			continue;
		}
		c->fd = fd;
		c->head = c->len = 0;
		ts.accepted++;
		log_debug("telegram server: client connected (%d now)",
			  nclients());
	}
}

static void append(struct ts_client *c, const uint8_t *p, size_t n)
{
	size_t tail = (c->head + c->len) % ts.cap;
	size_t first = ts.cap - tail < n ? ts.cap - tail : n;

	memcpy(c->buf + tail, p, first);
	memcpy(c->buf, p + first, n - first);
	c->len += n;
}

static void ts_telegram(struct meter *m, const uint8_t *data, size_t len,
			uint32_t status, uint64_t rx_ns)
{
	(void)rx_ns;
	if (!p1_fr_status_good(status) || !sink_pick_meter(&ts.pick, m))
		return;
	ts.sent_telegrams++;
	for (int i = 0; i < ts.max; i++) {
		struct ts_client *c = &ts.cl[i];

		if (c->fd < 0)
			continue;
		if (ts.cap - c->len < len) {
			ts.slow++;
			LOG_RL(LOG_WARNING,
			       "telegram server: a client fell %zu bytes "
			       "behind; disconnected",
			       c->len);
			drop(c);
			continue;
		}
		append(c, data, len);
		flush(c);
	}
}

static void ts_meter(struct meter *m)
{
	(void)sink_pick_meter(&ts.pick, m);
}

static void ts_stop(void)
{
	for (int i = 0; i < ts.max; i++)
		if (ts.cl[i].fd >= 0)
			drop(&ts.cl[i]);
	for (int i = 0; i < ts.nl; i++)
		close(ts.lfd[i]);
	ts.nl = 0;
}

static void put(struct sbuf *sb, const char *name, const char *type,
		const char *help, const char *label, uint64_t v)
{
	if (help)
		sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
			  type);
	sb_puts(sb, name);
	sb_puts(sb, "{meter=\"");
	sb_put_label(sb, sink_pick_name(&ts.pick));
	sb_puts(sb, "\"");
	sb_puts(sb, label);
	sb_puts(sb, "} ");
	sb_put_u64(sb, v);
	sb_putc(sb, '\n');
}

static void ts_metrics(struct sbuf *sb)
{
	put(sb, "p1_telegram_server_clients", "gauge",
	    "Clients connected to the raw telegram server.", "",
	    (uint64_t)nclients());
	put(sb, "p1_telegram_server_connections_total", "counter",
	    "Clients the raw telegram server accepted.", "", ts.accepted);
	put(sb, "p1_telegram_server_disconnects_total", "counter",
	    "Clients that left (closed), were refused (max-clients) or were "
	    "disconnected for falling behind (slow).",
	    ",reason=\"closed\"", ts.closed);
	put(sb, "p1_telegram_server_disconnects_total", "counter", NULL,
	    ",reason=\"refused\"", ts.refused);
	put(sb, "p1_telegram_server_disconnects_total", "counter", NULL,
	    ",reason=\"slow\"", ts.slow);
	put(sb, "p1_telegram_server_telegrams_total", "counter",
	    "Good telegrams handed to the raw telegram server's clients.", "",
	    ts.sent_telegrams);
	put(sb, "p1_telegram_server_sent_bytes_total", "counter",
	    "Bytes sent to the raw telegram server's clients.", "",
	    ts.sent_bytes);
}

static const struct sink_ops ts_ops = {
	.name = "telegram-server",
	.meter = ts_meter,
	.telegram = ts_telegram,
	.stop = ts_stop,
	.metrics = ts_metrics,
};

bool tgserver_setup(void)
{
	if (!cfg.ts_listen.n)
		return true;
	ts.pick = (struct sink_pick){.what = "telegram-server",
				     .want = cfg.ts_meter};
	if (!sink_pick_check(&ts.pick, options_kernel_mode() == KERNEL_ON))
		return false;
	ts.max = (int)cfg.ts_max_clients;
	ts.cap = (size_t)cfg.ts_client_buffer;
	if (ts.cap < (size_t)cfg.telegram_max_size)
		ts.cap = (size_t)cfg.telegram_max_size;
	for (int i = 0; i < TS_MAX_CLIENTS; i++)
		ts.cl[i] = (struct ts_client){.fd = -1, .evh = -1};
	for (int i = 0; i < cfg.ts_listen.n; i++) {
		const char *a = cfg.ts_listen.v[i];
		int fd = listen_open(a, 16);

		if (fd < 0)
			return false; /* logged */
		ts.lfd[ts.nl++] = fd;
		if (ev_fd_add(fd, POLLIN, on_accept, NULL) < 0)
			return false;
		log_info("telegram server: raw telegrams of %s on %s (personal "
			 "data: keep it on loopback or a trusted network)",
			 ts.pick.m ? ts.pick.m->name : "the meter", a);
	}
	return sink_register(&ts_ops) == 0;
}
