// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modtest.c - "p1test module": the discipline is registered under its name
 * and default number; attaching needs CAP_NET_ADMIN; rmmod is refused while
 * a tty is attached and while a /dev/p1-N file is still open, and is clean
 * after.  Expects n_p1 loaded with default parameters; leaves it unloaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/p1.h>

#include "p1test.h"

static const char *dev_path(int index)
{
	static char p[32];

	snprintf(p, sizeof(p), "/dev/p1-%d", index);
	return p;
}

static const char tg[] = "/XMX5LGBBFG1009021021\r\n\r\n"
			 "1-3:0.2.8(42)\r\n"
			 "0-0:1.0.0(170124213128W)\r\n"
			 "1-0:1.8.1(000051.775*kWh)\r\n"
			 "!";

static bool module_loaded(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/modules", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "n_p1 ", 5))
			found = true;
	if (f)
		fclose(f);
	return found;
}

static int rmmod(void)
{
	return (int)syscall(SYS_delete_module, "n_p1", O_NONBLOCK);
}

/* rmmod must fail, and the module stay. */
static void check_refused(const char *why)
{
	int r = rmmod(), e = errno;

	check(r == -1 && (e == EWOULDBLOCK || e == EBUSY) && module_loaded(),
	      "rmmod refused while %s (%s)", why,
	      r ? strerror(e) : "it succeeded!");
}

/* Send one telegram with a correct CRC into @master; its length. */
static size_t send_telegram(int master, char *out)
{
	unsigned crc = 0;
	size_t n = strlen(tg), i;
	int b;

	for (i = 0; i < n; i++) {
		crc ^= (unsigned char)tg[i];
		for (b = 0; b < 8; b++)
			crc = crc & 1 ? (crc >> 1) ^ 0xA001 : crc >> 1;
	}
	n = (size_t)sprintf(out, "%s%04X\r\n", tg, crc);
	if (write(master, out, n) != (ssize_t)n)
		return 0;
	return n;
}

/* A process without CAP_NET_ADMIN must not attach (EPERM). */
static void check_capability(int sfd)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int ld = P1_LDISC_DEFAULT;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		if (ioctl(sfd, TIOCSETD, &ld) == 0)
			_exit(1);
		_exit(errno == EPERM ? 0 : 3);
	}
	st = wait_child(pid, 5000);
	check(st == 0, "TIOCSETD n_p1 without CAP_NET_ADMIN: EPERM (%d)", st);
}

static uint64_t seq_of(int fd)
{
	struct p1_telegram_meta m = {0};

	ioctl(fd, P1_IOC_GET_META, &m);
	return m.seq;
}

/*
 * The ring (default 16): a reader that falls behind gets EPIPE once and
 * resumes at the oldest telegram kept; REWIND steps back; O_NONBLOCK gives
 * EAGAIN.  @rfd has read telegram 1 and is drained on return.
 */
