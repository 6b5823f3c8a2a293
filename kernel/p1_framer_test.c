// SPDX-License-Identifier: GPL-2.0
/*
 * p1_framer_test.c - KUnit suite for the telegram framer (p1_framer.c).
 *
 * Telegrams are built here from text bodies: "make" appends '!', the
 * CRC-16/ARC of '/'...'!' in a chosen format and the line end, so every
 * case knows exactly which bytes and counters to expect.  Every case checks
 * all counters of struct p1_framer_stats, not just what it is about.
 */
#include <kunit/test.h>
#include <linux/crc16.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "p1_framer.h"

#define FT_CAP		2048	/* framer buffer */
#define FT_MAX_OUT	8	/* telegrams one case may collect */

/* A DSMR 5 body: everything up to (without) the '!' line. */
#define DSMR5_BODY \
	"/ISk5\\2MT382-1000\r\n" \
	"\r\n" \
	"1-3:0.2.8(50)\r\n" \
	"0-0:1.0.0(230201155056W)\r\n" \
	"0-0:96.1.1(4B384547303034303436333935353037)\r\n" \
	"1-0:1.8.1(001234.567*kWh)\r\n" \
	"1-0:1.8.2(002345.678*kWh)\r\n" \
	"0-0:96.14.0(0002)\r\n" \
	"1-0:1.7.0(01.193*kW)\r\n" \
	"1-0:32.32.0(00000)\r\n" \
	"1-0:32.7.0(230.1*V)\r\n"

/* A DSMR 2.2 telegram: no CRC, gas value on the next line. */
#define DSMR22 \
	"/KFM5KAIFA-METER\r\n" \
	"\r\n" \
	"0-0:96.1.1(204B413655303031)\r\n" \
	"1-0:1.8.1(00185.000*kWh)\r\n" \
	"0-1:24.3.0(090212160000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n" \
	"(00000.000)\r\n" \
	"!\r\n"

struct ft_frame {
	u8 *data;
	u32 len;
	u32 status;
	u32 type;
	bool has_crc;
	u16 crc_rx;
	u16 crc_calc;
	u64 start_stamp;
	u64 end_stamp;
};

struct ft {
	struct kunit *test;
	struct p1_framer f;
	u8 buf[FT_CAP];
	struct ft_frame out[FT_MAX_OUT];
	unsigned int nout;
	u64 stamp;	/* stamp of the next push */
};

static struct ft *ft_new(struct kunit *test)
{
	struct ft *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	t->test = test;
	p1_framer_init(&t->f, t->buf, sizeof(t->buf));
	return t;
}

