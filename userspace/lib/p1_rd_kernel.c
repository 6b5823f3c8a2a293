// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_rd_kernel.c - the reader's kernel source: /dev/p1-N of n_p1.
 *
 * One read() returns one whole telegram the kernel framed and checked;
 * P1_IOC_GET_META right after it gives its sequence number, status, CRC
 * and receive times (CLOCK_REALTIME and CLOCK_BOOTTIME), and for one that
 * came encrypted its frame counter and system title.  A module older than
 * struct p1_telegram_meta version 2 answers only P1_IOC_GET_META_V1
 * (ENOTTY to the other): the reader then uses that for good.  EPIPE means this
 * reader fell behind the device's ring (counted, reading goes on); EOF
 * means the device went away (unplugged or detached): the reader closes
 * and, unless reopen=no, opens the path again with backoff.  A telegram
 * larger than the buffer (EMSGSIZE) grows it once to the size FIONREAD
 * reports (up to 1 MiB): the only allocation after start, and only when
 * the device's size limit was raised above 16 KiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/p1.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "p1_reader_int.h"

#define KREAD_LIMIT (1024 * 1024)

static void k_open(struct p1_reader *r)
{
	int fd = open(r->source, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		p1i_rd_lost(r, -e,
			    e == ENOENT || e == ENODEV || e == ENXIO
				    ? "no such device"
			    : e == EACCES || e == EPERM ? "permission denied"
							: strerror(e));
		return;
	}
	if (r->all) {
		__u32 flags = P1_RF_ALL;

		if (ioctl(fd, P1_IOC_SET_FLAGS, &flags)) {
			int e = errno;

			close(fd);
			r->reopen = false;
			p1i_rd_lost(r, -e,
				    e == ENOTTY || e == EINVAL
					    ? "not a p1 device"
					    : "cannot set reader flags");
			return;
		}
	}
	p1i_rd_set_fd(r, fd, POLLIN);
	p1i_rd_connected(r, "reading");
}

/* The kernel's meta of the telegram just read; zeros (and now as its
 * time) if there is none. */
static void k_meta(struct p1_reader *r, struct p1_telegram_meta *km)
{
	memset(km, 0, sizeof(*km));
	if (!r->u.kern.meta_v1) {
		if (ioctl(r->fd, P1_IOC_GET_META, km) == 0)
			return;
		if (errno != ENOTTY)
			goto none;
		r->u.kern.meta_v1 = true; /* an older n_p1 */
	}
	if (ioctl(r->fd, P1_IOC_GET_META_V1, km) == 0)
		return;
none:
	memset(km, 0, sizeof(*km));
	km->realtime_last_ns = p1i_realtime_ns();
}

/* One read() per readiness: poll() says when there is another telegram,
 * so a read never comes back empty while telegrams flow. */
static void k_io(struct p1_reader *r, short revents)
{
	(void)revents;
	if (r->fd >= 0 && !r->stopping) {
		struct p1_telegram_meta km;
		struct p1_reader_meta m;
		ssize_t n = read(r->fd, r->in, r->in_cap);

		r->c.read_calls++;
		if (n > 0) {
			memset(&m, 0, sizeof(m));
			k_meta(r, &km);
			m.seq = km.seq;
			m.realtime_first_ns = km.realtime_first_ns;
			m.realtime_last_ns = km.realtime_last_ns;
			m.boottime_first_ns = km.boottime_first_ns;
			m.boottime_last_ns = km.boottime_last_ns;
			m.len = (uint32_t)n;
			m.status = km.status;
			m.crc_rx = km.crc_rx;
			m.crc_calc = km.crc_calc;
			m.has_crc = !!(km.flags & P1_META_HAS_CRC);
			m.encrypted = !!(km.flags & P1_META_ENCRYPTED);
			if (m.encrypted) {
				m.frame_counter = km.frame_counter;
				memcpy(m.system_title, km.system_title,
				       sizeof(m.system_title));
			}
			m.kernel = 1;
			r->c.rx_bytes += (uint64_t)n;
			if (P1_READER_STATUS_GOOD(m.status)) {
				r->c.telegrams++;
				r->backoff = 0;
			}
			p1i_rd_deliver(r, r->in, &m);
			return;
		}
		if (n == 0) {
			p1i_rd_lost(r, -ENODEV,
				    "hung up (unplugged or detached)");
			return;
		}
		switch (errno) {
		case EAGAIN:
		case EINTR:
			return;
		case EPIPE:
			r->c.overruns++;
			p1i_rd_error(r, -EPIPE,
				     "reader overrun: fell behind the kernel's "
				     "ring; telegrams lost");
			return;
		case EMSGSIZE: {
			int need = 0;

			if (ioctl(r->fd, FIONREAD, &need) == 0 && need > 0 &&
			    (size_t)need <= KREAD_LIMIT &&
			    (size_t)need > r->in_cap) {
				uint8_t *b = realloc(r->in, (size_t)need);

				if (b) {
					r->in = b;
					r->in_cap = (size_t)need;
					return; /* poll() says it again */
				}
			}
			p1i_rd_lost(r, -EMSGSIZE, "telegram too large to read");
			return;
		}
		default:
			p1i_rd_lost(r, -errno, strerror(errno));
			return;
		}
	}
}

static void k_timer(struct p1_reader *r)
{
	if (r->fd < 0)
		k_open(r);
}

static int k_option(struct p1_reader *r, const char *key, const char *val)
{
	(void)r;
	(void)key;
	(void)val;
	return -ENOENT;
}

const struct p1i_rd_ops p1i_rd_kernel_ops = {
	.open = k_open,
	.io = k_io,
	.timer = k_timer,
	.option = k_option,
};
