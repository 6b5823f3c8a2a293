// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mqtt_link.c - the broker connection: libmosquitto driven by the
 * exporter's one poll loop (no libmosquitto thread).
 *
 * The socket (mosquitto_socket()) is watched for POLLIN, and for POLLOUT
 * while libmosquitto has bytes to write (mosquitto_want_write(), checked
 * after everything that may queue some); a 1 s timer runs
 * mosquitto_loop_misc() (keepalive).  Every way a connection ends -- read
 * or write error, keepalive timeout, the broker refusing the CONNECT --
 * reaches on_disconnect(), but a failed TLS handshake, which libmosquitto
 * ends by closing the socket without a callback (on_socket() sees it, and
 * names OpenSSL's reason, which libmosquitto gives only to its log
 * callback); then the socket leaves the loop and a timer
 * reconnects after 1, 2, 4, ... 60 s (reset by a successful CONNACK).
 * A connection attempt that gets no CONNACK within 15 s is abandoned.
 *
 * The queue (see mqtt_int.h) is libmosquitto's own, bounded here: each
 * message handed over is remembered by mid until on_publish() says it was
 * written (QoS 0) or acknowledged (QoS 1, 2).  QoS 0 messages still
 * unwritten when a connection ends are lost with it (counted dropped);
 * QoS 1 and 2 ones are sent again after reconnecting.
 *
 * The name look-up of the broker (in mosquitto_connect_async) blocks the
 * loop; give --mqtt.url a numeric address where that matters.
 *
 * Our side allocates nothing per telegram (the JSON buffer and the value
 * list are reused); libmosquitto mallocs each packet it queues and frees
 * it once written: the one allocation per message this sink makes.
 */
#include <errno.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "log.h"
#include "mqtt_int.h"
#include "options.h"

#define KEEPALIVE_S	 30
#define BACKOFF_MIN_NS	 1000000000ull
#define BACKOFF_MAX_NS	 60000000000ull
#define CONNECT_LIMIT_NS 15000000000ull
#define MISC_INTERVAL_NS 1000000000ull

struct pending {
	int mid;
	int qos;
	size_t bytes;
};

static struct mosquitto *mosq;
static struct mqtt_link_stats st;
static int fd = -1, fd_handle = -1;
static bool connecting, stopping, ever_connected;
static uint64_t backoff_ns = BACKOFF_MIN_NS;
static struct ev_timer retry_timer, misc_timer, connect_timer;
static struct pending pend[MQTT_QUEUE_MAX];
static unsigned npend;
/* The mid being published: on_publish() may run inside mosquitto_publish */
static int publishing_mid;
static bool publishing, published_early;
/* libmosquitto's last error log line (OpenSSL's reason for a TLS error) */
static char lib_error[160];

static void on_socket(void *arg, int sfd, short revents);

static void pend_remove(unsigned i)
{
	st.queued_bytes -= pend[i].bytes;
	pend[i] = pend[--npend];
	st.queued = npend;
}

/* Keep the loop's descriptor in step with libmosquitto's socket. */
static void sync_fd(void)
{
	int s = mosq ? mosquitto_socket(mosq) : -1;

	if (s != fd) {
		if (fd_handle >= 0)
			ev_fd_del(fd_handle);
		fd_handle = -1;
		fd = s;
		if (s >= 0)
			fd_handle = ev_fd_add(s, POLLIN, on_socket, NULL);
	}
	if (fd_handle >= 0)
		ev_fd_events(
			fd_handle,
			(short)(POLLIN |
				(mosquitto_want_write(mosq) ? POLLOUT : 0)));
}

static void schedule_retry(void)
{
	uint64_t d = backoff_ns;

	if (stopping)
		return;
	/* +-25 % so that many exporters don't come back in step */
	d = d - d / 4 +
	    (uint64_t)(random() % (long)(d / 2 / 1000000 + 1)) * 1000000;
	ev_timer_arm(&retry_timer, d);
	backoff_ns = backoff_ns * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS
						     : backoff_ns * 2;
}

static void connection_over(const char *why)
{
	unsigned lost = 0;

	ev_timer_disarm(&connect_timer);
	if (stopping) {
		st.connected = false;
		connecting = false;
		return;
	}
	if (st.connected) {
		st.connected = false;
		log_warn("mqtt: lost the broker %s:%d: %s", mq.host, mq.port,
			 why);
	} else if (connecting) {
		st.failures++;
		LOG_RL(LOG_WARNING, "mqtt: cannot connect to %s:%d: %s",
		       mq.host, mq.port, why);
	}
	connecting = false;
	for (unsigned i = 0; i < npend;) {
		if (pend[i].qos == 0) {
			pend_remove(i);
			lost++;
		} else {
			i++;
		}
	}
	st.dropped += lost;
	sync_fd();
	schedule_retry();
}