/* Feed @n bytes as one "receive_buf" call; collect what completes. */
static void ft_push_flags(struct ft *t, const void *data, const u8 *flags,
			  size_t n)
{
	const u8 *p = data;
	struct p1_frame fr;
	struct ft_frame *o;
	size_t used;

	t->stamp++;
	while (n) {
		used = p1_framer_push(&t->f, p, flags, n, t->stamp, &fr);
		KUNIT_ASSERT_LE(t->test, used, n);
		p += used;
		if (flags)
			flags += used;
		n -= used;
		if (!fr.len) {
			/* Only a completed telegram may stop it early. */
			KUNIT_ASSERT_EQ(t->test, n, 0);
			continue;
		}
		KUNIT_ASSERT_LT(t->test, t->nout, FT_MAX_OUT);
		o = &t->out[t->nout++];
		o->data = kunit_kmalloc(t->test, fr.len, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(t->test, o->data);
		memcpy(o->data, fr.data, fr.len);
		o->len = fr.len;
		o->status = fr.status;
		o->type = fr.type;
		o->has_crc = fr.has_crc;
		o->crc_rx = fr.crc_rx;
		o->crc_calc = fr.crc_calc;
		o->start_stamp = fr.start_stamp;
		o->end_stamp = fr.end_stamp;
	}
}

static void ft_push(struct ft *t, const void *data, size_t n)
{
	ft_push_flags(t, data, NULL, n);
}

static void ft_push_str(struct ft *t, const char *s)
{
	ft_push(t, s, strlen(s));
}

/*
 * A telegram: @body (from '/' through the last line end before '!'), '!',
 * the CRC printed with @fmt ("" for none; "%04X", "%04x", "%03X", ...),
 * and @eol.  The CRC covers the bytes as built, so bodies may use LF only.
 */
static char *make(struct kunit *test, const char *body, const char *fmt,
		  const char *eol, u16 *crc)
{
	size_t blen = strlen(body), cap = blen + 16;
	char *s = kunit_kmalloc(test, cap, GFP_KERNEL);
	u16 c;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	memcpy(s, body, blen);
	s[blen] = '!';
	c = p1_crc16(0, (const u8 *)s, blen + 1);
	s[blen + 1] = '\0';
	if (*fmt)
		snprintf(s + blen + 1, cap - blen - 1, fmt, c);
	strlcat(s, eol, cap);
	if (crc)
		*crc = c;
	return s;
}

static char *make5(struct kunit *test)
{
	return make(test, DSMR5_BODY, "%04X", "\r\n", NULL);
}

static void ft_expect_stats(struct ft *t, const struct p1_framer_stats *exp)
{
	const struct p1_framer_stats *got = &t->f.st;
	struct kunit *test = t->test;

	KUNIT_EXPECT_EQ_MSG(test, got->rx_bytes, exp->rx_bytes, "rx_bytes");
	KUNIT_EXPECT_EQ_MSG(test, got->garbage_bytes, exp->garbage_bytes, "garbage_bytes");
	KUNIT_EXPECT_EQ_MSG(test, got->telegrams, exp->telegrams, "telegrams");
	KUNIT_EXPECT_EQ_MSG(test, got->crc_errors, exp->crc_errors, "crc_errors");
	KUNIT_EXPECT_EQ_MSG(test, got->crc_missing, exp->crc_missing, "crc_missing");
	KUNIT_EXPECT_EQ_MSG(test, got->line_errors, exp->line_errors, "line_errors");
	KUNIT_EXPECT_EQ_MSG(test, got->truncated, exp->truncated, "truncated");
	KUNIT_EXPECT_EQ_MSG(test, got->oversize, exp->oversize, "oversize");
	KUNIT_EXPECT_EQ_MSG(test, got->recovered, exp->recovered, "recovered");
	KUNIT_EXPECT_EQ_MSG(test, got->parity_errors, exp->parity_errors, "parity_errors");
	KUNIT_EXPECT_EQ_MSG(test, got->frame_errors, exp->frame_errors, "frame_errors");
	KUNIT_EXPECT_EQ_MSG(test, got->overruns, exp->overruns, "overruns");
	KUNIT_EXPECT_EQ_MSG(test, got->breaks, exp->breaks, "breaks");
	KUNIT_EXPECT_EQ_MSG(test, got->dlms_frames, exp->dlms_frames, "dlms_frames");
}

#define FT_EXPECT_STATS(t, ...) \
	ft_expect_stats(t, &(const struct p1_framer_stats){ __VA_ARGS__ })

/* Telegram @i was delivered byte-exact as @s with @status. */
static void ft_expect_frame(struct ft *t, unsigned int i, const char *s,
			    u32 status)
{
	struct kunit *test = t->test;
	size_t len = strlen(s);

	KUNIT_ASSERT_GT_MSG(test, t->nout, i, "telegram %u missing", i);
	KUNIT_EXPECT_EQ_MSG(test, t->out[i].status, status, "telegram %u", i);
	KUNIT_EXPECT_EQ_MSG(test, t->out[i].type, (u32)P1_FRAME_TEXT,
			    "telegram %u", i);
	KUNIT_ASSERT_EQ_MSG(test, t->out[i].len, (u32)len, "telegram %u", i);
	KUNIT_EXPECT_TRUE_MSG(test, !memcmp(t->out[i].data, s, len),
			      "telegram %u: bytes differ", i);
}

/* ---- CRC ---- */

static void p1_crc16_check_value(struct kunit *test)
{
	/* The CRC-16/ARC catalogue check value. */
	KUNIT_EXPECT_EQ(test, p1_crc16(0, (const u8 *)"123456789", 9), 0xbb3d);
	KUNIT_EXPECT_EQ(test, p1_crc16(0, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, p1_crc16(0x1234, NULL, 0), 0x1234);
}

static void p1_crc16_matches_kernel(struct kunit *test)
{
	u8 *buf = kunit_kmalloc(test, 1024, GFP_KERNEL);
	u32 x = 0x12345678;
	size_t i, n;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	for (i = 0; i < 1024; i++) {
		x = x * 1103515245 + 12345;
		buf[i] = x >> 16;
	}
	for (n = 0; n <= 1024; n += (n < 64 ? 1 : 61)) {
		KUNIT_EXPECT_EQ_MSG(test, p1_crc16(0, buf, n), crc16(0, buf, n),
				    "length %zu", n);
		KUNIT_EXPECT_EQ_MSG(test, p1_crc16(0xa5c3, buf, n),
				    crc16(0xa5c3, buf, n), "length %zu", n);
		/* Running CRC: two halves give the same as the whole. */
		KUNIT_EXPECT_EQ_MSG(test,
				    p1_crc16(p1_crc16(0, buf, n / 3),
					     buf + n / 3, n - n / 3),
				    crc16(0, buf, n), "length %zu", n);
	}
}

/* ---- whole telegrams ---- */

static void p1_framer_dsmr5_crc(struct kunit *test)
{
	struct ft *t = ft_new(test);
	u16 crc;
	char *tg = make(test, DSMR5_BODY, "%04X", "\r\n", &crc);
	size_t len = strlen(tg);

	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	KUNIT_EXPECT_TRUE(test, t->out[0].has_crc);
	KUNIT_EXPECT_EQ(test, t->out[0].crc_rx, crc);
	KUNIT_EXPECT_EQ(test, t->out[0].crc_calc, crc);
	KUNIT_EXPECT_EQ(test, t->out[0].start_stamp, 1ULL);
	KUNIT_EXPECT_EQ(test, t->out[0].end_stamp, 1ULL);
	FT_EXPECT_STATS(t, .rx_bytes = len, .telegrams = 1);

	/* The next one, arriving in two calls, carries both stamps. */
	ft_push(t, tg, 100);
	ft_push_str(t, tg + 100);
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_frame(t, 1, tg, P1_FR_OK);
	KUNIT_EXPECT_EQ(test, t->out[1].start_stamp, 2ULL);
	KUNIT_EXPECT_EQ(test, t->out[1].end_stamp, 3ULL);
	FT_EXPECT_STATS(t, .rx_bytes = 2 * len, .telegrams = 2);
}

static void p1_framer_dsmr22_no_crc(struct kunit *test)
{
	struct ft *t = ft_new(test);

	ft_push_str(t, DSMR22);
	ft_push_str(t, DSMR22);
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_frame(t, 0, DSMR22, P1_FR_NO_CRC);
	ft_expect_frame(t, 1, DSMR22, P1_FR_NO_CRC);
	KUNIT_EXPECT_FALSE(test, t->out[0].has_crc);
	FT_EXPECT_STATS(t, .rx_bytes = 2 * strlen(DSMR22), .telegrams = 2);
}

static void p1_framer_bad_crc(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *good = make5(test);
	char *bad = kunit_kmalloc(test, strlen(good) + 1, GFP_KERNEL);
	size_t len = strlen(good);
	char *digit;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bad);
	/* One flipped value digit. */
	strscpy(bad, good, len + 1);
	digit = strstr(bad, "001234.567");
	KUNIT_ASSERT_NOT_NULL(test, digit);
	digit[3] = '3';
	ft_push_str(t, bad);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, bad, P1_FR_CRC_ERROR);
	KUNIT_EXPECT_TRUE(test, t->out[0].has_crc);
	KUNIT_EXPECT_NE(test, t->out[0].crc_rx, t->out[0].crc_calc);
	FT_EXPECT_STATS(t, .rx_bytes = len, .crc_errors = 1);

	/* A wrong CRC does not disturb the next telegram. */
	ft_push_str(t, good);
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_frame(t, 1, good, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = 2 * len, .crc_errors = 1,
			.telegrams = 1);
}

static void p1_framer_lower_case_crc(struct kunit *test)
{
	struct ft *t = ft_new(test);
	u16 crc;
	char *tg = make(test, DSMR5_BODY, "%04x", "\r\n", &crc);

	/* Make sure the CRC has a letter in it, or the case is moot. */
	KUNIT_ASSERT_NOT_NULL(test, strpbrk(strrchr(tg, '!'), "abcdef"));
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	KUNIT_EXPECT_EQ(test, t->out[0].crc_rx, crc);
	FT_EXPECT_STATS(t, .rx_bytes = strlen(tg), .telegrams = 1);
}

