/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http.h - the HTTP server (libmicrohttpd) on the exporter's event loop.
 *
 * libmicrohttpd runs in "external polling" mode with epoll: each daemon's
 * epoll descriptor sits in our poll loop, and MHD_run() does its
 * non-blocking work there.  One thread serves HTTP and reads meters, so
 * nothing is shared and nothing is locked.  A slow or stalled client
 * cannot hold up anyone else: sockets are non-blocking, a response is
 * written as fast as the peer takes it while other connections proceed,
 * and each connection is bounded in memory (web.max-request-bytes), in
 * number (web.max-connections, web.max-connections-per-ip) and in idle
 * time (web.timeout).
 */
#ifndef P1X_HTTP_H
#define P1X_HTTP_H

#include <microhttpd.h>
#include <stdbool.h>

#include "webcfg.h"

/* Open the listening sockets (before privileges are dropped). */
bool http_listen(void);
/* Start libmicrohttpd on them; wc may be NULL (no TLS, no auth). */
bool http_start(struct webcfg *wc);
void http_stop(void);

/* A short text answer (body must outlive the response: a literal). */
enum MHD_Result http_reply_text(struct MHD_Connection *c, unsigned int status,
				const char *body);
/* Run libmicrohttpd soon (a suspended connection was resumed: in
 * external polling mode nothing else would). */
void http_kick(void);
/* The web config's extra headers (web.config.file http_server_config). */
void http_add_headers(struct MHD_Response *resp);

#endif
