// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_typed.c - the typed view (struct p1_data) of a parsed telegram.
 *
 * Fills what users chart from each object as the parser finishes it
 * (p1i_typed_obj; the parser itself puts the plain numbers whose code it
 * recognised by its text: p1_code.h), then decides what needs the whole
 * telegram (p1i_typed_end: M-Bus units and staleness, the family).
 * Numbers are converted into the base units documented in p1.h with the
 * unit the meter sent (kWh, Wh, kW, W, ...; the DSMR unit when none was sent).
 * Values with a unit that does not fit the quantity are left out rather than
 * guessed.  Objects are matched on C.D.E; E = 255 (EasyMeter Q3D's
 * 1-0:1.7.255) counts as E = 0.
 */
#include <math.h>
#include <string.h>

#include "p1_internal.h"

#define KEY(c, d, e) ((uint32_t)(c) << 16 | (uint32_t)(d) << 8 | (uint32_t)(e))

const int8_t p1i_qdefault[Q_COUNT] = {
	[Q_ENERGY] = 3,
	[Q_RENERGY] = 3,
	[Q_POWER] = 3,
	[Q_RPOWER] = 3,
};

const struct p1i_uinfo p1i_uinfo[P1_UNIT_COUNT] = {
	[P1_UNIT_WH] = {Q_ENERGY, 0},	  [P1_UNIT_KWH] = {Q_ENERGY, 3},
	[P1_UNIT_MWH] = {Q_ENERGY, 6},	  [P1_UNIT_VARH] = {Q_RENERGY, 0},
	[P1_UNIT_KVARH] = {Q_RENERGY, 3}, [P1_UNIT_MVARH] = {Q_RENERGY, 6},
	[P1_UNIT_W] = {Q_POWER, 0},	  [P1_UNIT_KW] = {Q_POWER, 3},
	[P1_UNIT_MW] = {Q_POWER, 6},	  [P1_UNIT_VAR] = {Q_RPOWER, 0},
	[P1_UNIT_KVAR] = {Q_RPOWER, 3},	  [P1_UNIT_MVAR] = {Q_RPOWER, 6},
	[P1_UNIT_VA] = {Q_APPARENT, 0},	  [P1_UNIT_KVA] = {Q_APPARENT, 3},
	[P1_UNIT_V] = {Q_VOLT, 0},	  [P1_UNIT_KV] = {Q_VOLT, 3},
	[P1_UNIT_A] = {Q_AMP, 0},	  [P1_UNIT_S] = {Q_SECONDS, 0},
	[P1_UNIT_HZ] = {Q_HZ, 0},
};

static struct p1_value *val(struct p1_telegram *t, const struct p1_object *o,
			    unsigned i)
{
	return i < o->nvalues ? &t->values[o->first + i] : NULL;
}

static const char *vunit(const struct p1_telegram *t, const struct p1_value *v)
{
	return t->text + v->off + v->len - v->unit_len;
}

static inline __attribute__((always_inline)) bool
num_of(const struct p1_telegram *t, const struct p1_value *v, unsigned q,
       double *out)
{
	(void)t;
	return p1i_num_of(v, q, out);
}

static inline __attribute__((always_inline)) void put(struct p1_num *dst,
						      struct p1_telegram *t,
						      const struct p1_object *o,
						      unsigned i, unsigned q)
{
	double x;

	if (num_of(t, val(t, o, i), q, &x)) {
		dst->value = x;
		dst->present = true;
	}
}

/* put_time() for a value the parser did not take as a time. */
static __attribute__((noinline)) void put_time_text(struct p1_time *dst,
						    struct p1_telegram *t,
						    struct p1_value *v,
						    unsigned zone)
{
	int64_t utc;
	int r;

	if (v->flags & P1_VAL_TIME_BAD)
		return;
	r = p1i_tst(t->text + v->off, v->len, zone, &utc);
	if (r == 0) {
		v->time = utc;
		v->flags |= P1_VAL_TIME;
		dst->t = utc;
		dst->valid = true;
	} else {
		v->flags |= P1_VAL_TIME_BAD;
		t->anomalies |= P1_ANOM_BAD_TIME;
		t->bad_times++;
	}
}

