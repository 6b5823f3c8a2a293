/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * auth.h - HTTP basic authentication against the bcrypt hashes of the web
 * configuration.
 *
 * bcrypt runs in one worker thread, never on the event loop: the request
 * waits suspended (MHD_suspend_connection) and is resumed when its hash is
 * done, so password guessing does not delay scrapes.  An unknown user
 * costs the same bcrypt run as a known one (against the first user's
 * hash), so the answer's timing does not tell which users exist.  Each
 * client address (an IPv6 /64) may start AUTH_BCRYPT_PER_SEC runs a
 * second and AUTH_JOBS may wait at once; beyond either the answer is 429.
 * A password proven right is remembered, so scrapes do not pay bcrypt.
 *
 * Threads: the worker only reads the hashes (fixed after loading) and the
 * job it took; everything else is the event loop's.  Jobs pass between
 * them under one mutex; the worker wakes the loop through an eventfd.
 */
#ifndef P1X_AUTH_H
#define P1X_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "webcfg.h"

struct MHD_Connection;
struct auth_job;

#define AUTH_BCRYPT_PER_SEC 4
#define AUTH_JOBS	    16
#define AUTH_PASS_MAX	    256

enum auth_result { AUTH_OK, AUTH_DENIED, AUTH_BUSY, AUTH_PENDING };

/* run_now: makes libmicrohttpd run soon (resumed requests wait for it). */
bool auth_start(struct webcfg *wc, void (*run_now)(void));
/* Stops the worker; resumes every request still waiting (denied). */
void auth_stop(void);

/*
 * Check a pair from client key (16 bytes, see conns_key()).  AUTH_PENDING:
 * *job holds the request's job; the caller suspends c and, when it is
 * resumed, takes the verdict with auth_finish(*job).
 */
enum auth_result auth_check(struct MHD_Connection *c, const uint8_t *key,
			    const char *user, const char *password,
			    struct auth_job **job);
enum auth_result auth_finish(struct auth_job *job);
/* Whether p is a job (a request's context), and giving one back unused. */
bool auth_is_job(const void *p);
void auth_release(struct auth_job *job);

#endif
