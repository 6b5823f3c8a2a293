// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mqtt_publish.c - the MQTT sink: what is published, and when.
 *
 *   PREFIX/status              "online" (retained) while connected;
 *                              "offline" as the last will and on exit
 *   PREFIX/METER/availability  "online"/"offline" (retained): p1_up
 *   PREFIX/METER/state         the latest reading: the JSON of
 *                              /api/v1/meters/METER (--mqtt.interval
 *                              apart at least; --mqtt.retain)
 *   PREFIX/METER/health        the meter's entry of /api/v1/meters
 *                              (counters), with the state, at most every
 *                              10 s
 *   PREFIX/METER/<value>       --mqtt.values: one number per topic
 *   PREFIX/METER/telegram      --mqtt.telegram: the telegram as kept
 *                              (equipment ids blanked unless
 *                              --export-equipment-id)
 *
 * On every (re)connect: status, each meter's availability, discovery and
 * latest state again.  Home Assistant's "online" on DISCOVERY/status:
 * discovery and state again.
 */
#include <p1/p1.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "evloop.h"
#include "log.h"
#include "mqtt.h"
#include "mqtt_int.h"
#include "options.h"
#include "sink.h"

#define HEALTH_INTERVAL_NS 10000000000ull

struct pub_meter {
	uint64_t last_state_ns, last_health_ns;
	bool avail_known, avail;
};

static struct pub_meter pm[METER_MAX];
static struct sbuf sb;
static struct mqtt_value vals[MQTT_VALUES_MAX];
static bool started;

static struct pub_meter *pub_of(const struct meter *m)
{
	return &pm[m->index];
}

bool mqtt_topic(char *buf, const struct meter *m, const char *what)
{
	int n = snprintf(buf, MQTT_TOPIC_MAX, "%s/%s/%s", mq.prefix, m->name,
			 what);

	return n > 0 && n < MQTT_TOPIC_MAX;
}

static void publish_str(const char *topic, const char *s, bool retain)
{
	mqtt_link_publish(topic, s, strlen(s), mq.qos, retain);
}

static void publish_status(const char *what)
{
	char topic[MQTT_TOPIC_MAX];

	snprintf(topic, sizeof(topic), "%s/status", mq.prefix);
	publish_str(topic, what, true);
}

static void publish_availability(struct meter *m, bool force)
{
	struct pub_meter *p = pub_of(m);
	char topic[MQTT_TOPIC_MAX];
	bool up = meter_up(m);

	if (!p || (!force && p->avail_known && p->avail == up))
		return;
	if (!mqtt_link_up() && mq.qos == 0)
		return; /* sent on connecting */
	p->avail_known = true;
	p->avail = up;
	if (mqtt_topic(topic, m, "availability"))
		publish_str(topic, up ? "online" : "offline", true);
}

static void publish_health(struct meter *m)
{
	char topic[MQTT_TOPIC_MAX];

	sb_reset(&sb);
	api_meter_summary(&sb, m);
	if (!sb.failed && mqtt_topic(topic, m, "health"))
		mqtt_link_publish(topic, sb.p, sb.len, mq.qos, mq.retain);
}

static void publish_values(struct meter *m)
{
	int n = mqtt_values_collect(m, vals, MQTT_VALUES_MAX);

	for (int i = 0; i < n; i++) {
		char topic[MQTT_TOPIC_MAX], num[40];
		int len;

		if (!vals[i].topic[0] || !mqtt_topic(topic, m, vals[i].topic))
			continue;
		len = mqtt_fmt_number(num, sizeof(num), vals[i].value);
		mqtt_link_publish(topic, num, (size_t)len, mq.qos, mq.retain);
	}
}

void mqtt_pub_state(struct meter *m)
{
	struct pub_meter *p = pub_of(m);
	char topic[MQTT_TOPIC_MAX];
	uint64_t now = ev_now();

	if (!p || !m->have_reading)
		return;
	sb_reset(&sb);
	api_reading(&sb, m);
	if (!sb.failed && mqtt_topic(topic, m, "state"))
		mqtt_link_publish(topic, sb.p, sb.len, mq.qos, mq.retain);
	p->last_state_ns = now;
	if (!p->last_health_ns ||
	    now - p->last_health_ns >= HEALTH_INTERVAL_NS) {
		p->last_health_ns = now;
		publish_health(m);
	}
}

static void on_meter(struct meter *m)
{
	if (mqtt_link_up())
		mqtt_ha_subscribe(m);
}

static void on_reading(struct meter *m)
{
	struct pub_meter *p = pub_of(m);
	uint64_t now = ev_now();

	if (!p)
		return;
	/* While the broker is away, QoS 0 messages are counted as dropped
	 * by the link; everything is sent again on connecting. */
	if (mq.disc_prefix[0])
		mqtt_ha_meter(m, false);
	if (p->last_state_ns && cfg.mqtt_interval > 0 &&
	    now - p->last_state_ns < (uint64_t)(cfg.mqtt_interval * 1e9))
		return;
	mqtt_pub_state(m);
	if (cfg.mqtt_values)
		publish_values(m);
	if (cfg.mqtt_telegram) {
		char topic[MQTT_TOPIC_MAX];

		if (mqtt_topic(topic, m, "telegram"))
			mqtt_link_publish(topic, m->tg->text, m->tg->len,
					  mq.qos, mq.retain);
	}
}

