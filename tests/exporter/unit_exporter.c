// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unit_exporter.c - cmocka tests of p1-exporter's pure parts: number and
 * string formatting, source specs, durations, the EU time rules and the
 * emulated meter (every profile CRC-correct and understood by libp1 with
 * the values the model holds).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <math.h>
#include <p1/p1.h>
#include <stdio.h>
#include <stdlib.h>

#include "evloop.h"
#include "options.h"
#include "p1_emu.h"
#include "p1_framer.h"
#include "sbuf.h"
#include "source.h"
#include "spool.h"

static const char *fmt_double(double v)
{
	static struct sbuf sb;

	if (!sb.p)
		sb_init(&sb, 64);
	sb_reset(&sb);
	sb_put_double(&sb, v);
	sb_putc(&sb, '\0');
	return sb.p;
}

static void test_double(void **state)
{
	(void)state;
	assert_string_equal(fmt_double(0), "0");
	assert_string_equal(fmt_double(-3), "-3");
	assert_string_equal(fmt_double(44444440800.0), "44444440800");
	assert_string_equal(fmt_double(230.1), "230.1");
	assert_string_equal(fmt_double(1.193 * 1000), "1193");
	assert_string_equal(fmt_double(0.1 + 0.2), "0.3");
	assert_string_equal(fmt_double(NAN), "NaN");
	assert_string_equal(fmt_double(INFINITY), "+Inf");
	assert_string_equal(fmt_double(-INFINITY), "-Inf");
	assert_string_equal(fmt_double(1e300), "1e+300");
	/* Every printed value reads back within 15 significant digits. */
	for (double v = 1e-6; v < 1e12; v *= 7.3)
		assert_true(fabs(strtod(fmt_double(v), NULL) - v) <=
			    fabs(v) * 1e-14);
}

static void test_escapes(void **state)
{
	struct sbuf sb;

	(void)state;
	sb_init(&sb, 4);
	sb_put_label(&sb, "a\"b\\c\nd");
	sb_putc(&sb, '\0');
	assert_string_equal(sb.p, "a\\\"b\\\\c\\nd");
	sb_reset(&sb);
	/* Label values: valid UTF-8 kept; a lone byte >= 0x80, an
	 * overlong form, a surrogate, a cut sequence and controls become
	 * U+FFFD (issue 10: one such byte made the whole scrape invalid). */
	sb_put_label(&sb,
		     "m\xc2\xb3 5\xff \xc0\xaf \xed\xa0\x80 \x01\x7f \xe2\x82");
	sb_putc(&sb, '\0');
	assert_string_equal(
		sb.p, "m\xc2\xb3 5\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
		      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
		      "\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd");
	sb_reset(&sb);
	/* Valid UTF-8 kept, a lone 0xB3 (Latin-1 ³) replaced, controls
	 * escaped: always valid JSON. */
	sb_put_json_str(&sb, "m\xc2\xb3 \xb3\x01\"", 7);
	sb_putc(&sb, '\0');
	assert_string_equal(sb.p, "\"m\xc2\xb3 \\ufffd\\u0001\\\"\"");
	sb_free(&sb);
}

static void test_growth(void **state)
{
	struct sbuf sb;

	(void)state;
	sb_init(&sb, 1);
	for (int i = 0; i < 10000; i++)
		sb_printf(&sb, "%d,", i);
	assert_false(sb.failed);
	assert_int_equal(strncmp(sb.p + sb.len - 5, "9999,", 5), 0);
	sb_free(&sb);
}

static void test_spec(void **state)
{
	struct spec sp;

	(void)state;
	assert_true(spec_parse("/dev/ttyUSB0,name=house,baud=9600,loop", &sp));
	assert_string_equal(sp.main, "/dev/ttyUSB0");
	assert_string_equal(spec_get(&sp, "name"), "house");
	assert_string_equal(spec_get(&sp, "baud"), "9600");
	assert_string_equal(spec_get(&sp, "loop"), "");
	assert_null(spec_get(&sp, "mode"));
	assert_true(spec_parse("", &sp));
	assert_string_equal(sp.main, "");
	assert_false(spec_parse("x,=y", &sp));
	assert_false(spec_parse("x,a,b,c,d,e,f,g,h,i", &sp));
	char big[400];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(spec_parse(big, &sp));
}

