// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dsmrreader.c - push telegrams to DSMR-reader's remote datalogger API:
 * POST /api/v1/datalogger/dsmrreading, header "Authorization: Token KEY",
 * form field "telegram" holding the telegram byte-exact as the line
 * delivered it (its CRC still verifies), answer 201.
 *
 * Delivery is in order and at least once.  Every telegram pushed goes
 * into the on-disk queue first (spool.c) and leaves it only when
 * DSMR-reader answered 2xx, so neither an unreachable DSMR-reader nor an
 * exporter restart loses one; the queue is bounded in bytes (oldest
 * dropped and counted).  One request is in flight at a time, through
 * libcurl's multi interface in the event loop (curl_loop.c), on one easy
 * handle that keeps its connection.
 *
 * Answers: 2xx delivered; unreachable, timeouts, 408, 429 and 5xx retried
 * with backoff (1 s doubling to 60 s); 401, 403 and 404 are configuration
 * errors: one clear message, pushing stops (telegrams keep queueing) until
 * the exporter is restarted; any other 4xx means DSMR-reader refuses this
 * telegram: it is dropped and counted so it cannot block the queue.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "curl_loop.h"
#include "evloop.h"
#include "log.h"
#include "meter.h"
#include "options.h"
#include "privdrop.h"
#include "sbuf.h"
#include "sink.h"
#include "spool.h"

#define DR_API_PATH    "/api/v1/datalogger/dsmrreading"
#define DR_KEY_MAX     512
#define DR_BACKOFF_MIN 1.0
#define DR_BACKOFF_MAX 60.0
#define DR_RESP_MAX    200

static struct {
	struct sink_pick pick;
	struct spool q;
	CURL *easy;
	struct curl_slist *hdrs;
	char url[1024];
	uint8_t *tg; /* the telegram in flight */
	size_t tg_cap;
	size_t tg_len;
	uint64_t tg_seq;
	char *body; /* "telegram=" + percent-encoded telegram */
	size_t body_cap;
	bool busy, blocked, down;
	double backoff;
	struct ev_timer retry;
	uint64_t last_accept; /* CLOCK_MONOTONIC ns, for --interval */
	char errbuf[CURL_ERROR_SIZE];
	char resp[DR_RESP_MAX + 1];
	size_t resp_len;
	uint64_t pushed, queued, failures, rejected;
	uint64_t down_since; /* CLOCK_MONOTONIC ns of the first failure */
} dr;

static void kick(void);

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	size_t len = size * n, room = DR_RESP_MAX - dr.resp_len;

	(void)arg;
	if (room) {
		size_t k = len < room ? len : room;

		memcpy(dr.resp + dr.resp_len, p, k);
		dr.resp_len += k;
		dr.resp[dr.resp_len] = '\0';
	}
	return len; /* the rest is read and thrown away */
}

/* The start of DSMR-reader's answer, printable, for error messages. */
static const char *resp_text(void)
{
	for (size_t i = 0; i < dr.resp_len; i++)
		if (!isprint((unsigned char)dr.resp[i]))
			dr.resp[i] = ' ';
	return dr.resp;
}

