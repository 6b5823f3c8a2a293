// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_json.c - a parsed telegram as one JSON object (format: see
 * docs/libp1.md).  Output goes through a staging buffer to the caller's
 * callback; nothing is allocated.
 *
 * Speed: a piece of bounded size (a key and a number, an object of the
 * generic list with its first value, a phase, ...) is written straight
 * into the staging buffer after one check that its room is free; keys are
 * literals copied with a constant size; strings from the telegram are
 * checked sixteen bytes at a time (SSE2, or the compiler's vectors) and
 * copied whole when nothing in them needs escaping.  What the telegram
 * sent is copied rather than formatted where that gives the same text: a
 * canonical OBIS code, a number's digits (leading zeros dropped), the
 * first 15 digits of a long digit string when its double rounds to them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "p1_fmt.h"
#include "p1_internal.h"
#include "p1_json.h"

/* P1_JSON_PORTABLE: the writer without SSE2 and without the eight-bytes-
 * at-a-time paths (what big-endian hosts build), to test them here. */
#ifdef P1_JSON_PORTABLE
#undef P1_SWAR
#endif

#define JW_BUF	4096
#define JW_ROOM 256 /* the most one bounded piece below writes */

struct jw {
	p1_write_fn fn;
	void *ctx;
	int err;
	char *p;   /* next byte of buf */
	char *buf; /* own, or the caller's (p1i_json_into()) */
	char *end;
	struct p1i_json_prev *jp; /* p1i_json_into_prev(): contiguous buf */
	char own[JW_BUF];
};

static void flush(struct jw *w)
{
	if (w->p > w->buf && !w->err)
		w->err = w->fn(w->ctx, w->buf, (size_t)(w->p - w->buf));
	w->p = w->buf;
}

/* Room for n (<= JW_BUF) more bytes at w->p; returns w->p. */
static inline char *room(struct jw *w, size_t n)
{
	if ((size_t)(w->end - w->p) < n)
		flush(w);
	return w->p;
}

static void put_slow(struct jw *w, const char *s, size_t n)
{
	if (w->err)
		return;
	flush(w);
	if (n > (size_t)(w->end - w->buf)) {
		if (!w->err)
			w->err = w->fn(w->ctx, s, n);
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

static inline void put(struct jw *w, const char *s, size_t n)
{
	if (n <= (size_t)(w->end - w->p)) {
		memcpy(w->p, s, n);
		w->p += n;
	} else {
		put_slow(w, s, n);
	}
}

/* Literal text at p (room already made): a constant-size copy. */
#define LIT(p, s) (memcpy(p, s, sizeof(s) - 1), (p) + sizeof(s) - 1)

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0; /* overlong, surrogate, above U+10FFFF */
	return len;
}

/* Bytes copied as they are in a JSON string: printable ASCII but " \\ */
#define PLAIN16(c) ((c) >= 0x20 && (c) < 0x7f && (c) != '"' && (c) != '\\')
#define PLAIN4(c)                                                              \
	PLAIN16(c), PLAIN16((c) + 1), PLAIN16((c) + 2), PLAIN16((c) + 3)
#define PLAIN16X(c)                                                            \
	PLAIN4(c), PLAIN4((c) + 4), PLAIN4((c) + 8), PLAIN4((c) + 12)
static const bool plain[256] = {
	PLAIN16X(0x00), PLAIN16X(0x10), PLAIN16X(0x20), PLAIN16X(0x30),
	PLAIN16X(0x40), PLAIN16X(0x50), PLAIN16X(0x60), PLAIN16X(0x70),
};

static inline unsigned special_mask16(const char *s, size_t n);

/* s[0..n) escaped at p, quoted (6 n + 18 bytes of room); returns the end.
 * wide: 16 bytes readable past s + n, runs copied 16 bytes at a time. */
static char *esc_at(char *p, const char *s, size_t n, bool wide)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *q = (const unsigned char *)s;
	size_t i = 0, l;

	*p++ = '"';
	while (i < n) {
		unsigned c;

		if (wide) {
			size_t k = n - i < 16 ? n - i : 16;
			unsigned m = special_mask16(s + i, k);
			size_t z = m ? (size_t)__builtin_ctz(m) : k;

			memcpy(p, s + i, 16);
			p += z;
			i += z;
			if (!m)
				continue;
		}
		c = q[i];
		if (plain[c]) {
			*p++ = (char)c;
			i++;
			continue;
		}
		if (c >= 0x80 && (l = utf8_seq(q + i, n - i))) {
			memcpy(p, q + i, l);
			p += l;
			i += l;
			continue;
		}
		*p++ = '\\';
		switch (c) {
		case '"':
		case '\\':
			*p++ = (char)c;
			break;
		case '\n':
			*p++ = 'n';
			break;
		case '\r':
			*p++ = 'r';
			break;
		case '\t':
			*p++ = 't';
			break;
		default:
			memcpy(p, "u00", 3);
			p[3] = hex[c >> 4];
			p[4] = hex[c & 15];
			p += 5;
			break;
		}
		i++;
	}
	*p++ = '"';
	return p;
}

/* The room esc_at() may want for JW_ROOM bytes. */
#define ESC_ROOM (6 * JW_ROOM + 18)

/* Any string, escaped byte by byte: short ones straight into the room
 * their longest escaping needs, longer ones a run at a time. */
static void str(struct jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	if (n <= JW_ROOM) {
		w->p = esc_at(room(w, ESC_ROOM), s, n, false);
		return;
	}
	put(w, "\"", 1);
	while (i < n) {
		unsigned c;
		size_t l = 1;
		char esc[6];
		const char *e = NULL;
		size_t el = 2;

		if (plain[p[i]]) {
			size_t j = i + 1;

			while (j < n && plain[p[j]])
				j++;
			run += j - i;
			i = j;
			continue;
		}
		c = p[i];
		if (c >= 0x80) {
			l = utf8_seq(p + i, n - i);
			if (l) {
				i += l;
				run += l;
				continue;
			}
		}
		put(w, (const char *)p + i - run, run);
		run = 0;
		switch (c) {
		case '"':
			e = "\\\"";
			break;
		case '\\':
			e = "\\\\";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\r':
			e = "\\r";
			break;
		case '\t':
			e = "\\t";
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			e = esc;
			el = 6;
			break;
		}
		put(w, e, el);
		i++;
	}
	put(w, (const char *)p + i - run, run);
	put(w, "\"", 1);
}

#if defined(__SSE2__) && !defined(P1_JSON_PORTABLE)
#include <emmintrin.h>

/* Which of s[0..n) (n <= 16; 16 bytes readable) need escaping or a UTF-8
 * check: < 0x20, >= 0x7f, '"' or '\\' (bit i for s[i]). */
static inline unsigned special_mask16(const char *s, size_t n)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
	/* signed: 0x80..0xff are below 0x20 too */
	__m128i m = _mm_or_si128(
		_mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
			     _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))),
		_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
			     _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));

	return (unsigned)_mm_movemask_epi8(m) & (0xffffu >> (16 - n));
}

