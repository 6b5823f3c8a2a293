// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_libp1.c - libp1 and framer benchmarks (make bench).
 *
 *   bench_libp1 CORPUS_DIR
 *	CPU time per telegram of p1_parse() (CRC verdict given, as from the
 *	kernel; and CRC computed), of p1_json_write(), of an emulated meter's
 *	stream (64 consecutive one-second DSMR 5 telegrams) parsed, parsed
 *	with P1_PARSE_REUSE into the same result (as p1ctl decode and the
 *	reader do), parsed and written as JSON (p1i_json_into()), and
 *	parsed with P1_PARSE_REUSE and written through the previous
 *	telegram's JSON (p1i_parse_kept(), p1i_json_into_prev(): what
 *	p1ctl decode --json does), the framer's throughput, and the heap
 *	allocations made meanwhile (malloc and friends are interposed and
 *	counted: there must be none).
 *   bench_libp1 --callgrind CASE N CORPUS_DIR
 *	For valgrind --tool=callgrind --collect-atstart=no: collects exactly
 *	N runs of CASE (parse-CASE file, or "framer"), so callgrind's
 *	"Collected" count divided by N is the instructions per telegram
 *	(framer: per byte, dividing by the bytes printed; emu-parse,
 *	emu-reuse, emu-json, emu-json-prev: the emulated stream parsed,
 *	parsed with P1_PARSE_REUSE, parsed and written as JSON, and so as
 *	p1ctl decode --json does it, per telegram).
 *
 * Times are the best of several batches of CPU time
 * (CLOCK_THREAD_CPUTIME_ID): other load on the machine only makes them
 * worse, never better.  They are printed, never asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <valgrind/callgrind.h>

#include <p1/p1.h>

#include "p1_crc16.h"
#include "p1_emu.h"
#include "p1_framer.h"
#include "p1_json.h"

/* --- counting allocator (glibc supports replacing malloc) ------------- */

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static unsigned long allocs;

void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void free(void *p);

void *malloc(size_t n)
{
	allocs++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	allocs++;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	allocs++;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}

/* --- cases ------------------------------------------------------------ */

struct tcase {
	const char *name, *file;
	char buf[8192];
	size_t len;
};

static struct tcase cases[] = {
	{"DSMR 5 typical", "nl-dsmr50-typical.txt", {0}, 0},
	{"DSMR 5 + text msg", "nl-dsmr50.txt", {0}, 0},
	{"BE eMUCs 13 months", "be-emucs.txt", {0}, 0},
	{"DSMR 2.2", "nl-dsmr22.txt", {0}, 0},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static struct p1_telegram tg;
static char json[1 << 16];
static volatile size_t sink;

static void load(const char *dir, struct tcase *c)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, c->file);
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	c->len = fread(c->buf, 1, sizeof(c->buf), f);
	fclose(f);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

enum op { OP_PARSE_GIVEN, OP_PARSE_CRC, OP_JSON };

static void once(const struct tcase *c, enum op op)
{
	static const struct p1_parse_opts given = {.flags = P1_PARSE_CRC_GIVEN,
						   .crc = P1_CRC_OK};

	switch (op) {
	case OP_PARSE_GIVEN:
		p1_parse(c->buf, c->len, &tg, &given);
		sink += tg.nvalues;
		break;
	case OP_PARSE_CRC:
		p1_parse(c->buf, c->len, &tg, NULL);
		sink += tg.crc;
		break;
	case OP_JSON:
		sink += p1_json_write(&tg, P1_JSON_ALL, json, sizeof(json));
		break;
	}
}

/* Best ns per call over several batches; *calls counts them. */
static double best_ns(const struct tcase *c, enum op op, unsigned long *calls)
{
	const unsigned batch = op == OP_JSON ? 1000 : 5000, rounds = 31;
	double best = 1e30;
	unsigned r, i;

	if (op == OP_JSON)
		p1_parse(c->buf, c->len, &tg, NULL);
	for (r = 0; r < rounds; r++) {
		double t0 = now(), dt;

		for (i = 0; i < batch; i++)
			once(c, op);
		dt = (now() - t0) / batch * 1e9;
		if (dt < best)
			best = dt;
		*calls += batch;
	}
	return best;
}

/* An emulated DSMR 5 meter's stream: EMU_N one-second telegrams. */
#define EMU_N 64
static char emu_text[EMU_N][2048];
static size_t emu_len[EMU_N], emu_bytes;

