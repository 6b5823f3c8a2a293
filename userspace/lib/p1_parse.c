// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_parse.c - split a telegram into COSEM objects and values.
 *
 * One pass over a private, NUL-terminated copy of the telegram.  Lines are
 * the header, objects "A-B:C.D.E(v)(v)...", continuation lines "(v)" (DSMR
 * 2.2 puts the gas reading there) that extend the object above, and the
 * '!' line with the CRC.
 *
 * The fast path reads a well-formed line in a single sweep: the OBIS code
 * digit by digit, then each value while parsing it as a number (or a
 * timestamp) on the way to its ')'.  Anything unusual (spaces, junk
 * between values, codes that are not OBIS, digits beyond what a double
 * holds, ...) drops that line or value to the slow path, which finds the
 * line end first and then parses within it.  Both paths give the same
 * result for well-formed input.  The typed view is derived afterwards
 * (p1_typed.c).
 *
 * Any byte is allowed anywhere: lines end at LF (a CR before it is
 * dropped), values at ')' or the line end.  The digit loops stop at the
 * terminating NUL at the latest.
 */
#include <math.h>
#include <string.h>

#include "p1_framer.h"
#include "p1_internal.h"

struct scan {
	struct p1_telegram *t;
	const char *end; /* end of the text; *end == 0 */
	unsigned zone;
	struct p1_value scratch; /* where values go when the pool is full */
};

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

/*
 * Digit runs, eight bytes at a time where the byte order allows: the text
 * buffer has 8 zero bytes after the telegram, so the loads stay inside.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static const uint64_t pow10u[9] = {1,	   10,	    100,      1000,	10000,
				   100000, 1000000, 10000000, 100000000};

/* How many of the 8 bytes of v (first byte lowest) lead as digits. */
static unsigned digits8(uint64_t v)
{
	const uint64_t hi = 0xf0f0f0f0f0f0f0f0ull, z = 0x3030303030303030ull;
	/* A byte is a digit iff it and it + 6 both look like 0x3?. */
	uint64_t bad =
		((v & hi) ^ z) | (((v + 0x0606060606060606ull) & hi) ^ z);

	return bad ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
}

/* The value of the k (1..8) leading digits of v. */
static uint64_t value8(uint64_t v, unsigned k)
{
	uint64_t x = (v - 0x3030303030303030ull) << (8 * (8 - k));

	x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffull;
	x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffull;
	return (x * 10000 + (x >> 32)) & 0xffffffffull;
}

/* Digits at p into *m (which may wrap past 19 digits); returns the end. */
static inline __attribute__((always_inline)) const char *
digit_run(const char *p, uint64_t *m)
{
	for (;;) {
		uint64_t v;
		unsigned k;

		memcpy(&v, p, 8);
		k = digits8(v);
		if (!k)
			return p;
		*m = *m * pow10u[k] + value8(v, k);
		p += k;
		if (k < 8)
			return p;
	}
}
#else
static inline __attribute__((always_inline)) const char *
digit_run(const char *p, uint64_t *m)
{
	while (is_digit(*p))
		*m = *m * 10 + (unsigned)(*p++ - '0');
	return p;
}
#endif

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
		r = p1i_tst(s, n, sc->zone, &v->time);
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
		v->flags |= P1_VAL_NUMBER | P1_VAL_UNIT;
	} else {
		if (!p1i_parse_number(s, n, &v->number, &dec))
			return;
		v->flags |= P1_VAL_NUMBER;
	}
	v->decimals = (uint8_t)dec;
}

