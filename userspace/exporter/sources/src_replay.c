// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * src_replay.c - the --replay source: a capture file (or a pipe) framed
 * like a live line and delivered at the meter's own pace (the gaps between
 * its 0-0:1.0.0 clock readings), at N telegrams per second, or as fast as
 * possible; optionally starting over at the end.
 *
 * A completed frame stays in the framer's buffer until it is due (the
 * framer is not fed meanwhile), so pacing needs no copy.  At full speed
 * the source hands back to the event loop every REPLAY_BATCH telegrams so
 * HTTP keeps being served.
 */
#include <errno.h>
#include <fcntl.h>
#include <p1/p1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "meter.h"
#include "options.h"
#include "source.h"

#define REPLAY_BATCH 256
#define REPLAY_CHUNK 65536

enum replay_pace { PACE_METER, PACE_RATE, PACE_MAX };

struct replay_source {
	struct source s;
	char path[256];
	enum replay_pace pace;
	double rate;
	bool loop;
	bool eof;
	uint8_t *chunk;
	size_t pos, len;
	struct p1_frame pending;
	bool have_pending;
	uint64_t due; /* CLOCK_MONOTONIC ns the pending frame is due */
	uint64_t last_due;
	int64_t last_meter_t; /* meter clock of the previous telegram */
	bool last_meter_valid;
	uint64_t nframes;
};

static void replay_run(void *arg);

/* The meter clock of a framed telegram (0-0:1.0.0), without parsing it. */
static bool frame_time(const struct p1_frame *fr, int zone, int64_t *t)
{
	static const char key[] = "\n0-0:1.0.0(";
	const char *p = (const char *)fr->data, *end = p + fr->len;
	const char *k = memmem(p, fr->len, key, sizeof(key) - 1);

	if (!k)
		return false;
	k += sizeof(key) - 1;
	if (end - k < 14 || k[13] != ')')
		return false;
	return p1_time_parse(k, 13, (unsigned)zone, t) == 0;
}

static void schedule(struct replay_source *rs)
{
	uint64_t now = ev_now(), gap = 1000000000u;
	int64_t t;

	if (rs->pace == PACE_MAX) {
		rs->due = now;
		return;
	}
	if (rs->pace == PACE_RATE) {
		gap = (uint64_t)(1e9 / rs->rate);
	} else if (frame_time(&rs->pending, rs->s.m->zone, &t)) {
		if (rs->last_meter_valid && t > rs->last_meter_t &&
		    t - rs->last_meter_t <= 3600)
			gap = (uint64_t)(t - rs->last_meter_t) * 1000000000u;
		rs->last_meter_t = t;
		rs->last_meter_valid = true;
	}
	rs->due = rs->nframes++ ? rs->last_due + gap : now;
	if (rs->due < now && now - rs->due > 2000000000u)
		rs->due = now; /* we were stalled: don't burst to catch up */
}

static void replay_finish(struct replay_source *rs)
{
	log_info("replay %s: end of file after %llu telegrams", rs->path,
		 (unsigned long long)rs->s.m->seq);
	meter_set_state(rs->s.m, MS_FINISHED, "end of file");
	source_close_fd(&rs->s);
}

static void replay_readable(void *arg, int fd, short revents)
{
	struct replay_source *rs = arg;

	(void)fd;
	(void)revents;
	ev_fd_del(rs->s.evh);
	rs->s.evh = -1;
	replay_run(rs);
}

/* Refill the chunk; false if the caller must wait (or stop). */
static bool refill(struct replay_source *rs)
{
	ssize_t n = read(rs->s.fd, rs->chunk, REPLAY_CHUNK);

	rs->s.m->read_calls++;

	if (n > 0) {
		rs->pos = 0;
		rs->len = (size_t)n;
		return true;
	}
	if (n < 0 && errno == EAGAIN) {
		rs->s.evh = ev_fd_add(rs->s.fd, POLLIN, replay_readable, rs);
		return false;
	}
	if (n < 0 && errno == EINTR)
		return true;
	if (n < 0) {
		LOG_RL(LOG_ERR, "replay %s: read: %m", rs->path);
		meter_set_state(rs->s.m, MS_DISCONNECTED, strerror(errno));
		source_close_fd(&rs->s);
		return false;
	}
	/* End of file. */
	if (rs->loop && lseek(rs->s.fd, 0, SEEK_SET) == 0) {
		meter_reset_framer(rs->s.m);
		rs->last_meter_valid = false;
		return true;
	}
	replay_finish(rs);
	return false;
}

