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
#include "p1_json.h"
#include "p1ctl.h"
#include "p1gmtime.h"

struct decode {
	bool json;
	struct p1_parse_opts opts;
	unsigned long long found;
	unsigned long long verdicts[4]; /* by enum p1_crc */
	int err;			/* reading failed: -errno */
	char errmsg[256];
	struct p1_telegram t;	 /* ~50 KiB: keep it off the stack */
	struct p1i_json_prev jp; /* the lists of objects of the last two */
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
 * out with one write() per buffer full and at the end.  A summary line
 * is written straight into the buffer after one check that its longest
 * possible form fits (line_max()).
 */
#define OB_SIZE (1024 * 1024)

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

static int out_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	ob_put(s, n);
	return ob.err ? -1 : 0;
}

/* Literal text: a constant-size copy. */
#define LIT(p, s) (memcpy(p, s, sizeof(s) - 1), (p) + sizeof(s) - 1)

static char *str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* dd with a leading zero (0..99) at p. */
static char *two(char *p, int v)
{
	memcpy(p, p1i_digits2 + 2 * v, 2);
	return p + 2;
}

static char *put_u(char *p, uint64_t x)
{
	return p + p1i_fmt_u64(p, x);
}

/*
 * ISO 8601 UTC; at most 48 bytes.  Telegrams of a capture share their
 * day: its "YYYY-MM-DDT" is kept and only the time of day is computed.
 */
static char *put_time(char *p, const char *label, size_t llen,
		      const struct p1_time *t)
{
	static int64_t day = INT64_MIN;
	static char date[11];
	int64_t d, s;
	struct tm tm;

	if (!t->present)
		return p;
	*p++ = ' ';
	memcpy(p, label, llen);
	p += llen;
	if (!t->valid)
		return LIT(p, "invalid");
	d = t->t / 86400;
	s = t->t % 86400;
	if (s < 0) {
		s += 86400;
		d--;
	}
	if (d != day) {
		p1_gmtime(t->t, &tm); /* not gmtime_r(): 2038, 32-bit time_t */
		if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
			return p + strftime(p, 48, "%Y-%m-%dT%H:%M:%SZ", &tm);
		two(date, (tm.tm_year + 1900) / 100);
		two(date + 2, (tm.tm_year + 1900) % 100);
		date[4] = '-';
		two(date + 5, tm.tm_mon + 1);
		date[7] = '-';
		two(date + 8, tm.tm_mday);
		date[10] = 'T';
		day = d;
	}
	memcpy(p, date, 11);
	p += 11;
	p = two(p, (int)(s / 3600));
	*p++ = ':';
	p = two(p, (int)(s / 60 % 60));
	*p++ = ':';
	p = two(p, (int)(s % 60));
	*p++ = 'Z';
	return p;
}

/* Bytes as text, non-printable ones as \xNN: at most 4 n bytes. */
static char *put_bytes(char *p, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
	size_t i = 0;

	/* Eight printable bytes (0x20-0x7e) at a time: none below 0x20,
	 * none above 0x7e (bytes from 0x80 have their high bit set). */
	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if (((w - ones * 0x20) & ~w & high) |
		    (((w + ones * (127 - 0x7e)) | w) & high))
			break;
		memcpy(p, &w, 8);
		p += 8;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f) {
			*p++ = (char)c;
			continue;
		}
		p[0] = '\\';
		p[1] = 'x';
		p[2] = hex[c >> 4];
		p[3] = hex[c & 15];
		p += 4;
	}
	return p;
}

/* " label=value unit": at most 16 + P1I_FMT_G15_MAX + 2 bytes. */
static inline char *put_num(char *p, const char *label, size_t llen,
			    const struct p1_num *n, const char *unit,
			    size_t ulen)
{
	if (!n->present)
		return p;
	memcpy(p, label, llen);
	p += llen;
	p += p1i_fmt_g15(p, n->value);
	memcpy(p, unit, ulen);
	return p + ulen;
}

#define NUM(p, label, n, unit)                                                 \
	put_num(p, " " label "=", sizeof(label) + 1, n, unit, sizeof(unit) - 1)

/* The longest summary() line of t. */
static size_t line_max(const struct p1_telegram *t)
{
	return 4 * (size_t)t->header_len + 2048;
}

