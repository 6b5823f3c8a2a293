// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_code.c - the OBIS codes p1_parse() recognises by their text in one
 * step (userspace/lib/p1_code.h, p1_obis_table.c) give exactly what the
 * field-by-field parser gives.
 *
 * For every code of the table, in telegrams of several shapes (DSMR 5,
 * DSMR 2.2 without CRC and with the value on the next line, values that
 * are numbers with and without units, timestamps, hex text, empty), the
 * code as meters write it (the table's path) is parsed beside the same
 * code with a leading zero in each field (which misses the table and goes
 * field by field): the typed views, objects and values must be equal.
 * Spellings that must miss the table (leading zeros, *F suffixes, a NUL
 * or a space before the '(', no '(' within 16 bytes) are checked too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p1_code.h"
#include "unit.h"

#ifdef P1_SWAR
static void entry_text(const struct p1i_code *c, char *buf)
{
	uint64_t k[2] = {c->key[0], c->key[1]};
	unsigned i;

	for (i = 0; i < 16; i++)
		buf[i] = (char)(k[i / 8] >> (8 * (i % 8)));
	buf[16] = 0;
}
#endif

/* "A-B:C.D.E" with a leading zero before every field. */
static void zero_padded(const char *code, char *out)
{
	char *q = out;
	bool start = true;

	for (; *code; code++) {
		if (start)
			*q++ = '0';
		*q++ = *code;
		start = *code == '-' || *code == ':' || *code == '.';
	}
	*q = 0;
}

static struct p1_telegram ta, tb;

/* Telegram shapes; %s is the code line's code. */
static const char *const shapes[] = {
	"/ISK5\\2M550T-1012\r\n\r\n1-3:0.2.8(50)\r\n%s(012345.678*kWh)\r\n"
	"0-0:96.1.1(4530303434303037313331363530363137)\r\n!\r\n",
	"/ISK5\\2M550T-1012\r\n\r\n%s(00.612*kW)(7)\r\n!1234\r\n",
	"/XMX5XMXABCE000018914\r\n\r\n%s(00003)\r\n0-0:96.1.0(123)\r\n!\r\n",
	"/KFM5KAIFA-METER\r\n\r\n%s(230701153045S)(04567.891*m3)\r\n!ABCD\r\n",
	"/MTR\r\n\r\n%s(4530303434)\r\n%s(230*V)\r\n!\r\n",
	"/ISk5\\2ME382-1003\r\n\r\n1-0:1.8.1(00001.001*kWh)\r\n"
	"%s(00000000000000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n(00001.001)\r\n!\r\n",
	"/X\r\n\r\n%s()\r\n%s(1.5)(2)(0-0:96.7.19)(221114063012W)(1*s)\r\n!",
	"/X\r\n\r\n%s(-1.5*kvarh)\r\n%s(1*Wh)\r\n%s(3*A)\r\n%s(50*Hz)\r\n!\r\n",
};

static void parse_shape(const char *shape, const char *code,
			struct p1_telegram *t)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), shape, code, code, code, code);

	assert_true(n > 0 && (size_t)n < sizeof(buf));
	memset(t, 0, sizeof(*t));
	assert_int_equal(p1_parse(buf, (size_t)n, t, NULL), 0);
}

/* Everything but where the code text is (its length differs). */
static void same_result(const struct p1_telegram *a,
			const struct p1_telegram *b)
{
	unsigned i;

	assert_int_equal(a->crc, b->crc);
	assert_int_equal(a->anomalies, b->anomalies);
	assert_int_equal(a->bad_lines, b->bad_lines);
	assert_int_equal(a->bad_times, b->bad_times);
	assert_int_equal(a->nobjects, b->nobjects);
	assert_int_equal(a->nvalues, b->nvalues);
	assert_true(data_equal(&a->data, &b->data));
	for (i = 0; i < a->nobjects; i++) {
		const struct p1_object *x = &a->objects[i], *y = &b->objects[i];

		assert_memory_equal(&x->obis, &y->obis, sizeof(x->obis));
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->first, y->first);
		assert_int_equal(x->nvalues, y->nvalues);
	}
	for (i = 0; i < a->nvalues; i++) {
		const struct p1_value *x = &a->values[i], *y = &b->values[i];

		assert_memory_equal(&x->number, &y->number, sizeof(x->number));
		assert_int_equal(x->time, y->time);
		assert_int_equal(x->len, y->len);
		assert_int_equal(x->unit_len, y->unit_len);
		assert_int_equal(x->decimals, y->decimals);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->unit, y->unit);
		assert_memory_equal(a->text + x->off, b->text + y->off, x->len);
	}
}

