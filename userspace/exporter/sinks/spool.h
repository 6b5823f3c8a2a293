/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spool.h - a bounded first-in first-out queue of telegrams on disk.
 *
 * One file per telegram in a directory, named by a 20-digit sequence
 * number ("00000000000000000042.tg"), holding the telegram's bytes and
 * nothing else.  A new file is written under a temporary name and renamed,
 * so a crash leaves whole telegrams only; the queue found in the directory
 * at start-up continues where it was.  The total size of the files is
 * bounded: adding a telegram that would pass the bound deletes the oldest
 * ones first (counted as dropped).
 *
 * The directory is opened once (before privileges are dropped) and used
 * through openat()/unlinkat() from then on.  Nothing here allocates after
 * spool_open().
 */
#ifndef P1X_SPOOL_H
#define P1X_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct spool {
	int dirfd;
	char path[256];
	uint64_t head, tail; /* files head .. tail-1 may exist */
	uint64_t count;	     /* telegrams in the queue */
	uint64_t bytes;	     /* their total size */
	uint64_t max_bytes;
	uint64_t dropped; /* deleted unsent to make room, or too large */
	uint64_t write_errors;
	bool give; /* files written while root go to owner:group */
	uid_t owner;
	gid_t group;
};

/* Create the directory if needed, take in what it holds; false (logged)
 * on failure. */
bool spool_open(struct spool *q, const char *path, uint64_t max_bytes);
/* Append a telegram; false (logged, rate-limited) if it could not be
 * written.  Makes room by dropping the oldest first. */
bool spool_push(struct spool *q, const void *p, size_t n);
/* Copy the oldest telegram into buf; its length, 0 if the queue is empty,
 * -1 if it could not be read (it is then dropped). *seq is its number. */
ssize_t spool_peek(struct spool *q, void *buf, size_t cap, uint64_t *seq);
/* Delete telegram seq if it is still the oldest (it was delivered). */
void spool_pop(struct spool *q, uint64_t seq);
void spool_close(struct spool *q);

#endif
