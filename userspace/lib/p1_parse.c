// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_parse.c - split a telegram into COSEM objects and values.
 *
 * One pass over a private, NUL-terminated copy of the telegram.  Lines are
 * the header, objects "A-B:C.D.E(v)(v)...", continuation lines "(v)" (DSMR
 * 2.2 puts the gas reading there) that extend the object above, and the
 * '!' line with the CRC.
 *
 * The fast path reads a well-formed line in a single sweep.  A code the
 * typed view knows, written as meters write it, is found by its text in
 * one step (p1_code.h), and its first value, when in the format DSMR 5
 * gives that code ("012345.678*kWh"), is checked and converted with two
 * words (value_shaped()).  Other codes are read field by field, other
 * values while parsing them as a number (8 digits at a time) or a
 * timestamp on the way to their ')'.  Anything unusual (spaces, junk
 * between values, codes that are not OBIS, digits beyond what a double
 * holds, ...) drops that line or value to the slow path, which finds the
 * line end first and then parses within it.  All paths give the same
 * result for well-formed input.  The typed view (p1_typed.c) is filled
 * object by object as each is finished (plain numbers as soon as their
 * line is read); what needs the whole telegram comes at the end.
 *
 * Any byte is allowed anywhere: lines end at LF (a CR before it is
 * dropped), values at ')' or the line end.  The digit loops stop at the
 * terminating NUL at the latest.
 *
 * With P1_PARSE_REUSE the result of the previous telegram is the starting
 * point: lines that did not change are taken over (objects, values and,
 * while the telegram keeps its shape, the typed view); see "reuse" below.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "p1_code.h"
#include "p1_framer.h"
#include "p1_internal.h"
#include "p1_json.h"

/* P1_PARSE_PORTABLE: the parser without its little-endian word paths and
 * without SSE2 (what big-endian hosts build), to test them here. */
#ifdef P1_PARSE_PORTABLE
#undef P1_SWAR
#endif
#if defined(__SSE2__) && !defined(P1_PARSE_PORTABLE)
#include <emmintrin.h>
#define P1_REUSE_SSE2 1
#endif

struct scan {
	struct p1_telegram *t;
	const char *end; /* end of the text; *end == 0 */
	unsigned zone;
	unsigned stamps;	 /* timestamps so far: their p1i_tst_at slot */
	struct p1_object *last;	 /* the object p1i_typed_obj() is due for */
	struct p1i_seen seen;	 /* for p1i_typed_end() */
	struct p1_value scratch; /* where values go when the pool is full */
	bool keep;		 /* the typed view is the previous one's
				    (keep_off() and around) */
	unsigned nredo; /* with keep: objects whose typed view was redone */
};

#ifdef P1_SWAR
static const uint64_t pow10u[8] = {1,	  10,	  100,	   1000,
				   10000, 100000, 1000000, 10000000};
#endif

/* Bytes that can end a value: ')', LF, and NUL (the end of the text). */
static const uint8_t stop[256] = {[')'] = 1, ['\n'] = 1, [0] = 1};