static void make_emu(void)
{
	static struct p1i_emu e;
	struct p1i_emu_params p;
	double t = 1688218245.0; /* 2023-07-01T13:30:45Z */
	unsigned i;

	p1i_emu_params_default(&p);
	p.profile = P1I_EMU_DSMR5;
	p1i_emu_init(&e, &p, t);
	for (i = 0; i < EMU_N; i++, t += 1) {
		emu_len[i] =
			p1i_emu_next(&e, t, emu_text[i], sizeof(emu_text[i]));
		emu_bytes += emu_len[i];
	}
}

/* n telegrams of the stream parsed (CRC verdict given, as p1ctl decode
 * does) and, with mode 1, written as JSON; mode 2 parses with
 * P1_PARSE_REUSE; mode 3 also, and writes the JSON through the previous
 * telegram's. */
static void json_emu(unsigned long n, int mode)
{
	static struct p1i_json_prev jp;
	static const struct p1_parse_opts given = {.flags = P1_PARSE_CRC_GIVEN,
						   .crc = P1_CRC_OK};
	static const struct p1_parse_opts reuse = {
		.flags = P1_PARSE_CRC_GIVEN | P1_PARSE_REUSE, .crc = P1_CRC_OK};
	unsigned long k;

	for (k = 0; k < n; k++) {
		if (mode == 3) {
			p1i_parse_kept(emu_text[k % EMU_N], emu_len[k % EMU_N],
				       &tg, &reuse, &jp);
			sink += p1i_json_into_prev(&tg, P1_JSON_ALL, json,
						   sizeof(json), &jp);
			continue;
		}
		p1_parse(emu_text[k % EMU_N], emu_len[k % EMU_N], &tg,
			 mode == 2 ? &reuse : &given);
		if (mode == 1)
			sink += p1i_json_into(&tg, P1_JSON_ALL, json,
					      sizeof(json));
	}
}

/* Best ns per telegram of json_emu() over several batches. */
static double best_emu(int mode, unsigned long *calls)
{
	double best = 1e30;
	unsigned r;

	json_emu(EMU_N, mode);
	for (r = 0; r < 31; r++) {
		double t0 = now(), dt;

		json_emu(16 * EMU_N, mode);
		dt = (now() - t0) / (16 * EMU_N) * 1e9;
		if (dt < best)
			best = dt;
		*calls += 16 * EMU_N;
	}
	return best;
}

/* 1000 DSMR 5 telegrams back to back, pushed in 4 KiB reads. */
static char *stream;
static size_t stream_len;

static void make_stream(void)
{
	const struct tcase *c = &cases[0];
	size_t i;

	stream_len = c->len * 1000;
	stream = __libc_malloc(stream_len);
	for (i = 0; i < 1000; i++)
		memcpy(stream + i * c->len, c->buf, c->len);
}

static unsigned frame_stream(void)
{
	static u8 fbuf[P1_MAX_TELEGRAM];
	static struct p1_framer f;
	struct p1_frame fr;
	unsigned frames = 0;
	size_t off = 0;

	p1_framer_init(&f, fbuf, sizeof(fbuf));
	while (off < stream_len) {
		size_t end = off + 4096 < stream_len ? off + 4096 : stream_len;

		while (off < end) {
			off += p1_framer_push(&f, (const u8 *)stream + off,
					      NULL, end - off, 0, &fr);
			frames += fr.len != 0 && fr.status == P1_FR_OK;
		}
	}
	return frames;
}