/*
 * A timestamp value; unflagged 12-digit ones too (DSMR 2.2/3.0).  Those
 * the parser converted (flagged ones) are copied inline.
 */
static inline __attribute__((always_inline)) void
put_time(struct p1_time *dst, struct p1_telegram *t, struct p1_value *v,
	 unsigned zone)
{
	if (!v || !v->len)
		return;
	dst->present = true;
	if (v->flags & P1_VAL_TIME) {
		dst->t = v->time;
		dst->valid = true;
		return;
	}
	put_time_text(dst, t, v, zone);
}

/* Hex digit values; 0x100 marks bytes that are no hex digit. */
#define X 0x100
static const uint16_t hexv[256] = {
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0x00 */
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0x10 */
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0x20 */
	0, 1,  2,  3,  4,  5,  6,  7, 8, 9, X, X, X, X, X, X, /* 0x30 */
	X, 10, 11, 12, 13, 14, 15, X, X, X, X, X, X, X, X, X, /* 0x40 */
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0x50 */
	X, 10, 11, 12, 13, 14, 15, X, X, X, X, X, X, X, X, X, /* 0x60 */
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0x70 */
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0x80 */
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0x90 */
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0xa0 */
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0xb0 */
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0xc0 */
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0xd0 */
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0xe0 */
	X, X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, /* 0xf0 */
};
#undef X

/* Decoded bytes that make a value "not text": controls but TAB LF CR, DEL. */
static const uint8_t not_text[256] = {
	[0] = 1,  [1] = 1,  [2] = 1,  [3] = 1,	[4] = 1,  [5] = 1,
	[6] = 1,  [7] = 1,  [8] = 1,  [11] = 1, [12] = 1, [14] = 1,
	[15] = 1, [16] = 1, [17] = 1, [18] = 1, [19] = 1, [20] = 1,
	[21] = 1, [22] = 1, [23] = 1, [24] = 1, [25] = 1, [26] = 1,
	[27] = 1, [28] = 1, [29] = 1, [30] = 1, [31] = 1, [127] = 1,
};

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>

/*
 * 16 hex digits at s into 8 bytes at dst, 16 at a time (ids are 34 digits
 * long); false if one is no hex digit or decodes to a byte in not_text[]
 * (then the caller copies the value as sent, as for any other failure).
 */
static bool hex16(const unsigned char *s, char *dst)
{
	const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	const __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
	/* signed compares: bytes >= 0x80 are below '0' and 'a' */
	const __m128i d =
		_mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
			      _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
	const __m128i a =
		_mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
			      _mm_cmplt_epi8(l, _mm_set1_epi8('f' + 1)));
	__m128i nib, b, ctl, ok;

	if (_mm_movemask_epi8(_mm_or_si128(d, a)) != 0xffff)
		return false;
	nib = _mm_or_si128(
		_mm_and_si128(d, _mm_sub_epi8(v, _mm_set1_epi8('0'))),
		_mm_andnot_si128(d, _mm_sub_epi8(l, _mm_set1_epi8('a' - 10))));
	/* first digit of a pair in the low byte of its 16-bit lane */
	b = _mm_or_si128(
		_mm_slli_epi16(_mm_and_si128(nib, _mm_set1_epi16(0xff)), 4),
		_mm_srli_epi16(nib, 8));
	b = _mm_packus_epi16(b, b);
	/* not text: below 0x20 but TAB LF CR, and DEL */
	ctl = _mm_cmpeq_epi8(_mm_min_epu8(b, _mm_set1_epi8(0x1f)), b);
	ok = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('\t')),
				       _mm_cmpeq_epi8(b, _mm_set1_epi8('\n'))),
			  _mm_cmpeq_epi8(b, _mm_set1_epi8('\r')));
	ctl = _mm_or_si128(_mm_andnot_si128(ok, ctl),
			   _mm_cmpeq_epi8(b, _mm_set1_epi8(0x7f)));
	if (_mm_movemask_epi8(ctl) & 0xff)
		return false;
	_mm_storel_epi64((__m128i *)(void *)dst, b);
	return true;
}
#endif

