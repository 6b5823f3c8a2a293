// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tgen.c - generator of the test stream described in tgen.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/p1.h>

#include "tgen.h"

#define TG_MAX 65536 /* largest telegram built */

static const char *const kind_names[TG_NKINDS] = {
	"good",		"good_lower", "good_lf",  "good_crc3",
	"garbage_good", "tentative",  "bad_crc",  "no_crc",
	"truncated",	"glued",      "oversize", "trailer",
};

const char *tg_kind_name(uint32_t kind)
{
	return kind < TG_NKINDS ? kind_names[kind] : "?";
}

uint16_t tg_crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;
	int b;

	while (n--) {
		crc ^= *p++;
		for (b = 0; b < 8; b++)
			crc = crc & 1 ? (crc >> 1) ^ 0xA001 : crc >> 1;
	}
	return crc;
}

static uint32_t rnd(struct tg_stream *s, uint32_t n)
{
	/* xorshift64* */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (uint32_t)((s->rng * 2685821657736338717ULL) >> 32) % n;
}

struct tg_params {
	uint64_t seq;
	uint32_t salt;
	uint32_t msg_len; /* hex characters of the text message */
	const char *eol;
};

/* Build a telegram's body through the '!' line start; returns its length. */
static size_t body(struct tg_stream *s, char *o, const struct tg_params *p)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *e = p->eol;
	uint64_t t = p->seq * 10 + p->salt;
	size_t n = 0;
	uint32_t i;

#define ADD(...) (n += (size_t)snprintf(o + n, TG_MAX - n, __VA_ARGS__))
	ADD("/ISK5\\2M550T-1012%s%s", e, e);
	ADD("1-3:0.2.8(50)%s", e);
	ADD("0-0:1.0.0(%02u%02u%02u%02u%02u%02uW)%s",
	    (unsigned)(20 + t / 31104000 % 80),
	    (unsigned)(1 + t / 2592000 % 12), (unsigned)(1 + t / 86400 % 28),
	    (unsigned)(t / 3600 % 24), (unsigned)(t / 60 % 60),
	    (unsigned)(t % 60), e);
	ADD("0-0:96.1.1(4530303034303031353934373534343134)%s", e);
	ADD("1-0:1.8.1(%06u.%03u*kWh)%s", (unsigned)(t / 1000 % 1000000),
	    (unsigned)(t % 1000), e);
	ADD("1-0:1.8.2(%06u.%03u*kWh)%s", (unsigned)(t / 700 % 1000000),
	    (unsigned)(t % 700), e);
	ADD("1-0:2.8.1(000000.000*kWh)%s1-0:2.8.2(000000.000*kWh)%s", e, e);
	ADD("0-0:96.14.0(%04u)%s", 1 + (unsigned)(t % 2), e);
	ADD("1-0:1.7.0(%02u.%03u*kW)%s1-0:2.7.0(00.000*kW)%s",
	    (unsigned)(p->salt % 20), (unsigned)(t % 1000), e, e);
	ADD("0-0:96.7.21(00010)%s0-0:96.7.9(00002)%s", e, e);
	ADD("1-0:99.97.0(1)(0-0:96.7.19)(190508094303S)(0000003492*s)%s", e);
	ADD("1-0:32.32.0(00000)%s1-0:32.36.0(00000)%s", e, e);
	ADD("0-0:96.13.0(");
	n += (size_t)snprintf(o + n, TG_MAX - n, "%016llX",
			      (unsigned long long)p->seq);
	for (i = 0; i < p->msg_len && n < TG_MAX - 512; i++)
		o[n++] = hex[rnd(s, 16)];
	ADD(")%s", e);
	ADD("1-0:32.7.0(%03u.%u*V)%s1-0:31.7.0(%03u*A)%s",
	    220 + (unsigned)(t % 20), (unsigned)(t % 10), e, (unsigned)(t % 40),
	    e);
	ADD("1-0:21.7.0(%02u.%03u*kW)%s1-0:22.7.0(00.000*kW)%s",
	    (unsigned)(p->salt % 20), (unsigned)(t % 1000), e, e);
	ADD("0-1:24.1.0(003)%s", e);
	ADD("0-1:96.1.0(4730303339303031363532303530323136)%s", e);
	ADD("0-1:24.2.1(%012lluW)(%05u.%03u*m3)%s",
	    (unsigned long long)(t % 1000000000000ULL),
	    (unsigned)(t / 1000 % 100000), (unsigned)(t % 1000), e);
	ADD("!");
