// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * autodetect.c - line auto-detection from the n_p1 counters (see
 * autodetect.h for the method).
 */
#include "autodetect.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "p1ctl.h"

/* How often the counters are read while judging a candidate. */
#define AD_TICK_MS 200

const struct p1tty_line ad_candidates[AD_N_CANDIDATES] = {
	{115200, P1TTY_8N1},
	{115200, P1TTY_7E1},
	{9600, P1TTY_7E1},
};

static const char *const counter_files[AD_N_COUNTERS] = {
	[AD_TELEGRAMS] = "telegrams",
	[AD_RX_BYTES] = "rx_bytes",
	[AD_GARBAGE_BYTES] = "garbage_bytes",
	[AD_PARITY_ERRORS] = "parity_errors",
	[AD_FRAME_ERRORS] = "frame_errors",
	[AD_BREAKS] = "breaks",
	[AD_CRC_ERRORS] = "crc_errors",
	[AD_LINE_ERRORS] = "line_errors",
	[AD_TRUNCATED] = "truncated",
};

const char *ad_line_hint(const struct p1tty_line *line)
{
	if (line->baud == 115200 && line->framing == P1TTY_8N1)
		return "DSMR 4/5, eMUCs";
	if (line->baud == 9600 && line->framing == P1TTY_7E1)
		return "DSMR 2.2/3.0";
	return "some DSMR 4 meters";
}

