// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_edge.c - odd input: empty values, invalid timestamps, stale M-Bus
 * channels, full failure logs, non-ASCII bytes, LF-only lines, lower-case
 * and unpadded CRCs, broken framing, and every bound of the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static void empty_values(void **state)
{
	struct p1_telegram *t = corpus_parse("edge-empty-values.txt", 0);
	const struct p1_elec *e = &t->data.elec;
	const struct p1_object *o;

	(void)state;
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_int_equal(t->bad_times, 0);
	assert_false(t->data.time.present);
	check_absent(e->energy_import[1]);
	check_num(e->energy_import[2], 2000);
	assert_true(e->text_present);
	assert_int_equal(e->text_len, 0);
	assert_true(e->text_code_present);
	assert_string_equal(e->text_code, "");
	assert_true(e->failure_log_present);
	assert_int_equal(e->nfailure_log, 0);
	check_num(e->power_import, 100);
	/* an M-Bus channel with an empty id and nothing else is stale */
	assert_true(t->data.mbus[0].present);
	assert_true(t->data.mbus[0].id_present);
	assert_true(t->data.mbus[0].stale);
	/* unknown codes are kept with all their values, empty ones too */
	o = must_find(t, "0-9:1.2.3");
	assert_int_equal(o->nvalues, 3);
	check_raw(t, o, 0, "x");
	check_raw(t, o, 1, "");
	check_raw(t, o, 2, "y");
	assert_int_equal(p1_object_value(t, o, 1)->flags, 0);
	o = must_find(t, "1-0:1.7.0");
	assert_int_equal(o->nvalues, 2);
	o = must_find(t, "1-0:1.8.1");
	assert_int_equal(o->nvalues, 1);
	assert_int_equal(p1_object_value(t, o, 0)->len, 0);
}

static void invalid_times(void **state)
{
	struct p1_telegram *t = corpus_parse("edge-invalid-times.txt", 0);
	const struct p1_elec *e = &t->data.elec;
	const struct p1_value *v;

	(void)state;
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_true(t->anomalies & P1_ANOM_BAD_TIME);
	assert_int_equal(t->bad_times, 5);
	check_bad_time(t->data.time);
	v = p1_object_value(t, must_find(t, "0-0:1.0.0"), 0);
	assert_true(v->flags & P1_VAL_TIME_BAD);
	assert_false(v->flags & (P1_VAL_TIME | P1_VAL_NUMBER));
	check_bad_time(e->month_peak.time); /* 000101010000W: unset clock */
	check_num(e->month_peak.power, 1000);
	check_bad_time(e->failure_log[0].end);
	check_num(e->failure_log[0].duration_s, 10);
	check_num(e->energy_import[1], 1000);
	/* readings with invalid capture times are kept but marked stale */
	check_bad_time(t->data.mbus[0].time);
	assert_true(t->data.mbus[0].stale);
	check_num(t->data.mbus[0].reading, 1);
	check_bad_time(t->data.mbus[1].time); /* 29 Feb 2023 */
	assert_true(t->data.mbus[1].stale);
	check_time(t->data.mbus[2].time, 1709204400); /* 29 Feb 2024 */
	assert_false(t->data.mbus[2].stale);
}

static void stale_mbus(void **state)
{
	struct p1_telegram *t = corpus_parse("edge-stale-mbus.txt", 0);
	const struct p1_mbus *m = t->data.mbus;

	(void)state;
	assert_true(m[0].stale);
	assert_int_equal(m[0].kind, P1_MBUS_GAS);
	assert_false(m[1].stale);
	assert_int_equal(m[1].kind, P1_MBUS_GAS);
	check_num(m[1].reading, 2468.024);
	assert_int_equal(m[2].kind, P1_MBUS_WATER);
	check_num(m[2].volume_m3, 123.456);
	check_absent(m[2].energy_wh);
	assert_int_equal(m[3].kind, P1_MBUS_HEAT);
	assert_string_equal(m[3].unit, "GJ");
	check_num(m[3].reading, 12.345);
	check_near(m[3].energy_wh, 12.345e9 / 3600, 1e-6);
	/* the live gas meter on channel 2 wins over the stale channel 1 */
	assert_ptr_equal(p1_mbus_find(t, P1_MBUS_GAS), &m[1]);
	assert_ptr_equal(p1_mbus_find(t, P1_MBUS_WATER), &m[2]);
	assert_null(p1_mbus_find(t, P1_MBUS_ELECTRICITY));
}