static void p1_framer_three_digit_crc(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char body[sizeof(DSMR5_BODY) + 32];
	char *tg = NULL;
	u16 crc = 0;
	int i;

	/* Vary a value until the CRC is below 0x1000, then print it unpadded. */
	for (i = 0; i < 10000; i++) {
		snprintf(body, sizeof(body), "%s1-0:2.8.1(%06d.000*kWh)\r\n",
			 DSMR5_BODY, i);
		tg = make(test, body, "%X", "\r\n", &crc);
		if (crc < 0x1000 && crc >= 0x100)
			break;
	}
	KUNIT_ASSERT_LT(test, crc, 0x1000);
	KUNIT_ASSERT_GE(test, crc, 0x100);
	KUNIT_ASSERT_EQ(test, strlen(strrchr(tg, '!')), 6UL);	/* !XXX\r\n */
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	KUNIT_EXPECT_EQ(test, t->out[0].crc_rx, crc);
	FT_EXPECT_STATS(t, .rx_bytes = strlen(tg), .telegrams = 1);
}

static void p1_framer_lf_only(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *body = kunit_kzalloc(test, sizeof(DSMR5_BODY), GFP_KERNEL);
	const char *s;
	char *d, *tg;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, body);
	for (s = DSMR5_BODY, d = body; *s; s++)
		if (*s != '\r')
			*d++ = *s;
	tg = make(test, body, "%04X", "\n", NULL);
	ft_push_str(t, tg);
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	ft_expect_frame(t, 1, tg, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = 2 * strlen(tg), .telegrams = 2);
}

/* A trailer CR followed by anything but LF still ends the telegram. */
static void p1_framer_trailer_cr_only(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *a = make(test, DSMR5_BODY, "%04X", "\r", NULL);
	char *b = make5(test);

	ft_push_str(t, a);
	KUNIT_EXPECT_EQ(test, t->nout, 0U);	/* an LF may still come */
	ft_push_str(t, b);
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_frame(t, 0, a, P1_FR_OK);
	ft_expect_frame(t, 1, b, P1_FR_OK);
	KUNIT_EXPECT_EQ(test, t->out[0].end_stamp, 2ULL);
	KUNIT_EXPECT_EQ(test, t->out[1].start_stamp, 2ULL);
	FT_EXPECT_STATS(t, .rx_bytes = strlen(a) + strlen(b), .telegrams = 2);
}

/* A quiet line completes a trailer that ended in a bare CR. */
static void p1_framer_idle_after_cr(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *a = make(test, DSMR5_BODY, "%04X", "\r", NULL);
	struct p1_frame f;

	KUNIT_EXPECT_FALSE(test, p1_framer_idle(&t->f, 9, &f));
	KUNIT_EXPECT_EQ(test, f.len, 0U);
	ft_push_str(t, a);
	KUNIT_EXPECT_EQ(test, t->nout, 0U);
	KUNIT_ASSERT_TRUE(test, p1_framer_idle(&t->f, 9, &f));
	KUNIT_EXPECT_EQ(test, f.len, (u32)strlen(a));
	KUNIT_EXPECT_TRUE(test, !memcmp(f.data, a, f.len));
	KUNIT_EXPECT_EQ(test, f.status, (u32)P1_FR_OK);
	KUNIT_EXPECT_EQ(test, f.end_stamp, 9ULL);
	KUNIT_EXPECT_FALSE(test, p1_framer_idle(&t->f, 10, &f));
	FT_EXPECT_STATS(t, .rx_bytes = strlen(a), .telegrams = 1);
}

static void p1_framer_garbage_before(struct kunit *test)
{
	/* The mid-line '/' starts a tentative telegram that never proves. */
	static const char junk[] = "\x00\xff noise\r\nfoo/bar\r\n!1234\r\nx";
	struct ft *t = ft_new(test);
	char *tg = make5(test);

	ft_push(t, junk, sizeof(junk) - 1);
	ft_push_str(t, "\r\n");
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = sizeof(junk) + 1 + strlen(tg),
			.garbage_bytes = sizeof(junk) + 1, .telegrams = 1);
}

/* A '!' line with something else than hex digits truncates. */
static void p1_framer_bad_trailer(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *tg = make5(test);

	ft_push_str(t, DSMR5_BODY "!12G4\r\n");
	KUNIT_EXPECT_EQ(test, t->nout, 0U);
	ft_push_str(t, DSMR5_BODY "!12345\r\n");	/* five digits */
	KUNIT_EXPECT_EQ(test, t->nout, 0U);
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	/* "G4\r\n" and "5\r\n" are garbage once the telegram was given up. */
	FT_EXPECT_STATS(t, .rx_bytes = 2 * strlen(DSMR5_BODY) + 15 + strlen(tg),
			.garbage_bytes = 7, .truncated = 2, .telegrams = 1);
}

/* ---- recovery ---- */

/* '/' at a line start inside a telegram: truncated, the next one counts. */
static void p1_framer_slash_at_line_start(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *tg = make5(test);
	size_t cut = strstr(tg, "1-0:1.8.2") - tg;

	ft_push(t, tg, cut);
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	KUNIT_EXPECT_EQ(test, t->out[0].start_stamp, 2ULL);
	FT_EXPECT_STATS(t, .rx_bytes = cut + strlen(tg), .truncated = 1,
			.telegrams = 1);
}

/*
 * Lost bytes glued the next telegram onto a line of the previous one:
 * "...1-0:32.32.0(0/ISk5...".  The CRC proves the glued-on telegram whole.
 */
static void p1_framer_slash_mid_line_recovered(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *tg = make5(test);
	size_t cut = strstr(tg, "1-0:32.32.0(0") + strlen("1-0:32.32.0(0") - tg;
	size_t len = strlen(tg);

	ft_push(t, tg, cut);		/* stamp 1 */
	ft_push_str(t, tg);		/* stamp 2 */
	ft_push_str(t, tg);		/* stamp 3: the one after is fine too */
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	ft_expect_frame(t, 1, tg, P1_FR_OK);
	KUNIT_EXPECT_EQ(test, t->out[0].start_stamp, 2ULL);
	KUNIT_EXPECT_EQ(test, t->out[0].end_stamp, 2ULL);
	FT_EXPECT_STATS(t, .rx_bytes = cut + 2 * len, .truncated = 1,
			.recovered = 1, .telegrams = 2);
}

/*
 * crc_mode "ignore" recovers a glued-on telegram first, as "auto" does; it
 * only decides about a CRC that nothing can repair.
 */