#undef ADD
	return n;
}

/* A complete telegram: body, then CRC digits per @kind, then the line end. */
static size_t telegram(struct tg_stream *s, char *o, struct tg_params *p,
		       uint32_t kind)
{
	uint64_t rng = s->rng;
	size_t n = body(s, o, p);
	uint16_t crc = tg_crc16((uint8_t *)o, n);

	if (kind == TG_GOOD_CRC3) {
		/* Vary the salt until the CRC fits in three digits. */
		while (crc >= 0x1000 && p->salt < 400) {
			p->salt++;
			s->rng = rng;
			n = body(s, o, p);
			crc = tg_crc16((uint8_t *)o, n);
		}
		if (crc >= 0x1000)
			kind = TG_GOOD;
	}
	switch (kind) {
	case TG_GOOD_LOWER:
		n += (size_t)sprintf(o + n, "%04x", crc);
		break;
	case TG_GOOD_CRC3:
		n += (size_t)sprintf(o + n, "%03X", crc);
		break;
	case TG_NOCRC:
		break;
	case TG_BAD:
		if (p->seq & 1) {
			n += (size_t)sprintf(o + n, "%04X", crc ^ 0x0101);
		} else {
			/* One digit in the body changed, CRC left as it was. */
			char *d = strstr(o, "1-0:1.8.1(") + 10;

			*d = *d == '9' ? '0' : (char)(*d + 1);
			n += (size_t)sprintf(o + n, "%04X", crc);
		}
		break;
	default:
		n += (size_t)sprintf(o + n, "%04X", crc);
	}
	n += (size_t)sprintf(o + n, "%s", p->eol);
	return n;
}

static int reserve(struct tg_stream *s, size_t more)
{
	if (s->len + more <= s->cap)
		return 0;
	while (s->len + more > s->cap)
		s->cap = s->cap ? s->cap * 2 : 1 << 22;
	s->buf = realloc(s->buf, s->cap);
	return s->buf ? 0 : -1;
}

static void put(struct tg_stream *s, const void *p, size_t n)
{
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

/* Garbage: any byte but '/', ending with a line end if @eol. */
static size_t garbage(struct tg_stream *s, char *o, uint32_t n, int eol)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		o[i] = (char)rnd(s, 256);
		if (o[i] == '/')
			o[i] = '?';
	}
	if (eol) {
		o[n++] = '\r';
		o[n++] = '\n';
	} else if (n && (o[n - 1] == '\n')) {
		o[n - 1] = 'x';
	}
	return n;
}

static char tmp[2][TG_MAX];

