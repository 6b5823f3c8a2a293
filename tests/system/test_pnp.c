// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_pnp.c - unit tests of the plug-and-play parts of p1ctl that need no
 * kernel: the line-detection judgement on counter deltas, reading counters
 * from a statistics/ directory, and the udev rule for a cable on a fake
 * sysfs tree (serial number, placeholder serial, no USB, hostile values).
 */
#include <errno.h>
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

#include "autodetect.h"

static struct ad_limits lim;

static struct ad_counters delta(uint64_t telegrams, uint64_t rx,
				uint64_t parity, uint64_t frame,
				uint64_t crc_errors)
{
	struct ad_counters d = {0};

	d.v[AD_TELEGRAMS] = telegrams;
	d.v[AD_RX_BYTES] = rx;
	d.v[AD_GARBAGE_BYTES] = telegrams ? 0 : rx;
	d.v[AD_PARITY_ERRORS] = parity;
	d.v[AD_FRAME_ERRORS] = frame;
	d.v[AD_CRC_ERRORS] = crc_errors;
	return d;
}

static void test_limits(void **state)
{
	(void)state;
	ad_limits_for_interval(&lim, 10);
	assert_int_equal(lim.silent_ms, 12000);
	assert_int_equal(lim.candidate_ms, 23000);
	ad_limits_for_interval(&lim, 0); /* clamped to 1 s */
	assert_int_equal(lim.silent_ms, 3000);
	ad_limits_for_interval(&lim, 10);
}

static void test_judge(void **state)
{
	struct ad_counters d;

	(void)state;
	/* Nothing yet: wait, until the silent limit. */
	d = delta(0, 0, 0, 0, 0);
	assert_int_equal(autodetect_judge(&d, 0, 1000, &lim), AD_WAIT);
	assert_int_equal(autodetect_judge(&d, 0, 11999, &lim), AD_WAIT);
	assert_int_equal(autodetect_judge(&d, 0, 12000, &lim), AD_SILENT);
	/* A clean telegram settles it at once. */
	d = delta(1, 900, 0, 0, 0);
	assert_int_equal(autodetect_judge(&d, 0, 1500, &lim), AD_GOOD);
	/* A rare flagged byte on a noisy line is tolerated ... */
	d = delta(3, 3000, 1, 0, 0);
	assert_int_equal(autodetect_judge(&d, 0, 3000, &lim), AD_GOOD);
	/* ... a wrong setting flagging many is not, telegram or no. */
	d = delta(1, 900, 60, 10, 0);
	assert_int_equal(autodetect_judge(&d, 0, 1500, &lim), AD_WRONG);
	/* Garbage without flags (7E1 read as 8N1): wrong after enough
	 * bytes, waiting before. */
	d = delta(0, 1500, 0, 0, 0);
	assert_int_equal(autodetect_judge(&d, 0, 2000, &lim), AD_WAIT);
	d = delta(0, 3072, 0, 0, 0);
	assert_int_equal(autodetect_judge(&d, 0, 2000, &lim), AD_WRONG);
	/* A trickle that never makes a telegram: wrong at the limit. */
	d = delta(0, 100, 0, 0, 0);
	assert_int_equal(autodetect_judge(&d, 0, 22999, &lim), AD_WAIT);
	assert_int_equal(autodetect_judge(&d, 0, 23000, &lim), AD_WRONG);
	/* A whole burst (a meter's telegram time) without a telegram:
	 * wrong at once; with one: good. */
	d = delta(0, 400, 0, 0, 0);
	assert_int_equal(autodetect_judge(&d, 0, 5000, &lim), AD_WAIT);
	assert_int_equal(autodetect_judge(&d, 1, 5000, &lim), AD_WRONG);
	d = delta(1, 400, 0, 0, 0);
	assert_int_equal(autodetect_judge(&d, 1, 5000, &lim), AD_GOOD);
	/* Only CRC errors are not good telegrams. */
	d = delta(1, 2000, 0, 0, 2);
	assert_int_equal(autodetect_judge(&d, 0, 2000, &lim), AD_WAIT);
}

static void test_delta(void **state)
{
	struct ad_counters a = {0}, b = {0}, d;

	(void)state;
	a.v[AD_RX_BYTES] = 10;
	b.v[AD_RX_BYTES] = 25;
	a.v[AD_TELEGRAMS] = 5; /* went backwards: device replaced */
	b.v[AD_TELEGRAMS] = 2;
	ad_counters_delta(&b, &a, &d);
	assert_int_equal(d.v[AD_RX_BYTES], 15);
	assert_int_equal(d.v[AD_TELEGRAMS], 0);
}

/* --- fake sysfs ---------------------------------------------------------- */

static char root[256];