static void encode_body(const uint8_t *p, size_t n, size_t *out_len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = dr.body;

	memcpy(o, "telegram=", 9);
	o += 9;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (isalnum(c) || c == '-' || c == '_' || c == '.' ||
		    c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*out_len = (size_t)(o - dr.body);
}

static void on_retry(void *arg)
{
	(void)arg;
	kick();
}

static void failed(const char *why)
{
	dr.failures++;
	if (!dr.down) {
		dr.down = true;
		dr.down_since = ev_now();
		log_warn("dsmrreader: %s: %s; telegrams wait in %s", dr.url,
			 why, dr.q.path);
	} else {
		LOG_RL(LOG_INFO, "dsmrreader: %s: %s (%llu queued)", dr.url,
		       why, (unsigned long long)dr.q.count);
	}
	dr.backoff = dr.backoff < DR_BACKOFF_MIN       ? DR_BACKOFF_MIN
		     : dr.backoff * 2 > DR_BACKOFF_MAX ? DR_BACKOFF_MAX
						       : dr.backoff * 2;
	ev_timer_arm(&dr.retry, (uint64_t)(dr.backoff * 1e9));
}

static void on_done(void *arg, CURLcode res)
{
	long code = 0;
	char why[96];

	(void)arg;
	dr.busy = false;
	if (res != CURLE_OK) {
		failed(dr.errbuf[0] ? dr.errbuf : curl_easy_strerror(res));
		return;
	}
	curl_easy_getinfo(dr.easy, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code < 300) {
		spool_pop(&dr.q, dr.tg_seq);
		dr.pushed++;
		dr.backoff = 0;
		if (dr.down) {
			dr.down = false;
			log_info("dsmrreader: %s answers again after %.0f s; "
				 "%llu telegrams to send",
				 dr.url,
				 (double)(ev_now() - dr.down_since) / 1e9,
				 (unsigned long long)dr.q.count + 1);
		}
		kick();
		return;
	}
	if (code == 401 || code == 403 || code == 404) {
		dr.blocked = true;
		dr.failures++;
		log_err("dsmrreader: %s answered %ld (%s): %s; not retrying "
			"until restarted (telegrams keep queueing in %s): %s",
			dr.url, code,
			code == 404 ? "not found" : "API key refused",
			code == 404 ? "check --dsmrreader.url"
				    : "check --dsmrreader.api-key-file and "
				      "DSMR-reader's API settings",
			dr.q.path, resp_text());
		return;
	}
	if (code >= 400 && code < 500 && code != 408 && code != 429) {
		dr.rejected++;
		spool_pop(&dr.q, dr.tg_seq);
		LOG_RL(LOG_WARNING,
		       "dsmrreader: %s refused a %zu-byte telegram (%ld): %s; "
		       "dropped",
		       dr.url, dr.tg_len, code, resp_text());
		kick();
		return;
	}
	snprintf(why, sizeof(why), "HTTP %ld", code);
	failed(why);
}

/* Start the next push if there is one and nothing is in the way. */
static void kick(void)
{
	ssize_t n;
	size_t blen;

	if (dr.busy || dr.blocked || dr.retry.armed)
		return;
	do {
		n = spool_peek(&dr.q, dr.tg, dr.tg_cap, &dr.tg_seq);
	} while (n < 0);
	if (n == 0)
		return;
	dr.tg_len = (size_t)n;
	encode_body(dr.tg, dr.tg_len, &blen);
	dr.errbuf[0] = '\0';
	dr.resp_len = 0;
	dr.resp[0] = '\0';
	curl_easy_setopt(dr.easy, CURLOPT_POSTFIELDS, dr.body);
	curl_easy_setopt(dr.easy, CURLOPT_POSTFIELDSIZE, (long)blen);
	if (!curl_loop_add(dr.easy, on_done, NULL)) {
		failed("cannot start a request");
		return;
	}
	dr.busy = true;
}

static void dr_telegram(struct meter *m, const uint8_t *data, size_t len,
			uint32_t status, uint64_t rx_ns)
{
	uint64_t now = ev_now();

	(void)rx_ns;
	if (!p1_fr_status_good(status) || !sink_pick_meter(&dr.pick, m))
		return;
	if (cfg.dr_interval > 0 && dr.last_accept &&
	    (double)(now - dr.last_accept) < cfg.dr_interval * 1e9)
		return;
	dr.last_accept = now;
	if (spool_push(&dr.q, data, len))
		dr.queued++;
	kick();
}

static void dr_meter(struct meter *m)
{
	(void)sink_pick_meter(&dr.pick, m);
}

static void dr_stop(void)
{
	/* A push in flight stays queued: it is sent again next time. */
	if (dr.busy)
		curl_loop_remove(dr.easy);
	dr.busy = false;
	ev_timer_disarm(&dr.retry);
	if (dr.q.count)
		log_info("dsmrreader: %llu telegrams stay queued in %s",
			 (unsigned long long)dr.q.count, dr.q.path);
	spool_close(&dr.q);
	curl_easy_cleanup(dr.easy);
	curl_slist_free_all(dr.hdrs);
	curl_loop_cleanup();
}

static void fam(struct sbuf *sb, const char *name, const char *type,
		const char *help)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(struct sbuf *sb, const char *name, const char *extra,
		   uint64_t v)
{
	sb_puts(sb, name);
	sb_puts(sb, "{meter=\"");
	sb_put_label(sb, sink_pick_name(&dr.pick));
	sb_puts(sb, "\"");
	sb_puts(sb, extra);
	sb_puts(sb, "} ");
	sb_put_u64(sb, v);
	sb_putc(sb, '\n');
}

static void dr_metrics(struct sbuf *sb)
{
	fam(sb, "p1_dsmrreader_pushed_total", "counter",
	    "Telegrams DSMR-reader accepted.");
	sample(sb, "p1_dsmrreader_pushed_total", "", dr.pushed);
	fam(sb, "p1_dsmrreader_queued_total", "counter",
	    "Telegrams put in the push queue.");
	sample(sb, "p1_dsmrreader_queued_total", "", dr.queued);
	fam(sb, "p1_dsmrreader_queue_telegrams", "gauge",
	    "Telegrams waiting in the push queue.");
	sample(sb, "p1_dsmrreader_queue_telegrams", "", dr.q.count);
	fam(sb, "p1_dsmrreader_queue_bytes", "gauge",
	    "Size of the telegrams waiting in the push queue.");
	sample(sb, "p1_dsmrreader_queue_bytes", "", dr.q.bytes);
	fam(sb, "p1_dsmrreader_dropped_total", "counter",
	    "Telegrams never delivered: queue full (oldest dropped) or "
	    "refused by DSMR-reader (4xx).");
	sample(sb, "p1_dsmrreader_dropped_total", ",reason=\"queue_full\"",
	       dr.q.dropped);
	sample(sb, "p1_dsmrreader_dropped_total", ",reason=\"rejected\"",
	       dr.rejected);
	fam(sb, "p1_dsmrreader_failures_total", "counter",
	    "Push attempts that failed (unreachable, timeout, 5xx, 401/403).");
	sample(sb, "p1_dsmrreader_failures_total", "", dr.failures);
	fam(sb, "p1_dsmrreader_blocked", "gauge",
	    "1 when DSMR-reader refused the API key or URL (401, 403, 404): "
	    "pushing stopped until restart.");
	sample(sb, "p1_dsmrreader_blocked", "", dr.blocked);
}

static const struct sink_ops dr_ops = {
	.name = "dsmrreader",
	.meter = dr_meter,
	.telegram = dr_telegram,
	.stop = dr_stop,
	.metrics = dr_metrics,
};

static bool read_key(const char *path, char *key, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t len;

	if (fd < 0) {
		log_err("dsmrreader: API key file %s: %m", path);
		return false;
	}
	n = read(fd, key, cap);
	close(fd);
	if (n < 0 || (size_t)n == cap) {
		log_err("dsmrreader: API key file %s: %s", path,
			n < 0 ? strerror(errno) : "too long");
		return false;
	}
	len = (size_t)n;
	while (len && isspace((unsigned char)key[len - 1]))
		len--;
	key[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if (key[i] <= ' ' || key[i] > '~') {
			log_err("dsmrreader: API key file %s: the key must be "
				"one word of printable characters",
				path);
			return false;
		}
	}
	if (!len) {
		log_err("dsmrreader: API key file %s is empty", path);
		return false;
	}
	return true;
}

/* The full API URL: a bare http[s]://HOST[:PORT][/] gets the path. */
static bool make_url(const char *u)
{
	const char *host, *slash;
	size_t n = strlen(u);

	if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8)) {
		log_err("dsmrreader: --dsmrreader.url must start with http:// "
			"or https://");
		return false;
	}
	host = strstr(u, "://") + 3;
	slash = strchr(host, '/');
	if (!*host || slash == host ||
	    n + sizeof(DR_API_PATH) > sizeof(dr.url)) {
		log_err("dsmrreader: bad --dsmrreader.url %s", u);
		return false;
	}
	if (!slash || !strcmp(slash, "/"))
		snprintf(dr.url, sizeof(dr.url), "%.*s" DR_API_PATH,
			 (int)(slash ? (size_t)(slash - u) : n), u);
	else
		snprintf(dr.url, sizeof(dr.url), "%s", u);
	return true;
}

