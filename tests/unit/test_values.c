// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_values.c - value classification (numbers, units, timestamps), the
 * number parser, OBIS codes, unit conversion of the typed view, p1_find.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "p1_internal.h"
#include "unit.h"

/* Parse "/H\r\n0-0:96.99.0(<raw>)\r\n!\r\n" and return its value. */
static const struct p1_value *one(const char *raw)
{
	static char buf[512];
	struct p1_telegram *t;

	snprintf(buf, sizeof(buf), "/H\r\n0-0:96.99.0(%s)\r\n!\r\n", raw);
	t = parse_str(buf);
	assert_int_equal(t->nvalues, 1);
	return &t->values[0];
}

static void numbers(void **state)
{
	static const struct {
		const char *raw;
		double num;
		unsigned decimals, unit_len;
	} ok[] = {
		{"000123.456*kWh", 123.456, 3, 3},
		{"0", 0, 0, 0},
		{"00004", 4, 0, 0},
		{"-0001.25*kW", -1.25, 2, 2},
		{"+7", 7, 0, 0},
		{".5", 0.5, 1, 0},
		{"5.", 5, 0, 0},
		{"229.1*V", 229.1, 1, 1},
		{"1234567890123456789", 1234567890123456789.0, 0, 0},
		{"12345678901234567890123", 12345678901234567890123.0, 0, 0},
		{"0.0000000000000000000000001", 1e-25, 25, 0},
		{"00011846.3213241*kWh", 11846321.3241e-3, 7, 3},
		{"090212160000", 90212160000.0, 0, 0},
		{"1*m\xb3", 1, 0, 2},
		{"4530303434303037313331363530363137", 4.530303434303037e33, 0,
		 0},
	};
	static const char *const not_numbers[] = {
		"",    "-",   ".",   "1.2.3", "12a", "0x10",	    "1e5",
		"1,5", " 1",  "1 ",  "*kWh",  "1*",  "0-0:96.7.19", "4B38",
		"inf", "nan", "--1",
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const struct p1_value *v = one(ok[i].raw);

		if (!(v->flags & P1_VAL_NUMBER))
			fail_msg("'%s' is no number", ok[i].raw);
		if (v->number != ok[i].num &&
		    fabs(v->number - ok[i].num) > 1e-15 * fabs(ok[i].num))
			fail_msg("'%s' = %.17g, want %.17g", ok[i].raw,
				 v->number, ok[i].num);
		assert_int_equal(v->decimals, ok[i].decimals);
		assert_int_equal(v->unit_len, ok[i].unit_len);
		assert_int_equal(!!(v->flags & P1_VAL_UNIT), !!ok[i].unit_len);
		assert_int_equal(v->len, strlen(ok[i].raw));
	}
	/*
	 * Exact where the decimal fits a double: the double nearest to it.
	 * The casts matter where FLT_EVAL_METHOD is 2 (i386's x87): there a
	 * literal in an expression keeps long double precision, and only a
	 * cast or an assignment rounds it to a double (C11 6.3.1.8).
	 */
	assert_true(one("000123.456*kWh")->number == (double)123.456);
	assert_true(one("0.1")->number == (double)0.1);
	for (i = 0; i < sizeof(not_numbers) / sizeof(not_numbers[0]); i++) {
		const struct p1_value *v = one(not_numbers[i]);

		if (v->flags & (P1_VAL_NUMBER | P1_VAL_UNIT))
			fail_msg("'%s' taken as a number", not_numbers[i]);
	}
	/* more than 308 digits: no number (it would be infinite) */
	{
		static char big[400];

		memset(big, '9', 350);
		big[350] = 0;
		assert_false(one(big)->flags & P1_VAL_NUMBER);
	}
}

static void number_parser(void **state)
{
	double x;
	unsigned d;

	(void)state;
	assert_true(p1i_parse_number("000123.456", 10, &x, &d));
	assert_true(x == (double)123.456);
	assert_int_equal(d, 3);
	assert_false(p1i_parse_number("", 0, &x, &d));
	assert_false(p1i_parse_number("1x", 2, &x, &d));
	assert_true(p1i_parse_number("1x", 1, &x, &d));
	assert_true(x == 1);
	assert_true(p1i_parse_number("-0", 2, &x, &d));
	assert_true(x == 0 && signbit(x));
	assert_true(p1i_digits("12345678901234567890123", 23, 0) ==
		    (double)12345678901234567890123.0);
	assert_true(p1i_digits("1.5", 1, 1) == 1.5);
}

