// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_decode.c - p1ctl decode [--json] [--zone NAME]
 *		  [--key HEX|--key-file FILE] [--auth-key HEX|--auth-key-file
 *FILE] [FILE|-]
 *
 * Reads a byte stream holding any number of telegrams (garbage, truncation
 * and bad CRCs in between, as off a wire or a capture), splits it with the
 * framer the kernel uses, parses each telegram with libp1 and prints one
 * line per telegram: a readable summary, or with --json one JSON object
 * per line (JSON Lines).  Telegrams with a bad CRC are still decoded and
 * marked.  A summary of what the framer saw goes to stderr at the end.
 * The input is read and framed by libp1's reader ("file:PATH" or "-",
 * rate=max, p1/reader.h).
 *
 * Encrypted frames (Luxembourg Smarty, Austria: DLMS general-global-
 * ciphering, p1/dlms.h) are authenticated and decrypted by the reader with
 * the key given, and their telegram is decoded exactly like a plaintext
 * one (same output).  Frames that fail authentication, replay an old frame
 * counter or arrive without a key are counted in the summary, never
 * decoded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <p1/dlms.h>
#include <p1/p1.h>
#include <p1/reader.h>

#include "p1_fmt.h"
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
	fputs("usage: p1ctl decode [--json] [--zone NAME] [--key "
	      "HEX|--key-file "
	      "FILE]\n"
	      "                    [--auth-key HEX|--auth-key-file FILE] "
	      "[FILE|-]\n"
	      "  Decode every telegram in FILE (default: standard input).\n"
	      "  --json       one JSON object per telegram and line\n"
	      "  --zone NAME  meter clock zone: Europe/Amsterdam (default,\n"
	      "               also BE/LU/SE/AT/HU...), Europe/Dublin, UTC\n"
	      "  --key HEX, --key-file FILE\n"
	      "               decryption key of an encrypted meter (LU "
	      "Smarty,\n"
	      "               AT): 32 hex digits from the grid operator\n"
	      "  --auth-key HEX, --auth-key-file FILE\n"
	      "               authentication key (default: Smarty's\n"
	      "               " P1_DLMS_SMARTY_AUTH_KEY ")\n",
	      f);
}

/*
 * Output: lines are built in one buffer with libp1's number formatting
 * (no printf family call per value: that was most of the time) and go
 * out with one write() per buffer full and at the end.
 */
#define OB_SIZE 65536
#define OB_ROOM 256 /* the most one ob_* call below adds but ob_put() */

static struct {
	size_t n;
	int err; /* errno of a failed write(): the rest is dropped */
	char b[OB_SIZE];
} ob;

static void ob_flush(void)
{
	size_t off = 0;

	while (off < ob.n && !ob.err) {
		ssize_t w = write(STDOUT_FILENO, ob.b + off, ob.n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			ob.err = w < 0 ? errno : EIO;
		else
			off += (size_t)w;
	}
	ob.n = 0;
}

/* Room for OB_ROOM more bytes. */
static char *ob_reserve(void)
{
	if (OB_SIZE - ob.n < OB_ROOM)
		ob_flush();
	return ob.b + ob.n;
}

static void ob_put(const char *s, size_t n)
{
	while (n) {
		size_t k;

		if (ob.n == OB_SIZE)
			ob_flush();
		k = OB_SIZE - ob.n < n ? OB_SIZE - ob.n : n;
		memcpy(ob.b + ob.n, s, k);
		ob.n += k;
		s += k;
		n -= k;
	}
}

static void ob_str(const char *s)
{
	ob_put(s, strlen(s));
}

static void ob_u(uint64_t x)
{
	ob.n += p1i_fmt_u64(ob_reserve(), x);
}

static void ob_g(double x)
{
	ob.n += p1i_fmt_g15(ob_reserve(), x);
}

static int out_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	ob_put(s, n);
	return ob.err ? -1 : 0;
}

