// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reader.c - p1test reader N [SEED]: libp1's reader (p1/reader.h) on a
 * real /dev/p1-N.  n_p1 is attached to a pty; the generated stream of N
 * records (good telegrams and every kind of fault, tgen.c) is written into
 * the master while the reader is driven through its event-loop calls.
 * Checks: callbacks in order (connected, then telegram + reading per good
 * telegram, closed when the tty is detached), every good telegram byte for
 * byte with the kernel's sequence number, status and time stamps (realtime
 * and boottime, first <= last), no reader overrun, the reader's counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/p1.h>
#include <p1/p1.h>
#include <p1/reader.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p1test.h"
#include "tgen.h"

static struct tg_stream S;

struct rd_state {
	uint32_t next;	   /* index of the next record to expect */
	uint64_t got;	   /* good telegrams seen */
	uint64_t readings; /* ... parsed */
	int order_bad;	   /* callbacks out of order */
	int data_bad;	   /* telegrams not as written */
	int conn, closed, final, err_nodev, errors;
	char last; /* last callback: C T R X x E */
};

static bool wanted(const struct tg_rec *r)
{
	return r->seq && r->status == P1_STATUS_OK;
}

static void on_connected(struct p1_reader *r, void *u, const char *d)
{
	struct rd_state *st = u;

	(void)r;
	(void)d;
	if (st->last)
		st->order_bad++;
	st->conn++;
	st->last = 'C';
}

static void on_telegram(struct p1_reader *r, void *u, const uint8_t *data,
			const struct p1_reader_meta *m)
{
	struct rd_state *st = u;
	const struct tg_rec *rec;

	(void)r;
	if (st->last != 'C' && st->last != 'R')
		st->order_bad++;
	st->last = 'T';
	while (st->next < S.nrec && !wanted(&S.rec[st->next]))
		st->next++;
	if (st->next == S.nrec) {
		st->data_bad++;
		return;
	}
	rec = &S.rec[st->next++];
	if (m->len != rec->tg_len ||
	    memcmp(data, S.buf + rec->tg_off, rec->tg_len) || !m->kernel ||
	    m->seq != rec->seq || m->status != P1_READER_OK ||
	    !m->realtime_first_ns ||
	    m->realtime_first_ns > m->realtime_last_ns ||
	    !m->boottime_first_ns ||
	    m->boottime_first_ns > m->boottime_last_ns) {
		if (st->data_bad++ < 3)
			t_log("reader: record %u (seq %llu): got seq %llu len "
			      "%u status %u kernel %u",
			      st->next - 1, (unsigned long long)rec->seq,
			      (unsigned long long)m->seq, m->len, m->status,
			      m->kernel);
	}
	st->got++;
}

static void on_reading(struct p1_reader *r, void *u,
		       const struct p1_telegram *t,
		       const struct p1_reader_meta *m)
{
	struct rd_state *st = u;

	(void)r;
	(void)m;
	if (st->last != 'T' || !t->nobjects)
		st->order_bad++;
	st->last = 'R';
	st->readings++;
}

static void on_error(struct p1_reader *r, void *u, int err, const char *msg)
{
	struct rd_state *st = u;

	(void)r;
	t_log("reader: error %d: %s", err, msg);
	st->errors++;
}

static void on_closed(struct p1_reader *r, void *u, int final, int err,
		      const char *why)
{
	struct rd_state *st = u;

	(void)r;
	t_log("reader: closed (final %d, %d): %s", final, err, why);
	st->closed++;
	st->final += final;
	st->err_nodev += err == -ENODEV;
	st->last = final ? 'X' : 'x';
}

static const struct p1_reader_callbacks cbs = {
	.connected = on_connected,
	.telegram = on_telegram,
	.reading = on_reading,
	.error = on_error,
	.closed = on_closed,
};

/* Drive the reader for up to @ms, or until it has ended. */
static void drive(struct p1_reader *r, int ms)
{
	double end = t_now() + ms / 1000.0;

	do {
		struct pollfd p = {.fd = -1};
		int t = p1_reader_timeout(r), n;

		p.fd = p1_reader_fd(r, &p.events);
		if (t < 0 || t > 10)
			t = 10;
		n = poll(&p, 1, t);
		if (p1_reader_process(r, n > 0 ? p.revents : 0))
			return;
	} while (t_now() < end);
}