/* The first ')' or LF at or after p, or the end of the text. */
static const char *to_close(const struct scan *sc, const char *p)
{
	for (;;) {
		while (!stop[(unsigned char)*p])
			p++;
		if (*p || p >= sc->end)
			return p;
		p++; /* a NUL inside the telegram */
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_digit(char c)
{
	return (unsigned)(c - '0') <= 9;
}

/* --- slow path -------------------------------------------------------- */

/* Read 1-3 decimal digits (value <= 255) at *pp, up to e. */
static bool obis_field(const char **pp, const char *e, uint8_t *out)
{
	const char *p = *pp;
	unsigned v = 0, n = 0;

	while (p < e && is_digit(*p) && n < 4) {
		v = v * 10 + (unsigned)(*p - '0');
		p++;
		n++;
	}
	if (!n || n > 3 || v > 255)
		return false;
	*out = (uint8_t)v;
	*pp = p;
	return true;
}

/* "A-B:C.D.E" with an optional "*F", exactly covering [p, e). */
static bool parse_obis(const char *p, const char *e, struct p1_obis *o,
		       uint16_t *flags)
{
	if (!obis_field(&p, e, &o->a) || p >= e || *p++ != '-' ||
	    !obis_field(&p, e, &o->b) || p >= e || *p++ != ':' ||
	    !obis_field(&p, e, &o->c) || p >= e || *p++ != '.' ||
	    !obis_field(&p, e, &o->d) || p >= e || *p++ != '.' ||
	    !obis_field(&p, e, &o->e))
		return false;
	o->f = 255;
	*flags = P1_OBJ_OBIS;
	if (p < e && *p == '*') {
		p++;
		if (!obis_field(&p, e, &o->f))
			return false;
		*flags |= P1_OBJ_SUFFIX;
	}
	return p == e;
}

static void bad_time(struct p1_telegram *t, struct p1_value *v)
{
	v->flags |= P1_VAL_TIME_BAD;
	t->anomalies |= P1_ANOM_BAD_TIME;
	t->bad_times++;
}

static void classify(struct scan *sc, struct p1_value *v, const char *s,
		     size_t n)
{
	const char *star;
	unsigned dec;
	int r;

	if (!n)
		return;
	if (n == 13 && (s[12] == 'S' || s[12] == 'W')) {
		r = p1i_tst_at(s, n, sc->zone, &v->time, sc->stamps++);
		if (r == 0) {
			v->flags |= P1_VAL_TIME;
			if (s[12] == 'S')
				v->flags |= P1_VAL_DST;
			return;
		}
		if (r == -1) {
			bad_time(sc->t, v);
			return;
		}
	}
	star = memchr(s, '*', n);
	if (star) {
		size_t ul = n - (size_t)(star - s) - 1;

		if (!ul || ul > 32 ||
		    !p1i_parse_number(s, (size_t)(star - s), &v->number, &dec))
			return;
		v->unit_len = (uint8_t)ul;
		v->unit = (uint8_t)p1i_unit(star + 1, ul);
		v->flags |= P1_VAL_NUMBER | P1_VAL_UNIT;
	} else {
		if (!p1i_parse_number(s, n, &v->number, &dec))
			return;
		v->flags |= P1_VAL_NUMBER;
	}
	v->decimals = (uint8_t)dec;
}

/* A new value slot of @o, or a scratch one when the pool is full. */
static inline __attribute__((always_inline)) struct p1_value *
value_slot(struct scan *sc, struct p1_object *o)
{
	struct p1_telegram *t = sc->t;

	if (t->nvalues < P1_MAX_VALUES) {
		o->nvalues++;
		return &t->values[t->nvalues++];
	}
	t->anomalies |= P1_ANOM_VALUES;
	o->flags |= P1_OBJ_TRUNCATED;
	return &sc->scratch;
}

/* The same, cleared, for the value whose text starts at s. */
static inline __attribute__((always_inline)) struct p1_value *
new_value(struct scan *sc, struct p1_object *o, const char *s, unsigned flags)
{
	struct p1_value *v = value_slot(sc, o);

	*v = (struct p1_value){.off = (uint16_t)(s - sc->t->text),
			       .flags = (uint8_t)flags,
			       .unit = P1_UNIT_NONE};
	return v;
}

/* The "(v)(v)..." part of a line within [p, e). */
static void values_slow(struct scan *sc, struct p1_object *o, const char *p,
			const char *e, unsigned flags)
{
	struct p1_value *v;

	while (p < e) {
		const char *c;

		if (*p != '(') {
			if (!is_space(*p))
				sc->t->anomalies |= P1_ANOM_BAD_LINE;
			p = memchr(p, '(', (size_t)(e - p));
			if (!p)
				return;
		}
		p++;
		c = memchr(p, ')', (size_t)(e - p));
		if (!c) {
			sc->t->anomalies |= P1_ANOM_UNTERMINATED;
			v = new_value(sc, o, p, flags | P1_VAL_UNTERMINATED);
			v->len = (uint16_t)(e - p);
			classify(sc, v, p, (size_t)(e - p));
			return;
		}
		v = new_value(sc, o, p, flags);
		v->len = (uint16_t)(c - p);
		classify(sc, v, p, (size_t)(c - p));
		p = c + 1;
	}
}

/* The typed view of the last object, now that it has all its values. */
static void finish(struct scan *sc)
{
	p1i_typed_obj(sc->t, sc->last, sc->zone, &sc->seen);
	sc->last = NULL;
}

/*
 * put_num() for a first value read by value_shaped(): x is its typed
 * value, kept is whether the value was (not when the pool is full).
 */
static inline __attribute__((always_inline)) void
put_shaped(struct scan *sc, const struct p1i_code *c, double x, bool kept)
{
	struct p1_num *dst =
		(struct p1_num *)(void *)((char *)&sc->t->data + c->off);

	if (c->seen & P1I_SEEN_REACTIVE)
		sc->seen.reactive = true;
	if (c->seen & P1I_SEEN_HU)
		sc->seen.hu = true;
	if (kept) {
		dst->value = x;
		dst->present = true;
	}
}

/*
 * A plain-number code (P1I_CODE_NUM): only its first value counts, so its
 * typed field is set as soon as the line is read (values on continuation
 * lines come after it).  Every earlier object is finished by then.
 */
static inline __attribute__((always_inline)) void
put_num(struct scan *sc, const struct p1_object *o, const struct p1i_code *c)
{
	struct p1_telegram *t = sc->t;
	struct p1_num *dst =
		(struct p1_num *)(void *)((char *)&t->data + c->off);
	double x;

	if (c->seen & P1I_SEEN_REACTIVE)
		sc->seen.reactive = true;
	if (c->seen & P1I_SEEN_HU)
		sc->seen.hu = true;
	if (o->nvalues && p1i_num_of(&t->values[o->first], c->q, &x)) {
		dst->value = x;
		dst->present = true;
	}
}

/* Clear the typed view, except the unused parts of its arrays. */
static inline __attribute__((always_inline)) void reset_data(struct p1_data *d)
{
	unsigned i;

	memset(d, 0, offsetof(struct p1_data, elec));
	memset(&d->elec, 0, offsetof(struct p1_elec, failure_log));
	d->elec.text[0] = 0;
	d->elec.text_code[0] = 0;
	for (i = 0; i < P1_MAX_MBUS; i++) {
		memset(&d->mbus[i], 0, offsetof(struct p1_mbus, id));
		d->mbus[i].id[0] = 0;
	}
	d->version[0] = 0;
	d->equipment_id[0] = 0;
}

/*
 * Keeping the typed view (P1_PARSE_REUSE): while every object has the
 * code the previous telegram had at its index, the previous typed view is
 * kept instead of being rebuilt: objects taken over add nothing to it, and
 * an object parsed again must be one whose typed view is a field of its
 * own that nothing else writes: a plain number (P1I_CODE_NUM) or the meter
 * time.  That field is cleared first, then filled as usual.  Anything else
 * (another code, a new object, a continuation line, ...) rebuilds the
 * whole typed view from the objects so far and goes on as usual
 * (keep_off()); so does the end when an object is gone, the identification
 * line or the CRC digits' presence changed (the family guess reads them),
 * or some other object could write one of those fields (typed_key()).
 */
#define KEY_NONE 0xffffffffu

/* Objects that write the same typed field have the same key. */
static inline uint32_t typed_key(const struct p1_object *o)
{
	const struct p1_obis *b = &o->obis;
	uint32_t e = b->e == 255 ? 0 : b->e;

	if (!(o->flags & P1_OBJ_OBIS) || (b->a | (b->a ? 0 : b->b)) > 1)
		return KEY_NONE;
	return (uint32_t)b->a << 24 | (uint32_t)b->d << 16 |
	       (uint32_t)b->c << 8 | e;
}

#ifdef P1_SWAR
/* The field of a plain number parsed again: cleared. */
static inline __attribute__((always_inline)) void
keep_num(struct scan *sc, const struct p1i_code *code)
{
	struct p1_num *dst =
		(struct p1_num *)(void *)((char *)&sc->t->data + code->off);

	dst->value = 0;
	dst->present = false;
	sc->nredo++;
}
#endif

/* Rebuild the typed view from objects[0..nobjects) but the one due. */
static void keep_off(struct scan *sc)
{
	struct p1_telegram *t = sc->t;
	uint32_t i, k;

	sc->keep = false;
	reset_data(&t->data);
	memset(&sc->seen, 0, sizeof(sc->seen));
	for (i = 0; i < t->nobjects; i++) {
		const struct p1_object *o = &t->objects[i];

		if (o == sc->last)
			continue;
		/* taken over from a result the caller may have changed */
		if ((uint32_t)o->first + o->nvalues > t->nvalues)
			continue;
		for (k = 0; k < o->nvalues; k++) {
			const struct p1_value *v = &t->values[o->first + k];

			if ((uint32_t)v->off + v->len > P1_MAX_TELEGRAM ||
			    v->unit_len > v->len)
				break;
		}
		if (k == o->nvalues)
			p1i_typed_obj(t, o, sc->zone, &sc->seen);
	}
}

/*
 * Object i was parsed again (its old code: ob, flags): keep the typed
 * view if it is one whose field can be redone.
 */
static void keep_check(struct scan *sc, uint32_t i, const struct p1_obis *ob,
		       uint16_t flags)
{
	struct p1_telegram *t = sc->t;
	const struct p1_object *o = &t->objects[i];

	if (t->nobjects != i + 1 || o->flags != flags ||
	    memcmp(&o->obis, ob, sizeof(*ob))) {
		keep_off(sc);
		return;
	}
	if (!sc->last)
		return; /* a plain number: keep_num() did it */
	if (o == sc->last && flags == P1_OBJ_OBIS && ob->a == 0 && ob->b == 0 &&
	    ob->c == 1 && ob->d == 0 && ob->e == 0) {
		/* the meter time, filled when the object is finished */
		memset(&t->data.time, 0, sizeof(t->data.time));
		sc->nredo++;
		return;
	}
	keep_off(sc);
}

/*
 * Per thread, the codes (obis and flags) of the objects of the last
 * telegram whose objects write typed fields of their own (no two have the
 * same typed_key()): telegrams of one meter have the same codes, so the
 * check below is mostly a comparison.  Like the timestamp cache it never
 * changes a result.
 */
static _Thread_local struct {
	uint32_t n;
	uint64_t code[P1_MAX_OBJECTS];
} own_fields;

static inline uint64_t code_word(const struct p1_object *o)
{
	uint64_t w;

	_Static_assert(offsetof(struct p1_object, obis) == 0 &&
			       offsetof(struct p1_object, flags) == 6 &&
			       sizeof(struct p1_obis) == 6,
		       "code_word(): obis and flags, 8 bytes");
	memcpy(&w, o, 8);
	return w;
}

/* Whether no two objects of t write the same typed field. */
static bool fields_own(const struct p1_telegram *t)
{
	uint32_t key[512], i, h, n = t->nobjects;

	if (own_fields.n == n) {
		for (i = 0; i < n; i++)
			if (code_word(&t->objects[i]) != own_fields.code[i])
				break;
		if (i == n)
			return true;
	}
	memset(key, 0xff, sizeof(key));
	for (i = 0; i < n; i++) {
		uint32_t x = typed_key(&t->objects[i]);

		if (x == KEY_NONE)
			continue;
		for (h = x * 0x9e3779b1u >> 23; key[h] != KEY_NONE;
		     h = (h + 1) & 511)
			if (key[h] == x)
				return false;
		key[h] = x;
	}
	own_fields.n = n;
	for (i = 0; i < n; i++)
		own_fields.code[i] = code_word(&t->objects[i]);
	return true;
}

/* At the end: whether the kept typed view is the one of this telegram. */
static bool keep_end(struct scan *sc, uint32_t nobjects, bool has_crc,
		     bool import1)
{
	const struct p1_telegram *t = sc->t;

	if (t->nobjects != nobjects || t->has_crc != has_crc ||
	    t->data.elec.energy_import[1].present != import1)
		return false;
	/* each redone field is written by its own object only */
	return !sc->nredo || fields_own(t);
}

static inline __attribute__((always_inline)) struct p1_object *
new_object(struct scan *sc, const char *s, const char *e)
{
	struct p1_telegram *t = sc->t;
	struct p1_object *o;

	if (sc->last)
		finish(sc);
	if (t->nobjects >= P1_MAX_OBJECTS) {
		t->anomalies |= P1_ANOM_OBJECTS;
		return NULL;
	}
	o = &t->objects[t->nobjects++];
	*o = (struct p1_object){.off = (uint32_t)(s - t->text),
				.len = (uint16_t)(e - s),
				.first = (uint16_t)t->nvalues};
	sc->last = o;
	return o;
}

/* Line end of the line holding p: *next after its LF, return the end
 * with trailing blanks and CR dropped. */
static const char *line_end(struct scan *sc, const char *p, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(sc->end - p));
	const char *e = nl ? nl : sc->end;

	*next = nl ? nl + 1 : sc->end;
	while (e > p && is_space(e[-1]))
		e--;
	return e;
}

/* A line that is not a plain "A-B:C.D.E(...)": p at its first byte. */
static const char *object_slow(struct scan *sc, const char *p,
			       struct p1_object **cur)
{
	const char *next, *e = line_end(sc, p, &next);
	const char *lp = memchr(p, '(', (size_t)(e - p)), *ce;
	struct p1_object *o;

	*cur = NULL;
	if (!lp) {
		sc->t->bad_lines++;
		sc->t->anomalies |= P1_ANOM_BAD_LINE;
		return next;
	}
	ce = lp;
	while (ce > p && is_space(ce[-1]))
		ce--;
	o = new_object(sc, p, ce);
	if (!o)
		return next;
	if (!parse_obis(p, ce, &o->obis, &o->flags)) {
		memset(&o->obis, 0, sizeof(o->obis));
		o->flags = 0;
		sc->t->anomalies |= P1_ANOM_BAD_OBIS;
	}
	values_slow(sc, o, lp, e, 0);
	*cur = o;
	return next;
}

/* --- fast path -------------------------------------------------------- */

/* p1i_unit() with the common spellings first (u has 8 readable bytes). */
static inline __attribute__((always_inline)) unsigned unit_fast(const char *u,
								size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t k;

	if (n <= 5) {
		memcpy(&k, u, 8);
		k &= (1ull << (8 * n)) - 1;
		switch (k) {
		case P1K3('k', 'W', 'h'):
			return P1_UNIT_KWH;
		case P1K2('k', 'W'):
			return P1_UNIT_KW;
		case P1K1('V'):
			return P1_UNIT_V;
		case P1K1('A'):
			return P1_UNIT_A;
		case P1K2('m', '3'):
			return P1_UNIT_M3;
		case P1K1('s'):
			return P1_UNIT_S;
		case P1K1('W'):
			return P1_UNIT_W;
		case P1K2('W', 'h'):
			return P1_UNIT_WH;
		case P1K5('k', 'v', 'a', 'r', 'h'):
			return P1_UNIT_KVARH;
		case P1K4('k', 'v', 'a', 'r'):
			return P1_UNIT_KVAR;
		}
	}
#endif
	return p1i_unit(u, n);
}

/* One value, p just after its '('.  Returns where the value ends: after
 * its ')', or at the LF / end of text if it has none. */
static inline __attribute__((always_inline)) const char *
value_fast(struct scan *sc, struct p1_object *o, const char *p, unsigned flags)
{
	struct p1_value *v = new_value(sc, o, p, flags);
	const char *s = p, *d0, *e;
	unsigned char c = (unsigned char)*p;
	uint64_t m = 0;
	size_t nint, nfrac = 0, nd;
	bool neg = false;

	/* "YYMMDDhhmmssX)": straight to the timestamp check */
	if (p[13] == ')' && (p[12] == 'S' || p[12] == 'W')) {
		c = (unsigned char)p[12];
		switch (p1i_tst_at(p, 13, sc->zone, &v->time, sc->stamps++)) {
		case 0:
			v->flags |= c == 'S' ? P1_VAL_TIME | P1_VAL_DST
					     : P1_VAL_TIME;
			break;
		case -1:
			bad_time(sc->t, v);
			break;
		default: /* not digits: the general path */
			c = (unsigned char)*p;
			goto general;
		}
		v->len = 13;
		return p + 14;
	}
general:
	if (c == '-' || c == '+') {
		neg = c == '-';
		c = (unsigned char)*++p;
	}
	d0 = p;
#ifdef P1_SWAR
	{
		/* Up to 7 digits, '.', up to 7 digits: a word each */
		uint64_t w = p1i_load8(p);
		unsigned k = p1i_digits8(w);

		if (k < 8) {
			m = k ? p1i_value8(w, k) : 0;
			p += k;
			c = (unsigned char)*p;
			nint = k;
			if (c != '.')
				goto digits;
			w = p1i_load8(++p);
			k = p1i_digits8(w);
			if (k < 8) {
				if (k)
					m = m * pow10u[k] + p1i_value8(w, k);
				p += k;
				c = (unsigned char)*p;
				nfrac = k;
				goto digits;
			}
			p = d0;
			c = (unsigned char)*p;
			m = 0;
		}
	}
	if (p1i_digits8(p1i_load8(p)) == 8) {
		/* 8 digits or more (ids sent as digits): count the run a
		 * word at a time; 20 or more up to the ')' are taken by
		 * p1i_digits() below, the rest by the loops */
		const char *q = p + 8;
		unsigned k;

		while ((k = p1i_digits8(p1i_load8(q))) == 8)
			q += 8;
		q += k;
		if (q - p >= 20 && *q == ')') {
			p = q;
			c = ')';
		}
	}
#endif
	while ((unsigned)(c - '0') <= 9) {
		m = m * 10 + (unsigned)(c - '0');
		c = (unsigned char)*++p;
	}
	nint = (size_t)(p - d0);
	if (c == '.') {
		const char *f0 = ++p;

		c = (unsigned char)*p;
		while ((unsigned)(c - '0') <= 9) {
			m = m * 10 + (unsigned)(c - '0');
			c = (unsigned char)*++p;
		}
		nfrac = (size_t)(p - f0);
	}
#ifdef P1_SWAR
digits:
#endif
	nd = nint + nfrac;
	if (nd - 1 < 19 && (c == ')' || c == '*')) {
		double x = nd < 19 ? (double)(int64_t)m : (double)m;

		if (nfrac)
			x /= p1i_pow10[nfrac];
		v->number = neg ? -x : x;
		v->decimals = (uint8_t)nfrac;
		if (c == ')') {
			v->flags |= P1_VAL_NUMBER;
			v->len = (uint16_t)(p - s);
			return p + 1;
		}
		e = to_close(sc, ++p);
		if (*e == ')' && e > p && e - p <= 32) {
			v->unit_len = (uint8_t)(e - p);
			v->unit = (uint8_t)unit_fast(p, (size_t)(e - p));
			v->flags |= P1_VAL_NUMBER | P1_VAL_UNIT;
			v->len = (uint16_t)(e - s);
			return e + 1;
		}
		v->number = 0;
		v->decimals = 0;
		p = e;
	} else if (nd > 19 && c == ')') {
		/* Long digit strings (hex ids without letters) */
		double x = p1i_digits(d0, nint, nfrac);

		if (!isinf(x)) {
			v->number = neg ? -x : x;
			v->decimals = (uint8_t)(nfrac < 255 ? nfrac : 255);
			v->flags |= P1_VAL_NUMBER;
			v->len = (uint16_t)(p - s);
			return p + 1;
		}
	}
	/* Anything else: find the end, then classify the slow way. */
	p = to_close(sc, p);
	e = p;
	if (p < sc->end && *p == ')') {
		p++;
	} else {
		while (e > s && e[-1] == '\r')
			e--;
		v->flags |= P1_VAL_UNTERMINATED;
		sc->t->anomalies |= P1_ANOM_UNTERMINATED;
	}
	v->len = (uint16_t)(e - s);
	classify(sc, v, s, (size_t)(e - s));
	return p;
}

#ifdef P1_SWAR
/*
 * The first value of a known code in the format DSMR 5 gives it (shape
 * sh), q just after its '(': checked and converted with two words, as the
 * general path would read it.  Returns the byte after its ')', or NULL
 * (nothing stored) when it is in any other form.
 */
static inline __attribute__((always_inline)) const char *
value_shaped(struct scan *sc, struct p1_object *o, const char *q,
	     const struct p1i_shape *sh, double *typed)
{
	const uint64_t zero = 0x3030303030303030ull;
	const uint64_t e0 = sh->exact[0], e1 = sh->exact[1], tail = sh->tail;
	const unsigned ni = sh->ni, nf = sh->nf, len = sh->len;
	uint64_t w0 = p1i_load8(q), w1 = p1i_load8(q + 8), d0, d1, m;
	struct p1_value *v;
	double x;

	/* digits checked with the exact bytes read as '0': no borrows */
	d0 = ((w0 & ~e0) | (zero & e0)) - zero;
	d1 = ((w1 & ~e1) | (zero & e1)) - zero;
	if (((w0 ^ sh->tmpl[0]) & e0) | ((w1 ^ sh->tmpl[1]) & e1) |
	    ((d0 | (d0 + 0x7676767676767676ull)) & sh->digit[0]) |
	    ((d1 | (d1 + 0x7676767676767676ull)) & sh->digit[1]))
		return NULL;
	m = p1i_value8(w0, ni);
	x = (double)(int64_t)m;
	if (nf) {
		unsigned b = 8 * (ni + 1); /* ni <= 6 */

		m = m * pow10u[nf] + p1i_value8(w0 >> b | w1 << (64 - b), nf);
		x = (double)(int64_t)m / p1i_pow10[nf];
	}
	/*
	 * Its typed value (p1i_num_of() for the code's quantity, which the
	 * shape's unit is): number * 10^e10 where e10 is 0, or where e10 is
	 * the number of decimals: p1i_scale() rounds number * 10^decimals
	 * back to m exactly (m < 2^50), times 10^0.
	 */
	*typed = sh->typed_int ? (double)(int64_t)m : x;
	v = value_slot(sc, o);
	v->number = x;
	v->time = 0;
	m = tail | (uint16_t)(q - sc->t->text); /* off and the rest at once */
	memcpy(&v->off, &m, 8);
	return q + len + 1;
}
#endif

/* Values from p (at a '(') to the line end; returns the next line. */
static inline __attribute__((always_inline)) const char *
values_fast(struct scan *sc, struct p1_object *o, const char *p, unsigned flags)
{
	const char *next, *e;

	while (*p == '(')
		p = value_fast(sc, o, p + 1, flags);
	if (*p == '\r' && p[1] == '\n')
		return p + 2;
	if (*p == '\n')
		return p + 1;
	if (p >= sc->end)
		return p;
	/* Something after the values: the rest of the line, slowly. */
	e = line_end(sc, p, &next);
	values_slow(sc, o, p, e, flags);
	return next;
}

/* 1-3 digits (<= 255) at *pp; returns the byte after them, *pp at it. */
static inline __attribute__((always_inline)) int field(const char **pp,
						       uint8_t *out)
{
	const char *p = *pp;
	unsigned v = (unsigned)(p[0] - '0'), d;

	if (v > 9)
		return -1;
	d = (unsigned)(p[1] - '0');
	if (d > 9) {
		p += 1;
	} else {
		v = v * 10 + d;
		d = (unsigned)(p[2] - '0');
		if (d > 9) {
			p += 2;
		} else {
			v = v * 10 + d;
			p += 3;
			if (v > 255)
				return -1;
		}
	}
	*out = (uint8_t)v;
	*pp = p;
	return (unsigned char)*p;
}

/* "A-B:C.D.E[*F](": returns a pointer to the '(' or NULL. */
static const char *obis_fast(const char *p, struct p1_obis *o, uint16_t *flags)
{
	int c;

	if (p[1] == '-' && p[3] == ':' && is_digit(p[0]) && is_digit(p[2])) {
		/* "1-0:", "0-1:": one digit each, nearly always */
		o->a = (uint8_t)(p[0] - '0');
		o->b = (uint8_t)(p[2] - '0');
		p += 4;
	} else {
		if (field(&p, &o->a) != '-')
			return NULL;
		p++;
		if (field(&p, &o->b) != ':')
			return NULL;
		p++;
	}
	if (field(&p, &o->c) != '.')
		return NULL;
	p++;
	if (field(&p, &o->d) != '.')
		return NULL;
	p++;
	c = field(&p, &o->e);
	o->f = 255;
	*flags = P1_OBJ_OBIS;
	if (c == '*') {
		p++;
		c = field(&p, &o->f);
		*flags |= P1_OBJ_SUFFIX;
	}
	return c == '(' ? p : NULL;
}

#ifdef P1_SWAR
_Static_assert(offsetof(struct p1_object, obis) == 0 &&
		       offsetof(struct p1_object, flags) == 6 &&
		       offsetof(struct p1_object, off) == 8 &&
		       offsetof(struct p1_object, len) == 12 &&
		       offsetof(struct p1_object, first) == 14 &&
		       offsetof(struct p1_object, nvalues) == 16 &&
		       offsetof(struct p1i_code, obis) + 8 <=
			       sizeof(struct p1i_code),
	       "object_known() writes p1_object a word at a time");

/* A line whose code p1i_code_find() knew: p at it, lp at its '('. */
static inline __attribute__((always_inline)) const char *
object_known(struct scan *sc, const char *p, const char *lp,
	     const struct p1i_code *code, struct p1_object **cur,
	     const bool reuse_mode)
{
	struct p1_telegram *t = sc->t;
	struct p1_object *o;
	const char *next;
	uint64_t w;

	if (sc->last)
		finish(sc);
	if (t->nobjects >= P1_MAX_OBJECTS) {
		t->anomalies |= P1_ANOM_OBJECTS;
		*cur = NULL;
		line_end(sc, p, &next);
		return next;
	}
	o = &t->objects[t->nobjects++];
	*cur = o;
	sc->last = o;
	/* obis and flags, then off, len and first: a word each */
	memcpy(&w, &code->obis, 8);
	w = (w & 0xffffffffffffull) | (uint64_t)P1_OBJ_OBIS << 48;
	memcpy(o, &w, 8);
	w = (uint32_t)(p - t->text) | (uint64_t)(lp - p) << 32 |
	    (uint64_t)t->nvalues << 48;
	memcpy(&o->off, &w, 8);
	o->nvalues = 0;
	if (reuse_mode && sc->keep && code->kind == P1I_CODE_NUM)
		keep_num(sc, code);
	if (code->shape) {
		double x;
		const char *e = value_shaped(sc, o, lp + 1,
					     &p1i_shapes[code->shape], &x);

		if (e) {
			/* only plain-number codes have shapes */
			put_shaped(sc, code, x, o->nvalues != 0);
			sc->last = NULL;
			if (e[0] == '\r' && e[1] == '\n')
				return e + 2;
			return values_fast(sc, o, e, 0);
		}
	}
	p = values_fast(sc, o, lp, 0);
	if (code->kind == P1I_CODE_NUM) {
		put_num(sc, o, code);
		sc->last = NULL;
	}
	return p;
}
#endif

static inline __attribute__((always_inline)) const char *
object_fast(struct scan *sc, const char *p, struct p1_object **cur,
	    const bool reuse_mode)
{
	struct p1_obis ob;
	uint16_t flags = P1_OBJ_OBIS;
	const char *lp;
	struct p1_object *o;
	const char *next;

	(void)reuse_mode;
#ifdef P1_SWAR
	{
		const struct p1i_code *code = p1i_code_find(p, &lp);

		if (code)
			return object_known(sc, p, lp, code, cur, reuse_mode);
	}
#endif
	lp = obis_fast(p, &ob, &flags);
	if (!lp)
		return object_slow(sc, p, cur);
	o = new_object(sc, p, lp);
	*cur = o;
	if (!o) {
		line_end(sc, p, &next);
		return next;
	}
	o->obis = ob;
	o->flags = flags;
	return values_fast(sc, o, lp, 0);
}

/* --- reuse (P1_PARSE_REUSE) -------------------------------------------- */

/*
 * With P1_PARSE_REUSE, @t holds the previous result.  Its text is compared
 * with the new input while the input is copied over it, which lists the
 * offsets of the bytes that changed.  An object of the previous telegram
 * whose lines [off, next object's off) (the last one: up to its '!') are
 * byte-identical and sit at the same offset, at the same object index and
 * with its values at the same value index, is still in place in
 * t->objects[] and t->values[] when the parse reaches it (nothing is
 * written beyond the current indexes): it is taken over as it is and only
 * its typed view is redone.  Parsing those bytes again would give exactly
 * that object: the result of a line depends only on its own bytes (and
 * those of its continuation lines), the zone (the same by contract) and
 * the indexes.  Only a previous result without anomalies tied to lines is
 * used, so replayed lines add no anomaly or counter either.
 */
#define REUSE_CHANGES 64 /* changed ranges listed; more: the rest changed */

struct reuse {
	uint32_t nobjects; /* the previous telegram's */
	uint32_t nvalues;
	uint32_t bang;	   /* offset of its '!' */
	uint32_t limit;	   /* bytes from here on count as changed */
	unsigned nchg, at; /* changed ranges listed, the next to look at */
	/* changed bytes: [lo, hi] of each changed 16-byte block, ascending */
	uint16_t lo[REUSE_CHANGES + 1], hi[REUSE_CHANGES + 1]; /* + end */
	uint64_t *kept; /* bit i: object i taken over (p1i_parse_kept()) */
};

/* Objects [i, j) (i < j <= P1_MAX_OBJECTS) were taken over. */
static inline void kept_set(struct reuse *ru, uint32_t i, uint32_t j)
{
	uint32_t w = i / 64, we = (j - 1) / 64;
	uint64_t m = ~0ull << (i % 64);

	for (; w < we; w++, m = ~0ull)
		ru->kept[w] |= m;
	ru->kept[w] |= m & (~0ull >> (63 - (j - 1) % 64));
}

/*
 * The '!' of the previous result's trailer line, found from its end: the
 * line is '!', up to 4 hex digits, blanks, an LF (no P1_ANOM_BAD_TRAILER).
 * Returns 0 if it is not there.
 */
static uint32_t old_bang(const struct p1_telegram *t)
{
	uint32_t i = t->len, k = 0;

	if (i && t->text[i - 1] == '\n')
		i--;
	while (i && is_space(t->text[i - 1]))
		i--;
	while (i && k < 4 && p1_hexval((u8)t->text[i - 1]) >= 0) {
		i--;
		k++;
	}
	if (i < 2 || t->text[i - 1] != '!')
		return 0;
	return i - 1;
}

/*
 * Note the changed bytes of the block at i (bit j of x: byte i + j) as one
 * range (the bytes between count as changed too).  Returns false when the
 * list is full: from the first of them on, everything counts as changed.
 */
static bool changed(struct reuse *ru, uint32_t i, uint64_t x)
{
	if (ru->nchg == REUSE_CHANGES) {
		ru->limit = i + (uint32_t)__builtin_ctzll(x);
		return false;
	}
	ru->lo[ru->nchg] = (uint16_t)(i + (uint32_t)__builtin_ctzll(x));
	ru->hi[ru->nchg++] = (uint16_t)(i + 63 - (uint32_t)__builtin_clzll(x));
	return true;
}

/*
 * Copy n bytes of src into t->text, comparing the first ru->limit (at most
 * n and the previous length) with what was there.
 */
static void copy_diff(struct p1_telegram *t, const char *src, size_t n,
		      struct reuse *ru)
{
	char *dst = t->text;
	uint32_t m = ru->limit, i = 0;
	bool full = false;

#ifdef P1_REUSE_SSE2
	for (; i + 16 <= m; i += 16) {
		__m128i a = _mm_loadu_si128(
			(const __m128i *)(const void *)(src + i));
		__m128i b = _mm_loadu_si128(
			(const __m128i *)(const void *)(dst + i));
		unsigned ne =
			(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, b)) ^
			0xffff;

		_mm_storeu_si128((__m128i *)(void *)(dst + i), a);
		if (__builtin_expect(ne != 0, 0) && !changed(ru, i, ne)) {
			full = true;
			break;
		}
	}
#else
	for (; i + 8 <= m; i += 8) {
		uint64_t a, b, ne = 0;
		unsigned j;

		memcpy(&a, src + i, 8);
		memcpy(&b, dst + i, 8);
		if (a == b)
			continue;
		for (j = 0; j < 8; j++)
			if (src[i + j] != dst[i + j])
				ne |= 1ull << j;
		memcpy(dst + i, &a, 8);
		if (!changed(ru, i, ne)) {
			full = true;
			break;
		}
	}
#endif
	if (!full) { /* the last bytes */
		uint64_t ne = 0;
		unsigned j;

		for (j = 0; i + j < m; j++)
			if (src[i + j] != dst[i + j])
				ne |= 1ull << j;
		if (ne)
			changed(ru, i, ne);
	}
	memcpy(dst + i, src + i, n - i);
	ru->lo[ru->nchg] = 0xffff; /* beyond any offset: no bound checks */
	ru->hi[ru->nchg] = 0xffff;
}