static void test_duration(void **state)
{
	double d;
	int64_t i;
	bool b;

	(void)state;
	assert_true(parse_duration("10s", &d) && d == 10);
	assert_true(parse_duration("250ms", &d) && fabs(d - 0.25) < 1e-12);
	assert_true(parse_duration("2m", &d) && d == 120);
	assert_true(parse_duration("1h", &d) && d == 3600);
	assert_true(parse_duration("1.5", &d) && d == 1.5);
	assert_false(parse_duration("-1s", &d));
	assert_false(parse_duration("1d", &d));
	assert_false(parse_duration("s", &d));
	assert_false(parse_duration("1e99", &d));
	assert_true(parse_int("0x10", 0, 100, &i) && i == 16);
	assert_true(parse_int("010", 0, 100, &i) && i == 10);
	assert_true(parse_int("-010", -100, 100, &i) && i == -10);
	assert_false(parse_int("0x", 0, 100, &i));
	assert_false(parse_int("101", 0, 100, &i));
	assert_false(parse_int("12abc", 0, 100, &i));
	assert_true(parse_bool("Yes", &b) && b);
	assert_true(parse_bool("off", &b) && !b);
	assert_false(parse_bool("maybe", &b));
}

static void test_dst(void **state)
{
	bool summer;

	(void)state;
	/* 2024: CEST from 31 March 01:00 UTC to 27 October 01:00 UTC. */
	assert_int_equal(p1i_emu_eu_offset(1711846799, &summer), 3600);
	assert_false(summer);
	assert_int_equal(p1i_emu_eu_offset(1711846800, &summer), 7200);
	assert_true(summer);
	assert_int_equal(p1i_emu_eu_offset(1729990799, NULL), 7200);
	assert_int_equal(p1i_emu_eu_offset(1729990800, NULL), 3600);
}

/* Frame a generated telegram like a line would, then parse it. */
static void frame_and_parse(const char *buf, size_t n, bool want_crc,
			    struct p1_telegram *t)
{
	static uint8_t fbuf[16384];
	struct p1_framer fr;
	struct p1_frame out;
	size_t used;

	p1_framer_init(&fr, fbuf, sizeof(fbuf));
	used = p1_framer_push(&fr, (const uint8_t *)buf, NULL, n, 0, &out);
	assert_int_equal(used, n);
	assert_int_equal(out.len, n);
	assert_int_equal(out.status, want_crc ? P1_FR_OK : P1_FR_NO_CRC);
	assert_int_equal(p1_parse(out.data, out.len, t, NULL), 0);
	assert_int_equal(t->anomalies, 0);
	assert_int_equal(t->crc, want_crc ? P1_CRC_OK : P1_CRC_NONE);
}

static void test_emulator(void **state)
{
	static struct p1_telegram t;
	struct p1i_emu_params p;
	struct p1i_emu e;
	char buf[4096];
	double start = 1705305600; /* 2024-01-15 08:00 UTC, a Monday */

	(void)state;
	for (int prof = P1I_EMU_DSMR5; prof <= P1I_EMU_EMUCS; prof++) {
		p1i_emu_params_default(&p);
		p.profile = (enum p1i_emu_profile)prof;
		p1i_emu_init(&e, &p, start);
		for (int i = 0; i < 120; i++) {
			double at =
				start + i * p1i_emu_default_interval(p.profile);
			size_t n = p1i_emu_next(&e, at, buf, sizeof(buf));

			assert_true(n > 300);
			frame_and_parse(buf, n, prof != P1I_EMU_DSMR22, &t);
			/* libp1 reads back what the model holds. */
			assert_true(t.data.elec.energy_import[1].present);
			assert_true(fabs(t.data.elec.energy_import[1].value -
					 e.imp[0] * 1000) < 0.6);
			assert_true(fabs(t.data.elec.energy_import[2].value -
					 e.imp[1] * 1000) < 0.6);
			assert_int_equal(t.data.mbus[0].kind, P1_MBUS_GAS);
			assert_true(fabs(t.data.mbus[0].volume_m3.value -
					 e.gas_captured) < 0.0006);
			assert_int_equal((int)t.data.elec.tariff.value,
					 e.tariff);
			if (prof != P1I_EMU_DSMR22) {
				assert_true(t.data.time.valid);
				assert_int_equal(t.data.time.t, (int64_t)at);
			}
		}
		/* Energy moved (imported or, in the sun, exported). */
		assert_true(e.imp[0] + e.imp[1] + e.exp[0] + e.exp[1] >
			    p.import_kwh + p.export_kwh + 0.001);
	}
}

