// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_rd_file.c - the reader's capture source: a file (or a pipe, or
 * standard input as "-") framed like a live line and delivered at the
 * meter's own pace (the gaps between its 0-0:1.0.0 clock readings,
 * rate=meter, the default), at N telegrams a second (rate=N), or as fast as
 * possible (rate=max); with loop, starting over at the end.
 *
 * A completed frame stays in the framer's buffer until it is due (the
 * framer is not fed meanwhile), so pacing needs no copy.  Every
 * p1_reader_process() does bounded work whatever the input: at most
 * FILE_BATCH telegrams and FILE_BYTES bytes read, and one start-over;
 * then the timer says when to go on (0: at once, after the caller's other
 * work).  Input that yields no telegram is not read at full speed: a run
 * that used its byte budget without one waits 100 ms, and a looped file
 * with no complete telegram in a whole pass waits the retry backoff
 * (1 s doubling to backoff-max) before the next pass.
 *
 * Standard input is read through a dup() of it, made non-blocking; the
 * caller's file status flags are put back when the reader closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "p1_reader_int.h"

#define FILE_BATCH     256
#define FILE_BYTES     (1024 * 1024)
#define FILE_IDLE_NS   100000000u /* garbage only: 100 ms pause */
#define FILE_MAX_GAP_S 3600
#define FILE_STALL_NS  2000000000u
#define F(r)	       (&(r)->u.file)

/* The meter clock of a framed telegram (0-0:1.0.0), without parsing it. */
static bool frame_time(const struct p1_frame *fr, uint32_t zone, int64_t *t)
{
	static const char key[] = "\n0-0:1.0.0(";
	const char *p = (const char *)fr->data, *end = p + fr->len;
	const char *k = memmem(p, fr->len, key, sizeof(key) - 1);

	if (!k)
		return false;
	k += sizeof(key) - 1;
	if (end - k < 14 || k[13] != ')')
		return false;
	return p1_time_parse(k, 13, zone, t) == 0;
}

static void schedule(struct p1_reader *r)
{
	uint64_t now, gap = 1000000000u;
	int64_t t;

	if (F(r)->pace == P1I_PACE_MAX) {
		F(r)->due = 0; /* now, whatever the clock says: not read */
		return;
	}
	now = p1i_mono_ns();
	if (F(r)->pace == P1I_PACE_RATE) {
		gap = (uint64_t)(1e9 / F(r)->rate);
	} else if (frame_time(&F(r)->pending, r->zone, &t)) {
		if (F(r)->last_meter_valid && t > F(r)->last_meter_t &&
		    t - F(r)->last_meter_t <= FILE_MAX_GAP_S)
			gap = (uint64_t)(t - F(r)->last_meter_t) * 1000000000u;
		F(r)->last_meter_t = t;
		F(r)->last_meter_valid = true;
	}
	F(r)->due = F(r)->nframes++ ? F(r)->last_due + gap : now;
	if (F(r)->due < now && now - F(r)->due > FILE_STALL_NS)
		F(r)->due = now; /* we were stalled: don't burst to catch up */
}

