/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdglue.h - a libp1 reader (p1/reader.h) in the exporter's event loop.
 *
 * The glue keeps the loop's registration in step with the reader: after
 * starting it and after every p1_reader_process() it asks the reader for
 * its descriptor (which changes on reconnects) and its next timeout, and
 * registers them (ev_fd_add/ev_fd_del, one ev_timer).  Readiness and the
 * timer call p1_reader_process(); then @after (may be NULL) runs, e.g. to
 * free a reader that has ended.
 */
#ifndef P1X_RDGLUE_H
#define P1X_RDGLUE_H

#include <p1/reader.h>
#include <stdbool.h>

#include "evloop.h"

struct rdglue {
	struct p1_reader *rd;
	int fd;	      /* registered fd, -1: none */
	short events; /* ... and its events */
	int evh;      /* event loop handle, -1: none */
	struct ev_timer timer;
	void (*after)(void *arg);
	void *arg;
};

void rdglue_init(struct rdglue *g, struct p1_reader *rd,
		 void (*after)(void *arg), void *arg);
/* p1_reader_start() and registration; false if the reader cannot start. */
bool rdglue_start(struct rdglue *g);
/* Register what the reader waits for now (after calls into it). */
void rdglue_sync(struct rdglue *g);
/* Unregister (the reader is stopped or freed by the caller). */
void rdglue_detach(struct rdglue *g);

#endif