static void test_emulator_belgian(void **state)
{
	static struct p1_telegram t;
	struct p1i_emu_params p;
	struct p1i_emu e;
	char buf[4096];
	double start = 1705305600;
	size_t n = 0;

	(void)state;
	p1i_emu_params_default(&p);
	p.profile = P1I_EMU_EMUCS;
	p1i_emu_init(&e, &p, start);
	/* Run through three quarter hours: a peak gets recorded. */
	for (int i = 0; i <= 45 * 60; i += 10)
		n = p1i_emu_next(&e, start + i, buf, sizeof(buf));
	frame_and_parse(buf, n, true, &t);
	assert_int_equal(t.data.family, P1_FAMILY_EMUCS);
	assert_true(t.data.elec.demand.present);
	assert_true(t.data.elec.month_peak.power.present);
	assert_int_equal(t.data.elec.npeaks, 13);
	for (int i = 0; i < 13; i++)
		assert_true(t.data.elec.peaks[i].power.present &&
			    t.data.elec.peaks[i].time.valid);
	assert_true(t.data.elec.month_peak.power.value > 0);
}

static void test_emulator_small_buffer(void **state)
{
	struct p1i_emu_params p;
	struct p1i_emu e;
	char buf[100];

	(void)state;
	p1i_emu_params_default(&p);
	p1i_emu_init(&e, &p, 1705305600);
	assert_int_equal(p1i_emu_next(&e, 1705305601, buf, sizeof(buf)), 0);
}

/* The DSMR-reader queue: order, the byte bound (oldest dropped), taken in
 * again after a restart, and files removed by hand skipped. */
static void spool_put(struct spool *q, char c, size_t n)
{
	char buf[400];

	memset(buf, c, n);
	assert_true(spool_push(q, buf, n));
}

static char spool_head(struct spool *q, size_t *n, uint64_t *seq)
{
	char buf[1024];
	ssize_t r = spool_peek(q, buf, sizeof(buf), seq);

	assert_true(r >= 0);
	*n = (size_t)r;
	return r ? buf[0] : 0;
}

