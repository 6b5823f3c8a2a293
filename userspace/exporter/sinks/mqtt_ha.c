// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mqtt_ha.c - Home Assistant MQTT discovery: one device per meter, one
 * sensor per value its readings hold (mqtt_values.c).
 *
 * Entity mode (the default): DISCOVERY/sensor/NODE/KEY/config, one
 * retained config per value, where NODE is "PREFIX_METER" (characters
 * other than letters, digits, - and _ become _) and KEY names the value
 * ("energy_import_tariff1").  Device mode (--mqtt.homeassistant-mode=
 * device, Home Assistant 2024.12 and later): DISCOVERY/device/NODE/config,
 * one retained message with the device, the origin, the options the
 * components share (state topic, availability) and every value as a
 * component of "cmps".  In both, unique_id is NODE_KEY and the device's
 * identifier NODE: they come from the topic prefix and the meter's name,
 * so they survive restarts and replugs, are the same in both modes, and
 * tell nothing about the meter's equipment id.
 *
 * A value's config is sent when it first appears, when its config
 * changes, on every (re)connect and when Home Assistant says "online".
 * A value missing from MISSING_LIMIT readings in a row is removed: its
 * config replaced by an empty retained message (entity mode), or its
 * component reduced to {"p":"sensor"} (device mode, Home Assistant's way
 * of removing one component).  We subscribe to our nodes' config topics
 * of both modes, so configs an earlier run left are seen: values the
 * meter no longer sends are removed the same way, and the other mode's
 * configs are migrated (Home Assistant's {"migrate_discovery": true} on
 * the old topic, the new config, then the old topic emptied), which keeps
 * the entities, their ids and history.
 *
 * A meter that is gone: every meter's PREFIX/METER/availability is
 * retained, so on connecting we learn the meters of earlier runs.  One
 * that has not come back meter.stale-after after connecting (renamed, or
 * its source removed from the configuration) has its discovery configs of
 * both modes and its retained topics emptied: Home Assistant removes its
 * device.  This assumes one exporter per topic prefix (PREFIX/status is
 * shared anyway).
 */

#include <p1/p1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "log.h"
#include "mqtt_int.h"
#include "options.h"
#include "sbuf.h"

#define MISSING_LIMIT 3
#define ORPHANS_MAX   64
#define MIGRATE	      "{\"migrate_discovery\":true}"

struct ha_entry {
	char key[48];
	uint32_t hash; /* of the config last sent; 0: not sent by us */
	uint8_t missing;
	bool removed; /* device mode: announced as removed */
};

struct ha_meter {
	struct ha_entry e[MQTT_VALUES_MAX];
	int n, nactive;	   /* entries; those not removed */
	uint32_t sig;	   /* of the values and device last announced */
	uint32_t dev_hash; /* device mode: of the device config last sent */
	bool old_device;   /* entity mode: a device config to migrate */
	char old[MQTT_VALUES_MAX][48]; /* device mode: entity configs to */
	int nold;		       /* migrate (their keys) */
};

/* A meter of an earlier run, known from its retained availability. */
struct orphan {
	char name[64];
	bool gone; /* not back in time: its configs and topics are emptied */
};

/* Allocated for a meter when it first has something to announce. */
static struct ha_meter *hm[METER_MAX];
static struct mqtt_value cur[MQTT_VALUES_MAX];
static struct sbuf js;
static struct orphan orphans[ORPHANS_MAX];
static int norphans;
static struct ev_timer orphan_timer;
static bool orphan_timer_init, orphan_time_up;

static void node_id(char *buf, size_t cap, const char *name)
{
	size_t j = 0;
	int n = snprintf(buf, cap, "%s_%s", mq.prefix, name);

	if (n < 0)
		return;
	for (; buf[j]; j++) {
		char c = buf[j];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			buf[j] = '_';
	}
}

/* DISCOVERY/sensor/NODE/KEY/config, or with key NULL the device's. */
static bool node_topic(char *buf, const char *name, const char *key)
{
	char node[160];
	int n;

	node_id(node, sizeof(node), name);
	if (key)
		n = snprintf(buf, MQTT_TOPIC_MAX, "%s/sensor/%s/%s/config",
			     mq.disc_prefix, node, key);
	else
		n = snprintf(buf, MQTT_TOPIC_MAX, "%s/device/%s/config",
			     mq.disc_prefix, node);
	return n > 0 && n < MQTT_TOPIC_MAX;
}

