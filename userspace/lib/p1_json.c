// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_json.c - a parsed telegram as one JSON object (format: see
 * docs/libp1.md).  Output goes through a small staging buffer to the
 * caller's callback; nothing is allocated.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "p1_fmt.h"
#include "p1_internal.h"

struct jw {
	p1_write_fn fn;
	void *ctx;
	int err;
	size_t n;
	char buf[1024];
};

static void flush(struct jw *w)
{
	if (w->n && !w->err)
		w->err = w->fn(w->ctx, w->buf, w->n);
	w->n = 0;
}

static void put_slow(struct jw *w, const char *s, size_t n)
{
	if (w->err)
		return;
	flush(w);
	if (n > sizeof(w->buf)) {
		if (!w->err)
			w->err = w->fn(w->ctx, s, n);
		return;
	}
	memcpy(w->buf, s, n);
	w->n = n;
}

static inline void put(struct jw *w, const char *s, size_t n)
{
	if (n <= sizeof(w->buf) - w->n) {
		memcpy(w->buf + w->n, s, n);
		w->n += n;
	} else {
		put_slow(w, s, n);
	}
}

static void puts_(struct jw *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0; /* overlong, surrogate, above U+10FFFF */
	return len;
}

/* Bytes copied as they are in a JSON string: printable ASCII but " \\ */
#define PLAIN16(c) ((c) >= 0x20 && (c) < 0x7f && (c) != '"' && (c) != '\\')
#define PLAIN4(c)                                                              \
	PLAIN16(c), PLAIN16((c) + 1), PLAIN16((c) + 2), PLAIN16((c) + 3)
#define PLAIN16X(c)                                                            \
	PLAIN4(c), PLAIN4((c) + 4), PLAIN4((c) + 8), PLAIN4((c) + 12)
static const bool plain[256] = {
	PLAIN16X(0x00), PLAIN16X(0x10), PLAIN16X(0x20), PLAIN16X(0x30),
	PLAIN16X(0x40), PLAIN16X(0x50), PLAIN16X(0x60), PLAIN16X(0x70),
};

static void str(struct jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	put(w, "\"", 1);
	while (i < n) {
		unsigned c;
		size_t l = 1;
		char esc[6];
		const char *e = NULL;
		size_t el = 2;

		if (plain[p[i]]) {
			size_t j = i + 1;

			while (j < n && plain[p[j]])
				j++;
			run += j - i;
			i = j;
			continue;
		}
		c = p[i];
		if (c >= 0x80) {
			l = utf8_seq(p + i, n - i);
			if (l) {
				i += l;
				run += l;
				continue;
			}
		}
		put(w, (const char *)p + i - run, run);
		run = 0;
		switch (c) {
		case '"':
			e = "\\\"";
			break;
		case '\\':
			e = "\\\\";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\r':
			e = "\\r";
			break;
		case '\t':
			e = "\\t";
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			e = esc;
			el = 6;
			break;
		}
		put(w, e, el);
		i++;
	}
	put(w, (const char *)p + i - run, run);
	put(w, "\"", 1);
}

/* ,"name": with the comma when it is not the first member */
static void key_(struct jw *w, bool *first, const char *k, size_t n)
{
	if (*first)
		put(w, k + 1, n - 1);
	else
		put(w, k, n);
	*first = false;
}

/* Keys are literals: their quoted form is built at compile time. */
#define KEYSTR(k)	 ",\"" k "\":"
#define key(w, first, k) key_(w, first, KEYSTR(k), sizeof(KEYSTR(k)) - 1)