/*
 * At a line start p, the next object index: take the previous telegram's
 * objects from there on while their lines are unchanged.  Returns where
 * the parse goes on (p when nothing was taken).  Every index taken from
 * the old result is checked, whatever the caller did to it.  When the old
 * objects no longer line up with the new text, *on is cleared: they
 * seldom line up again.
 */
static inline __attribute__((always_inline)) const char *
replay(struct scan *sc, struct reuse *ru, const char *p, struct p1_object **cur,
       bool *on)
{
	struct p1_telegram *t = sc->t;
	uint32_t i = t->nobjects, a = (uint32_t)(p - t->text), b, k;
	struct p1_object *o;

	if (i >= ru->nobjects || a >= ru->limit) {
		*on = false;
		return p;
	}
	o = &t->objects[i];
	if (o->off != a || o->first != t->nvalues) {
		*on = false;
		return p;
	}
	if (sc->keep) {
		/* the typed view is in place: only the lines to check.  The
		 * first change at or after a ends the run (it cannot move on
		 * while lines before it are taken) */
		uint32_t nv = t->nvalues, at = ru->at, end, until;

		while (ru->hi[at] < a)
			at++;
		until = ru->lo[at]; /* < a: in a change, nothing is taken */
		if (until > ru->limit)
			until = ru->limit;
		for (;;) {
			end = (uint32_t)o->first + o->nvalues;
			b = i + 1 < ru->nobjects ? o[1].off : ru->bang;
			if (end > ru->nvalues || b <= a || b > until)
				break;
			nv = end;
			a = b;
			i++;
			if (i >= ru->nobjects || o[1].first != nv)
				break;
			o++;
		}
		ru->at = at;
		if (i == t->nobjects)
			return p;
		kept_set(ru, t->nobjects, i);
		if (sc->last)
			finish(sc);
		*cur = &t->objects[i - 1];
		t->nobjects = i;
		t->nvalues = nv;
		return t->text + a;
	}
	for (;;) {
		if ((uint32_t)o->first + o->nvalues > ru->nvalues)
			break;
		b = i + 1 < ru->nobjects ? t->objects[i + 1].off : ru->bang;
		if (b <= a || b > ru->limit)
			break;
		while (ru->hi[ru->at] < a)
			ru->at++;
		if (ru->lo[ru->at] < b)
			break;
		if (sc->last)
			finish(sc);
#ifdef P1_SWAR
		{
			const char *lp;
			const struct p1i_code *code =
				p1i_code_find(t->text + a, &lp);

			if (code && code->kind == P1I_CODE_NUM) {
				/* put_num() reads no text; a plain number
				 * has no timestamp worth a cache slot */
				t->nobjects++;
				t->nvalues += o->nvalues;
				put_num(sc, o, code);
				goto next;
			}
		}
#endif
		/* p1i_typed_obj() reads the values' text: in the lines */
		for (k = 0; k < o->nvalues; k++) {
			const struct p1_value *v = &t->values[o->first + k];

			if (v->off < a || v->off + v->len > b ||
			    v->unit_len > v->len)
				goto out;
			/* the timestamp cache slots the parse would use */
			sc->stamps += v->len == 13 && (v->flags & P1_VAL_TIME);
		}
		t->nobjects++;
		t->nvalues += o->nvalues;
		sc->last = o;
#ifdef P1_SWAR
	next:
#endif
		kept_set(ru, i, i + 1);
		*cur = o;
		a = b;
		if (++i >= ru->nobjects)
			break;
		o++;
		if (o->first != t->nvalues)
			break;
	}
out:
	return t->text + a;
}

