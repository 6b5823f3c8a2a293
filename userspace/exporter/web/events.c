// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * events.c - the Server-Sent Events stream (see events.h).
 *
 * Each stream is a libmicrohttpd response whose content reader hands out
 * the stream's buffer; with nothing to send it suspends its connection
 * (libmicrohttpd's prescribed way to wait) and a new event resumes it.
 * An event is rendered once into a shared buffer and copied into each
 * stream that wants it.  Buffers are allocated when a stream opens, never
 * per telegram.
 */
#include "events.h"

#include <p1/p1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "evloop.h"
#include "http.h"
#include "live.h"
#include "log.h"
#include "meter.h"
#include "options.h"
#include "sink.h"

struct stream {
	bool used;
	bool suspended;
	bool dropped; /* overflowed: end the response with an error */
	bool ended;   /* exporter stopping: end it cleanly */
	struct MHD_Connection *c;
	char meter[METER_NAME_MAX]; /* "" = every meter */
	char *buf;
	size_t off, len;
};

#define STREAMS_MAX 256

static struct stream streams[STREAMS_MAX];
static struct sbuf ev; /* the event being rendered */
static struct events_stats stats;
static struct ev_timer keepalive;
static struct {
	bool connected, up;
	uint64_t last_ns; /* last reading event, for the interval */
} seen[METER_MAX];

static int meter_index(const struct meter *m)
{
	return m->index;
}

static void wake(struct stream *s)
{
	if (s->suspended) {
		s->suspended = false;
		MHD_resume_connection(s->c);
		http_kick();
	}
}

static void append(struct stream *s, const char *p, size_t n)
{
	if (s->dropped || s->ended)
		return;
	if (s->off && s->len + n > EVENTS_BUF) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	if (s->len + n > EVENTS_BUF) {
		s->dropped = true;
		stats.dropped++;
		LOG_RL(LOG_WARNING,
		       "events: a client does not keep up; disconnected");
	} else {
		memcpy(s->buf + s->len, p, n);
		s->len += n;
	}
	wake(s);
}

/* Send ev (one whole event) to the streams that want meter m's events. */
static void broadcast(const struct meter *m)
{
	if (ev.failed)
		return;
	for (int i = 0; i < STREAMS_MAX; i++) {
		struct stream *s = &streams[i];

		if (!s->used || (m && s->meter[0] && strcmp(s->meter, m->name)))
			continue;
		append(s, ev.p, ev.len);
	}
	stats.sent_events++;
}

static void render_reading(const struct meter *m)
{
	sb_puts(&ev, "event: reading\ndata: {\"meter\":");
	sb_put_json_str(&ev, m->name, strlen(m->name));
	sb_puts(&ev, ",\"seq\":");
	sb_put_u64(&ev, m->seq);
	sb_puts(&ev, meter_up(m) ? ",\"up\":true" : ",\"up\":false");
	sb_puts(&ev, ",\"received\":");
	sb_put_double(&ev, (double)m->rx_last_ns / 1e9);
	sb_puts(&ev, ",\"today\":");
	live_today_json(&ev, m);
	sb_puts(&ev, ",\"counters\":");
	api_counters(&ev, m);
	sb_putc(&ev, ',');
	p1_json_emit(m->tg, P1_JSON_TYPED | P1_JSON_MEMBERS, api_write_sb, &ev);
	if (ev.len && ev.p[ev.len - 1] == ',')
		ev.len--;
	sb_puts(&ev, "}\n\n");
}

static void render_status(const struct meter *m, const char *name)
{
	sb_printf(&ev, "event: %s\ndata: {\"meter\":", name);
	sb_put_json_str(&ev, m->name, strlen(m->name));
	sb_puts(&ev, ",\"state\":\"");
	sb_puts(&ev, meter_state_name(m->state));
	sb_puts(&ev,
		meter_up(m) ? "\",\"up\":true}\n\n" : "\",\"up\":false}\n\n");
}

static bool anyone(void)
{
	return stats.open > 0;
}

static void on_reading(struct meter *m)
{
	int i = meter_index(m);
	uint64_t now = ev_now();

	if (!anyone() || i < 0)
		return;
	if (cfg.events_interval > 0 && seen[i].last_ns &&
	    now - seen[i].last_ns < (uint64_t)(cfg.events_interval * 1e9))
		return;
	seen[i].last_ns = now;
	sb_reset(&ev);
	render_reading(m);
	broadcast(m);
}

static void on_state(struct meter *m)
{
	int i = meter_index(m);
	bool connected, up;
	const char *what = NULL;

	if (i < 0)
		return;
	connected = m->state == MS_CONNECTED || m->state == MS_FINISHED;
	up = meter_up(m);
	if (connected != seen[i].connected)
		what = connected ? "connected" : "disconnected";
	else if (up != seen[i].up)
		what = "status";
	seen[i].connected = connected;
	seen[i].up = up;
	if (!what || !anyone())
		return;
	sb_reset(&ev);
	render_status(m, what);
	broadcast(m);
}

static void on_keepalive(void *arg)
{
	static const char ka[] = ": keepalive\n\n";

	(void)arg;
	for (int i = 0; i < STREAMS_MAX; i++)
		if (streams[i].used)
			append(&streams[i], ka, sizeof(ka) - 1);
	ev_timer_arm(&keepalive, 5000000000ull);
}

static void events_metrics(struct sbuf *sb)
{
	sb_printf(sb,
		  "# HELP p1_web_event_streams Open /api/v1/events streams.\n"
		  "# TYPE p1_web_event_streams gauge\n"
		  "p1_web_event_streams %d\n"
		  "# HELP p1_web_event_streams_opened_total Event streams "
		  "opened.\n"
		  "# TYPE p1_web_event_streams_opened_total counter\n"
		  "p1_web_event_streams_opened_total %llu\n"
		  "# HELP p1_web_event_streams_dropped_total Event streams "
		  "closed because the client did not keep up.\n"
		  "# TYPE p1_web_event_streams_dropped_total counter\n"
		  "p1_web_event_streams_dropped_total %llu\n",
		  stats.open, (unsigned long long)stats.opened,
		  (unsigned long long)stats.dropped);
}

static const struct sink_ops events_sink = {
	.name = "events",
	.reading = on_reading,
	.state = on_state,
	.metrics = events_metrics,
};

void events_init(void)
{
	sink_register(&events_sink);
	ev_timer_init(&keepalive, on_keepalive, NULL);
	ev_timer_arm(&keepalive, 5000000000ull);
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t n;

	(void)pos;
	if (s->dropped)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (s->off == s->len) {
		s->off = s->len = 0;
		if (s->ended)
			return MHD_CONTENT_READER_END_OF_STREAM;
		s->suspended = true;
		MHD_suspend_connection(s->c);
		return 0;
	}
	n = s->len - s->off;
	if (n > max)
		n = max;
	memcpy(buf, s->buf + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void release(void *cls)
{
	struct stream *s = cls;

	free(s->buf);
	memset(s, 0, sizeof(*s));
	stats.open--;
}

/* The stream's first bytes: retry hint, every meter, latest readings. */
static void greet(struct stream *s)
{
	static const char hello[] = "retry: 3000\n\n";

	append(s, hello, sizeof(hello) - 1);
	for (int i = 0; i < nmeters; i++) {
		const struct meter *m = meters[i];

		if (s->meter[0] && strcmp(s->meter, m->name))
			continue;
		sb_reset(&ev);
		sb_puts(&ev, "event: meter\ndata: ");
		api_meter_summary(&ev, m);
		sb_puts(&ev, "\n\n");
		if (m->have_reading)
			render_reading(m);
		if (!ev.failed)
			append(s, ev.p, ev.len);
	}
}

enum MHD_Result events_reply(struct MHD_Connection *c, const char *meter)
{
	struct MHD_Response *resp;
	struct stream *s = NULL;
	enum MHD_Result r;
	int limit = (int)cfg.max_event_streams;

	if (meter && !meter_find(meter))
		return http_reply_text(c, 404, "no such meter\n");
	for (int i = 0; i < STREAMS_MAX && i < limit; i++) {
		if (!streams[i].used) {
			s = &streams[i];
			break;
		}
	}
	if (!s || (!ev.p && !sb_init(&ev, 8192)))
		return http_reply_text(c, 503, "too many event streams\n");
	s->buf = malloc(EVENTS_BUF);
	if (!s->buf)
		return http_reply_text(c, 503, "out of memory\n");
	s->used = true;
	s->c = c;
	snprintf(s->meter, sizeof(s->meter), "%s", meter ? meter : "");
	stats.open++;
	stats.opened++;
	greet(s);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384,
						 reader, s, release);
	if (!resp) {
		release(s);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	http_add_headers(resp);
	r = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return r;
}

void events_stop(void)
{
	for (int i = 0; i < STREAMS_MAX; i++) {
		if (streams[i].used) {
			streams[i].ended = true;
			wake(&streams[i]);
		}
	}
	ev_timer_disarm(&keepalive);
}

void events_get_stats(struct events_stats *st)
{
	*st = stats;
}
