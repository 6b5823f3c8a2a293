/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conns.h - admission of HTTP connections: which ones are kept when
 * clients hold more than their share.
 *
 * Every connection is tracked from accept to close.  A connection is
 * "waiting" from its accept, and again after each response, until a whole
 * request head has arrived; then "busy" until its response is sent.
 *
 * - A waiting connection is closed web.timeout after it started waiting,
 *   however many bytes trickle in meanwhile (a header deadline, not an
 *   idle timeout that each byte renews).
 * - A client address (an IPv6 /64) over web.max-connections-per-ip, or
 *   any new connection over web.max-connections, closes an older
 *   connection instead of being refused: the longest-waiting one of that
 *   address, else of the address holding the most connections (busy ones
 *   only when it has no waiting one).  So connections that never send a
 *   request can delay a scrape by at most an accept, never refuse it.
 * Closing is shutdown(2) on the socket: libmicrohttpd sees the end of the
 * stream at once and frees the connection in its own time.
 */
#ifndef P1X_CONNS_H
#define P1X_CONNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
struct conn;

/* max: connections kept; slack: more libmicrohttpd may accept meanwhile. */
bool conns_init(int max, int per_ip, uint64_t deadline_ns, int slack);
void conns_fini(void);

/* From libmicrohttpd's connection notifications. */
struct conn *conns_started(struct MHD_Connection *c);
void conns_closed(struct conn *k);
/* A request head is complete; its response was sent. */
void conns_request(struct conn *k);
void conns_completed(struct conn *k);
/* The connection's client address as text (for log lines), and as a
 * 16-byte key (IPv4 mapped, IPv6 cut to its /64). */
const char *conns_addr(const struct conn *k);
const uint8_t *conns_key(const struct conn *k);
/* The raw request target's length (for web.max-request-bytes). */
void conns_note_uri(struct conn *k, size_t len);
size_t conns_uri_len(const struct conn *k);

/* Counters, for tests and the log. */
extern uint64_t conns_evicted, conns_expired;

#endif
