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
 * Sinks register in main(): before the sources are created to see every
 * meter's creation, or after it (the ones set up by *_setup() below),
 * finding the meters there are in meters[] and later ones through the
 * meter hook.
 *
 * Hooks must not block and must not allocate per telegram: a sink that
 * cannot keep up drops (and counts) rather than slowing the meter.  Any
 * hook may be NULL.
 */
#ifndef P1X_SINK_H
#define P1X_SINK_H

#include <stdbool.h>
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

/*
 * Sinks that follow one meter (--X.meter=NAME; default: the only one).
 * sink_pick_meter() is true when m is the meter the sink follows; without
 * a name the first meter seen is taken, and a second one gets a warning.
 */
struct sink_pick {
	const char *what; /* option prefix, for messages: "dsmrreader" */
	const char *want; /* NULL: the only meter */
	struct meter *m;  /* the meter followed, once seen */
	bool warned;
};
bool sink_pick_meter(struct sink_pick *p, struct meter *m);
/* At start-up: false (logged) if the choice is ambiguous or names no
 * meter although every meter is known already. */
bool sink_pick_check(struct sink_pick *p, bool more_may_come);
/* The followed meter's name for labels ("" while none). */
const char *sink_pick_name(const struct sink_pick *p);

/* The sinks' set-up, before privileges are dropped: each one does nothing
 * unless its options ask for it; false (logged) on a configuration
 * error. */
bool dsmrreader_setup(void);
/* For --check-config: the same checks, nothing opened or created. */
bool dsmrreader_check(void);
bool tgserver_setup(void);
bool capture_setup(void);
bool tglog_setup(void);

#endif