/* Decimal digits of x into the end of b; returns where they start. */
static char *utoa_end(char *end, uint64_t x)
{
	do {
		*--end = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	return end;
}

static void i64(struct jw *w, int64_t x)
{
	char b[24], *p = utoa_end(b + sizeof(b),
				  x < 0 ? 0 - (uint64_t)x : (uint64_t)x);

	if (x < 0)
		*--p = '-';
	put(w, p, (size_t)(b + sizeof(b) - p));
}

/* Shortest form for the usual values: integers exactly, else %.15g. */
static void dbl(struct jw *w, double x)
{
	char b[P1I_FMT_G15_MAX];

	if (!isfinite(x)) {
		puts_(w, "null");
		return;
	}
	if (x > -9007199254740992.0 && x < 9007199254740992.0 &&
	    x == (double)(int64_t)x && !(x == 0 && signbit(x))) {
		i64(w, (int64_t)x);
		return;
	}
	put(w, b, p1i_fmt_g15(b, x));
}

static void knum_(struct jw *w, bool *first, const char *k, size_t kn,
		  const struct p1_num *n)
{
	if (!n->present)
		return;
	key_(w, first, k, kn);
	dbl(w, n->value);
}

static void ktime_(struct jw *w, bool *first, const char *k, size_t kn,
		   const struct p1_time *t)
{
	if (!t->present)
		return;
	key_(w, first, k, kn);
	if (t->valid)
		i64(w, t->t);
	else
		put(w, "null", 4);
}

static void kstr_(struct jw *w, bool *first, const char *k, size_t kn,
		  const char *s, size_t n)
{
	key_(w, first, k, kn);
	str(w, s, n);
}

#define knum(w, f, k, n)    knum_(w, f, KEYSTR(k), sizeof(KEYSTR(k)) - 1, n)
#define ktime(w, f, k, t)   ktime_(w, f, KEYSTR(k), sizeof(KEYSTR(k)) - 1, t)
#define kstr(w, f, k, s, n) kstr_(w, f, KEYSTR(k), sizeof(KEYSTR(k)) - 1, s, n)

/* A value's number, written from its own digits: exact, no rounding. */
static void raw_number(struct jw *w, const struct p1_telegram *t,
		       const struct p1_value *v)
{
	const char *s = t->text + v->off;
	const char *e = s + v->len - (v->unit_len ? v->unit_len + 1u : 0u);
	const char *dot, *ie;
	char b[48];
	size_t k = 0, nd;

	if (*s == '+' || *s == '-') {
		if (*s == '-')
			b[k++] = '-';
		s++;
	}
	dot = memchr(s, '.', (size_t)(e - s));
	ie = dot ? dot : e;
	while (s + 1 < ie && *s == '0')
		s++;
	nd = (size_t)(ie - s) + (dot ? (size_t)(e - dot - 1) : 0);
	if (nd > 17) {
		dbl(w, v->number);
		return;
	}
	if (s == ie)
		b[k++] = '0';
	memcpy(b + k, s, (size_t)(ie - s));
	k += (size_t)(ie - s);
	if (dot && e > dot + 1) {
		memcpy(b + k, dot, (size_t)(e - dot));
		k += (size_t)(e - dot);
	}
	put(w, b, k);
}

/* "A-B:C.D.E[*F]" into b (>= 24 bytes); returns its length. */
static size_t obis_text(char *b, const struct p1_obis *o)
{
	const uint8_t f[6] = {o->a, o->b, o->c, o->d, o->e, o->f};
	static const char sep[6] = {'-', ':', '.', '.', '*', 0};
	char tmp[4], *q;
	size_t n = 0;
	unsigned i, last = o->f != 255 ? 6 : 5;

	for (i = 0; i < last; i++) {
		q = utoa_end(tmp + 4, f[i]);
		while (q < tmp + 4)
			b[n++] = *q++;
		if (i + 1 < last)
			b[n++] = sep[i];
	}
	return n;
}

static void objects(struct jw *w, const struct p1_telegram *t)
{
	uint32_t i, j;

	put(w, "[", 1);
	for (i = 0; i < t->nobjects; i++) {
		const struct p1_object *o = &t->objects[i];
		bool first = true;
		char b[32];

		if (i)
			put(w, ",", 1);
		put(w, "{", 1);
		if (o->flags & P1_OBJ_OBIS) {
			kstr(w, &first, "obis", b, obis_text(b, &o->obis));
			if (o->obis.a == 0 && o->obis.b) {
				key(w, &first, "channel");
				i64(w, o->obis.b);
			}
		} else {
			kstr(w, &first, "obis", t->text + o->off, o->len);
			key(w, &first, "invalid_obis");
			puts_(w, "true");
		}
		key(w, &first, "values");
		put(w, "[", 1);
		for (j = 0; j < o->nvalues; j++) {
			const struct p1_value *v = &t->values[o->first + j];
			bool f2 = true;

			if (j)
				put(w, ",", 1);
			put(w, "{", 1);
			kstr(w, &f2, "raw", t->text + v->off, v->len);
			if (v->flags & P1_VAL_NUMBER) {
				key(w, &f2, "number");
				raw_number(w, t, v);
			}
			if (v->flags & P1_VAL_UNIT)
				kstr(w, &f2, "unit", p1_value_unit(t, v),
				     v->unit_len);
			if (v->flags & P1_VAL_TIME) {
				key(w, &f2, "time");
				i64(w, v->time);
			}
			if (v->flags & P1_VAL_TIME_BAD) {
				key(w, &f2, "invalid_time");
				puts_(w, "true");
			}
			if (v->flags & P1_VAL_NEXT_LINE) {
				key(w, &f2, "next_line");
				puts_(w, "true");
			}
			put(w, "}", 1);
		}
		put(w, "]}", 2);
	}
	put(w, "]", 1);
}

/* ,"N": into b (16 bytes); returns its length. */
static size_t tariff_key(char *b, unsigned i)
{
	size_t n = 2;

	memcpy(b, ",\"", 2);
	n += p1i_fmt_u64(b + n, i);
	memcpy(b + n, "\":", 2);
	return n + 2;
}

static void tariffs_(struct jw *w, bool *first, const char *k, size_t kn,
		     const struct p1_num *a, unsigned n)
{
	bool f2 = true;
	unsigned i;
	char name[16];

	for (i = 0; i < n && !a[i].present; i++)
		;
	if (i == n)
		return;
	key_(w, first, k, kn);
	put(w, "{", 1);
	for (i = 0; i < n; i++) {
		if (!a[i].present)
			continue;
		if (n == P1_MAX_TARIFFS + 1 && !i)
			knum(w, &f2, "total", &a[i]);
		else
			knum_(w, &f2, name,
			      tariff_key(name,
					 n == P1_MAX_TARIFFS + 1 ? i : i + 1),
			      &a[i]);
	}
	put(w, "}", 1);
}

#define tariffs(w, f, k, a, n)                                                 \
	tariffs_(w, f, KEYSTR(k), sizeof(KEYSTR(k)) - 1, a, n)

static bool phase_present(const struct p1_phase *p)
{
	const struct p1_num *n = &p->voltage;
	size_t i, k = sizeof(*p) / sizeof(*n);

	for (i = 0; i < k; i++)
		if (n[i].present)
			return true;
	return false;
}

static void phases(struct jw *w, bool *first, const struct p1_elec *el)
{
	bool any = false;
	unsigned i;

	for (i = 0; i < P1_MAX_PHASES; i++) {
		const struct p1_phase *p = &el->phase[i];
		bool f2 = true;

		if (!phase_present(p))
			continue;
		if (!any)
			key(w, first, "phases");
		put(w, any ? ",{" : "[{", 2);
		any = true;
		key(w, &f2, "phase");
		i64(w, i + 1);
		knum(w, &f2, "voltage_v", &p->voltage);
		knum(w, &f2, "current_a", &p->current);
		knum(w, &f2, "power_import_w", &p->power_import);
		knum(w, &f2, "power_export_w", &p->power_export);
		knum(w, &f2, "reactive_import_var", &p->reactive_import);
		knum(w, &f2, "reactive_export_var", &p->reactive_export);
		knum(w, &f2, "energy_import_wh", &p->energy_import);
		knum(w, &f2, "energy_export_wh", &p->energy_export);
		knum(w, &f2, "power_factor", &p->power_factor);
		knum(w, &f2, "voltage_sags", &p->voltage_sags);
		knum(w, &f2, "voltage_swells", &p->voltage_swells);
		put(w, "}", 1);
	}
	if (any)
		put(w, "]", 1);
}

static void peak(struct jw *w, const struct p1_peak *p)
{
	bool f = true;

	put(w, "{", 1);
	ktime(w, &f, "month", &p->month);
	ktime(w, &f, "time", &p->time);
	knum(w, &f, "power_w", &p->power);
	put(w, "}", 1);
}

static void electricity(struct jw *w, const struct p1_elec *el)
{
	bool f = true, f2;
	unsigned i;

	put(w, "{", 1);
	tariffs(w, &f, "energy_import_wh", el->energy_import,
		P1_MAX_TARIFFS + 1);
	tariffs(w, &f, "energy_export_wh", el->energy_export,
		P1_MAX_TARIFFS + 1);
	tariffs(w, &f, "reactive_import_varh", el->reactive_import,
		P1_MAX_TARIFFS + 1);
	tariffs(w, &f, "reactive_export_varh", el->reactive_export,
		P1_MAX_TARIFFS + 1);
	tariffs(w, &f, "reactive_quadrant_varh", el->reactive_quadrant, 4);
	knum(w, &f, "power_import_w", &el->power_import);
	knum(w, &f, "power_export_w", &el->power_export);
	knum(w, &f, "reactive_power_import_var", &el->reactive_power_import);
	knum(w, &f, "reactive_power_export_var", &el->reactive_power_export);
	knum(w, &f, "power_factor", &el->power_factor);
	knum(w, &f, "frequency_hz", &el->frequency);
	phases(w, &f, el);
	knum(w, &f, "tariff", &el->tariff);
	knum(w, &f, "failures", &el->failures);
	knum(w, &f, "long_failures", &el->long_failures);
	if (el->failure_log_present) {
		key(w, &f, "failure_log");
		f2 = true;
		put(w, "{", 1);
		key(w, &f2, "count");
		i64(w, el->failure_log_count);
		key(w, &f2, "entries");
		put(w, "[", 1);
		for (i = 0; i < el->nfailure_log; i++) {
			bool f3 = true;

			put(w, i ? ",{" : "{", i ? 2 : 1);
			const struct p1_failure *fl = &el->failure_log[i];

			ktime(w, &f3, "end", &fl->end);
			knum(w, &f3, "duration_s", &fl->duration_s);
			/* The log has end and duration; start = the
			 * difference, for a valid end and a sane duration. */
			if (fl->end.valid && fl->duration_s.present &&
			    fl->duration_s.value >= 0 &&
			    fl->duration_s.value < 4e9) {
				key(w, &f3, "start");
				i64(w,
				    fl->end.t - (int64_t)fl->duration_s.value);
			}
			put(w, "}", 1);
		}
		put(w, "]}", 2);
	}
	knum(w, &f, "limiter_w", &el->limiter_power);
	knum(w, &f, "limiter_a", &el->limiter_current);
	knum(w, &f, "fuse_a", &el->fuse);
	knum(w, &f, "breaker", &el->breaker);
	knum(w, &f, "demand_w", &el->demand);
	if (el->month_peak.time.present || el->month_peak.power.present) {
		key(w, &f, "month_peak");
		peak(w, &el->month_peak);
	}
	if (el->peaks_present) {
		key(w, &f, "peaks");
		f2 = true;
		put(w, "{", 1);
		key(w, &f2, "count");
		i64(w, el->peaks_count);
		key(w, &f2, "months");
		put(w, "[", 1);
		for (i = 0; i < el->npeaks; i++) {
			if (i)
				put(w, ",", 1);
			peak(w, &el->peaks[i]);
		}
		put(w, "]}", 2);
	}
	if (el->text_present)
		kstr(w, &f, "text", el->text, el->text_len);
	if (el->text_code_present)
		kstr(w, &f, "text_code", el->text_code, strlen(el->text_code));
	put(w, "}", 1);
}

static void mbus(struct jw *w, const struct p1_data *d)
{
	bool any = false;
	unsigned i;

	put(w, "[", 1);
	for (i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *m = &d->mbus[i];
		bool f = true;

		if (!m->present)
			continue;
		put(w, any ? ",{" : "{", any ? 2 : 1);
		any = true;
		key(w, &f, "channel");
		i64(w, i + 1);
		key(w, &f, "kind");
		str(w, p1_mbus_kind_name(m->kind),
		    strlen(p1_mbus_kind_name(m->kind)));
		knum(w, &f, "type", &m->type);
		if (m->id_present)
			kstr(w, &f, "id", m->id, strlen(m->id));
		knum(w, &f, "reading", &m->reading);
		if (m->reading.present)
			kstr(w, &f, "unit", m->unit, strlen(m->unit));
		knum(w, &f, "volume_m3", &m->volume_m3);
		knum(w, &f, "energy_wh", &m->energy_wh);
		ktime(w, &f, "time", &m->time);
		knum(w, &f, "valve", &m->valve);
		key(w, &f, "stale");
		puts_(w, m->stale ? "true" : "false");
		put(w, "}", 1);
	}
	put(w, "]", 1);
}

static void anomalies(struct jw *w, bool *first, uint32_t a)
{
	static const char *const names[] = {
		"no_header",	    "no_end",	       "oversize",
		"too_many_objects", "too_many_values", "bad_line",
		"bad_obis",	    "unterminated",    "bad_time",
		"bad_trailer",	    "garbage",
	};
	unsigned i;
	bool any = false;

	if (!a)
		return;
	key(w, first, "anomalies");
	put(w, "[", 1);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(a & (1u << i)))
			continue;
		if (any)
			put(w, ",", 1);
		any = true;
		str(w, names[i], strlen(names[i]));
	}
	put(w, "]", 1);
}