/* Whether s[0..n) (n <= 16; 16 bytes readable) has such a byte. */
static inline bool special16(const char *s, size_t n)
{
	return special_mask16(s, n) != 0;
}
#else
/* Sixteen bytes at a time (GCC/clang vector extension: NEON, or plain
 * integer code elsewhere). */
typedef unsigned char p1_v16 __attribute__((vector_size(16)));

/* Whether s[0..n) (n <= 16; 16 bytes readable) has a byte that needs
 * escaping or a UTF-8 check: < 0x20, >= 0x7f, '"' or '\\'. */
static inline bool special16(const char *s, size_t n)
{
	static const p1_v16 idx = {0, 1, 2,  3,	 4,  5,	 6,  7,
				   8, 9, 10, 11, 12, 13, 14, 15};
	uint64_t u[2];
	p1_v16 x, m;

	memcpy(&x, s, 16);
	m = (p1_v16)((x < 0x20) | (x >= 0x7f) | (x == '"') | (x == '\\')) &
	    (p1_v16)(idx < (unsigned char)n);
	memcpy(u, &m, 16);
	return u[0] | u[1];
}

/* special16() as a mask (bit i for s[i]). */
static inline unsigned special_mask16(const char *s, size_t n)
{
	unsigned m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m |= (unsigned)!plain[(unsigned char)s[i]] << i;
	return m;
}
#endif

/* Whether s[0..n) has such a byte (n + 16 bytes readable). */
static inline bool special(const char *s, size_t n)
{
	size_t i;

	for (i = 0; n - i > 16; i += 16)
		if (special16(s + i, 16))
			return true;
	return special16(s + i, n - i);
}

/*
 * s[0..n) as a JSON string where the bytes up to lim may be read (lim >=
 * s + n): strings with nothing to escape (nearly all) are checked and
 * copied sixteen bytes at a time.
 */
static inline __attribute__((always_inline)) bool
plain_in(const char *s, size_t n, const char *lim)
{
	if (n > JW_ROOM - 32 || s > lim || (size_t)(lim - s) < n + 16)
		return false;
	return !special(s, n);
}

/* A string plain_in() accepted, quoted, at p (n + 32 bytes of room). */
static inline char *plain_at(char *p, const char *s, size_t n)
{
	size_t i;

	*p++ = '"';
	for (i = 0; i < n; i += 16)
		memcpy(p + i, s + i, 16);
	p[n] = '"';
	return p + n + 1;
}

static void str_in(struct jw *w, const char *s, size_t n, const char *lim)
{
	if (plain_in(s, n, lim))
		w->p = plain_at(room(w, n + 32), s, n);
	else if (n <= JW_ROOM && s <= lim && (size_t)(lim - s) >= n + 16)
		w->p = esc_at(room(w, ESC_ROOM), s, n, true);
	else
		str(w, s, n);
}

/* One of libp1's own names (plain ASCII, a few bytes), quoted: copied a
 * byte at a time up to JW_ROOM - 2 bytes (cheaper than strlen() and
 * memcpy() for these), the rest (never, today) escaped. */
static void name(struct jw *w, const char *s)
{
	char *p = room(w, JW_ROOM), *e = p + JW_ROOM - 1;

	*p++ = '"';
	while (*s && p < e)
		*p++ = *s++;
	if (*s) { /* longer: all of it the general way */
		s -= p - 1 - w->p;
		str(w, s, strlen(s));
		return;
	}
	*p++ = '"';
	w->p = p;
}

/* A string of the telegram's text. */
#define str_text(w, t, s, n) str_in(w, s, n, (t)->text + sizeof((t)->text))
/* A NUL-terminated string in the char array a[size] (size <= 16, a
 * constant): copied first into zeros, so that sixteen bytes past its end
 * are there to read and the fast path takes it. */
static inline __attribute__((always_inline)) void
str_small(struct jw *w, const char *a, size_t size)
{
	char b[32] = {0};

	memcpy(b, a, size);
	str_in(w, b, strnlen(b, size), b + sizeof(b));
}

/* A NUL-terminated string in the char array a. */
#define str_array(w, a)                                                        \
	(sizeof(a) <= 16                                                       \
		 ? str_small(w, a, sizeof(a))                                  \
		 : str_in(w, a, strnlen(a, sizeof(a)), (a) + sizeof(a)))

/* ,"name": or "name": when it is the first member (*f) */
#define KEY(p, f, k)                                                           \
	(*(f) ? (*(f) = false, LIT(p, "\"" k "\":")) : LIT(p, ",\"" k "\":"))

/* x at p (20 bytes of room, one more below 10): 0..99 from the table. */
static inline char *u64_at(char *p, uint64_t x)
{
	if (x < 100) {
		memcpy(p, p1i_digits2 + 2 * x + (x < 10), 2);
		return p + 1 + (x >= 10);
	}
	return p + p1i_fmt_u64(p, x);
}

static inline char *i64_at(char *p, int64_t x)
{
	if (x < 0) {
		*p++ = '-';
		return u64_at(p, 0 - (uint64_t)x);
	}
	return u64_at(p, (uint64_t)x);
}

/* Shortest form for the usual values: integers exactly, else %.15g. */
static char *dbl_slow(char *p, double x)
{
	if (!isfinite(x))
		return LIT(p, "null");
	if (x > -9007199254740992.0 && x < 9007199254740992.0 &&
	    x == (double)(int64_t)x && !(x == 0 && signbit(x)))
		return i64_at(p, (int64_t)x);
	return p + p1i_fmt_g15(p, x);
}

/* p1i_fmt_g15() of x in (0, 1e15), not an integer: three decimals or
 * fewer (most readings) without its call. */
static char *dbl_frac(char *p, double x)
{
	size_t n = x >= 1e-3 && x < 1e12 ? p1i_fmt_dec3(p, x, x) : 0;

	return p + (n ? n : p1i_fmt_g15(p, x));
}

/* dbl_slow() with the usual case first: an integer in [0, 10^15). */
static inline char *dbl_at(char *p, double x)
{
	if (x >= 0 && x < 1e15) {
		int64_t i = (int64_t)x; /* exact in range: no 2^63 case */

		if ((double)i == x && (i || !signbit(x)))
			return u64_at(p, (uint64_t)i);
		if ((double)i != x) /* what dbl_slow() would do */
			return dbl_frac(p, x);
	}
	return dbl_slow(p, x);
}

#define knum(w, f, k, n)                                                       \
	do {                                                                   \
		const struct p1_num *n_ = (n);                                 \
		if (n_->present) {                                             \
			char *p_ = room(w, JW_ROOM);                           \
			p_ = KEY(p_, f, k);                                    \
			(w)->p = dbl_at(p_, n_->value);                        \
		}                                                              \
	} while (0)