/*
 * M-Bus units: the unit the parser knew for a reading (known units) or
 * read again from its text (unknown ones, a NUL inside, too long for
 * p1_mbus.unit, DSMR 2.2's unit value), whichever line came last.
 */
static void mbus_units(void **state)
{
	static const char tg[] =
		"/XMX5LGF0000000000000\r\n\r\n"
		"0-1:24.2.1(230701153000S)(12.5*kWh)\r\n"
		"0-2:24.2.1(230701153000S)(1500*dm3)\r\n"
		"0-3:24.2.1(230701153000S)(7*k\0Wh)\r\n"
		"0-4:24.2.1(230701153000S)(8*kWhkWhkWh)\r\n"
		"0-4:24.2.1(230701153000S)(9*GJ)\r\n"
		"0-2:24.3.0(230701153000)(00)(60)(1)(0-2:24.2.1)(kWh)\r\n"
		"(00002.500)\r\n"
		"!\r\n";
	static struct p1_telegram t;
	const struct p1_mbus *m = t.data.mbus;
	unsigned round;

	(void)state;
	for (round = 0; round < 2; round++) {
		assert_int_equal(p1_parse(tg, sizeof(tg) - 1, &t, NULL), 0);
		assert_int_equal(m[0].kind, P1_MBUS_ELECTRICITY);
		check_num(m[0].energy_wh, 12500);
		assert_string_equal(m[1].unit, "kWh"); /* 24.3.0 came last */
		check_num(m[1].energy_wh, 2500);
		check_absent(m[1].volume_m3);
		assert_string_equal(m[2].unit, "k");
		check_absent(m[2].energy_wh);
		check_absent(m[2].volume_m3);
		assert_string_equal(m[3].unit, "GJ");
		check_near(m[3].energy_wh, 9e9 / 3600, 1e-6);
	}
}

static void failure_log_10(void **state)
{
	static const struct {
		int64_t end;
		double s;
	} want[10] = {
		{1697789410, 11},    {1693522861, 222}, {1690848122, 3333},
		{1688173383, 44444}, {1685585044, 55},	{1682910305, 66},
		{1680321966, 77},    {1677650827, 88},	{1675235288, 99},
		{1672560549, 1010},
	};
	struct p1_telegram *t = corpus_parse("edge-failure-log-10.txt", 0);
	const struct p1_elec *e = &t->data.elec;
	unsigned i;

	(void)state;
	assert_int_equal(t->crc, P1_CRC_OK);
	check_num(e->long_failures, 10);
	assert_int_equal(e->failure_log_count, 10);
	assert_int_equal(e->nfailure_log, 10);
	for (i = 0; i < 10; i++) {
		check_time(e->failure_log[i].end, want[i].end);
		check_num(e->failure_log[i].duration_s, want[i].s);
	}
}

/* Same typed result as the CRLF original, whatever the line ends. */
static void lf_only(void **state)
{
	static struct p1_telegram a;
	struct p1_telegram *t = corpus_parse("nl-dsmr50.txt", 0);
	uint32_t i;

	(void)state;
	memcpy(&a, t, sizeof(a));
	t = corpus_parse("edge-lf-only.txt", 0);
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_int_equal(t->anomalies, 0);
	assert_int_equal(t->nobjects, a.nobjects);
	assert_int_equal(t->nvalues, a.nvalues);
	assert_true(data_equal(&t->data, &a.data));
	for (i = 0; i < t->nvalues; i++) {
		assert_int_equal(t->values[i].len, a.values[i].len);
		assert_int_equal(t->values[i].flags, a.values[i].flags);
		assert_memory_equal(p1_value_raw(t, &t->values[i]),
				    p1_value_raw(&a, &a.values[i]),
				    t->values[i].len);
	}
}

