// SPDX-License-Identifier: GPL-2.0-or-later
/* json_check.c - see json_check.h.  Recursion is bounded by a depth. */
#include "json_check.h"

#include <string.h>

struct jp {
	const unsigned char *p, *e;
	int depth;
};

static void ws(struct jp *j)
{
	while (j->p < j->e && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' ||
			       *j->p == '\r'))
		j->p++;
}

static bool lit(struct jp *j, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(j->e - j->p) < n || memcmp(j->p, s, n))
		return false;
	j->p += n;
	return true;
}

static bool digits(struct jp *j)
{
	const unsigned char *s = j->p;

	while (j->p < j->e && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s;
}

static bool number(struct jp *j)
{
	if (j->p < j->e && *j->p == '-')
		j->p++;
	if (j->p < j->e && *j->p == '0')
		j->p++;
	else if (!digits(j))
		return false;
	if (j->p < j->e && *j->p == '.') {
		j->p++;
		if (!digits(j))
			return false;
	}
	if (j->p < j->e && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->e && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!digits(j))
			return false;
	}
	return true;
}

static bool utf8(struct jp *j)
{
	unsigned c = *j->p, len, i;

	if (c < 0xc2 || c > 0xf4)
		return false;
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if ((size_t)(j->e - j->p) < len)
		return false;
	for (i = 1; i < len; i++)
		if ((j->p[i] & 0xc0) != 0x80)
			return false;
	if ((c == 0xe0 && j->p[1] < 0xa0) || (c == 0xed && j->p[1] > 0x9f) ||
	    (c == 0xf0 && j->p[1] < 0x90) || (c == 0xf4 && j->p[1] > 0x8f))
		return false;
	j->p += len;
	return true;
}

static bool string(struct jp *j)
{
	if (j->p >= j->e || *j->p != '"')
		return false;
	j->p++;
	while (j->p < j->e) {
		unsigned c = *j->p;

		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			j->p++;
			if (j->p >= j->e)
				return false;
			if (*j->p == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (j->p + i >= j->e ||
					    !strchr("0123456789abcdefABCDEF",
						    j->p[i]) ||
					    !j->p[i])
						return false;
				j->p += 5;
			} else if (strchr("\"\\/bfnrt", *j->p) && *j->p) {
				j->p++;
			} else {
				return false;
			}
		} else if (c >= 0x80) {
			if (!utf8(j))
				return false;
		} else {
			j->p++;
		}
	}
	return false;
}

static bool value(struct jp *j);

static bool members(struct jp *j, char close, bool object)
{
	ws(j);
	if (j->p < j->e && *j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		ws(j);
		if (object) {
			if (!string(j))
				return false;
			ws(j);
			if (j->p >= j->e || *j->p++ != ':')
				return false;
		}
		if (!value(j))
			return false;
		ws(j);
		if (j->p >= j->e)
			return false;
		if (*j->p == close) {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool value(struct jp *j)
{
	bool ok;

	ws(j);
	if (j->p >= j->e || ++j->depth > 64)
		return false;
	switch (*j->p) {
	case '{':
		j->p++;
		ok = members(j, '}', true);
		break;
	case '[':
		j->p++;
		ok = members(j, ']', false);
		break;
	case '"':
		ok = string(j);
		break;
	case 't':
		ok = lit(j, "true");
		break;
	case 'f':
		ok = lit(j, "false");
		break;
	case 'n':
		ok = lit(j, "null");
		break;
	default:
		ok = number(j);
		break;
	}
	j->depth--;
	return ok;
}

bool json_valid(const char *s, size_t n)
{
	struct jp j = {(const unsigned char *)s, (const unsigned char *)s + n,
		       0};

	if (!value(&j))
		return false;
	ws(&j);
	return j.p == j.e;
}