static bool config_topic(char *buf, const struct meter *m, const char *key)
{
	return node_topic(buf, m->name, key);
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

static void device(struct sbuf *sb, const struct meter *m, const char *k)
{
	const struct p1_telegram *t = m->tg;
	char node[160], text[80], code[4] = "";
	const char *maker;
	size_t hl = t->header_len < sizeof(text) - 1 ? t->header_len
						     : sizeof(text) - 1;

	node_id(node, sizeof(node), m->name);
	jkey(sb, k);
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

static void availability(struct sbuf *sb, const struct meter *m)
{
	char buf[MQTT_TOPIC_MAX + 64];

	jkey(sb, "availability");
	sb_puts(sb, "[{\"topic\":");
	snprintf(buf, sizeof(buf), "%s/status", mq.prefix);
	sb_put_json_str(sb, buf, strlen(buf));
	sb_puts(sb, "},{\"topic\":");
	mqtt_topic(buf, m, "availability");
	sb_put_json_str(sb, buf, strlen(buf));
	sb_puts(sb, "}],");
	jstr(sb, "availability_mode", "all");
}

static void origin(struct sbuf *sb, const char *k)
{
	jkey(sb, k);
	sb_puts(sb, "{\"name\":\"p1-exporter\",\"sw_version\":");
	sb_put_json_str(sb, P1_VERSION, strlen(P1_VERSION));
	sb_putc(sb, '}');
}

/*
 * One value's options, without the braces: all of an entity config but
 * device, origin and availability; in device mode also without the
 * state topic when it is the shared one.
 */
static void options(struct sbuf *sb, const struct meter *m,
		    const struct mqtt_value *v, bool shared)
{
	char node[160], buf[MQTT_TOPIC_MAX + 64];

	node_id(node, sizeof(node), m->name);
	jstr(sb, "name", v->name);
	jkey(sb, "unique_id");
	sb_putc(sb, '"');
	sb_puts(sb, node); /* [A-Za-z0-9_-] */
	sb_putc(sb, '_');
	sb_puts(sb, v->key);
	sb_puts(sb, "\",");
	mqtt_topic(buf, m, v->health ? "health" : "state");
	if (!shared || v->health)
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
}

/* Entity mode: the whole config of one value. */
static void config(struct sbuf *sb, const struct meter *m,
		   const struct mqtt_value *v)
{
	sb_reset(sb);
	sb_putc(sb, '{');
	options(sb, m, v, false);
	availability(sb, m);
	device(sb, m, "device");
	origin(sb, "origin");
	sb_putc(sb, '}');
}

/* Device mode: the meter's one config, every value a component. */
static void device_config(struct sbuf *sb, const struct meter *m,
			  const struct mqtt_value *v, int n,
			  const struct ha_meter *h)
{
	char buf[MQTT_TOPIC_MAX];

	sb_reset(sb);
	sb_putc(sb, '{');
	device(sb, m, "dev");
	origin(sb, "o");
	sb_putc(sb, ',');
	mqtt_topic(buf, m, "state");
	jstr(sb, "state_topic", buf);
	availability(sb, m);
	if (mq.qos) {
		jkey(sb, "qos");
		sb_printf(sb, "%d,", mq.qos);
	}
	jkey(sb, "cmps");
	sb_putc(sb, '{');
	for (int i = 0; i < n; i++) {
		jkey(sb, v[i].key);
		sb_puts(sb, "{\"p\":\"sensor\",");
		options(sb, m, &v[i], true);
		sb->len--; /* the last comma */
		sb_puts(sb, "},");
	}
	for (int i = 0; i < h->n; i++) {
		if (!h->e[i].removed)
			continue;
		jkey(sb, h->e[i].key);
		sb_puts(sb, "{\"p\":\"sensor\"},");
	}
	if (!sb->failed && sb->len && sb->p[sb->len - 1] == ',')
		sb->len--;
	sb_puts(sb, "}}");
}

static struct ha_entry *find(struct ha_meter *h, const char *key, size_t kl)
{
	for (int i = 0; i < h->n; i++)
		if (strlen(h->e[i].key) == kl && !memcmp(h->e[i].key, key, kl))
			return &h->e[i];
	return NULL;
}

static void publish_empty(const char *topic)
{
	mqtt_link_publish(topic, "", 0, mq.qos, true);
}

static void remove_config(const struct meter *m, const char *key)
{
	char topic[MQTT_TOPIC_MAX];

	if (config_topic(topic, m, key))
		publish_empty(topic);
}

static struct ha_meter *ha_of(const struct meter *m)
{
	if (!hm[m->index] && !(hm[m->index] = calloc(1, sizeof(**hm))))
		log_warn("meter %s: no memory for its MQTT discovery state",
			 m->name);
	return hm[m->index];
}

/* Entity mode: publish what changed; true if all of it went out. */
static bool announce_entities(struct meter *m, struct ha_meter *h, int n,
			      bool force)
{
	bool all_sent = true;

	for (int i = 0; i < n; i++) {
		struct ha_entry *e = find(h, cur[i].key, strlen(cur[i].key));
		char topic[MQTT_TOPIC_MAX];
		uint32_t hash;

		config(&js, m, &cur[i]);
		if (js.failed || !e) {
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
	if (h->old_device && all_sent) {
		char topic[MQTT_TOPIC_MAX];

		/* migrated: the device config of an earlier run goes */
		if (config_topic(topic, m, NULL))
			publish_empty(topic);
		h->old_device = false;
		log_info("mqtt: meter %s: migrated from device to entity "
			 "discovery",
			 m->name);
	}
	return all_sent;
}

/* Device mode: the one config if it changed; true if it went out. */
static bool announce_device(struct meter *m, struct ha_meter *h, int n,
			    bool force)
{
	char topic[MQTT_TOPIC_MAX];
	uint32_t hash;

	device_config(&js, m, cur, n, h);
	if (js.failed || !config_topic(topic, m, NULL))
		return false;
	hash = hash_bytes(js.p, js.len);
	if (force || hash != h->dev_hash || h->nold) {
		if (!mqtt_link_publish(topic, js.p, js.len, mq.qos, true))
			return false;
		h->dev_hash = hash;
	}
	if (h->nold) {
		/* migrated: the entity configs of an earlier run go */
		for (int i = 0; i < h->nold; i++)
			remove_config(m, h->old[i]);
		log_info("mqtt: meter %s: %d entities migrated to device "
			 "discovery",
			 m->name, h->nold);
		h->nold = 0;
	}
	return true;
}

void mqtt_ha_meter(struct meter *m, bool force)
{
	int n;
	struct ha_meter *h;
	uint32_t sig;
	bool pending = false, all_sent;

	if (!m->have_reading || !mq.disc_prefix[0] || !mqtt_link_up())
		return;
	if (!js.p && !sb_init(&js, 4096))
		return;
	if (!(h = ha_of(m)))
		return;
	n = mqtt_values_collect(m, cur, MQTT_VALUES_MAX);
	sig = signature(m, cur, n);
	if (h->nold || h->old_device)
		force = true; /* migrating: everything again, then clear */
	/* the usual telegram: the same values as announced, nothing else */
	if (!force && sig == h->sig && h->nactive == n && !h->nold &&
	    !h->old_device)
		return;
	for (int i = 0; i < h->n; i++)
		if (!h->e[i].removed && h->e[i].missing < 255)
			h->e[i].missing++;
	for (int i = 0; i < n; i++) {
		struct ha_entry *e = find(h, cur[i].key, strlen(cur[i].key));

		if (!e) {
			if (h->n == MQTT_VALUES_MAX)
				continue;
			e = &h->e[h->n++];
			memcpy(e->key, cur[i].key, sizeof(e->key));
			e->hash = 0;
		}
		e->missing = 0;
		e->removed = false;
	}
	h->nactive = 0;
	for (int i = 0; i < h->n;) {
		struct ha_entry *e = &h->e[i];

		if (!e->removed && e->missing >= MISSING_LIMIT) {
			log_info("mqtt: meter %s no longer sends %s: entity "
				 "removed",
				 m->name, e->key);
			if (!mq.ha_device) {
				remove_config(m, e->key);
				*e = h->e[--h->n];
				continue;
			}
			e->removed = true;
		}
		if (!e->removed)
			h->nactive++;
		if (!e->removed && e->missing)
			pending = true;
		i++;
	}
	if (mq.ha_device) {
		/* one message: wait until a missing value is either back
		 * or removed, unless it must go out now */
		all_sent = pending && !force ? false
					     : announce_device(m, h, n, force);
	} else {
		all_sent = announce_entities(m, h, n, force);
	}
	h->sig = all_sent && !pending ? sig : 0;
}

void mqtt_ha_subscribe(const struct meter *m)
{
	char topic[MQTT_TOPIC_MAX];

	if (!mq.disc_prefix[0])
		return;
	if (config_topic(topic, m, "+"))
		mqtt_link_subscribe(topic);
	if (config_topic(topic, m, NULL))
		mqtt_link_subscribe(topic);
}

/* "PREFIX/" + level + "/" + what: the level, or NULL. */
static const char *level_of(const char *topic, const char *pre,
			    const char *what, size_t *len)
{
	size_t pl = strlen(pre), wl = strlen(what), tl = strlen(topic);
	const char *l;

	if (tl < pl + wl + 3 || strncmp(topic, pre, pl) || topic[pl] != '/' ||
	    strcmp(topic + tl - wl, what) || topic[tl - wl - 1] != '/')
		return NULL;
	l = topic + pl + 1;
	*len = tl - wl - 1 - pl - 1;
	return memchr(l, '/', *len) ? NULL : l;
}

/*
 * The component ids of a device config an earlier run left (ours: only
 * ids of [A-Za-z0-9_-], objects without strings holding braces matter
 * here, so a scan for "cmps":{"ID":{...},...} does; anything else ends
 * it).  Components that are just {"p":"sensor"} were removed already.
 */
static void old_components(const struct meter *m, struct ha_meter *h,
			   const char *p, size_t n)
{
	static const char tag[] = "\"cmps\":{";
	const char *e = p + n, *q;

	for (q = p; q + sizeof(tag) - 1 <= e; q++)
		if (!memcmp(q, tag, sizeof(tag) - 1))
			break;
	if (q + sizeof(tag) - 1 > e)
		return;
	q += sizeof(tag) - 1;
	while (q < e && *q == '"') {
		const char *k = ++q, *body;
		size_t kl;
		int depth = 0;
		bool instr = false;

		while (q < e && *q != '"')
			q++;
		kl = (size_t)(q - k);
		if (q + 2 >= e || q[1] != ':' || q[2] != '{')
			return;
		body = q += 2;
		for (; q < e; q++) {
			if (instr) {
				if (*q == '\\' && q + 1 < e)
					q++;
				else if (*q == '"')
					instr = false;
			} else if (*q == '"') {
				instr = true;
			} else if (*q == '{') {
				depth++;
			} else if (*q == '}' && !--depth) {
				break;
			}
		}
		if (q >= e)
			return;
		q++;
		if (kl && kl < sizeof(h->e[0].key) && !find(h, k, kl) &&
		    h->n < MQTT_VALUES_MAX &&
		    !((size_t)(q - body) == 14 &&
		      !memcmp(body, "{\"p\":\"sensor\"}", 14))) {
			struct ha_entry *en = &h->e[h->n++];

			memcpy(en->key, k, kl);
			en->key[kl] = '\0';
			en->hash = 0;
			en->missing = 0;
			en->removed = false;
			h->nactive++;
			h->sig = 0;
			log_debug("mqtt: meter %s: %s announced earlier",
				  m->name, en->key);
		}
		if (q < e && *q == ',')
			q++;
	}
}

/* A config on one of our meters' topics (ours echoed, or an old run's). */
static bool meter_config_seen(const char *topic, const char *p, size_t n)
{
	for (int i = 0; i < nmeters; i++) {
		char pre[MQTT_TOPIC_MAX], dev[MQTT_TOPIC_MAX];
		const struct meter *m = meters[i];
		const char *key, *end;
		struct ha_meter *h;
		size_t pl, kl;
		bool migrate = n && memmem(p, n, "migrate_discovery", 17);

		if (!config_topic(pre, m, "+") || !config_topic(dev, m, NULL))
			continue;
		if (!strcmp(topic, dev)) {
			if (!n || migrate || !(h = ha_of(m)))
				return true;
			if (mq.ha_device) {
				old_components(m, h, p, n);
			} else if (!h->old_device) {
				/* Home Assistant keeps the entities */
				mqtt_link_publish(dev, MIGRATE,
						  sizeof(MIGRATE) - 1, mq.qos,
						  true);
				h->old_device = true;
			}
			return true;
		}
		pl = strlen(pre) - strlen("+/config");
		if (strncmp(topic, pre, pl))
			continue;
		key = topic + pl;
		end = strchr(key, '/');
		if (!end || strcmp(end, "/config"))
			return true;
		kl = (size_t)(end - key);
		if (!n || migrate || kl >= sizeof(h->e[0].key) ||
		    !(h = ha_of(m)))
			return true;
		if (mq.ha_device) {
			if (h->nold == MQTT_VALUES_MAX)
				return true;
			for (int j = 0; j < h->nold; j++)
				if (strlen(h->old[j]) == kl &&
				    !memcmp(h->old[j], key, kl))
					return true;
			memcpy(h->old[h->nold], key, kl);
			h->old[h->nold++][kl] = '\0';
			mqtt_link_publish(topic, MIGRATE, sizeof(MIGRATE) - 1,
					  mq.qos, true);
			return true;
		}
		if (find(h, key, kl))
			return true;
		if (h->n == MQTT_VALUES_MAX) {
			char k[48];

			memcpy(k, key, kl);
			k[kl] = '\0';
			remove_config(m, k);
			return true;
		}
		struct ha_entry *e = &h->e[h->n++];

		memcpy(e->key, key, kl);
		e->key[kl] = '\0';
		e->hash = 0;
		e->missing = 0;
		e->removed = false;
		h->nactive++;
		h->sig = 0;
		log_debug("mqtt: meter %s: %s announced earlier", m->name,
			  e->key);
		return true;
	}
	return false;
}

static bool is_meter(const char *name, size_t len)
{
	for (int i = 0; i < nmeters; i++)
		if (strlen(meters[i]->name) == len &&
		    !memcmp(meters[i]->name, name, len))
			return true;
	return false;
}

static void orphan_gone(struct orphan *o)
{
	char topic[MQTT_TOPIC_MAX];

	if (is_meter(o->name, strlen(o->name)))
		return;
	o->gone = true;
	log_info("mqtt: meter %s of an earlier run did not come back: "
		 "removing it from Home Assistant",
		 o->name);
	/* what arrives on these is emptied (mqtt_ha_message) */
	if (node_topic(topic, o->name, "+"))
		mqtt_link_subscribe(topic);
	if (node_topic(topic, o->name, NULL))
		mqtt_link_subscribe(topic);
	if (snprintf(topic, sizeof(topic), "%s/%s/#", mq.prefix, o->name) <
	    (int)sizeof(topic))
		mqtt_link_subscribe(topic);
}

static void orphan_timeout(void *arg)
{
	(void)arg;
	orphan_time_up = true;
	for (int i = 0; i < norphans; i++)
		if (!orphans[i].gone)
			orphan_gone(&orphans[i]);
}

void mqtt_ha_connected(void)
{
	char topic[MQTT_TOPIC_MAX];

	if (!mq.disc_prefix[0])
		return;
	if (!orphan_timer_init) {
		ev_timer_init(&orphan_timer, orphan_timeout, NULL);
		orphan_timer_init = true;
	}
	if (snprintf(topic, sizeof(topic), "%s/+/availability", mq.prefix) <
	    (int)sizeof(topic))
		mqtt_link_subscribe(topic);
	if (!orphan_time_up)
		ev_timer_arm(&orphan_timer,
			     (uint64_t)(cfg.stale_after * 1e9 > 1e9
						? cfg.stale_after * 1e9
						: 1e9));
}

/* A message on a topic of a meter that is gone: emptied. */
static bool orphan_message(const char *topic, size_t n)
{
	for (int i = 0; i < norphans; i++) {
		char t[MQTT_TOPIC_MAX];
		size_t nl = strlen(orphans[i].name), pl = strlen(mq.prefix);
		bool ours;

		if (!orphans[i].gone)
			continue;
		ours = (!strncmp(topic, mq.prefix, pl) && topic[pl] == '/' &&
			!strncmp(topic + pl + 1, orphans[i].name, nl) &&
			topic[pl + 1 + nl] == '/') ||
		       (node_topic(t, orphans[i].name, NULL) &&
			!strcmp(t, topic));
		if (!ours && node_topic(t, orphans[i].name, "+")) {
			size_t l = strlen(t) - strlen("+/config");
			const char *sl = strchr(topic + l, '/');

			ours = !strncmp(topic, t, l) && sl &&
			       !strcmp(sl, "/config");
		}
		if (!ours)
			continue;
		if (n && !is_meter(orphans[i].name, nl))
			publish_empty(topic);
		return true;
	}
	return false;
}

/* Messages on the topics mqtt_ha subscribed to. */
void mqtt_ha_message(const char *topic, const void *payload, size_t n)
{
	const char *p = payload, *name;
	size_t len;

	if (orphan_message(topic, n) || meter_config_seen(topic, p, n))
		return;
	name = level_of(topic, mq.prefix, "availability", &len);
	if (!name || !n || len >= sizeof(orphans[0].name) ||
	    is_meter(name, len))
		return;
	for (int i = 0; i < norphans; i++)
		if (strlen(orphans[i].name) == len &&
		    !memcmp(orphans[i].name, name, len))
			return;
	if (norphans == ORPHANS_MAX)
		return;
	memcpy(orphans[norphans].name, name, len);
	orphans[norphans].name[len] = '\0';
	orphans[norphans].gone = false;
	if (orphan_time_up)
		orphan_gone(&orphans[norphans]);
	norphans++;
}