/* dd with a leading zero (0..99) at p. */
static char *two(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

static void put_time(const char *label, const struct p1_time *t)
{
	struct tm tm;
	char *p;

	if (!t->present)
		return;
	ob_put(" ", 1);
	ob_str(label);
	if (!t->valid) {
		ob_str("invalid");
		return;
	}
	p1_gmtime(t->t, &tm); /* not gmtime_r(): 2038 with a 32-bit time_t */
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		char b[48];

		if (strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm))
			ob_str(b);
		return;
	}
	p = ob_reserve();
	p = two(p, (tm.tm_year + 1900) / 100);
	p = two(p, (tm.tm_year + 1900) % 100);
	*p++ = '-';
	p = two(p, tm.tm_mon + 1);
	*p++ = '-';
	p = two(p, tm.tm_mday);
	*p++ = 'T';
	p = two(p, tm.tm_hour);
	*p++ = ':';
	p = two(p, tm.tm_min);
	*p++ = ':';
	p = two(p, tm.tm_sec);
	*p++ = 'Z';
	ob.n = (size_t)(p - ob.b);
}

/* Bytes as text, non-printable ones as \xNN. */
static void put_bytes(const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char *p;

		if (c >= 0x20 && c < 0x7f) {
			run++;
			continue;
		}
		ob_put(s + i - run, run);
		run = 0;
		p = ob_reserve();
		p[0] = '\\';
		p[1] = 'x';
		p[2] = hex[c >> 4];
		p[3] = hex[c & 15];
		ob.n += 4;
	}
	ob_put(s + n - run, run);
}

static void put_num(const char *label, const struct p1_num *n, const char *unit)
{
	if (!n->present)
		return;
	ob_put(" ", 1);
	ob_str(label);
	ob_put("=", 1);
	ob_g(n->value);
	ob_str(unit);
}

