// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * listen.c - parse a listen address and open its socket.
 */
#include "listen.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

static int open_one(const struct sockaddr *sa, socklen_t len, int family,
		    bool v6only, int backlog)
{
	int one = 1, zero = 0;
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? &one : &zero,
			   sizeof(one));
	if (bind(fd, sa, len) < 0 || listen(fd, backlog) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int listen_open(const char *addr, int backlog)
{
	char host[256], port[16];
	const char *colon;
	struct addrinfo hints = {0}, *res = NULL, *ai;
	int fd = -1, r;
	size_t n;

	if (addr[0] == '[') {
		const char *close_br = strchr(addr, ']');

		if (!close_br || close_br[1] != ':')
			goto bad;
		n = (size_t)(close_br - addr - 1);
		colon = close_br + 1;
		if (n >= sizeof(host))
			goto bad;
		memcpy(host, addr + 1, n);
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			goto bad;
		n = (size_t)(colon - addr);
		if (n >= sizeof(host) || memchr(addr, ':', n))
			goto bad;
		memcpy(host, addr, n);
	}
	host[n] = '\0';
	if (!colon[1] || strlen(colon + 1) >= sizeof(port))
		goto bad;
	snprintf(port, sizeof(port), "%s", colon + 1);

	if (!host[0]) {
		struct sockaddr_in6 s6 = {.sin6_family = AF_INET6,
					  .sin6_addr = IN6ADDR_ANY_INIT};
		struct sockaddr_in s4 = {.sin_family = AF_INET,
					 .sin_addr.s_addr = INADDR_ANY};
		char *end;
		long p = strtol(port, &end, 10);

		if (*end || p < 0 || p > 65535)
			goto bad;
		s6.sin6_port = htons((uint16_t)p);
		s4.sin_port = htons((uint16_t)p);
		fd = open_one((struct sockaddr *)&s6, sizeof(s6), AF_INET6,
			      false, backlog);
		if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
			fd = open_one((struct sockaddr *)&s4, sizeof(s4),
				      AF_INET, false, backlog);
		if (fd < 0)
			log_err("listen %s: %m", addr);
		return fd;
	}
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	r = getaddrinfo(host, port, &hints, &res);
	if (r) {
		log_err("listen %s: %s", addr, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = open_one(ai->ai_addr, ai->ai_addrlen, ai->ai_family, true,
			      backlog);
	if (fd < 0)
		log_err("listen %s: %m", addr);
	freeaddrinfo(res);
	return fd;
bad:
	log_err("listen address \"%s\": expected [HOST]:PORT", addr);
	return -1;
}