static void p1_framer_ignore_recovers_first(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *tg = make5(test);
	size_t cut = strstr(tg, "1-0:32.32.0(0") + strlen("1-0:32.32.0(0") - tg;
	size_t len = strlen(tg);

	p1_framer_set_crc_mode(&t->f, P1_FR_CRC_IGNORE);
	ft_push(t, tg, cut);
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = cut + len, .truncated = 1,
			.recovered = 1, .telegrams = 1);
}

/* More mid-line '/' than candidates kept: the latest ones still count. */
static void p1_framer_many_mid_line_slashes(struct kunit *test)
{
	static const char part[] = "/ISk5\\2MT382-1000\r\n\r\n"
				   "0-0:96.13.0(a/b/c/d/e/f/g/";
	struct ft *t = ft_new(test);
	char *tg = make5(test);

	ft_push_str(t, part);
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = strlen(part) + strlen(tg),
			.truncated = 1, .recovered = 1, .telegrams = 1);
}

/* A '/' inside a value of a good telegram is just a byte. */
static void p1_framer_slash_in_value(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *tg = make(test, DSMR5_BODY "0-0:96.13.0(2F/2F)\r\n", "%04X",
			"\r\n", NULL);

	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = strlen(tg), .telegrams = 1);
}

/* While hunting, a mid-line '/' starts a telegram only a good CRC proves. */
static void p1_framer_slash_mid_line_hunting(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *good = make5(test);
	char *nocrc = make(test, DSMR5_BODY, "", "\r\n", NULL);

	ft_push_str(t, "xx(0");
	ft_push_str(t, good);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, good, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = 4 + strlen(good), .garbage_bytes = 4,
			.recovered = 1, .telegrams = 1);

	/* Not proven (no CRC): all of it is garbage. */
	ft_push_str(t, "yy(");
	ft_push_str(t, nocrc);
	KUNIT_EXPECT_EQ(test, t->nout, 1U);
	FT_EXPECT_STATS(t, .rx_bytes = 7 + strlen(good) + strlen(nocrc),
			.garbage_bytes = 7 + strlen(nocrc), .recovered = 1,
			.telegrams = 1);
}

static void p1_framer_reset_mid_telegram(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *tg = make5(test);

	ft_push(t, tg, 50);
	p1_framer_reset(&t->f);
	ft_push_str(t, tg + 50);	/* the rest is garbage: no line-start '/' */
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = 2 * strlen(tg),
			.garbage_bytes = strlen(tg) - 50, .truncated = 1,
			.telegrams = 1);
}

/* ---- size limit ---- */

static void p1_framer_set_max_clamps(struct kunit *test)
{
	struct ft *t = ft_new(test);

	KUNIT_EXPECT_EQ(test, t->f.max, (u32)FT_CAP);
	p1_framer_set_max(&t->f, 1);
	KUNIT_EXPECT_EQ(test, t->f.max, 16U);
	p1_framer_set_max(&t->f, FT_CAP + 1);
	KUNIT_EXPECT_EQ(test, t->f.max, (u32)FT_CAP);
	p1_framer_set_max(&t->f, 100);
	KUNIT_EXPECT_EQ(test, t->f.max, 100U);
}

static void p1_framer_oversize(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *tg = make5(test);
	char *small = make(test, "/AB5\r\n\r\n1-0:1.8.1(1)\r\n", "%04X",
			   "\r\n", NULL);
	u32 len = strlen(tg);

	/* Exactly at the limit fits. */
	p1_framer_set_max(&t->f, len);
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = len, .telegrams = 1);

	/* One byte less: dropped, the rest hunted over as garbage. */
	p1_framer_set_max(&t->f, len - 1);
	ft_push_str(t, tg);
	KUNIT_EXPECT_EQ(test, t->nout, 1U);
	FT_EXPECT_STATS(t, .rx_bytes = 2 * len, .telegrams = 1, .oversize = 1,
			.garbage_bytes = 1);

	/* Far over it, then a small one right after. */
	p1_framer_set_max(&t->f, 64);
	ft_push_str(t, tg);
	ft_push_str(t, small);
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_frame(t, 1, small, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = 3 * len + strlen(small), .telegrams = 2,
			.oversize = 2, .garbage_bytes = 1 + len - 64);
}

/* Over the limit with a mid-line '/': the framer moves to that start. */
static void p1_framer_oversize_shifts_to_candidate(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *tg = make5(test);
	size_t cut = strstr(tg, "1-0:32.32.0(0") + strlen("1-0:32.32.0(0") - tg;
	size_t len = strlen(tg);

	p1_framer_set_max(&t->f, len + 10);
	ft_push(t, tg, cut);
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	/* The part before the '/' was cut short; the telegram is whole. */
	FT_EXPECT_STATS(t, .rx_bytes = cut + len, .truncated = 1,
			.telegrams = 1, .recovered = 1);
}

/* ---- CRC policy ---- */

static void p1_framer_crc_mode_auto(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *good = make5(test);
	u16 crc;
	char *bad = make(test, DSMR5_BODY, "0000", "\r\n", &crc);
	char *none = make(test, DSMR5_BODY, "", "\r\n", NULL);
	size_t lg = strlen(good), lb = strlen(bad), ln = strlen(none);

	KUNIT_ASSERT_NE(test, crc, 0);
	ft_push_str(t, none);	/* fine: no CRC seen yet */
	ft_push_str(t, bad);	/* a wrong CRC proves nothing */
	ft_push_str(t, none);
	ft_push_str(t, good);	/* from now on a CRC is expected */
	ft_push_str(t, none);
	KUNIT_ASSERT_EQ(test, t->nout, 5U);
	ft_expect_frame(t, 0, none, P1_FR_NO_CRC);
	ft_expect_frame(t, 1, bad, P1_FR_CRC_ERROR);
	ft_expect_frame(t, 2, none, P1_FR_NO_CRC);
	ft_expect_frame(t, 3, good, P1_FR_OK);
	ft_expect_frame(t, 4, none, P1_FR_CRC_MISSING);
	FT_EXPECT_STATS(t, .rx_bytes = 3 * ln + lb + lg, .telegrams = 3,
			.crc_errors = 1, .crc_missing = 1);
}

