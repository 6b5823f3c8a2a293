/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p1_internal.h - libp1 internals shared between its source files.
 * Internal symbols are named p1i_* so that the version script
 * (libp1.map, which exports p1_*) keeps them out of the shared library.
 */
#ifndef P1_INTERNAL_H
#define P1_INTERNAL_H

#include <p1/p1.h>

_Static_assert(P1_MAX_TELEGRAM < 65536, "p1_value.off is 16 bits");
_Static_assert(P1_MAX_VALUES < 65536, "p1_object.first is 16 bits");

/* Powers of ten that are exact in a double: 1e0 .. 1e22. */
extern const double p1i_pow10[23];

/*
 * Parse "[+-]digits[.digits]" covering all of s[0..n).  On success stores
 * the value and the number of digits after the point and returns true.
 */
bool p1i_parse_number(const char *s, size_t n, double *out, unsigned *decimals);

/* Days since 1970-01-01 of a date in 2001..2099 (no validation). */
int64_t p1i_days(unsigned year, unsigned month, unsigned day);

/*
 * Convert broken-down local time (year 2001..2099) to UTC seconds.
 * flag: 'S' (summer), 'W' (winter) or 0 (none: follow the zone's rules).
 */
int64_t p1i_local_to_utc(unsigned zone, unsigned year, unsigned mon,
			 unsigned day, unsigned hh, unsigned mm, unsigned ss,
			 int flag);

/*
 * Parse a 12-digit YYMMDDhhmmss (+ optional S/W when n == 13).  Returns
 * 0 and *utc when valid, -1 when it is a timestamp shape but invalid,
 * -2 when it is not a timestamp shape at all.
 */
int p1i_tst(const char *s, size_t n, unsigned zone, int64_t *utc);
/* The same without the cache of hours (p1i_tst_at below). */
int p1i_tst_nocache(const char *s, size_t n, unsigned zone, int64_t *utc);

/*
 * The value of nint digits at p, then (if nfrac) a '.' and nfrac digits:
 * the first 19 significant digits, scaled.  Digits must be checked.
 */
double p1i_digits(const char *p, size_t nint, size_t nfrac);

/* Up to 5 bytes as a little-endian key (for switch statements). */
#define P1K1(a)		    ((uint64_t)(unsigned char)(a))
#define P1K2(a, b)	    (P1K1(a) | P1K1(b) << 8)
#define P1K3(a, b, c)	    (P1K2(a, b) | P1K1(c) << 16)
#define P1K4(a, b, c, d)    (P1K3(a, b, c) | P1K1(d) << 24)
#define P1K5(a, b, c, d, e) (P1K4(a, b, c, d) | P1K1(e) << 32)

/* enum p1_unit of the unit text u[0..n). */
unsigned p1i_unit(const char *u, size_t n);

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define P1_SWAR 1
#include <string.h>

/*
 * Eight ASCII bytes at a time (little-endian hosts).  Callers guarantee 8
 * readable bytes: the telegram copy is followed by 16 zero bytes.
 */
