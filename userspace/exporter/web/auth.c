// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * auth.c - basic auth: a bcrypt worker thread, the cache of passwords
 * proven right and the per-client budget (see auth.h for the rules).
 */
#include "auth.h"

#include <crypt.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"

enum jstate { J_FREE, J_QUEUED, J_HASHING, J_DONE };

struct auth_job {
	enum jstate state;
	bool resumed;
	struct MHD_Connection *c;
	int user; /* index, or -1: unknown (hashed against user 0) */
	bool ok;
	char pass[AUTH_PASS_MAX];
};

#define AUTH_CLIENTS 64

static struct auth_job jobs[AUTH_JOBS];
static struct webcfg *web;
static pthread_t worker;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool running, stopping;
static int efd = -1, evh = -1;
static void (*kick)(void);

static struct {
	uint8_t key[16];
	time_t window;
	int runs;
} clients[AUTH_CLIENTS];

/* Compare without leaking where the strings differ (length aside). */
static bool same(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;

	for (size_t i = 0; i < na && i < nb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static void *work(void *arg)
{
	static struct crypt_data cd;

	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		struct auth_job *j = NULL;

		while (!stopping) {
			for (int i = 0; i < AUTH_JOBS && !j; i++)
				if (jobs[i].state == J_QUEUED)
					j = &jobs[i];
			if (j)
				break;
			pthread_cond_wait(&cv, &mu);
		}
		if (stopping)
			break;
		j->state = J_HASHING;
		pthread_mutex_unlock(&mu);

		const char *hash = web->users[j->user < 0 ? 0 : j->user].hash;
		const char *h;

		memset(&cd, 0, sizeof(cd));
		h = crypt_r(j->pass, hash, &cd);
		j->ok = j->user >= 0 && h && h[0] != '*' && same(h, hash);
		explicit_bzero(&cd, sizeof(cd));

		pthread_mutex_lock(&mu);
		if (j->c) {
			j->state = J_DONE;
		} else { /* its request went away meanwhile */
			explicit_bzero(j->pass, sizeof(j->pass));
			j->state = J_FREE;
		}
		pthread_mutex_unlock(&mu);
		uint64_t one = 1;

		if (write(efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_err("auth: eventfd: %m");
		pthread_mutex_lock(&mu);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* On the loop: resume the requests whose hash is done. */
static void done(void *arg, int fd, short revents)
{
	uint64_t n;

	(void)arg;
	(void)revents;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&mu);
	for (int i = 0; i < AUTH_JOBS; i++) {
		struct auth_job *j = &jobs[i];

		if (j->state == J_DONE && !j->resumed && j->c) {
			j->resumed = true;
			MHD_resume_connection(j->c);
		}
	}
	pthread_mutex_unlock(&mu);
	/* In external polling mode resumed requests wait for MHD_run(). */
	kick();
}

bool auth_start(struct webcfg *wc, void (*run_now)(void))
{
	web = wc;
	kick = run_now;
	if (!wc || !wc->nusers)
		return true;
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0) {
		log_err("auth: eventfd: %m");
		return false;
	}
	evh = ev_fd_add(efd, POLLIN, done, NULL);
	if (evh < 0 || pthread_create(&worker, NULL, work, NULL)) {
		log_err("auth: cannot start the bcrypt thread");
		return false;
	}
	running = true;
	return true;
}

void auth_stop(void)
{
	if (running) {
		pthread_mutex_lock(&mu);
		stopping = true;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
		pthread_join(worker, NULL);
		running = false;
	}
	/* Requests still waiting are resumed; they will be denied. */
	for (int i = 0; i < AUTH_JOBS; i++) {
		struct auth_job *j = &jobs[i];

		if (j->state != J_FREE && !j->resumed && j->c) {
			j->ok = false;
			j->state = J_DONE;
			j->resumed = true;
			MHD_resume_connection(j->c);
		}
	}
	if (evh >= 0)
		ev_fd_del(evh);
	if (efd >= 0)
		close(efd);
	evh = efd = -1;
}

/* One more bcrypt run for this client this second? */
static bool budget(const uint8_t *key)
{
	struct timespec now;
	int slot = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (int i = 0; i < AUTH_CLIENTS; i++) {
		if (!memcmp(clients[i].key, key, 16) && clients[i].window) {
			slot = i;
			goto found;
		}
		if (clients[i].window < clients[slot].window)
			slot = i;
	}
	memcpy(clients[slot].key, key, 16);
	clients[slot].window = 0;
found:
	if (clients[slot].window != now.tv_sec + 1) {
		clients[slot].window = now.tv_sec + 1; /* never 0 */
		clients[slot].runs = 0;
	}
	if (clients[slot].runs >= AUTH_BCRYPT_PER_SEC)
		return false;
	clients[slot].runs++;
	return true;
}

enum auth_result auth_check(struct MHD_Connection *c, const uint8_t *key,
			    const char *user, const char *password,
			    struct auth_job **job)
{
	struct auth_job *j = NULL;
	int u;

	for (u = 0; u < web->nusers; u++)
		if (!strcmp(web->users[u].user, user))
			break;
	if (u == web->nusers)
		u = -1;
	else if (web->users[u].verified &&
		 same(web->users[u].verified, password))
		return AUTH_OK;
	if (strlen(password) >= AUTH_PASS_MAX)
		return AUTH_DENIED; /* no hash of ours is that long a secret */
	if (!budget(key))
		return AUTH_BUSY;
	pthread_mutex_lock(&mu);
	for (int i = 0; i < AUTH_JOBS && !j; i++)
		if (jobs[i].state == J_FREE)
			j = &jobs[i];
	if (!j) {
		pthread_mutex_unlock(&mu);
		return AUTH_BUSY;
	}
	j->c = c;
	j->user = u;
	j->ok = false;
	j->resumed = false;
	strcpy(j->pass, password);
	j->state = J_QUEUED;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	*job = j;
	return AUTH_PENDING;
}

enum auth_result auth_finish(struct auth_job *j)
{
	enum auth_result r;
	bool ok;

	pthread_mutex_lock(&mu);
	if (j->state != J_DONE) { /* resumed without a verdict: cannot be */
		pthread_mutex_unlock(&mu);
		return AUTH_DENIED;
	}
	ok = j->ok;
	pthread_mutex_unlock(&mu);
	r = ok ? AUTH_OK : AUTH_DENIED;
	if (ok) {
		free(web->users[j->user].verified);
		web->users[j->user].verified = strdup(j->pass);
	}
	auth_release(j);
	return r;
}

bool auth_is_job(const void *p)
{
	return p >= (const void *)jobs && p < (const void *)(jobs + AUTH_JOBS);
}

void auth_release(struct auth_job *j)
{
	pthread_mutex_lock(&mu);
	if (j->state == J_QUEUED || j->state == J_DONE) {
		explicit_bzero(j->pass, sizeof(j->pass));
		j->state = J_FREE;
		j->c = NULL;
	} else if (j->state == J_HASHING) {
		/* The worker is on it: it frees nothing; drop the request. */
		j->c = NULL;
		j->resumed = true;
	}
	pthread_mutex_unlock(&mu);
}
