// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_parse.c - libFuzzer target for p1_parse() and the JSON writer.
 *
 * Any input must parse without a crash or sanitizer report, in every zone
 * and CRC mode; the result must respect its bounds (every offset inside
 * the text), and its JSON must be valid UTF-8 JSON of the length the
 * writer announced.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <p1/p1.h>

#include "json_check.h"

static struct p1_telegram t;
static char out[1 << 20];

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
		return 0;
	}
	check_bounds();
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