static void replay_run(void *arg)
{
	struct replay_source *rs = arg;
	int delivered = 0;

	for (;;) {
		if (rs->have_pending) {
			uint64_t now = ev_now();

			if (rs->due > now) {
				ev_timer_arm(&rs->s.timer, rs->due - now);
				return;
			}
			rs->pending.start_stamp = rs->pending.end_stamp =
				ev_realtime_ns();
			meter_frame(rs->s.m, &rs->pending);
			rs->have_pending = false;
			rs->last_due = rs->due;
			if (p1_fr_status_good(rs->pending.status))
				rs->s.backoff = 0;
			if (++delivered == REPLAY_BATCH) {
				ev_timer_arm(&rs->s.timer, 0);
				return;
			}
		}
		if (rs->pos == rs->len) {
			if (rs->s.fd < 0 || !refill(rs))
				return;
			continue;
		}
		rs->pos +=
			p1_framer_push(&rs->s.m->fr, rs->chunk + rs->pos, NULL,
				       rs->len - rs->pos, 0, &rs->pending);
		if (rs->pending.len) {
			rs->have_pending = true;
			schedule(rs);
		}
	}
}

static void replay_start(struct source *s)
{
	struct replay_source *rs = (struct replay_source *)s;

	if (!strcmp(rs->path, "-"))
		s->fd = dup(STDIN_FILENO);
	else
		s->fd = open(rs->path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		log_err("replay %s: %m", rs->path);
		meter_set_state(s->m, MS_DISCONNECTED, strerror(errno));
		return;
	}
	fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	meter_set_state(s->m, MS_CONNECTED, NULL);
	rs->last_due = ev_now();
	replay_run(rs);
}

static void replay_stop(struct source *s)
{
	ev_timer_disarm(&s->timer);
	source_close_fd(s);
}

static const struct source_ops replay_ops = {.start = replay_start,
					     .stop = replay_stop};

static bool parse_rate(const char *v, struct replay_source *rs)
{
	if (!strcmp(v, "meter")) {
		rs->pace = PACE_METER;
		return true;
	}
	if (!strcmp(v, "max") || !strcmp(v, "0")) {
		rs->pace = PACE_MAX;
		return true;
	}
	rs->pace = PACE_RATE;
	return parse_double(v, &rs->rate) && rs->rate > 0 && rs->rate <= 1e6;
}

struct source *replay_source_new(const char *text, int index)
{
	static const char *const keys[] = {"name", "tz", "rate", "loop", NULL};
	struct replay_source *rs;
	struct spec sp;
	const char *name, *v;
	char defname[32];

	if (!spec_parse(text, &sp) || !sp.main[0]) {
		log_err("--replay %s: cannot parse", text);
		return NULL;
	}
	if (!spec_check_keys(&sp, "--replay", keys))
		return NULL;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return NULL;
	rs->chunk = malloc(REPLAY_CHUNK);
	if (!rs->chunk) {
		free(rs);
		return NULL;
	}
	snprintf(rs->path, sizeof(rs->path), "%s", sp.main);
	v = spec_get(&sp, "rate");
	if (!parse_rate(v ? v : cfg.replay_rate, rs)) {
		log_err("--replay %s: bad rate \"%s\" (meter, max or a number)",
			text, v ? v : cfg.replay_rate);
		goto fail;
	}
	rs->loop = cfg.replay_loop;
	if ((v = spec_get(&sp, "loop")) &&
	    !parse_bool(*v ? v : "yes", &rs->loop)) {
		log_err("--replay %s: bad loop \"%s\"", text, v);
		goto fail;
	}
	snprintf(defname, sizeof(defname), "replay%d", index);
	name = spec_get(&sp, "name");
	rs->s.m = meter_new(name && *name ? name : defname, "replay", rs->path);
	if (!rs->s.m)
		goto fail;
	if (!spec_apply_common(&sp, rs->s.m))
		goto fail;
	rs->s.ops = &replay_ops;
	rs->s.fd = -1;
	rs->s.evh = -1;
	rs->s.m->src = &rs->s;
	ev_timer_init(&rs->s.timer, replay_run, rs);
	return &rs->s;
fail:
	free(rs->chunk);
	free(rs);
	return NULL;
}