static void crc_forms(void **state)
{
	struct p1_telegram *t;

	(void)state;
	t = corpus_parse("edge-crc-lower.txt", 0);
	assert_int_equal(t->crc, P1_CRC_OK);
	t = corpus_parse("edge-crc-short.txt", 0);
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_true(t->crc_rx < 0x1000);
	assert_int_equal(t->crc_rx, t->crc_calc);
	t = corpus_parse("edge-bad-crc.txt", 0);
	assert_int_equal(t->crc, P1_CRC_BAD);
	assert_int_not_equal(t->crc_rx, t->crc_calc);
	/* still decoded */
	check_num(t->data.elec.energy_import[1], 912345678);
	check_num(t->data.mbus[0].reading, 4567.891);
}

static void crc_given(void **state)
{
	static char buf[4096];
	static struct p1_telegram t;
	size_t n = corpus_load("nl-dsmr50.txt", buf, sizeof(buf));
	struct p1_parse_opts o = {.flags = P1_PARSE_CRC_GIVEN,
				  .crc = P1_CRC_BAD};

	uint16_t sent;

	(void)state;
	assert_int_equal(p1_parse(buf, n, &t, NULL), 0);
	assert_int_equal(t.crc, P1_CRC_OK);
	sent = t.crc_rx;
	assert_int_equal(p1_parse(buf, n, &t, &o), 0);
	assert_int_equal(t.crc, P1_CRC_BAD); /* the caller's verdict */
	assert_int_equal(t.crc_calc, 0);     /* not computed */
	assert_int_equal(t.crc_rx, sent);
	o.crc = 77;
	p1_parse(buf, n, &t, &o);
	assert_int_equal(t.crc, P1_CRC_UNCHECKED);
}

static void non_ascii(void **state)
{
	static const char hdr[] = "FLU5\xab\xff\xb3-METER \xc3\xa9t\xc3\xa9";
	struct p1_telegram *t = corpus_parse("edge-nonascii.txt", 0);
	const struct p1_mbus *m = &t->data.mbus[0];

	(void)state;
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_int_equal(t->header_len, sizeof(hdr) - 1);
	assert_memory_equal(t->text + t->header_off, hdr, sizeof(hdr) - 1);
	assert_int_equal(t->data.family, P1_FAMILY_EMUCS);
	/* 0xB3 is Latin-1 superscript three: m³ */
	check_num(m->volume_m3, 12.5);
	assert_int_equal(m->kind, P1_MBUS_GAS);
	/* a text that is not hex is kept as sent, bytes and all */
	assert_int_equal(t->data.elec.text_len, 7);
	assert_memory_equal(t->data.elec.text, "caf\xe9 \x01\x7f", 7);
}

/*
 * Hex texts are decoded 16 digits at a time where the CPU allows: a
 * failure in any digit or decoded byte (in the first block, a later one,
 * or the tail) keeps the text as sent, as byte by byte.
 */
static void hex_blocks(void **state)
{
	static const struct {
		const char *hex, *want;
	} cases[] = {
		/* 17 bytes: two blocks and a tail pair, mixed case */
		{"4B61696661204D455445522031323334aB", "Kaifa METER 1234\xab"},
		/* TAB LF CR are text, in a block and in the tail */
		{"090A0D41424344454647484950515253090A",
		 "\t\n\rABCDEFGHIPQRS\t\n"},
		/* a control byte in the second block: kept as sent */
		{"41414141414141414141414141414141410141",
		 "41414141414141414141414141414141410141"},
		/* DEL in the first block */
		{"417F414141414141414141414141414141",
		 "417F414141414141414141414141414141"},
		/* a digit that is no hex digit in the first block, at its end
		 */
		{"414141414141414g", "414141414141414g"},
		/* the same in the tail */
		{"41414141414141414141414141414141414G",
		 "41414141414141414141414141414141414G"},
		/* bytes >= 0x80 */
		{"41414141414141414141414141414141\xb1\xb1",
		 "41414141414141414141414141414141\xb1\xb1"},
		/* NUL decoded */
		{"0041414141414141", "0041414141414141"},
		/* odd length: as sent */
		{"414141414141414141414141414141414",
		 "414141414141414141414141414141414"},
	};
	char buf[256];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct p1_telegram *t;

		snprintf(buf, sizeof(buf),
			 "/HDR\r\n\r\n0-0:96.1.1(%s)\r\n0-0:96.13.0(%s)\r\n!",
			 cases[i].hex, cases[i].hex);
		t = parse_str(buf);
		assert_string_equal(t->data.equipment_id, cases[i].want);
		assert_int_equal(t->data.elec.text_len, strlen(cases[i].want));
		assert_memory_equal(t->data.elec.text, cases[i].want,
				    strlen(cases[i].want) + 1);
	}
}

