// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * curl_loop.c - glue between one CURLM handle and evloop.c.
 *
 * Each socket curl wants watched gets an event-loop handle, kept as the
 * socket's "socketp" (handle + 1, so NULL means none yet).  curl's one
 * timeout is one ev_timer.  Finished transfers are collected after every
 * curl_multi_socket_action() call.
 */
#include "curl_loop.h"

#include <stdint.h>

#include "evloop.h"
#include "log.h"

#define CL_MAX_EASY 8

static CURLM *multi;
static struct ev_timer timer;
static struct {
	CURL *easy;
	curl_loop_done_cb done;
	void *arg;
} easies[CL_MAX_EASY];

static void collect(void)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(multi, &left))) {
		CURL *e;
		CURLcode res;

		if (msg->msg != CURLMSG_DONE)
			continue;
		e = msg->easy_handle;
		res = msg->data.result;
		curl_multi_remove_handle(multi, e);
		for (int i = 0; i < CL_MAX_EASY; i++) {
			if (easies[i].easy != e)
				continue;
			easies[i].easy = NULL;
			easies[i].done(easies[i].arg, res);
			break;
		}
	}
}

static void on_fd(void *arg, int fd, short revents)
{
	int flags = 0, running;

	(void)arg;
	if (revents & POLLIN)
		flags |= CURL_CSELECT_IN;
	if (revents & POLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(multi, fd, flags, &running);
	collect();
}

static void on_timer(void *arg)
{
	int running;

	(void)arg;
	curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	collect();
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
		     void *socketp)
{
	intptr_t h = (intptr_t)socketp - 1;
	short ev = 0;

	(void)easy;
	(void)userp;
	if (what == CURL_POLL_REMOVE) {
		if (h >= 0)
			ev_fd_del((int)h);
		curl_multi_assign(multi, s, NULL);
		return 0;
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev |= POLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev |= POLLOUT;
	if (h >= 0) {
		ev_fd_events((int)h, ev);
		return 0;
	}
	h = ev_fd_add(s, ev, on_fd, NULL);
	if (h < 0)
		return -1; /* curl fails the transfer */
	curl_multi_assign(multi, s, (void *)(h + 1));
	return 0;
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	(void)m;
	(void)userp;
	if (timeout_ms < 0)
		ev_timer_disarm(&timer);
	else
		ev_timer_arm(&timer, (uint64_t)timeout_ms * 1000000u);
	return 0;
}

bool curl_loop_init(void)
{
	if (multi)
		return true;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_err("libcurl: global initialisation failed");
		return false;
	}
	multi = curl_multi_init();
	if (!multi) {
		log_err("libcurl: cannot create a multi handle");
		return false;
	}
	ev_timer_init(&timer, on_timer, NULL);
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	return true;
}

bool curl_loop_add(CURL *easy, curl_loop_done_cb done, void *arg)
{
	CURLMcode rc;
	int i;

	for (i = 0; i < CL_MAX_EASY; i++)
		if (!easies[i].easy)
			break;
	if (i == CL_MAX_EASY) {
		log_err("libcurl: more than %d transfers at once", CL_MAX_EASY);
		return false;
	}
	rc = curl_multi_add_handle(multi, easy);
	if (rc != CURLM_OK) {
		log_err("libcurl: %s", curl_multi_strerror(rc));
		return false;
	}
	easies[i].easy = easy;
	easies[i].done = done;
	easies[i].arg = arg;
	return true;
}

void curl_loop_remove(CURL *easy)
{
	for (int i = 0; i < CL_MAX_EASY; i++) {
		if (easies[i].easy != easy)
			continue;
		easies[i].easy = NULL;
		curl_multi_remove_handle(multi, easy);
	}
}

void curl_loop_cleanup(void)
{
	if (!multi)
		return;
	ev_timer_disarm(&timer);
	curl_multi_cleanup(multi);
	multi = NULL;
	curl_global_cleanup();
}