static void timestamps(void **state)
{
	const struct p1_value *v;

	(void)state;
	v = one("230701153045S");
	assert_int_equal(v->flags, P1_VAL_TIME | P1_VAL_DST);
	assert_int_equal(v->time, 1688218245);
	v = one("230101000000W");
	assert_int_equal(v->flags, P1_VAL_TIME);
	assert_int_equal(v->time, 1672527600);
	/* shapes that are timestamps but invalid */
	static const char *const bad[] = {
		"000101010000W", "632525252525W", "000000000000W",
		"231301000000W", "230132000000W", "230230000000W",
		"230101240000W", "230101006000S", "230101000060S",
		"230229120000W", "230431120000S",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = one(bad[i]);
		if (v->flags != P1_VAL_TIME_BAD)
			fail_msg("'%s' flags %#x", bad[i], v->flags);
	}
	/* not timestamp shapes at all */
	assert_int_equal(one("23070115304S")->flags, 0);
	assert_int_equal(one("2307011530451S")->flags, 0);
	assert_int_equal(one("230701153045X")->flags, 0);
	assert_int_equal(one("23070115304aS")->flags, 0);
	/* unflagged: a number, unless the code calls for a timestamp */
	assert_int_equal(one("230701153045")->flags, P1_VAL_NUMBER);
}

static void obis_codes(void **state)
{
	struct p1_telegram *t;
	const struct p1_object *o;
	char b[32];

	(void)state;
	t = parse_str("/H\r\n"
		      "255-255:255.255.255*255(1)\r\n"
		      "1-0:1.8.0*255(2)\r\n"
		      "0-1:24.2.1(3)\r\n"
		      "256-0:1.8.0(4)\r\n"
		      "1-0:1.8(5)\r\n"
		      "1-0:1.8.0*(6)\r\n"
		      "1-0:1.8.0.1(7)\r\n"
		      "1-0:0001.8.0(8)\r\n"
		      "01-0:1.8.0(9)\r\n"
		      "!\r\n");
	assert_int_equal(t->nobjects, 9);
	o = &t->objects[0];
	assert_int_equal(o->flags, P1_OBJ_OBIS | P1_OBJ_SUFFIX);
	assert_int_equal(o->obis.a, 255);
	assert_int_equal(o->obis.f, 255);
	assert_int_equal(p1_obis_format(&t->objects[2].obis, b, sizeof(b)), 10);
	assert_string_equal(b, "0-1:24.2.1");
	for (unsigned i = 3; i < 8; i++)
		assert_int_equal(t->objects[i].flags, 0);
	assert_int_equal(t->objects[8].flags, P1_OBJ_OBIS);
	assert_int_equal(t->objects[8].obis.a, 1);
	assert_ptr_equal(p1_find(t, "0-1:24.2.1"), &t->objects[2]);
	assert_ptr_equal(p1_find(t, "1-0:1.8"), &t->objects[4]);
	assert_null(p1_find(t, "0-2:24.2.1"));
	assert_null(p1_find(t, ""));
	struct p1_obis x = {1, 2, 3, 4, 5, 6};
	p1_obis_format(&x, b, sizeof(b));
	assert_string_equal(b, "1-2:3.4.5*6");
}

/* Units decide the conversion; a unit that does not fit is left out. */
static void units(void **state)
{
	struct p1_telegram *t;
	const struct p1_elec *e;

	(void)state;
	t = parse_str("/H\r\n"
		      "1-0:1.8.1(1.5*MWh)\r\n"
		      "1-0:1.8.2(1234*Wh)\r\n"
		      "1-0:2.8.1(0.001*KWH)\r\n"
		      "1-0:2.8.2(12)\r\n"
		      "1-0:1.8.3(5*m3)\r\n"
		      "1-0:1.7.0(1500*W)\r\n"
		      "1-0:2.7.0(1.5*mW)\r\n"
		      "1-0:3.8.0(2*kvarh)\r\n"
		      "1-0:32.7.0(0.23*kV)\r\n"
		      "1-0:31.7.0(5*V)\r\n"
		      "1-0:14.7.0(49.9*Hz)\r\n"
		      "0-0:17.0.0(16*A)\r\n"
		      "!\r\n");
	e = &t->data.elec;
	check_num(e->energy_import[1], 1500000);
	check_num(e->energy_import[2], 1234);
	check_num(e->energy_export[1], 1);
	check_num(e->energy_export[2], 12000); /* no unit: DSMR's kWh */
	check_absent(e->energy_import[3]);
	check_num(e->power_import, 1500);
	check_absent(e->power_export); /* milliwatts: not a P1 unit */
	check_num(e->reactive_import[0], 2000);
	check_num(e->phase[0].voltage, 230);
	check_absent(e->phase[0].current);
	check_num(e->frequency, 49.9);
	check_num(e->limiter_current, 16);
	check_absent(e->limiter_power);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(p1_crc_name(P1_CRC_OK), "ok");
	assert_string_equal(p1_crc_name(P1_CRC_BAD), "bad");
	assert_string_equal(p1_crc_name(P1_CRC_NONE), "none");
	assert_string_equal(p1_crc_name(99), "unchecked");
	assert_string_equal(p1_mbus_kind_name(P1_MBUS_GAS), "gas");
	assert_string_equal(p1_mbus_kind_name(99), "unknown");
	assert_string_equal(p1_family_name(P1_FAMILY_EMUCS), "emucs");
	assert_string_equal(p1_family_name(99), "unknown");
	assert_non_null(p1_version());
	assert_true(strlen(p1_version()) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers),    cmocka_unit_test(number_parser),
		cmocka_unit_test(timestamps), cmocka_unit_test(obis_codes),
		cmocka_unit_test(units),      cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
