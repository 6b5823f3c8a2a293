/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * listen.h - listening sockets for --web.listen-address.
 *
 * "[HOST]:PORT" or "[IPV6]:PORT"; an empty host (":9357") listens on
 * every address, IPv6 and IPv4 on one dual-stack socket where the system
 * has IPv6, IPv4 only otherwise.  Sockets are opened before privileges
 * are dropped, so a port below 1024 works with --user.
 */
#ifndef P1X_LISTEN_H
#define P1X_LISTEN_H

/* Returns a listening, non-blocking socket, or -1 (message logged). */
int listen_open(const char *addr, int backlog);

#endif
