// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * src_serial.c - the --serial source: a raw tty without the kernel module,
 * framed in userspace by the same framer code n_p1 uses.
 *
 * The tty is put in raw mode with p1tty_termios() (from userspace/common)
 * plus PARMRK, so bytes the UART flagged arrive marked ("\377\0c"; a break
 * as "\377\0\0"; a real 0xFF doubled) and are handed to the framer with
 * their flags: parity and framing errors are counted and the telegram
 * holding them rejected, as in the kernel.  A flagged byte is a parity
 * error on a 7E1 line and a framing error on 8N1 (the tty layer marks
 * both the same way).  Unplugging (hangup, EIO) closes the tty and it is
 * reopened with backoff, so /dev/serial/by-id paths that come and go work.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "meter.h"
#include "options.h"
#include "p1tty.h"
#include "source.h"

#define SERIAL_READ 4096

enum mark_state { MK_NONE, MK_FF, MK_FF0 };

struct serial_source {
	struct source s;
	char path[256];
	struct p1tty_line line;
	enum mark_state mark;
	uint8_t in[SERIAL_READ];
	uint8_t data[SERIAL_READ + 2];
	uint8_t flags[SERIAL_READ + 2];
};

static void serial_start(struct source *s);

static void serial_lost(struct serial_source *ss, const char *why)
{
	LOG_RL(LOG_WARNING, "serial %s: %s; reopening with backoff", ss->path,
	       why);
	source_close_fd(&ss->s);
	meter_reset_framer(ss->s.m);
	meter_set_state(ss->s.m, MS_DISCONNECTED, why);
	ss->s.m->reconnects++;
	source_retry(&ss->s);
}

/* Undo PARMRK marking; returns the number of bytes in data/flags. */
static size_t unmark(struct serial_source *ss, size_t n)
{
	uint8_t bad =
		ss->line.framing == P1TTY_7E1 ? P1_FL_PARITY : P1_FL_FRAME;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = ss->in[i];

		switch (ss->mark) {
		case MK_NONE:
			if (c == 0xff) {
				ss->mark = MK_FF;
				continue;
			}
			ss->data[o] = c;
			ss->flags[o++] = P1_FL_NORMAL;
			break;
		case MK_FF:
			if (c == 0xff) {
				ss->data[o] = 0xff;
				ss->flags[o++] = P1_FL_NORMAL;
				ss->mark = MK_NONE;
			} else if (c == 0) {
				ss->mark = MK_FF0;
			} else {
				/* Not a mark after all; keep both bytes. */
				ss->data[o] = 0xff;
				ss->flags[o++] = P1_FL_NORMAL;
				ss->data[o] = c;
				ss->flags[o++] = P1_FL_NORMAL;
				ss->mark = MK_NONE;
			}
			break;
		case MK_FF0:
			ss->data[o] = c;
			ss->flags[o++] = c ? bad : P1_FL_BREAK;
			ss->mark = MK_NONE;
			break;
		}
	}
	return o;
}

static void serial_readable(void *arg, int fd, short revents)
{
	struct serial_source *ss = arg;
	ssize_t n;

	n = read(fd, ss->in, sizeof(ss->in));
	ss->s.m->read_calls++;
	if (n > 0) {
		size_t o = unmark(ss, (size_t)n);
		uint64_t before = ss->s.m->seq;

		meter_feed(ss->s.m, ss->data, ss->flags, o, ev_realtime_ns());
		if (ss->s.m->seq != before)
			ss->s.backoff = 0;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == 0 || (revents & (POLLHUP | POLLERR)))
		serial_lost(ss, n == 0 ? "hung up" : "error");
	else
		serial_lost(ss, strerror(errno));
}

