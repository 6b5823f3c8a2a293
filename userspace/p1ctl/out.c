// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * out.c - text output of p1ctl: escaped strings, JSON strings, times and
 * telegram bytes.  Whatever came from a meter is escaped before it reaches
 * a terminal.
 */
#include <time.h>

#include "p1ctl.h"
#include "p1gmtime.h"

static bool printable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

void out_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (printable(c))
			fputc(c, f);
		else
			fprintf(f, "\\x%02X", c);
	}
}

void out_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (printable(c))
			fputc(c, f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c == '\t')
			fputs("\\t", f);
		else
			fprintf(f, "\\u%04x", c);
	}
	fputc('"', f);
}

void out_time(FILE *f, uint64_t realtime_ns)
{
	unsigned long usec = (unsigned long)(realtime_ns % 1000000000u / 1000u);
	struct tm tm;
	char buf[32];

	/* not gmtime_r(): 2038 with a 32-bit time_t */
	p1_gmtime((int64_t)(realtime_ns / 1000000000u), &tm);
	if (!strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm)) {
		fputs("-", f);
		return;
	}
	fprintf(f, "%s.%06luZ", buf, usec);
}

void out_telegram(FILE *f, const uint8_t *data, size_t len, bool escape)
{
	if (!escape) {
		fwrite(data, 1, len, f);
	} else {
		for (size_t i = 0; i < len; i++) {
			unsigned char c = data[i];

			if (printable(c) || c == '\r' || c == '\n' || c == '\t')
				fputc(c, f);
			else
				fprintf(f, "\\x%02X", c);
		}
	}
	if (!len || data[len - 1] != '\n')
		fputc('\n', f);
}