/* Whether the previous result in t can be reused: set up ru. */
static bool reuse_start(const struct p1_telegram *t, size_t n, struct reuse *ru)
{
	memset(ru, 0, offsetof(struct reuse, lo));
	if ((t->anomalies & ~P1_ANOM_GARBAGE) || t->bad_lines || t->bad_times ||
	    !t->nobjects || t->nobjects > P1_MAX_OBJECTS ||
	    t->nvalues > P1_MAX_VALUES || t->len > P1_MAX_TELEGRAM ||
	    t->header_off != 1)
		return false;
	ru->bang = old_bang(t);
	if (!ru->bang)
		return false;
	ru->nobjects = t->nobjects;
	ru->nvalues = t->nvalues;
	ru->limit = (uint32_t)(n < t->len ? n : t->len);
	return true;
}

/* --- telegram --------------------------------------------------------- */

/* The '!' line: p at '!', e at the line end (CR dropped). */
static inline __attribute__((always_inline)) void
trailer(struct p1_telegram *t, const char *p, const char *e,
	const struct p1_parse_opts *opts)
{
	const char *q = p + 1;
	unsigned nd = 0, crc = 0;
	int h;

	while (q < e && nd < 4 && (h = p1_hexval((u8)*q)) >= 0) {
		crc = crc << 4 | (unsigned)h;
		q++;
		nd++;
	}
	if (q != e)
		t->anomalies |= P1_ANOM_BAD_TRAILER;
	t->has_crc = nd != 0;
	t->crc_rx = (uint16_t)crc;
	if (opts && (opts->flags & P1_PARSE_CRC_GIVEN)) {
		t->crc = opts->crc <= P1_CRC_UNCHECKED ? (uint8_t)opts->crc
						       : P1_CRC_UNCHECKED;
		return;
	}
	t->crc_calc =
		p1_crc16(0, (const u8 *)t->text, (size_t)(p + 1 - t->text));
	if (!nd)
		t->crc = P1_CRC_NONE;
	else
		t->crc = t->crc_calc == crc ? P1_CRC_OK : P1_CRC_BAD;
}

