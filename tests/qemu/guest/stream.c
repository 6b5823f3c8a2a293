// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stream.c - "p1test stream": thousands of telegrams mixed with garbage and
 * faults, written at full speed into a pty master whose slave has n_p1
 * attached; three concurrent readers of /dev/p1-N check every telegram
 * byte-exact, in order, with its metadata; then the device's counters must
 * equal what was sent, exactly.
 *
 * Readers: 0 blocks in read(); 1 polls, checks FIONREAD and -EMSGSIZE;
 * 2 opts in to failed telegrams (P1_RF_ALL) and reads O_NONBLOCK + epoll.
 *
 * Pacing: the writer never runs more than half the ring (module parameter
 * "ring", in records) ahead of the record the slowest reader awaits.  Without
 * it, whether a reader is overrun depends on how the guest scheduler treats the
 * readers under TCG, not on n_p1; with it, an overrun (-EPIPE, reader_overruns)
 * is a bug.  Up to that window the writer writes as fast as the pty takes the
 * bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/p1.h>

#include "p1test.h"
#include "tgen.h"

#define NREADERS  3
#define RBUF	  65536
#define STALL_SEC 60

struct shared {
	atomic_uint ready;
	atomic_uint progress[NREADERS]; /* records consumed; UINT_MAX: gone */
	atomic_ulong got[NREADERS];
	atomic_uint complete[NREADERS];
};

static struct tg_stream S;
static uint8_t rbuf[RBUF];

static const char *const stat_names[] = {
	"telegrams", "crc_errors",	"crc_missing",	"line_errors",
	"truncated", "oversize",	"recovered",	"garbage_bytes",
	"rx_bytes",  "parity_errors",	"frame_errors", "overruns",
	"breaks",    "reader_overruns", "dropped",
};

static bool wanted(const struct tg_rec *r, bool all)
{
	return r->seq && (all || r->status == P1_STATUS_OK);
}

/* Show where a telegram differs from the expected one. */
static void show_diff(const struct tg_rec *r, const uint8_t *got, size_t n)
{
	const uint8_t *want = S.buf + r->tg_off;
	size_t i, lim = n < r->tg_len ? n : r->tg_len;
	char a[40], b[40];

	for (i = 0; i < lim && got[i] == want[i]; i++)
		;
	snprintf(a, sizeof(a), "%.32s", (const char *)got + i);
	snprintf(b, sizeof(b), "%.32s", (const char *)want + i);
	for (char *c = a; *c; c++)
		*c = *c < ' ' || *c > '~' ? '.' : *c;
	for (char *c = b; *c; c++)
		*c = *c < ' ' || *c > '~' ? '.' : *c;
	t_log("record %u (%s) seq %llu: got %zu bytes, want %u; first "
	      "difference at %zu: got \"%s\" want \"%s\"",
	      (unsigned)(r - S.rec), tg_kind_name(r->kind),
	      (unsigned long long)r->seq, n, r->tg_len, i, a, b);
}

