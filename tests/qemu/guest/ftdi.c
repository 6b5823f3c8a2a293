// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ftdi.c - "p1test ftdi": n_p1 on a real usb-serial driver (qemu's FTDI
 * emulation, ftdi_sio in the guest).  With the host (tests/qemu/vmrun.py)
 * it goes: MARK SEND1 -> the host feeds noise, 20 telegrams and 2 bad ones;
 * readers block; MARK UNPLUG -> the host device_dels the adapter: blocked
 * readers get EOF / POLLHUP, the holder notices, ttyUSB0 and p1-N go away;
 * MARK REPLUG -> the host device_adds it back; re-attach; MARK SEND2 ->
 * 20 more telegrams flow.  Keep the constants in step with vmrun.py.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/p1.h>

#include "p1test.h"
#include "tgen.h"

#define PHASE_TELEGRAMS 20
#define PHASE1_BAD	2
#define NOISE1		"noise before the first telegram\r\n"
#define TTY		"/dev/ttyUSB0"

static char buf[8192];

/* Read one telegram (poll timeout 30 s) and check it is number @seq. */
static bool read_seq(int fd, unsigned seq)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char want[40], *bang;
	ssize_t n;

	if (poll(&pfd, 1, 30000) != 1)
		return check(false, "telegram %u: none within 30 s", seq);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return check(false, "telegram %u: read %zd: %m", seq, n);
	buf[n] = '\0';
	snprintf(want, sizeof(want), "\r\n0-0:96.13.1(%u)\r\n", seq);
	bang = strrchr(buf, '!');
	if (!strstr(buf, want) || !bang || buf[0] != '/' ||
	    strtoul(bang + 1, NULL, 16) !=
		    tg_crc16((uint8_t *)buf, (size_t)(bang - buf) + 1) ||
	    strcmp(bang + 5, "\r\n"))
		return check(false, "telegram %u: wrong: %.60s", seq, buf);
	return true;
}

static bool read_phase(int fd, unsigned first)
{
	unsigned s;

	for (s = first; s < first + PHASE_TELEGRAMS; s++)
		if (!read_seq(fd, s))
			return false;
	return check(true,
		     "telegrams %u..%u through ftdi_sio, CRC and order "
		     "right",
		     first, first + PHASE_TELEGRAMS - 1);
}

static void check_counts(int index, uint64_t tgs, uint64_t bad,
			 uint64_t garbage)
{
	char p[3][96];
	uint64_t v[3] = {0, 0, 0};
	int i;

	snprintf(p[0], sizeof(p[0]), "/sys/class/p1/p1-%d/statistics/telegrams",
		 index);
	snprintf(p[1], sizeof(p[1]),
		 "/sys/class/p1/p1-%d/statistics/crc_errors", index);
	snprintf(p[2], sizeof(p[2]),
		 "/sys/class/p1/p1-%d/statistics/garbage_bytes", index);
	for (i = 0; i < 3; i++)
		sysfs_u64(p[i], &v[i]);
	check(v[0] == tgs && v[1] == bad && v[2] == garbage,
	      "p1-%d counters: telegrams %llu crc_errors %llu garbage_bytes "
	      "%llu (want %llu %llu %llu)",
	      index, (unsigned long long)v[0], (unsigned long long)v[1],
	      (unsigned long long)v[2], (unsigned long long)tgs,
	      (unsigned long long)bad, (unsigned long long)garbage);
}

/* Is @pid asleep (blocked in a syscall)? */
static bool sleeping(pid_t pid)
{
	char path[64], st[256], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (sysfs_read(path, st, sizeof(st)))
		return false;
	p = strrchr(st, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/* A child blocked in read() (@use_poll: in poll()) on @dev until unplug. */
static pid_t blocked_reader(const char *dev, bool use_poll)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(dev, O_RDONLY | O_CLOEXEC);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		if (fd < 0)
			_exit(10);
		if (use_poll) {
			if (poll(&pfd, 1, 60000) != 1)
				_exit(11);
			if (!(pfd.revents & POLLHUP))
				_exit(12);
		}
		_exit(read(fd, buf, sizeof(buf)) == 0 ? 0 : 13);
	}
	return pid;
}

/*
 * open() of the tty.  Its node comes with device_add(); until usb-serial
 * has the port ready, open() fails with ENXIO or ENODEV (seen once on
 * i386 after a replug): up to 5 s of such failures are waited out.
 */