/*
 * Identifiers and texts are hex-encoded from DSMR 4 on.  Decode when the
 * value is hex and decodes to text (no control bytes but TAB/CR/LF),
 * otherwise copy it as sent.  Returns the length stored (NUL excluded).
 */
static size_t put_text(char *dst, size_t cap, const struct p1_telegram *t,
		       const struct p1_value *v)
{
	const unsigned char *s = (const unsigned char *)t->text + v->off;
	size_t n = v->len, i, k;

	if (n && n % 2 == 0) {
		unsigned bad = 0, nt = 0;

		if (n / 2 > cap - 1)
			n = 2 * (cap - 1);
		i = 0;
#if defined(__SSE2__) && defined(__x86_64__)
		for (; i + 16 <= n; i += 16)
			if (!hex16(s + i, dst + i / 2))
				goto raw;
#endif
		for (; i < n; i += 2) {
			unsigned c = (unsigned)hexv[s[i]] << 4 | hexv[s[i + 1]];

			bad |= c;
			nt |= not_text[c & 0xff];
			dst[i / 2] = (char)c;
		}
		if (!(bad & 0x1100) && !nt) {
			dst[n / 2] = 0;
			return n / 2;
		}
	}
#if defined(__SSE2__) && defined(__x86_64__)
raw:
#endif
	k = n < cap - 1 ? n : cap - 1;
	memcpy(dst, s, k);
	dst[k] = 0;
	return k;
}

static bool is_obis_ref(const struct p1_telegram *t, const struct p1_value *v)
{
	return v->len && memchr(t->text + v->off, ':', v->len);
}

/* First value after the count and the OBIS column headers. */
static unsigned skip_refs(struct p1_telegram *t, const struct p1_object *o)
{
	unsigned i = 1;

	while (i < o->nvalues && is_obis_ref(t, val(t, o, i)))
		i++;
	return i;
}

/* 1-0:99.97.0(n)(0-0:96.7.19)(end)(duration*s)... */
static void failure_log(struct p1_telegram *t, const struct p1_object *o,
			unsigned zone)
{
	struct p1_elec *el = &t->data.elec;
	double n;
	unsigned i;

	el->failure_log_present = true;
	if (num_of(t, val(t, o, 0), Q_PLAIN, &n) && n >= 0 && n < 65536)
		el->failure_log_count = (uint16_t)n;
	el->nfailure_log = 0;
	for (i = skip_refs(t, o); i + 1 < o->nvalues; i += 2) {
		struct p1_failure *f;

		if (el->nfailure_log >= P1_MAX_FAILURES)
			break;
		f = &el->failure_log[el->nfailure_log++];
		memset(f, 0, sizeof(*f));
		put_time(&f->end, t, val(t, o, i), zone);
		put(&f->duration_s, t, o, i + 1, Q_SECONDS);
	}
}

/* 0-0:98.1.0(n)(1-0:1.6.0)(1-0:1.6.0)(month)(time)(peak*kW)... */
static void peaks(struct p1_telegram *t, const struct p1_object *o,
		  unsigned zone)
{
	struct p1_elec *el = &t->data.elec;
	double n;
	unsigned i;

	el->peaks_present = true;
	if (num_of(t, val(t, o, 0), Q_PLAIN, &n) && n >= 0 && n < 65536)
		el->peaks_count = (uint16_t)n;
	el->npeaks = 0;
	for (i = skip_refs(t, o); i + 2 < o->nvalues; i += 3) {
		struct p1_peak *p;

		if (el->npeaks >= P1_MAX_PEAKS)
			break;
		p = &el->peaks[el->npeaks++];
		memset(p, 0, sizeof(*p));
		put_time(&p->month, t, val(t, o, i), zone);
		put_time(&p->time, t, val(t, o, i + 1), zone);
		put(&p->power, t, o, i + 2, Q_POWER);
	}
}

