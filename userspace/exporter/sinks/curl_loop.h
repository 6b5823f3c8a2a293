/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * curl_loop.h - libcurl's multi interface driven by the exporter's one
 * poll loop: curl tells us (CURLMOPT_SOCKETFUNCTION) which descriptors to
 * watch and (CURLMOPT_TIMERFUNCTION) when to call it back; we never block
 * and start no thread of our own.
 *
 * A user adds an easy handle with a completion callback; it runs from the
 * event loop when the transfer ends, with curl's result code.  The easy
 * handle then belongs to the caller again (it is removed from the multi
 * handle before the callback), so it can be reused: connections are kept.
 */
#ifndef P1X_CURL_LOOP_H
#define P1X_CURL_LOOP_H

#include <curl/curl.h>
#include <stdbool.h>

typedef void (*curl_loop_done_cb)(void *arg, CURLcode result);

/* Once, before privileges are dropped; false (logged) on failure. */
bool curl_loop_init(void);
/* Start a transfer; false (logged) if curl refused it. */
bool curl_loop_add(CURL *easy, curl_loop_done_cb done, void *arg);
/* Abort a transfer in progress (its callback is not called). */
void curl_loop_remove(CURL *easy);
void curl_loop_cleanup(void);

#endif
