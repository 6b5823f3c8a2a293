// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * http.c - request routing, response buffers and libmicrohttpd glue.
 *
 * Bodies are rendered into a pool of reusable buffers, one per response
 * in flight; libmicrohttpd hands a buffer back through the response's free
 * callback once the last byte is sent.  Buffers grow to the largest body
 * they held and are then reused without allocation.
 */
#include "http.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "conns.h"
#include "events.h"
#include "evloop.h"
#include "kernel_src.h"
#include "listen.h"
#include "live.h"
#include "log.h"
#include "meter.h"
#include "metrics.h"
#include "options.h"
#include "page.h"
#include "sbuf.h"

#define CT_TEXT	   "text/plain; charset=utf-8"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define CT_JSON	   "application/json"
#define CT_HTML	   "text/html; charset=utf-8"
#define CT_RAW	   "text/plain; charset=iso-8859-1"

struct daemon {
	struct MHD_Daemon *d;
	int lfd;
	int evh;
	struct ev_timer timer;
	int nconn; /* open connections */
};

struct rbuf {
	struct sbuf sb;
	bool busy;
};

static struct daemon daemons[OPT_LIST_MAX];
static int ndaemons;
static struct rbuf *pool;
static int npool;
static struct webcfg *web;
/* A request's context once its head is in (auth.c's job while hashing). */
static int first_call_marker;

static struct rbuf *rbuf_get(void)
{
	for (int i = 0; i < npool; i++) {
		struct rbuf *r = &pool[i];

		if (r->busy)
			continue;
		if (!r->sb.p && !sb_init(&r->sb, 4096))
			return NULL;
		sb_reset(&r->sb);
		r->busy = true;
		return r;
	}
	return NULL;
}

static void rbuf_put(void *cls)
{
	struct rbuf *r = cls;

	r->busy = false;
}

static void add_headers(struct MHD_Response *resp)
{
	for (int i = 0; web && i < web->nheaders; i++)
		MHD_add_response_header(resp, web->headers[i].name,
					web->headers[i].value);
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned int status,
			     struct MHD_Response *resp, const char *ctype)
{
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	add_headers(resp);
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

/* A constant body. */
static enum MHD_Result reply_static(struct MHD_Connection *c,
				    unsigned int status, const char *body)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);

	return queue(c, status, resp, CT_TEXT);
}

/* A pooled body: ownership of r passes to the response. */
static enum MHD_Result reply_buf(struct MHD_Connection *c, unsigned int status,
				 struct rbuf *r, const char *ctype,
				 bool redacted)
{
	struct MHD_Response *resp;

	if (r->sb.failed) {
		r->busy = false;
		return reply_static(c, 500, "out of memory\n");
	}
	resp = MHD_create_response_from_buffer_with_free_callback_cls(
		r->sb.len, r->sb.p, rbuf_put, r);
	if (!resp) {
		r->busy = false;
		return MHD_NO;
	}
	/* Identifiers were masked: the CRC no longer matches, on purpose. */
	if (redacted)
		MHD_add_response_header(resp, "X-P1-Redacted", "equipment-id");
	return queue(c, status, resp, ctype);
}

static void landing(struct sbuf *sb)
{
	sb_printf(sb,
		  "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		  "<title>P1 Exporter</title></head><body>\n"
		  "<h1>P1 Exporter</h1>\n<p>Version %s</p>\n<ul>\n"
		  "<li><a href=\"%s\">Metrics</a></li>\n"
		  "<li><a href=\"/api/v1/meters\">Meters (JSON)</a></li>\n",
		  P1_VERSION, cfg.telemetry_path);
	for (int i = 0; i < nmeters; i++)
		sb_printf(sb,
			  "<li>%s: <a href=\"/api/v1/meters/%s\">reading</a>, "
			  "<a href=\"/api/v1/meters/%s/telegram\">telegram</a>"
			  " (%s)</li>\n",
			  meters[i]->name, meters[i]->name, meters[i]->name,
			  meter_up(meters[i]) ? "up" : "down");
	sb_puts(sb, "<li><a href=\"/healthz\">Health</a></li>\n</ul>\n"
		    "</body></html>\n");
}

static enum MHD_Result route(struct MHD_Connection *c, const char *url)
{
	static const char prefix[] = "/api/v1/meters/";
	struct rbuf *r;
	const char *ctype = CT_JSON;
	bool raw = false;
	int status = 0;

