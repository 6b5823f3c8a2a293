// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_decode.c - p1ctl decode [--json] [--zone NAME] [FILE|-]
 *
 * Reads a byte stream holding any number of telegrams (garbage, truncation
 * and bad CRCs in between, as off a wire or a capture), splits it with the
 * framer the kernel uses, parses each telegram with libp1 and prints one
 * line per telegram: a readable summary, or with --json one JSON object
 * per line (JSON Lines).  Telegrams with a bad CRC are still decoded and
 * marked.  A summary of what the framer saw goes to stderr at the end.
 * The input is read and framed by libp1's reader ("file:PATH" or "-",
 * rate=max, p1/reader.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <p1/p1.h>
#include <p1/reader.h>

#include "p1ctl.h"
#include "p1gmtime.h"

struct decode {
	bool json;
	struct p1_parse_opts opts;
	unsigned long long found;
	unsigned long long verdicts[4]; /* by enum p1_crc */
	int err;			/* reading failed: -errno */
	char errmsg[256];
	struct p1_telegram t; /* ~50 KiB: keep it off the stack */
};

static void usage(FILE *f)
{
	fputs("usage: p1ctl decode [--json] [--zone NAME] [FILE|-]\n"
	      "  Decode every telegram in FILE (default: standard input).\n"
	      "  --json       one JSON object per telegram and line\n"
	      "  --zone NAME  meter clock zone: Europe/Amsterdam (default,\n"
	      "               also BE/LU/SE/AT/HU...), Europe/Dublin, UTC\n",
	      f);
}

static int out_write(void *ctx, const char *s, size_t n)
{
	return fwrite(s, 1, n, ctx) == n ? 0 : -1;
}

static void put_time(const char *label, const struct p1_time *t)
{
	char b[32];
	struct tm tm;

	if (!t->present)
		return;
	if (!t->valid) {
		printf(" %sinvalid", label);
		return;
	}
	p1_gmtime(t->t, &tm); /* not gmtime_r(): 2038 with a 32-bit time_t */
	if (!strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return;
	printf(" %s%s", label, b);
}

/* Bytes as text, non-printable ones as \xNN. */
static void put_bytes(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else
			printf("\\x%02x", c);
	}
}

static void put_num(const char *label, const struct p1_num *n, const char *unit)
{
	if (n->present)
		printf(" %s=%.15g%s", label, n->value, unit);
}

static void summary(const struct p1_telegram *t)
{
	const struct p1_data *d = &t->data;
	const struct p1_elec *el = &d->elec;
	unsigned i;

	printf("crc=%s ", p1_crc_name(t->crc));
	put_bytes(t->text + t->header_off, t->header_len);
	printf(" family=%s", p1_family_name(d->family));
	if (d->dsmr)
		printf(" dsmr=%u.%u", d->dsmr / 10, d->dsmr % 10);
	put_time("time=", &d->time);
	for (i = 0; i <= P1_MAX_TARIFFS; i++) {
		char l[16];

		snprintf(l, sizeof(l), i ? "import%u" : "import", i);
		put_num(l, &el->energy_import[i], "Wh");
		snprintf(l, sizeof(l), i ? "export%u" : "export", i);
		put_num(l, &el->energy_export[i], "Wh");
	}
	put_num("power", &el->power_import, "W");
	put_num("power_export", &el->power_export, "W");
	put_num("tariff", &el->tariff, "");
	put_num("demand", &el->demand, "W");
	if (el->month_peak.power.present)
		put_num("month_peak", &el->month_peak.power, "W");
	if (el->peaks_present)
		printf(" peaks=%u", el->npeaks);
	for (i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *m = &d->mbus[i];

		if (!m->present || !m->reading.present)
			continue;
		/* The unit is the meter's text: no control bytes to a tty. */
		printf(" %s%u=%.15g", p1_mbus_kind_name(m->kind), i + 1,
		       m->reading.value);
		put_bytes(m->unit, strlen(m->unit));
		put_time("@", &m->time);
		if (m->stale)
			fputs("(stale)", stdout);
	}
	printf(" objects=%u", t->nobjects);
	if (t->anomalies)
		printf(" anomalies=0x%x", t->anomalies);
	putchar('\n');
}