static ssize_t read_one(int id, int fd, int ep)
{
	struct epoll_event ev;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (;;) {
		ssize_t n;

		if (id == 1 && poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return -1;
		n = read(fd, rbuf, sizeof(rbuf));
		if (n >= 0 || errno == EPIPE)
			return n;
		if (errno == EAGAIN && id == 2) {
			if (epoll_wait(ep, &ev, 1, -1) < 0 && errno != EINTR)
				return -1;
			continue;
		}
		if (errno != EINTR)
			return -1;
	}
}

/* Child: one reader.  Exits 0 if everything it got was right. */
static int reader(int id, const char *dev, struct shared *sh)
{
	bool all = id == 2, failed = false, checked_msgsize = false;
	struct p1_telegram_meta m;
	uint32_t ri = 0, flags = P1_RF_ALL, want_total = 0, i;
	struct epoll_event ev = {.events = EPOLLIN};
	uint64_t got = 0;
	int fd, ep = -1;

	for (i = 0; i < S.nrec; i++)
		want_total += wanted(&S.rec[i], all);
	fd = open(dev, O_RDONLY | O_CLOEXEC | (id == 2 ? O_NONBLOCK : 0));
	if (fd < 0) {
		check(false, "reader %d: open %s: %m", id, dev);
		atomic_store(&sh->progress[id], UINT_MAX);
		atomic_fetch_add(&sh->ready, 1);
		return 1;
	}
	if (all && ioctl(fd, P1_IOC_SET_FLAGS, &flags))
		failed = !check(false, "reader 2: P1_IOC_SET_FLAGS: %m");
	if (id == 2) {
		ep = epoll_create1(EPOLL_CLOEXEC);
		ev.data.fd = fd;
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
			failed = !check(false, "reader 2: epoll: %m");
	}
	atomic_fetch_add(&sh->ready, 1);

	for (;;) {
		const struct tg_rec *r;
		ssize_t n;

		/* Publish the record awaited next: the writer paces on it. */
		while (ri < S.nrec && !wanted(&S.rec[ri], all))
			ri++;
		if (!failed)
			atomic_store(&sh->progress[id], ri);
		if (id == 1 && !checked_msgsize && ri < S.nrec && !failed) {
			/* Too small a buffer: -EMSGSIZE, nothing consumed. */
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			int len = -1;

			poll(&pfd, 1, -1);
			if (ioctl(fd, FIONREAD, &len) ||
			    len != (int)S.rec[ri].tg_len)
				failed = !check(
					false, "reader 1: FIONREAD %d, want %u",
					len, S.rec[ri].tg_len);
			if (read(fd, rbuf, 16) != -1 || errno != EMSGSIZE)
				failed = !check(false, "reader 1: short buffer "
						       "did not give EMSGSIZE");
			checked_msgsize = true;
		}
		n = read_one(id, fd, ep);
		if (n == 0)
			break;
		if (n < 0) {
			if (!failed)
				check(false, "reader %d: read after %llu: %m",
				      id, (unsigned long long)got);
			failed = true;
			atomic_store(&sh->progress[id], UINT_MAX);
			if (errno == EPIPE)
				continue;
			break;
		}
		if (failed)
			continue; /* drain until EOF; the writer ignores us */
		if (ri >= S.nrec) {
			failed = !check(false,
					"reader %d: unexpected extra "
					"telegram of %zd bytes",
					id, n);
			atomic_store(&sh->progress[id], UINT_MAX);
			continue;
		}
		r = &S.rec[ri];
		if ((size_t)n != r->tg_len ||
		    memcmp(rbuf, S.buf + r->tg_off, r->tg_len)) {
			check(false, "reader %d: telegram %llu differs", id,
			      (unsigned long long)got + 1);
			show_diff(r, rbuf, (size_t)n);
			failed = true;
		} else if (ioctl(fd, P1_IOC_GET_META, &m)) {
			failed = !check(false, "reader %d: GET_META: %m", id);
		} else if (m.seq != r->seq || m.status != r->status ||
			   m.len != (uint32_t)n ||
			   m.boottime_first_ns > m.boottime_last_ns ||
			   m.realtime_first_ns > m.realtime_last_ns ||
			   !!(m.flags & P1_META_HAS_CRC) !=
				   (r->status != P1_STATUS_CRC_MISSING) ||
			   (r->status == P1_STATUS_OK &&
			    m.crc_rx != m.crc_calc) ||
			   (r->status == P1_STATUS_CRC_ERROR &&
			    m.crc_rx == m.crc_calc)) {
			check(false,
			      "reader %d: record %u meta: seq %llu/%llu status "
			      "%u/%u len %u flags %#x crc %04x/%04x",
			      id, ri, (unsigned long long)m.seq,
			      (unsigned long long)r->seq, m.status, r->status,
			      m.len, m.flags, m.crc_rx, m.crc_calc);
			failed = true;
		}
		if (failed) {
			atomic_store(&sh->progress[id], UINT_MAX);
			continue;
		}
		got++;
		ri++;
		atomic_store(&sh->got[id], got);
		if (got == want_total)
			atomic_store(&sh->complete[id], 1);
	}
	if (!failed)
		failed = !check(got == want_total,
				"reader %d%s: %llu of %u telegrams, then EOF",
				id, all ? " (P1_RF_ALL)" : "",
				(unsigned long long)got, want_total);
	return failed;
}

static uint32_t slowest(struct shared *sh)
{
	uint32_t m = UINT_MAX, i;

	for (i = 0; i < NREADERS; i++) {
		uint32_t p = atomic_load(&sh->progress[i]);

		m = p < m ? p : m;
	}
	return m;
}

/*
 * Write everything to the non-blocking pty master.  When the slave side
 * has no room, wait for POLLOUT; the discipline must wake the master as it
 * consumes (n_tty does it on read), so a wait that only ends by the 5 s
 * timeout is an error even if room appeared meanwhile.
 */
static int write_all(int fd, const uint8_t *buf, size_t *pos, size_t end,
		     double *worst)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};

	while (*pos < end) {
		ssize_t w = write(fd, buf + *pos, end - *pos);
		double t0, waited;
		int r;

		if (w > 0) {
			*pos += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		t0 = t_now();
		r = poll(&pfd, 1, 5000);
		waited = t_now() - t0;
		if (waited > *worst)
			*worst = waited;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited >= 4.9) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

static int stats_read(int index, uint64_t *v)
{
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(stat_names) / sizeof(stat_names[0]); i++) {
		snprintf(path, sizeof(path),
			 "/sys/class/p1/p1-%d/statistics/%s", index,
			 stat_names[i]);
		if (sysfs_u64(path, &v[i]))
			return -1;
	}
	return 0;
}

