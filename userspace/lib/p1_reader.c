// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_reader.c - the reader object (p1/reader.h): source strings and
 * options, delivery of telegrams to the callbacks, retry backoff, and the
 * event-loop calls.  Each source kind lives in its own p1_rd_*.c.
 *
 * Delivery allocates nothing: the framer's buffer, the read buffer and
 * (with a reading callback) the parse result are allocated by
 * p1_reader_start() and reused.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "p1_reader_int.h"

#define BACKOFF_MIN 1.0

#define SAME(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME(P1_READER_OK, P1_FR_OK) &&
		       SAME(P1_READER_NO_CRC, P1_FR_NO_CRC) &&
		       SAME(P1_READER_UNCHECKED, P1_FR_UNCHECKED) &&
		       SAME(P1_READER_CRC_ERROR, P1_FR_CRC_ERROR) &&
		       SAME(P1_READER_CRC_MISSING, P1_FR_CRC_MISSING) &&
		       SAME(P1_READER_LINE_ERROR, P1_FR_LINE_ERROR),
	       "reader statuses are the framer's");

uint64_t p1i_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t p1i_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void set_err(struct p1_reader *r, const char *fmt, va_list ap)
{
	vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
}

static int opt_fail(struct p1_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int opt_fail(struct p1_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_err(r, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void p1i_rd_error(struct p1_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_err(r, fmt, ap);
	va_end(ap);
	if (r->cb.error)
		r->cb.error(r, r->user, err, r->errmsg);
}

void p1i_rd_set_fd(struct p1_reader *r, int fd, short events)
{
	r->fd = fd;
	r->events = fd >= 0 ? events : 0;
}

void p1i_rd_arm(struct p1_reader *r, uint64_t ns)
{
	r->deadline = p1i_mono_ns() + ns;
	if (!r->deadline)
		r->deadline = 1;
}

void p1i_rd_disarm(struct p1_reader *r)
{
	r->deadline = 0;
}

void p1i_rd_sync_counters(struct p1_reader *r)
{
	const struct p1_framer_stats *s = &r->fr.st;

	if (r->kind == P1_READER_KERNEL)
		return;
	r->c.telegrams = s->telegrams;
	r->c.crc_errors = s->crc_errors;
	r->c.crc_missing = s->crc_missing;
	r->c.line_errors = s->line_errors;
	r->c.truncated = s->truncated;
	r->c.oversize = s->oversize;
	r->c.recovered = s->recovered;
	r->c.rx_bytes = s->rx_bytes;
	r->c.garbage_bytes = s->garbage_bytes;
	r->c.parity_errors = s->parity_errors;
	r->c.frame_errors = s->frame_errors;
	r->c.uart_overruns = s->overruns;
	r->c.breaks = s->breaks;
	/* telegrams decrypted from DLMS frames: their own framer */
	s = &r->pfr.st;
	r->c.telegrams += s->telegrams;
	r->c.crc_errors += s->crc_errors;
	r->c.crc_missing += s->crc_missing;
	r->c.truncated += s->truncated;
	r->c.oversize += s->oversize;
}

void p1i_rd_connected(struct p1_reader *r, const char *detail)
{
	r->open = true;
	r->c.connects++;
	if (r->cb.connected)
		r->cb.connected(r, r->user, detail ? detail : "");
}

static void retry_later(struct p1_reader *r)
{
	if (r->backoff < BACKOFF_MIN)
		r->backoff = BACKOFF_MIN;
	p1i_rd_arm(r, (uint64_t)(r->backoff * 1e9));
	r->backoff *= 2;
	if (r->backoff > r->backoff_max)
		r->backoff = r->backoff_max;
}

static void close_source(struct p1_reader *r)
{
	if (r->ops->close)
		r->ops->close(r);
	if (r->fd >= 0)
		close(r->fd);
	p1i_rd_set_fd(r, -1, 0);
}

void p1i_rd_lost(struct p1_reader *r, int err, const char *why)
{
	bool was_open = r->open;
	bool final = !r->reopen || r->stopping;

	close_source(r);
	p1i_rd_disarm(r);
	if (r->frbuf)
		p1_framer_reset(&r->fr);
	p1i_rd_sync_counters(r);
	r->open = false;
	if (was_open)
		r->c.disconnects++;
	if (was_open || final) {
		snprintf(r->errmsg, sizeof(r->errmsg), "%s", why);
		if (r->cb.closed)
			r->cb.closed(r, r->user, final, err, why);
	} else {
		p1i_rd_error(r, err, "%s", why); /* not open: retried */
	}
	if (final) {
		r->ended = true;
		return;
	}
	retry_later(r);
}

void p1i_rd_end(struct p1_reader *r, const char *why)
{
	bool was_open = r->open;

	close_source(r);
	p1i_rd_disarm(r);
	p1i_rd_sync_counters(r);
	r->open = false;
	r->ended = true;
	if (was_open)
		r->c.disconnects++;
	if (r->cb.closed)
		r->cb.closed(r, r->user, 1, 0, why);
}

void p1i_rd_deliver(struct p1_reader *r, const uint8_t *data,
		    const struct p1_reader_meta *meta)
{
	if (r->cb.telegram)
		r->cb.telegram(r, r->user, data, meta);
	if (!r->cb.reading || !P1_READER_STATUS_GOOD(meta->status) ||
	    r->stopping)
		return;
	/* r->tg is the reader's own, handed out read-only, parsed with one
	 * zone: each telegram takes over the lines it shares with the last */
	struct p1_parse_opts o = {
		.zone = r->zone,
		.flags = P1_PARSE_CRC_GIVEN | P1_PARSE_REUSE,
		.crc = !meta->has_crc			     ? P1_CRC_NONE
		       : meta->status == P1_READER_UNCHECKED ? P1_CRC_BAD
							     : P1_CRC_OK,
	};
	if (p1_parse(data, meta->len, r->tg, &o) < 0 ||
	    (r->tg->anomalies & (P1_ANOM_NO_HEADER | P1_ANOM_NO_END))) {
		r->c.parse_errors++;
		p1i_rd_error(r, -EBADMSG,
			     "%u-byte telegram not understood "
			     "(anomalies 0x%x)",
			     (unsigned)meta->len, r->tg->anomalies);
		return;
	}
	r->cb.reading(r, r->user, r->tg, meta);
}

void p1i_rd_frame(struct p1_reader *r, const struct p1_frame *f)
{
	if (f->type == P1_FRAME_DLMS) {
		p1i_rd_dlms_frame(r, f);
		p1i_rd_sync_counters(r);
		return;
	}
	struct p1_reader_meta m = {
		.seq = ++r->seq,
		.realtime_first_ns =
			f->start_stamp ? f->start_stamp : f->end_stamp,
		.realtime_last_ns = f->end_stamp,
		.len = f->len,
		.status = f->status,
		.crc_rx = f->crc_rx,
		.crc_calc = f->crc_calc,
		.has_crc = f->has_crc,
		.encrypted = r->dlms_plain,
		.frame_counter = r->dlms_plain ? r->dlms_counter : 0,
	};

	if (r->dlms_plain)
		memcpy(m.system_title, r->dlms_title, sizeof(m.system_title));

	p1i_rd_sync_counters(r);
	if (P1_READER_STATUS_GOOD(f->status))
		r->backoff = 0;
	p1i_rd_deliver(r, f->data, &m);
}

void p1i_rd_feed(struct p1_reader *r, const uint8_t *p, const uint8_t *flags,
		 size_t n, uint64_t realtime_ns)
{
	struct p1_frame f;

	/* pending: a rejected frame's bytes (p1i_rd_dlms_frame()) */
	while ((n || p1_framer_pending(&r->fr)) && !r->stopping) {
		size_t used =
			p1_framer_push(&r->fr, p, flags, n, realtime_ns, &f);

		p += used;
		if (flags)
			flags += used;
		n -= used;
		if (f.len)
			p1i_rd_frame(r, &f);
		else if (!used)
			break; /* cannot happen; never spin */
	}
	p1i_rd_sync_counters(r);
}

int p1i_opt_double(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	if (!v || !*v)
		return -EINVAL;
	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || !(d >= lo && d <= hi))
		return -EINVAL;
	*out = d;
	return 0;
}

int p1i_opt_bool(const char *v, bool *out)
{
	if (!v || !*v || !strcmp(v, "yes") || !strcmp(v, "1") ||
	    !strcmp(v, "true") || !strcmp(v, "on")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "no") || !strcmp(v, "0") || !strcmp(v, "false") ||
	    !strcmp(v, "off")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

int p1_reader_set_option(struct p1_reader *r, const char *key,
			 const char *value)
{
	double d;
	int ret;

	if (!r || !key)
		return -EINVAL;
	if (r->started)
		return -EBUSY;
	if (!value)
		value = "";
	if (!strcmp(key, "max-size")) {
		if (p1i_opt_double(value, 16, P1_MAX_TELEGRAM, &d))
			return opt_fail(r, "max-size: 16 to %d bytes, not '%s'",
					P1_MAX_TELEGRAM, value);
		r->max_size = (uint32_t)d;
		return 0;
	}
	if (!strcmp(key, "crc")) {
		if (!strcmp(value, "auto"))
			r->crc_mode = P1_FR_CRC_AUTO;
		else if (!strcmp(value, "require"))
			r->crc_mode = P1_FR_CRC_REQUIRE;
		else if (!strcmp(value, "ignore"))
			r->crc_mode = P1_FR_CRC_IGNORE;
		else
			return opt_fail(r,
					"crc: auto, require or ignore, "
					"not '%s'",
					value);
		return 0;
	}
	if (!strcmp(key, "zone") || !strcmp(key, "tz")) {
		int z = p1_zone_from_name(value);

		if (z < 0)
			return opt_fail(r,
					"unknown time zone \"%s\" "
					"(Europe/Amsterdam and the other CET "
					"zones, Europe/Dublin, UTC)",
					value);
		r->zone = (uint32_t)z;
		return 0;
	}
	if (!strcmp(key, "all"))
		return p1i_opt_bool(value, &r->all)
			       ? opt_fail(r, "all: yes or no, not '%s'", value)
			       : 0;
	if (!strcmp(key, "reopen"))
		return p1i_opt_bool(value, &r->reopen)
			       ? opt_fail(r, "reopen: yes or no, not '%s'",
					  value)
			       : 0;
	if (!strcmp(key, "backoff-max")) {
		if (p1i_opt_double(value, 1, 86400, &r->backoff_max))
			return opt_fail(r,
					"backoff-max: 1 to 86400 s, not "
					"'%s'",
					value);
		return 0;
	}
	ret = p1i_rd_dlms_option(r, key, value);
	if (ret == -ENOMEM)
		return ret;
	if (ret != -ENOENT)
		return ret ? opt_fail(r, "%s: not a key (32 hex digits)%s%s",
				      key, ret == -EINVAL ? "" : ": ",
				      ret == -EINVAL ? "" : strerror(-ret))
			   : 0;
	ret = r->ops->option ? r->ops->option(r, key, value) : -ENOENT;
	if (ret == -ENOENT)
		return opt_fail(r, "%s: unknown option \"%s\"",
				p1_reader_kind_name(r->kind), key);
	if (ret < 0)
		return opt_fail(r, "%s: bad %s \"%s\"",
				p1_reader_kind_name(r->kind), key, value);
	return 0;
}

static bool p1_dev_name(const char *path)
{
	const char *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	if (strncmp(b, "p1-", 3) || !b[3])
		return false;
	for (b += 3; *b; b++)
		if (*b < '0' || *b > '9')
			return false;
	return true;
}

static bool has_prefix(const char *s, const char *p, const char **rest)
{
	size_t n = strlen(p);

	if (strncmp(s, p, n))
		return false;
	*rest = s + n;
	return true;
}

/* Pick the kind from the main part of the source string. */
static int pick_kind(struct p1_reader *r, const char *main)
{
	const char *rest;
	struct stat st;

	if (has_prefix(main, "tcp:", &rest)) {
		r->kind = P1_READER_TCP;
	} else if (!strcmp(main, "emulator") || !strcmp(main, "emulate") ||
		   has_prefix(main, "emulator:", &rest) ||
		   has_prefix(main, "emulate:", &rest)) {
		r->kind = P1_READER_EMULATOR;
	} else if (has_prefix(main, "file:", &rest) ||
		   has_prefix(main, "replay:", &rest)) {
		r->kind = P1_READER_FILE;
		main = rest;
	} else if (has_prefix(main, "serial:", &rest)) {
		r->kind = P1_READER_SERIAL;
		main = rest;
	} else if (has_prefix(main, "kernel:", &rest)) {
		r->kind = P1_READER_KERNEL;
		main = rest;
	} else if (!strcmp(main, "-")) {
		r->kind = P1_READER_FILE;
	} else if (p1_dev_name(main)) {
		r->kind = P1_READER_KERNEL;
	} else if (!stat(main, &st) &&
		   (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
		r->kind = P1_READER_FILE;
	} else {
		r->kind = P1_READER_SERIAL;
	}
	if (!*main)
		return opt_fail(r, "empty source");
	if (strlen(main) >= sizeof(r->source))
		return opt_fail(r, "source too long");
	memcpy(r->source, main, strlen(main) + 1); /* length checked */
	switch (r->kind) {
	case P1_READER_KERNEL:
		r->ops = &p1i_rd_kernel_ops;
		break;
	case P1_READER_SERIAL:
		r->ops = &p1i_rd_serial_ops;
		break;
	case P1_READER_TCP:
		r->ops = &p1i_rd_tcp_ops;
		break;
	case P1_READER_FILE:
		r->ops = &p1i_rd_file_ops;
		r->reopen = false;
		break;
	case P1_READER_EMULATOR:
		r->ops = &p1i_rd_emu_ops;
		break;
	}
	return r->ops->prepare ? r->ops->prepare(r) : 0;
}

/* "MAIN[,KEY[=VALUE]]..." */
static int parse_source(struct p1_reader *r, const char *text)
{
	char buf[1024], *opts, *tok, *save = NULL;
	int ret;

	if (strlen(text) >= sizeof(buf))
		return opt_fail(r, "source string too long");
	snprintf(buf, sizeof(buf), "%s", text);
	opts = strchr(buf, ',');
	if (opts)
		*opts++ = '\0';
	ret = pick_kind(r, buf);
	if (ret < 0)
		return ret;
	for (tok = opts ? strtok_r(opts, ",", &save) : NULL; tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (eq)
			*eq++ = '\0';
		ret = p1_reader_set_option(r, tok, eq ? eq : "");
		if (ret < 0)
			return ret;
	}
	return 0;
}

struct p1_reader *p1_reader_new(const char *source,
				const struct p1_reader_callbacks *cb,
				void *user, char *err, size_t errsize)
{
	struct p1_reader *r;

	if (err && errsize)
		err[0] = '\0';
	if (!source) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	if (cb)
		r->cb = *cb;
	r->user = user;
	r->fd = -1;
	r->max_size = P1_MAX_TELEGRAM;
	r->crc_mode = P1_FR_CRC_AUTO;
	r->reopen = true;
	r->backoff_max = 30;
	r->u.file.stdin_flags = -1;
	if (parse_source(r, source) < 0) {
		if (err && errsize)
			snprintf(err, errsize, "%s", r->errmsg);
		free(r);
		errno = EINVAL;
		return NULL;
	}
	return r;
}

const char *p1_reader_errmsg(const struct p1_reader *r)
{
	return r ? r->errmsg : "no reader";
}

int p1_reader_start(struct p1_reader *r)
{
	if (!r)
		return -EINVAL;
	if (r->started)
		return -EBUSY;
	r->frbuf = malloc(r->max_size);
	r->in_cap = r->kind == P1_READER_FILE	  ? 65536
		    : r->kind == P1_READER_KERNEL ? P1_MAX_TELEGRAM + 1
						  : P1I_READ_SIZE;
	r->in = malloc(r->in_cap);
	if (r->cb.reading)
		/* all zero: a valid start for P1_PARSE_REUSE */
		r->tg = calloc(1, sizeof(*r->tg));
	if (!r->frbuf || !r->in || (r->cb.reading && !r->tg)) {
		free(r->frbuf);
		free(r->in);
		free(r->tg);
		r->frbuf = r->in = NULL;
		r->tg = NULL;
		return -ENOMEM;
	}
	p1_framer_init(&r->fr, r->frbuf, r->max_size);
	p1_framer_set_max(&r->fr, r->max_size);
	p1_framer_set_crc_mode(&r->fr, r->crc_mode);
	if (p1i_rd_dlms_start(r))
		return -ENOMEM;
	if (r->kind == P1_READER_SERIAL) {
		r->u.ser.flags = malloc(2 * (P1I_READ_SIZE + 2));
		if (!r->u.ser.flags)
			return -ENOMEM;
		r->u.ser.data = r->u.ser.flags + P1I_READ_SIZE + 2;
	}
	r->started = true;
	r->ops->open(r);
	return 0;
}

void p1_reader_stop(struct p1_reader *r)
{
	if (!r || !r->started || r->ended)
		return;
	r->stopping = true;
	p1i_rd_disarm(r);
	close_source(r);
	p1i_rd_sync_counters(r);
	r->ended = true;
	if (r->open) {
		r->open = false;
		r->c.disconnects++;
	}
	if (r->cb.closed)
		r->cb.closed(r, r->user, 1, 0, "stopped");
}

void p1_reader_free(struct p1_reader *r)
{
	if (!r)
		return;
	if (r->started && !r->ended) {
		r->cb = (struct p1_reader_callbacks){0};
		p1_reader_stop(r);
	} else if (r->started) {
		close_source(r);
	}
	free(r->frbuf);
	free(r->in);
	free(r->tg);
	p1i_rd_dlms_free(r);
	if (r->kind == P1_READER_SERIAL)
		free(r->u.ser.flags);
	free(r);
}

int p1_reader_fd(const struct p1_reader *r, short *events)
{
	if (events)
		*events = r && !r->ended ? r->events : 0;
	return r && !r->ended ? r->fd : -1;
}

int p1_reader_timeout(const struct p1_reader *r)
{
	uint64_t now, left;

	if (!r || r->ended || !r->deadline)
		return -1;
	now = p1i_mono_ns();
	if (r->deadline <= now)
		return 0;
	left = (r->deadline - now + 999999) / 1000000;
	return left > 86400000 ? 86400000 : (int)left;
}

int p1_reader_process(struct p1_reader *r, short revents)
{
	if (!r || !r->started)
		return 0;
	if (!r->ended && r->fd >= 0 && revents)
		r->ops->io(r, revents);
	if (!r->ended && r->deadline && p1i_mono_ns() >= r->deadline) {
		r->deadline = 0;
		r->ops->timer(r);
	}
	p1i_rd_sync_counters(r);
	return r->ended ? 1 : 0;
}

int p1_reader_run(struct p1_reader *r)
{
	int ret;

	if (!r)
		return -EINVAL;
	if (!r->started) {
		ret = p1_reader_start(r);
		if (ret < 0)
			return ret;
	}
	while (!r->ended) {
		struct pollfd pfd = {.fd = -1};
		int n;

		pfd.fd = p1_reader_fd(r, &pfd.events);
		n = poll(&pfd, 1, p1_reader_timeout(r));
		if (n < 0 && errno == EINTR)
			return -EINTR;
		if (n < 0)
			return -errno;
		p1_reader_process(r, n > 0 ? pfd.revents : 0);
	}
	return 0;
}

enum p1_reader_kind p1_reader_kind(const struct p1_reader *r)
{
	return r->kind;
}

const char *p1_reader_source(const struct p1_reader *r)
{
	return r->source;
}

const char *p1_reader_kind_name(enum p1_reader_kind kind)
{
	switch (kind) {
	case P1_READER_KERNEL:
		return "kernel";
	case P1_READER_SERIAL:
		return "serial";
	case P1_READER_TCP:
		return "tcp";
	case P1_READER_FILE:
		return "file";
	case P1_READER_EMULATOR:
		return "emulator";
	}
	return "?";
}

const char *p1_reader_status_name(uint32_t status)
{
	static const char *const names[] = {
		"ok",	       "no-crc",     "unchecked", "crc-error",
		"crc-missing", "line-error", "encrypted",
	};

	return status < sizeof(names) / sizeof(names[0]) ? names[status]
							 : "unknown";
}

const struct p1_reader_counters *
p1_reader_get_counters(const struct p1_reader *r)
{
	return &r->c;
}