static void p1_framer_crc_mode_require(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *good = make5(test);
	char *none = make(test, DSMR5_BODY, "", "\r\n", NULL);

	p1_framer_set_crc_mode(&t->f, P1_FR_CRC_REQUIRE);
	ft_push_str(t, none);
	ft_push_str(t, good);
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_frame(t, 0, none, P1_FR_CRC_MISSING);
	ft_expect_frame(t, 1, good, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = strlen(none) + strlen(good),
			.telegrams = 1, .crc_missing = 1);
}

static void p1_framer_crc_mode_ignore(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *good = make5(test);
	char *bad = make(test, DSMR5_BODY, "0000", "\r\n", NULL);
	char *none = make(test, DSMR5_BODY, "", "\r\n", NULL);

	p1_framer_set_crc_mode(&t->f, P1_FR_CRC_IGNORE);
	p1_framer_set_crc_mode(&t->f, 7);	/* invalid: ignored */
	ft_push_str(t, good);
	ft_push_str(t, bad);
	ft_push_str(t, none);
	KUNIT_ASSERT_EQ(test, t->nout, 3U);
	ft_expect_frame(t, 0, good, P1_FR_OK);
	ft_expect_frame(t, 1, bad, P1_FR_UNCHECKED);
	ft_expect_frame(t, 2, none, P1_FR_NO_CRC);
	KUNIT_EXPECT_TRUE(test, p1_fr_status_good(t->out[1].status));
	FT_EXPECT_STATS(t, .rx_bytes = strlen(good) + strlen(bad) + strlen(none),
			.telegrams = 3);
}

/* ---- bytes the driver flagged ---- */

/* @kind on one byte inside the telegram: parity/frame stored, not markers. */
static void ft_flagged(struct kunit *test, u8 kind)
{
	bool marker = kind == P1_FL_BREAK || kind == P1_FL_OVERRUN;
	struct ft *t = ft_new(test);
	char *tg = make5(test);
	size_t len = strlen(tg), at = 40, n;
	u8 *data = kunit_kzalloc(test, len + 1, GFP_KERNEL);
	u8 *flags = kunit_kzalloc(test, len + 1, GFP_KERNEL);
	char *exp = tg;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, data);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, flags);
	if (marker) {
		/* The tty layer inserts a NUL carrying the flag. */
		memcpy(data, tg, at);
		data[at] = 0;
		memcpy(data + at + 1, tg + at, len - at);
		n = len + 1;
	} else {
		memcpy(data, tg, len);
		data[at] ^= 0x01;	/* what a parity error looks like */
		exp = kunit_kmalloc(test, len + 1, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, exp);
		memcpy(exp, data, len);
		exp[len] = '\0';
		n = len;
	}
	flags[at] = kind;
	ft_push_flags(t, data, flags, n);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, exp, P1_FR_LINE_ERROR);
	KUNIT_EXPECT_FALSE(test, p1_fr_status_good(t->out[0].status));

	/* The next telegram is clean again; a flagged byte between is fine. */
	memset(flags, 0, len + 1);
	ft_push_flags(t, "\0", &kind, 1);
	ft_push_flags(t, tg, flags, len);
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_frame(t, 1, tg, P1_FR_OK);

	/*
	 * A stored byte between telegrams leaves the next '/' in mid-line:
	 * only its CRC proves it, and it counts as recovered.
	 */
	FT_EXPECT_STATS(t, .rx_bytes = 2 * len + !marker, .line_errors = 1,
			.telegrams = 1, .garbage_bytes = !marker,
			.recovered = !marker,
			.parity_errors = kind == P1_FL_PARITY ? 2 : 0,
			.frame_errors = kind == P1_FL_FRAME ? 2 : 0,
			.breaks = kind == P1_FL_BREAK ? 2 : 0,
			.overruns = kind == P1_FL_OVERRUN ? 2 : 0);
}

static void p1_framer_flag_parity(struct kunit *test)
{
	ft_flagged(test, P1_FL_PARITY);
}

static void p1_framer_flag_frame(struct kunit *test)
{
	ft_flagged(test, P1_FL_FRAME);
}

static void p1_framer_flag_break(struct kunit *test)
{
	ft_flagged(test, P1_FL_BREAK);
}

static void p1_framer_flag_overrun(struct kunit *test)
{
	ft_flagged(test, P1_FL_OVERRUN);
}

/* Damage before a glued-on telegram does not spoil the recovered one. */
static void p1_framer_flag_before_recovered(struct kunit *test)
{
	struct ft *t = ft_new(test);
	char *tg = make5(test);
	size_t cut = strstr(tg, "1-0:32.32.0(0") + strlen("1-0:32.32.0(0") - tg;
	u8 *flags = kunit_kzalloc(test, cut, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, flags);
	flags[30] = P1_FL_FRAME;
	ft_push_flags(t, tg, flags, cut);
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = cut + strlen(tg), .truncated = 1,
			.recovered = 1, .telegrams = 1, .frame_errors = 1);
}

/* ---- 7-bit lines ---- */

static void p1_framer_cs7(struct kunit *test)
{
	static const char tg[] = DSMR22;
	struct ft *t = ft_new(test);
	size_t len = sizeof(tg) - 1, i;
	u8 *hi = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, hi);
	/* 7E1 read as 8 bits: the parity bit lands in bit 7 ('/' included). */
	for (i = 0; i < len; i++)
		hi[i] = tg[i] | (i & 1 ? 0 : 0x80);
	ft_push(t, hi, len);
	KUNIT_EXPECT_EQ(test, t->nout, 0U);
	FT_EXPECT_STATS(t, .rx_bytes = len, .garbage_bytes = len);

	/* As n_p1 does on a termios change: CS7 on, start at a line start. */
	p1_framer_set_cs7(&t->f, true);
	p1_framer_reset(&t->f);
	ft_push(t, hi, len);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_NO_CRC);
	FT_EXPECT_STATS(t, .rx_bytes = 2 * len, .garbage_bytes = len,
			.telegrams = 1);
}

/* ---- every split point ---- */

struct ft_stream {
	char *s;
	size_t n;
	size_t start[3], end[3];	/* offsets of '/' and final LF */
	const char *exp[3];
	u32 status[3];
};

/*
 * Garbage, a DSMR 2.2 telegram, a DSMR 5 one, then the start of another
 * with the next glued on in mid-line (recovered by its CRC).
 */
