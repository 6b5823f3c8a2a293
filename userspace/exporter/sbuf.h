/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbuf.h - a growable text buffer, reused between renders.
 *
 * A buffer grows (realloc) only when a render needs more room than any
 * before it; in steady state rendering allocates nothing.  Once an
 * allocation fails the buffer is marked failed and further appends are
 * ignored, so callers check sb->failed once at the end.
 */
#ifndef P1X_SBUF_H
#define P1X_SBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sbuf {
	char *p;
	size_t len;
	size_t cap;
	bool failed;
};

bool sb_init(struct sbuf *sb, size_t cap);
void sb_free(struct sbuf *sb);
static inline void sb_reset(struct sbuf *sb)
{
	sb->len = 0;
	sb->failed = false;
}
bool sb_reserve(struct sbuf *sb, size_t more);
void sb_put(struct sbuf *sb, const void *p, size_t n);
void sb_puts(struct sbuf *sb, const char *s);
void sb_putc(struct sbuf *sb, char c);
__attribute__((format(printf, 2, 3))) void sb_printf(struct sbuf *sb,
						     const char *fmt, ...);
void sb_put_u64(struct sbuf *sb, uint64_t v);
void sb_put_i64(struct sbuf *sb, int64_t v);
/* 15 significant digits, integers exactly; NaN, +Inf, -Inf. */
void sb_put_double(struct sbuf *sb, double v);
/*
 * Prometheus label value: escapes backslash, double quote and newline;
 * bytes that are not UTF-8 and control characters become U+FFFD.
 */
void sb_put_label(struct sbuf *sb, const char *s);
/* JSON string with quotes; bytes >= 0x80 that are not valid UTF-8 become
 * U+FFFD so the output is always valid JSON. */
void sb_put_json_str(struct sbuf *sb, const char *s, size_t n);

#endif