static int callgrind(const char *name, unsigned long n)
{
	unsigned long i;

	if (!strncmp(name, "emu-", 4)) {
		int mode = !strcmp(name, "emu-json")	    ? 1
			   : !strcmp(name, "emu-reuse")	    ? 2
			   : !strcmp(name, "emu-json-prev") ? 3
							    : 0;

		make_emu();
		json_emu(EMU_N, mode); /* the cache filled */
		CALLGRIND_TOGGLE_COLLECT;
		json_emu(n, mode);
		CALLGRIND_TOGGLE_COLLECT;
		printf("%zu\n", emu_bytes / EMU_N);
		return 0;
	}
	if (!strcmp(name, "framer")) {
		make_stream();
		frame_stream(); /* warm up */
		CALLGRIND_TOGGLE_COLLECT;
		for (i = 0; i < n; i++)
			sink += frame_stream();
		CALLGRIND_TOGGLE_COLLECT;
		printf("%zu\n", stream_len * n);
		return 0;
	}
	for (i = 0; i < NCASES; i++) {
		const struct tcase *c = &cases[i];
		enum op op;
		unsigned long k;

		if (!strncmp(name, "parse-", 6) && !strcmp(name + 6, c->file))
			op = OP_PARSE_GIVEN;
		else if (!strncmp(name, "crc-", 4) &&
			 !strcmp(name + 4, c->file))
			op = OP_PARSE_CRC;
		else if (!strncmp(name, "json-", 5) &&
			 !strcmp(name + 5, c->file))
			op = OP_JSON;
		else
			continue;
		p1_parse(c->buf, c->len, &tg, NULL);
		once(c, op);
		CALLGRIND_TOGGLE_COLLECT;
		for (k = 0; k < n; k++)
			once(c, op);
		CALLGRIND_TOGGLE_COLLECT;
		printf("%zu\n", c->len);
		return 0;
	}
	fprintf(stderr, "unknown case %s\n", name);
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long calls = 0, a0;
	double best = 1e30;
	unsigned i;

	if (argc == 5 && !strcmp(argv[1], "--callgrind")) {
		for (i = 0; i < NCASES; i++)
			load(argv[4], &cases[i]);
		return callgrind(argv[2], strtoul(argv[3], NULL, 10));
	}
	if (argc != 2) {
		fprintf(stderr, "usage: bench_libp1 CORPUS_DIR\n");
		return 2;
	}
	for (i = 0; i < NCASES; i++)
		load(argv[1], &cases[i]);
	make_stream();
	make_emu();

	printf("libp1 %s: CPU time per call, best of 31 batches\n",
	       p1_version());
	fflush(stdout);
	a0 = allocs; /* stdout's buffer is allocated by then */
	printf("  %-20s %6s  %12s  %12s  %12s\n", "telegram", "bytes",
	       "parse (kern)", "parse + CRC", "JSON write");
	for (i = 0; i < NCASES; i++) {
		const struct tcase *c = &cases[i];
		double g = best_ns(c, OP_PARSE_GIVEN, &calls);
		double p = best_ns(c, OP_PARSE_CRC, &calls);
		double j = best_ns(c, OP_JSON, &calls);

		printf("  %-20s %6zu  %9.0f ns  %9.0f ns  %9.0f ns\n", c->name,
		       c->len, g, p, j);
	}
	printf("  (parse (kern): CRC verdict given, as read from /dev/p1-N;"
	       " parse + CRC: computed by p1_crc16)\n");
	{
		double p = best_emu(0, &calls), j = best_emu(1, &calls);
		double r = best_emu(2, &calls), q = best_emu(3, &calls);

		printf("emulated DSMR 5 stream (%u one-second telegrams): "
		       "parse %.0f ns, with P1_PARSE_REUSE %.0f ns; "
		       "parse + JSON %.0f ns (JSON %.0f); "
		       "as p1ctl decode --json (reuse, JSON through the "
		       "previous one) %.0f ns (JSON %.0f)\n",
		       EMU_N, p, r, j, j - p, q, q - r);
	}
	for (i = 0; i < 7; i++) {
		double t0 = now(), dt;

		sink += frame_stream();
		dt = now() - t0;
		if (dt < best)
			best = dt;
	}
	printf("framer: %zu-byte stream of 1000 telegrams in 4 KiB pushes: "
	       "%.0f MB/s (%.2f ns/byte, CRC included)\n",
	       stream_len, stream_len / best / 1e6, best / stream_len * 1e9);
	printf("  (scan: %s; CRC: %s)\n",
#if defined(P1_FRAMER_PORTABLE)
	       "a 64-bit word at a time (P1_FRAMER_PORTABLE)",
#elif defined(__SSE2__)
	       "SSE2, 32 bytes a round",
#elif defined(__aarch64__)
	       "NEON, 32 bytes a round",
#else
	       "a 64-bit word at a time",
#endif
	       p1i_crc16_have_clmul() ? "carry-less multiplication"
				      : "slicing-by-8");
	printf("heap allocations during %lu parse/JSON calls and 7 framer "
	       "runs: %lu\n",
	       calls, allocs - a0);
	return allocs != a0; /* an allocation is a bug, not a timing */
}