static void summary(const struct p1_telegram *t)
{
	static const char *const import[P1_MAX_TARIFFS + 1] = {
		"import", "import1", "import2", "import3", "import4"};
	static const char *const export[P1_MAX_TARIFFS + 1] = {
		"export", "export1", "export2", "export3", "export4"};
	const struct p1_data *d = &t->data;
	const struct p1_elec *el = &d->elec;
	unsigned i;

	_Static_assert(P1_MAX_TARIFFS == 4, "import/export labels");
	ob_str("crc=");
	ob_str(p1_crc_name(t->crc));
	ob_put(" ", 1);
	put_bytes(t->text + t->header_off, t->header_len);
	ob_str(" family=");
	ob_str(p1_family_name(d->family));
	if (d->dsmr) {
		ob_str(" dsmr=");
		ob_u(d->dsmr / 10);
		ob_put(".", 1);
		ob_u(d->dsmr % 10);
	}
	put_time("time=", &d->time);
	for (i = 0; i <= P1_MAX_TARIFFS; i++) {
		put_num(import[i], &el->energy_import[i], "Wh");
		put_num(export[i], &el -> energy_export[i], "Wh");
	}
	put_num("power", &el->power_import, "W");
	put_num("power_export", &el->power_export, "W");
	put_num("tariff", &el->tariff, "");
	put_num("demand", &el->demand, "W");
	if (el->month_peak.power.present)
		put_num("month_peak", &el->month_peak.power, "W");
	if (el->peaks_present) {
		ob_str(" peaks=");
		ob_u(el->npeaks);
	}
	for (i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *m = &d->mbus[i];

		if (!m->present || !m->reading.present)
			continue;
		/* The unit is the meter's text: no control bytes to a tty. */
		ob_put(" ", 1);
		ob_str(p1_mbus_kind_name(m->kind));
		ob_u(i + 1);
		ob_put("=", 1);
		ob_g(m->reading.value);
		put_bytes(m->unit, strlen(m->unit));
		put_time("@", &m->time);
		if (m->stale)
			ob_str("(stale)");
	}
	ob_str(" objects=");
	ob_u(t->nobjects);
	if (t->anomalies) {
		static const char hex[] = "0123456789abcdef";
		char b[8], *p = b + sizeof(b);
		uint32_t a = t->anomalies;

		do {
			*--p = hex[a & 15];
			a >>= 4;
		} while (a);
		ob_str(" anomalies=0x");
		ob_put(p, (size_t)(b + sizeof(b) - p));
	}
	ob_put("\n", 1);
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
		p1_json_emit(&dc->t, P1_JSON_ALL, out_write, NULL);
		ob_put("\n", 1);
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

/* Encrypted frames: what became of them, and a hint when all failed. */
static void summary_dlms(const struct p1_reader_counters *c)
{
	unsigned long long n = c->dlms_decrypted + c->dlms_auth_failed +
			       c->dlms_replayed + c->dlms_no_key;

	if (!n)
		return;
	fprintf(stderr,
		"p1ctl decode: %llu encrypted frames: %llu decrypted, "
		"%llu failed authentication, %llu replayed, %llu without key\n",
		n, (unsigned long long)c->dlms_decrypted,
		(unsigned long long)c->dlms_auth_failed,
		(unsigned long long)c->dlms_replayed,
		(unsigned long long)c->dlms_no_key);
	if (c->dlms_no_key)
		fputs("p1ctl decode: the meter encrypts its telegrams: give "
		      "the key from the grid operator with --key-file FILE\n",
		      stderr);
	else if (c->dlms_auth_failed && !c->dlms_decrypted)
		fputs("p1ctl decode: no frame authenticated: wrong key, or "
		      "wrong --auth-key (Austrian meters have their own)\n",
		      stderr);
}

int cmd_decode(int argc, char **argv)
{
	static struct decode dc;
	const struct p1_reader_counters *c;
	const char *path = NULL;
	char src[4200], err[256];
	struct p1_reader *r;
	const char *keyopt[4][2];
	int i, k, nkeys = 0, rc = 0;

	memset(&dc.opts, 0, sizeof(dc.opts));
	dc.json = false;
	dc.found = 0;
	memset(dc.verdicts, 0, sizeof(dc.verdicts));
	dc.err = 0;
	ob.n = 0;
	ob.err = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if ((!strcmp(a, "--key") || !strcmp(a, "--key-file") ||
		     !strcmp(a, "--auth-key") ||
		     !strcmp(a, "--auth-key-file")) &&
		    i + 1 < argc) {
			if (nkeys == 4) {
				usage(stderr);
				return 2;
			}
			keyopt[nkeys][0] = a + 2; /* the reader's option */
			keyopt[nkeys++][1] = argv[++i];
		} else if (!strcmp(a, "--json")) {
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
	for (k = 0; k < nkeys; k++) {
		if (p1_reader_set_option(r, keyopt[k][0], keyopt[k][1]) < 0) {
			fprintf(stderr, "p1ctl decode: --%s: %s\n",
				keyopt[k][0], p1_reader_errmsg(r));
			p1_reader_free(r);
			return 2;
		}
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
	ob_flush();
	if (ob.err) {
		fprintf(stderr, "p1ctl decode: standard output: %s\n",
			strerror(ob.err));
		rc = 1;
	}
	fprintf(stderr,
		"p1ctl decode: %llu telegrams: %llu CRC ok, %llu CRC bad, "
		"%llu without CRC; %llu truncated, %llu oversize, "
		"%llu garbage bytes%s\n",
		dc.found, dc.verdicts[P1_CRC_OK], dc.verdicts[P1_CRC_BAD],
		dc.verdicts[P1_CRC_NONE], (unsigned long long)c->truncated,
		(unsigned long long)c->oversize,
		(unsigned long long)c->garbage_bytes,
		c->cut_at_end ? ", 1 cut off at the end" : "");
	summary_dlms(c);
	p1_reader_free(r);
	return rc;
}