#define ktime(w, f, k, tm)                                                     \
	do {                                                                   \
		const struct p1_time *t_ = (tm);                               \
		if (t_->present) {                                             \
			char *p_ = room(w, JW_ROOM);                           \
			p_ = KEY(p_, f, k);                                    \
			(w)->p = t_->valid ? i64_at(p_, t_->t)                 \
					   : LIT(p_, "null");                  \
		}                                                              \
	} while (0)

#define ki64(w, f, k, x)                                                       \
	do {                                                                   \
		char *p_ = room(w, JW_ROOM);                                   \
		p_ = KEY(p_, f, k);                                            \
		(w)->p = i64_at(p_, x);                                        \
	} while (0)

/* The key of a string member; the string follows. */
#define kkey(w, f, k)                                                          \
	do {                                                                   \
		char *p_ = room(w, JW_ROOM);                                   \
		(w)->p = KEY(p_, f, k);                                        \
	} while (0)

#ifdef P1_SWAR
/* The eight bytes at s as a number, if all are digits. */
static inline bool digits8(const char *s, uint64_t *out)
{
	uint64_t x = p1i_load8(s);

	/* '0'..'9': high nibble 3, and still 3 with 6 added to the low */
	if ((x & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull ||
	    ((x + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) !=
		    0x3030303030303030ull)
		return false;
	x -= 0x3030303030303030ull;
	x = x * 10 + (x >> 8); /* pairs: first digit in the low byte */
	x = (((x & 0x000000ff000000ffull) * (100 + (1000000ull << 32))) +
	     (((x >> 16) & 0x000000ff000000ffull) * (1 + (10000ull << 32)))) >>
	    32;
	*out = x;
	return true;
}
#endif

/*
 * An integer of nd digits (18 <= nd <= 37, s[0] not '0') as "%.15g" writes
 * x, its value: "d.dddde+XX", the first 15 digits of s rounded.  The
 * digits are taken from s only when x / 10^(nd - 15) (within 0.07 of the
 * exact quotient: 10^p exact, the quotient below 2^50) is within 0.4 of
 * an integer r strictly between 10^14 and 10^15: then r is the exact
 * quotient rounded, that is "%.15g"'s digits and exponent nd - 1, and r
 * must be s's first 15 digits or those plus one.  NULL when not.
 */
static char *long_int(char *p, const char *s, size_t nd, double x)
{
	double a = x < 0 ? -x : x, t, r;
	uint64_t d = 0, ru;
	size_t i, k;
	unsigned e = (unsigned)nd - 1;

#ifdef P1_SWAR
	/* digits 0-7 and 7-14, eight at a time */
	uint64_t d1, d2;

	(void)i;
	if (!digits8(s, &d1) || !digits8(s + 7, &d2))
		return NULL;
	d = d1 * 10000000 + d2 % 10000000;
#else
	for (i = 0; i < 15; i++) {
		unsigned c = (unsigned)(unsigned char)s[i] - '0';

		if (c > 9)
			return NULL;
		d = d * 10 + c;
	}
#endif
	t = a / p1i_pow10[nd - 15];
	if (!(t > 1e14 && t < 1e15))
		return NULL;
	r = (double)(uint64_t)(t + 0.5);
	if (r <= 1e14 || r >= 1e15 || t - r > 0.4 || r - t > 0.4)
		return NULL;
	ru = (uint64_t)r;
	if (ru != d && (ru != d + 1 || s[14] == '9'))
		return NULL;
	if (x < 0)
		*p++ = '-';
	*p = s[0];
	p[1] = '.';
	memcpy(p + 2, s + 1, 14);
	if (ru != d)
		p[15]++;
	for (k = 16; p[k - 1] == '0'; k--)
		;
	if (k == 2) /* one digit: no point */
		k = 1;
	p += k;
	memcpy(p, "e+", 2);
	memcpy(p + 2, p1i_digits2 + 2 * e, 2);
	return p + 4;
}

/* A value's number, written from its own digits: exact, no rounding.
 * At most 24 + 2 bytes (more digits: as "%.15g", at most 32). */
static char *raw_number_slow(char *p, const struct p1_telegram *t,
			     const struct p1_value *v)
{
	const char *s = t->text + v->off;
	const char *e = s + v->len - (v->unit_len ? v->unit_len + 1u : 0u);
	const char *dot = NULL, *ie, *q;
	bool neg = false;
	size_t nd, k;
	int dec = v->decimals;

	if (*s == '+' || *s == '-') {
		neg = *s == '-';
		s++;
	}
	if (dec && dec < 255 && e - s > dec && e[-1 - dec] == '.') {
		dot = e - 1 - dec; /* a number has one point */
	} else if (!dec) {	   /* no digits after it: the point ends it */
		dot = e > s && e[-1] == '.' ? e - 1 : NULL;
	} else {
		for (q = s; q < e; q++) {
			if (*q == '.') {
				dot = q;
				break;
			}
		}
	}
	ie = dot ? dot : e;
#ifdef P1_SWAR
	/* leading zeros (all but the last integer digit), 8 at a time */
	while (ie - s > 1 && (t->text + sizeof(t->text)) - s >= 8) {
		uint64_t z = p1i_load8(s) ^ 0x3030303030303030ull;
		size_t nz = z ? (size_t)__builtin_ctzll(z) >> 3 : 8;

		if (nz > (size_t)(ie - s) - 1)
			nz = (size_t)(ie - s) - 1;
		s += nz;
		if (nz < 8)
			break;
	}
#endif
	while (s + 1 < ie && *s == '0')
		s++;
	/* the digits and, if digits follow it, the point: one run */
	k = dot && e > dot + 1 ? (size_t)(e - s) : (size_t)(ie - s);
	nd = dot && e > dot + 1 ? k - 1 : k;
	if (nd > 17) {
		char *r = NULL;

		if (k == nd && nd <= 37)
			r = long_int(p, s, nd, v->number);
		return r ? r : dbl_at(p, v->number);
	}
	if (neg)
		*p++ = '-';
	if (s == ie)
		*p++ = '0';
	if (s <= t->text + sizeof(t->text) &&
	    (size_t)(t->text + sizeof(t->text) - s) >= 24)
		memcpy(p, s, 24);
	else
		memcpy(p, s, k);
	return p + k;
}

/*
 * raw_number() of a value whose raw text s is plain with 16 bytes
 * readable past it: a number of up to 16 bytes with no sign, its point
 * where decimals says, and at most 8 leading zeros is its digits from the
 * first that is not a leading zero, copied with one constant-size copy.
 */
static inline char *raw_number_at(char *p, const struct p1_telegram *t,
				  const struct p1_value *v, const char *s)
{
#ifdef P1_SWAR
	size_t m = (size_t)v->len - (v->unit_len ? v->unit_len + 1u : 0u);
	size_t dec = v->decimals, ie, nz, k;
	uint64_t z;

	if (m - 1 >= 16) {
		/* a long integer (an id sent as a number), no leading zero */
		if (!dec && (unsigned)(unsigned char)s[0] - '1' <= 8) {
			size_t nd = m - (s[m - 1] == '.');
			char *r = nd >= 18 && nd <= 37
					  ? long_int(p, s, nd, v->number)
					  : NULL;

			if (r)
				return r;
		}
		return raw_number_slow(p, t, v);
	}
	if ((unsigned)(unsigned char)s[0] - '0' > 9)
		return raw_number_slow(p, t, v);
	if (dec) {
		ie = m - 1 - dec;
		if (dec >= m || s[ie] != '.')
			return raw_number_slow(p, t, v);
		k = m;
	} else {
		ie = m - (s[m - 1] == '.');
		k = ie;
	}
	z = p1i_load8(s) ^ 0x3030303030303030ull;
	nz = z ? (size_t)__builtin_ctzll(z) >> 3 : 8;
	if (nz >= ie) /* all zeros: keep the last integer digit */
		nz = ie - 1;
	else if (nz == 8)
		return raw_number_slow(p, t, v);
	memcpy(p, s + nz, 16);
	return p + k - nz;
#else
	(void)s;
	return raw_number_slow(p, t, v);
#endif
}

/* 0..255 in decimal: up to 3 digits, then their count. */
static const char dec3[256][4] = {
	{'0', 0, 0, 1},	    {'1', 0, 0, 1},	{'2', 0, 0, 1},
	{'3', 0, 0, 1},	    {'4', 0, 0, 1},	{'5', 0, 0, 1},
	{'6', 0, 0, 1},	    {'7', 0, 0, 1},	{'8', 0, 0, 1},
	{'9', 0, 0, 1},	    {'1', '0', 0, 2},	{'1', '1', 0, 2},
	{'1', '2', 0, 2},   {'1', '3', 0, 2},	{'1', '4', 0, 2},
	{'1', '5', 0, 2},   {'1', '6', 0, 2},	{'1', '7', 0, 2},
	{'1', '8', 0, 2},   {'1', '9', 0, 2},	{'2', '0', 0, 2},
	{'2', '1', 0, 2},   {'2', '2', 0, 2},	{'2', '3', 0, 2},
	{'2', '4', 0, 2},   {'2', '5', 0, 2},	{'2', '6', 0, 2},
	{'2', '7', 0, 2},   {'2', '8', 0, 2},	{'2', '9', 0, 2},
	{'3', '0', 0, 2},   {'3', '1', 0, 2},	{'3', '2', 0, 2},
	{'3', '3', 0, 2},   {'3', '4', 0, 2},	{'3', '5', 0, 2},
	{'3', '6', 0, 2},   {'3', '7', 0, 2},	{'3', '8', 0, 2},
	{'3', '9', 0, 2},   {'4', '0', 0, 2},	{'4', '1', 0, 2},
	{'4', '2', 0, 2},   {'4', '3', 0, 2},	{'4', '4', 0, 2},
	{'4', '5', 0, 2},   {'4', '6', 0, 2},	{'4', '7', 0, 2},
	{'4', '8', 0, 2},   {'4', '9', 0, 2},	{'5', '0', 0, 2},
	{'5', '1', 0, 2},   {'5', '2', 0, 2},	{'5', '3', 0, 2},
	{'5', '4', 0, 2},   {'5', '5', 0, 2},	{'5', '6', 0, 2},
	{'5', '7', 0, 2},   {'5', '8', 0, 2},	{'5', '9', 0, 2},
	{'6', '0', 0, 2},   {'6', '1', 0, 2},	{'6', '2', 0, 2},
	{'6', '3', 0, 2},   {'6', '4', 0, 2},	{'6', '5', 0, 2},
	{'6', '6', 0, 2},   {'6', '7', 0, 2},	{'6', '8', 0, 2},
	{'6', '9', 0, 2},   {'7', '0', 0, 2},	{'7', '1', 0, 2},
	{'7', '2', 0, 2},   {'7', '3', 0, 2},	{'7', '4', 0, 2},
	{'7', '5', 0, 2},   {'7', '6', 0, 2},	{'7', '7', 0, 2},
	{'7', '8', 0, 2},   {'7', '9', 0, 2},	{'8', '0', 0, 2},
	{'8', '1', 0, 2},   {'8', '2', 0, 2},	{'8', '3', 0, 2},
	{'8', '4', 0, 2},   {'8', '5', 0, 2},	{'8', '6', 0, 2},
	{'8', '7', 0, 2},   {'8', '8', 0, 2},	{'8', '9', 0, 2},
	{'9', '0', 0, 2},   {'9', '1', 0, 2},	{'9', '2', 0, 2},
	{'9', '3', 0, 2},   {'9', '4', 0, 2},	{'9', '5', 0, 2},
	{'9', '6', 0, 2},   {'9', '7', 0, 2},	{'9', '8', 0, 2},
	{'9', '9', 0, 2},   {'1', '0', '0', 3}, {'1', '0', '1', 3},
	{'1', '0', '2', 3}, {'1', '0', '3', 3}, {'1', '0', '4', 3},
	{'1', '0', '5', 3}, {'1', '0', '6', 3}, {'1', '0', '7', 3},
	{'1', '0', '8', 3}, {'1', '0', '9', 3}, {'1', '1', '0', 3},
	{'1', '1', '1', 3}, {'1', '1', '2', 3}, {'1', '1', '3', 3},
	{'1', '1', '4', 3}, {'1', '1', '5', 3}, {'1', '1', '6', 3},
	{'1', '1', '7', 3}, {'1', '1', '8', 3}, {'1', '1', '9', 3},
	{'1', '2', '0', 3}, {'1', '2', '1', 3}, {'1', '2', '2', 3},
	{'1', '2', '3', 3}, {'1', '2', '4', 3}, {'1', '2', '5', 3},
	{'1', '2', '6', 3}, {'1', '2', '7', 3}, {'1', '2', '8', 3},
	{'1', '2', '9', 3}, {'1', '3', '0', 3}, {'1', '3', '1', 3},
	{'1', '3', '2', 3}, {'1', '3', '3', 3}, {'1', '3', '4', 3},
	{'1', '3', '5', 3}, {'1', '3', '6', 3}, {'1', '3', '7', 3},
	{'1', '3', '8', 3}, {'1', '3', '9', 3}, {'1', '4', '0', 3},
	{'1', '4', '1', 3}, {'1', '4', '2', 3}, {'1', '4', '3', 3},
	{'1', '4', '4', 3}, {'1', '4', '5', 3}, {'1', '4', '6', 3},
	{'1', '4', '7', 3}, {'1', '4', '8', 3}, {'1', '4', '9', 3},
	{'1', '5', '0', 3}, {'1', '5', '1', 3}, {'1', '5', '2', 3},
	{'1', '5', '3', 3}, {'1', '5', '4', 3}, {'1', '5', '5', 3},
	{'1', '5', '6', 3}, {'1', '5', '7', 3}, {'1', '5', '8', 3},
	{'1', '5', '9', 3}, {'1', '6', '0', 3}, {'1', '6', '1', 3},
	{'1', '6', '2', 3}, {'1', '6', '3', 3}, {'1', '6', '4', 3},
	{'1', '6', '5', 3}, {'1', '6', '6', 3}, {'1', '6', '7', 3},
	{'1', '6', '8', 3}, {'1', '6', '9', 3}, {'1', '7', '0', 3},
	{'1', '7', '1', 3}, {'1', '7', '2', 3}, {'1', '7', '3', 3},
	{'1', '7', '4', 3}, {'1', '7', '5', 3}, {'1', '7', '6', 3},
	{'1', '7', '7', 3}, {'1', '7', '8', 3}, {'1', '7', '9', 3},
	{'1', '8', '0', 3}, {'1', '8', '1', 3}, {'1', '8', '2', 3},
	{'1', '8', '3', 3}, {'1', '8', '4', 3}, {'1', '8', '5', 3},
	{'1', '8', '6', 3}, {'1', '8', '7', 3}, {'1', '8', '8', 3},
	{'1', '8', '9', 3}, {'1', '9', '0', 3}, {'1', '9', '1', 3},
	{'1', '9', '2', 3}, {'1', '9', '3', 3}, {'1', '9', '4', 3},
	{'1', '9', '5', 3}, {'1', '9', '6', 3}, {'1', '9', '7', 3},
	{'1', '9', '8', 3}, {'1', '9', '9', 3}, {'2', '0', '0', 3},
	{'2', '0', '1', 3}, {'2', '0', '2', 3}, {'2', '0', '3', 3},
	{'2', '0', '4', 3}, {'2', '0', '5', 3}, {'2', '0', '6', 3},
	{'2', '0', '7', 3}, {'2', '0', '8', 3}, {'2', '0', '9', 3},
	{'2', '1', '0', 3}, {'2', '1', '1', 3}, {'2', '1', '2', 3},
	{'2', '1', '3', 3}, {'2', '1', '4', 3}, {'2', '1', '5', 3},
	{'2', '1', '6', 3}, {'2', '1', '7', 3}, {'2', '1', '8', 3},
	{'2', '1', '9', 3}, {'2', '2', '0', 3}, {'2', '2', '1', 3},
	{'2', '2', '2', 3}, {'2', '2', '3', 3}, {'2', '2', '4', 3},
	{'2', '2', '5', 3}, {'2', '2', '6', 3}, {'2', '2', '7', 3},
	{'2', '2', '8', 3}, {'2', '2', '9', 3}, {'2', '3', '0', 3},
	{'2', '3', '1', 3}, {'2', '3', '2', 3}, {'2', '3', '3', 3},
	{'2', '3', '4', 3}, {'2', '3', '5', 3}, {'2', '3', '6', 3},
	{'2', '3', '7', 3}, {'2', '3', '8', 3}, {'2', '3', '9', 3},
	{'2', '4', '0', 3}, {'2', '4', '1', 3}, {'2', '4', '2', 3},
	{'2', '4', '3', 3}, {'2', '4', '4', 3}, {'2', '4', '5', 3},
	{'2', '4', '6', 3}, {'2', '4', '7', 3}, {'2', '4', '8', 3},
	{'2', '4', '9', 3}, {'2', '5', '0', 3}, {'2', '5', '1', 3},
	{'2', '5', '2', 3}, {'2', '5', '3', 3}, {'2', '5', '4', 3},
	{'2', '5', '5', 3},
};

/* 0..255 at p (4 bytes of room). */
static inline char *u8_at(char *p, unsigned v)
{
	memcpy(p, dec3[v], 4);
	return p + dec3[v][3];
}

/* "A-B:C.D.E[*F]" at p (at most 23 bytes). */
static inline char *obis_at(char *p, const struct p1_obis *o)
{
	p = u8_at(p, o->a);
	*p++ = '-';
	p = u8_at(p, o->b);
	*p++ = ':';
	p = u8_at(p, o->c);
	*p++ = '.';
	p = u8_at(p, o->d);
	*p++ = '.';
	p = u8_at(p, o->e);
	if (o->f != 255) {
		*p++ = '*';
		p = u8_at(p, o->f);
	}
	return p;
}

/* Room for n (<= JW_BUF) more bytes at p, which is w's next byte. */
static char *room_at_slow(struct jw *w, char *p)
{
	w->p = p;
	flush(w);
	return w->p;
}

#define ROOM_AT(w, p, n)                                                       \
	((size_t)((w)->end - (p)) < (n) ? room_at_slow(w, p) : (p))

/* Room a value written by values() may want, its raw text plain and at
 * most JW_ROOM - 32 bytes (unit included): the raw text and the unit
 * (224 + 224), 15 bytes of overshoot, the number (32), keys and time:
 * under 600, so it leaves room for the "]}" or ',' that follows. */
#define VALUE_ROOM (3 * JW_ROOM)
/* An object's start (at most 64 bytes) and its first value. */
#define OBJECT_ROOM (JW_ROOM + VALUE_ROOM)

/* An object's values: each into the room checked for it. */
static char *values(struct jw *w, char *p, const struct p1_telegram *t,
		    const struct p1_object *o)
{
	const struct p1_value *v = t->values + o->first, *ve = v + o->nvalues;
	const struct p1_value *v0 = v;

	for (; v < ve; v++) {
		const char *raw = t->text + v->off;
		size_t n = v->len, i;
		unsigned fl = v->flags;
		/* off and len are 16-bit: no overflow */
		bool easy = (size_t)v->off + n + 16 <= sizeof(t->text) &&
			    n <= JW_ROOM - 32 && !special(raw, n);

		/* the first value's room came with its object's */
		if (v != v0) {
			p = ROOM_AT(w, p, VALUE_ROOM);
			*p++ = ',';
		}
		if (easy) {
			p = LIT(p, "{\"raw\":\"");
			memcpy(p, raw, 16); /* nearly always all of it */
			for (i = 16; i < n; i += 16)
				memcpy(p + i, raw + i, 16);
			p += n;
			*p++ = '"';
		} else {
			w->p = LIT(p, "{\"raw\":");
			str(w, raw, n);
			p = ROOM_AT(w, w->p, VALUE_ROOM);
		}
		if (fl & P1_VAL_NUMBER) {
			p = LIT(p, ",\"number\":");
			p = easy ? raw_number_at(p, t, v, raw)
				 : raw_number_slow(p, t, v);
		}
		if (fl & P1_VAL_UNIT) {
			if (easy && v->unit_len <= n) {
				/* the end of the raw text: plain too */
				const char *u = raw + n - v->unit_len;

				p = LIT(p, ",\"unit\":\"");
				memcpy(p, u, 16);
				for (i = 16; i < v->unit_len; i += 16)
					memcpy(p + i, u + i, 16);
				p += v->unit_len;
				*p++ = '"';
			} else {
				w->p = LIT(p, ",\"unit\":");
				str(w, p1_value_unit(t, v), v->unit_len);
				p = ROOM_AT(w, w->p, VALUE_ROOM);
			}
		}
		if (fl & (P1_VAL_TIME | P1_VAL_TIME_BAD | P1_VAL_NEXT_LINE)) {
			if (fl & P1_VAL_TIME) {
				p = LIT(p, ",\"time\":");
				p = i64_at(p, v->time);
			}
			if (fl & P1_VAL_TIME_BAD)
				p = LIT(p, ",\"invalid_time\":true");
			if (fl & P1_VAL_NEXT_LINE)
				p = LIT(p, ",\"next_line\":true");
		}
		*p++ = '}';
	}
	return p;
}

/* Length of "A-B:C.D.E": the digits of five numbers 0..255 (a table
 * lookup each: cheaper than eight bytes at a time) and four separators. */
static inline size_t obis_len(const struct p1_obis *o)
{
	return 4u + (size_t)dec3[o->a][3] + dec3[o->b][3] + dec3[o->c][3] +
	       dec3[o->d][3] + dec3[o->e][3];
}

/* Objects [i, j) copied from old (at p, which has room for the first). */
static char *objects_copy(struct jw *w, char *p,
			  const struct p1i_json_objs *old, uint32_t i,
			  uint32_t j)
{
	const char *s = old->buf + old->at[i];
	size_t n = old->at[j] - 1 - old->at[i];

	for (;;) {
		size_t k = n < JW_BUF / 2 ? n : JW_BUF / 2;

		memcpy(p, s, k);
		p += k;
		s += k;
		n -= k;
		if (!n)
			return p;
		p = ROOM_AT(w, p, JW_BUF / 2);
	}
}

/* Keep the list just written at sec..p for the next telegram's; all of
 * it copied from the one kept (same): that one stays. */
static void objects_keep(struct jw *w, struct p1i_json_objs *nw,
			 const char *sec, const char *p, uint32_t n, bool same)
{
	size_t len = (size_t)(p - sec);

	if (same && !w->err) {
		w->jp->built = w->jp->parses;
		return;
	}
	if (w->err || len >= P1I_JSON_PREV_CAP) {
		nw->n = 0;
	} else {
		nw->n = n;
		nw->at[n] = (uint32_t)len + 1;
		memcpy(nw->buf, sec, len);
	}
	w->jp->cur = !(w->jp->cur & 1);
	w->jp->built = w->jp->parses;
}

/*
 * The generic list.  A code parsed as A-B:C.D.E (P1_OBJ_OBIS, no "*F")
 * is its text in the telegram when that has the canonical length: the
 * parser takes each field as 1-3 digits with nothing else, and more
 * digits than the canonical form's are leading zeros; so the text is
 * copied rather than written number by number (test_json_fast checks
 * this against the canonical form).
 */
static void objects(struct jw *w, const struct p1_telegram *t)
{
	char *p = w->p, *sec;
	uint32_t i;
	struct p1i_json_prev *jp = w->jp;
	const struct p1i_json_objs *old = NULL;
	struct p1i_json_objs *nw = NULL;
	uint32_t nold = 0;
	bool same = false; /* all of old copied, nothing else */

	p = ROOM_AT(w, p, JW_ROOM);
	*p++ = '[';
	sec = p;
	if (jp) {
		nw = &jp->slot[!(jp->cur & 1)];
		if (jp->built && jp->built + 1 == jp->parses) {
			old = &jp->slot[jp->cur & 1];
			nold = old->n < t->nobjects ? old->n : t->nobjects;
		}
	}
	for (i = 0; i < t->nobjects; i++) {
		const struct p1_object *o = &t->objects[i];

		p = ROOM_AT(w, p, OBJECT_ROOM);
		*p = ',';
		p += i != 0;
		if (i < nold && (jp->kept[i / 64] >> (i % 64) & 1)) {
			uint32_t j = i + 1, k;

			while (j < nold && (jp->kept[j / 64] >> (j % 64) & 1))
				j++;
			/* (what a caller's scribbling could break) */
			if (old->at[i] < old->at[j] &&
			    old->at[j] <= P1I_JSON_PREV_CAP) {
				for (k = i; k < j; k++)
					nw->at[k] = (uint32_t)(p - sec) +
						    old->at[k] - old->at[i];
				p = objects_copy(w, p, old, i, j);
				same = !i && j == old->n && j == t->nobjects;
				i = j - 1;
				continue;
			}
		}
		if (nw)
			nw->at[i] = (uint32_t)(p - sec);
		if (o->flags & P1_OBJ_OBIS) {
			const char *code = t->text + o->off;

			p = LIT(p, "{\"obis\":\"");
			if (!(o->flags & P1_OBJ_SUFFIX) &&
			    o->off <= sizeof(t->text) - 20 &&
			    o->len == obis_len(&o->obis)) {
				memcpy(p, code, 16);
				memcpy(p + 16, code + 16, 4);
				p += o->len;
			} else {
				p = obis_at(p, &o->obis);
			}
			if (o->obis.a == 0 && o->obis.b) {
				p = LIT(p, "\",\"channel\":");
				p = u8_at(p, o->obis.b);
				p = LIT(p, ",\"values\":[");
			} else {
				p = LIT(p, "\",\"values\":[");
			}
		} else {
			w->p = LIT(p, "{\"obis\":");
			str_text(w, t, t->text + o->off, o->len);
			p = ROOM_AT(w, w->p, OBJECT_ROOM);
			p = LIT(p, ",\"invalid_obis\":true,\"values\":[");
		}
		/* each value leaves more than the 2 bytes of room needed */
		p = values(w, p, t, o);
		p = LIT(p, "]}");
	}
	if (nw)
		objects_keep(w, nw, sec, p, t->nobjects, same);
	p = ROOM_AT(w, p, JW_ROOM);
	*p++ = ']';
	w->p = p;
}

/* The keys of tariffs(): "total" (index 0) and 1..4, 16 bytes each. */
static const char tariff_key[5][16] = {
	"\"total\":", "\"1\":", "\"2\":", "\"3\":", "\"4\":"};
static const uint8_t tariff_key_len[5] = {8, 4, 4, 4, 4};

/* The members of a tariffs() object and its '}' at p (room made: 17 +
 * 32 bytes a member and 1); index 0 is "total" when n is P1_MAX_TARIFFS +
 * 1, else the keys count from 1.  At least one of a[0..n) is there. */
static char *tariff_members(char *p, const struct p1_num *a, unsigned n)
{
	unsigned i, base = n == P1_MAX_TARIFFS + 1 ? 0 : 1;
	char *p0 = p;

	for (i = 0; i < n; i++) {
		unsigned k = i + base;

		if (!a[i].present)
			continue;
		*p = ',';
		p += p != p0;
		memcpy(p, tariff_key[k], 16);
		p = dbl_at(p + tariff_key_len[k], a[i].value);
	}
	*p++ = '}';
	return p;
}

static inline bool any_present(const struct p1_num *a, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (a[i].present)
			return true;
	return false;
}

/* "k":{"total":..,"1":..} when any of a[0..n) is there, with one room
 * check: the key, five members and '}' are under 300 bytes. */
#define tariffs(w, f, k, a, n)                                                 \
	do {                                                                   \
		if (any_present(a, n)) {                                       \
			char *p_ = room(w, 2 * JW_ROOM);                       \
			p_ = KEY(p_, f, k);                                    \
			*p_++ = '{';                                           \
			(w)->p = tariff_members(p_, a, n);                     \
		}                                                              \
	} while (0)

/* A number member at p, room made (60 bytes a member): keys of at most
 * 26 bytes, numbers of at most 32. */
#define NUM_AT(p, f, k, n)                                                     \
	do {                                                                   \
		const struct p1_num *n_ = (n);                                 \
		if (n_->present) {                                             \
			(p) = KEY(p, f, k);                                    \
			(p) = dbl_at(p, n_->value);                            \
		}                                                              \
	} while (0)

/* Each phase with one room check: "phase" first, eleven numbers; taken
 * back (with the "phases" key before the first) when none is there. */
static void phases(struct jw *w, bool *first, const struct p1_elec *el)
{
	bool any = false;
	unsigned i;
	char *p, *h;

	for (i = 0; i < P1_MAX_PHASES; i++) {
		const struct p1_phase *ph = &el->phase[i];
		bool f2 = false, f0 = *first;

		p = ROOM_AT(w, w->p, 16 * 60);
		if (any) {
			p = LIT(p, ",{\"phase\":");
		} else {
			p = KEY(p, first, "phases");
			p = LIT(p, "[{\"phase\":");
		}
		*p++ = (char)('1' + i);
		h = p;
		NUM_AT(p, &f2, "voltage_v", &ph->voltage);
		NUM_AT(p, &f2, "current_a", &ph->current);
		NUM_AT(p, &f2, "power_import_w", &ph->power_import);
		NUM_AT(p, &f2, "power_export_w", &ph->power_export);
		NUM_AT(p, &f2, "reactive_import_var", &ph->reactive_import);
		NUM_AT(p, &f2, "reactive_export_var", &ph->reactive_export);
		NUM_AT(p, &f2, "energy_import_wh", &ph->energy_import);
		NUM_AT(p, &f2, "energy_export_wh", &ph->energy_export);
		NUM_AT(p, &f2, "power_factor", &ph->power_factor);
		NUM_AT(p, &f2, "voltage_sags", &ph->voltage_sags);
		NUM_AT(p, &f2, "voltage_swells", &ph->voltage_swells);
		if (p == h) { /* none: as if not written */
			*first = f0;
			continue;
		}
		*p++ = '}';
		w->p = p;
		any = true;
	}
	if (any)
		put(w, "]", 1);
}

static void peak(struct jw *w, const struct p1_peak *p)
{
	bool f = true;

	put(w, "{", 1);
	ktime(w, &f, "month", &p->month);
	ktime(w, &f, "time", &p->time);
	knum(w, &f, "power_w", &p->power);
	put(w, "}", 1);
}

static void electricity(struct jw *w, const struct p1_elec *el)
{
	bool f = true, f2;
	unsigned i;
	char *p;

	put(w, "{", 1);
	tariffs(w, &f, "energy_import_wh", el->energy_import,
		P1_MAX_TARIFFS + 1);
	tariffs(w, &f, "energy_export_wh", el->energy_export,
		P1_MAX_TARIFFS + 1);
	tariffs(w, &f, "reactive_import_varh", el->reactive_import,
		P1_MAX_TARIFFS + 1);
	tariffs(w, &f, "reactive_export_varh", el->reactive_export,
		P1_MAX_TARIFFS + 1);
	tariffs(w, &f, "reactive_quadrant_varh", el->reactive_quadrant, 4);
	p = ROOM_AT(w, w->p, 16 * 60);
	NUM_AT(p, &f, "power_import_w", &el->power_import);
	NUM_AT(p, &f, "power_export_w", &el->power_export);
	NUM_AT(p, &f, "reactive_power_import_var", &el->reactive_power_import);
	NUM_AT(p, &f, "reactive_power_export_var", &el->reactive_power_export);
	NUM_AT(p, &f, "power_factor", &el->power_factor);
	NUM_AT(p, &f, "frequency_hz", &el->frequency);
	w->p = p;
	phases(w, &f, el);
	p = ROOM_AT(w, w->p, 16 * 60);
	NUM_AT(p, &f, "tariff", &el->tariff);
	NUM_AT(p, &f, "failures", &el->failures);
	NUM_AT(p, &f, "long_failures", &el->long_failures);
	w->p = p;
	if (el->failure_log_present) {
		kkey(w, &f, "failure_log");
		f2 = true;
		put(w, "{", 1);
		ki64(w, &f2, "count", el->failure_log_count);
		kkey(w, &f2, "entries");
		put(w, "[", 1);
		for (i = 0; i < el->nfailure_log; i++) {
			const struct p1_failure *fl = &el->failure_log[i];
			bool f3 = true;

			/* one room check: three members of 60 bytes */
			p = ROOM_AT(w, w->p, JW_ROOM);
			*p = ',';
			p += i != 0;
			*p++ = '{';
			if (fl->end.present) {
				p = KEY(p, &f3, "end");
				p = fl->end.valid ? i64_at(p, fl->end.t)
						  : LIT(p, "null");
			}
			NUM_AT(p, &f3, "duration_s", &fl->duration_s);
			/* The log has end and duration; start = the
			 * difference, for a valid end and a sane duration. */
			if (fl->end.valid && fl->duration_s.present &&
			    fl->duration_s.value >= 0 &&
			    fl->duration_s.value < 4e9) {
				p = KEY(p, &f3, "start");
				p = i64_at(
					p,
					fl->end.t -
						(int64_t)fl->duration_s.value);
			}
			*p++ = '}';
			w->p = p;
		}
		put(w, "]}", 2);
	}
	knum(w, &f, "limiter_w", &el->limiter_power);
	knum(w, &f, "limiter_a", &el->limiter_current);
	knum(w, &f, "fuse_a", &el->fuse);
	knum(w, &f, "breaker", &el->breaker);
	knum(w, &f, "demand_w", &el->demand);
	if (el->month_peak.time.present || el->month_peak.power.present) {
		kkey(w, &f, "month_peak");
		peak(w, &el->month_peak);
	}
	if (el->peaks_present) {
		kkey(w, &f, "peaks");
		f2 = true;
		put(w, "{", 1);
		ki64(w, &f2, "count", el->peaks_count);
		kkey(w, &f2, "months");
		put(w, "[", 1);
		for (i = 0; i < el->npeaks; i++) {
			if (i)
				put(w, ",", 1);
			peak(w, &el->peaks[i]);
		}
		put(w, "]}", 2);
	}
	if (el->text_present) {
		kkey(w, &f, "text");
		str_in(w, el->text, el->text_len, el->text + sizeof(el->text));
	}
	if (el->text_code_present) {
		kkey(w, &f, "text_code");
		str_array(w, el->text_code);
	}
	put(w, "}", 1);
}

static void mbus(struct jw *w, const struct p1_data *d)
{
	bool any = false;
	unsigned i;

	put(w, "[", 1);
	for (i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *m = &d->mbus[i];
		bool f = false; /* "channel" is first */
		char *p;

		if (!m->present)
			continue;
		p = room(w, JW_ROOM);
		*p = ',';
		p += any;
		any = true;
		p = LIT(p, "{\"channel\":");
		p = u64_at(p, i + 1);
		w->p = LIT(p, ",\"kind\":");
		name(w, p1_mbus_kind_name(m->kind));
		knum(w, &f, "type", &m->type);
		if (m->id_present) {
			kkey(w, &f, "id");
			str_array(w, m->id);
		}
		knum(w, &f, "reading", &m->reading);
		if (m->reading.present) {
			kkey(w, &f, "unit");
			str_array(w, m->unit);
		}
		/* the rest with one room check: four members of 60
		 * bytes and "stale" */
		p = room(w, 2 * JW_ROOM);
		NUM_AT(p, &f, "volume_m3", &m->volume_m3);
		NUM_AT(p, &f, "energy_wh", &m->energy_wh);
		if (m->time.present) {
			p = KEY(p, &f, "time");
			p = m->time.valid ? i64_at(p, m->time.t)
					  : LIT(p, "null");
		}
		NUM_AT(p, &f, "valve", &m->valve);
		w->p = m->stale ? LIT(p, ",\"stale\":true}")
				: LIT(p, ",\"stale\":false}");
	}
	put(w, "]", 1);
}

static void anomalies(struct jw *w, bool *first, uint32_t a)
{
	static const char *const names[] = {
		"no_header",	    "no_end",	       "oversize",
		"too_many_objects", "too_many_values", "bad_line",
		"bad_obis",	    "unterminated",    "bad_time",
		"bad_trailer",	    "garbage",
	};
	unsigned i;
	bool any = false;

	if (!a)
		return;
	kkey(w, first, "anomalies");
	put(w, "[", 1);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(a & (1u << i)))
			continue;
		if (any)
			put(w, ",", 1);
		any = true;
		name(w, names[i]);
	}
	put(w, "]", 1);
}

