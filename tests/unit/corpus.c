// SPDX-License-Identifier: GPL-2.0-or-later
/* corpus.c - shared helpers of the libp1 cmocka suites (see unit.h). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"

#ifndef CORPUS_DIR
#error "CORPUS_DIR must be defined"
#endif

size_t corpus_load(const char *name, char *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	assert_true(n > 0 && n < cap);
	return n;
}

struct p1_telegram *corpus_parse(const char *name, unsigned zone)
{
	static struct p1_telegram t;
	static char buf[65536];
	struct p1_parse_opts o = {.zone = zone};
	size_t n = corpus_load(name, buf, sizeof(buf));

	assert_int_equal(p1_parse(buf, n, &t, &o), 0);
	return &t;
}

struct p1_telegram *parse_str(const char *s)
{
	static struct p1_telegram t;

	p1_parse(s, strlen(s), &t, NULL);
	return &t;
}

const struct p1_object *must_find(const struct p1_telegram *t, const char *obis)
{
	const struct p1_object *o = p1_find(t, obis);

	if (!o)
		fail_msg("no object %s", obis);
	return o;
}

void check_num_(const struct p1_num *n, double want, double tol,
		const char *what, const char *file, int line)
{
	if (!n->present)
		fail_msg("%s:%d: %s not present (want %.17g)", file, line, what,
			 want);
	if (tol == 0 ? n->value != want : fabs(n->value - want) > tol)
		fail_msg("%s:%d: %s = %.17g, want %.17g", file, line, what,
			 n->value, want);
}

void check_time_(const struct p1_time *t, int64_t want, const char *what,
		 const char *file, int line)
{
	if (!t->present || !t->valid)
		fail_msg("%s:%d: %s present=%d valid=%d (want %lld)", file,
			 line, what, t->present, t->valid, (long long)want);
	if (t->t != want)
		fail_msg("%s:%d: %s = %lld, want %lld", file, line, what,
			 (long long)t->t, (long long)want);
}

void check_raw(const struct p1_telegram *t, const struct p1_object *o,
	       unsigned i, const char *s)
{
	const struct p1_value *v = p1_object_value(t, o, i);

	assert_non_null(v);
	assert_int_equal(v->len, strlen(s));
	assert_memory_equal(p1_value_raw(t, v), s, v->len);
}

bool data_equal(const struct p1_data *a, const struct p1_data *b)
{
	const struct p1_elec *x = &a->elec, *y = &b->elec;
	unsigned i;

	if (memcmp(a, b, offsetof(struct p1_data, elec)) ||
	    memcmp(x, y, offsetof(struct p1_elec, failure_log)) ||
	    memcmp(x->failure_log, y->failure_log,
		   x->nfailure_log * sizeof(x->failure_log[0])) ||
	    memcmp(x->peaks, y->peaks, x->npeaks * sizeof(x->peaks[0])) ||
	    memcmp(x->text, y->text, x->text_len + 1u) ||
	    strcmp(x->text_code, y->text_code) ||
	    strcmp(a->version, b->version) ||
	    strcmp(a->equipment_id, b->equipment_id))
		return false;
	for (i = 0; i < P1_MAX_MBUS; i++)
		if (memcmp(&a->mbus[i], &b->mbus[i],
			   offsetof(struct p1_mbus, id)) ||
		    strcmp(a->mbus[i].id, b->mbus[i].id))
			return false;
	return true;
}
