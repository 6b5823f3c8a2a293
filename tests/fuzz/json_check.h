/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json_check.h - a strict little JSON validator for the fuzzers: the
 * writer's output must be one valid JSON value in UTF-8, whatever went in.
 */
#ifndef P1_JSON_CHECK_H
#define P1_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* True if s[0..n) is exactly one JSON value (RFC 8259), UTF-8. */
bool json_valid(const char *s, size_t n);

#endif /* P1_JSON_CHECK_H */