	if (!strcmp(url, "/healthz"))
		return reply_static(c, 200, "ok\n");
	if (!strcmp(url, "/") && strcmp(url, cfg.telemetry_path))
		return page_reply(c);
	if (!strcmp(url, "/api/v1/events"))
		return events_reply(
			c, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						       "meter"));
	if (strcmp(url, cfg.telemetry_path) && strcmp(url, "/links") &&
	    strcmp(url, "/api/v1/meters") && strncmp(url, prefix, 15))
		return reply_static(c, 404, "not found\n");
	r = rbuf_get();
	if (!r)
		return reply_static(c, 503, "busy\n");
	kernel_src_refresh();
	if (!strcmp(url, cfg.telemetry_path)) {
		metrics_render(&r->sb);
		ctype = CT_METRICS;
	} else if (!strcmp(url, "/links")) {
		landing(&r->sb);
		ctype = CT_HTML;
	} else if (!strcmp(url, "/api/v1/meters")) {
		api_meters(&r->sb);
	} else {
		char name[METER_NAME_MAX + 16];
		const char *rest = url + sizeof(prefix) - 1;
		const char *slash = strchr(rest, '/');
		size_t n = slash ? (size_t)(slash - rest) : strlen(rest);

		if (n == 0 || n >= METER_NAME_MAX) {
			status = 404;
		} else {
			memcpy(name, rest, n);
			name[n] = '\0';
			if (!slash) {
				status = api_meter(&r->sb, name);
			} else if (!strcmp(slash, "/history")) {
				status = live_history(&r->sb, name);
			} else if (!strcmp(slash, "/telegram")) {
				status = api_telegram(&r->sb, name);
				ctype = CT_RAW;
				raw = true;
			} else {
				status = 404;
			}
		}
	}
	if (status) {
		r->busy = false;
		return reply_static(c, (unsigned int)status,
				    status == 404 ? "no such meter\n"
						  : "no telegram yet\n");
	}
	return reply_buf(c, 200, r, ctype, raw && !cfg.export_equipment_id);
}

static bool has_body(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(
		c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(
		c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);

	return te || (cl && strcmp(cl, "0"));
}

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return i ? i->socket_context : NULL;
}

/* A user name as a log line may show it: printable ASCII, bounded. */
static void log_user(char *out, size_t cap, const char *user)
{
	size_t n = 0;

	for (; user && *user && n + 1 < cap; user++)
		out[n++] = *user >= 0x20 && *user < 0x7f && *user != '"' ? *user
									 : '?';
	out[n] = '\0';
}

static enum MHD_Result deny(struct MHD_Connection *c, enum auth_result a)
{
	struct MHD_Response *resp;
	enum MHD_Result r;

	if (a == AUTH_BUSY) {
		resp = MHD_create_response_from_buffer(
			18, (void *)"too many attempts\n",
			MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		return queue(c, 429, resp, CT_TEXT);
	}
	resp = MHD_create_response_from_buffer(13, (void *)"unauthorized\n",
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CT_TEXT);
	add_headers(resp);
	r = MHD_queue_basic_auth_fail_response(c, "p1-exporter", resp);
	MHD_destroy_response(resp);
	return r;
}

/*
 * Basic auth (auth.h).  Returns true with *r set when the request is
 * answered (refused) or suspended for bcrypt; false when it may go on.
 */
static bool check_auth(struct MHD_Connection *c, void **con_cls,
		       enum MHD_Result *r)
{
	char *pass = NULL, *user = NULL, shown[64];
	enum auth_result a = AUTH_DENIED;
	struct auth_job *job = NULL;
	struct conn *k = conn_of(c);

	if (auth_is_job(*con_cls)) { /* resumed: bcrypt is done */
		job = *con_cls;
		*con_cls = &first_call_marker;
		a = auth_finish(job);
	} else {
		user = MHD_basic_auth_get_username_password(c, &pass);
		if (user && pass)
			a = auth_check(c, conns_key(k), user, pass, &job);
	}
	if (a == AUTH_PENDING) {
		*con_cls = job;
		MHD_suspend_connection(c);
		*r = MHD_YES;
	} else if (a != AUTH_OK) {
		if (!user && !pass)
			user = MHD_basic_auth_get_username_password(c, &pass);
		log_user(shown, sizeof(shown), user);
		if (a == AUTH_DENIED && user)
			LOG_RL(LOG_WARNING,
			       "HTTP: authentication failed for user \"%s\" "
			       "from %s",
			       shown, conns_addr(k));
		else if (a == AUTH_BUSY)
			LOG_RL(LOG_WARNING,
			       "HTTP: too many password checks from %s "
			       "(user \"%s\"): 429",
			       conns_addr(k), shown);
		*r = deny(c, a);
	}
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return a != AUTH_OK;
}

static enum MHD_Result add_len(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	size_t *n = cls;

	(void)kind;
	*n += strlen(key) + 2 + (value ? strlen(value) : 0) + 2;
	return MHD_YES;
}

/*
 * web.max-request-bytes, exactly: the request line and the header lines
 * as sent (libmicrohttpd only bounds its memory pool, which holds more).
 * Returns 0 if within, else the status to refuse with.
 */
static unsigned int head_too_big(struct MHD_Connection *c, const char *method,
				 const char *version)
{
	size_t line = strlen(method) + 1 + conns_uri_len(conn_of(c)) + 1 +
		      strlen(version) + 2;
	size_t n = line + 2;

	if (line > (size_t)cfg.max_request_bytes)
		return 414;
	MHD_get_connection_values(c, MHD_HEADER_KIND, add_len, &n);
	return n > (size_t)cfg.max_request_bytes ? 431 : 0;
}

/* The raw request target, before percent-decoding: for its length. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	conns_note_uri(conn_of(c), strlen(uri));
	return NULL;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
			       const char *url, const char *method,
			       const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;

	/*
	 * libmicrohttpd calls twice: when the headers are in, and when the
	 * request is complete.  A reply queued on the first call makes it
	 * close the connection (the body might still come), so refusals are
	 * sent then and everything else on the second call, keeping
	 * connections alive for the next scrape.
	 */
	if (!*con_cls) {
		*con_cls = &first_call_marker;
		conns_request(conn_of(c));
		if (strcmp(method, MHD_HTTP_METHOD_GET) &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD))
			goto refuse_method;
		if (has_body(c))
			return reply_static(c, 413,
					    "request body not accepted\n");
		unsigned int big = head_too_big(c, method, version);

