/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mqtt_int.h - the MQTT sink's parts and how they talk:
 *
 *   mqtt_conf.c     settings: URL, password file, TLS context, topics
 *   mqtt_link.c     the broker connection: libmosquitto driven by the
 *                   event loop, reconnect with backoff, the bounded queue,
 *                   counters
 *   mqtt_publish.c  the sink: status, availability, state, per-value and
 *                   telegram topics
 *   mqtt_values.c   the values a reading holds (one list for per-value
 *                   topics and discovery)
 *   mqtt_ha.c       Home Assistant discovery
 *
 * All of it runs on the event loop's thread.
 */
#ifndef P1X_MQTT_INT_H
#define P1X_MQTT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meter.h"

#define MQTT_TOPIC_MAX 256

struct ssl_ctx_st;

struct mqtt_conf {
	char host[256];
	int port;
	bool tls;
	char user[256];
	char password[256];
	bool have_password;
	char client_id[128];
	char prefix[128];      /* --mqtt.topic-prefix */
	char disc_prefix[128]; /* --mqtt.homeassistant, "" when off */
	bool ha_device;	       /* --mqtt.homeassistant-mode=device */
	int qos;
	bool retain;
	struct ssl_ctx_st *ssl; /* mqtts: verifies the broker's name */
};

extern struct mqtt_conf mq;

/* mqtt_conf.c: fill mq from cfg; false after a message. */
bool mqtt_conf_load(void);

/*
 * mqtt_link.c.  The queue: messages handed to libmosquitto and not yet
 * written (QoS 0) or acknowledged (QoS 1, 2), at most MQTT_QUEUE_MAX of
 * them and MQTT_QUEUE_BYTES bytes; a message that does not fit, or a
 * QoS 0 one while the broker is unreachable, is dropped and counted.
 */
#define MQTT_QUEUE_MAX	 256
#define MQTT_QUEUE_BYTES (4u << 20)

struct mqtt_link_stats {
	bool connected;
	uint64_t sent, dropped, reconnects, connects, failures;
	unsigned queued;
	size_t queued_bytes;
};

bool mqtt_link_start(void);
void mqtt_link_stop(void);
bool mqtt_link_up(void);
bool mqtt_link_publish(const char *topic, const void *p, size_t n, int qos,
		       bool retain);
void mqtt_link_subscribe(const char *topic);
const struct mqtt_link_stats *mqtt_link_stats(void);

/* mqtt_publish.c, called by the link. */
void mqtt_pub_connected(void);
void mqtt_pub_message(const char *topic, const void *p, size_t n);
bool mqtt_pub_register(void);
/* "PREFIX/METER/what" into buf; false if it does not fit. */
bool mqtt_topic(char *buf, const struct meter *m, const char *what);
/* The latest reading on PREFIX/METER/state (and the health document). */
void mqtt_pub_state(struct meter *m);

/* mqtt_values.c */
struct mqtt_value {
	char key[48];	  /* object id, the unique_id's last part */
	char topic[64];	  /* per-value topic after PREFIX/METER/ ("": none) */
	char name[64];	  /* Home Assistant entity name */
	char tmpl[224];	  /* Jinja template giving the value in unit */
	const char *attr; /* json_attributes_template, or NULL */
	bool health;	  /* read from PREFIX/METER/health, not .../state */
	bool diagnostic;
	const char *device_class, *state_class, *unit, *icon;
	int precision; /* suggested display precision, -1: none */
	double value;  /* as the JSON has it (topic's payload) */
	bool text;     /* a string (no per-value topic, no number) */
};

#define MQTT_VALUES_MAX 128

/* The values m's latest reading holds (m->have_reading); returns n. */
int mqtt_values_collect(const struct meter *m, struct mqtt_value *v, int max);
/* A number as the JSON writes it. */
int mqtt_fmt_number(char *buf, size_t cap, double x);

/* mqtt_ha.c */
void mqtt_ha_meter(struct meter *m, bool force);
void mqtt_ha_subscribe(const struct meter *m);
/* After connecting: learn the meters of earlier runs. */
void mqtt_ha_connected(void);
/* A message on a topic mqtt_ha subscribed to. */
void mqtt_ha_message(const char *topic, const void *payload, size_t n);

#endif