static void ft_stream_build(struct kunit *test, struct ft_stream *st)
{
	static const char junk[] = "junk\r\n";
	char *tg = make5(test);
	size_t cut = strstr(tg, "1-0:32.32.0(0") + strlen("1-0:32.32.0(0") - tg;
	size_t len = strlen(tg);
	const char *part[5] = { junk, DSMR22, tg, tg, tg };
	size_t plen[5] = { sizeof(junk) - 1, sizeof(DSMR22) - 1, len, cut, len };
	int tgi[5] = { -1, 0, 1, -1, 2 };
	size_t i, n = 0;

	st->s = kunit_kmalloc(test, plen[0] + plen[1] + 2 * len + cut,
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, st->s);
	for (i = 0; i < 5; i++) {
		memcpy(st->s + n, part[i], plen[i]);
		if (tgi[i] >= 0) {
			st->start[tgi[i]] = n;
			st->end[tgi[i]] = n + plen[i] - 1;
			st->exp[tgi[i]] = part[i];
		}
		n += plen[i];
	}
	st->n = n;
	st->status[0] = P1_FR_NO_CRC;
	st->status[1] = P1_FR_OK;
	st->status[2] = P1_FR_OK;
}

/*
 * The stream fed in two calls split at every offset, and once a byte per
 * call: always the same telegrams, stamped by the calls that held their
 * first and last bytes, and the same counters as when fed in one call.
 */
static void p1_framer_every_split(struct kunit *test)
{
	struct p1_framer_stats ref;
	struct ft_stream st;
	size_t i, k;
	struct ft *t;

	ft_stream_build(test, &st);
	t = ft_new(test);
	ft_push(t, st.s, st.n);
	KUNIT_ASSERT_EQ(test, t->nout, 3U);
	for (k = 0; k < 3; k++)
		ft_expect_frame(t, k, st.exp[k], st.status[k]);
	FT_EXPECT_STATS(t, .rx_bytes = st.n, .garbage_bytes = 6,
			.telegrams = 3, .truncated = 1, .recovered = 1);
	ref = t->f.st;

	for (i = 0; i <= st.n; i++) {
		t = ft_new(test);
		ft_push(t, st.s, i);
		ft_push(t, st.s + i, st.n - i);
		KUNIT_ASSERT_EQ_MSG(test, t->nout, 3U, "split at %zu", i);
		for (k = 0; k < 3; k++) {
			ft_expect_frame(t, k, st.exp[k], st.status[k]);
			KUNIT_EXPECT_EQ_MSG(test, t->out[k].start_stamp,
					    st.start[k] < i ? 1ULL : 2ULL,
					    "split at %zu, telegram %zu", i, k);
			KUNIT_EXPECT_EQ_MSG(test, t->out[k].end_stamp,
					    st.end[k] < i ? 1ULL : 2ULL,
					    "split at %zu, telegram %zu", i, k);
		}
		KUNIT_ASSERT_TRUE_MSG(test, !memcmp(&t->f.st, &ref, sizeof(ref)),
				      "split at %zu: counters differ", i);
		if (test->status == KUNIT_FAILURE)
			return;	/* one failing split point is enough */
		kunit_kfree(test, t);
	}

	t = ft_new(test);
	for (i = 0; i < st.n; i++)
		ft_push(t, st.s + i, 1);
	KUNIT_ASSERT_EQ(test, t->nout, 3U);
	for (k = 0; k < 3; k++) {
		ft_expect_frame(t, k, st.exp[k], st.status[k]);
		KUNIT_EXPECT_EQ(test, t->out[k].start_stamp, (u64)st.start[k] + 1);
		KUNIT_EXPECT_EQ(test, t->out[k].end_stamp, (u64)st.end[k] + 1);
	}
	ft_expect_stats(t, &ref);
}

/* ---- DLMS (encrypted) frames ---- */

/*
 * A general-global-ciphering frame of @len bytes in all (>= P1_DLMS_MIN):
 * the framer only reads the header, so the "ciphertext" is any bytes; a
 * few '/', '!', LF and 0xDB among them prove nothing in a body is looked at.
 */
static u8 *make_dlms(struct kunit *test, size_t len, u8 seed)
{
	u8 *d = kunit_kmalloc(test, len, GFP_KERNEL);
	u32 l = len - P1_DLMS_HDR, x = seed;
	size_t i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, d);
	KUNIT_ASSERT_GE(test, len, (size_t)P1_DLMS_MIN);
	d[0] = P1_DLMS_TAG;
	d[1] = P1_DLMS_TITLE_LEN;
	memcpy(d + 2, "SAG\x10\x05\x0b\x87\x21", 8);
	d[10] = P1_DLMS_LEN_TAG;
	d[11] = l >> 8;
	d[12] = l & 0xff;
	d[13] = P1_DLMS_SEC_AE;
	for (i = 14; i < len; i++) {
		x = x * 1103515245 + 12345;
		d[i] = x >> 16;
	}
	d[20] = '\n';
	d[21] = '/';
	d[30] = '\n';
	d[31] = '!';
	d[40] = P1_DLMS_TAG;
	return d;
}

static void ft_expect_dlms(struct ft *t, unsigned int i, const u8 *d,
			   size_t len, u32 status)
{
	struct kunit *test = t->test;

	KUNIT_ASSERT_GT_MSG(test, t->nout, i, "frame %u missing", i);
	KUNIT_EXPECT_EQ_MSG(test, t->out[i].type, (u32)P1_FRAME_DLMS,
			    "frame %u", i);
	KUNIT_EXPECT_EQ_MSG(test, t->out[i].status, status, "frame %u", i);
	KUNIT_EXPECT_FALSE(test, t->out[i].has_crc);
	KUNIT_ASSERT_EQ_MSG(test, t->out[i].len, (u32)len, "frame %u", i);
	KUNIT_EXPECT_TRUE_MSG(test, !memcmp(t->out[i].data, d, len),
			      "frame %u: bytes differ", i);
}

static void p1_framer_dlms_every_split(struct kunit *test)
{
	const size_t len = 300;
	u8 *d = make_dlms(test, len, 1);
	struct ft *t;
	size_t k;

	for (k = 0; k < len; k++) {
		t = ft_new(test);
		ft_push(t, d, k);
		KUNIT_EXPECT_EQ(test, t->nout, 0U);
		ft_push(t, d + k, len - k);
		KUNIT_ASSERT_EQ_MSG(test, t->nout, 1U, "split %zu", k);
		ft_expect_dlms(t, 0, d, len, P1_FR_OK);
		KUNIT_EXPECT_EQ(test, t->out[0].start_stamp, k ? 1ULL : 2ULL);
		KUNIT_EXPECT_EQ(test, t->out[0].end_stamp, 2ULL);
		FT_EXPECT_STATS(t, .rx_bytes = len, .dlms_frames = 1);
		kunit_kfree(test, t);
	}
	/* Byte by byte, back to back. */
	t = ft_new(test);
	for (k = 0; k < 2 * len; k++)
		ft_push(t, d + k % len, 1);
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_dlms(t, 1, d, len, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = 2 * len, .dlms_frames = 2);
}