static inline uint64_t p1i_load8(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/*
 * How many of the 8 bytes of v (first byte lowest) lead as digits.  Of
 * t = v - '0' per byte, a byte is a digit iff it is below 10: neither its
 * top bit nor that of t + 0x76 is set.  Borrows and carries only move up
 * from a byte that is no digit, so the lowest flag is exact.
 */
static inline unsigned p1i_digits8(uint64_t v)
{
	uint64_t t = v - 0x3030303030303030ull;
	uint64_t bad =
		(t | (t + 0x7676767676767676ull)) & 0x8080808080808080ull;

	return bad ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
}

/* The value of the k (1..8) leading digits of v. */
static inline uint64_t p1i_value8(uint64_t v, unsigned k)
{
	uint64_t x = (v - 0x3030303030303030ull) << (8 * (8 - k));

	x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffull;
	x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffull;
	return (x * 10000 + (x >> 32)) & 0xffffffffull;
}

/*
 * A per-thread cache of local hours: YYMMDDhh (its 8 bytes as read), the
 * flag and the zone give the UTC second of hh:00:00, and the stamp is
 * that plus mm * 60 + ss.  That holds for unflagged stamps too: the EU
 * switches are at whole UTC hours and the zones' offsets are whole hours,
 * so one local hour lies wholly on one side of a switch.  The parser
 * gives the n-th stamp of a telegram entry n: from one telegram to the
 * next the n-th stamp nearly always has the same hour (the telegram's own
 * time, the failure log, the gas reading, eMUCs' 13 monthly peaks), so
 * most stamps cost a compare and the minutes and seconds.  Only valid
 * hours are entered.  Per thread: no locks, the parser stays reentrant.
 */
#define P1I_TST_CACHE 64 /* entries, a power of two */

struct p1i_tst_hour {
	uint64_t key;  /* YYMMDDhh as 8 bytes */
	uint32_t tag;  /* flag | zone << 8 | 1 << 16; 0: empty */
	int32_t hours; /* UTC hours since 1970 of hh:00:00 */
};

extern _Thread_local struct p1i_tst_hour p1i_tst_cache[P1I_TST_CACHE]
	__attribute__((visibility("hidden")));

/* p1i_tst_at's miss: convert, and enter the hour in @h. */
int p1i_tst_miss(const char *s, size_t n, unsigned zone, int64_t *utc,
		 struct p1i_tst_hour *h, uint32_t tag, unsigned mmss);

/* p1i_tst() through entry @slot (any number) of the cache. */
static inline int p1i_tst_at(const char *s, size_t n, unsigned zone,
			     int64_t *utc, unsigned slot)
{
	struct p1i_tst_hour *h = &p1i_tst_cache[slot & (P1I_TST_CACHE - 1)];
	unsigned mi, ss, flag = 0;
	uint64_t b;
	uint32_t tag;

	if (n == 13) {
		flag = (unsigned char)s[12];
		if (flag != 'S' && flag != 'W')
			return -2;
	} else if (n != 12) {
		return -2;
	}
	/* '0000' then mmss (bytes 8..11 of the stamp), pairs of digits */
	b = (p1i_load8(s + 4) & 0xffffffff00000000ull) | 0x30303030ull;
	if (p1i_digits8(b) != 8)
		return -2;
	b -= 0x3030303030303030ull;
	b = b * 10 + (b >> 8);
	mi = b >> 32 & 0xff;
	ss = b >> 48 & 0xff;
	tag = flag | zone << 8 | 1u << 16;
	if (__builtin_expect(h->key != p1i_load8(s) || h->tag != tag, 0))
		return p1i_tst_miss(s, n, zone, utc, h, tag, mi * 60 + ss);
	/* YYMMDDhh is valid: it was entered */
	if (mi > 59 || ss > 59)
		return -1;
	*utc = (int64_t)h->hours * 3600 + mi * 60 + ss;
	return 0;
}
#else
static inline int p1i_tst_at(const char *s, size_t n, unsigned zone,
			     int64_t *utc, unsigned slot)
{
	(void)slot;
	return p1i_tst_nocache(s, n, zone, utc);
}
#endif

/* Quantities of the typed view (p1_typed.c). */
enum p1i_qty {
	Q_PLAIN,    /* any unit, as sent */
	Q_ENERGY,   /* Wh; default kWh */
	Q_RENERGY,  /* varh; default kvarh */
	Q_POWER,    /* W; default kW */
	Q_RPOWER,   /* var; default kvar */
	Q_APPARENT, /* VA */
	Q_VOLT,	    /* V */
	Q_AMP,	    /* A */
	Q_SECONDS,  /* s */
	Q_HZ,	    /* Hz */
	Q_COUNT
};

/* What the family guess needs, gathered object by object. */
struct p1i_seen {
	bool version, emucs, smarty, star, mbus2430, reactive, hu;
	bool gas_same_line; /* 24.3.0 with its reading on its own line */
	bool id_from_96_1_1;
	/* enum p1_unit + 1 of each channel's unit text when the parser
	 * knew it (a known unit), 0: read it from the text */
	uint8_t mbus_unit[P1_MAX_MBUS];
};

/* The quantity of each unit and its power of ten to the base unit. */
struct p1i_uinfo {
	uint8_t q;
	int8_t e10;
};
extern const struct p1i_uinfo p1i_uinfo[P1_UNIT_COUNT];
/* Power of ten to apply when a value comes without a unit (DSMR's). */
extern const int8_t p1i_qdefault[Q_COUNT];

/* number * 10^e10, exact whenever the decimal result fits a double. */
static inline __attribute__((always_inline)) double
p1i_scale(const struct p1_value *v, int e10)
{
	double x = v->number, m;
	int k;

	if (!e10)
		return x;
	if (v->decimals <= 15 &&
	    __builtin_fabs(x) * p1i_pow10[v->decimals] < 9e15) {
		m = x * p1i_pow10[v->decimals];
		m = (double)(int64_t)(m + (m < 0 ? -0.5 : 0.5));
		k = e10 - (int)v->decimals;
		return k >= 0 ? m * p1i_pow10[k] : m / p1i_pow10[-k];
	}
	return e10 > 0 ? x * p1i_pow10[e10] : x / p1i_pow10[-e10];
}

/* Value v (may be NULL) as quantity q in its base unit, if it is one. */
static inline __attribute__((always_inline)) bool
p1i_num_of(const struct p1_value *v, unsigned q, double *out)
{
	int e10;

	if (!v || !(v->flags & P1_VAL_NUMBER))
		return false;
	if (q == Q_PLAIN)
		e10 = 0;
	else if (!(v->flags & P1_VAL_UNIT))
		e10 = p1i_qdefault[q];
	else if (v->unit < P1_UNIT_COUNT && p1i_uinfo[v->unit].q == q)
		e10 = p1i_uinfo[v->unit].e10;
	else
		return false;
	*out = p1i_scale(v, e10);
	return __builtin_isfinite(*out);
}

/*
 * The typed view (t->data), filled as the parser finishes each object (in
 * telegram order, once no more values can come to it), then completed
 * with what needs the whole telegram.
 */
void p1i_typed_obj(struct p1_telegram *t, const struct p1_object *o,
		   unsigned zone, struct p1i_seen *s);
void p1i_typed_end(struct p1_telegram *t, const struct p1i_seen *s);

#endif /* P1_INTERNAL_H */
