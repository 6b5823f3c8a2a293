// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sbuf.c - growable text buffer and the number/escape formatters.
 */
#include "sbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sb_init(struct sbuf *sb, size_t cap)
{
	*sb = (struct sbuf){0};
	sb->p = malloc(cap);
	if (!sb->p)
		return false;
	sb->cap = cap;
	return true;
}

void sb_free(struct sbuf *sb)
{
	free(sb->p);
	*sb = (struct sbuf){0};
}

bool sb_reserve(struct sbuf *sb, size_t more)
{
	if (sb->failed)
		return false;
	if (sb->len + more <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 256;

	while (cap < sb->len + more)
		cap *= 2;
	char *p = realloc(sb->p, cap);

	if (!p) {
		sb->failed = true;
		return false;
	}
	sb->p = p;
	sb->cap = cap;
	return true;
}

void sb_put(struct sbuf *sb, const void *p, size_t n)
{
	if (!sb_reserve(sb, n))
		return;
	memcpy(sb->p + sb->len, p, n);
	sb->len += n;
}

void sb_puts(struct sbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s));
}

void sb_putc(struct sbuf *sb, char c)
{
	if (!sb_reserve(sb, 1))
		return;
	sb->p[sb->len++] = c;
}

void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = true;
		return;
	}
	if ((size_t)n >= sb->cap - sb->len) {
		if (!sb_reserve(sb, (size_t)n + 1))
			return;
		va_start(ap, fmt);
		vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

void sb_put_u64(struct sbuf *sb, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_put(sb, tmp + i, sizeof(tmp) - (size_t)i);
}

void sb_put_i64(struct sbuf *sb, int64_t v)
{
	if (v < 0) {
		sb_putc(sb, '-');
		sb_put_u64(sb, (uint64_t)0 - (uint64_t)v);
	} else {
		sb_put_u64(sb, (uint64_t)v);
	}
}

void sb_put_double(struct sbuf *sb, double v)
{
	char tmp[40];

	if (isnan(v)) {
		sb_puts(sb, "NaN");
		return;
	}
	if (isinf(v)) {
		sb_puts(sb, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* Integers (energy in joules, counts) print exactly and fast. */
	if (v == floor(v) && fabs(v) < 9.0e15) {
		sb_put_i64(sb, (int64_t)v);
		return;
	}
	/*
	 * 15 significant digits: every meter reading (at most 10 digits as
	 * sent) survives, and the binary noise of unit conversions
	 * (1.193 kW * 1000 = 1193.0000000000002) does not show.
	 */
	snprintf(tmp, sizeof(tmp), "%.15g", v);
	sb_puts(sb, tmp);
}

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned int cp;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	len = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = p[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * A label value must be valid UTF-8 (a scrape with one invalid byte is
 * dropped whole): bytes that are not are replaced with U+FFFD, and so are
 * control characters other than newline, which is escaped.
 */
void sb_put_label(struct sbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t l;

		if (c == '\\') {
			sb_put(sb, "\\\\", 2);
		} else if (c == '"') {
			sb_put(sb, "\\\"", 2);
		} else if (c == '\n') {
			sb_put(sb, "\\n", 2);
		} else if (c < 0x20 || c == 0x7f) {
			sb_put(sb, "\xef\xbf\xbd", 3);
		} else if (c >= 0x80) {
			l = utf8_len(p + i, n - i);
			if (l) {
				sb_put(sb, p + i, l);
				i += l;
				continue;
			}
			sb_put(sb, "\xef\xbf\xbd", 3);
		} else {
			sb_putc(sb, (char)c);
		}
		i++;
	}
}

void sb_put_json_str(struct sbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	sb_putc(sb, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			sb_putc(sb, '\\');
			sb_putc(sb, (char)c);
		} else if (c == '\n') {
			sb_put(sb, "\\n", 2);
		} else if (c == '\r') {
			sb_put(sb, "\\r", 2);
		} else if (c == '\t') {
			sb_put(sb, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			char e[6] = {'\\', 'u',		'0',
				     '0',  hex[c >> 4], hex[c & 15]};
			sb_put(sb, e, sizeof(e));
		} else if (c >= 0x80) {
			size_t l = utf8_len(p + i, n - i);

			if (l) {
				sb_put(sb, p + i, l);
				i += l;
				continue;
			}
			sb_put(sb, "\\ufffd", 6);
		} else {
			sb_putc(sb, (char)c);
		}
		i++;
	}
	sb_putc(sb, '"');
}