int p1_json_emit(const struct p1_telegram *t, unsigned flags, p1_write_fn fn,
		 void *ctx)
{
	struct jw w = {.fn = fn, .ctx = ctx};
	const struct p1_data *d = &t->data;
	bool f = true;
	char b[8];

	if (!(flags & P1_JSON_MEMBERS))
		put(&w, "{", 1);
	kstr(&w, &f, "crc", p1_crc_name(t->crc), strlen(p1_crc_name(t->crc)));
	if (t->crc == P1_CRC_BAD) {
		snprintf(b, sizeof(b), "%04X", t->crc_rx);
		kstr(&w, &f, "crc_sent", b, 4);
		snprintf(b, sizeof(b), "%04X", t->crc_calc);
		kstr(&w, &f, "crc_calc", b, 4);
	}
	kstr(&w, &f, "header", t->text + t->header_off, t->header_len);
	anomalies(&w, &f, t->anomalies);
	if (t->bad_lines) {
		key(&w, &f, "bad_lines");
		i64(&w, t->bad_lines);
	}
	if (flags & P1_JSON_TYPED) {
		kstr(&w, &f, "family", p1_family_name(d->family),
		     strlen(p1_family_name(d->family)));
		if (d->dsmr) {
			key(&w, &f, "dsmr");
			i64(&w, d->dsmr);
		}
		if (d->version[0])
			kstr(&w, &f, "version", d->version, strlen(d->version));
		ktime(&w, &f, "time", &d->time);
		if (d->equipment_id_present)
			kstr(&w, &f, "equipment_id", d->equipment_id,
			     strlen(d->equipment_id));
	}
	if (flags & P1_JSON_OBJECTS) {
		key(&w, &f, "objects");
		objects(&w, t);
	}
	if (flags & P1_JSON_TYPED) {
		key(&w, &f, "electricity");
		electricity(&w, &d->elec);
		key(&w, &f, "mbus");
		mbus(&w, d);
	}
	if (!(flags & P1_JSON_MEMBERS))
		put(&w, "}", 1);
	flush(&w);
	return w.err;
}

struct sink {
	char *buf;
	size_t cap, len;
};

static int sink_write(void *ctx, const char *s, size_t n)
{
	struct sink *k = ctx;

	if (k->len < k->cap) {
		size_t room = k->cap - k->len;

		memcpy(k->buf + k->len, s, n < room ? n : room);
	}
	k->len += n;
	return 0;
}

size_t p1_json_write(const struct p1_telegram *t, unsigned flags, char *buf,
		     size_t cap)
{
	struct sink k = {.buf = buf, .cap = cap ? cap - 1 : 0};

	p1_json_emit(t, flags, sink_write, &k);
	if (cap)
		buf[k.len < cap - 1 ? k.len : cap - 1] = 0;
	return k.len;
}

int p1_json_string(const char *s, size_t n, p1_write_fn fn, void *ctx)
{
	struct jw w = {.fn = fn, .ctx = ctx};

	str(&w, s, n);
	flush(&w);
	return w.err;
}
