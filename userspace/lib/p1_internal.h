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

/* p1i_tst() for 12 bytes known to be digits; flag 'S', 'W' or 0. */
int p1i_tst_digits(const char *s, int flag, unsigned zone, int64_t *utc);

/*
 * The value of nint digits at p, then (if nfrac) a '.' and nfrac digits:
 * the first 19 significant digits, scaled.  Digits must be checked.
 */
double p1i_digits(const char *p, size_t nint, size_t nfrac);

/* Derive the typed view (t->data) from the generic objects. */
void p1i_typed(struct p1_telegram *t, unsigned zone);

#endif /* P1_INTERNAL_H */