static void table_matches_fields(void **state)
{
#ifdef P1_SWAR
	unsigned i, k, hits = 0;

	(void)state;
	assert_true(p1i_ncodes > 100);
	for (i = 0; i < p1i_ncodes; i++) {
		const struct p1i_code *c = &p1i_codes[i];
		char code[17], padded[40], line[48];
		const char *lp = NULL;
		struct p1_obis want;

		entry_text(c, code);
		assert_int_equal(strlen(code), c->len);
		/* found, and only when the '(' follows right away */
		snprintf(line, sizeof(line), "%s(1)", code);
		memset(line + strlen(line) + 1, 0,
		       sizeof(line) - strlen(line) - 1);
		assert_ptr_equal(p1i_code_find(line, &lp), c);
		assert_ptr_equal(lp, line + c->len);
		/* the entry's struct p1_obis is what the text says */
		assert_int_equal(sscanf(code, "%hhu-%hhu:%hhu.%hhu.%hhu",
					&want.a, &want.b, &want.c, &want.d,
					&want.e),
				 5);
		want.f = 255;
		assert_memory_equal(&c->obis, &want, sizeof(want));
		/* the same result as the field parser, in every shape */
		zero_padded(code, padded);
		snprintf(line, sizeof(line), "%s(1)", padded);
		memset(line + strlen(line) + 1, 0,
		       sizeof(line) - strlen(line) - 1);
		assert_null(p1i_code_find(line, &lp));
		for (k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
			parse_shape(shapes[k], code, &ta);
			parse_shape(shapes[k], padded, &tb);
			same_result(&ta, &tb);
			hits++;
		}
	}
	assert_int_equal(hits,
			 p1i_ncodes * (sizeof(shapes) / sizeof(shapes[0])));
#else
	(void)state;
	skip();
#endif
}

#ifdef P1_SWAR
/* Parse "/X\r\n\r\n" CODE "(" value[0..n) "\r\n!\r\n" (any bytes). */
static void parse_value(const char *code, const char *val, size_t n,
			struct p1_telegram *t)
{
	char buf[256];
	size_t k = 0, cl = strlen(code);

	memcpy(buf, "/X\r\n\r\n", 6);
	k = 6;
	memcpy(buf + k, code, cl);
	k += cl;
	buf[k++] = '(';
	memcpy(buf + k, val, n);
	k += n;
	memcpy(buf + k, "\r\n!\r\n", 5);
	k += 5;
	memset(t, 0, sizeof(*t));
	assert_int_equal(p1_parse(buf, k, t, NULL), 0);
}
#endif

/*
 * The first value of a code in the format DSMR 5 gives it (e.g.
 * "012345.678*kWh)") is read in one step: every byte of it replaced by
 * bytes that break the format, the value cut short or followed by more,
 * must give what the field-by-field path gives.
 */
static void shaped_values(void **state)
{
#ifdef P1_SWAR
	static const char subst[] = "0959./*)x:(\n\r \0-+SWkKhH\xb3";
	unsigned i, shaped = 0;

	(void)state;
	for (i = 0; i < p1i_ncodes; i++) {
		const struct p1i_code *c = &p1i_codes[i];
		const struct p1i_shape *sh = &p1i_shapes[c->shape];
		char code[17], padded[40], val[40];
		unsigned k, pos, n = 0;

		if (!c->shape)
			continue;
		shaped++;
		entry_text(c, code);
		zero_padded(code, padded);
		/* the format itself, digits varied */
		for (k = 0; k <= sh->len; k++) {
			char b = (char)(sh->tmpl[k / 8] >> (8 * (k % 8)));

			val[n++] =
				b == '0' ? (char)('0' + (k * 7 + i) % 10) : b;
		}
		assert_int_equal(val[n - 1], ')');
		parse_value(code, val, n, &ta);
		parse_value(padded, val, n, &tb);
		same_result(&ta, &tb);
		assert_int_equal(ta.nobjects, 1);
		assert_int_equal(ta.objects[0].flags, P1_OBJ_OBIS);
		assert_int_equal(ta.objects[0].len, c->len);
		assert_int_equal(ta.nvalues, 1);
		assert_true(ta.values[0].flags & P1_VAL_NUMBER);
		assert_int_equal(ta.anomalies, 0);
		/* every byte replaced */
		for (pos = 0; pos < n; pos++) {
			for (k = 0; k < sizeof(subst) - 1; k++) {
				char keep = val[pos];

				val[pos] = subst[k];
				parse_value(code, val, n, &ta);
				parse_value(padded, val, n, &tb);
				same_result(&ta, &tb);
				val[pos] = keep;
			}
		}
		/* cut short, and followed by more */
		for (k = 0; k < n; k++) {
			parse_value(code, val, k, &ta);
			parse_value(padded, val, k, &tb);
			same_result(&ta, &tb);
		}
		memcpy(val + n, "(1)x", 4);
		for (k = n; k <= n + 4; k++) {
			parse_value(code, val, k, &ta);
			parse_value(padded, val, k, &tb);
			same_result(&ta, &tb);
		}
	}
	assert_true(shaped > 30);
#else
	(void)state;
	skip();
#endif
}