static void emit(struct jw *w, const struct p1_telegram *t, unsigned flags)
{
	const struct p1_data *d = &t->data;
	bool f = true;
	char b[8], *p;

	if (!(flags & P1_JSON_MEMBERS))
		put(w, "{", 1);
	p = room(w, JW_ROOM);
	p = KEY(p, &f, "crc");
	w->p = t->crc == P1_CRC_OK     ? LIT(p, "\"ok\"")
	       : t->crc == P1_CRC_BAD  ? LIT(p, "\"bad\"")
	       : t->crc == P1_CRC_NONE ? LIT(p, "\"none\"")
				       : LIT(p, "\"unchecked\"");
	if (t->crc == P1_CRC_BAD) {
		snprintf(b, sizeof(b), "%04X", t->crc_rx);
		kkey(w, &f, "crc_sent");
		str(w, b, 4);
		snprintf(b, sizeof(b), "%04X", t->crc_calc);
		kkey(w, &f, "crc_calc");
		str(w, b, 4);
	}
	kkey(w, &f, "header");
	str_text(w, t, t->text + t->header_off, t->header_len);
	anomalies(w, &f, t->anomalies);
	if (t->bad_lines)
		ki64(w, &f, "bad_lines", t->bad_lines);
	if (flags & P1_JSON_TYPED) {
		kkey(w, &f, "family");
		name(w, p1_family_name(d->family));
		if (d->dsmr)
			ki64(w, &f, "dsmr", d->dsmr);
		if (d->version[0]) {
			kkey(w, &f, "version");
			str_array(w, d->version);
		}
		ktime(w, &f, "time", &d->time);
		if (d->equipment_id_present) {
			kkey(w, &f, "equipment_id");
			str_array(w, d->equipment_id);
		}
	}
	if (flags & P1_JSON_OBJECTS) {
		kkey(w, &f, "objects");
		objects(w, t);
	}
	if (flags & P1_JSON_TYPED) {
		kkey(w, &f, "electricity");
		electricity(w, &d->elec);
		kkey(w, &f, "mbus");
		mbus(w, d);
	}
	if (!(flags & P1_JSON_MEMBERS))
		put(w, "}", 1);
}

