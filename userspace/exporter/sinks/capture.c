// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * capture.c - capture files (--capture.dir): every telegram each meter
 * receives, byte-exact as the line delivered it (before any redaction), so
 * a bug report carries what the meter really sent and --replay plays it
 * back unchanged.
 *
 * Per meter, good telegrams go to DIR/METER-YYYYMMDDThhmmssZ.p1, nothing
 * but the telegrams one after the other: the file --replay reads.
 * Damaged ones (CRC wrong or missing, line errors) go to the .bad file of
 * the same name, each after one marker line
 *     # p1-exporter capture: crc_error 2026-12-04T21:00:00.123Z 1234 bytes
 * which holds no '/' and so is skipped by the framer: --replay on a .bad
 * file counts each telegram again under its verdict.
 *
 * A new pair of files starts past --capture.max-file-bytes and at each UTC
 * midnight; then the oldest files in DIR (by modification time; only ours,
 * by name) are deleted until the total is within --capture.max-total-bytes.
 * Telegrams are appended with one write() each; a file that cannot be
 * written is closed, counted and reopened with the next telegram.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "meter.h"
#include "options.h"
#include "p1gmtime.h"
#include "privdrop.h"
#include "sbuf.h"
#include "sink.h"

#define CAP_PRUNE_MAX 4096

struct cap_meter {
	struct meter *m;
	char stem[METER_NAME_MAX + 40]; /* METER-YYYYMMDDThhmmssZ[-N] */
	int fd[2];			/* .p1, .bad; -1 while closed */
	uint64_t size[2];
	int64_t day; /* UTC day number the files started on */
	bool open;
};

static struct {
	int dirfd;
	const char *dir;
	struct cap_meter cm[METER_MAX];
	uint64_t telegrams[2], bytes, errors, deleted;
} cap = {.dirfd = -1};

static const char *const ext[2] = {".p1", ".bad"};

static const char *status_name(uint32_t st)
{
	switch (st) {
	case P1_FR_OK:
		return "ok";
	case P1_FR_NO_CRC:
		return "no_crc";
	case P1_FR_UNCHECKED:
		return "crc_error_accepted";
	case P1_FR_CRC_ERROR:
		return "crc_error";
	case P1_FR_CRC_MISSING:
		return "crc_missing";
	case P1_FR_LINE_ERROR:
		return "line_error";
	}
	return "unknown";
}

/* Ours: NAME-YYYYMMDDThhmmssZ[-N].p1 or .bad */
static bool our_file(const char *n)
{
	const char *dot = strrchr(n, '.'), *z;

	if (!dot || (strcmp(dot, ".p1") && strcmp(dot, ".bad")))
		return false;
	z = strstr(n, "Z");
	for (const char *p = n; (p = strchr(p, '-')); p++) {
		const char *t = p + 1;
		int i;

		for (i = 0; i < 8 && t[i] >= '0' && t[i] <= '9'; i++)
			;
		if (i == 8 && t[8] == 'T') {
			z = t + 15;
			return z < dot && *z == 'Z';
		}
	}
	return false;
}

static bool is_open(const char *n)
{
	for (int i = 0; i < nmeters; i++) {
		const struct cap_meter *c = &cap.cm[i];
		size_t k = strlen(c->stem);

		if (c->open && !strncmp(n, c->stem, k) &&
		    (!strcmp(n + k, ext[0]) || !strcmp(n + k, ext[1])))
			return true;
	}
	return false;
}

