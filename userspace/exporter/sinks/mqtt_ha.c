// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mqtt_ha.c - Home Assistant MQTT discovery: one device per meter, one
 * sensor per value its readings hold (mqtt_values.c).
 *
 * Topics: DISCOVERY/sensor/NODE/KEY/config, retained, where NODE is
 * "PREFIX_METER" (characters other than letters, digits, - and _ become
 * _) and KEY names the value ("energy_import_tariff1").  unique_id is
 * NODE_KEY and the device's identifier NODE: they come from the topic
 * prefix and the meter's name, so they survive restarts and replugs and
 * tell nothing about the meter's equipment id.
 *
 * A value's config is sent when it first appears, when its config
 * changes, on every (re)connect and when Home Assistant says "online".
 * A value missing from MISSING_LIMIT readings in a row has its config
 * replaced by an empty retained message: Home Assistant removes the
 * entity.  Configs left in the broker by an earlier run (we subscribe to
 * our nodes' config topics) are removed the same way when the meter does
 * not send their values.
 */
#include <p1/p1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mqtt_int.h"
#include "sbuf.h"

#define MISSING_LIMIT 3

struct ha_entry {
	char key[48];
	uint32_t hash; /* of the config last sent; 0: not sent by us */
	uint8_t missing;
};

struct ha_meter {
	struct ha_entry e[MQTT_VALUES_MAX];
	int n;
	uint32_t sig; /* of the values and device last announced in full */
};

/* Allocated for a meter when it first has something to announce. */
static struct ha_meter *hm[METER_MAX];
static struct mqtt_value cur[MQTT_VALUES_MAX];
static struct sbuf js;

static void node_id(char *buf, size_t cap, const struct meter *m)
{
	size_t j = 0;
	int n = snprintf(buf, cap, "%s_%s", mq.prefix, m->name);

	if (n < 0)
		return;
	for (; buf[j]; j++) {
		char c = buf[j];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			buf[j] = '_';
	}
}

static bool config_topic(char *buf, const struct meter *m, const char *key)
{
	char node[160];
	int n;

	node_id(node, sizeof(node), m);
	n = snprintf(buf, MQTT_TOPIC_MAX, "%s/sensor/%s/%s/config",
		     mq.disc_prefix, node, key);
	return n > 0 && n < MQTT_TOPIC_MAX;
}

/* FNV-1a */
static uint32_t hash_bytes(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h ? h : 1;
}

static uint32_t hash_more(uint32_t h, const char *p)
{
	for (; p && *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return (h ^ 0xff) * 16777619u;
}

/* What the configs depend on, cheaply: values, their templates, device. */
static uint32_t signature(const struct meter *m, const struct mqtt_value *v,
			  int n)
{
	const struct p1_telegram *t = m->tg;
	uint32_t h = 2166136261u;
	char hdr[80];
	size_t hl = t->header_len < sizeof(hdr) - 1 ? t->header_len
						    : sizeof(hdr) - 1;

	memcpy(hdr, t->text + t->header_off, hl);
	hdr[hl] = '\0';
	h = hash_more(h, hdr);
	h = hash_more(h, t->data.version);
	for (int i = 0; i < n; i++) {
		h = hash_more(h, v[i].key);
		h = hash_more(h, v[i].tmpl);
		h = hash_more(h, v[i].name);
	}
	return h ? h : 1;
}

static void jkey(struct sbuf *sb, const char *k)
{
	sb_put_json_str(sb, k, strlen(k));
	sb_putc(sb, ':');
}

static void jstr(struct sbuf *sb, const char *k, const char *v)
{
	jkey(sb, k);
	sb_put_json_str(sb, v, strlen(v));
	sb_putc(sb, ',');
}

static const char *manufacturer(const char *code)
{
	static const char *const names[][2] = {
		{"ISK", "Iskraemeco"}, {"KFM", "Kaifa"},
		{"KMP", "Kamstrup"},   {"XMX", "Xemex"},
		{"SAG", "Sagemcom"},   {"FLU", "Fluvius"},
		{"LGF", "Landis+Gyr"}, {"EIT", "EasyMeter"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strncasecmp(code, names[i][0], 3))
			return names[i][1];
	return NULL;
}

static void device(struct sbuf *sb, const struct meter *m)
{
	const struct p1_telegram *t = m->tg;
	char node[160], text[80], code[4] = "";
	const char *maker;
	size_t hl = t->header_len < sizeof(text) - 1 ? t->header_len
						     : sizeof(text) - 1;

	node_id(node, sizeof(node), m);
	jkey(sb, "device");
	sb_putc(sb, '{');
	jkey(sb, "identifiers");
	sb_putc(sb, '[');
	sb_put_json_str(sb, node, strlen(node));
	sb_puts(sb, "],");
	snprintf(text, sizeof(text), "P1 meter %s", m->name);
	jstr(sb, "name", text);
	memcpy(text, t->text + t->header_off, hl);
	text[hl] = '\0';
	if (hl >= 3)
		memcpy(code, text, 3);
	maker = manufacturer(code);
	jstr(sb, "manufacturer", maker ? maker : code[0] ? code : "unknown");
	if (hl)
		jstr(sb, "model", text);
	if (t->data.version[0])
		jstr(sb, "sw_version", t->data.version);
	sb->len--; /* the last comma */
	sb_puts(sb, "},");
}

static void config(struct sbuf *sb, const struct meter *m,
		   const struct mqtt_value *v)
{
	char node[160], buf[MQTT_TOPIC_MAX + 64];

	node_id(node, sizeof(node), m);
	sb_reset(sb);
	sb_putc(sb, '{');
	jstr(sb, "name", v->name);
	jkey(sb, "unique_id");
	sb_putc(sb, '"');
	sb_puts(sb, node); /* [A-Za-z0-9_-] */
	sb_putc(sb, '_');
	sb_puts(sb, v->key);
	sb_puts(sb, "\",");
	mqtt_topic(buf, m, v->health ? "health" : "state");
	jstr(sb, "state_topic", buf);
	jstr(sb, "value_template", v->tmpl);
	if (v->attr) {
		jstr(sb, "json_attributes_topic", buf);
		jstr(sb, "json_attributes_template", v->attr);
	}
	if (v->device_class)
		jstr(sb, "device_class", v->device_class);
	if (v->state_class)
		jstr(sb, "state_class", v->state_class);
	if (v->unit)
		jstr(sb, "unit_of_measurement", v->unit);
	if (v->icon)
		jstr(sb, "icon", v->icon);
	if (v->precision >= 0) {
		jkey(sb, "suggested_display_precision");
		sb_printf(sb, "%d,", v->precision);
	}
	if (v->diagnostic)
		jstr(sb, "entity_category", "diagnostic");
	jkey(sb, "availability");
	sb_puts(sb, "[{\"topic\":");
	snprintf(buf, sizeof(buf), "%s/status", mq.prefix);
	sb_put_json_str(sb, buf, strlen(buf));
	sb_puts(sb, "},{\"topic\":");
	mqtt_topic(buf, m, "availability");
	sb_put_json_str(sb, buf, strlen(buf));
	sb_puts(sb, "}],");
	jstr(sb, "availability_mode", "all");
	device(sb, m);
	jkey(sb, "origin");
	sb_puts(sb, "{\"name\":\"p1-exporter\",\"sw_version\":");
	sb_put_json_str(sb, P1_VERSION, strlen(P1_VERSION));
	sb_puts(sb, "}}");
}

static struct ha_entry *find(struct ha_meter *h, const char *key)
{
	for (int i = 0; i < h->n; i++)
		if (!strcmp(h->e[i].key, key))
			return &h->e[i];
	return NULL;
}

static void remove_config(const struct meter *m, const char *key)
{
	char topic[MQTT_TOPIC_MAX];

	if (config_topic(topic, m, key))
		mqtt_link_publish(topic, "", 0, mq.qos, true);
}

void mqtt_ha_meter(struct meter *m, bool force)
{
	int n;
	struct ha_meter *h;
	uint32_t sig;
	bool all_sent;

	if (!m->have_reading || !mq.disc_prefix[0] || !mqtt_link_up())
		return;
	if (!js.p && !sb_init(&js, 4096))
		return;
	if (!hm[m->index] && !(hm[m->index] = calloc(1, sizeof(**hm)))) {
		log_warn("meter %s: no memory for its MQTT discovery state",
			 m->name);
		return;
	}
	h = hm[m->index];
	n = mqtt_values_collect(m, cur, MQTT_VALUES_MAX);
	sig = signature(m, cur, n);
	/* the usual telegram: the same values as announced, nothing else */
	if (!force && sig == h->sig && h->n == n)
		return;
	all_sent = true;
	for (int i = 0; i < h->n; i++)
		h->e[i].missing =
			h->e[i].missing < 255 ? h->e[i].missing + 1 : 255;
	for (int i = 0; i < n; i++) {
		struct ha_entry *e = find(h, cur[i].key);
		char topic[MQTT_TOPIC_MAX];
		uint32_t hash;

		if (!e) {
			if (h->n == MQTT_VALUES_MAX)
				continue;
			e = &h->e[h->n++];
			memcpy(e->key, cur[i].key, sizeof(e->key));
			e->hash = 0;
		}
		e->missing = 0;
		config(&js, m, &cur[i]);
		if (js.failed) {
			all_sent = false;
			continue;
		}
		hash = hash_bytes(js.p, js.len);
		if (!force && e->hash == hash)
			continue;
		if (config_topic(topic, m, cur[i].key) &&
		    mqtt_link_publish(topic, js.p, js.len, mq.qos, true))
			e->hash = hash;
		else
			all_sent = false;
	}
	for (int i = 0; i < h->n;) {
		if (h->e[i].missing < MISSING_LIMIT) {
			i++;
			continue;
		}
		log_info("mqtt: meter %s no longer sends %s: entity removed",
			 m->name, h->e[i].key);
		remove_config(m, h->e[i].key);
		h->e[i] = h->e[--h->n];
	}
	h->sig = all_sent ? sig : 0;
}

void mqtt_ha_subscribe(const struct meter *m)
{
	char topic[MQTT_TOPIC_MAX];

	if (mq.disc_prefix[0] && config_topic(topic, m, "+"))
		mqtt_link_subscribe(topic);
}

/* A config on one of our nodes' topics (ours echoed, or an old run's). */
void mqtt_ha_config_seen(const char *topic, size_t payload_len)
{
	for (int i = 0; i < nmeters; i++) {
		char pre[MQTT_TOPIC_MAX];
		const char *key, *end;
		struct ha_meter *h = hm[i];
		struct ha_entry *e;
		size_t pl, kl;

		if (!h || !config_topic(pre, meters[i], "+"))
			continue;
		pl = strlen(pre) - strlen("+/config");
		if (strncmp(topic, pre, pl))
			continue;
		key = topic + pl;
		end = strchr(key, '/');
		if (!end || strcmp(end, "/config"))
			return;
		kl = (size_t)(end - key);
		if (!payload_len || kl >= sizeof(e->key))
			return;
		for (int j = 0; j < h->n; j++)
			if (strlen(h->e[j].key) == kl &&
			    !memcmp(h->e[j].key, key, kl))
				return;
		if (h->n == MQTT_VALUES_MAX) {
			char k[48];

			memcpy(k, key, kl);
			k[kl] = '\0';
			remove_config(meters[i], k);
			return;
		}
		e = &h->e[h->n++];
		memcpy(e->key, key, kl);
		e->key[kl] = '\0';
		e->hash = 0;
		e->missing = 0;
		log_debug("mqtt: meter %s: %s announced earlier",
			  meters[i]->name, e->key);
		return;
	}
}
