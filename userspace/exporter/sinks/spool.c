// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spool.c - the on-disk telegram queue (see spool.h).
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define SPOOL_DIGITS 20
#define SPOOL_SUFFIX ".tg"
#define SPOOL_TMP    "new.tmp"

static void name_of(uint64_t seq, char *out, size_t n)
{
	snprintf(out, n, "%020" PRIu64 SPOOL_SUFFIX, seq);
}

/* The sequence number of a queue file name, or false. */
static bool parse_name(const char *s, uint64_t *seq)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < SPOOL_DIGITS; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (strcmp(s + i, SPOOL_SUFFIX))
		return false;
	*seq = v;
	return true;
}

/* mkdir -p, for the directory itself and its parents. */
static bool make_dirs(const char *path)
{
	char tmp[256];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return false;
		*p = '/';
	}
	return mkdir(tmp, 0700) == 0 || errno == EEXIST;
}

static int64_t file_size(struct spool *q, uint64_t seq)
{
	char name[32];
	struct stat st;

	name_of(seq, name, sizeof(name));
	if (fstatat(q->dirfd, name, &st, 0) < 0)
		return -1;
	return (int64_t)st.st_size;
}

/* Remove the oldest telegram (sent or dropped). */
static void remove_head(struct spool *q)
{
	char name[32];
	int64_t sz;

	while (q->head < q->tail) {
		uint64_t seq = q->head++;

		sz = file_size(q, seq);
		if (sz < 0)
			continue; /* gone already (removed by hand) */
		name_of(seq, name, sizeof(name));
		unlinkat(q->dirfd, name, 0);
		q->bytes -= (uint64_t)sz <= q->bytes ? (uint64_t)sz : q->bytes;
		if (q->count)
			q->count--;
		break;
	}
	if (q->head == q->tail)
		q->count = q->bytes = 0;
}

bool spool_open(struct spool *q, const char *path, uint64_t max_bytes)
{
	DIR *d;
	struct dirent *de;
	bool any = false;
	uint64_t lo = UINT64_MAX, hi = 0;

	*q = (struct spool){.dirfd = -1, .max_bytes = max_bytes};
	snprintf(q->path, sizeof(q->path), "%s", path);
	if (strlen(path) >= sizeof(q->path) || !make_dirs(path)) {
		log_err("queue directory %s: %m", path);
		return false;
	}
	q->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (q->dirfd < 0) {
		log_err("queue directory %s: %m", path);
		return false;
	}
	d = fdopendir(dup(q->dirfd));
	if (!d) {
		log_err("queue directory %s: %m", path);
		close(q->dirfd);
		q->dirfd = -1;
		return false;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		uint64_t seq;
		struct stat st;

		if (!strcmp(de->d_name, SPOOL_TMP)) {
			unlinkat(q->dirfd, de->d_name, 0);
			continue;
		}
		if (!parse_name(de->d_name, &seq) ||
		    fstatat(q->dirfd, de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		any = true;
		lo = seq < lo ? seq : lo;
		hi = seq > hi ? seq : hi;
		q->count++;
		q->bytes += (uint64_t)st.st_size;
	}
	closedir(d);
	if (any) {
		q->head = lo;
		q->tail = hi + 1;
	}
	while (q->bytes > q->max_bytes && q->count) {
		remove_head(q);
		q->dropped++;
	}
	return true;
}

bool spool_push(struct spool *q, const void *p, size_t n)
{
	char name[32];
	int fd;
	ssize_t w;

	if (n > q->max_bytes) {
		q->dropped++;
		LOG_RL(LOG_WARNING,
		       "queue %s: a %zu-byte telegram is larger "
		       "than the whole queue",
		       q->path, n);
		return false;
	}
	while (q->count && q->bytes + n > q->max_bytes) {
		remove_head(q);
		q->dropped++;
	}
	fd = openat(q->dirfd, SPOOL_TMP,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	if (q->give && geteuid() == 0)
		(void)!fchown(fd, q->owner, q->group);
	w = write(fd, p, n);
	if (w != (ssize_t)n) {
		if (w >= 0)
			errno = ENOSPC;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0)
		goto fail;
	name_of(q->tail, name, sizeof(name));
	if (renameat(q->dirfd, SPOOL_TMP, q->dirfd, name) < 0)
		goto fail;
	q->tail++;
	q->count++;
	q->bytes += n;
	return true;
fail:
	q->write_errors++;
	q->dropped++;
	LOG_RL(LOG_ERR, "queue %s: cannot write a telegram: %m", q->path);
	unlinkat(q->dirfd, SPOOL_TMP, 0);
	return false;
}

ssize_t spool_peek(struct spool *q, void *buf, size_t cap, uint64_t *seq)
{
	char name[32];

	while (q->head < q->tail) {
		int fd;
		ssize_t r;

		name_of(q->head, name, sizeof(name));
		fd = openat(q->dirfd, name, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			q->head++; /* removed by hand: skip it */
			continue;
		}
		if (fd < 0) {
			LOG_RL(LOG_ERR, "queue %s/%s: %m", q->path, name);
			remove_head(q);
			q->dropped++;
			return -1;
		}
		r = read(fd, buf, cap);
		close(fd);
		if (r <= 0 || (size_t)r == cap) {
			LOG_RL(LOG_ERR, "queue %s/%s: unreadable or too large",
			       q->path, name);
			remove_head(q);
			q->dropped++;
			return -1;
		}
		*seq = q->head;
		return r;
	}
	q->count = q->bytes = 0;
	return 0;
}

void spool_pop(struct spool *q, uint64_t seq)
{
	if (q->head == seq && q->head < q->tail)
		remove_head(q);
}

void spool_close(struct spool *q)
{
	if (q->dirfd >= 0)
		close(q->dirfd);
	q->dirfd = -1;
}