/* One decimal counter file: at most 20 digits and a newline. */
static int read_u64_at(int dirfd, const char *file, uint64_t *v)
{
	char buf[32];
	ssize_t n;
	uint64_t x = 0;
	int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EINVAL;
	buf[n] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -EINVAL;
	for (const char *p = buf; *p >= '0' && *p <= '9'; p++) {
		if (x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*v = x;
	return 0;
}

int ad_counters_read(const char *devdir, struct ad_counters *c)
{
	char path[P1CTL_PATH_MAX];
	int dirfd, ret = 0;

	if (snprintf(path, sizeof(path), "%s/statistics", devdir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	for (int i = 0; i < AD_N_COUNTERS && !ret; i++)
		ret = read_u64_at(dirfd, counter_files[i], &c->v[i]);
	close(dirfd);
	return ret;
}

void ad_counters_delta(const struct ad_counters *now,
		       const struct ad_counters *then, struct ad_counters *d)
{
	for (int i = 0; i < AD_N_COUNTERS; i++)
		d->v[i] = now->v[i] >= then->v[i] ? now->v[i] - then->v[i] : 0;
}

void ad_limits_for_interval(struct ad_limits *l, unsigned int interval_s)
{
	if (interval_s < 1)
		interval_s = 1;
	if (interval_s > 3600)
		interval_s = 3600;
	/* One interval and a margin for a first byte; two intervals and a
	 * margin for a whole telegram after the partial one we started in. */
	l->silent_ms = (uint64_t)interval_s * 1000 + 2000;
	l->candidate_ms = (uint64_t)interval_s * 2000 + 3000;
	/* Three of the largest common telegrams (about 1 KB each). */
	l->junk_bytes = 3072;
	l->junk_errors = 64;
}

enum ad_judgement autodetect_judge(const struct ad_counters *d,
				   unsigned int bursts, uint64_t elapsed_ms,
				   const struct ad_limits *l)
{
	uint64_t errors = d->v[AD_PARITY_ERRORS] + d->v[AD_FRAME_ERRORS] +
			  d->v[AD_BREAKS];
	uint64_t bad = d->v[AD_CRC_ERRORS] + d->v[AD_LINE_ERRORS];

	/* Clean telegrams, more good ones than bad, and flagged bytes rare
	 * (a noisy line may flag one now and then; a wrong setting flags
	 * a large share of all bytes). */
	if (d->v[AD_TELEGRAMS] > 0 && d->v[AD_TELEGRAMS] > bad &&
	    errors * 100 <= d->v[AD_RX_BYTES])
		return AD_GOOD;
	if (d->v[AD_RX_BYTES] == 0)
		return elapsed_ms >= l->silent_ms ? AD_SILENT : AD_WAIT;
	if (errors >= l->junk_errors || elapsed_ms >= l->candidate_ms ||
	    (bursts > 0 && d->v[AD_TELEGRAMS] == 0) ||
	    (d->v[AD_RX_BYTES] >= l->junk_bytes && d->v[AD_TELEGRAMS] == 0))
		return AD_WRONG;
	return AD_WAIT;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sleep one tick, watching the tty: 0, AD_HANGUP or AD_STOPPED. */
static int ad_sleep(const struct ad_ctx *c)
{
	const struct timespec tick = {.tv_nsec = AD_TICK_MS * 1000000L};
	struct pollfd pfd = {.fd = c->fd, .events = 0};
	int ret = ppoll(&pfd, 1, &tick, c->wait);

	if (p1ctl_stop)
		return AD_STOPPED;
	if (ret > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
		return AD_HANGUP;
	return 0;
}

static void say_counts(char *buf, size_t size, const struct ad_counters *d)
{
	snprintf(buf, size,
		 "%" PRIu64 " bytes, %" PRIu64 " telegrams, %" PRIu64
		 " garbage bytes, %" PRIu64 " parity and %" PRIu64
		 " framing errors, %" PRIu64 " CRC errors",
		 d->v[AD_RX_BYTES], d->v[AD_TELEGRAMS], d->v[AD_GARBAGE_BYTES],
		 d->v[AD_PARITY_ERRORS], d->v[AD_FRAME_ERRORS],
		 d->v[AD_CRC_ERRORS]);
}

/* Judge one candidate; returns its judgement or AD_HANGUP/AD_STOPPED
 * (as negative numbers) / AD_FAILED (-AD_FAILED). */
static int ad_try(const struct ad_ctx *c, const struct p1tty_line *line,
		  struct ad_counters *delta)
{
	struct ad_counters start, now;
	uint64_t t0, t, last_rx = 0, last_change;
	bool idle_before = false, in_burst = false;
	unsigned int bursts = 0;
	int ret;

	if (p1tty_apply(c->fd, line))
		return -AD_FAILED;
	if (ad_counters_read(c->devdir, &start))
		return -AD_FAILED;
	t0 = last_change = now_ms();
	for (;;) {
		enum ad_judgement j;

		ret = ad_sleep(c);
		if (ret)
			return -ret;
		if (ad_counters_read(c->devdir, &now))
			return -AD_FAILED;
		ad_counters_delta(&now, &start, delta);
		/* Bursts: bytes after an idle gap, then a gap again. */
		t = now_ms();
		if (delta->v[AD_RX_BYTES] != last_rx) {
			last_rx = delta->v[AD_RX_BYTES];
			last_change = t;
			in_burst = true;
		} else if (t - last_change >= AD_GAP_MS) {
			if (in_burst && idle_before)
				bursts++;
			in_burst = false;
			idle_before = true;
		}
		j = autodetect_judge(delta, bursts, t - t0, &c->limits);
		if (j != AD_WAIT)
			return j;
	}
}

void autodetect_run(const struct ad_ctx *c, struct ad_result *r)
{
	uint64_t t0 = now_ms();
	int tried = 0;
	char counts[200];

	memset(r, 0, sizeof(*r));
	r->line = ad_candidates[0];
	for (int i = 0; i < AD_N_CANDIDATES; i++) {
		const struct p1tty_line *l = &ad_candidates[i];
		struct ad_counters d = {0};
		int j = ad_try(c, l, &d);

		r->elapsed_ms = now_ms() - t0;
		if (j == -AD_HANGUP || j == -AD_STOPPED) {
			r->outcome = (enum ad_outcome) - j;
			return;
		}
		if (j == -AD_FAILED) {
			/* e.g. a driver without 7-bit mode: try the rest */
			if (c->verbose)
				fprintf(stderr, "p1ctl: %s: %u %s: refused\n",
					c->name, l->baud,
					p1tty_framing_name(l->framing));
			continue;
		}
		tried++;
		for (int k = 0; k < AD_N_COUNTERS; k++)
			r->seen.v[k] += d.v[k];
		say_counts(counts, sizeof(counts), &d);
		if (c->verbose)
			fprintf(stderr, "p1ctl: %s: %u %s: %s: %s\n", c->name,
				l->baud, p1tty_framing_name(l->framing),
				j == AD_GOOD	? "good"
				: j == AD_WRONG ? "wrong"
						: "silent",
				counts);
		if (j == AD_GOOD) {
			r->outcome = AD_SETTLED;
			r->line = *l;
			r->seen = d;
			snprintf(r->why, sizeof(r->why),
				 "%u %s (%s): %" PRIu64
				 " good telegrams in %.1f s",
				 l->baud, p1tty_framing_name(l->framing),
				 ad_line_hint(l), d.v[AD_TELEGRAMS],
				 (double)r->elapsed_ms / 1000);
			return;
		}
		if (j == AD_SILENT) {
			/* No setting creates bytes: stop here. */
			r->outcome = AD_NO_DATA;
			snprintf(r->why, sizeof(r->why),
				 "no data at all in %.0f s: check that the "
				 "cable is plugged into the meter, that the "
				 "meter's Request line gets 5 V and that the "
				 "cable inverts the signal",
				 (double)r->elapsed_ms / 1000);
			break;
		}
	}
	if (!tried) {
		r->outcome = AD_FAILED;
		snprintf(r->why, sizeof(r->why),
			 "the tty refused every line setting (or n_p1's "
			 "counters are unreadable)");
	} else if (r->outcome != AD_NO_DATA) {
		r->outcome = AD_ERRORS;
		say_counts(counts, sizeof(counts), &r->seen);
		snprintf(r->why, sizeof(r->why),
			 "data but no clean telegram at any setting (%s): the "
			 "cable may not invert the signal, or the meter "
			 "uses other settings",
			 counts);
	}
	/* Leave the line at the first candidate that the tty accepts. */
	for (int i = 0; i < AD_N_CANDIDATES; i++)
		if (!p1tty_apply(c->fd, &ad_candidates[i])) {
			r->line = ad_candidates[i];
			break;
		}
}
