/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unit.h - shared helpers of the libp1 cmocka suites. */
#ifndef P1_UNIT_H
#define P1_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <p1/p1.h>

/* Read tests/corpus/NAME into buf (fails the test if it cannot). */
size_t corpus_load(const char *name, char *buf, size_t cap);

/* Parse tests/corpus/NAME into a static result (zone: enum p1_zone). */
struct p1_telegram *corpus_parse(const char *name, unsigned zone);

/* Parse a C string into a static result. */
struct p1_telegram *parse_str(const char *s);

/* The object with this code, failing the test if there is none. */
const struct p1_object *must_find(const struct p1_telegram *t,
				  const char *obis);

/* A typed number: present and exactly (or within tol) this value. */
void check_num_(const struct p1_num *n, double want, double tol,
		const char *what, const char *file, int line);
#define check_num(n, want) check_num_(&(n), (want), 0, #n, __FILE__, __LINE__)
#define check_near(n, want, tol)                                               \
	check_num_(&(n), (want), (tol), #n, __FILE__, __LINE__)
#define check_absent(n) assert_false((n).present)

/* A typed time: present, valid and this value. */
void check_time_(const struct p1_time *t, int64_t want, const char *what,
		 const char *file, int line);
#define check_time(t, want) check_time_(&(t), (want), #t, __FILE__, __LINE__)
#define check_bad_time(t)                                                      \
	do {                                                                   \
		assert_true((t).present);                                      \
		assert_false((t).valid);                                       \
	} while (0)

/* The typed views are equal (the parts p1_parse() defines). */
bool data_equal(const struct p1_data *a, const struct p1_data *b);

/* The raw text of value i of object o equals s. */
void check_raw(const struct p1_telegram *t, const struct p1_object *o,
	       unsigned i, const char *s);

#endif /* P1_UNIT_H */