static void test_spool(void **state)
{
	char dir[] = "/tmp/p1x-spool.XXXXXX", path[64], cmd[96];
	struct spool q;
	uint64_t seq;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/q/dsmr", dir);
	assert_true(spool_open(&q, path, 1000));
	assert_int_equal(spool_head(&q, &n, &seq), 0);
	spool_put(&q, 'a', 300);
	spool_put(&q, 'b', 300);
	spool_put(&q, 'c', 300);
	assert_int_equal(q.count, 3);
	assert_int_equal(q.bytes, 900);
	spool_put(&q, 'd', 300); /* 1200 > 1000: 'a' goes */
	assert_int_equal(q.count, 3);
	assert_int_equal(q.dropped, 1);
	assert_int_equal(spool_head(&q, &n, &seq), 'b');
	assert_int_equal(n, 300);
	spool_pop(&q, seq);
	spool_pop(&q, seq); /* twice: no effect */
	assert_int_equal(q.count, 2);
	assert_int_equal(q.bytes, 600);
	spool_close(&q);

	assert_true(spool_open(&q, path, 1000)); /* a restart */
	assert_int_equal(q.count, 2);
	assert_int_equal(q.bytes, 600);
	spool_put(&q, 'e', 100);
	snprintf(cmd, sizeof(cmd), "rm %s/*%llu.tg", path,
		 (unsigned long long)q.head);
	assert_int_equal(system(cmd), 0); /* 'c' removed by hand */
	assert_int_equal(spool_head(&q, &n, &seq), 'd');
	spool_pop(&q, seq);
	assert_int_equal(spool_head(&q, &n, &seq), 'e');
	assert_int_equal(n, 100);
	spool_pop(&q, seq);
	assert_int_equal(spool_head(&q, &n, &seq), 0);
	assert_int_equal(q.count, 0);
	assert_int_equal(q.bytes, 0);
	assert_false(spool_push(&q, dir, 2000)); /* larger than the bound */
	assert_int_equal(q.dropped, 1);		 /* counted since this open */
	spool_close(&q);
	snprintf(cmd, sizeof(cmd), "rm -r %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* --- event loop: timers fire in deadline order, descriptors by epoll -- */

#define NT 300
static struct ev_timer tms[NT];
static int fired[NT], nfired;

static void on_tm(void *arg)
{
	fired[nfired++] = (int)(intptr_t)arg;
	if (nfired == NT - NT / 3)
		ev_stop();
}

static void test_evloop_timers(void **state)
{
	(void)state;
	/* deadlines 1..NT ms in a scrambled order; every third disarmed;
	 * some re-armed to a later deadline (moved in the heap) */
	for (int i = 0; i < NT; i++) {
		int k = (i * 37) % NT;

		ev_timer_init(&tms[k], on_tm, (void *)(intptr_t)k);
		ev_timer_arm(&tms[k], (uint64_t)(k + 1) * 1000000u);
	}
	for (int k = 0; k < NT; k += 3)
		ev_timer_disarm(&tms[k]);
	ev_timer_arm(&tms[1], 2000000000u); /* far later: ends last */
	ev_timer_arm(&tms[1], (uint64_t)(NT + 5) * 1000000u);
	nfired = 0;
	assert_int_equal(ev_run(), 0);
	assert_int_equal(nfired, NT - NT / 3);
	for (int i = 0; i < nfired; i++) {
		assert_int_not_equal(fired[i] % 3, 0);
		if (i + 1 < nfired - 1)
			assert_true(fired[i] < fired[i + 1]);
	}
	assert_int_equal(fired[nfired - 1], 1);
}

static int got_fd, got_calls;

static void on_fd(void *arg, int fd, short re)
{
	(void)arg;
	assert_true(re & POLLIN);
	got_fd = fd;
	if (++got_calls == 3)
		ev_stop();
}

static void on_late(void *arg)
{
	(void)arg;
	fail_msg("descriptor events never came");
}

static void test_evloop_fds(void **state)
{
	int p[2], h, hf;
	struct ev_timer late;
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	h = ev_fd_add(p[0], POLLIN, on_fd, NULL);
	assert_true(h >= 0);
	/* a regular file: epoll refuses it, it is always ready (as poll()) */
	hf = ev_fd_add(fileno(f), POLLIN, on_fd, NULL);
	assert_true(hf >= 0);
	ev_timer_init(&late, on_late, NULL);
	ev_timer_arm(&late, 5000000000u);
	got_calls = 0;
	assert_int_equal(ev_run(), 0);
	assert_int_equal(got_calls, 3);
	ev_fd_del(hf);
	ev_fd_del(h);
	ev_timer_disarm(&late);
	close(p[0]);
	close(p[1]);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_dst),
		cmocka_unit_test(test_emulator),
		cmocka_unit_test(test_emulator_belgian),
		cmocka_unit_test(test_emulator_small_buffer),
		cmocka_unit_test(test_spool),
		cmocka_unit_test(test_evloop_timers),
		cmocka_unit_test(test_evloop_fds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