static void put(const char *rel, const char *text)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_tty(const char *name, const char *target)
{
	char path[512], cmd[2048];

	snprintf(path, sizeof(path), "%s/class/tty/%s", root, name);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s/class/tty' '%s/%s' && ln -sfn '../../%s' '%s'",
		 root, root, target, target, path);
	assert_int_equal(system(cmd), 0);
}

static int setup_sysfs(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/p1-test-sysfs.XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown_sysfs(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

#define USB "devices/pci0000:00/0000:00:14.0/usb1/1-2"

static void test_rule_serial(void **state)
{
	char rule[1024], err[256];

	(void)state;
	put(USB "/idVendor", "0403\n");
	put(USB "/idProduct", "6001\n");
	put(USB "/serial", "A10KXYZ1\n");
	put(USB "/manufacturer", "FTDI\n");
	put(USB "/product", "FT232R USB UART\n");
	link_tty("ttyUSB0", USB "/1-2:1.0/ttyUSB0/tty/ttyUSB0");
	assert_int_equal(udev_rule_for(root, "ttyUSB0", rule, sizeof(rule), err,
				       sizeof(err)),
			 0);
	assert_non_null(strstr(rule, "SUBSYSTEM==\"tty\", "
				     "ATTRS{idVendor}==\"0403\", "
				     "ATTRS{idProduct}==\"6001\", "
				     "ATTRS{serial}==\"A10KXYZ1\", "
				     "ENV{P1_CABLE}=\"1\"\n"));
	assert_non_null(strstr(rule, "# ttyUSB0: FTDI FT232R USB UART"));
}

static void test_rule_port(void **state)
{
	char rule[1024], err[256];
	const char *serials[] = {"0001\n", "", "AAAAAAAA\n", "A\"1*\n"};

	(void)state;
	for (size_t i = 0; i < sizeof(serials) / sizeof(serials[0]); i++) {
		put(USB "/serial", serials[i]);
		assert_int_equal(udev_rule_for(root, "ttyUSB0", rule,
					       sizeof(rule), err, sizeof(err)),
				 0);
		/* By port and ids, never by ids alone, never the serial. */
		assert_non_null(strstr(rule, "KERNELS==\"1-2\", "
					     "ATTRS{idVendor}==\"0403\", "
					     "ATTRS{idProduct}==\"6001\", "
					     "ENV{P1_CABLE}=\"1\"\n"));
		assert_null(strstr(rule, "ATTRS{serial}"));
	}
}

static void test_rule_other(void **state)
{
	char rule[1024], err[256];

	(void)state;
	link_tty("ttyAMA0", "devices/platform/serial0/tty/ttyAMA0");
	assert_int_equal(udev_rule_for(root, "ttyAMA0", rule, sizeof(rule), err,
				       sizeof(err)),
			 0);
	assert_non_null(strstr(rule, "KERNEL==\"ttyAMA0\", ENV{P1_CABLE}"));
	assert_int_equal(udev_rule_for(root, "ttyUSB9", rule, sizeof(rule), err,
				       sizeof(err)),
			 -ENOENT);
	assert_int_equal(udev_rule_for(root, "../x", rule, sizeof(rule), err,
				       sizeof(err)),
			 -EINVAL);
	/* A rule that does not fit is an error, not a cut line. */
	assert_int_equal(
		udev_rule_for(root, "ttyAMA0", rule, 20, err, sizeof(err)),
		-ENOSPC);
}

static void test_counters_read(void **state)
{
	char dev[300];
	struct ad_counters c;
	static const char *const files[] = {
		"telegrams",	 "rx_bytes",	 "garbage_bytes",
		"parity_errors", "frame_errors", "breaks",
		"crc_errors",	 "line_errors",	 "truncated",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char rel[100];

		snprintf(rel, sizeof(rel), "class/p1/p1-0/statistics/%s",
			 files[i]);
		put(rel, i == 1 ? "18446744073709551615\n" : "7\n");
	}
	snprintf(dev, sizeof(dev), "%s/class/p1/p1-0", root);
	assert_int_equal(ad_counters_read(dev, &c), 0);
	assert_int_equal(c.v[AD_TELEGRAMS], 7);
	assert_true(c.v[AD_RX_BYTES] == UINT64_MAX);
	put("class/p1/p1-0/statistics/rx_bytes", "18446744073709551616\n");
	assert_int_equal(ad_counters_read(dev, &c), -ERANGE);
	put("class/p1/p1-0/statistics/rx_bytes", "x\n");
	assert_int_equal(ad_counters_read(dev, &c), -EINVAL);
	snprintf(dev, sizeof(dev), "%s/class/p1/p1-9", root);
	assert_int_equal(ad_counters_read(dev, &c), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_rule_serial),
		cmocka_unit_test(test_rule_port),
		cmocka_unit_test(test_rule_other),
		cmocka_unit_test(test_counters_read),
	};

	return cmocka_run_group_tests(tests, setup_sysfs, teardown_sysfs);
}
