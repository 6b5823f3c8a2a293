// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_cli.c - p1ctl's option parsing and its output formats, which
 * scripts and the qemu tests grep: any change here is a format change.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "p1ctl.h"
#include "p1gmtime.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

/* --- capturing output -------------------------------------------------- */

struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static FILE *cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

static const char *cap_text(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
	c->f = NULL;
	return c->buf;
}

static void cap_free(struct capture *c)
{
	free(c->buf);
}

/* --- option parsing ---------------------------------------------------- */

static void test_list_parse(void **state)
{
	char *a0[] = {"list", NULL};
	char *a1[] = {"list", "--json", NULL};
	char *a2[] = {"list", "-j", NULL};
	char *bad1[] = {"list", "extra", NULL};
	char *bad2[] = {"list", "--nope", NULL};
	char *bad3[] = {"list", "-x", NULL};
	struct list_opts o;

	(void)state;
	assert_int_equal(list_parse(ARGC(a0), a0, &o), P1CTL_RUN);
	assert_false(o.json);
	assert_int_equal(list_parse(ARGC(a1), a1, &o), P1CTL_RUN);
	assert_true(o.json);
	assert_int_equal(list_parse(ARGC(a2), a2, &o), P1CTL_RUN);
	assert_true(o.json);
	assert_int_equal(list_parse(ARGC(bad1), bad1, &o), P1CTL_USAGE);
	assert_int_equal(list_parse(ARGC(bad2), bad2, &o), P1CTL_USAGE);
	assert_int_equal(list_parse(ARGC(bad3), bad3, &o), P1CTL_USAGE);
}

static void test_watch_parse(void **state)
{
	char *a0[] = {"watch", NULL};
	char *a1[] = {"watch", "--telegrams", NULL};
	char *a2[] = {"watch", "-t", NULL};
	char *bad[] = {"watch", "p1-0", NULL};
	struct watch_opts o;

	(void)state;
	assert_int_equal(watch_parse(ARGC(a0), a0, &o), P1CTL_RUN);
	assert_false(o.telegrams);
	assert_int_equal(watch_parse(ARGC(a1), a1, &o), P1CTL_RUN);
	assert_true(o.telegrams);
	assert_int_equal(watch_parse(ARGC(a2), a2, &o), P1CTL_RUN);
	assert_true(o.telegrams);
	assert_int_equal(watch_parse(ARGC(bad), bad, &o), P1CTL_USAGE);
}

static void test_attach_parse(void **state)
{
	char *a0[] = {"attach", "ttyUSB0", NULL};
	char *a1[] = {"attach", "--baud",     "9600", "--mode",
		      "7e1",	"/dev/ttyS1", NULL};
	/* options after the tty, and the --opt=value form */
	char *a2[] = {"attach", "ttyAMA0", "--baud=9600", "-m", "8N1", NULL};
	char *none[] = {"attach", NULL};
	char *two[] = {"attach", "ttyS0", "ttyS1", NULL};
	char *baud[] = {"attach", "--baud", "57600", "ttyS0", NULL};
	char *mode[] = {"attach", "--mode", "8E1", "ttyS0", NULL};
	char *noval[] = {"attach", "ttyS0", "--baud", NULL};
	struct attach_opts o;

	(void)state;
	assert_int_equal(attach_parse(ARGC(a0), a0, &o), P1CTL_RUN);
	assert_string_equal(o.tty, "ttyUSB0");
	assert_int_equal(o.line.baud, 115200);
	assert_int_equal(o.line.framing, P1TTY_8N1);
	assert_int_equal(o.ready_fd, -1);

	assert_int_equal(attach_parse(ARGC(a1), a1, &o), P1CTL_RUN);
	assert_string_equal(o.tty, "/dev/ttyS1");
	assert_int_equal(o.line.baud, 9600);
	assert_int_equal(o.line.framing, P1TTY_7E1);

	assert_int_equal(attach_parse(ARGC(a2), a2, &o), P1CTL_RUN);
	assert_string_equal(o.tty, "ttyAMA0");
	assert_int_equal(o.line.baud, 9600);
	assert_int_equal(o.line.framing, P1TTY_8N1);

	assert_int_equal(attach_parse(ARGC(none), none, &o), P1CTL_USAGE);
	assert_int_equal(attach_parse(ARGC(two), two, &o), P1CTL_USAGE);
	assert_int_equal(attach_parse(ARGC(baud), baud, &o), P1CTL_USAGE);
	assert_int_equal(attach_parse(ARGC(mode), mode, &o), P1CTL_USAGE);
	assert_int_equal(attach_parse(ARGC(noval), noval, &o), P1CTL_USAGE);
}

