// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_p1tty.c - libp1common's tty side: /proc/tty/ldiscs parsing, line
 * setting parsing, termios composition (and applying it to a pty), tty
 * path resolution and the sysfs fallback for the device index.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "p1tty.h"

static int lookup_str(const char *text, const char *name)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	assert_non_null(f);
	ret = p1tty_ldisc_lookup(f, name);
	fclose(f);
	return ret;
}

static void test_ldisc_sample_file(void **state)
{
	(void)state;
	assert_int_equal(p1tty_ldisc_find(SAMPLE_DIR "/ldiscs.sample", "n_p1"),
			 29);
	assert_int_equal(p1tty_ldisc_find(SAMPLE_DIR "/ldiscs.sample", "n_p10"),
			 30);
	assert_int_equal(p1tty_ldisc_find(SAMPLE_DIR "/ldiscs.sample", "n_tty"),
			 0);
	assert_int_equal(
		p1tty_ldisc_find(SAMPLE_DIR "/ldiscs.sample", "n_hdlc"),
		-ENOENT);
	/* A name is matched whole, never as a prefix. */
	assert_int_equal(p1tty_ldisc_find(SAMPLE_DIR "/ldiscs.sample", "n_p"),
			 -ENOENT);
	assert_int_equal(p1tty_ldisc_find(SAMPLE_DIR "/no-such-file", "n_p1"),
			 -ENOENT);
}

static void test_ldisc_malformed(void **state)
{
	char big[400];

	(void)state;
	assert_int_equal(lookup_str("", "n_p1"), -ENOENT);
	assert_int_equal(lookup_str("n_p1\n", "n_p1"), -ENOENT);
	assert_int_equal(lookup_str("n_p1 x\n", "n_p1"), -ENOENT);
	assert_int_equal(lookup_str("n_p1 -1\n", "n_p1"), -ENOENT);
	assert_int_equal(lookup_str("n_p1 29 7\n", "n_p1"), -ENOENT);
	assert_int_equal(lookup_str("n_p1 99999999999999999999\n", "n_p1"),
			 -ENOENT);
	/* ...and the good line after bad ones is still found. */
	assert_int_equal(lookup_str("junk\nn_p1 x\n  n_p1   28  \n", "n_p1"),
			 28);
	/* No newline at the end of the file. */
	assert_int_equal(lookup_str("n_tty 0\nn_p1 29", "n_p1"), 29);

	/* An overlong line is skipped whole: its tail is not a line. */
	memset(big, ' ', sizeof(big));
	memcpy(big, "n_x 1", 5);
	memcpy(big + sizeof(big) - 12, "n_p1 31\nn_p", 11);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(lookup_str(big, "n_p1"), -ENOENT);
	memcpy(big + sizeof(big) - 12, "\nn_p1 31\n", 10);
	assert_int_equal(lookup_str(big, "n_p1"), 31);
}

static void test_parse_line_settings(void **state)
{
	enum p1tty_framing fr;
	unsigned int baud = 0;

	(void)state;
	assert_int_equal(p1tty_parse_baud("115200", &baud), 0);
	assert_int_equal(baud, 115200);
	assert_int_equal(p1tty_parse_baud("9600", &baud), 0);
	assert_int_equal(baud, 9600);
	assert_int_equal(p1tty_parse_baud("57600", &baud), -EINVAL);
	assert_int_equal(p1tty_parse_baud("9600 ", &baud), -EINVAL);
	assert_int_equal(p1tty_parse_baud("", &baud), -EINVAL);
	assert_int_equal(p1tty_parse_baud(NULL, &baud), -EINVAL);
	assert_int_equal(baud, 9600);

	assert_int_equal(p1tty_parse_framing("8N1", &fr), 0);
	assert_int_equal(fr, P1TTY_8N1);
	assert_int_equal(p1tty_parse_framing("7e1", &fr), 0);
	assert_int_equal(fr, P1TTY_7E1);
	assert_int_equal(p1tty_parse_framing("8E1", &fr), -EINVAL);
	assert_int_equal(p1tty_parse_framing("7E", &fr), -EINVAL);
	assert_int_equal(p1tty_parse_framing(NULL, &fr), -EINVAL);
	assert_string_equal(p1tty_framing_name(P1TTY_7E1), "7E1");
	assert_string_equal(p1tty_framing_name(P1TTY_8N1), "8N1");
}