static void garbage_and_truncation(void **state)
{
	struct p1_telegram *t;

	(void)state;
	t = parse_str(
		"\xff\xfe\r\nxx/HDR\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n!");
	assert_true(t->anomalies & P1_ANOM_GARBAGE);
	assert_int_equal(t->crc, P1_CRC_NONE);
	check_num(t->data.elec.energy_import[1], 1000);
	/* cut off before the '!' line */
	t = parse_str(
		"/HDR\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n1-0:1.8.2(0000");
	assert_true(t->anomalies & P1_ANOM_NO_END);
	assert_true(t->anomalies & P1_ANOM_UNTERMINATED);
	assert_int_equal(t->crc, P1_CRC_UNCHECKED);
	check_num(t->data.elec.energy_import[1], 1000);
	assert_int_equal(t->nobjects, 2);
	/* nothing at all */
	assert_int_equal(p1_parse("no telegram", 11, t, NULL), -1);
	assert_true(t->anomalies & P1_ANOM_NO_HEADER);
	assert_int_equal(t->nobjects, 0);
	assert_int_equal(p1_parse(NULL, 0, t, NULL), -1);
	/* junk after the CRC */
	t = parse_str("/H\r\n!12345\r\n");
	assert_true(t->anomalies & P1_ANOM_BAD_TRAILER);
	/* bytes after the telegram are not part of it */
	t = parse_str("/H\r\n!\r\n/NEXT\r\n1-0:1.8.1(1)\r\n");
	assert_int_equal(t->len, 7);
	assert_int_equal(t->nobjects, 0);
}

static void odd_lines(void **state)
{
	struct p1_telegram *t;
	const struct p1_object *o;
	const struct p1_value *v;

	static struct p1_telegram tt;
	static const char in[] =
		"/H\r\n"
		"(1)\r\n"			  /* continuation of nothing */
		"some text\r\n"			  /* no value at all */
		"C.1.0(12)\r\n"			  /* not OBIS: kept */
		"  1-0:1.8.1 (000002.5*kWh) \r\n" /* blanks */
		"1-0:1.8.2(3*kWh)x(4)\r\n"	  /* junk between values */
		"1-0:2.8.1(1\0002*kWh)\r\n"	  /* a NUL byte */
		"1-0:2.8.2(000001.000*kWh\r\n"	  /* unterminated */
		"/junk\r\n"
		"!\r\n";

	(void)state;
	t = &tt;
	assert_int_equal(p1_parse(in, sizeof(in) - 1, t, NULL), 0);
	assert_false(t->anomalies & P1_ANOM_NO_END);
	assert_int_equal(t->bad_lines, 3);
	assert_true(t->anomalies & P1_ANOM_BAD_LINE);
	assert_true(t->anomalies & P1_ANOM_BAD_OBIS);
	assert_int_equal(t->nobjects, 5);
	o = &t->objects[0];
	assert_false(o->flags & P1_OBJ_OBIS);
	assert_int_equal(o->len, 5);
	assert_memory_equal(t->text + o->off, "C.1.0", 5);
	assert_non_null(p1_find(t, "C.1.0"));
	v = p1_object_value(t, o, 0);
	assert_true(v->flags & P1_VAL_NUMBER);
	assert_true(v->number == 12);
	check_num(t->data.elec.energy_import[1], 2500);
	o = must_find(t, "1-0:1.8.2");
	assert_int_equal(o->nvalues, 2);
	check_num(t->data.elec.energy_import[2], 3000);
	o = must_find(t, "1-0:2.8.1");
	v = p1_object_value(t, o, 0);
	assert_int_equal(v->len, 7);
	assert_memory_equal(p1_value_raw(t, v), "1\0002*kWh", 7);
	assert_false(p1_object_value(t, o, 0)->flags & P1_VAL_NUMBER);
	check_absent(t->data.elec.energy_export[1]);
	o = must_find(t, "1-0:2.8.2");
	v = p1_object_value(t, o, 0);
	assert_true(v->flags & P1_VAL_UNTERMINATED);
	check_raw(t, o, 0, "000001.000*kWh");
	check_num(t->data.elec.energy_export[2], 1000);
}