static void version(struct p1_telegram *t, const struct p1_object *o)
{
	struct p1_data *d = &t->data;
	const struct p1_value *v = val(t, o, 0);
	size_t n;

	if (!v)
		return;
	n = v->len < P1_MAX_VERSION - 1 ? v->len : P1_MAX_VERSION - 1;
	memcpy(d->version, t->text + v->off, n);
	d->version[n] = 0;
	/* "42" and "50"; eMUCs "50217" starts with its DSMR base. */
	if (n >= 2 && (unsigned)(d->version[0] - '0') <= 9 &&
	    (unsigned)(d->version[1] - '0') <= 9)
		d->dsmr = (uint8_t)((d->version[0] - '0') * 10 +
				    (d->version[1] - '0'));
}

static void phase_obj(struct p1_telegram *t, const struct p1_object *o,
		      unsigned c, unsigned d, unsigned e)
{
	struct p1_phase *ph = &t->data.elec.phase[(c - 21) / 20];
	unsigned sub = (c - 21) % 20 + 1;

	if (e)
		return;
	if (d == 7) {
		switch (sub) {
		case 1:
			put(&ph->power_import, t, o, 0, Q_POWER);
			break;
		case 2:
			put(&ph->power_export, t, o, 0, Q_POWER);
			break;
		case 3:
			put(&ph->reactive_import, t, o, 0, Q_RPOWER);
			break;
		case 4:
			put(&ph->reactive_export, t, o, 0, Q_RPOWER);
			break;
		case 11:
			put(&ph->current, t, o, 0, Q_AMP);
			break;
		case 12:
			put(&ph->voltage, t, o, 0, Q_VOLT);
			break;
		case 13:
			put(&ph->power_factor, t, o, 0, Q_PLAIN);
			break;
		}
	} else if (d == 8) {
		if (sub == 1)
			put(&ph->energy_import, t, o, 0, Q_ENERGY);
		else if (sub == 2)
			put(&ph->energy_export, t, o, 0, Q_ENERGY);
	} else if (sub == 12 && d == 32) {
		put(&ph->voltage_sags, t, o, 0, Q_PLAIN);
	} else if (sub == 12 && d == 36) {
		put(&ph->voltage_swells, t, o, 0, Q_PLAIN);
	}
}

static void elec_obj(struct p1_telegram *t, const struct p1_object *o,
		     unsigned zone, struct p1i_seen *s)
{
	struct p1_elec *el = &t->data.elec;
	unsigned c = o->obis.c, d = o->obis.d;
	unsigned e = o->obis.e == 255 ? 0 : o->obis.e;

	if (d == 8 && e <= P1_MAX_TARIFFS && c >= 1 && c <= 8) {
		if (e >= 3)
			s->hu = true;
		switch (c) {
		case 1:
			put(&el->energy_import[e], t, o, 0, Q_ENERGY);
			break;
		case 2:
			put(&el->energy_export[e], t, o, 0, Q_ENERGY);
			break;
		case 3:
			put(&el->reactive_import[e], t, o, 0, Q_RENERGY);
			s->reactive = true;
			break;
		case 4:
			put(&el->reactive_export[e], t, o, 0, Q_RENERGY);
			s->reactive = true;
			break;
		default:
			if (!e) {
				put(&el->reactive_quadrant[c - 5], t, o, 0,
				    Q_RENERGY);
				s->hu = true;
			}
			break;
		}
		return;
	}
	if (c == 31 && d == 4 && e == 0) {
		put(&el->fuse, t, o, 0, Q_AMP);
		return;
	}
	if (c >= 21 && c <= 80) {
		phase_obj(t, o, c, d, e);
		return;
	}
	switch (KEY(c, d, e)) {
	case KEY(0, 2, 8):
		version(t, o);
		s->version = true;
		break;
	case KEY(0, 0, 0): /* EasyMeter: serial number */
		if (!t->data.equipment_id_present) {
			const struct p1_value *v = val(t, o, 0);

			if (v) {
				put_text(t->data.equipment_id, P1_MAX_ID, t, v);
				t->data.equipment_id_present = true;
			}
		}
		break;
	case KEY(1, 7, 0):
		put(&el->power_import, t, o, 0, Q_POWER);
		break;
	case KEY(2, 7, 0):
		put(&el->power_export, t, o, 0, Q_POWER);
		break;
	case KEY(3, 7, 0):
		put(&el->reactive_power_import, t, o, 0, Q_RPOWER);
		break;
	case KEY(4, 7, 0):
		put(&el->reactive_power_export, t, o, 0, Q_RPOWER);
		break;
	case KEY(13, 7, 0):
		put(&el->power_factor, t, o, 0, Q_PLAIN);
		break;
	case KEY(14, 7, 0):
		put(&el->frequency, t, o, 0, Q_HZ);
		break;
	case KEY(1, 4, 0):
		put(&el->demand, t, o, 0, Q_POWER);
		break;
	case KEY(1, 6, 0):
		put_time(&el->month_peak.time, t, val(t, o, 0), zone);
		put(&el->month_peak.power, t, o, 1, Q_POWER);
		break;
	case KEY(99, 97, 0):
		failure_log(t, o, zone);
		break;
	}
}

