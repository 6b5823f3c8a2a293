// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_parse.c - libFuzzer target for p1_parse() and the JSON writer.
 *
 * Any input must parse without a crash or sanitizer report, in every zone
 * and CRC mode; the result must respect its bounds (every offset inside
 * the text), and its JSON must be valid UTF-8 JSON of the length the
 * writer announced.  With P1_PARSE_REUSE, parsing it into a result that
 * holds a DSMR 5 telegram (the previous input's, or the input itself) must
 * give exactly what a parse without the flag gives, and so must parsing
 * that telegram back; its JSON written through the previous telegram's
 * (p1i_json_into_prev(), the objects the parse took over copied from it)
 * must be the JSON written afresh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <p1/p1.h>

#include "json_check.h"
#include "p1_json.h"

static struct p1_telegram t, r, fresh;
static struct p1i_json_prev jp; /* r's */
static char out[1 << 20], out2[1 << 20];

/* A DSMR 5 telegram (tests/corpus/nl-dsmr50-typical.txt, shortened). */
static const char base[] = "/ISK5\\2M550T-1012\r\n\r\n"
			   "1-3:0.2.8(50)\r\n"
			   "0-0:1.0.0(230701153045S)\r\n"
			   "0-0:96.1.1(4530303434303037313331363530363137)\r\n"
			   "1-0:1.8.1(012345.678*kWh)\r\n"
			   "1-0:1.8.2(010987.654*kWh)\r\n"
			   "0-0:96.14.0(0002)\r\n"
			   "1-0:1.7.0(01.193*kW)\r\n"
			   "1-0:99.97.0(2)(0-0:96.7.19)(221114063012W)"
			   "(0000001234*s)(230405112233S)(0000000321*s)\r\n"
			   "0-0:96.13.0()\r\n"
			   "1-0:32.7.0(229.1*V)\r\n"
			   "0-1:24.1.0(003)\r\n"
			   "0-1:96.1.0(4730303339303031363532303530323136)\r\n"
			   "0-1:24.2.1(230701153000S)(04567.891*m3)\r\n"
			   "!5C2A\r\n";

/* Everything a caller sees of a and b is the same. */
static void same(const struct p1_telegram *a, const struct p1_telegram *b)
{
	uint32_t i;
	size_t na, nb;

	if (a->crc != b->crc || a->has_crc != b->has_crc ||
	    a->crc_rx != b->crc_rx || a->crc_calc != b->crc_calc ||
	    a->anomalies != b->anomalies || a->bad_lines != b->bad_lines ||
	    a->bad_times != b->bad_times || a->header_off != b->header_off ||
	    a->header_len != b->header_len || a->len != b->len ||
	    a->nobjects != b->nobjects || a->nvalues != b->nvalues ||
	    memcmp(a->text, b->text, a->len + 1))
		abort();
	for (i = 0; i < a->nobjects; i++) {
		const struct p1_object *x = &a->objects[i], *y = &b->objects[i];

		if (memcmp(&x->obis, &y->obis, sizeof(x->obis)) ||
		    x->flags != y->flags || x->off != y->off ||
		    x->len != y->len || x->first != y->first ||
		    x->nvalues != y->nvalues)
			abort();
	}
	if (memcmp(a->values, b->values, a->nvalues * sizeof(a->values[0])))
		abort();
	na = p1_json_write(a, P1_JSON_ALL, out, sizeof(out));
	nb = p1_json_write(b, P1_JSON_ALL, out2, sizeof(out2));
	if (na != nb || memcmp(out, out2, na < sizeof(out) ? na : 0))
		abort();
	if (a != &r)
		return;
	/* r through its previous JSON (out: r's own, written afresh) */
	nb = p1i_json_into_prev(a, P1_JSON_ALL, out2, sizeof(out2), &jp);
	if (na < sizeof(out) && (na != nb || memcmp(out, out2, na)))
		abort();
}

static int rparse(const void *data, size_t size)
{
	const struct p1_parse_opts ro = {.flags = P1_PARSE_REUSE};

	return p1i_parse_kept(data, size, &r, &ro, &jp);
}

/* The input parsed after base (or after the last input) with reuse. */
static void reuse(const uint8_t *data, size_t size, int ret)
{
	if (size % 3 == 0)
		rparse(base, sizeof(base) - 1);
	if (rparse(data, size) != ret)
		abort();
	same(&r, &t);
	if (rparse(data, size) != ret)
		abort();
	same(&r, &t);
	rparse(base, sizeof(base) - 1);
	p1_parse(base, sizeof(base) - 1, &fresh, NULL);
	same(&r, &fresh);
	if (rparse(data, size) != ret)
		abort();
	same(&r, &t);
}

static void check_bounds(void)
{
	uint32_t i;

	if (t.len > P1_MAX_TELEGRAM || t.nobjects > P1_MAX_OBJECTS ||
	    t.nvalues > P1_MAX_VALUES || t.text[t.len] != 0 ||
	    t.header_off + t.header_len > t.len)
		abort();
	for (i = 0; i < t.nobjects; i++) {
		const struct p1_object *o = &t.objects[i];

		if (o->off + o->len > t.len ||
		    (uint32_t)o->first + o->nvalues > t.nvalues)
			abort();
	}
	for (i = 0; i < t.nvalues; i++) {
		const struct p1_value *v = &t.values[i];

		if ((uint32_t)v->off + v->len > t.len || v->unit_len > v->len)
			abort();
		if ((v->flags & P1_VAL_TIME) && (v->flags & P1_VAL_TIME_BAD))
			abort();
	}
	if (t.data.elec.text_len >= P1_MAX_TEXT ||
	    t.data.elec.nfailure_log > P1_MAX_FAILURES ||
	    t.data.elec.npeaks > P1_MAX_PEAKS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p1_parse_opts o = {0};
	size_t n;

	/* Default options, then the JSON of the result ... */
	if (p1_parse(data, size, &t, NULL) < 0) {
		if (t.nobjects || t.nvalues || memchr(data, '/', size))
			abort();
		reuse(data, size, -1);
		return 0;
	}
	check_bounds();
	reuse(data, size, 0);
	n = p1_json_write(&t, P1_JSON_ALL, out, sizeof(out));
	if (n >= sizeof(out) || strlen(out) != n || !json_valid(out, n))
		abort();
	/* ... and another zone with a CRC verdict given (any value). */
	o.zone = 1 + size % 2;
	o.flags = P1_PARSE_CRC_GIVEN;
	o.crc = data[0] % 5;
	if (p1_parse(data, size, &t, &o) < 0)
		abort();
	check_bounds();
	return 0;
}