/* More objects and values than the result holds: kept up to the bound. */
static void bounds(void **state)
{
	static char buf[P1_MAX_TELEGRAM + 4096];
	static struct p1_telegram t;
	size_t n = 0;
	unsigned i;

	(void)state;
	n += (size_t)sprintf(buf + n, "/H\r\n");
	for (i = 0; i < 300; i++)
		n += (size_t)sprintf(buf + n, "0-0:96.99.%u(%u)\r\n", i % 200,
				     i);
	n += (size_t)sprintf(buf + n, "!\r\n");
	p1_parse(buf, n, &t, NULL);
	assert_int_equal(t.nobjects, P1_MAX_OBJECTS);
	assert_true(t.anomalies & P1_ANOM_OBJECTS);
	assert_false(t.anomalies & P1_ANOM_NO_END);

	n = (size_t)sprintf(buf, "/H\r\n1-0:1.8.1");
	for (i = 0; i < 1100; i++)
		n += (size_t)sprintf(buf + n, "(%u)", i % 10);
	n += (size_t)sprintf(buf + n, "\r\n1-0:1.8.2(1*kWh)\r\n!\r\n");
	p1_parse(buf, n, &t, NULL);
	assert_int_equal(t.nvalues, P1_MAX_VALUES);
	assert_true(t.anomalies & P1_ANOM_VALUES);
	assert_true(t.objects[0].flags & P1_OBJ_TRUNCATED);
	assert_int_equal(t.objects[0].nvalues, P1_MAX_VALUES);
	assert_int_equal(t.objects[1].nvalues, 0);
	assert_int_equal(t.nobjects, 2);

	memset(buf, 'a', sizeof(buf));
	buf[0] = '/';
	p1_parse(buf, sizeof(buf), &t, NULL);
	assert_true(t.anomalies & P1_ANOM_OVERSIZE);
	assert_int_equal(t.len, P1_MAX_TELEGRAM);
	assert_int_equal(t.header_len, P1_MAX_TELEGRAM - 1);
}

/*
 * The fast path and the slow path (taken when a line has a blank before
 * its first '(') must agree on every value of every corpus telegram.
 */