/* A new value slot of @o, or a scratch one when the pool is full. */
static struct p1_value *new_value(struct scan *sc, struct p1_object *o,
				  const char *s, unsigned flags)
{
	struct p1_telegram *t = sc->t;
	struct p1_value *v = &sc->scratch;

	if (t->nvalues < P1_MAX_VALUES) {
		v = &t->values[t->nvalues++];
		o->nvalues++;
	} else {
		t->anomalies |= P1_ANOM_VALUES;
		o->flags |= P1_OBJ_TRUNCATED;
	}
	v->number = 0;
	v->time = 0;
	v->off = (uint16_t)(s - t->text);
	v->len = 0;
	v->unit_len = 0;
	v->decimals = 0;
	v->flags = (uint8_t)flags;
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

static struct p1_object *new_object(struct scan *sc, const char *s,
				    const char *e)
{
	struct p1_telegram *t = sc->t;
	struct p1_object *o;

	if (t->nobjects >= P1_MAX_OBJECTS) {
		t->anomalies |= P1_ANOM_OBJECTS;
		return NULL;
	}
	o = &t->objects[t->nobjects++];
	o->flags = 0;
	o->off = (uint32_t)(s - t->text);
	o->len = (uint16_t)(e - s);
	o->first = (uint16_t)t->nvalues;
	o->nvalues = 0;
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

/* One value, p just after its '('.  Returns where the value ends: after
 * its ')', or at the LF / end of text if it has none. */
static const char *value_fast(struct scan *sc, struct p1_object *o,
			      const char *p, unsigned flags)
{
	struct p1_value *v = new_value(sc, o, p, flags);
	const char *s = p, *d0, *e;
	uint64_t m = 0;
	size_t nint, nfrac = 0, nd;
	bool neg = false;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	d0 = p;
	p = digit_run(p, &m);
	nint = (size_t)(p - d0);
	if (*p == '.') {
		const char *f0 = ++p;

		p = digit_run(p, &m);
		nfrac = (size_t)(p - f0);
	}
	nd = nint + nfrac;
	if (nd - 1 < 19 && (*p == ')' || *p == '*')) {
		double x = (double)m;

		if (nfrac)
			x /= p1i_pow10[nfrac];
		if (*p == ')') {
			v->number = neg ? -x : x;
			v->decimals = (uint8_t)nfrac;
			v->flags |= P1_VAL_NUMBER;
			v->len = (uint16_t)(p - s);
			return p + 1;
		}
		e = to_close(sc, ++p);
		if (*e == ')' && e > p && e - p <= 32) {
			v->number = neg ? -x : x;
			v->decimals = (uint8_t)nfrac;
			v->unit_len = (uint8_t)(e - p);
			v->flags |= P1_VAL_NUMBER | P1_VAL_UNIT;
			v->len = (uint16_t)(e - s);
			return e + 1;
		}
		p = e;
	} else if (nint == 12 && !nfrac && d0 == s &&
		   (*p == 'S' || *p == 'W') && p[1] == ')') {
		int r = p1i_tst_digits(s, *p, sc->zone, &v->time);

		if (r == 0)
			v->flags |= *p == 'S' ? P1_VAL_TIME | P1_VAL_DST
					      : P1_VAL_TIME;
		else
			bad_time(sc->t, v);
		v->len = 13;
		return p + 2;
	} else if (nd > 19 && *p == ')') {
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

/* Values from p (at a '(') to the line end; returns the next line. */
static const char *values_fast(struct scan *sc, struct p1_object *o,
			       const char *p, unsigned flags)
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

/* Read an OBIS field of 1-3 digits ending at @sep. */
#define FIELD(dst, sep)                                                        \
	do {                                                                   \
		unsigned v_ = (unsigned)(*p - '0'), n_ = 1;                    \
		if (v_ > 9)                                                    \
			return NULL;                                           \
		while (is_digit(*++p) && n_++ < 3)                             \
			v_ = v_ * 10 + (unsigned)(*p - '0');                   \
		if (v_ > 255 || *p != (sep))                                   \
			return NULL;                                           \
		(dst) = (uint8_t)v_;                                           \
	} while (0)

/* "A-B:C.D.E[*F](": returns a pointer to the '(' or NULL. */
static const char *obis_fast(const char *p, struct p1_obis *o, uint16_t *flags)
{
	unsigned v, n;

	FIELD(o->a, '-');
	p++;
	FIELD(o->b, ':');
	p++;
	FIELD(o->c, '.');
	p++;
	FIELD(o->d, '.');
	p++;
	/* E, then '(' or "*F(" */
	v = (unsigned)(*p - '0');
	if (v > 9)
		return NULL;
	for (n = 1; is_digit(*++p) && n < 3; n++)
		v = v * 10 + (unsigned)(*p - '0');
	if (v > 255)
		return NULL;
	o->e = (uint8_t)v;
	o->f = 255;
	*flags = P1_OBJ_OBIS;
	if (*p == '*') {
		p++;
		FIELD(o->f, '(');
		*flags |= P1_OBJ_SUFFIX;
	}
	return *p == '(' ? p : NULL;
}

static const char *object_fast(struct scan *sc, const char *p,
			       struct p1_object **cur)
{
	struct p1_obis ob;
	uint16_t flags;
	const char *lp = obis_fast(p, &ob, &flags);
	struct p1_object *o;
	const char *next;

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

/* --- telegram --------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The '!' line: p at '!', e at the line end (CR dropped). */
static void trailer(struct p1_telegram *t, const char *p, const char *e,
		    const struct p1_parse_opts *opts)
{
	const char *q = p + 1;
	unsigned nd = 0, crc = 0;
	int h;

	while (q < e && nd < 4 && (h = hexval(*q)) >= 0) {
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
	t->text[0] = 0;
	memset(&t->data, 0, sizeof(t->data));
}

int p1_parse(const void *buf, size_t len, struct p1_telegram *t,
	     const struct p1_parse_opts *opts)
{
	struct scan sc = {.t = t, .zone = P1_ZONE_AMSTERDAM};
	const char *src = buf, *start, *p, *e, *next;
	struct p1_object *cur = NULL;
	size_t n;

	if (opts && opts->zone <= P1_ZONE_UTC)
		sc.zone = opts->zone;
	reset(t);
	start = src && len ? memchr(src, '/', len) : NULL;
	if (!start) {
		t->anomalies = P1_ANOM_NO_HEADER;
		return -1;
	}
	if (start != src)
		t->anomalies |= P1_ANOM_GARBAGE;
	n = len - (size_t)(start - src);
	if (n > P1_MAX_TELEGRAM) {
		n = P1_MAX_TELEGRAM;
		t->anomalies |= P1_ANOM_OVERSIZE;
	}
	memcpy(t->text, start, n);
	memset(t->text + n, 0, 8);
	sc.end = t->text + n;

	/* Identification line. */
	p = t->text + 1;
	e = line_end(&sc, p, &next);
	t->header_off = 1;
	t->header_len = (uint32_t)(e - p);
	p = next;

	t->anomalies |= P1_ANOM_NO_END;
	while (p < sc.end) {
		char c = *p;

		if (is_digit(c)) {
			p = object_fast(&sc, p, &cur);
		} else if (c == '\n' || is_space(c)) {
			p++;
		} else if (c == '(') {
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
			p = object_slow(&sc, p, &cur);
		}
	}
	t->len = (uint32_t)(sc.end - t->text);
	t->text[t->len] = 0;
	p1i_typed(t, sc.zone);
	return 0;
}