static uint64_t wanted_upto(uint32_t ri)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i <= ri && i < S.nrec; i++)
		n += wanted(&S.rec[i]);
	return n;
}

int cmd_reader(int argc, char **argv)
{
	uint32_t nrec = argc > 1 ? (uint32_t)atoi(argv[1]) : 0;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5eed;
	struct rd_state st = {0};
	const struct p1_reader_counters *c;
	char slave[64], src[96], path[128], err[256];
	uint64_t maxsize = 0;
	struct p1_reader *r;
	int master, sfd, index;
	size_t pos = 0;
	uint32_t ri = 0;

	if (nrec < 2) {
		fprintf(stderr, "usage: p1test reader N [SEED]\n");
		return 2;
	}
	if (!check(pty_open(&master, &sfd, slave, sizeof(slave)) == 0,
		   "reader: open a pty pair"))
		return 1;
	index = attach_ioctl(sfd);
	if (!check(index >= 0, "reader: TIOCSETD n_p1 on %s: %m", slave))
		return 1;
	snprintf(src, sizeof(src), "/dev/p1-%d", index);
	if (!check(wait_path(src, true, 5000), "reader: %s appeared", src))
		return 1;
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/max_telegram_size",
		 index);
	if (sysfs_u64(path, &maxsize))
		return !check(false, "reader: max_telegram_size");
	if (!check(tg_generate(&S, nrec, seed, (uint32_t)maxsize) == 0,
		   "reader: generate %u records", nrec))
		return 1;

	strcat(src, ",reopen=no");
	r = p1_reader_new(src, &cbs, &st, err, sizeof(err));
	if (!check(r != NULL, "reader: p1_reader_new(%s): %s", src, err))
		return 1;
	check(p1_reader_kind(r) == P1_READER_KERNEL,
	      "reader: %s is a kernel "
	      "source",
	      src);
	if (!check(p1_reader_start(r) == 0 && st.conn == 1, "reader: opened %s",
		   src))
		return 1;

	/* Write in chunks; let the reader catch up after each. */
	fcntl(master, F_SETFL, O_NONBLOCK);
	while (pos < S.len) {
		size_t chunk = 1 + (S.rng = S.rng * 6364136223846793005ULL + 1,
				    (size_t)(S.rng >> 33) % 4096);
		size_t end = pos + chunk < S.len ? pos + chunk : S.len;
		double t0 = t_now();

		while (pos < end) {
			ssize_t w = write(master, S.buf + pos, end - pos);

			if (w > 0)
				pos += (size_t)w;
			else if (w < 0 && errno != EAGAIN)
				return !check(false, "reader: write: %m");
			else
				drive(r, 5);
		}
		while (ri + 1 < S.nrec &&
		       S.rec[ri + 1].off + S.rec[ri + 1].len <= pos)
			ri++;
		while (st.got < wanted_upto(ri) && t_now() - t0 < 0.2)
			drive(r, 5);
	}
	drive(r, 200);
	check(st.got == S.exp.good, "reader: %llu of %llu good telegrams",
	      (unsigned long long)st.got, (unsigned long long)S.exp.good);
	check(st.readings == st.got, "reader: %llu parsed",
	      (unsigned long long)st.readings);
	check(!st.data_bad,
	      "reader: bytes, sequence numbers, status and "
	      "kernel time stamps as written (%d bad)",
	      st.data_bad);
	c = p1_reader_get_counters(r);
	check(c->telegrams == S.exp.good && c->overruns == 0 && !st.errors,
	      "reader: counters: %llu telegrams, %llu overruns, %d errors",
	      (unsigned long long)c->telegrams, (unsigned long long)c->overruns,
	      st.errors);

	/* Detach: the device goes away, the reader sees EOF and ends. */
	detach_ioctl(sfd);
	drive(r, 3000);
	check(st.closed == 1 && st.final == 1 && st.err_nodev == 1,
	      "reader: closed (final, device gone) after the detach");
	check(!st.order_bad && st.last == 'X',
	      "reader: callbacks in order (connected, telegram+reading..., "
	      "closed)");
	check(p1_reader_fd(r, NULL) < 0 && p1_reader_process(r, 0) == 1,
	      "reader: ended, no descriptor left");
	p1_reader_free(r);
	close(sfd);
	close(master);
	tg_free(&S);
	return t_failures ? 1 : 0;
}
