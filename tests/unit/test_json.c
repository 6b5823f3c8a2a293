// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_json.c - the JSON writer: exact output for a small telegram,
 * escaping (quotes, controls, invalid UTF-8 as \u00XX, valid UTF-8 as is),
 * number normalisation, the buffer and callback interfaces.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"

static const char small[] = "/AB\"C\\\r\n\r\n"
			    "1-0:1.8.1(000123.456*kWh)\r\n"
			    "0-0:1.0.0(101209113020W)\r\n"
			    "0-1:24.2.1(101209110000W)(00012.345*m3)\r\n"
			    "!\r\n";

static const char *json(const struct p1_telegram *t, unsigned flags)
{
	static char buf[1 << 16];
	size_t n = p1_json_write(t, flags, buf, sizeof(buf));

	assert_true(n < sizeof(buf));
	assert_int_equal(strlen(buf), n);
	return buf;
}

static void objects_exact(void **state)
{
	struct p1_telegram *t = parse_str(small);

	(void)state;
	assert_string_equal(
		json(t, P1_JSON_OBJECTS),
		"{\"crc\":\"none\",\"header\":\"AB\\\"C\\\\\",\"objects\":["
		"{\"obis\":\"1-0:1.8.1\",\"values\":[{\"raw\":\"000123.456*"
		"kWh\","
		"\"number\":123.456,\"unit\":\"kWh\"}]},"
		"{\"obis\":\"0-0:1.0.0\",\"values\":[{\"raw\":"
		"\"101209113020W\","
		"\"time\":1291890620}]},"
		"{\"obis\":\"0-1:24.2.1\",\"channel\":1,\"values\":["
		"{\"raw\":\"101209110000W\",\"time\":1291888800},"
		"{\"raw\":\"00012.345*m3\",\"number\":12.345,\"unit\":\"m3\"}]}"
		"]}");
}

static void typed_exact(void **state)
{
	struct p1_telegram *t = parse_str(small);

	(void)state;
	assert_string_equal(
		json(t, P1_JSON_TYPED),
		"{\"crc\":\"none\",\"header\":\"AB\\\"C\\\\\",\"family\":"
		"\"dsmr\","
		"\"dsmr\":22,\"time\":1291890620,\"electricity\":{"
		"\"energy_import_wh\":{\"1\":123456}},\"mbus\":[{\"channel\":1,"
		"\"kind\":\"gas\",\"reading\":12.345,\"unit\":\"m3\","
		"\"volume_m3\":12.345,\"time\":1291888800,\"stale\":false}]}");
	/* members only, for callers that add their own */
	assert_string_equal(json(t, P1_JSON_MEMBERS),
			    "\"crc\":\"none\",\"header\":\"AB\\\"C\\\\\"");
}

static void escaping(void **state)
{
	struct p1_telegram *t =
		parse_str("/\x01\t\x7f\xff\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
			  "\xc3\xe2\x82\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80\r\n"
			  "0-0:96.13.0(\"a\\b\")\r\n!\r\n");
	const char *j = json(t, P1_JSON_ALL);

	(void)state;
	assert_non_null(strstr(
		j, "\"header\":\"\\u0001\\t\\u007f\\u00ff\xc3\xa9\xe2\x82\xac"
		   "\xf0\x9f\x98\x80\\u00c3\\u00e2\\u0082\\u00ed\\u00a0\\u0080"
		   "\\u00c0\\u00af\\u00f4\\u0090\\u0080\\u0080\""));
	assert_non_null(strstr(j, "{\"raw\":\"\\\"a\\\\b\\\"\"}"));
	assert_non_null(strstr(j, "\"text\":\"\\\"a\\\\b\\\"\""));
}

static void numbers(void **state)
{
	struct p1_telegram *t =
		parse_str("/H\r\n"
			  "0-0:96.99.0(-0001.25)(.5)(5.)(000)"
			  "(+42)(-0.000)\r\n"
			  "0-0:96.99.1(12345678901234567890)\r\n"
			  "!\r\n");
	const char *j = json(t, P1_JSON_OBJECTS);

	(void)state;
	assert_non_null(strstr(j, "\"raw\":\"-0001.25\",\"number\":-1.25}"));
	assert_non_null(strstr(j, "\"raw\":\".5\",\"number\":0.5}"));
	assert_non_null(strstr(j, "\"raw\":\"5.\",\"number\":5}"));
	assert_non_null(strstr(j, "\"raw\":\"000\",\"number\":0}"));
	assert_non_null(strstr(j, "\"raw\":\"+42\",\"number\":42}"));
	assert_non_null(strstr(j, "\"raw\":\"-0.000\",\"number\":-0.000}"));
	assert_non_null(strstr(j, "\"number\":1.23456789012346e+19}"));
}

