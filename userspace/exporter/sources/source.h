/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * source.h - where a meter's telegrams come from.
 *
 * A source is created from its command-line spec ("PATH,name=x,baud=9600")
 * before privileges are dropped, started (opens its device or socket, or
 * schedules a retry), and from then on runs from the event loop.  The
 * --serial, --tcp, --replay and --emulate sources are libp1 readers
 * (src_reader.c); those that lose their device or connection retry with
 * exponential backoff (1 s doubling to 30 s, reset after a good telegram).
 */
#ifndef P1X_SOURCE_H
#define P1X_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

struct meter;

struct source {
	const struct source_ops *ops;
	struct meter *m;
};

struct source_ops {
	void (*start)(struct source *s);
	void (*stop)(struct source *s);
};

/* A parsed spec: the main part and up to 8 key[=value] options. */
#define SPEC_MAX_OPTS 8
struct spec {
	char main[256];
	struct {
		char key[32];
		char val[128];
	} opt[SPEC_MAX_OPTS];
	int nopt;
};

bool spec_parse(const char *text, struct spec *sp);
/* The value of key (or "" for a bare key), NULL if absent. */
const char *spec_get(const struct spec *sp, const char *key);
/* Fails (with a message) if sp has keys outside the NULL-ended list. */
bool spec_check_keys(const struct spec *sp, const char *what,
		     const char *const *keys);

/* Options every source takes: tz=ZONE (the meter's clock zone). */
bool spec_apply_common(const struct spec *sp, struct meter *m);
/* key-file=PATH, auth-key-file=PATH (encrypted meters; source_keys.c). */
struct p1_reader;
bool spec_apply_keys(const struct spec *sp, struct p1_reader *rd,
		     struct meter *m);

/* Constructors: NULL (message logged) if the spec is invalid. */
struct source *emulate_source_new(const char *spec, int index);
struct source *replay_source_new(const char *spec, int index);
struct source *serial_source_new(const char *spec, int index);
struct source *tcp_source_new(const char *spec, int index);

void sources_start_all(void);
void sources_stop_all(void);
bool sources_add(struct source *s);

#endif