/* A cooked terminal with everything set that raw mode must clear. */
static struct termios cooked(void)
{
	struct termios t;

	memset(&t, 0, sizeof(t));
	t.c_iflag = ICRNL | IXON | IXOFF | IGNPAR | PARMRK | ISTRIP | IGNBRK |
		    BRKINT | INLCR | IGNCR;
	t.c_oflag = OPOST | ONLCR;
	t.c_cflag = CS6 | PARODD | PARENB | CSTOPB | CRTSCTS | HUPCL;
	t.c_lflag = ICANON | ECHO | ECHOE | ISIG | IEXTEN;
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 5;
	return t;
}

static void assert_raw(const struct termios *t)
{
	assert_int_equal(t->c_iflag &
				 (ICRNL | IXON | IXOFF | IGNPAR | PARMRK |
				  ISTRIP | IGNBRK | BRKINT | INLCR | IGNCR),
			 0);
	assert_int_equal(t->c_oflag & OPOST, 0);
	assert_int_equal(t->c_lflag & (ICANON | ECHO | ISIG | IEXTEN), 0);
	assert_int_equal(t->c_cflag & (CSTOPB | CRTSCTS | PARODD), 0);
	assert_int_equal(t->c_cflag & (CLOCAL | CREAD), CLOCAL | CREAD);
	assert_true(t->c_iflag & INPCK);
	assert_int_equal(t->c_cc[VMIN], 1);
	assert_int_equal(t->c_cc[VTIME], 0);
}

static void test_termios_8n1(void **state)
{
	struct p1tty_line l = P1TTY_LINE_DEFAULT;
	struct termios t = cooked();

	(void)state;
	assert_int_equal(l.baud, 115200);
	assert_int_equal(l.framing, P1TTY_8N1);
	assert_int_equal(p1tty_termios(&t, &l), 0);
	assert_raw(&t);
	assert_int_equal(t.c_cflag & CSIZE, CS8);
	assert_int_equal(t.c_cflag & PARENB, 0);
	assert_int_equal(cfgetispeed(&t), B115200);
	assert_int_equal(cfgetospeed(&t), B115200);
}

static void test_termios_7e1(void **state)
{
	struct p1tty_line l = {9600, P1TTY_7E1};
	struct termios t = cooked();

	(void)state;
	assert_int_equal(p1tty_termios(&t, &l), 0);
	assert_raw(&t);
	assert_int_equal(t.c_cflag & CSIZE, CS7);
	assert_int_equal(t.c_cflag & (PARENB | PARODD), PARENB);
	assert_int_equal(cfgetispeed(&t), B9600);
	assert_int_equal(cfgetospeed(&t), B9600);
}

static void test_termios_invalid(void **state)
{
	struct p1tty_line bad_baud = {57600, P1TTY_8N1};
	struct p1tty_line bad_framing = {9600, (enum p1tty_framing)7};
	struct termios t = cooked(), before = cooked();

	(void)state;
	assert_int_equal(p1tty_termios(&t, &bad_baud), -EINVAL);
	assert_int_equal(p1tty_termios(&t, &bad_framing), -EINVAL);
	/* Nothing was touched. */
	assert_memory_equal(&t, &before, sizeof(t));
}

/* Open a pty pair; the test is skipped where there are no ptys. */
static int open_pty(int *master, char *slave_path, size_t size)
{
	const char *name;

	*master = posix_openpt(O_RDWR | O_NOCTTY);
	if (*master < 0)
		return -1;
	if (grantpt(*master) || unlockpt(*master) ||
	    !(name = ptsname(*master))) {
		close(*master);
		return -1;
	}
	snprintf(slave_path, size, "%s", name);
	return 0;
}