		if (big)
			return reply_static(c, big,
					    big == 414 ? "request target too "
							 "long\n"
						       : "request headers too "
							 "large\n");
		return MHD_YES;
	}
	if (*upload_data_size) /* cannot happen: bodies were refused */
		return MHD_NO;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD)) {
	refuse_method:;
		struct MHD_Response *resp = MHD_create_response_from_buffer(
			19, (void *)"method not allowed\n",
			MHD_RESPMEM_PERSISTENT);

		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					"GET, HEAD");
		return queue(c, 405, resp, CT_TEXT);
	}
	if (web && web->nusers) {
		enum MHD_Result r;

		if (check_auth(c, con_cls, &r))
			return r;
	}
	return route(c, url);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	LOG_RL(LOG_INFO, "HTTP: %s", msg);
}

/*
 * libmicrohttpd's own limit, per listening socket: web.max-connections
 * plus room for those accepted while evicted ones close (conns.h).
 */
#define CONN_SLACK 16
#define MHD_LIMIT  (cfg.max_connections + CONN_SLACK)

/*
 * At its connection limit libmicrohttpd takes its listening socket out of
 * its epoll set and puts it back only from within MHD_run(); in external
 * polling mode nothing would call that once the last connection closed.
 * Count connections and run it again when one closes at the limit.
 */
static void mhd_notify(void *cls, struct MHD_Connection *c, void **sctx,
		       enum MHD_ConnectionNotificationCode code)
{
	struct daemon *dm = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		dm->nconn++;
		*sctx = conns_started(c);
		return;
	}
	conns_closed(*sctx);
	if (dm->nconn >= MHD_LIMIT)
		ev_timer_arm(&dm->timer, 0);
	dm->nconn--;
}

/* A response was sent (or the request failed): the wait starts again. */
static void mhd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			  enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)toe;
	if (auth_is_job(*con_cls)) /* ended while waiting for bcrypt */
		auth_release(*con_cls);
	*con_cls = NULL;
	conns_completed(conn_of(c));
}