static void test_read_parse(void **state)
{
	char *a0[] = {"read", NULL};
	char *a1[] = {"read", "p1-3", "--count", "5", "--meta", NULL};
	char *a2[] = {"read", "--all", "/dev/p1-12", NULL};
	char *a3[] = {"read", "-n", "1", "7", NULL};
	char *count0[] = {"read", "--count", "0", NULL};
	char *countneg[] = {"read", "--count", "-1", NULL};
	char *countbig[] = {"read", "--count", "999999999999999999999999",
			    NULL};
	char *countjunk[] = {"read", "--count", "5x", NULL};
	char *baddev[] = {"read", "ttyUSB0", NULL};
	char *two[] = {"read", "p1-0", "p1-1", NULL};
	struct read_opts o;

	(void)state;
	assert_int_equal(read_parse(ARGC(a0), a0, &o), P1CTL_RUN);
	assert_string_equal(o.path, "/dev/p1-0");
	assert_string_equal(o.name, "p1-0");
	assert_int_equal(o.count, 0);
	assert_false(o.meta);
	assert_false(o.all);

	assert_int_equal(read_parse(ARGC(a1), a1, &o), P1CTL_RUN);
	assert_string_equal(o.path, "/dev/p1-3");
	assert_int_equal(o.count, 5);
	assert_true(o.meta);
	assert_false(o.all);

	assert_int_equal(read_parse(ARGC(a2), a2, &o), P1CTL_RUN);
	assert_string_equal(o.path, "/dev/p1-12");
	assert_string_equal(o.name, "p1-12");
	assert_true(o.all);

	assert_int_equal(read_parse(ARGC(a3), a3, &o), P1CTL_RUN);
	assert_string_equal(o.path, "/dev/p1-7");
	assert_int_equal(o.count, 1);

	assert_int_equal(read_parse(ARGC(count0), count0, &o), P1CTL_USAGE);
	assert_int_equal(read_parse(ARGC(countneg), countneg, &o), P1CTL_USAGE);
	assert_int_equal(read_parse(ARGC(countbig), countbig, &o), P1CTL_USAGE);
	assert_int_equal(read_parse(ARGC(countjunk), countjunk, &o),
			 P1CTL_USAGE);
	assert_int_equal(read_parse(ARGC(baddev), baddev, &o), P1CTL_USAGE);
	assert_int_equal(read_parse(ARGC(two), two, &o), P1CTL_USAGE);
}

static void test_read_device_path(void **state)
{
	char p[64], small[10];

	(void)state;
	assert_int_equal(read_device_path("p1-0", p, sizeof(p)), 0);
	assert_string_equal(p, "/dev/p1-0");
	assert_int_equal(read_device_path("15", p, sizeof(p)), 0);
	assert_string_equal(p, "/dev/p1-15");
	assert_int_equal(read_device_path("/dev/p1-2", p, sizeof(p)), 0);
	assert_string_equal(p, "/dev/p1-2");
	assert_int_equal(read_device_path("./p1", p, sizeof(p)), 0);
	assert_string_equal(p, "./p1");
	assert_int_equal(read_device_path("p1-", p, sizeof(p)), -EINVAL);
	assert_int_equal(read_device_path("p1-1x", p, sizeof(p)), -EINVAL);
	assert_int_equal(read_device_path("p2-1", p, sizeof(p)), -EINVAL);
	assert_int_equal(read_device_path("", p, sizeof(p)), -EINVAL);
	assert_int_equal(read_device_path("p1-123", small, sizeof(small)),
			 -EINVAL);
}