static int open_port(const char *tty)
{
	int fd, tries = 0;

	for (;;) {
		fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 || (errno != ENXIO && errno != ENODEV) ||
		    ++tries == 100)
			return fd;
		usleep(50000);
	}
}

static int attach_tty(const char *tty, int *index)
{
	int fd = open_port(tty);

	if (fd < 0 || tty_raw(fd, 115200)) {
		check(false, "open %s: %m", tty);
		return -1;
	}
	fcntl(fd, F_SETFL, 0);
	*index = attach_ioctl(fd);
	if (!check(*index >= 0, "TIOCSETD n_p1 on %s: %m", tty)) {
		close(fd);
		return -1;
	}
	return fd;
}

int cmd_ftdi(int argc, char **argv)
{
	bool use_p1ctl = argc > 1 && !strcmp(argv[1], "p1ctl");
	char dev[64], sys[64];
	pid_t holder = -1, kids[2];
	int tfd = -1, rfd, index, i, st;

	if (!check(wait_path(TTY, true, 30000), "%s present", TTY))
		return 1;

	/* Phase 1: attach, telegrams, then unplug under blocked readers. */
	if (use_p1ctl) {
		const char *const extra[] = {"--baud", "115200", NULL};

		holder = p1ctl_attach(TTY, extra, &index, 10000);
		if (!check(holder > 0, "p1ctl attach %s", TTY))
			return 1;
	} else {
		tfd = attach_tty(TTY, &index);
		if (tfd < 0)
			return 1;
	}
	snprintf(dev, sizeof(dev), "/dev/p1-%d", index);
	snprintf(sys, sizeof(sys), "/sys/class/p1/p1-%d", index);
	if (!check(wait_path(dev, true, 5000), "%s appeared", dev))
		return 1;
	rfd = open(dev, O_RDONLY | O_CLOEXEC);
	if (!check(rfd >= 0, "open %s", dev))
		return 1;
	t_mark("SEND1");
	if (!read_phase(rfd, 1))
		return 1;
	check_counts(index, PHASE_TELEGRAMS, PHASE1_BAD, strlen(NOISE1));

	kids[0] = blocked_reader(dev, false);
	kids[1] = blocked_reader(dev, true);
	wait_open(kids[0], dev, 5000);
	wait_open(kids[1], dev, 5000);
	for (i = 0; i < 500 && !(sleeping(kids[0]) && sleeping(kids[1])); i++)
		t_sleep_ms(10);
	t_sleep_ms(100);
	check(sleeping(kids[0]) && sleeping(kids[1]),
	      "two readers blocked in read() and poll()");
	t_mark("UNPLUG");
	st = wait_child(kids[0], 60000);
	check(st == 0, "reader blocked in read() gets EOF on unplug (%d)", st);
	st = wait_child(kids[1], 10000);
	check(st == 0, "reader blocked in poll() gets POLLHUP, then EOF (%d)",
	      st);
	check(read(rfd, buf, sizeof(buf)) == 0, "idle reader: EOF");
	if (use_p1ctl) {
		st = wait_child(holder, 10000);
		check(st == 3, "p1ctl attach exits 3 on unplug (exit %d)", st);
	} else {
		close(tfd);
	}
	check(wait_path(TTY, false, 10000), "%s gone", TTY);
	check(wait_path(dev, false, 5000), "%s gone", dev);
	close(rfd);
	check(wait_path(sys, false, 5000), "%s gone after last close", sys);

	/* Phase 2: plugged back in, attached again, telegrams flow. */
	t_mark("REPLUG");
	if (!check(wait_path(TTY, true, 30000), "%s back after replug", TTY))
		return 1;
	tfd = attach_tty(TTY, &index);
	if (tfd < 0)
		return 1;
	snprintf(dev, sizeof(dev), "/dev/p1-%d", index);
	snprintf(sys, sizeof(sys), "/sys/class/p1/p1-%d", index);
	rfd = open(dev, O_RDONLY | O_CLOEXEC);
	if (!check(rfd >= 0, "open %s", dev))
		return 1;
	t_mark("SEND2");
	if (!read_phase(rfd, 1 + PHASE_TELEGRAMS))
		return 1;
	check_counts(index, PHASE_TELEGRAMS, 0, 0);
	check(detach_ioctl(tfd) == 0, "detach from %s", TTY);
	check(read(rfd, buf, sizeof(buf)) == 0, "reader: EOF after detach");
	close(rfd);
	close(tfd);
	check(wait_path(sys, false, 5000), "%s gone", sys);
	return t_failures != 0;
}