static void check_stats(int index, const char *tag)
{
	const struct tg_expect *x = &S.exp;
	uint64_t want[] = {
		x->telegrams,
		x->crc_errors,
		x->crc_missing,
		0,
		x->truncated,
		x->oversize,
		x->recovered,
		x->garbage_bytes,
		x->rx_bytes,
		0,
		0,
		0,
		0,
		0,
		0,
	};
	uint64_t v[sizeof(stat_names) / sizeof(stat_names[0])];
	char path[128];
	size_t i;
	bool ok = true;

	if (!check(stats_read(index, v) == 0, "read statistics/ of p1-%d",
		   index))
		return;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (v[i] != want[i]) {
			t_log("statistics/%s = %llu, want %llu", stat_names[i],
			      (unsigned long long)v[i],
			      (unsigned long long)want[i]);
			ok = false;
		}
		t_fig("%s.%s=%llu", tag, stat_names[i],
		      (unsigned long long)v[i]);
	}
	check(ok,
	      "counters add up exactly (%llu telegrams, %llu crc_errors, "
	      "%llu crc_missing, %llu truncated, %llu recovered, %llu "
	      "oversize, %llu garbage_bytes, %llu rx_bytes)",
	      (unsigned long long)v[0], (unsigned long long)v[1],
	      (unsigned long long)v[2], (unsigned long long)v[4],
	      (unsigned long long)v[6], (unsigned long long)v[5],
	      (unsigned long long)v[7], (unsigned long long)v[8]);

	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/last_seq", index);
	check(sysfs_u64(path, &v[0]) == 0 && v[0] == x->completed,
	      "last_seq = %llu", (unsigned long long)x->completed);
}

/*
 * sysfs ident describes the last good telegram; there is no last_telegram
 * (telegrams are personal data: /dev/p1-N only).
 */