static const char *queue_dir(char *buf, size_t cap)
{
	const char *sd = getenv("STATE_DIRECTORY");

	if (cfg.dr_queue_dir && *cfg.dr_queue_dir)
		return cfg.dr_queue_dir;
	if (sd && *sd) {
		/* systemd may list several, separated by ':' */
		size_t n = strcspn(sd, ":");

		snprintf(buf, cap, "%.*s/dsmrreader", (int)n, sd);
		return buf;
	}
	return "/var/lib/p1-exporter/dsmrreader";
}

/* The URL, the key and the meter; key gets the key. */
static bool validate(char *key, size_t cap)
{
	if (!make_url(cfg.dr_url))
		return false;
	if (!cfg.dr_key_file || !*cfg.dr_key_file) {
		log_err("dsmrreader: --dsmrreader.api-key-file is needed");
		return false;
	}
	if (!read_key(cfg.dr_key_file, key, cap))
		return false;
	dr.pick =
		(struct sink_pick){.what = "dsmrreader", .want = cfg.dr_meter};
	return sink_pick_check(&dr.pick, options_kernel_mode() == KERNEL_ON);
}

bool dsmrreader_check(void)
{
	char key[DR_KEY_MAX];
	bool ok;

	if (!cfg.dr_url || !*cfg.dr_url)
		return true;
	ok = validate(key, sizeof(key));
	memset(key, 0, sizeof(key));
	return ok;
}