static void test_parse_ulong(void **state)
{
	unsigned long v;
	char buf[32];

	(void)state;
	assert_int_equal(p1ctl_parse_ulong("0", &v), 0);
	assert_int_equal(v, 0);
	snprintf(buf, sizeof(buf), "%lu", ULONG_MAX);
	assert_int_equal(p1ctl_parse_ulong(buf, &v), 0);
	assert_true(v == ULONG_MAX);
	/* 2^32 fits a 64-bit long; a 32-bit one refuses it, never wraps */
	if (sizeof(long) > 4) {
		assert_int_equal(p1ctl_parse_ulong("4294967296", &v), 0);
		assert_int_equal(v, 4294967296ull);
	} else {
		assert_int_equal(p1ctl_parse_ulong("4294967296", &v), -EINVAL);
	}
	assert_int_equal(p1ctl_parse_ulong("", &v), -EINVAL);
	assert_int_equal(p1ctl_parse_ulong("+1", &v), -EINVAL);
	assert_int_equal(p1ctl_parse_ulong(" 1", &v), -EINVAL);
	assert_int_equal(p1ctl_parse_ulong("1 ", &v), -EINVAL);
	assert_int_equal(p1ctl_parse_ulong("99999999999999999999999", &v),
			 -EINVAL);
	assert_int_equal(p1ctl_parse_ulong(NULL, &v), -EINVAL);
}

/* p1_gmtime() is gmtime_r() without time_t: equal wherever time_t reaches
 * (1901-2038 with 32 bits, 1800-2200 here with 64), and right beyond. */
static void test_gmtime(void **state)
{
	const int64_t lo = sizeof(time_t) < 8 ? INT32_MIN : -5364662400,
		      hi = sizeof(time_t) < 8 ? INT32_MAX : 7258118400;
	struct tm a, b;
	unsigned n = 0;

	(void)state;
	for (int64_t t = lo; t <= hi - 86399; t += 86399 + 7 * 3600, n++) {
		for (int64_t s = t; s < t + 86400; s += 86399) {
			const time_t tt = (time_t)s;

			p1_gmtime(s, &a);
			assert_non_null(gmtime_r(&tt, &b));
			if (a.tm_year != b.tm_year || a.tm_mon != b.tm_mon ||
			    a.tm_mday != b.tm_mday || a.tm_hour != b.tm_hour ||
			    a.tm_min != b.tm_min || a.tm_sec != b.tm_sec ||
			    a.tm_wday != b.tm_wday)
				fail_msg("p1_gmtime(%lld) differs",
					 (long long)s);
		}
	}
	assert_true(n > 30000);
	p1_gmtime(4102444799, &a); /* 2099-12-31T23:59:59, a Thursday */
	assert_int_equal(a.tm_year, 199);
	assert_int_equal(a.tm_mon, 11);
	assert_int_equal(a.tm_mday, 31);
	assert_int_equal(a.tm_hour, 23);
	assert_int_equal(a.tm_min, 59);
	assert_int_equal(a.tm_sec, 59);
	assert_int_equal(a.tm_wday, 4);
	p1_gmtime(2208988800, &a); /* 2040-01-01T00:00:00, a Sunday */
	assert_int_equal(a.tm_year, 140);
	assert_int_equal(a.tm_mon, 0);
	assert_int_equal(a.tm_mday, 1);
	assert_int_equal(a.tm_wday, 0);
}

/* --- output formats ---------------------------------------------------- */

static struct p1nl_dev sample_dev(void)
{
	struct p1nl_dev d;

	memset(&d, 0, sizeof(d));
	d.attrs = (1U << P1_A_DEV_INDEX) | (1U << P1_A_DEV_NAME) |
		  (1U << P1_A_TTY) | (1U << P1_A_IDENT) |
		  (1U << P1_A_CRC_MODE) | (1U << P1_A_MAX_SIZE) |
		  (1U << P1_A_LAST_SEQ) | (1U << P1_A_STATS);
	d.index = 3;
	strcpy(d.name, "p1-3");
	strcpy(d.tty, "ttyUSB0");
	strcpy(d.ident, "/ISk5\\2MT382-1000");
	d.crc_mode = P1_CRC_REQUIRE;
	d.max_size = 16384;
	d.last_seq = 42;
	for (int i = P1_STAT_TELEGRAMS; i <= P1_STAT_MAX; i++) {
		d.stats[i] = 10u * (unsigned)i;
		d.stats_present |= 1U << i;
	}
	return d;
}