static void reset(struct p1_telegram *t)
{
	t->crc = P1_CRC_UNCHECKED;
	t->has_crc = false;
	t->crc_rx = 0;
	t->crc_calc = 0;
	t->anomalies = 0;
	t->bad_lines = 0;
	t->bad_times = 0;
	t->header_off = 0;
	t->header_len = 0;
	t->len = 0;
	t->nobjects = 0;
	t->nvalues = 0;
}

/* p1_parse(), once as it is and once with P1_PARSE_REUSE (reuse_mode). */
static inline __attribute__((always_inline)) int
parse(const void *buf, size_t len, struct p1_telegram *t,
      const struct p1_parse_opts *opts, const bool reuse_mode, uint64_t *kept)
{
	struct scan sc = {.t = t, .zone = P1_ZONE_AMSTERDAM};
	const char *src = buf, *start, *p, *e, *next;
	struct p1_object *cur = NULL;
	struct reuse ru;
	bool reuse = false, has_crc = false, import1 = false;
	uint32_t anom = 0, header_len = 0;
	size_t n;

	if (opts && opts->zone <= P1_ZONE_UTC)
		sc.zone = opts->zone;
	start = src && len ? memchr(src, '/', len) : NULL;
	if (!start) {
		reset(t);
		reset_data(&t->data);
		t->text[0] = 0;
		t->anomalies = P1_ANOM_NO_HEADER;
		return -1;
	}
	if (start != src)
		anom |= P1_ANOM_GARBAGE;
	n = len - (size_t)(start - src);
	if (n > P1_MAX_TELEGRAM) {
		n = P1_MAX_TELEGRAM;
		anom |= P1_ANOM_OVERSIZE;
	}
	ru.nobjects = 0;
	if (reuse_mode) {
		memset(kept, 0, P1_MAX_OBJECTS / 64 * sizeof(*kept));
		reuse = reuse_start(t, n, &ru);
		ru.kept = kept;
	}
	if (reuse_mode && reuse) {
		sc.keep = true;
		has_crc = t->has_crc;
		import1 = t->data.elec.energy_import[1].present;
		header_len = t->header_len;
	} else {
		reset_data(&t->data);
	}
	reset(t);
	t->anomalies = anom;
	if (reuse_mode && reuse)
		copy_diff(t, start, n, &ru);
	else
		memcpy(t->text, start, n);
	memset(t->text + n, 0, 16); /* lets the fast path look ahead */
	sc.end = t->text + n;

	/* Identification line. */
	p = t->text + 1;
	e = line_end(&sc, p, &next);
	t->header_off = 1;
	t->header_len = (uint32_t)(e - p);
	p = next;
	/* the family guess reads the identification */
	if (reuse_mode && sc.keep &&
	    (t->header_len != header_len ||
	     (ru.nchg && ru.lo[0] <= header_len + 1) || ru.limit <= header_len))
		keep_off(&sc);

	t->anomalies |= P1_ANOM_NO_END;
	while (p < sc.end) {
		char c = *p;

		if (is_digit(c)) {
			if (reuse_mode && reuse) {
				const char *q =
					replay(&sc, &ru, p, &cur, &reuse);

				if (q != p) {
					p = q;
					continue;
				}
			}
			if (reuse_mode && sc.keep) {
				uint32_t i = t->nobjects;

				if (i < ru.nobjects) {
					struct p1_obis ob = t->objects[i].obis;
					uint16_t fl = t->objects[i].flags;

					p = object_fast(&sc, p, &cur,
							reuse_mode);
					keep_check(&sc, i, &ob, fl);
					continue;
				}
				keep_off(&sc);
			}
			p = object_fast(&sc, p, &cur, reuse_mode);
		} else if (c == '\n' || is_space(c)) {
			p++;
		} else if (c == '(') {
			if (reuse_mode && sc.keep) {
				/* cur (taken over or a plain number) gets
				 * more values: its typed view comes after */
				if (cur && !sc.last)
					sc.last = cur;
				keep_off(&sc);
			}
			if (reuse_mode && cur) { /* not as it was */
				uint32_t k = (uint32_t)(cur - t->objects);

				kept[k / 64] &= ~(1ull << (k % 64));
			}
			if (cur) {
				p = values_fast(&sc, cur, p, P1_VAL_NEXT_LINE);
			} else {
				t->bad_lines++;
				t->anomalies |= P1_ANOM_BAD_LINE;
				line_end(&sc, p, &p);
			}
		} else if (c == '!') {
			e = line_end(&sc, p, &next);
			trailer(t, p, e, opts);
			t->anomalies &= ~P1_ANOM_NO_END;
			sc.end = next;
			break;
		} else {
			if (reuse_mode && sc.keep)
				keep_off(&sc);
			p = object_slow(&sc, p, &cur);
		}
	}
	t->len = (uint32_t)(sc.end - t->text);
	t->text[t->len] = 0;
	if (sc.last)
		finish(&sc);
	if (reuse_mode && sc.keep) {
		if (keep_end(&sc, ru.nobjects, has_crc, import1))
			return 0;
		keep_off(&sc);
	}
	p1i_typed_end(t, &sc.seen);
	return 0;
}

static __attribute__((noinline)) int
parse_reuse(const void *buf, size_t len, struct p1_telegram *t,
	    const struct p1_parse_opts *opts, uint64_t *kept)
{
	return parse(buf, len, t, opts, true, kept);
}

int p1_parse(const void *buf, size_t len, struct p1_telegram *t,
	     const struct p1_parse_opts *opts)
{
	uint64_t kept[P1_MAX_OBJECTS / 64];

	if (opts && (opts->flags & P1_PARSE_REUSE))
		return parse_reuse(buf, len, t, opts, kept);
	return parse(buf, len, t, opts, false, NULL);
}

/* For the JSON writer's p1i_json_into_prev() (p1_json.h). */
int p1i_parse_kept(const void *buf, size_t len, struct p1_telegram *t,
		   const struct p1_parse_opts *opts, struct p1i_json_prev *jp)
{
	jp->parses++;
	if (opts && (opts->flags & P1_PARSE_REUSE))
		return parse_reuse(buf, len, t, opts, jp->kept);
	memset(jp->kept, 0, sizeof(jp->kept));
	return parse(buf, len, t, opts, false, NULL);
}