/* Delete the oldest closed files until the total is within the bound. */
static void prune(void)
{
	static struct {
		char name[METER_NAME_MAX + 48];
		int64_t mtime;
		uint64_t size;
	} f[CAP_PRUNE_MAX];
	int n = 0, fd = dup(cap.dirfd);
	uint64_t total = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d); /* the dup shares its offset with cap.dirfd */
	while ((de = readdir(d))) {
		struct stat st;

		if (!our_file(de->d_name) ||
		    fstatat(cap.dirfd, de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		total += (uint64_t)st.st_size;
		if (is_open(de->d_name) || n == CAP_PRUNE_MAX ||
		    strlen(de->d_name) >= sizeof(f[0].name))
			continue;
		/* Length checked above (snprintf here fails -O0 builds:
		 * -Werror=format-truncation cannot see the check). */
		memcpy(f[n].name, de->d_name, strlen(de->d_name) + 1);
		f[n].mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 +
			     st.st_mtim.tv_nsec;
		f[n].size = (uint64_t)st.st_size;
		n++;
	}
	closedir(d);
	while (total > (uint64_t)cfg.cap_total_bytes && n > 0) {
		int old = 0;

		for (int i = 1; i < n; i++)
			if (f[i].mtime < f[old].mtime)
				old = i;
		if (unlinkat(cap.dirfd, f[old].name, 0) == 0) {
			total -= f[old].size;
			cap.deleted++;
			log_info("capture: deleted %s/%s (total over %" PRId64
				 " bytes)",
				 cap.dir, f[old].name, cfg.cap_total_bytes);
		}
		f[old] = f[--n];
	}
}

static void close_files(struct cap_meter *c)
{
	for (int k = 0; k < 2; k++) {
		if (c->fd[k] >= 0)
			close(c->fd[k]);
		c->fd[k] = -1;
		c->size[k] = 0;
	}
	c->open = false;
}

/* Name a new pair of files (opened when first written). */
static void start_files(struct cap_meter *c, uint64_t now_ns)
{
	int64_t t = (int64_t)(now_ns / 1000000000u);
	struct tm tm;
	char ts[24], name[sizeof(c->stem) + 8];

	close_files(c);
	p1_gmtime(t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(c->stem, sizeof(c->stem), "%s-%s", c->m->name, ts);
	for (int i = 1; i < 100; i++) {
		snprintf(name, sizeof(name), "%s%s", c->stem, ext[0]);
		if (faccessat(cap.dirfd, name, F_OK, 0) < 0)
			break;
		snprintf(c->stem, sizeof(c->stem), "%s-%s-%d", c->m->name, ts,
			 i);
	}
	c->day = t / 86400;
	c->open = true;
	prune();
}

static struct cap_meter *find(struct meter *m)
{
	struct cap_meter *c = &cap.cm[m->index];

	if (!c->m) {
		c->m = m;
		c->fd[0] = c->fd[1] = -1;
	}
	return c;
}

static void cap_telegram(struct meter *m, const uint8_t *data, size_t len,
			 uint32_t status, uint64_t rx_ns)
{
	struct cap_meter *c = find(m);
	uint64_t now = rx_ns ? rx_ns : ev_realtime_ns();
	int k = status == P1_FR_OK || status == P1_FR_NO_CRC ? 0 : 1;
	char mark[128], ts[32];
	struct iovec iov[3];
	int niov = 0;
	size_t want = 0;
	ssize_t w;

	if (!c)
		return;
	if (!c->open || (int64_t)(now / 1000000000u) / 86400 != c->day ||
	    c->size[k] + len > (uint64_t)cfg.cap_file_bytes)
		start_files(c, now);
	if (c->fd[k] < 0) {
		char name[sizeof(c->stem) + 8];

		snprintf(name, sizeof(name), "%s%s", c->stem, ext[k]);
		c->fd[k] =
			openat(cap.dirfd, name,
			       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (c->fd[k] < 0) {
			cap.errors++;
			LOG_RL(LOG_ERR, "capture: %s/%s: %m", cap.dir, name);
			return;
		}
	}
	if (k) {
		struct tm tm;

		p1_gmtime((int64_t)(now / 1000000000u), &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		iov[niov].iov_base = mark;
		iov[niov].iov_len = (size_t)snprintf(
			mark, sizeof(mark),
			"# p1-exporter capture: %s %s.%03uZ %zu bytes\n",
			status_name(status), ts,
			(unsigned)(now / 1000000u % 1000u), len);
		want += iov[niov++].iov_len;
	}
	iov[niov].iov_base = (void *)data;
	iov[niov].iov_len = len;
	want += iov[niov++].iov_len;
	if (k) {
		iov[niov].iov_base = "\n";
		iov[niov].iov_len = 1;
		want += iov[niov++].iov_len;
	}
	w = writev(c->fd[k], iov, niov);
	if (w != (ssize_t)want) {
		cap.errors++;
		LOG_RL(LOG_ERR, "capture: %s/%s%s: %s", cap.dir, c->stem,
		       ext[k], w < 0 ? strerror(errno) : "short write");
		close(c->fd[k]);
		c->fd[k] = -1;
		return;
	}
	c->size[k] += want;
	cap.telegrams[k]++;
	cap.bytes += want;
}

static void cap_stop(void)
{
	for (int i = 0; i < nmeters; i++)
		if (cap.cm[i].m)
			close_files(&cap.cm[i]);
}

static void cap_metrics(struct sbuf *sb)
{
	sb_printf(sb,
		  "# HELP p1_capture_telegrams_total Telegrams written to "
		  "capture files, good (.p1) or damaged (.bad).\n"
		  "# TYPE p1_capture_telegrams_total counter\n"
		  "p1_capture_telegrams_total{kind=\"good\"} %" PRIu64 "\n"
		  "p1_capture_telegrams_total{kind=\"damaged\"} %" PRIu64 "\n"
		  "# HELP p1_capture_bytes_total Bytes written to capture "
		  "files.\n"
		  "# TYPE p1_capture_bytes_total counter\n"
		  "p1_capture_bytes_total %" PRIu64 "\n"
		  "# HELP p1_capture_write_errors_total Capture writes that "
		  "failed (telegram not captured).\n"
		  "# TYPE p1_capture_write_errors_total counter\n"
		  "p1_capture_write_errors_total %" PRIu64 "\n"
		  "# HELP p1_capture_files_deleted_total Old capture files "
		  "deleted to stay within capture.max-total-bytes.\n"
		  "# TYPE p1_capture_files_deleted_total counter\n"
		  "p1_capture_files_deleted_total %" PRIu64 "\n",
		  cap.telegrams[0], cap.telegrams[1], cap.bytes, cap.errors,
		  cap.deleted);
}

static const struct sink_ops cap_ops = {
	.name = "capture",
	.telegram = cap_telegram,
	.stop = cap_stop,
	.metrics = cap_metrics,
};

bool capture_setup(void)
{
	bool created;

	if (!cfg.cap_dir || !*cfg.cap_dir)
		return true;
	cap.dir = cfg.cap_dir;
	created = mkdir(cap.dir, 0700) == 0;
	if (!created && errno != EEXIST) {
		log_err("capture: %s: %m", cap.dir);
		return false;
	}
	cap.dirfd = open(cap.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cap.dirfd < 0) {
		log_err("capture: %s: %m", cap.dir);
		return false;
	}
	/* A directory we made goes to --user; an existing one is the
	 * user's to set up. */
	if (created && !privdrop_give_dir(cfg.user, cap.dirfd, cap.dir, false))
		return false;
	prune();
	log_info("capture: every telegram to %s (personal data: the files "
		 "hold equipment ids)",
		 cap.dir);
	return sink_register(&cap_ops) == 0;
}