/*
 * Bytes lost inside a frame make it run into the next one.  With 12 or
 * more lost, the next one's first 11 bytes (0xDB, 0x08, the same system
 * title, 0x82) are inside the cut frame: it is cut off there (truncated).
 * With fewer, the cut frame is handed out and the caller, whose tag check
 * fails, rejects it.  Either way the next frame is found again.
 */
static void p1_framer_dlms_cut_rescan(struct kunit *test)
{
	const size_t la = 300, lb = 200;
	u8 *a = make_dlms(test, la, 4), *b = make_dlms(test, lb, 5);
	u8 *s = kunit_kmalloc(test, 2 * la + lb, GFP_KERNEL);
	struct p1_frame fr;
	size_t lost, n, off, good;
	struct ft *t;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	for (lost = 1; lost <= 60; lost++) {
		memcpy(s, a, 100);
		memcpy(s + 100, a + 100 + lost, la - 100 - lost);
		n = la - lost;
		memcpy(s + n, b, lb);
		n += lb;
		memcpy(s + n, a, la);
		n += la;
		t = ft_new(test);
		good = 0;
		off = 0;
		while (off < n || p1_framer_pending(&t->f)) {
			off += p1_framer_push(&t->f, s + off, NULL, n - off, 1,
					      &fr);
			if (!fr.len)
				continue;
			KUNIT_EXPECT_EQ(test, fr.type, (u32)P1_FRAME_DLMS);
			if ((fr.len == lb && !memcmp(fr.data, b, lb)) ||
			    (fr.len == la && !memcmp(fr.data, a, la)))
				good++;
			else
				p1_framer_reject(&t->f);
		}
		KUNIT_EXPECT_EQ_MSG(test, good, 2UL, "%zu bytes lost", lost);
		KUNIT_EXPECT_EQ(test, t->f.st.recovered, 1ULL);
		KUNIT_EXPECT_EQ(test, t->f.st.truncated, lost >= 12 ? 1ULL : 0ULL);
		KUNIT_EXPECT_EQ(test, t->f.st.dlms_frames,
				lost >= 12 ? 2ULL : 3ULL);
		KUNIT_EXPECT_EQ(test, t->f.st.rx_bytes, (u64)n);
		KUNIT_EXPECT_EQ(test, t->f.st.garbage_bytes, 0ULL);
		kunit_kfree(test, t);
	}
}

/* Text telegrams, frames and noise in one stream, at every chunk size. */
static void p1_framer_dlms_mixed(struct kunit *test)
{
	char *tg = make5(test);
	size_t tl = strlen(tg), n = 0, c, i;
	u8 *d1 = make_dlms(test, 200, 2), *d2 = make_dlms(test, 500, 3);
	u8 *s = kunit_kmalloc(test, 4096, GFP_KERNEL);
	static const u8 noise[] = { 0x00, 0xff, P1_DLMS_TAG, 0x7e };
	struct ft *t;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	memcpy(s + n, noise, sizeof(noise));
	n += sizeof(noise);
	memcpy(s + n, d1, 200);
	n += 200;
	memcpy(s + n, tg, tl);
	n += tl;
	memcpy(s + n, d2, 500);
	n += 500;
	memcpy(s + n, tg, tl);
	n += tl;
	memcpy(s + n, d1, 200);
	n += 200;
	for (c = 1; c <= n; c = c < 32 ? c + 1 : c * 2) {
		t = ft_new(test);
		for (i = 0; i < n; i += c)
			ft_push(t, s + i, min(c, n - i));
		KUNIT_ASSERT_EQ_MSG(test, t->nout, 5U, "chunk %zu", c);
		ft_expect_dlms(t, 0, d1, 200, P1_FR_OK);
		ft_expect_frame(t, 1, tg, P1_FR_OK);
		ft_expect_dlms(t, 2, d2, 500, P1_FR_OK);
		ft_expect_frame(t, 3, tg, P1_FR_OK);
		ft_expect_dlms(t, 4, d1, 200, P1_FR_OK);
		FT_EXPECT_STATS(t, .rx_bytes = n, .garbage_bytes = 4,
				.telegrams = 2, .dlms_frames = 3);
		kunit_kfree(test, t);
	}
}

/* A frame after half a text telegram truncates it (like a '/'). */
static void p1_framer_dlms_cuts_text(struct kunit *test)
{
	char *tg = make5(test);
	size_t tl = strlen(tg);
	u8 *d = make_dlms(test, 100, 4);
	struct ft *t = ft_new(test);

	ft_push(t, tg, tl / 2);
	ft_push(t, d, 100);
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_dlms(t, 0, d, 100, P1_FR_OK);
	ft_expect_frame(t, 1, tg, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = tl / 2 + 100 + tl, .truncated = 1,
			.telegrams = 1, .dlms_frames = 1);
}

/*
 * Headers that fail: the 0xDB is garbage and the bytes after it are looked
 * at again, so a telegram starting among them is not lost.
 */
static void p1_framer_dlms_false_header(struct kunit *test)
{
	char *tg = make5(test);
	size_t tl = strlen(tg);
	u8 *d = make_dlms(test, 100, 5);
	struct ft *t = ft_new(test);
	u8 h[P1_DLMS_HDR + 1];

	/* 0xDB 0x08 and a telegram: no 0x82 where it belongs. */
	ft_push(t, "\xdb\x08", 2);
	ft_push_str(t, tg);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_frame(t, 0, tg, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = 2 + tl, .garbage_bytes = 2,
			.telegrams = 1, .recovered = 1);

	/* A wrong security byte, then 0xDB 0xDB and a real frame. */
	memcpy(h, d, sizeof(h));
	h[13] = 0x31;
	ft_push(t, h, sizeof(h));
	ft_push(t, "\xdb", 1);
	ft_push(t, d, 100);
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_dlms(t, 1, d, 100, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = 2 + tl + sizeof(h) + 1 + 100,
			.garbage_bytes = 2 + sizeof(h) + 1, .telegrams = 1,
			.recovered = 1, .dlms_frames = 1);

	/* Too short a length: L below the minimum. */
	memcpy(h, d, sizeof(h));
	h[11] = 0;
	h[12] = P1_DLMS_MIN_L - 1;
	ft_push(t, h, sizeof(h));
	KUNIT_EXPECT_EQ(test, t->f.st.garbage_bytes,
			(u64)(2 + 2 * sizeof(h) + 1));
	KUNIT_EXPECT_EQ(test, t->f.st.oversize, 0ULL);
}

