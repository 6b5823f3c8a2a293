// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_rd_serial.c - the reader's serial source: a raw tty without the
 * kernel module, framed in userspace by the framer n_p1 uses.
 *
 * The tty is put in raw mode at the line settings with PARMRK, so bytes
 * the UART flagged arrive marked ("\377\0c"; a break as "\377\0\0"; a real
 * 0xFF doubled) and reach the framer with their flags: parity and framing
 * errors are counted and the telegram holding them rejected, as in the
 * kernel.  A flagged byte is a parity error on a 7E1 line and a framing
 * error on 8N1 (the tty layer marks both the same way).  A hangup or EIO
 * (unplugged) closes the tty, which is opened again with backoff, so
 * /dev/serial/by-id paths that come and go work.
 *
 * baud=auto: each setting of the list below is tried for auto-timeout
 * seconds (12 by default: DSMR 2.2 meters send every 10 s) until a good
 * telegram comes; the setting that worked is kept from then on.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "p1_reader_int.h"

static const struct {
	uint32_t baud;
	bool cs7;
} auto_list[] = {{115200, false}, {9600, true}, {115200, true}, {9600, false}};
#define AUTO_N ((int)(sizeof(auto_list) / sizeof(auto_list[0])))

int p1i_tty_termios(void *termios, uint32_t baud, bool cs7)
{
	struct termios *t = termios;
	speed_t sp;

	switch (baud) {
	case 115200:
		sp = B115200;
		break;
	case 9600:
		sp = B9600;
		break;
	default:
		return -EINVAL;
	}
	cfmakeraw(t);
	t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
	t->c_cflag |= CREAD | CLOCAL | (cs7 ? CS7 | PARENB : CS8);
	t->c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY | IGNPAR | PARMRK |
				  ISTRIP | IGNBRK | BRKINT);
	t->c_iflag |= INPCK;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
	if (cfsetispeed(t, sp) < 0 || cfsetospeed(t, sp) < 0)
		return -EINVAL;
	return 0;
}

static void ser_setting(const struct p1_reader *r, char *b, size_t n)
{
	snprintf(b, n, "%u %s", (unsigned)r->u.ser.baud,
		 r->u.ser.cs7 ? "7E1" : "8N1");
}

static int ser_setup(struct p1_reader *r, int fd)
{
	struct termios t;
	int ret;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	ret = p1i_tty_termios(&t, r->u.ser.baud, r->u.ser.cs7);
	if (ret < 0)
		return ret;
	/* Mark flagged bytes in the stream (see the top of this file). */
	t.c_iflag |= PARMRK | INPCK;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	tcflush(fd, TCIFLUSH);
	return 0;
}

static void ser_open(struct p1_reader *r)
{
	char msg[64], set[24];
	int fd, ret;

	if (r->u.ser.autodetect) {
		r->u.ser.baud = auto_list[r->u.ser.try].baud;
		r->u.ser.cs7 = auto_list[r->u.ser.try].cs7;
	}
	ser_setting(r, set, sizeof(set));
	fd = open(r->source, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		p1i_rd_lost(r, -errno, strerror(errno));
		return;
	}
	if (!isatty(fd)) {
		close(fd);
		p1i_rd_lost(r, -ENOTTY, "not a tty");
		return;
	}
	ret = ser_setup(r, fd);
	if (ret < 0) {
		close(fd);
		snprintf(msg, sizeof(msg), "cannot set %s: %s", set,
			 strerror(-ret));
		p1i_rd_lost(r, ret, msg);
		return;
	}
	r->u.ser.mark = P1I_MK_NONE;
	p1_framer_reset(&r->fr);
	p1_framer_set_cs7(&r->fr, r->u.ser.cs7);
	p1i_rd_set_fd(r, fd, POLLIN);
	r->u.ser.good_at_open = r->fr.st.telegrams;
	if (r->u.ser.autodetect)
		p1i_rd_arm(r, (uint64_t)(r->u.ser.auto_timeout * 1e9));
	snprintf(msg, sizeof(msg), "open at %s", set);
	p1i_rd_connected(r, msg);
}