/* 0-0:17.0.0: a power (kW; kVA on Smarty) or, in DSMR 2.2, a current. */
static void limiter(struct p1_telegram *t, const struct p1_object *o)
{
	struct p1_elec *el = &t->data.elec;
	const struct p1_value *v = val(t, o, 0);
	double x;

	if (!v || !(v->flags & P1_VAL_NUMBER))
		return;
	if (num_of(t, v, Q_AMP, &x)) {
		el->limiter_current.value = x;
		el->limiter_current.present = true;
	} else if (num_of(t, v, Q_POWER, &x) || num_of(t, v, Q_APPARENT, &x)) {
		el->limiter_power.value = x;
		el->limiter_power.present = true;
	}
}

static void abstract_obj(struct p1_telegram *t, const struct p1_object *o,
			 unsigned zone, struct p1i_seen *s)
{
	struct p1_data *d = &t->data;
	struct p1_elec *el = &d->elec;
	unsigned e = o->obis.e == 255 ? 0 : o->obis.e;
	const struct p1_value *v = val(t, o, 0);

	switch (KEY(o->obis.c, o->obis.d, e)) {
	case KEY(1, 0, 0):
		put_time(&d->time, t, val(t, o, 0), zone);
		break;
	case KEY(96, 1, 1):
	case KEY(96, 1, 0):
		if (!v || (s->id_from_96_1_1 && o->obis.e != 1))
			break;
		put_text(d->equipment_id, P1_MAX_ID, t, v);
		d->equipment_id_present = true;
		s->id_from_96_1_1 = o->obis.e == 1;
		break;
	case KEY(96, 1, 4):
		version(t, o);
		s->emucs = true;
		break;
	case KEY(42, 0, 0):
		s->smarty = true;
		break;
	case KEY(96, 14, 0):
		put(&el->tariff, t, o, 0, Q_PLAIN);
		break;
	case KEY(96, 7, 21):
		put(&el->failures, t, o, 0, Q_PLAIN);
		break;
	case KEY(96, 7, 9):
		put(&el->long_failures, t, o, 0, Q_PLAIN);
		break;
	case KEY(96, 13, 0):
		if (v) {
			el->text_len =
				(uint16_t)put_text(el->text, P1_MAX_TEXT, t, v);
			el->text_present = true;
		}
		break;
	case KEY(96, 13, 1):
		if (v) {
			put_text(el->text_code, P1_MAX_ID, t, v);
			el->text_code_present = true;
		}
		break;
	case KEY(17, 0, 0):
		limiter(t, o);
		break;
	case KEY(96, 3, 10):
		put(&el->breaker, t, o, 0, Q_PLAIN);
		break;
	case KEY(98, 1, 0):
		peaks(t, o, zone);
		break;
	}
}

