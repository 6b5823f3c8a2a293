// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_dlms.c - decoding speed of an encrypted telegram beside the same
 * telegram in plaintext (make bench):
 *   plaintext  framer + p1_parse() (CRC computed) of lu-smarty.txt
 *   encrypted  framer + p1_dlms_decrypt() (AES-128-GCM, tag checked) +
 *              framer over the plaintext + p1_parse() of lu-smarty.dlms
 *   decrypt    p1_dlms_decrypt() alone
 * Best of several batches of CPU time; printed, never asserted.
 *   bench_dlms CORPUS_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p1/dlms.h>
#include <p1/p1.h>

#include "p1_framer.h"

static u8 txt[4096], dlms[4096], fbuf[P1_MAX_TELEGRAM], pbuf[P1_MAX_TELEGRAM];
static u8 plain[P1_MAX_TELEGRAM];
static size_t ntxt, ndlms;
static struct p1_telegram tg;
static struct p1_framer fr, pfr;
static struct p1_dlms *d;
static volatile unsigned sink;

static size_t load(const char *dir, const char *name, u8 *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void frame_parse(struct p1_framer *f, const u8 *p, size_t n)
{
	struct p1_parse_opts o = {0};
	struct p1_frame out;

	while (n) {
		size_t u = p1_framer_push(f, p, NULL, n, 0, &out);

		p += u;
		n -= u;
		if (out.len) {
			p1_parse(out.data, out.len, &tg, &o);
			sink += tg.nobjects;
		}
	}
}

static void plaintext(void)
{
	frame_parse(&fr, txt, ntxt);
}

static void encrypted(void)
{
	struct p1_dlms_info in;
	struct p1_frame out;

	p1_framer_push(&fr, dlms, NULL, ndlms, 0, &out);
	p1_dlms_forget(d); /* the same frame again: no replay */
	if (p1_dlms_decrypt(d, out.data, out.len, plain, sizeof(plain), &in))
		abort();
	frame_parse(&pfr, plain, in.plain_len);
}

static void decrypt_only(void)
{
	p1_dlms_forget(d);
	if (p1_dlms_decrypt(d, dlms, ndlms, plain, sizeof(plain), NULL))
		abort();
}

static double best(void (*fn)(void), unsigned n)
{
	double b = 1e30;

	for (int k = 0; k < 7; k++) {
		double t0 = cpu_ns();

		for (unsigned i = 0; i < n; i++)
			fn();
		t0 = (cpu_ns() - t0) / n;
		if (t0 < b)
			b = t0;
	}
	return b;
}

int main(int argc, char **argv)
{
	uint8_t key[16];
	char kp[512];
	double a, b, c;

	if (argc != 2) {
		fputs("usage: bench_dlms CORPUS_DIR\n", stderr);
		return 2;
	}
	ntxt = load(argv[1], "lu-smarty.txt", txt, sizeof(txt));
	ndlms = load(argv[1], "lu-smarty.dlms", dlms, sizeof(dlms));
	snprintf(kp, sizeof(kp), "%s/lu-smarty.key", argv[1]);
	d = p1_dlms_new();
	if (!d || p1_dlms_key_from_file(kp, key))
		return 1;
	p1_dlms_set_key(d, key);
	p1_framer_init(&fr, fbuf, sizeof(fbuf));
	p1_framer_init(&pfr, pbuf, sizeof(pbuf));
	a = best(plaintext, 2000);
	b = best(encrypted, 2000);
	c = best(decrypt_only, 2000);
	printf("LU Smarty telegram, %zu B plaintext, %zu B encrypted frame:\n",
	       ntxt, ndlms);
	printf("  plaintext: framer + parse            %8.0f ns/telegram\n", a);
	printf("  encrypted: framer + AES-GCM + parse  %8.0f ns/telegram "
	       "(%.2fx)\n",
	       b, b / a);
	printf("  AES-128-GCM decrypt + tag alone      %8.0f ns/frame "
	       "(%.0f MB/s)\n",
	       c, (double)ndlms / c * 1e3);
	p1_dlms_free(d);
	return 0;
}