#define SAMPLE_STATS_TEXT                                                      \
	"telegrams=20 crc_errors=30 crc_missing=40 line_errors=50 "            \
	"truncated=60 oversize=70 recovered=80 garbage_bytes=90 "              \
	"rx_bytes=100 parity_errors=110 frame_errors=120 overruns=130 "        \
	"breaks=140 reader_overruns=150 dropped=160 encrypted=170 "            \
	"encrypted_no_key=180 encrypted_decrypted=190 "                        \
	"encrypted_auth_failed=200 encrypted_replays=210 "                     \
	"events_lost=220"

#define SAMPLE_STATS_JSON                                                      \
	"\"telegrams\":20,\"crc_errors\":30,\"crc_missing\":40,"               \
	"\"line_errors\":50,\"truncated\":60,\"oversize\":70,"                 \
	"\"recovered\":80,\"garbage_bytes\":90,\"rx_bytes\":100,"              \
	"\"parity_errors\":110,\"frame_errors\":120,\"overruns\":130,"         \
	"\"breaks\":140,\"reader_overruns\":150,\"dropped\":160,"              \
	"\"encrypted\":170,\"encrypted_no_key\":180,"                          \
	"\"encrypted_decrypted\":190,\"encrypted_auth_failed\":200,"           \
	"\"encrypted_replays\":210,\"events_lost\":220"

static void test_list_text(void **state)
{
	struct p1nl_dev d = sample_dev();
	struct capture c;

	(void)state;
	list_print_text(cap_open(&c), &d);
	assert_string_equal(cap_text(&c),
			    "p1-3 tty=ttyUSB0 state=attached crc_mode=require "
			    "max_telegram_size=16384 last_seq=42 "
			    "ident=/ISk5\\2MT382-1000\n"
			    "  " SAMPLE_STATS_TEXT "\n");
	cap_free(&c);

	/* Hung up, no counters, and an ident with bytes to escape. */
	d.dead = true;
	d.stats_present = 0;
	d.attrs &= ~(1U << P1_A_CRC_MODE);
	strcpy(d.ident, "/FLU5\xfd\x1b[2J");
	list_print_text(cap_open(&c), &d);
	assert_string_equal(cap_text(&c), "p1-3 tty=ttyUSB0 state=dead "
					  "max_telegram_size=16384 last_seq=42 "
					  "ident=/FLU5\\xFD\\x1B[2J\n");
	cap_free(&c);
}

static void test_list_json(void **state)
{
	struct p1nl_dev d = sample_dev();
	struct capture c;

	(void)state;
	list_print_json(cap_open(&c), &d);
	assert_string_equal(
		cap_text(&c),
		"{\"index\":3,\"name\":\"p1-3\",\"tty\":\"ttyUSB0\","
		"\"ident\":\"/ISk5\\\\2MT382-1000\",\"crc_mode\":\"require\","
		"\"max_telegram_size\":16384,\"last_seq\":42,\"dead\":false,"
		"\"statistics\":{" SAMPLE_STATS_JSON "}}\n");
	cap_free(&c);

	d.dead = true;
	d.stats_present = 0;
	strcpy(d.ident, "\"q\"\xb3\n");
	list_print_json(cap_open(&c), &d);
	assert_non_null(
		strstr(cap_text(&c), "\"ident\":\"\\\"q\\\"\\u00b3\\n\""));
	assert_non_null(strstr(c.buf, "\"dead\":true,\"statistics\":{}}\n"));
	/* One line per device. */
	assert_ptr_equal(strchr(c.buf, '\n'), c.buf + strlen(c.buf) - 1);
	cap_free(&c);
}