/* The reading of 24.2.1 / 24.2.3: (capture time)(value*unit). */
static void mbus_reading(struct p1_telegram *t, struct p1_mbus *m,
			 const struct p1_object *o, unsigned zone,
			 uint16_t which, uint8_t *unit)
{
	struct p1_value *v;

	/* The last value is the reading, the one before it the time. */
	if (!o->nvalues)
		return;
	v = val(t, o, o->nvalues - 1);
	if (o->nvalues >= 2) {
		memset(&m->time, 0, sizeof(m->time));
		put_time(&m->time, t, val(t, o, o->nvalues - 2), zone);
	}
	if (!(v->flags & P1_VAL_NUMBER))
		return;
	m->reading.value = v->number;
	m->reading.present = true;
	m->reading_obis = which;
	m->unit[0] = 0;
	*unit = 0;
	if (v->unit_len) {
		size_t n = v->unit_len < sizeof(m->unit) - 1
				   ? v->unit_len
				   : sizeof(m->unit) - 1;

		memcpy(m->unit, vunit(t, v), n);
		m->unit[n] = 0;
		/* a known unit's text has no NUL and is what was copied */
		if (v->unit > P1_UNIT_OTHER && n == v->unit_len)
			*unit = (uint8_t)(v->unit + 1);
	}
}

/*
 * DSMR 2.2/3.0: 0-n:24.3.0(time)(status)(period)(count)(obis)(unit)
 * then the value, on this line or the next (appended to this object).
 */
static void mbus_2430(struct p1_telegram *t, struct p1_mbus *m,
		      const struct p1_object *o, unsigned zone)
{
	const struct p1_value *u = val(t, o, 5), *v;

	memset(&m->time, 0, sizeof(m->time));
	put_time(&m->time, t, val(t, o, 0), zone);
	if (o->nvalues < 7)
		return;
	v = val(t, o, o->nvalues - 1);
	if (!(v->flags & P1_VAL_NUMBER))
		return;
	m->reading.value = v->number;
	m->reading.present = true;
	m->reading_obis = 2430;
	if (v->unit_len)
		u = NULL;
	if (u && u->len < sizeof(m->unit)) {
		memcpy(m->unit, t->text + u->off, u->len);
		m->unit[u->len] = 0;
	} else if (v->unit_len < sizeof(m->unit)) {
		memcpy(m->unit, vunit(t, v), v->unit_len);
		m->unit[v->unit_len] = 0;
	}
}

static void mbus_obj(struct p1_telegram *t, const struct p1_object *o,
		     unsigned zone, struct p1i_seen *s)
{
	struct p1_mbus *m = &t->data.mbus[o->obis.b - 1];
	const struct p1_value *v = val(t, o, 0);
	unsigned e = o->obis.e == 255 ? 0 : o->obis.e;

	m->present = true;
	switch (KEY(o->obis.c, o->obis.d, e)) {
	case KEY(24, 1, 0):
		put(&m->type, t, o, 0, Q_PLAIN);
		break;
	case KEY(96, 1, 0):
	case KEY(96, 1, 1):
		if (v) {
			put_text(m->id, P1_MAX_ID, t, v);
			m->id_present = true;
		}
		break;
	case KEY(24, 2, 1):
		mbus_reading(t, m, o, zone, 2421, &s->mbus_unit[o->obis.b - 1]);
		break;
	case KEY(24, 2, 3):
		mbus_reading(t, m, o, zone, 2423, &s->mbus_unit[o->obis.b - 1]);
		break;
	case KEY(24, 3, 0):
		mbus_2430(t, m, o, zone);
		s->mbus_unit[o->obis.b - 1] = 0;
		s->mbus2430 = true;
		/* DSMR 2.2 puts the reading on the next line; only 3.0
		 * meters (some of them) put it on the same one. */
		if (o->nvalues >= 7 &&
		    !(val(t, o, o->nvalues - 1)->flags & P1_VAL_NEXT_LINE))
			s->gas_same_line = true;
		break;
	case KEY(24, 4, 0):
		put(&m->valve, t, o, 0, Q_PLAIN);
		break;
	}
}

static unsigned kind_of_type(unsigned type)
{
	switch (type) {
	case 2:
		return P1_MBUS_ELECTRICITY;
	case 3:
		return P1_MBUS_GAS;
	case 4:
	case 12:
	case 13:
		return P1_MBUS_HEAT;
	case 6:
	case 7:
	case 21:
	case 22:
		return P1_MBUS_WATER;
	case 10:
	case 11:
		return P1_MBUS_COLD;
	default:
		return P1_MBUS_OTHER;
	}
}