static void on_connect(struct mosquitto *m, void *arg, int rc)
{
	(void)m;
	(void)arg;
	if (rc) {
		/* on_disconnect() follows and schedules the retry. */
		if (rc == 4 || rc == 5)
			LOG_RL(LOG_ERR,
			       "mqtt: broker %s:%d refused the connection: %s "
			       "(check the user in --mqtt.url and "
			       "--mqtt.password-file)",
			       mq.host, mq.port, mosquitto_connack_string(rc));
		else
			LOG_RL(LOG_ERR,
			       "mqtt: broker %s:%d refused the connection: %s",
			       mq.host, mq.port, mosquitto_connack_string(rc));
		return;
	}
	ev_timer_disarm(&connect_timer);
	mosquitto_log_callback_set(mosq, NULL);
	connecting = false;
	st.connected = true;
	st.connects++;
	if (ever_connected)
		st.reconnects++;
	ever_connected = true;
	backoff_ns = BACKOFF_MIN_NS;
	log_info("mqtt: connected to %s:%d as %s", mq.host, mq.port,
		 mq.client_id);
	mqtt_pub_connected();
}

static void on_disconnect(struct mosquitto *m, void *arg, int rc)
{
	(void)m;
	(void)arg;
	connection_over(rc == MOSQ_ERR_CONN_REFUSED ? "refused"
			: rc			    ? mosquitto_strerror(rc)
						    : "disconnected");
}

static void on_publish(struct mosquitto *m, void *arg, int mid)
{
	(void)m;
	(void)arg;
	st.sent++;
	for (unsigned i = 0; i < npend; i++) {
		if (pend[i].mid == mid) {
			pend_remove(i);
			return;
		}
	}
	if (publishing && mid == publishing_mid)
		published_early = true;
}

static void on_message(struct mosquitto *m, void *arg,
		       const struct mosquitto_message *msg)
{
	(void)m;
	(void)arg;
	if (msg->payloadlen < 0)
		return;
	mqtt_pub_message(msg->topic, msg->payload, (size_t)msg->payloadlen);
}

static void on_log(struct mosquitto *m, void *arg, int level, const char *s)
{
	(void)m;
	(void)arg;
	if (level & MOSQ_LOG_ERR)
		snprintf(lib_error, sizeof(lib_error), "%s", s);
}

static void start_connect(void)
{
	int rc;

	connecting = true;
	/* (only until CONNACK: libmosquitto mallocs each line it logs) */
	lib_error[0] = '\0';
	mosquitto_log_callback_set(mosq, on_log);
	ev_timer_arm(&connect_timer, CONNECT_LIMIT_NS);
	rc = ever_connected || st.failures
		     ? mosquitto_reconnect_async(mosq)
		     : mosquitto_connect_async(mosq, mq.host, mq.port,
					       KEEPALIVE_S);
	if (rc != MOSQ_ERR_SUCCESS) {
		connection_over(rc == MOSQ_ERR_ERRNO ? strerror(errno)
						     : mosquitto_strerror(rc));
		return;
	}
	sync_fd();
}

static void on_retry(void *arg)
{
	(void)arg;
	start_connect();
}

static void on_connect_timeout(void *arg)
{
	(void)arg;
	if (!connecting)
		return;
	/* mosquitto_reconnect_async() closes the socket it leaves. */
	if (fd_handle >= 0)
		ev_fd_del(fd_handle);
	fd_handle = -1;
	fd = -1;
	connection_over("no answer");
}

static void on_misc(void *arg)
{
	(void)arg;
	if (fd >= 0)
		mosquitto_loop_misc(mosq);
	sync_fd();
	ev_timer_arm(&misc_timer, MISC_INTERVAL_NS);
}

static void on_socket(void *arg, int sfd, short revents)
{
	int rc = MOSQ_ERR_SUCCESS;

	(void)arg;
	(void)sfd;
	if (revents & (POLLIN | POLLERR | POLLHUP))
		rc = mosquitto_loop_read(mosq, 1);
	if ((revents & POLLOUT) && mosquitto_socket(mosq) >= 0) {
		int wrc = mosquitto_loop_write(mosq, 1);

		if (rc == MOSQ_ERR_SUCCESS)
			rc = wrc;
	}
	sync_fd();
	/* the socket gone with no on_disconnect(): a failed TLS handshake */
	if (connecting && fd < 0 && rc != MOSQ_ERR_SUCCESS)
		connection_over(rc == MOSQ_ERR_TLS && lib_error[0]
					? lib_error
					: mosquitto_strerror(rc));
}