static void on_state(struct meter *m)
{
	publish_availability(m, false);
}

static void on_stop(void)
{
	if (mqtt_link_up()) {
		for (int i = 0; i < nmeters; i++) {
			char topic[MQTT_TOPIC_MAX];

			if (mqtt_topic(topic, meters[i], "availability"))
				publish_str(topic, "offline", true);
		}
		publish_status("offline");
	}
	mqtt_link_stop();
	log_info("mqtt: stopped");
}

static void mqtt_metrics(struct sbuf *out);

static const struct sink_ops mqtt_sink = {
	.name = "mqtt",
	.meter = on_meter,
	.reading = on_reading,
	.state = on_state,
	.stop = on_stop,
	.metrics = mqtt_metrics,
};

void mqtt_pub_connected(void)
{
	char topic[MQTT_TOPIC_MAX];

	publish_status("online");
	if (mq.disc_prefix[0]) {
		snprintf(topic, sizeof(topic), "%s/status", mq.disc_prefix);
		mqtt_link_subscribe(topic);
		mqtt_ha_connected();
	}
	for (int i = 0; i < nmeters; i++) {
		struct meter *m = meters[i];

		publish_availability(m, true);
		if (mq.disc_prefix[0]) {
			mqtt_ha_subscribe(m);
			if (m->have_reading)
				mqtt_ha_meter(m, true);
		}
		if (m->have_reading)
			mqtt_pub_state(m);
	}
}

void mqtt_pub_message(const char *topic, const void *p, size_t n)
{
	char status[MQTT_TOPIC_MAX];

	if (!mq.disc_prefix[0])
		return;
	snprintf(status, sizeof(status), "%s/status", mq.disc_prefix);
	if (!strcmp(topic, status)) {
		if (n == 6 && !memcmp(p, "online", 6)) {
			log_info("mqtt: Home Assistant is online: announcing "
				 "the meters again");
			for (int i = 0; i < nmeters; i++) {
				if (!meters[i]->have_reading)
					continue;
				mqtt_ha_meter(meters[i], true);
				mqtt_pub_state(meters[i]);
			}
		}
		return;
	}
	mqtt_ha_message(topic, p, n);
}

bool mqtt_pub_register(void)
{
	if (started)
		return true;
	if (!sb_init(&sb, 16384) || sink_register(&mqtt_sink) < 0) {
		log_err("mqtt: cannot register the sink");
		return false;
	}
	started = true;
	return true;
}

bool mqtt_check(void)
{
	if (!cfg.mqtt_url)
		return true;
	return mqtt_conf_load();
}

bool mqtt_start(void)
{
	if (!cfg.mqtt_url)
		return true;
	if (!mqtt_conf_load() || !mqtt_pub_register())
		return false;
	return mqtt_link_start();
}

/* p1_mqtt_*: the broker link's families (sink hook, per scrape). */
static void mqtt_metrics(struct sbuf *out)
{
	const struct mqtt_link_stats *s = mqtt_link_stats();

	sb_printf(out,
		  "# HELP p1_mqtt_connected 1 if connected to the MQTT "
		  "broker.\n"
		  "# TYPE p1_mqtt_connected gauge\n"
		  "p1_mqtt_connected %d\n"
		  "# HELP p1_mqtt_messages_sent_total MQTT messages written "
		  "to the broker (QoS 0) or acknowledged by it (QoS 1, 2).\n"
		  "# TYPE p1_mqtt_messages_sent_total counter\n"
		  "p1_mqtt_messages_sent_total %llu\n"
		  "# HELP p1_mqtt_messages_dropped_total MQTT messages not "
		  "sent: broker unreachable (QoS 0) or queue full.\n"
		  "# TYPE p1_mqtt_messages_dropped_total counter\n"
		  "p1_mqtt_messages_dropped_total %llu\n"
		  "# HELP p1_mqtt_queued_messages MQTT messages waiting to "
		  "be written or acknowledged (at most %d).\n"
		  "# TYPE p1_mqtt_queued_messages gauge\n"
		  "p1_mqtt_queued_messages %u\n"
		  "# HELP p1_mqtt_reconnects_total Connections to the MQTT "
		  "broker made again after one was lost.\n"
		  "# TYPE p1_mqtt_reconnects_total counter\n"
		  "p1_mqtt_reconnects_total %llu\n"
		  "# HELP p1_mqtt_connect_failures_total Connection attempts "
		  "to the MQTT broker that failed (unreachable, refused).\n"
		  "# TYPE p1_mqtt_connect_failures_total counter\n"
		  "p1_mqtt_connect_failures_total %llu\n",
		  s->connected ? 1 : 0, (unsigned long long)s->sent,
		  (unsigned long long)s->dropped, MQTT_QUEUE_MAX, s->queued,
		  (unsigned long long)s->reconnects,
		  (unsigned long long)s->failures);
}