static void fast_slow_agree(void **state)
{
	static const char *const files[] = {
		"nl-dsmr22.txt",	 "nl-dsmr30.txt",
		"nl-dsmr40.txt",	 "nl-dsmr42.txt",
		"nl-dsmr50.txt",	 "be-emucs.txt",
		"lu-smarty.txt",	 "se-nordic.txt",
		"at-plain.txt",		 "hu-plain.txt",
		"ie-dsmr50.txt",	 "de-easymeter-q3d.txt",
		"edge-empty-values.txt", "edge-invalid-times.txt",
		"edge-stale-mbus.txt",	 "edge-nonascii.txt",
	};
	static char in[8192], out[16384];
	static struct p1_telegram a, b;
	struct p1_parse_opts o = {.flags = P1_PARSE_CRC_GIVEN};
	unsigned f;
	uint32_t i;

	(void)state;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t n = corpus_load(files[f], in, sizeof(in)), k = 0, j;
		bool line_start = true, first = false;

		for (j = 0; j < n; j++) {
			if (line_start)
				first = in[j] != '(';
			if (first && in[j] == '(') {
				out[k++] = ' ';
				first = false;
			}
			out[k++] = in[j];
			line_start = in[j] == '\n';
		}
		p1_parse(in, n, &a, &o);
		p1_parse(out, k, &b, &o);
		assert_int_equal(a.nobjects, b.nobjects);
		assert_int_equal(a.nvalues, b.nvalues);
		assert_int_equal(a.anomalies, b.anomalies);
		for (i = 0; i < a.nobjects; i++) {
			assert_memory_equal(&a.objects[i].obis,
					    &b.objects[i].obis,
					    sizeof(a.objects[i].obis));
			assert_int_equal(a.objects[i].flags,
					 b.objects[i].flags);
		}
		for (i = 0; i < a.nvalues; i++) {
			const struct p1_value *x = &a.values[i],
					      *y = &b.values[i];

			assert_int_equal(x->flags, y->flags);
			assert_int_equal(x->len, y->len);
			assert_int_equal(x->unit_len, y->unit_len);
			assert_int_equal(x->decimals, y->decimals);
			assert_true(x->number == y->number);
			assert_int_equal(x->time, y->time);
		}
		assert_true(data_equal(&a.data, &b.data));
	}
}

/* A result reused for another telegram holds nothing of the old one. */
static void reuse(void **state)
{
	static char buf[8192];
	static struct p1_telegram fresh, used;
	static const char *const files[] = {
		"be-emucs.txt",
		"nl-dsmr22.txt",
		"edge-failure-log-10.txt",
		"nl-dsmr50.txt",
		"lu-smarty.txt",
		"edge-empty-values.txt",
		"de-easymeter-q3d.txt",
	};
	unsigned i, j;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t n = corpus_load(files[i], buf, sizeof(buf));

		memset(&fresh, 0, sizeof(fresh));
		p1_parse(buf, n, &fresh, NULL);
		for (j = 0; j < sizeof(files) / sizeof(files[0]); j++) {
			char other[8192];
			size_t m = corpus_load(files[j], other, sizeof(other));

			memset(&used, 0xa5, sizeof(used));
			p1_parse(other, m, &used, NULL);
			p1_parse(buf, n, &used, NULL);
			assert_true(data_equal(&fresh.data, &used.data));
			assert_int_equal(fresh.nvalues, used.nvalues);
			assert_memory_equal(fresh.values, used.values,
					    fresh.nvalues *
						    sizeof(fresh.values[0]));
		}
	}
}

/* Results are self-contained: they survive a memcpy and the input. */
static void self_contained(void **state)
{
	static char buf[4096];
	static struct p1_telegram t, u;
	size_t n = corpus_load("nl-dsmr50.txt", buf, sizeof(buf));
	const struct p1_object *o;

	(void)state;
	p1_parse(buf, n, &t, NULL);
	memset(buf, 0, sizeof(buf));
	memcpy(&u, &t, sizeof(u));
	memset(&t, 0xa5, sizeof(t));
	o = must_find(&u, "1-0:1.8.1");
	check_raw(&u, o, 0, "012345.678*kWh");
	assert_memory_equal(p1_value_unit(&u, p1_object_value(&u, o, 0)), "kWh",
			    3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_values),
		cmocka_unit_test(invalid_times),
		cmocka_unit_test(stale_mbus),
		cmocka_unit_test(mbus_units),
		cmocka_unit_test(failure_log_10),
		cmocka_unit_test(lf_only),
		cmocka_unit_test(crc_forms),
		cmocka_unit_test(crc_given),
		cmocka_unit_test(non_ascii),
		cmocka_unit_test(garbage_and_truncation),
		cmocka_unit_test(odd_lines),
		cmocka_unit_test(bounds),
		cmocka_unit_test(fast_slow_agree),
		cmocka_unit_test(hex_blocks),
		cmocka_unit_test(reuse),
		cmocka_unit_test(self_contained),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