static void buffer_sizes(void **state)
{
	static char full[1 << 16], part[64];
	struct p1_telegram *t = corpus_parse("be-emucs.txt", 0);
	size_t n = p1_json_write(t, P1_JSON_ALL, full, sizeof(full));
	size_t cap;

	(void)state;
	assert_true(n > 2000);
	for (cap = 0; cap <= sizeof(part); cap++) {
		memset(part, 'x', sizeof(part));
		assert_int_equal(p1_json_write(t, P1_JSON_ALL, part, cap), n);
		if (cap) {
			assert_int_equal(strlen(part), cap - 1);
			assert_memory_equal(part, full, cap - 1);
		}
		if (cap < sizeof(part))
			assert_int_equal(part[cap], 'x');
	}
	assert_int_equal(p1_json_write(t, P1_JSON_ALL, NULL, 0), n);
}

struct collect {
	size_t calls, bytes, stop_after;
};

static int collect(void *ctx, const char *s, size_t n)
{
	struct collect *c = ctx;

	(void)s;
	c->calls++;
	c->bytes += n;
	return c->calls == c->stop_after ? -7 : 0;
}

static void callback(void **state)
{
	struct p1_telegram *t = corpus_parse("be-emucs.txt", 0);
	struct collect c = {0};
	size_t n = p1_json_write(t, P1_JSON_ALL, NULL, 0);

	(void)state;
	assert_int_equal(p1_json_emit(t, P1_JSON_ALL, collect, &c), 0);
	assert_int_equal(c.bytes, n);
	c = (struct collect){.stop_after = 1};
	assert_int_equal(p1_json_emit(t, P1_JSON_ALL, collect, &c), -7);
	assert_int_equal(c.calls, 1);
	c = (struct collect){0};
	assert_int_equal(p1_json_string("a\"\xff", 3, collect, &c), 0);
	assert_int_equal(c.bytes, strlen("\"a\\\"\\u00ff\""));
}

/* Every typed member appears for the families that send it. */
static void typed_members(void **state)
{
	const char *j;

	(void)state;
	j = json(corpus_parse("be-emucs.txt", 0), P1_JSON_TYPED);
	assert_non_null(strstr(j, "\"family\":\"emucs\",\"dsmr\":50,"
				  "\"version\":\"50217\""));
	assert_non_null(strstr(j, "\"demand_w\":2351"));
	assert_non_null(strstr(
		j, "\"month_peak\":{\"time\":1678175100,\"power_w\":4123}"));
	assert_non_null(strstr(j, "\"peaks\":{\"count\":13,\"months\":[{"
				  "\"month\":1677625200,\"time\":1676397600,"
				  "\"power_w\":3695},"));
	assert_non_null(
		strstr(j, "{\"channel\":2,\"kind\":\"water\",\"type\":7"));
	assert_non_null(strstr(j,
			       "\"phases\":[{\"phase\":1,\"voltage_v\":231.2,"
			       "\"current_a\":1.05,\"power_import_w\":201,"));
	j = json(corpus_parse("nl-dsmr40.txt", 0), P1_JSON_TYPED);
	assert_non_null(strstr(j,
			       "\"failure_log\":{\"count\":2,\"entries\":["
			       "{\"end\":1435043554,\"duration_s\":3456,"
			       "\"start\":1435040098},"
			       "{\"end\":null,\"duration_s\":2147483647}]}"));
	assert_non_null(strstr(j, "\"anomalies\":[\"bad_time\"]"));
	j = json(corpus_parse("edge-bad-crc.txt", 0), P1_JSON_TYPED);
	assert_non_null(strstr(j, "{\"crc\":\"bad\",\"crc_sent\":\""));
	j = json(corpus_parse("hu-plain.txt", 0), P1_JSON_TYPED);
	assert_non_null(strstr(j, "\"energy_import_wh\":{\"total\":1234567,"
				  "\"1\":600000,\"2\":400000,\"3\":200000,"
				  "\"4\":34567}"));
	assert_non_null(strstr(j, "\"reactive_quadrant_varh\":{\"1\":100001,"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(objects_exact), cmocka_unit_test(typed_exact),
		cmocka_unit_test(escaping),	 cmocka_unit_test(numbers),
		cmocka_unit_test(buffer_sizes),	 cmocka_unit_test(callback),
		cmocka_unit_test(typed_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