/* Undo PARMRK marking of r->in[0..n); returns the bytes in data/flags. */
static size_t unmark(struct p1_reader *r, size_t n)
{
	uint8_t bad = r->u.ser.cs7 ? P1_FL_PARITY : P1_FL_FRAME;
	uint8_t *d = r->u.ser.data, *fl = r->u.ser.flags;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = r->in[i];

		switch (r->u.ser.mark) {
		case P1I_MK_NONE:
			if (c == 0xff) {
				r->u.ser.mark = P1I_MK_FF;
				continue;
			}
			d[o] = c;
			fl[o++] = P1_FL_NORMAL;
			break;
		case P1I_MK_FF:
			if (c == 0xff) {
				d[o] = 0xff;
				fl[o++] = P1_FL_NORMAL;
				r->u.ser.mark = P1I_MK_NONE;
			} else if (c == 0) {
				r->u.ser.mark = P1I_MK_FF0;
			} else {
				/* Not a mark after all; keep both bytes. */
				d[o] = 0xff;
				fl[o++] = P1_FL_NORMAL;
				d[o] = c;
				fl[o++] = P1_FL_NORMAL;
				r->u.ser.mark = P1I_MK_NONE;
			}
			break;
		case P1I_MK_FF0:
			d[o] = c;
			fl[o++] = c ? bad : P1_FL_BREAK;
			r->u.ser.mark = P1I_MK_NONE;
			break;
		}
	}
	return o;
}

static void ser_io(struct p1_reader *r, short revents)
{
	ssize_t n = read(r->fd, r->in, r->in_cap);

	r->c.read_calls++;
	if (n > 0) {
		size_t o = unmark(r, (size_t)n);

		p1i_rd_feed(r, r->u.ser.data, r->u.ser.flags, o,
			    p1i_realtime_ns());
		if (r->u.ser.autodetect &&
		    r->fr.st.telegrams != r->u.ser.good_at_open) {
			/* This setting works: keep it. */
			r->u.ser.autodetect = false;
			p1i_rd_disarm(r);
		}
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == 0 || (revents & (POLLHUP | POLLERR)))
		p1i_rd_lost(r, -EIO, n == 0 ? "hung up" : "error");
	else
		p1i_rd_lost(r, -errno, strerror(errno));
}

static void ser_timer(struct p1_reader *r)
{
	char from[24], to[24];
	int fd;

	if (r->fd < 0) {
		ser_open(r);
		return;
	}
	if (!r->u.ser.autodetect)
		return;
	/* No telegram at this setting: try the next one. */
	ser_setting(r, from, sizeof(from));
	r->u.ser.try = (r->u.ser.try + 1) % AUTO_N;
	r->u.ser.baud = auto_list[r->u.ser.try].baud;
	r->u.ser.cs7 = auto_list[r->u.ser.try].cs7;
	ser_setting(r, to, sizeof(to));
	fd = r->fd;
	if (ser_setup(r, fd) < 0) {
		p1i_rd_lost(r, -EIO, "cannot change the line settings");
		return;
	}
	r->u.ser.mark = P1I_MK_NONE;
	p1_framer_reset(&r->fr);
	p1_framer_set_cs7(&r->fr, r->u.ser.cs7);
	r->u.ser.good_at_open = r->fr.st.telegrams;
	p1i_rd_arm(r, (uint64_t)(r->u.ser.auto_timeout * 1e9));
	p1i_rd_error(r, -EAGAIN, "no telegram at %s; trying %s", from, to);
}

static int ser_option(struct p1_reader *r, const char *key, const char *val)
{
	if (!strcmp(key, "baud") || !strcmp(key, "speed")) {
		if (!strcmp(val, "auto") || !*val) {
			r->u.ser.autodetect = true;
			return 0;
		}
		if (!strcmp(val, "115200"))
			r->u.ser.baud = 115200;
		else if (!strcmp(val, "9600"))
			r->u.ser.baud = 9600;
		else
			return -EINVAL;
		r->u.ser.autodetect = false;
		return 0;
	}
	if (!strcmp(key, "mode") || !strcmp(key, "format")) {
		if (!strcasecmp(val, "8N1"))
			r->u.ser.cs7 = false;
		else if (!strcasecmp(val, "7E1"))
			r->u.ser.cs7 = true;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(key, "auto")) {
		r->u.ser.autodetect = true;
		return 0;
	}
	if (!strcmp(key, "auto-timeout"))
		return p1i_opt_double(val, 0.1, 3600, &r->u.ser.auto_timeout);
	return -ENOENT;
}

static int ser_prepare(struct p1_reader *r)
{
	r->u.ser.baud = 115200;
	r->u.ser.auto_timeout = 12;
	return 0;
}

const struct p1i_rd_ops p1i_rd_serial_ops = {
	.prepare = ser_prepare,
	.open = ser_open,
	.io = ser_io,
	.timer = ser_timer,
	.option = ser_option,
};