static void summary(const struct p1_telegram *t)
{
	/* " import=" .. " export4=" padded: constant-size copies */
	static const char label[2][P1_MAX_TARIFFS + 1][16] = {
		{" import=", " import1=", " import2=", " import3=",
		 " import4="},
		{" export=", " export1=", " export2=", " export3=",
		 " export4="},
	};
	const struct p1_data *d = &t->data;
	const struct p1_elec *el = &d->elec;
	unsigned i, k;
	char *p;

	_Static_assert(P1_MAX_TARIFFS == 4, "import/export labels");
	if (OB_SIZE - ob.n < line_max(t))
		ob_flush();
	p = ob.b + ob.n;
	p = LIT(p, "crc=");
	p = str(p, p1_crc_name(t->crc));
	*p++ = ' ';
	p = put_bytes(p, t->text + t->header_off, t->header_len);
	p = LIT(p, " family=");
	p = str(p, p1_family_name(d->family));
	if (d->dsmr) {
		p = LIT(p, " dsmr=");
		p = put_u(p, d->dsmr / 10);
		*p++ = '.';
		p = put_u(p, d->dsmr % 10);
	}
	p = put_time(p, "time=", 5, &d->time);
	for (i = 0; i <= P1_MAX_TARIFFS; i++) {
		for (k = 0; k < 2; k++) {
			const struct p1_num *n = k ? &el->energy_export[i]
						   : &el->energy_import[i];

			if (!n->present)
				continue;
			memcpy(p, label[k][i], 16);
			p += 8 + (i > 0);
			p += p1i_fmt_g15(p, n->value);
			p = LIT(p, "Wh");
		}
	}
	p = NUM(p, "power", &el->power_import, "W");
	p = NUM(p, "power_export", &el->power_export, "W");
	p = NUM(p, "tariff", &el->tariff, "");
	p = NUM(p, "demand", &el->demand, "W");
	p = NUM(p, "month_peak", &el->month_peak.power, "W");
	if (el->peaks_present) {
		p = LIT(p, " peaks=");
		p = put_u(p, el->npeaks);
	}
	for (i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *m = &d->mbus[i];

		if (!m->present || !m->reading.present)
			continue;
		/* The unit is the meter's text: no control bytes to a tty. */
		*p++ = ' ';
		p = str(p, p1_mbus_kind_name(m->kind));
		p = put_u(p, i + 1);
		*p++ = '=';
		p += p1i_fmt_g15(p, m->reading.value);
		p = put_bytes(p, m->unit, strnlen(m->unit, sizeof(m->unit)));
		p = put_time(p, "@", 1, &m->time);
		if (m->stale)
			p = LIT(p, "(stale)");
	}
	p = LIT(p, " objects=");
	p = put_u(p, t->nobjects);
	if (t->anomalies) {
		static const char hex[] = "0123456789abcdef";
		char b[8], *q = b + sizeof(b);
		uint32_t a = t->anomalies;

		do {
			*--q = hex[a & 15];
			a >>= 4;
		} while (a);
		p = LIT(p, " anomalies=0x");
		memcpy(p, q, (size_t)(b + sizeof(b) - q));
		p += b + sizeof(b) - q;
	}
	*p++ = '\n';
	ob.n = (size_t)(p - ob.b);
}

/* Every framed telegram, whatever its CRC says. */
static void one(struct p1_reader *r, void *user, const uint8_t *data,
		const struct p1_reader_meta *m)
{
	struct decode *dc = user;
	struct p1_parse_opts o = dc->opts;

	(void)r;
	/* dc->t is ours and only read between parses: each telegram takes
	 * over the lines it shares with the one before (the same result) */
	o.flags |= P1_PARSE_CRC_GIVEN | P1_PARSE_REUSE;
	if (!m->has_crc)
		o.crc = P1_CRC_NONE;
	else
		o.crc = m->crc_rx == m->crc_calc ? P1_CRC_OK : P1_CRC_BAD;
	p1i_parse_kept(data, m->len, &dc->t, &o, &dc->jp);
	dc->found++;
	dc->verdicts[o.crc]++;
	if (dc->json) {
		/* Straight into the output buffer; a telegram's JSON that
		 * does not fit the rest of it goes into the emptied one
		 * (written afresh: the failed try used up jp's turn). */
		size_t n = p1i_json_into_prev(&dc->t, P1_JSON_ALL, ob.b + ob.n,
					      OB_SIZE - ob.n - 1, &dc->jp);

		if (!n) {
			ob_flush();
			n = p1i_json_into_prev(&dc->t, P1_JSON_ALL, ob.b,
					       OB_SIZE - 1, &dc->jp);
		}
		if (n) {
			ob.n += n;
			ob.b[ob.n++] = '\n';
		} else {
			p1_json_emit(&dc->t, P1_JSON_ALL, out_write, NULL);
			ob_put("\n", 1);
		}
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