static void test_apply_on_pty(void **state)
{
	struct p1tty_line l7 = {9600, P1TTY_7E1}, l8 = P1TTY_LINE_DEFAULT;
	struct p1tty_line l9600 = {9600, P1TTY_8N1};
	char path[PATH_MAX], kname[64], expect[PATH_MAX + 8];
	struct termios t;
	int master, fd;

	(void)state;
	if (open_pty(&master, path, sizeof(path)))
		skip();
	fd = p1tty_open(path);
	assert_true(fd >= 0);
	assert_int_equal(p1tty_get_ldisc(fd), 0); /* N_TTY */

	/* A pty forces CS8 and no parity: the read-back catches that. */
	assert_int_equal(p1tty_apply(fd, &l7), -EINVAL);
	assert_int_equal(p1tty_apply(fd, &l9600), 0);
	assert_int_equal(tcgetattr(fd, &t), 0);
	assert_int_equal(t.c_cflag & (CSIZE | PARENB), CS8);
	assert_true(t.c_iflag & INPCK);
	assert_int_equal(t.c_lflag & (ICANON | ECHO | ISIG), 0);
	assert_int_equal(cfgetispeed(&t), B9600);
	/* Settings can be applied again on the open tty. */
	assert_int_equal(p1tty_apply(fd, &l8), 0);
	assert_int_equal(tcgetattr(fd, &t), 0);
	assert_int_equal(t.c_cflag & (CSIZE | PARENB), CS8);
	assert_int_equal(cfgetispeed(&t), B115200);

	/* The kernel's name of /dev/pts/N is ptsN. */
	assert_int_equal(p1tty_kernel_name(path, kname, sizeof(kname)), 0);
	snprintf(expect, sizeof(expect), "pts%s", path + strlen("/dev/pts/"));
	assert_string_equal(kname, expect);
	close(fd);
	close(master);
}

static void test_open_errors(void **state)
{
	(void)state;
	assert_int_equal(p1tty_open("/dev/null"), -ENOTTY);
	assert_int_equal(p1tty_open("/nonexistent/ttyUSB0"), -ENOENT);
}

static void test_resolve(void **state)
{
	char path[32], small[8];

	(void)state;
	assert_int_equal(p1tty_resolve("ttyUSB0", path, sizeof(path)), 0);
	assert_string_equal(path, "/dev/ttyUSB0");
	assert_int_equal(p1tty_resolve("/dev/ttyS1", path, sizeof(path)), 0);
	assert_string_equal(path, "/dev/ttyS1");
	assert_int_equal(p1tty_resolve("./tty", path, sizeof(path)), 0);
	assert_string_equal(path, "./tty");
	assert_int_equal(p1tty_resolve("", path, sizeof(path)), -EINVAL);
	assert_int_equal(p1tty_resolve(NULL, path, sizeof(path)), -EINVAL);
	assert_int_equal(p1tty_resolve("ttyUSB0", small, sizeof(small)),
			 -ENAMETOOLONG);
}

static void put_file(const char *dir, const char *sub, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/tty", dir, sub);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_devindex_sysfs(void **state)
{
	char dir[] = "/tmp/p1ctl-test-XXXXXX";
	char cmd[PATH_MAX];
	uint32_t idx = 99;

	(void)state;
	assert_non_null(mkdtemp(dir));
	put_file(dir, "p1-0", "ttyUSB1\n");
	put_file(dir, "p1-x", "ttyUSB0\n");    /* not a device name */
	put_file(dir, "p1-4abc", "ttyUSB0\n"); /* nor is this */
	put_file(dir, "p1-12", "ttyUSB0\n");
	put_file(dir, "p1-3", "pts3\n");

	assert_int_equal(p1tty_devindex_sysfs(dir, "ttyUSB0", &idx), 0);
	assert_int_equal(idx, 12);
	assert_int_equal(p1tty_devindex_sysfs(dir, "ttyUSB1", &idx), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(p1tty_devindex_sysfs(dir, "pts3", &idx), 0);
	assert_int_equal(idx, 3);
	/* Whole names only. */
	assert_int_equal(p1tty_devindex_sysfs(dir, "ttyUSB", &idx), -ENOENT);
	assert_int_equal(p1tty_devindex_sysfs(dir, "ttyS0", &idx), -ENOENT);
	assert_int_equal(p1tty_devindex_sysfs("/nonexistent/p1", "ttyS0", &idx),
			 -ENOENT);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ldisc_sample_file),
		cmocka_unit_test(test_ldisc_malformed),
		cmocka_unit_test(test_parse_line_settings),
		cmocka_unit_test(test_termios_8n1),
		cmocka_unit_test(test_termios_7e1),
		cmocka_unit_test(test_termios_invalid),
		cmocka_unit_test(test_apply_on_pty),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_devindex_sysfs),
	};

	return cmocka_run_group_tests_name("p1tty", tests, NULL, NULL);
}