bool dsmrreader_setup(void)
{
	char key[DR_KEY_MAX], hdr[DR_KEY_MAX + 32], dirbuf[512];
	const char *dir;

	if (!cfg.dr_url || !*cfg.dr_url)
		return true;
	if (!validate(key, sizeof(key)))
		return false;
	dir = queue_dir(dirbuf, sizeof(dirbuf));
	if (!spool_open(&dr.q, dir, (uint64_t)cfg.dr_queue_max_bytes) ||
	    !privdrop_give_dir(cfg.user, dr.q.dirfd, dr.q.path, true))
		return false;
	/* Telegrams queued before privileges are dropped (a replay at full
	 * speed) must be readable afterwards. */
	dr.q.give = privdrop_target(cfg.user, &dr.q.owner, &dr.q.group);
	dr.tg_cap = (size_t)cfg.telegram_max_size + 1;
	dr.body_cap = 9 + 3 * (size_t)cfg.telegram_max_size + 1;
	dr.tg = malloc(dr.tg_cap);
	dr.body = malloc(dr.body_cap);
	if (!dr.tg || !dr.body || !curl_loop_init())
		return false;
	snprintf(hdr, sizeof(hdr), "Authorization: Token %s", key);
	memset(key, 0, sizeof(key));
	dr.hdrs = curl_slist_append(NULL, hdr);
	memset(hdr, 0, sizeof(hdr));
	dr.easy = curl_easy_init();
	if (!dr.hdrs || !dr.easy) {
		log_err("dsmrreader: out of memory");
		return false;
	}
	curl_easy_setopt(dr.easy, CURLOPT_URL, dr.url);
	curl_easy_setopt(dr.easy, CURLOPT_HTTPHEADER, dr.hdrs);
	curl_easy_setopt(dr.easy, CURLOPT_USERAGENT, "p1-exporter/" P1_VERSION);
	curl_easy_setopt(dr.easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(dr.easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(dr.easy, CURLOPT_TIMEOUT_MS,
			 (long)(cfg.dr_timeout * 1000));
	curl_easy_setopt(dr.easy, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(cfg.dr_timeout * 1000));
	curl_easy_setopt(dr.easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(dr.easy, CURLOPT_ERRORBUFFER, dr.errbuf);
	ev_timer_init(&dr.retry, on_retry, NULL);
	if (sink_register(&dr_ops) < 0)
		return false;
	log_info("dsmrreader: pushing %s to %s (queue %s, %llu waiting)",
		 dr.pick.m ? dr.pick.m->name : "the meter", dr.url, dr.q.path,
		 (unsigned long long)dr.q.count);
	kick();
	return true;
}