/*
 * Percent-decoding as libmicrohttpd's own, except that "%00" stays as it
 * is: a NUL would cut the path short and "/api/v1/meters/x%00/telegram"
 * would be taken for "/api/v1/meters/x".
 */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;

	(void)cls;
	(void)c;
	for (const char *r = s; *r; r++) {
		int hi, lo;

		if (*r == '%' && (hi = hexval(r[1])) >= 0 &&
		    (lo = hexval(r[2])) >= 0 && (hi || lo)) {
			*w++ = (char)(hi * 16 + lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static void mhd_run(void *arg)
{
	struct daemon *dm = arg;

	MHD_run(dm->d);
}

static void mhd_ready(void *arg, int fd, short revents)
{
	(void)fd;
	(void)revents;
	mhd_run(arg);
}

static bool kicked; /* http_kick() since the last prepare */

static int mhd_prepare(void *arg)
{
	int best = -1;

	(void)arg;
	if (kicked) {
		kicked = false;
		for (int i = 0; i < ndaemons; i++)
			if (daemons[i].d)
				ev_timer_arm(&daemons[i].timer, 0);
		return 0;
	}
	for (int i = 0; i < ndaemons; i++) {
		MHD_UNSIGNED_LONG_LONG to;

		if (MHD_get_timeout(daemons[i].d, &to) != MHD_YES)
			continue;
		if (to > 60000)
			to = 60000;
		ev_timer_arm(&daemons[i].timer, to * 1000000ull);
		if (best < 0 || (int)to < best)
			best = (int)to;
	}
	return best;
}

static void run_soon(void)
{
	for (int i = 0; i < ndaemons; i++)
		ev_timer_arm(&daemons[i].timer, 0);
}

bool http_listen(void)
{
	for (int i = 0; i < cfg.listen.n; i++) {
		/*
		 * A deep accept queue: connections are taken off it at once
		 * (conns.c makes room), so a burst of them must not make the
		 * kernel drop a scraper's SYN.
		 */
		int fd = listen_open(cfg.listen.v[i], 4096);

		if (fd < 0)
			return false;
		daemons[ndaemons].lfd = fd;
		daemons[ndaemons].evh = -1;
		ndaemons++;
	}
	return true;
}

bool http_start(struct webcfg *wc)
{
	web = wc;
	npool = (int)MHD_LIMIT * ndaemons + 2;
	pool = calloc((size_t)npool, sizeof(*pool));
	if (!pool ||
	    !conns_init((int)cfg.max_connections,
			(int)cfg.max_connections_per_ip,
			(uint64_t)(cfg.web_timeout * 1e9),
			(int)(MHD_LIMIT * ndaemons - cfg.max_connections)))
		return false;
	for (int i = 0; i < ndaemons; i++) {
		struct daemon *dm = &daemons[i];
		struct MHD_OptionItem opts[20];
		int n = 0;
		unsigned int flags = MHD_USE_EPOLL | MHD_USE_TURBO |
				     MHD_USE_ERROR_LOG |
				     MHD_ALLOW_SUSPEND_RESUME;

#define OPT(o, v, p)                                                           \
	opts[n++] = (struct MHD_OptionItem){(o), (intptr_t)(v), (p)}
		OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL);
		OPT(MHD_OPTION_LISTEN_SOCKET, dm->lfd, NULL);
		OPT(MHD_OPTION_NOTIFY_CONNECTION, mhd_notify, dm);
		OPT(MHD_OPTION_NOTIFY_COMPLETED, mhd_completed, NULL);
		OPT(MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL);
		/* Refuse sloppy requests (HTTP/1.1 without Host and such). */
		OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
		/* web.max-connections(-per-ip) are kept by conns.c. */
		OPT(MHD_OPTION_CONNECTION_LIMIT, MHD_LIMIT, NULL);
		OPT(MHD_OPTION_CONNECTION_TIMEOUT,
		    (unsigned int)(cfg.web_timeout + 0.999), NULL);
		/*
		 * Room for a request head somewhat over web.max-request-bytes
		 * (refused exactly in the handler, with 414 or 431), and for
		 * the reply headers; larger ones libmicrohttpd refuses itself.
		 */
		OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		    2 * cfg.max_request_bytes + 4096, NULL);
		OPT(MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL);
		if (wc && wc->tls) {
			flags |= MHD_USE_TLS;
			/* Pointer arguments go in ptr_value. */
			OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, wc->cert_pem);
			OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, wc->key_pem);
			OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, wc->priorities);
		}
		OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
		dm->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL,
					 MHD_OPTION_ARRAY, opts,
					 MHD_OPTION_END);
		if (!dm->d) {
			log_err("HTTP server on %s did not start%s",
				cfg.listen.v[i],
				wc && wc->tls ? " (check the TLS key and "
						"certificate)"
					      : "");
			return false;
		}
		const union MHD_DaemonInfo *info =
			MHD_get_daemon_info(dm->d, MHD_DAEMON_INFO_EPOLL_FD);

		if (!info) {
			log_err("HTTP: no epoll descriptor");
			return false;
		}
		dm->evh = ev_fd_add(info->epoll_fd, POLLIN, mhd_ready, dm);
		ev_timer_init(&dm->timer, mhd_run, dm);
		log_info("listening on %s%s (metrics at %s)", cfg.listen.v[i],
			 wc && wc->tls ? " with TLS" : "", cfg.telemetry_path);
	}
	ev_set_prepare(mhd_prepare, NULL);
	return auth_start(wc, run_soon);
}

void http_stop(void)
{
	auth_stop();
	events_stop();
	for (int i = 0; i < ndaemons; i++)
		if (daemons[i].d)
			MHD_run(daemons[i].d);
	for (int i = 0; i < ndaemons; i++) {
		if (daemons[i].d) {
			ev_fd_del(daemons[i].evh);
			ev_timer_disarm(&daemons[i].timer);
			MHD_stop_daemon(daemons[i].d);
			daemons[i].d = NULL;
		}
	}
	conns_fini();
}

enum MHD_Result http_reply_text(struct MHD_Connection *c, unsigned int status,
				const char *body)
{
	return reply_static(c, status, body);
}

void http_add_headers(struct MHD_Response *resp)
{
	add_headers(resp);
}

void http_kick(void)
{
	kicked = true;
}
