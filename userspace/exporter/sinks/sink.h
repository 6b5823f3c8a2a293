/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sink.h - where a meter's telegrams and readings go besides /metrics.
 *
 * A sink (MQTT, a push to another program, a raw-telegram server, capture
 * files, the live page's event stream, ...) registers a table of hooks
 * once at start-up; the meter core calls every registered sink's hooks,
 * in registration order, from the one event loop:
 *
 *   meter      a meter was created (its name is set, no reading yet)
 *   telegram   a whole telegram was framed, good or not, byte-exact as the
 *              line delivered it (before any redaction); status is an
 *              enum p1_fr_status, kernel_ns the kernel's receive time or 0
 *   reading    a good telegram was parsed: m->tg holds it (redacted as the
 *              user asked), m->seq was bumped
 *   state      m->state or meter_up(m) may have changed
 *   stop       clean exit: flush, say goodbye, close
 *   metrics    append the sink's own metric families (Prometheus text,
 *              with HELP and TYPE) to a /metrics page; called per scrape
 *
 * Sinks register in main() before the sources are created, so that they
 * see every meter's creation.
 *
 * Hooks must not block and must not allocate per telegram: a sink that
 * cannot keep up drops (and counts) rather than slowing the meter.  Any
 * hook may be NULL.
 */
#ifndef P1X_SINK_H
#define P1X_SINK_H

#include <stddef.h>
#include <stdint.h>

struct meter;
struct sbuf;

struct sink_ops {
	const char *name;
	void (*meter)(struct meter *m);
	void (*telegram)(struct meter *m, const uint8_t *data, size_t len,
			 uint32_t status, uint64_t rx_ns);
	void (*reading)(struct meter *m);
	void (*state)(struct meter *m);
	void (*stop)(void);
	void (*metrics)(struct sbuf *sb);
};

#define SINK_MAX 16

/* Register a sink (ops must outlive the process); -1 if full. */
int sink_register(const struct sink_ops *ops);

/* Called by the meter core. */
void sinks_meter(struct meter *m);
void sinks_telegram(struct meter *m, const uint8_t *data, size_t len,
		    uint32_t status, uint64_t rx_ns);
void sinks_reading(struct meter *m);
void sinks_state(struct meter *m);
void sinks_stop(void);
void sinks_metrics(struct sbuf *sb);

#endif