static void test_out_helpers(void **state)
{
	static const uint8_t tg[] = "/X\x01\xff\r\n!\r\n";
	struct capture c;

	(void)state;
	out_time(cap_open(&c), 0);
	assert_string_equal(cap_text(&c), "1970-01-01T00:00:00.000000Z");
	cap_free(&c);
	out_time(cap_open(&c), 1700000000123456789ull);
	assert_string_equal(cap_text(&c), "2023-11-14T22:13:20.123456Z");
	cap_free(&c);
	/* past 2038, also where time_t has 32 bits */
	out_time(cap_open(&c), 4102444799000001000ull);
	assert_string_equal(cap_text(&c), "2099-12-31T23:59:59.000001Z");
	cap_free(&c);

	out_text(cap_open(&c), "a b\\\t\x7f");
	assert_string_equal(cap_text(&c), "a b\\\\x09\\x7F");
	cap_free(&c);

	out_json_string(cap_open(&c), "\x01/\\\"\r\t");
	assert_string_equal(cap_text(&c), "\"\\u0001/\\\\\\\"\\r\\t\"");
	cap_free(&c);

	/* raw: byte-exact */
	out_telegram(cap_open(&c), tg, sizeof(tg) - 1, false);
	cap_text(&c);
	assert_int_equal(c.len, sizeof(tg) - 1);
	assert_memory_equal(c.buf, tg, sizeof(tg) - 1);
	cap_free(&c);
	/* escaped for a terminal */
	out_telegram(cap_open(&c), tg, sizeof(tg) - 1, true);
	assert_string_equal(cap_text(&c), "/X\\x01\\xFF\r\n!\r\n");
	cap_free(&c);
	/* a newline is added only when missing */
	out_telegram(cap_open(&c), (const uint8_t *)"/X!", 3, false);
	assert_string_equal(cap_text(&c), "/X!\n");
	cap_free(&c);
}

static void test_watch_lines(void **state)
{
	static const char tg[] = "/ABC5\r\n\r\n!1234\r\n";
	struct watch_opts plain = {false}, with = {true};
	struct p1nl_event ev;
	struct capture c;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.cmd = P1_CMD_ATTACHED;
	ev.dev = sample_dev();
	ev.dev.stats_present = 0;
	watch_print_event(cap_open(&c), &ev, &plain, 1000);
	assert_string_equal(cap_text(&c), "1970-01-01T00:00:00.000001Z "
					  "attached p1-3 tty=ttyUSB0\n");
	cap_free(&c);

	ev.cmd = P1_CMD_DETACHED;
	ev.dev = sample_dev();
	watch_print_event(cap_open(&c), &ev, &plain, 2000000);
	assert_string_equal(cap_text(&c),
			    "1970-01-01T00:00:00.002000Z "
			    "detached p1-3 tty=ttyUSB0 " SAMPLE_STATS_TEXT
			    "\n");
	cap_free(&c);

	ev.cmd = P1_CMD_TELEGRAM;
	ev.tg.seq = 9;
	ev.tg.status = P1_STATUS_CRC_ERROR;
	ev.tg.time_last_ns = 1700000000000000000ull;
	ev.tg.has_crc = true;
	ev.tg.crc_rx = 0x1234;
	ev.tg.crc_calc = 0xbeef;
	ev.tg.data = (const uint8_t *)tg;
	ev.tg.len = sizeof(tg) - 1;
	watch_print_event(cap_open(&c), &ev, &plain, 5);
	assert_string_equal(cap_text(&c),
			    "2023-11-14T22:13:20.000000Z telegram p1-3 seq=9 "
			    "status=crc_error len=16 crc_rx=1234 "
			    "crc_calc=BEEF\n");
	cap_free(&c);

	watch_print_event(cap_open(&c), &ev, &with, 5);
	assert_string_equal(cap_text(&c),
			    "2023-11-14T22:13:20.000000Z telegram p1-3 seq=9 "
			    "status=crc_error len=16 crc_rx=1234 "
			    "crc_calc=BEEF\n/ABC5\r\n\r\n!1234\r\n");
	cap_free(&c);

	/* decrypted from a DLMS frame: its counter and system title */
	ev.tg.encrypted = true;
	ev.tg.has_title = true;
	ev.tg.frame_counter = 119;
	memcpy(ev.tg.system_title, "SAG\x10\x05\x0b\x87\x21", 8);
	watch_print_event(cap_open(&c), &ev, &plain, 5);
	assert_string_equal(cap_text(&c),
			    "2023-11-14T22:13:20.000000Z telegram p1-3 seq=9 "
			    "status=crc_error len=16 crc_rx=1234 "
			    "crc_calc=BEEF encrypted=yes frame_counter=119 "
			    "system_title=53414710050B8721\n");
	cap_free(&c);
	ev.tg.encrypted = ev.tg.has_title = false;

	/* no CRC, bytes not sent, no kernel time: the arrival time */
	ev.tg.has_crc = false;
	ev.tg.status = P1_STATUS_NO_CRC;
	ev.tg.data = NULL;
	ev.tg.len = 0;
	ev.tg.time_last_ns = 0;
	watch_print_event(cap_open(&c), &ev, &with, 3000000000ull);
	assert_string_equal(cap_text(&c), "1970-01-01T00:00:03.000000Z "
					  "telegram p1-3 seq=9 status=no_crc "
					  "len=?\n");
	cap_free(&c);
}