int p1_json_emit(const struct p1_telegram *t, unsigned flags, p1_write_fn fn,
		 void *ctx)
{
	struct jw w; /* own is not cleared: 4 KiB per call */

	w.fn = fn;
	w.ctx = ctx;
	w.err = 0;
	w.p = w.buf = w.own;
	w.end = w.own + JW_BUF;
	w.jp = NULL;
	emit(&w, t, flags);
	flush(&w);
	return w.err;
}

static int overflow(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	(void)s;
	(void)n;
	return -1;
}

size_t p1i_json_into_prev(const struct p1_telegram *t, unsigned flags,
			  char *buf, size_t cap, struct p1i_json_prev *jp)
{
	struct jw w;

	if (cap < JW_BUF)
		return 0;
	w.fn = overflow;
	w.ctx = NULL;
	w.err = 0;
	w.p = w.buf = buf;
	w.end = buf + cap;
	w.jp = jp;
	emit(&w, t, flags);
	return w.err ? 0 : (size_t)(w.p - buf);
}

size_t p1i_json_into(const struct p1_telegram *t, unsigned flags, char *buf,
		     size_t cap)
{
	return p1i_json_into_prev(t, flags, buf, cap, NULL);
}

struct sink {
	char *buf;
	size_t cap, len;
};

static int sink_write(void *ctx, const char *s, size_t n)
{
	struct sink *k = ctx;

	if (k->len < k->cap) {
		size_t room_ = k->cap - k->len;

		memcpy(k->buf + k->len, s, n < room_ ? n : room_);
	}
	k->len += n;
	return 0;
}

size_t p1_json_write(const struct p1_telegram *t, unsigned flags, char *buf,
		     size_t cap)
{
	struct sink k = {.buf = buf, .cap = cap ? cap - 1 : 0};
	size_t n = cap > 1 ? p1i_json_into(t, flags, buf, cap - 1) : 0;

	if (n) { /* it fitted: written in place */
		buf[n] = 0;
		return n;
	}
	p1_json_emit(t, flags, sink_write, &k);
	if (cap)
		buf[k.len < cap - 1 ? k.len : cap - 1] = 0;
	return k.len;
}

int p1_json_string(const char *s, size_t n, p1_write_fn fn, void *ctx)
{
	struct jw w;

	w.fn = fn;
	w.ctx = ctx;
	w.err = 0;
	w.p = w.buf = w.own;
	w.end = w.own + JW_BUF;
	w.jp = NULL;
	str(&w, s, n);
	flush(&w);
	return w.err;
}