static void file_open(struct p1_reader *r)
{
	int fd;

	if (F(r)->is_stdin) {
		fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd >= 0 && F(r)->stdin_flags < 0)
			F(r)->stdin_flags = fcntl(fd, F_GETFL);
	} else {
		fd = open(r->source, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		p1i_rd_lost(r, -errno, strerror(errno));
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	/* No fd to wait on while data is at hand: the timer drives. */
	p1i_rd_set_fd(r, fd, 0);
	F(r)->pos = F(r)->len = 0;
	F(r)->have_pending = false;
	F(r)->nframes = 0;
	F(r)->pass_telegrams = 0;
	F(r)->last_meter_valid = false;
	F(r)->last_due = p1i_mono_ns();
	p1_framer_reset(&r->fr);
	p1i_rd_connected(r, "reading");
	p1i_rd_arm(r, 0);
}

static void file_close(struct p1_reader *r)
{
	if (F(r)->is_stdin && F(r)->stdin_flags >= 0 && r->fd >= 0) {
		/* The dup shares stdin's file description: put its flags
		 * back as the caller had them. */
		fcntl(r->fd, F_SETFL, F(r)->stdin_flags);
		F(r)->stdin_flags = -1;
	}
}

/* End of input: a telegram whose trailer ended in a bare CR is completed
 * by one more byte (not consumed); true if that gave a frame. */
static bool flush_tail(struct p1_reader *r)
{
	static const uint8_t nul;

	if (!r->fr.len)
		return false;
	p1_framer_push(&r->fr, &nul, NULL, 1, 0, &F(r)->pending);
	return F(r)->pending.len != 0;
}

/* Read more; false if the run must stop here. */
static bool refill(struct p1_reader *r, size_t *budget, int *rewinds,
		   bool *flushed)
{
	ssize_t n;

	if (*budget >= FILE_BYTES) {
		p1i_rd_arm(r, F(r)->pass_telegrams || F(r)->have_pending
				      ? 0
				      : FILE_IDLE_NS);
		return false;
	}
	n = read(r->fd, r->in, r->in_cap);
	r->c.read_calls++;
	if (n > 0) {
		*budget += (size_t)n;
		F(r)->pos = 0;
		F(r)->len = (size_t)n;
		return true;
	}
	if (n < 0 && errno == EAGAIN) {
		p1i_rd_set_fd(r, r->fd, POLLIN); /* a pipe: wait for it */
		return false;
	}
	if (n < 0 && errno == EINTR)
		return true;
	if (n < 0) {
		p1i_rd_lost(r, -errno, strerror(errno));
		return false;
	}
	/* End of file. */
	if (!*flushed) {
		*flushed = true;
		if (flush_tail(r)) {
			F(r)->have_pending = true;
			F(r)->pass_telegrams++;
			schedule(r);
			return true;
		}
		if (r->fr.len)
			r->c.cut_at_end++;
	}
	if (F(r)->loop && lseek(r->fd, 0, SEEK_SET) == 0) {
		p1_framer_reset(&r->fr);
		p1i_rd_sync_counters(r);
		F(r)->last_meter_valid = false;
		*flushed = false;
		if (!F(r)->pass_telegrams) {
			if (r->backoff < 1)
				r->backoff = 1;
			p1i_rd_error(r, -ENODATA,
				     "no complete telegram in %s; reading it "
				     "again in %.0f s",
				     r->source, r->backoff);
			p1i_rd_arm(r, (uint64_t)(r->backoff * 1e9));
			r->backoff *= 2;
			if (r->backoff > r->backoff_max)
				r->backoff = r->backoff_max;
			return false;
		}
		F(r)->pass_telegrams = 0;
		if (++*rewinds > 1) {
			p1i_rd_arm(r, 0);
			return false;
		}
		return true;
	}
	p1i_rd_end(r, "end of file");
	return false;
}

static void file_run(struct p1_reader *r)
{
	size_t budget = 0;
	int delivered = 0, rewinds = 0;
	bool flushed = false;

	while (r->fd >= 0 && !r->stopping) {
		if (F(r)->have_pending) {
			uint64_t now = F(r)->due ? p1i_mono_ns() : 0, stamp;

			if (F(r)->due > now) {
				p1i_rd_arm(r, F(r)->due - now);
				return;
			}
			stamp = p1i_realtime_ns();
			F(r)->pending.start_stamp = F(r)->pending.end_stamp =
				stamp;
			F(r)->have_pending = false;
			F(r)->last_due = F(r)->due;
			p1i_rd_frame(r, &F(r)->pending);
			if (++delivered == FILE_BATCH) {
				p1i_rd_arm(r, 0);
				return;
			}
			continue;
		}
		if (F(r)->pos == F(r)->len) {
			if (!refill(r, &budget, &rewinds, &flushed))
				return;
			continue;
		}
		F(r)->pos += p1_framer_push(&r->fr, r->in + F(r)->pos, NULL,
					    F(r)->len - F(r)->pos, 0,
					    &F(r)->pending);
		if (F(r)->pending.len) {
			F(r)->have_pending = true;
			F(r)->pass_telegrams++;
			schedule(r);
		}
	}
}

static void file_io(struct p1_reader *r, short revents)
{
	(void)revents;
	p1i_rd_set_fd(r, r->fd, 0); /* readable: the timer drives again */
	file_run(r);
}

static void file_timer(struct p1_reader *r)
{
	if (r->fd < 0) {
		file_open(r);
		return;
	}
	file_run(r);
}

static int file_option(struct p1_reader *r, const char *key, const char *val)
{
	if (!strcmp(key, "rate") || !strcmp(key, "pace")) {
		if (!strcmp(val, "meter")) {
			F(r)->pace = P1I_PACE_METER;
			return 0;
		}
		if (!strcmp(val, "max") || !strcmp(val, "0")) {
			F(r)->pace = P1I_PACE_MAX;
			return 0;
		}
		F(r)->pace = P1I_PACE_RATE;
		return p1i_opt_double(val, 1e-6, 1e6, &F(r)->rate);
	}
	if (!strcmp(key, "loop"))
		return p1i_opt_bool(val, &F(r)->loop);
	return -ENOENT;
}

static int file_prepare(struct p1_reader *r)
{
	F(r)->is_stdin = !strcmp(r->source, "-");
	F(r)->stdin_flags = -1;
	return 0;
}

const struct p1i_rd_ops p1i_rd_file_ops = {
	.prepare = file_prepare,
	.open = file_open,
	.io = file_io,
	.timer = file_timer,
	.close = file_close,
	.option = file_option,
};