static void check_ring(int master, int index, int rfd)
{
	char path[96], buf[512], sent[512];
	int r2, r3, i, len = -1;
	uint32_t steps;
	uint64_t v = 0;
	ssize_t n;

	fcntl(rfd, F_SETFL, O_NONBLOCK);
	check(read(rfd, buf, sizeof(buf)) == -1 && errno == EAGAIN,
	      "O_NONBLOCK, nothing queued: EAGAIN");
	check(ioctl(rfd, FIONREAD, &len) == 0 && len == 0,
	      "FIONREAD with nothing queued: 0");
	r2 = open(dev_path(index), O_RDONLY | O_CLOEXEC);
	for (i = 0; i < 20; i++)
		send_telegram(master, sent);
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/last_seq", index);
	for (i = 0; i < 500 && (sysfs_u64(path, &v) || v < 21); i++)
		t_sleep_ms(10);
	check(v == 21, "20 more telegrams: last_seq %llu",
	      (unsigned long long)v);
	n = read(r2, buf, sizeof(buf));
	check(n == -1 && errno == EPIPE, "overrun reader: EPIPE once");
	n = read(r2, buf, sizeof(buf));
	check(n > 0 && seq_of(r2) == 6,
	      "then it resumes at the oldest kept (seq %llu, want 6)",
	      (unsigned long long)seq_of(r2));
	snprintf(path, sizeof(path),
		 "/sys/class/p1/p1-%d/statistics/reader_overruns", index);
	/* Arguments are evaluated in any order: read before printing. */
	if (sysfs_u64(path, &v))
		v = ~0ULL;
	check(v == 1, "reader_overruns = %llu", (unsigned long long)v);
	r3 = open(dev_path(index), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	steps = 1;
	n = ioctl(r3, P1_IOC_REWIND, &steps) == 0 && steps == 1 &&
	    read(r3, buf, sizeof(buf)) > 0;
	check(n && seq_of(r3) == 21,
	      "new reader, REWIND 1: the newest telegram (seq %llu)",
	      (unsigned long long)seq_of(r3));
	steps = 100;
	n = ioctl(r3, P1_IOC_REWIND, &steps) == 0 &&
	    read(r3, buf, sizeof(buf)) > 0;
	check(n && steps == 16 && seq_of(r3) == 6,
	      "REWIND 100: back to the oldest kept (%u steps, seq %llu)", steps,
	      (unsigned long long)seq_of(r3));
	close(r2);
	close(r3);
	n = read(rfd, buf, sizeof(buf));
	check(n == -1 && errno == EPIPE, "first reader overrun too: EPIPE");
	for (i = 0; read(rfd, buf, sizeof(buf)) > 0; i++)
		;
	check(i == 16 && errno == EAGAIN, "then 16 telegrams, then EAGAIN (%d)",
	      i);
}

int cmd_module(int argc, char **argv)
{
	char slave[64], dev[64], path[128], buf[512], sent[512];
	uint64_t v, id = 0, id2 = 0;
	struct stat sb;
	int master, sfd, index, index2, rfd, ld;
	ssize_t n;
	size_t len;

	(void)argc;
	(void)argv;
	ld = ldisc_number(P1_LDISC_NAME);
	check(ld == P1_LDISC_DEFAULT, "/proc/tty/ldiscs: n_p1 %d", ld);
	check(!sysfs_u64("/sys/module/n_p1/parameters/ring", &v) && v == 16,
	      "parameter ring defaults to 16");
	check(!sysfs_u64("/sys/module/n_p1/parameters/max_telegram_size", &v) &&
		      v == 16384,
	      "parameter max_telegram_size defaults to 16384");
	check(!sysfs_u64("/sys/module/n_p1/parameters/ring_bytes", &v) &&
		      v == 1048576,
	      "parameter ring_bytes defaults to 1 MiB");
	check(access("/sys/class/p1", F_OK) == 0, "class p1 registered");

	if (!check(pty_open(&master, &sfd, slave, sizeof(slave)) == 0,
		   "open a pty"))
		return 1;
	check_capability(sfd);
	index = attach_ioctl(sfd);
	if (!check(index >= 0, "attach with TIOCSETD, P1_TIOC_DEVINDEX: %d",
		   index))
		return 1;
	snprintf(dev, sizeof(dev), "/dev/p1-%d", index);
	check(wait_path(dev, true, 5000) && !stat(dev, &sb) &&
		      S_ISCHR(sb.st_mode) && (sb.st_mode & 0777) == 0640,
	      "%s is a character device, mode 0640", dev);
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/tty", index);
	check(!sysfs_read(path, buf, sizeof(buf)) && !strncmp(buf, "pts", 3),
	      "sysfs tty: %s", buf);
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/crc_mode", index);
	check(!sysfs_read(path, buf, sizeof(buf)) && strstr(buf, "auto"),
	      "sysfs crc_mode: %s", buf);
	ld = ldisc_number(P1_LDISC_NAME);
	check(ioctl(sfd, TIOCGETD, &ld) == 0 && ld == P1_LDISC_DEFAULT,
	      "TIOCGETD says n_p1");

	rfd = open(dev, O_RDONLY | O_CLOEXEC);
	if (!check(rfd >= 0, "open %s: %m", dev))
		return 1;
	/* (Arguments are evaluated in any order: the ioctl goes first.) */
	ld = ioctl(rfd, P1_IOC_GET_DEV_ID, &id);
	check(ld == 0 && id > 0, "P1_IOC_GET_DEV_ID: %llu",
	      (unsigned long long)id);
	len = send_telegram(master, sent);
	n = read(rfd, buf, sizeof(buf));
	check(n == (ssize_t)len && !memcmp(buf, sent, len),
	      "one telegram through, byte-exact (%zd bytes)", n);
	check_ring(master, index, rfd);

	check_refused("a tty is attached");
	check(detach_ioctl(sfd) == 0, "detach (TIOCSETD N_TTY)");
	n = read(rfd, buf, sizeof(buf));
	check(n == 0, "open reader gets EOF after detach (%zd)", n);
	check(wait_path(dev, false, 5000), "%s removed after detach", dev);
	check_refused("a /dev/p1 file is open");
	close(rfd);
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d", index);
	check(wait_path(path, false, 5000), "%s gone after last close", path);

	/* The index comes back at once; the device id never does. */
	index2 = attach_ioctl(sfd);
	rfd = index2 == index && wait_path(dev, true, 5000)
		      ? open(dev, O_RDONLY | O_CLOEXEC)
		      : -1;
	if (rfd >= 0 && ioctl(rfd, P1_IOC_GET_DEV_ID, &id2) < 0)
		id2 = 0;
	check(rfd >= 0 && id2 > id,
	      "re-attach: p1-%d again, a new id %llu (was %llu)", index2,
	      (unsigned long long)id2, (unsigned long long)id);
	if (rfd >= 0)
		close(rfd);
	check(detach_ioctl(sfd) == 0 && wait_path(path, false, 5000),
	      "detach again");
	close(sfd);
	close(master);
	check(rmmod() == 0 && !module_loaded(), "rmmod after detach: %m");
	check(ldisc_number(P1_LDISC_NAME) < 0, "n_p1 gone from ldiscs");
	check(access("/sys/class/p1", F_OK) != 0, "class p1 gone");
	return t_failures != 0;
}