/*
 * With the value pool full, a known code's value is not kept: its typed
 * field stays absent, what it tells about the family still counts.
 */
static void pool_full(void **state)
{
#ifdef P1_SWAR
	static char buf[8192];
	unsigned i, j;

	(void)state;
	for (i = 0; i < p1i_ncodes; i++) {
		const struct p1i_code *c = &p1i_codes[i];
		char code[17], padded[40];
		const char *val[] = {"012345.678*kWh)", "00.612*kW)",
				     "229.1*V)",	"003*A)",
				     "00003)",		"0002)"};

		if (!c->shape)
			continue;
		entry_text(c, code);
		zero_padded(code, padded);
		for (j = 0; j < 2; j++) {
			size_t k = 0;
			unsigned v;

			k += (size_t)sprintf(buf, "/X\r\n\r\n0-0:1.2.3");
			for (v = 0; v < P1_MAX_VALUES; v++)
				k += (size_t)sprintf(buf + k, "(1)");
			k += (size_t)sprintf(buf + k, "\r\n%s(%s\r\n!\r\n",
					     j ? padded : code,
					     val[c->shape - 1]);
			memset(j ? &tb : &ta, 0, sizeof(ta));
			assert_int_equal(p1_parse(buf, k, j ? &tb : &ta, NULL),
					 0);
		}
		same_result(&ta, &tb);
		assert_int_equal(ta.nvalues, P1_MAX_VALUES);
		assert_true(ta.anomalies & P1_ANOM_VALUES);
	}
#else
	(void)state;
	skip();
#endif
}

/* Other spellings of known codes miss the table and parse as before. */
static void misses(void **state)
{
#ifdef P1_SWAR
	static const char *const miss[] = {
		"01-0:1.8.1(1)",     "1-0:1.8.1*255(1)", "1-0:1.8.1 (1)",
		"1-0:1.8.1\n(1)",    "1-0:1.8.01(1)",	 "1-0:1.8.1*1(1)",
		"1-0:1.8.10(1)",     "1-0:1.8(1)",	 "1-0:1.8.",
		"1-0:99.97.0000(1)", "0-0:96.1.1)(",	 "0-0:96.13.0000000(",
	};
	char line[40] = {0};
	const char *lp = NULL;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(miss) / sizeof(miss[0]); i++) {
		memset(line, 0, sizeof(line));
		strcpy(line, miss[i]);
		assert_null(p1i_code_find(line, &lp));
	}
	/* a NUL inside the code */
	memset(line, 0, sizeof(line));
	memcpy(line, "1-0:1.8.1\0(1)", 13);
	assert_null(p1i_code_find(line, &lp));
	/* 15 bytes of code is the most; 16 reads no further */
	memset(line, 0, sizeof(line));
	memcpy(line, "1-0:1.8.1.......(", 17);
	assert_null(p1i_code_find(line, &lp));
#endif
	(void)state;
}

/* *255 suffix, leading zeros and a DSMR 2.2 telegram: as the field parser. */
static void spellings_in_telegrams(void **state)
{
	struct p1_telegram *t;
	const struct p1_object *o;

	(void)state;
	t = parse_str("/ESY5Q3DA1004 V3.04\r\n\r\n1-0:1.8.1*255(00012.3456*kWh)"
		      "\r\n1-0:1.8.1(7*kWh)\r\n001-000:001.008.002(00001.5*kWh)"
		      "\r\n!\r\n");
	assert_int_equal(t->nobjects, 3);
	o = &t->objects[0];
	assert_int_equal(o->flags, P1_OBJ_OBIS | P1_OBJ_SUFFIX);
	assert_int_equal(o->obis.f, 255);
	o = &t->objects[1];
	assert_int_equal(o->flags, P1_OBJ_OBIS);
	assert_int_equal(o->len, 9);
	o = &t->objects[2];
	assert_int_equal(o->flags, P1_OBJ_OBIS);
	assert_int_equal(o->obis.c, 1);
	assert_int_equal(o->obis.e, 2);
	/* the later object wins, as always */
	check_num(t->data.elec.energy_import[1], 7000);
	check_num(t->data.elec.energy_import[2], 1500);
	assert_int_equal(t->data.family, P1_FAMILY_EASYMETER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_matches_fields),
		cmocka_unit_test(misses),
		cmocka_unit_test(shaped_values),
		cmocka_unit_test(pool_full),
		cmocka_unit_test(spellings_in_telegrams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
