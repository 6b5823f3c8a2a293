/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * events.h - /api/v1/events, a Server-Sent Events stream:
 *
 *   event: meter         data: the meter's summary (as in /api/v1/meters)
 *                        once per meter when the stream starts
 *   event: reading       data: {"meter", "seq", "up", "received",
 *                        "today", "counters", <the typed reading>} for
 *                        every good telegram (at most one per meter per
 *                        --web.events-interval)
 *   event: connected     data: {"meter", "state", "up"} when a meter's
 *   event: disconnected  source connects or is lost
 *   event: status        data: the same when only p1_up changes
 *   ": keepalive"        a comment every 5 s (also how a closed client
 *                        is noticed)
 *
 * ?meter=NAME limits the stream to one meter.  Each stream has a bounded
 * buffer (EVENTS_BUF bytes): a client that does not keep up is
 * disconnected and counted, the exporter never waits for it.  At most
 * --web.max-event-streams streams are open at once (503 beyond), so
 * scrapes always find a connection.
 */
#ifndef P1X_EVENTS_H
#define P1X_EVENTS_H

#include <microhttpd.h>
#include <stdint.h>

#include "sbuf.h"

#define EVENTS_BUF (128 * 1024)

struct events_stats {
	uint64_t opened, dropped, sent_events;
	int open;
};

/* Registers the sink and the keepalive timer; call once at start-up. */
void events_init(void);
/* Answer a GET /api/v1/events. */
enum MHD_Result events_reply(struct MHD_Connection *c, const char *meter);
/* End every stream (clean exit). */
void events_stop(void);
void events_get_stats(struct events_stats *st);

#endif