bool mqtt_link_start(void)
{
	int rc;

	mosquitto_lib_init();
	mosq = mosquitto_new(mq.client_id, true, NULL);
	if (!mosq) {
		log_err("mqtt: cannot create the client: %m");
		return false;
	}
	mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION,
			     MQTT_PROTOCOL_V311);
	mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, 20);
	if (mq.user[0] &&
	    mosquitto_username_pw_set(mosq, mq.user,
				      mq.have_password ? mq.password : NULL)) {
		log_err("mqtt: cannot set the user name");
		return false;
	}
	if (mq.ssl) {
		mosquitto_void_option(mosq, MOSQ_OPT_SSL_CTX, mq.ssl);
		mosquitto_int_option(mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
	}
	{
		char topic[MQTT_TOPIC_MAX];

		snprintf(topic, sizeof(topic), "%s/status", mq.prefix);
		rc = mosquitto_will_set(mosq, topic, 7, "offline", mq.qos,
					true);
		if (rc) {
			log_err("mqtt: last will: %s", mosquitto_strerror(rc));
			return false;
		}
	}
	mosquitto_connect_callback_set(mosq, on_connect);
	mosquitto_disconnect_callback_set(mosq, on_disconnect);
	mosquitto_publish_callback_set(mosq, on_publish);
	mosquitto_message_callback_set(mosq, on_message);
	ev_timer_init(&retry_timer, on_retry, NULL);
	ev_timer_init(&misc_timer, on_misc, NULL);
	ev_timer_init(&connect_timer, on_connect_timeout, NULL);
	ev_timer_arm(&misc_timer, MISC_INTERVAL_NS);
	log_info("mqtt: publishing to %s://%s%s%s:%d, topics %s/...",
		 mq.tls ? "mqtts" : "mqtt", mq.user, mq.user[0] ? "@" : "",
		 mq.host, mq.port, mq.prefix);
	start_connect();
	return true;
}

bool mqtt_link_up(void)
{
	return st.connected;
}

bool mqtt_link_publish(const char *topic, const void *p, size_t n, int qos,
		       bool retain)
{
	int rc, mid = 0;

	if (!mosq || (!st.connected && qos == 0) || npend >= MQTT_QUEUE_MAX ||
	    st.queued_bytes + n > MQTT_QUEUE_BYTES) {
		st.dropped++;
		if (st.connected)
			LOG_RL(LOG_WARNING,
			       "mqtt: queue full (%u messages, %zu bytes): "
			       "message to %s dropped",
			       npend, st.queued_bytes, topic);
		return false;
	}
	publishing = true;
	published_early = false;
	publishing_mid = -1;
	rc = mosquitto_publish(mosq, &publishing_mid, topic, (int)n, p, qos,
			       retain);
	mid = publishing_mid;
	publishing = false;
	/* QoS 1, 2 without a connection: libmosquitto keeps the message and
	 * sends it after reconnecting, but says NO_CONN */
	if (rc == MOSQ_ERR_NO_CONN && qos > 0 && mid > 0)
		rc = MOSQ_ERR_SUCCESS;
	if (rc != MOSQ_ERR_SUCCESS) {
		st.dropped++;
		LOG_RL(LOG_WARNING, "mqtt: publish to %s: %s", topic,
		       mosquitto_strerror(rc));
		sync_fd();
		return false;
	}
	if (!published_early) {
		pend[npend++] = (struct pending){mid, qos, n};
		st.queued = npend;
		st.queued_bytes += n;
	}
	sync_fd();
	return true;
}

void mqtt_link_subscribe(const char *topic)
{
	int rc;

	if (!st.connected)
		return;
	rc = mosquitto_subscribe(mosq, NULL, topic, 0);
	if (rc)
		LOG_RL(LOG_WARNING, "mqtt: subscribe %s: %s", topic,
		       mosquitto_strerror(rc));
	sync_fd();
}

const struct mqtt_link_stats *mqtt_link_stats(void)
{
	return &st;
}

/* Write what is queued, then DISCONNECT; at most about 2 s. */
void mqtt_link_stop(void)
{
	uint64_t end = ev_now() + 2000000000ull;

	if (!mosq)
		return;
	stopping = true;
	ev_timer_disarm(&retry_timer);
	ev_timer_disarm(&misc_timer);
	ev_timer_disarm(&connect_timer);
	if (st.connected) {
		while (npend && mosquitto_socket(mosq) >= 0 && ev_now() < end) {
			struct pollfd p = {
				.fd = mosquitto_socket(mosq),
				.events = (short)(POLLIN |
						  (mosquitto_want_write(mosq)
							   ? POLLOUT
							   : 0)),
			};

			if (poll(&p, 1, 100) < 0 && errno != EINTR)
				break;
			if (p.revents & (POLLIN | POLLERR | POLLHUP))
				mosquitto_loop_read(mosq, 1);
			if ((p.revents & POLLOUT) &&
			    mosquitto_socket(mosq) >= 0)
				mosquitto_loop_write(mosq, 1);
		}
		mosquitto_disconnect(mosq);
		while (mosquitto_socket(mosq) >= 0 &&
		       mosquitto_want_write(mosq) && ev_now() < end)
			mosquitto_loop_write(mosq, 1);
	}
	if (fd_handle >= 0)
		ev_fd_del(fd_handle);
	fd_handle = -1;
	mosquitto_destroy(mosq);
	mosq = NULL;
	mosquitto_lib_cleanup();
}
