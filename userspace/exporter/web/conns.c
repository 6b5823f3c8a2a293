// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conns.c - HTTP connection admission: per-address and total limits by
 * eviction, and the request-head deadline (see conns.h).
 */
#include "conns.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "evloop.h"
#include "log.h"

struct conn {
	struct MHD_Connection *c;
	int fd;
	bool used, busy, closing;
	uint8_t addr[16]; /* IPv4 (mapped) or an IPv6 /64 */
	char text[INET6_ADDRSTRLEN];
	uint64_t since; /* start of the current wait */
	size_t uri_len; /* of the request being read, as sent */
};

static struct conn *tab;
static int ntab, nmax, nper_ip;
static uint64_t deadline;
static struct ev_timer timer;
uint64_t conns_evicted, conns_expired;

static void close_conn(struct conn *k)
{
	k->closing = true;
	shutdown(k->fd, SHUT_RDWR);
}

static bool same_addr(const struct conn *a, const struct conn *b)
{
	return !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static int live_from(const struct conn *a)
{
	int n = 0;

	for (int i = 0; i < ntab; i++)
		if (tab[i].used && !tab[i].closing && same_addr(&tab[i], a))
			n++;
	return n;
}

/*
 * The longest-waiting connection of a's address, or of any address when a
 * is NULL, other than spare; busy ones only when none waits.
 */
static struct conn *victim_of(const struct conn *a, const struct conn *spare)
{
	struct conn *best = NULL;

	for (int i = 0; i < ntab; i++) {
		struct conn *k = &tab[i];

		if (!k->used || k->closing || k == spare ||
		    (a && !same_addr(k, a)))
			continue;
		if (!best || (best->busy && !k->busy) ||
		    (best->busy == k->busy && k->since < best->since))
			best = k;
	}
	return best;
}

static void evict(struct conn *k, const char *why)
{
	conns_evicted++;
	LOG_RL(LOG_INFO, "HTTP: closing a connection of %s (%s)", k->text, why);
	close_conn(k);
}

static void expire(void *arg)
{
	uint64_t now = ev_now(), next = 0;

	(void)arg;
	for (int i = 0; i < ntab; i++) {
		struct conn *k = &tab[i];

		if (!k->used || k->closing || k->busy)
			continue;
		if (now - k->since >= deadline) {
			conns_expired++;
			close_conn(k);
		} else if (!next || k->since + deadline < next) {
			next = k->since + deadline;
		}
	}
	if (next)
		ev_timer_arm(&timer, next - now);
}

static void arm(uint64_t since)
{
	uint64_t now = ev_now(), at = since + deadline;

	if (!timer.armed || at < timer.deadline)
		ev_timer_arm(&timer, at > now ? at - now : 0);
}

bool conns_init(int max, int per_ip, uint64_t deadline_ns, int slack)
{
	ntab = max + slack;
	nmax = max;
	nper_ip = per_ip;
	deadline = deadline_ns;
	tab = calloc((size_t)ntab, sizeof(*tab));
	ev_timer_init(&timer, expire, NULL);
	return tab != NULL;
}

void conns_fini(void)
{
	ev_timer_disarm(&timer);
	free(tab);
	tab = NULL;
	ntab = 0;
}

static void set_addr(struct conn *k, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
					   0, 0, 0, 0, 0xff, 0xff};

	memset(k->addr, 0, sizeof(k->addr));
	strcpy(k->text, "?");
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		memcpy(k->addr, mapped, 12);
		memcpy(k->addr + 12, &s4->sin_addr, 4);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		memcpy(k->addr, &s6->sin6_addr, 16);
	} else {
		return;
	}
	if (!memcmp(k->addr, mapped, 12)) {
		inet_ntop(AF_INET, k->addr + 12, k->text, sizeof(k->text));
		return;
	}
	inet_ntop(AF_INET6, k->addr, k->text, sizeof(k->text));
	memset(k->addr + 8, 0, 8); /* IPv6 clients count per /64 */
}

struct conn *conns_started(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *fdi =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *ai =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct conn *k = NULL;
	int total = 0;

	for (int i = 0; i < ntab; i++) {
		if (!tab[i].used && !k)
			k = &tab[i];
		else if (tab[i].used && !tab[i].closing)
			total++;
	}
	if (!k || !fdi) { /* cannot happen: libmicrohttpd's limit is ntab */
		if (fdi)
			shutdown(fdi->connect_fd, SHUT_RDWR);
		return NULL;
	}
	*k = (struct conn){
		.c = c, .fd = fdi->connect_fd, .used = true, .since = ev_now()};
	set_addr(k, ai ? ai->client_addr : NULL);
	total++;
	if (nper_ip && live_from(k) > nper_ip) {
		evict(victim_of(k, k), "more than web.max-connections-per-ip "
				       "from it");
		total--;
	}
	if (total > nmax) {
		/* The address with the most connections gives one up. */
		struct conn *most = NULL, *v;
		int nmost = 0;

		for (int i = 0; i < ntab; i++) {
			int n;

			if (!tab[i].used || tab[i].closing)
				continue;
			n = live_from(&tab[i]);
			if (n > nmost) {
				nmost = n;
				most = &tab[i];
			}
		}
		v = victim_of(most, k);
		if (!v)
			v = victim_of(NULL, k);
		if (v)
			evict(v, "web.max-connections reached");
	}
	arm(k->since);
	return k;
}

void conns_closed(struct conn *k)
{
	if (k)
		k->used = false;
}

void conns_request(struct conn *k)
{
	if (k)
		k->busy = true;
}

void conns_completed(struct conn *k)
{
	if (!k || !k->used)
		return;
	k->busy = false;
	k->since = ev_now();
	arm(k->since);
}

const char *conns_addr(const struct conn *k)
{
	return k ? k->text : "?";
}

void conns_note_uri(struct conn *k, size_t len)
{
	if (k)
		k->uri_len = len;
}

size_t conns_uri_len(const struct conn *k)
{
	return k ? k->uri_len : 0;
}

const uint8_t *conns_key(const struct conn *k)
{
	static const uint8_t none[16];

	return k ? k->addr : none;
}