/* Factor from the unit to m3 (volume) or Wh (energy); 0 if neither. */
static double mbus_factor(unsigned unit, bool *volume)
{
	*volume = true;
	switch (unit) {
	case P1_UNIT_M3:
		return 1;
	case P1_UNIT_DM3:
	case P1_UNIT_L:
		return 1e-3;
	}
	*volume = false;
	switch (unit) {
	case P1_UNIT_WH:
		return 1;
	case P1_UNIT_KWH:
		return 1e3;
	case P1_UNIT_MWH:
		return 1e6;
	case P1_UNIT_GJ:
		return 1e9 / 3600;
	case P1_UNIT_MJ:
		return 1e6 / 3600;
	default:
		return 0;
	}
}

/* enum p1_unit of m->unit; known: p1i_seen.mbus_unit[] */
static unsigned mbus_unit(const struct p1_mbus *m, unsigned known)
{
	return known ? known - 1 : p1i_unit(m->unit, strlen(m->unit));
}

static void mbus_finish(struct p1_mbus *m, unsigned known)
{
	bool volume;
	double f = m->reading.present
			   ? mbus_factor(mbus_unit(m, known), &volume)
			   : 0;

	if (f && volume) {
		m->volume_m3.value = m->reading.value * f;
		m->volume_m3.present = true;
	} else if (f) {
		m->energy_wh.value = m->reading.value * f;
		m->energy_wh.present = true;
	}
	if (m->type.present && m->type.value >= 0 && m->type.value < 256)
		m->kind = (uint8_t)kind_of_type((unsigned)m->type.value);
	else if (m->volume_m3.present)
		m->kind = P1_MBUS_GAS; /* DSMR 2.2 without a type: gas */
	else if (m->energy_wh.present)
		m->kind = mbus_unit(m, known) == P1_UNIT_KWH
				  ? P1_MBUS_ELECTRICITY
				  : P1_MBUS_HEAT;
	m->stale = !m->reading.present || (m->id_present && !m->id[0]) ||
		   (m->time.present && !m->time.valid);
}

static void family(struct p1_telegram *t, const struct p1i_seen *s)
{
	struct p1_data *d = &t->data;
	const char *h = t->text + t->header_off;
	size_t hl = t->header_len;

	if (s->emucs || (hl >= 3 && !memcmp(h, "FLU", 3))) {
		d->family = P1_FAMILY_EMUCS;
	} else if (s->star || (hl >= 3 && !memcmp(h, "ESY", 3))) {
		d->family = P1_FAMILY_EASYMETER;
	} else if (s->smarty) {
		d->family = P1_FAMILY_SMARTY;
	} else if (s->hu) {
		d->family = P1_FAMILY_HU;
	} else if (s->version) {
		d->family = P1_FAMILY_DSMR;
	} else if (s->mbus2430 ||
		   (!t->has_crc && d->elec.energy_import[1].present)) {
		d->family = P1_FAMILY_DSMR;
		d->dsmr = s->gas_same_line ? 30 : 22;
	} else if (s->reactive) {
		d->family = P1_FAMILY_NORDIC;
	}
}

void p1i_typed_obj(struct p1_telegram *t, const struct p1_object *o,
		   unsigned zone, struct p1i_seen *s)
{
	if (!(o->flags & P1_OBJ_OBIS))
		return;
	if (o->flags & P1_OBJ_SUFFIX)
		s->star = true;
	if (o->obis.a == 1)
		elec_obj(t, o, zone, s);
	else if (o->obis.a == 0 && o->obis.b == 0)
		abstract_obj(t, o, zone, s);
	else if (o->obis.a == 0 && o->obis.b <= P1_MAX_MBUS)
		mbus_obj(t, o, zone, s);
}

void p1i_typed_end(struct p1_telegram *t, const struct p1i_seen *s)
{
	unsigned i;

	for (i = 0; i < P1_MAX_MBUS; i++)
		if (t->data.mbus[i].present)
			mbus_finish(&t->data.mbus[i], s->mbus_unit[i]);
	family(t, s);
}