/* Longer than the size limit: oversize, and the next frame still comes. */
static void p1_framer_dlms_oversize(struct kunit *test)
{
	u8 *big = make_dlms(test, 600, 6), *d = make_dlms(test, 100, 7);
	struct ft *t = ft_new(test);
	size_t i;

	/* Scanned again after the header: no telegram starts in there. */
	for (i = 14; i < 600; i++)
		if (big[i] == '/' || big[i] == '\n' || big[i] == P1_DLMS_TAG)
			big[i] = 'x';
	p1_framer_set_max(&t->f, 599);
	ft_push(t, big, 600);
	ft_push(t, d, 100);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	ft_expect_dlms(t, 0, d, 100, P1_FR_OK);
	KUNIT_EXPECT_EQ(test, t->f.st.oversize, 1ULL);
	KUNIT_EXPECT_EQ(test, t->f.st.dlms_frames, 1ULL);
	/* The oversize frame's bytes after the 0xDB were garbage. */
	KUNIT_EXPECT_EQ(test, t->f.st.garbage_bytes, 599ULL);

	p1_framer_set_max(&t->f, 600);
	ft_push(t, big, 600);
	KUNIT_ASSERT_EQ(test, t->nout, 2U);
	ft_expect_dlms(t, 1, big, 600, P1_FR_OK);
}

/* A flagged byte or marker inside a frame: a line error. */
static void p1_framer_dlms_flags(struct kunit *test)
{
	u8 *d = make_dlms(test, 100, 8);
	u8 *fl = kunit_kzalloc(test, 100, GFP_KERNEL);
	struct ft *t = ft_new(test);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fl);
	fl[50] = P1_FL_PARITY;
	ft_push_flags(t, d, fl, 100);
	fl[50] = P1_FL_NORMAL;
	ft_push(t, d, 60);
	ft_push_flags(t, "\0", (const u8 *)"\x01", 1); /* break marker */
	ft_push(t, d + 60, 40);
	ft_push(t, d, 100);
	KUNIT_ASSERT_EQ(test, t->nout, 3U);
	ft_expect_dlms(t, 0, d, 100, P1_FR_LINE_ERROR);
	ft_expect_dlms(t, 1, d, 100, P1_FR_LINE_ERROR);
	ft_expect_dlms(t, 2, d, 100, P1_FR_OK);
	FT_EXPECT_STATS(t, .rx_bytes = 300, .line_errors = 2,
			.parity_errors = 1, .breaks = 1, .dlms_frames = 1);
}

/* A reset cuts a frame (truncated) or a header (garbage). */
static void p1_framer_dlms_reset(struct kunit *test)
{
	u8 *d = make_dlms(test, 100, 9);
	struct ft *t = ft_new(test);

	ft_push(t, d, 50);
	p1_framer_reset(&t->f);
	ft_push(t, d, 5);
	p1_framer_reset(&t->f);
	ft_push(t, d, 100);
	KUNIT_ASSERT_EQ(test, t->nout, 1U);
	FT_EXPECT_STATS(t, .rx_bytes = 155, .truncated = 1, .garbage_bytes = 5,
			.dlms_frames = 1);
}

static struct kunit_case p1_framer_cases[] = {
	KUNIT_CASE(p1_crc16_check_value),
	KUNIT_CASE(p1_crc16_matches_kernel),
	KUNIT_CASE(p1_framer_dsmr5_crc),
	KUNIT_CASE(p1_framer_dsmr22_no_crc),
	KUNIT_CASE(p1_framer_bad_crc),
	KUNIT_CASE(p1_framer_lower_case_crc),
	KUNIT_CASE(p1_framer_three_digit_crc),
	KUNIT_CASE(p1_framer_lf_only),
	KUNIT_CASE(p1_framer_trailer_cr_only),
	KUNIT_CASE(p1_framer_idle_after_cr),
	KUNIT_CASE(p1_framer_garbage_before),
	KUNIT_CASE(p1_framer_bad_trailer),
	KUNIT_CASE(p1_framer_slash_at_line_start),
	KUNIT_CASE(p1_framer_slash_mid_line_recovered),
	KUNIT_CASE(p1_framer_ignore_recovers_first),
	KUNIT_CASE(p1_framer_many_mid_line_slashes),
	KUNIT_CASE(p1_framer_slash_in_value),
	KUNIT_CASE(p1_framer_slash_mid_line_hunting),
	KUNIT_CASE(p1_framer_reset_mid_telegram),
	KUNIT_CASE(p1_framer_set_max_clamps),
	KUNIT_CASE(p1_framer_oversize),
	KUNIT_CASE(p1_framer_oversize_shifts_to_candidate),
	KUNIT_CASE(p1_framer_crc_mode_auto),
	KUNIT_CASE(p1_framer_crc_mode_require),
	KUNIT_CASE(p1_framer_crc_mode_ignore),
	KUNIT_CASE(p1_framer_flag_parity),
	KUNIT_CASE(p1_framer_flag_frame),
	KUNIT_CASE(p1_framer_flag_break),
	KUNIT_CASE(p1_framer_flag_overrun),
	KUNIT_CASE(p1_framer_flag_before_recovered),
	KUNIT_CASE(p1_framer_cs7),
	KUNIT_CASE(p1_framer_every_split),
	KUNIT_CASE(p1_framer_dlms_every_split),
	KUNIT_CASE(p1_framer_dlms_mixed),
	KUNIT_CASE(p1_framer_dlms_cut_rescan),
	KUNIT_CASE(p1_framer_dlms_cuts_text),
	KUNIT_CASE(p1_framer_dlms_false_header),
	KUNIT_CASE(p1_framer_dlms_oversize),
	KUNIT_CASE(p1_framer_dlms_flags),
	KUNIT_CASE(p1_framer_dlms_reset),
	{}
};

static struct kunit_suite p1_framer_suite = {
	.name = "p1_framer",
	.test_cases = p1_framer_cases,
};

kunit_test_suite(p1_framer_suite);