static void check_last(int index)
{
	char path[128], ident[128];

	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/ident", index);
	check(sysfs_read(path, ident, sizeof(ident)) == 0 &&
		      !strcmp(ident, "ISK5\\2M550T-1012"),
	      "ident is the identification line");
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/last_telegram",
		 index);
	check(access(path, F_OK) < 0 && errno == ENOENT,
	      "no last_telegram in sysfs");
}

static void usage_fail(void)
{
	fprintf(stderr, "usage: p1test stream ioctl|p1ctl RECORDS [SEED]\n");
	exit(2);
}

int cmd_stream(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	uint32_t nrec = argc > 2 ? (uint32_t)atoi(argv[2]) : 0;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x5eed;
	bool use_p1ctl = !strcmp(mode, "p1ctl");
	uint64_t ring = 0, maxsize = 0, stalls = 0;
	char slave[64], dev[64], path[128], tag[32];
	pid_t holder = -1, kids[NREADERS];
	double t0, t_written, t_read, stall_time = 0, worst_wait = 0;
	int master, sfd, index, i, st;
	struct shared *sh;
	struct utsname u;
	size_t pos = 0;
	uint32_t ri = 0;

	if ((!use_p1ctl && strcmp(mode, "ioctl")) || nrec < 2)
		usage_fail();
	uname(&u);
	snprintf(tag, sizeof(tag), "stream.%s", mode);
	signal(SIGPIPE, SIG_IGN);
	if (!check(pty_open(&master, &sfd, slave, sizeof(slave)) == 0,
		   "open a pty pair"))
		return 1;
	if (use_p1ctl) {
		const char *const extra[] = {"--baud", "115200", NULL};

		holder = p1ctl_attach(slave, extra, &index, 10000);
		if (!check(holder > 0, "p1ctl attach %s", slave))
			return 1;
	} else {
		index = attach_ioctl(sfd);
		if (!check(index >= 0, "TIOCSETD n_p1 on %s: %m", slave))
			return 1;
	}
	snprintf(dev, sizeof(dev), "/dev/p1-%d", index);
	if (!check(wait_path(dev, true, 5000), "%s appeared", dev))
		return 1;
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/max_telegram_size",
		 index);
	if (sysfs_u64("/sys/module/n_p1/parameters/ring", &ring) ||
	    sysfs_u64(path, &maxsize) || ring < 4)
		return !check(false, "module parameter ring and max size");

	if (!check(tg_generate(&S, nrec, seed, (uint32_t)maxsize) == 0,
		   "generate %u records", nrec))
		return 1;
	t_log("%s: %u records, %zu bytes, %llu good, ring %llu, window %llu",
	      tag, S.nrec, S.len, (unsigned long long)S.exp.good,
	      (unsigned long long)ring, (unsigned long long)ring / 2);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < NREADERS; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			close(master);
			close(sfd);
			_exit(reader(i, dev, sh));
		}
	}
	while (atomic_load(&sh->ready) < NREADERS)
		t_sleep_ms(1);

	/* Write in chunks of random size, never more than ring/2 ahead. */
	fcntl(master, F_SETFL, O_NONBLOCK);
	t0 = t_now();
	while (pos < S.len) {
		size_t chunk = 1 + (S.rng = S.rng * 6364136223846793005ULL + 1,
				    (size_t)(S.rng >> 33) % 8192);
		size_t end = pos + chunk < S.len ? pos + chunk : S.len;

		while (ri + 1 < S.nrec && S.rec[ri + 1].off < end)
			ri++;
		if (slowest(sh) + ring / 2 < ri + 1) {
			double ts = t_now();

			stalls++;
			while (slowest(sh) + ring / 2 < ri + 1 &&
			       t_now() - ts < STALL_SEC)
				t_sleep_ms(1);
			stall_time += t_now() - ts;
			if (slowest(sh) + ring / 2 < ri + 1) {
				check(false,
				      "readers made no progress for %d s "
				      "(record %u)",
				      STALL_SEC, ri);
				break;
			}
		}
		if (write_all(master, S.buf, &pos, end, &worst_wait)) {
			int err = errno;
			uint64_t rx = 0;

			snprintf(path, sizeof(path),
				 "/sys/class/p1/p1-%d/statistics/rx_bytes",
				 index);
			sysfs_u64(path, &rx);
			check(false,
			      "write to the pty master: %s: no POLLOUT for "
			      "%.1f s though the device had consumed %llu of "
			      "the %zu bytes written (master writer not "
			      "woken?)",
			      strerror(err), worst_wait, (unsigned long long)rx,
			      pos);
			break;
		}
	}
	t_written = t_now();
	check(pos == S.len, "wrote %zu bytes in %.2f s", pos, t_written - t0);

	/* All readers done (or failed), and every byte through the framer. */
	for (;;) {
		int done = 0;

		for (i = 0; i < NREADERS; i++)
			done += atomic_load(&sh->complete[i]) ||
				atomic_load(&sh->progress[i]) == UINT_MAX;
		if (done == NREADERS ||
		    t_now() - t_written > (pos == S.len ? 120 : 1))
			break;
		t_sleep_ms(2);
	}
	t_read = t_now();
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/statistics/rx_bytes",
		 index);
	for (i = 0; pos == S.len && i < 5000; i++) {
		uint64_t rx = 0;

		if (!sysfs_u64(path, &rx) && rx >= S.exp.rx_bytes)
			break;
		t_sleep_ms(2);
	}
	check_stats(index, tag);
	check_last(index);

	t_fig("%s.kernel=%s", tag, u.release);
	t_fig("%s.records=%u", tag, S.nrec);
	t_fig("%s.seed=%#llx", tag, (unsigned long long)seed);
	t_fig("%s.bytes=%zu", tag, S.len);
	t_fig("%s.sent_good=%llu", tag, (unsigned long long)S.exp.good);
	t_fig("%s.sent_completed=%llu", tag,
	      (unsigned long long)S.exp.completed);
	for (i = 0; i < TG_NKINDS; i++)
		t_fig("%s.kind_%s=%llu", tag, tg_kind_name((uint32_t)i),
		      (unsigned long long)S.exp.kinds[i]);
	for (i = 0; i < NREADERS; i++)
		t_fig("%s.received_reader%d=%lu", tag, i,
		      atomic_load(&sh->got[i]));
	t_fig("%s.ring=%llu", tag, (unsigned long long)ring);
	t_fig("%s.writer_stalls=%llu", tag, (unsigned long long)stalls);
	t_fig("%s.writer_stall_s=%.2f", tag, stall_time);
	t_fig("%s.write_s=%.2f", tag, t_written - t0);
	t_fig("%s.worst_pollout_wait_s=%.3f", tag, worst_wait);
	t_fig("%s.elapsed_s=%.2f", tag, t_read - t0);
	t_fig("%s.telegrams_per_s=%.0f", tag,
	      (double)S.exp.completed / (t_read - t0));
	t_fig("%s.mb_per_s=%.2f", tag, S.len / 1e6 / (t_read - t0));

	/* Hang up: every reader gets EOF and must have seen everything. */
	close(master);
	for (i = 0; i < NREADERS; i++) {
		st = wait_child(kids[i], 30000);
		check(st == 0,
		      "reader %d: EOF after hangup, all telegrams right "
		      "(exit %d)",
		      i, st);
	}
	if (use_p1ctl) {
		st = wait_child(holder, 10000);
		check(st == 3, "p1ctl attach exits 3 on hangup (exit %d)", st);
	}
	close(sfd);
	check(wait_path(dev, false, 5000), "%s gone after hangup and close",
	      dev);
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d", index);
	check(wait_path(path, false, 5000), "%s gone", path);
	munmap(sh, sizeof(*sh));
	tg_free(&S);
	return t_failures != 0;
}