/* Every framed telegram, whatever its CRC says. */
static void one(struct p1_reader *r, void *user, const uint8_t *data,
		const struct p1_reader_meta *m)
{
	struct decode *dc = user;
	struct p1_parse_opts o = dc->opts;

	(void)r;
	o.flags |= P1_PARSE_CRC_GIVEN;
	if (!m->has_crc)
		o.crc = P1_CRC_NONE;
	else
		o.crc = m->crc_rx == m->crc_calc ? P1_CRC_OK : P1_CRC_BAD;
	p1_parse(data, m->len, &dc->t, &o);
	dc->found++;
	dc->verdicts[o.crc]++;
	if (dc->json) {
		p1_json_emit(&dc->t, P1_JSON_ALL, out_write, stdout);
		putchar('\n');
	} else {
		summary(&dc->t);
	}
}

static void failed(struct p1_reader *r, void *user, int final, int err,
		   const char *why)
{
	struct decode *dc = user;

	(void)r;
	(void) final;
	if (err) {
		dc->err = err;
		snprintf(dc->errmsg, sizeof(dc->errmsg), "%s", why);
	}
}

static const struct p1_reader_callbacks decode_callbacks = {
	.telegram = one,
	.closed = failed,
};

int cmd_decode(int argc, char **argv)
{
	static struct decode dc;
	const struct p1_reader_counters *c;
	const char *path = NULL;
	char src[4200], err[256];
	struct p1_reader *r;
	int i, rc = 0;

	memset(&dc.opts, 0, sizeof(dc.opts));
	dc.json = false;
	dc.found = 0;
	memset(dc.verdicts, 0, sizeof(dc.verdicts));
	dc.err = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			dc.json = true;
		} else if (!strcmp(a, "--zone") && i + 1 < argc) {
			int z = p1_zone_from_name(argv[++i]);

			if (z < 0) {
				fprintf(stderr,
					"p1ctl decode: unknown zone '%s'\n",
					argv[i]);
				return 2;
			}
			dc.opts.zone = (uint32_t)z;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			usage(stderr);
			return 2;
		} else if (!path) {
			path = a;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!path || !strcmp(path, "-"))
		path = "-";
	if (snprintf(src, sizeof(src), "file:%s,rate=max,crc=auto", path) >=
	    (int)sizeof(src)) {
		fprintf(stderr, "p1ctl decode: %s: name too long\n", path);
		return 1;
	}
	r = p1_reader_new(src, &decode_callbacks, &dc, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "p1ctl decode: %s: %s\n", path, err);
		return 1;
	}
	if (p1_reader_run(r) < 0 || dc.err) {
		fprintf(stderr, "p1ctl decode: %s: %s\n", path,
			dc.err ? dc.errmsg : "interrupted");
		rc = 1;
	}
	c = p1_reader_get_counters(r);
	if (!c->connects) { /* could not open it */
		p1_reader_free(r);
		return rc;
	}
	fflush(stdout);
	fprintf(stderr,
		"p1ctl decode: %llu telegrams: %llu CRC ok, %llu CRC bad, "
		"%llu without CRC; %llu truncated, %llu oversize, "
		"%llu garbage bytes%s\n",
		dc.found, dc.verdicts[P1_CRC_OK], dc.verdicts[P1_CRC_BAD],
		dc.verdicts[P1_CRC_NONE], (unsigned long long)c->truncated,
		(unsigned long long)c->oversize,
		(unsigned long long)c->garbage_bytes,
		c->cut_at_end ? ", 1 cut off at the end" : "");
	p1_reader_free(r);
	return rc;
}