static void test_read_meta_line(void **state)
{
	struct p1_telegram_meta m;
	struct capture c;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.seq = 77;
	m.realtime_first_ns = 1700000000000000000ull;
	m.realtime_last_ns = 1700000000500000000ull;
	m.boottime_first_ns = 5;
	m.boottime_last_ns = 6;
	m.len = 1021;
	m.status = P1_STATUS_OK;
	m.crc_rx = 0x4a1f;
	m.crc_calc = 0x4a1f;
	m.flags = P1_META_HAS_CRC;
	read_print_meta(cap_open(&c), "p1-0", &m);
	assert_string_equal(cap_text(&c),
			    "# p1-0 seq=77 status=ok len=1021 crc_rx=4A1F "
			    "crc_calc=4A1F time=2023-11-14T22:13:20.500000Z "
			    "realtime_first_ns=1700000000000000000 "
			    "realtime_last_ns=1700000000500000000 "
			    "boottime_first_ns=5 boottime_last_ns=6\n");
	cap_free(&c);

	/* decrypted from a DLMS frame: its counter and system title */
	m.flags = P1_META_HAS_CRC | P1_META_ENCRYPTED;
	m.frame_counter = 4294967295u;
	memcpy(m.system_title, "SAG\x10\x05\x0b\x87\x21", 8);
	read_print_meta(cap_open(&c), "p1-0", &m);
	assert_string_equal(cap_text(&c),
			    "# p1-0 seq=77 status=ok len=1021 crc_rx=4A1F "
			    "crc_calc=4A1F encrypted=yes "
			    "frame_counter=4294967295 "
			    "system_title=53414710050B8721 "
			    "time=2023-11-14T22:13:20.500000Z "
			    "realtime_first_ns=1700000000000000000 "
			    "realtime_last_ns=1700000000500000000 "
			    "boottime_first_ns=5 boottime_last_ns=6\n");
	cap_free(&c);

	m.flags = 0;
	m.status = 99;
	read_print_meta(cap_open(&c), "p1-1", &m);
	assert_non_null(strstr(cap_text(&c),
			       "# p1-1 seq=77 status=unknown len=1021 time="));
	assert_null(strstr(c.buf, "crc_"));
	assert_null(strstr(c.buf, "encrypted"));
	cap_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_parse),
		cmocka_unit_test(test_watch_parse),
		cmocka_unit_test(test_attach_parse),
		cmocka_unit_test(test_read_parse),
		cmocka_unit_test(test_read_device_path),
		cmocka_unit_test(test_parse_ulong),
		cmocka_unit_test(test_gmtime),
		cmocka_unit_test(test_list_text),
		cmocka_unit_test(test_list_json),
		cmocka_unit_test(test_out_helpers),
		cmocka_unit_test(test_watch_lines),
		cmocka_unit_test(test_read_meta_line),
	};

	return cmocka_run_group_tests_name("p1ctl cli", tests, NULL, NULL);
}