static int serial_setup(struct serial_source *ss, int fd)
{
	struct termios t;
	int r;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	r = p1tty_termios(&t, &ss->line);
	if (r < 0)
		return r;
	/* Mark flagged bytes in the stream (see the top of this file). */
	t.c_iflag |= PARMRK | INPCK;
	t.c_iflag &= ~(tcflag_t)(IGNPAR | ISTRIP | IGNBRK | BRKINT);
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	tcflush(fd, TCIFLUSH);
	return 0;
}

static void serial_start(struct source *s)
{
	struct serial_source *ss = (struct serial_source *)s;
	int fd, r;

	fd = p1tty_open(ss->path);
	if (fd < 0) {
		LOG_RL(LOG_WARNING, "serial %s: %s; retrying", ss->path,
		       strerror(-fd));
		meter_set_state(s->m, MS_CONNECTING, strerror(-fd));
		source_retry(s);
		return;
	}
	r = serial_setup(ss, fd);
	if (r < 0) {
		LOG_RL(LOG_ERR, "serial %s: cannot set %u %s: %s", ss->path,
		       ss->line.baud, p1tty_framing_name(ss->line.framing),
		       strerror(-r));
		close(fd);
		meter_set_state(s->m, MS_CONNECTING, strerror(-r));
		source_retry(s);
		return;
	}
	s->fd = fd;
	s->evh = ev_fd_add(fd, POLLIN, serial_readable, ss);
	if (s->evh < 0) {
		source_close_fd(s);
		source_retry(s);
		return;
	}
	ss->mark = MK_NONE;
	p1_framer_set_cs7(&s->m->fr, ss->line.framing == P1TTY_7E1);
	log_info("serial %s: open at %u %s", ss->path, ss->line.baud,
		 p1tty_framing_name(ss->line.framing));
	meter_set_state(s->m, MS_CONNECTED, NULL);
}

static void serial_retry(void *arg)
{
	serial_start(arg);
}

static void serial_stop(struct source *s)
{
	ev_timer_disarm(&s->timer);
	source_close_fd(s);
}

static const struct source_ops serial_ops = {.start = serial_start,
					     .stop = serial_stop};

struct source *serial_source_new(const char *text, int index)
{
	static const char *const keys[] = {"name", "tz", "baud", "mode", NULL};
	struct serial_source *ss;
	struct spec sp;
	const char *name, *v;
	char defname[32], baud[24];

	if (!spec_parse(text, &sp) || !sp.main[0]) {
		log_err("--serial %s: cannot parse", text);
		return NULL;
	}
	if (!spec_check_keys(&sp, "--serial", keys))
		return NULL;
	ss = calloc(1, sizeof(*ss));
	if (!ss)
		return NULL;
	if (p1tty_resolve(sp.main, ss->path, sizeof(ss->path)) < 0) {
		log_err("--serial %s: bad path", sp.main);
		goto fail;
	}
	snprintf(baud, sizeof(baud), "%lld", (long long)cfg.baud);
	v = spec_get(&sp, "baud");
	if (p1tty_parse_baud(v ? v : baud, &ss->line.baud) < 0) {
		log_err("--serial %s: unsupported baud rate %s (115200 or "
			"9600)",
			sp.main, v ? v : baud);
		goto fail;
	}
	v = spec_get(&sp, "mode");
	if (p1tty_parse_framing(v ? v : cfg.mode, &ss->line.framing) < 0) {
		log_err("--serial %s: mode must be 8N1 or 7E1", sp.main);
		goto fail;
	}
	snprintf(defname, sizeof(defname), "serial%d", index);
	name = spec_get(&sp, "name");
	ss->s.m = meter_new(name && *name ? name : defname, "serial", ss->path);
	if (!ss->s.m)
		goto fail;
	if (!spec_apply_common(&sp, ss->s.m))
		goto fail;
	ss->s.ops = &serial_ops;
	ss->s.fd = -1;
	ss->s.evh = -1;
	ss->s.m->src = &ss->s;
	ev_timer_init(&ss->s.timer, serial_retry, ss);
	return &ss->s;
fail:
	free(ss);
	return NULL;
}