static int add_record(struct tg_stream *s, uint32_t kind)
{
	struct tg_expect *x = &s->exp;
	struct tg_params p = {
		.seq = s->nrec + 1,
		.salt = rnd(s, 64),
		.msg_len = rnd(s, 1024),
		.eol = kind == TG_GOOD_LF ? "\n" : "\r\n",
	};
	struct tg_rec *r;
	size_t pre = 0, n = 0;
	uint32_t tk = kind;
	char *cut;

	if (s->nrec == s->cap_rec) {
		s->cap_rec = s->cap_rec ? s->cap_rec * 2 : 4096;
		s->rec = realloc(s->rec, s->cap_rec * sizeof(*s->rec));
		if (!s->rec)
			return -1;
	}
	r = &s->rec[s->nrec++];
	*r = (struct tg_rec){.kind = kind};
	x->kinds[kind]++;

	switch (kind) {
	case TG_GARBAGE_GOOD:
		pre = garbage(s, tmp[0], 1 + rnd(s, 200), 1);
		tk = TG_GOOD;
		break;
	case TG_TENTATIVE:
		/* Proven whole by its CRC: delivered, counted recovered. */
		pre = garbage(s, tmp[0], 1 + rnd(s, 200), 0);
		x->recovered++;
		tk = TG_GOOD;
		break;
	case TG_TRAILER:
		pre = garbage(s, tmp[0], 1 + rnd(s, 200), 0);
		tk = TG_NKINDS;
		break;
	case TG_TRUNC:
		/* Cut just after a line end before the '!' line. */
		n = telegram(s, tmp[0], &p, TG_GOOD);
		cut = tmp[0] + 40 + rnd(s, (uint32_t)n / 2);
		cut = strchr(cut, '\n') + 1;
		pre = (size_t)(cut - tmp[0]);
		x->truncated++;
		tk = TG_NKINDS;
		break;
	case TG_GLUED:
		/* Cut in mid-line: the next telegram's '/' lands mid-line. */
		n = telegram(s, tmp[0], &p, TG_GOOD);
		cut = strchr(tmp[0] + 40 + rnd(s, (uint32_t)n / 2), '\n') + 3;
		pre = (size_t)(cut - tmp[0]);
		p.seq += 1000000; /* a different telegram */
		x->truncated++;
		x->recovered++;
		tk = TG_GOOD;
		break;
	case TG_OVERSIZE:
		p.msg_len = s->max_size + 2000;
		tk = TG_OVERSIZE;
		break;
	default:
		break;
	}
	n = tk == TG_NKINDS ? 0 : telegram(s, tmp[1], &p, tk);
	if (kind == TG_GLUED) {
		/* The CRC must not hold over partial + telegram by chance. */
		memcpy(tmp[0] + pre, tmp[1], n);
		if (tg_crc16((uint8_t *)tmp[0],
			     pre + (size_t)(strrchr(tmp[1], '!') - tmp[1]) +
				     1) ==
		    strtoul(strrchr(tmp[1], '!') + 1, NULL, 16))
			pre--;
	}
	if (reserve(s, pre + n))
		return -1;
	r->off = (uint32_t)s->len;
	put(s, tmp[0], pre);
	r->tg_off = (uint32_t)s->len;
	put(s, tmp[1], n);
	r->len = (uint32_t)(s->len - r->off);
	x->rx_bytes += r->len;

	switch (kind) {
	case TG_GARBAGE_GOOD:
	case TG_TENTATIVE:
	case TG_TRAILER:
		x->garbage_bytes += pre;
		break;
	default:
		break;
	}
	switch (tk) {
	case TG_NKINDS:
		return 0;
	case TG_OVERSIZE:
		x->oversize++;
		x->garbage_bytes += n - s->max_size;
		return 0;
	case TG_BAD:
		x->crc_errors++;
		r->status = P1_STATUS_CRC_ERROR;
		break;
	case TG_NOCRC:
		x->crc_missing++;
		r->status = P1_STATUS_CRC_MISSING;
		break;
	default:
		x->telegrams++;
		x->good++;
		r->status = P1_STATUS_OK;
		break;
	}
	r->tg_len = (uint32_t)n;
	r->seq = ++x->completed;
	return 0;
}

int tg_generate(struct tg_stream *s, uint32_t nrec, uint64_t seed,
		uint32_t max_size)
{
	uint32_t i, k, prev = TG_GOOD;

	memset(s, 0, sizeof(*s));
	s->rng = seed ? seed : 1;
	s->max_size = max_size;
	for (i = 0; i < nrec; i++) {
		uint32_t d = rnd(s, 100);

		if (i == 0 || i + 1 == nrec)
			k = TG_GOOD;
		else if (nrec >= 8 && i % (nrec / 4) == 0)
			k = TG_OVERSIZE;
		else if (d < 60)
			k = TG_GOOD;
		else if (d < 64)
			k = TG_GOOD_LOWER;
		else if (d < 67)
			k = TG_GOOD_LF;
		else if (d < 70)
			k = TG_GOOD_CRC3;
		else if (d < 76)
			k = TG_GARBAGE_GOOD;
		else if (d < 79)
			k = TG_TENTATIVE;
		else if (d < 85)
			k = TG_BAD;
		else if (d < 88)
			k = TG_NOCRC;
		else if (d < 93)
			k = TG_TRUNC;
		else
			k = TG_GLUED;
		/* After a cut telegram the next must start with '/'. */
		if (prev == TG_TRUNC && (k == TG_GARBAGE_GOOD ||
					 k == TG_TENTATIVE || k == TG_TRUNC))
			k = TG_GOOD;
		if (add_record(s, k))
			return -1;
		prev = k;
	}
	return add_record(s, TG_TRAILER);
}

void tg_free(struct tg_stream *s)
{
	free(s->buf);
	free(s->rec);
	memset(s, 0, sizeof(*s));
}
