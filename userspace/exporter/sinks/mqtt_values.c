// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mqtt_values.c - the values a meter's latest reading holds, one entry
 * each: its per-value topic, and what Home Assistant needs to show it (a
 * template over the state document, device and state class, unit).
 *
 * Topics carry numbers in the JSON's units (energy Wh, power W, volume
 * m3, time Unix seconds); Home Assistant gets energy in kWh (what its
 * Energy dashboard expects) through the template.  Templates index the
 * JSON's arrays (phases, mbus) by position, which follows from which
 * phases and channels the reading has: a change of those changes the
 * templates, and the entities are announced again.
 */
#include <math.h>
#include <p1/p1.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mqtt_int.h"

struct collect {
	struct mqtt_value *v;
	int n, max;
};

enum scale { AS_IS, KILO, TIME, TEXT };

struct kind {
	const char *device_class, *state_class, *unit, *icon;
	enum scale scale;
	int precision;
	bool diagnostic;
};

static const struct kind K_ENERGY = {
	"energy", "total_increasing", "kWh", NULL, KILO, 3, false};
static const struct kind K_RENERGY = {
	"reactive_energy", "total_increasing", "kvarh", NULL, KILO, 3, false};
static const struct kind K_POWER = {"power", "measurement", "W", NULL, AS_IS,
				    0,	     false};
static const struct kind K_RPOWER = {
	"reactive_power", "measurement", "var", NULL, AS_IS, 0, false};
static const struct kind K_VOLT = {"voltage", "measurement", "V", NULL, AS_IS,
				   1,	      false};
static const struct kind K_AMP = {"current", "measurement", "A", NULL, AS_IS,
				  0,	     false};
static const struct kind K_PF = {
	"power_factor", "measurement", NULL, NULL, AS_IS, 3, false};
static const struct kind K_HZ = {"frequency", "measurement", "Hz", NULL, AS_IS,
				 2,	      false};
static const struct kind K_GAS = {
	"gas", "total_increasing", "m\xc2\xb3", NULL, AS_IS, 3, false};
static const struct kind K_WATER = {
	"water", "total_increasing", "m\xc2\xb3", NULL, AS_IS, 3, false};
static const struct kind K_VOLUME = {
	NULL, "total_increasing", "m\xc2\xb3", "mdi:gauge", AS_IS, 3, false};
static const struct kind K_TARIFF = {NULL,  NULL, NULL, "mdi:clock-outline",
				     AS_IS, 0,	  false};
static const struct kind K_TIME = {"timestamp", NULL, NULL, NULL,
				   TIME,	-1,   false};
static const struct kind K_TIME_DIAG = {"timestamp", NULL, NULL, NULL,
					TIME,	     -1,   true};
static const struct kind K_DURATION_DIAG = {"duration", NULL, "s", NULL,
					    AS_IS,	0,    true};
static const struct kind K_VALVE_DIAG = {NULL,	NULL, NULL, "mdi:valve",
					 AS_IS, 0,    true};
static const struct kind K_TEXT = {NULL, NULL, NULL, "mdi:message-text-outline",
				   TEXT, -1,   false};
static const struct kind K_COUNT_DIAG = {
	NULL, "total_increasing", NULL, "mdi:counter", AS_IS, 0, true};
static const struct kind K_BYTES_DIAG = {
	"data_size", "total_increasing", "B", NULL, AS_IS, 0, true};
static const struct kind K_POWER_DIAG = {"power", NULL, "W", NULL,
					 AS_IS,	  0,	true};
static const struct kind K_AMP_DIAG = {"current", NULL, "A", NULL,
				       AS_IS,	  0,	true};
static const struct kind K_STATE_DIAG = {
	NULL, NULL, NULL, "mdi:electric-switch", AS_IS, 0, true};

int mqtt_fmt_number(char *buf, size_t cap, double x)
{
	if (!isfinite(x))
		return snprintf(buf, cap, "null");
	if (x > -9007199254740992.0 && x < 9007199254740992.0 &&
	    x == (double)(int64_t)x)
		return snprintf(buf, cap, "%lld", (long long)x);
	return snprintf(buf, cap, "%.15g", x);
}

/*
 * One value: key and topic are printf formats over the same arguments as
 * name (all three get the same ones: use %1$... forms where needed is
 * not portable, so callers pass ready strings).  path is the JSON path
 * after value_json.
 */
static struct mqtt_value *add(struct collect *c, const struct kind *k,
			      double value, const char *key, const char *topic,
			      const char *name, const char *path, bool health)
{
	struct mqtt_value *v;

	if (c->n >= c->max)
		return NULL;
	v = &c->v[c->n++];
	snprintf(v->key, sizeof(v->key), "%s", key);
	snprintf(v->topic, sizeof(v->topic), "%s", topic ? topic : "");
	snprintf(v->name, sizeof(v->name), "%s", name);
	switch (k->scale) {
	case KILO:
		snprintf(v->tmpl, sizeof(v->tmpl),
			 "{{ (value_json.%s / 1000) | round(3) }}", path);
		break;
	case TEXT:
		/* Home Assistant keeps states of at most 255 characters */
		snprintf(v->tmpl, sizeof(v->tmpl), "{{ value_json.%s[:255] }}",
			 path);
		break;
	case TIME:
		snprintf(v->tmpl, sizeof(v->tmpl),
			 "{{ value_json.%s | timestamp_custom("
			 "'%%Y-%%m-%%dT%%H:%%M:%%S+00:00', false) }}",
			 path);
		break;
	default:
		snprintf(v->tmpl, sizeof(v->tmpl), "{{ value_json.%s }}", path);
		break;
	}
	v->attr = NULL;
	v->text = k->scale == TEXT;
	v->health = health;
	v->diagnostic = k->diagnostic;
	v->device_class = k->device_class;
	v->state_class = k->state_class;
	v->unit = k->unit;
	v->icon = k->icon;
	v->precision = k->precision;
	v->value = value;
	return v;
}

static void num(struct collect *c, const struct kind *k, const struct p1_num *n,
		const char *key, const char *topic, const char *name,
		const char *path)
{
	if (n->present)
		add(c, k, n->value, key, topic, name, path, false);
}

/*
 * Registers per tariff, and the total (index 0): active energy (what
 * "energy_import" keys and "electricity/import/..." topics name) or
 * reactive energy ("reactive_energy_import", ".../reactive_energy/...").
 */
struct reg {
	const struct kind *k;
	const char *key, *topic, *name, *json; /* json: a %s for dir */
};

static const struct reg R_ENERGY = {&K_ENERGY, "energy", "electricity",
				    "Energy", "energy_%s_wh"};
static const struct reg R_RENERGY = {&K_RENERGY, "reactive_energy",
				     "electricity/reactive_energy",
				     "Reactive energy", "reactive_%s_varh"};

static void tariffs(struct collect *c, const struct reg *r,
		    const struct p1_num *a, const char *dir)
{
	char key[48], topic[64], name[64], path[96], json[32];

	snprintf(json, sizeof(json), r->json, dir);
	for (int i = 0; i <= P1_MAX_TARIFFS; i++) {
		if (!a[i].present)
			continue;
		if (!i) {
			snprintf(key, sizeof(key), "%s_%s_total", r->key, dir);
			snprintf(topic, sizeof(topic), "%s/%s/total", r->topic,
				 dir);
			snprintf(name, sizeof(name), "%s %s", r->name, dir);
			snprintf(path, sizeof(path), "electricity.%s.total",
				 json);
		} else {
			snprintf(key, sizeof(key), "%s_%s_tariff%d", r->key,
				 dir, i);
			snprintf(topic, sizeof(topic), "%s/%s/tariff%d",
				 r->topic, dir, i);
			snprintf(name, sizeof(name), "%s %s tariff %d", r->name,
				 dir, i);
			snprintf(path, sizeof(path), "electricity.%s['%d']",
				 json, i);
		}
		add(c, r->k, a[i].value, key, topic, name, path, false);
	}
}

/* 1-0:5.8.0 .. 8.8.0: reactive energy per quadrant (QI .. QIV). */
static void quadrants(struct collect *c, const struct p1_elec *el)
{
	static const char *const q[] = {"I", "II", "III", "IV"};

	for (int i = 0; i < 4; i++) {
		char key[48], topic[64], name[64], path[96];

		if (!el->reactive_quadrant[i].present)
			continue;
		snprintf(key, sizeof(key), "reactive_energy_q%d", i + 1);
		snprintf(topic, sizeof(topic),
			 "electricity/reactive_energy/q%d", i + 1);
		snprintf(name, sizeof(name), "Reactive energy Q%s", q[i]);
		snprintf(path, sizeof(path),
			 "electricity.reactive_quadrant_varh['%d']", i + 1);
		add(c, &K_RENERGY, el->reactive_quadrant[i].value, key, topic,
		    name, path, false);
	}
}

/* As libp1's JSON writer decides whether a phase has an array entry. */
static bool phase_present(const struct p1_phase *p)
{
	const struct p1_num *n = &p->voltage;

	for (size_t i = 0; i < sizeof(*p) / sizeof(*n); i++)
		if (n[i].present)
			return true;
	return false;
}

static void phases(struct collect *c, const struct p1_elec *el)
{
	static const struct {
		const char *what, *topic, *name, *json;
		const struct kind *k;
		size_t off;
	} f[] = {
		{"voltage", "voltage", "Voltage", "voltage_v", &K_VOLT,
		 offsetof(struct p1_phase, voltage)},
		{"current", "current", "Current", "current_a", &K_AMP,
		 offsetof(struct p1_phase, current)},
		{"power_import", "power/import", "Power import",
		 "power_import_w", &K_POWER,
		 offsetof(struct p1_phase, power_import)},
		{"power_export", "power/export", "Power export",
		 "power_export_w", &K_POWER,
		 offsetof(struct p1_phase, power_export)},
		{"reactive_import", "reactive/import", "Reactive power import",
		 "reactive_import_var", &K_RPOWER,
		 offsetof(struct p1_phase, reactive_import)},
		{"reactive_export", "reactive/export", "Reactive power export",
		 "reactive_export_var", &K_RPOWER,
		 offsetof(struct p1_phase, reactive_export)},
		{"energy_import", "energy/import", "Energy import",
		 "energy_import_wh", &K_ENERGY,
		 offsetof(struct p1_phase, energy_import)},
		{"energy_export", "energy/export", "Energy export",
		 "energy_export_wh", &K_ENERGY,
		 offsetof(struct p1_phase, energy_export)},
		{"power_factor", "power_factor", "Power factor", "power_factor",
		 &K_PF, offsetof(struct p1_phase, power_factor)},
		{"voltage_sags", "voltage_sags", "Voltage sags", "voltage_sags",
		 &K_COUNT_DIAG, offsetof(struct p1_phase, voltage_sags)},
		{"voltage_swells", "voltage_swells", "Voltage swells",
		 "voltage_swells", &K_COUNT_DIAG,
		 offsetof(struct p1_phase, voltage_swells)},
	};
	int idx = 0;

	for (int p = 0; p < P1_MAX_PHASES; p++) {
		const struct p1_phase *ph = &el->phase[p];

		if (!phase_present(ph))
			continue;
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			const struct p1_num *n =
				(const void *)((const char *)ph + f[i].off);
			char key[48], topic[64], name[64], path[96];

			if (!n->present)
				continue;
			snprintf(key, sizeof(key), "l%d_%s", p + 1, f[i].what);
			snprintf(topic, sizeof(topic), "electricity/L%d/%s",
				 p + 1, f[i].topic);
			snprintf(name, sizeof(name), "%s L%d", f[i].name,
				 p + 1);
			snprintf(path, sizeof(path),
				 "electricity.phases[%d].%s", idx, f[i].json);
			add(c, f[i].k, n->value, key, topic, name, path, false);
		}
		idx++;
	}
}

static void mbus(struct collect *c, const struct p1_data *d)
{
	bool seen[8] = {false};
	int idx = 0;

	for (int i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *mb = &d->mbus[i];
		const struct kind *k;
		const char *name;
		char key[48], topic[64], nm[64], path[96];
		bool first;

		if (!mb->present)
			continue;
		first = mb->kind < 8 && !seen[mb->kind];
		if (mb->kind < 8)
			seen[mb->kind] = true;
		switch (mb->kind) {
		case P1_MBUS_GAS:
			k = &K_GAS;
			name = "Gas";
			break;
		case P1_MBUS_WATER:
			k = &K_WATER;
			name = "Water";
			break;
		case P1_MBUS_HEAT:
			k = &K_ENERGY;
			name = "Heat";
			break;
		case P1_MBUS_COLD:
			k = &K_ENERGY;
			name = "Cold";
			break;
		case P1_MBUS_ELECTRICITY:
			k = &K_ENERGY;
			name = "Sub-meter energy";
			break;
		default:
			k = mb->energy_wh.present ? &K_ENERGY : &K_VOLUME;
			name = "M-Bus meter";
			break;
		}
		if (first)
			snprintf(nm, sizeof(nm), "%s", name);
		else
			snprintf(nm, sizeof(nm), "%s channel %d", name, i + 1);
		if (mb->volume_m3.present && k != &K_ENERGY) {
			snprintf(key, sizeof(key), "mbus%d_volume", i + 1);
			snprintf(topic, sizeof(topic), "mbus/%d/volume", i + 1);
			snprintf(path, sizeof(path), "mbus[%d].volume_m3", idx);
			add(c, k, mb->volume_m3.value, key, topic, nm, path,
			    false);
		} else if (mb->energy_wh.present && k == &K_ENERGY) {
			snprintf(key, sizeof(key), "mbus%d_energy", i + 1);
			snprintf(topic, sizeof(topic), "mbus/%d/energy", i + 1);
			snprintf(path, sizeof(path), "mbus[%d].energy_wh", idx);
			add(c, k, mb->energy_wh.value, key, topic, nm, path,
			    false);
		} else {
			idx++;
			continue;
		}
		if (mb->valve.present) {
			char vn[80];

			snprintf(key, sizeof(key), "mbus%d_valve", i + 1);
			snprintf(topic, sizeof(topic), "mbus/%d/valve", i + 1);
			snprintf(vn, sizeof(vn), "%s valve", nm);
			snprintf(path, sizeof(path), "mbus[%d].valve", idx);
			add(c, &K_VALVE_DIAG, mb->valve.value, key, topic, vn,
			    path, false);
		}
		/* when the meter took that reading (hourly on DSMR 4, every
		 * 5 minutes on DSMR 5): the reading's own timestamp */
		if (mb->time.present && mb->time.valid) {
			char tn[80];

			snprintf(key, sizeof(key), "mbus%d_time", i + 1);
			snprintf(topic, sizeof(topic), "mbus/%d/time", i + 1);
			snprintf(tn, sizeof(tn), "%s reading time", nm);
			snprintf(path, sizeof(path), "mbus[%d].time", idx);
			add(c, &K_TIME_DIAG, (double)mb->time.t, key, topic, tn,
			    path, false);
		}
		idx++;
	}
}

static void health(struct collect *c, const struct meter *m)
{
	static const struct {
		const char *key, *name, *json;
		int res; /* enum meter_result, or -1: see below */
	} f[] = {
		{"telegrams_ok", "Telegrams", "ok", RES_OK},
		{"crc_errors", "CRC errors", "crc_error", RES_CRC_ERROR},
		{"line_error_telegrams", "Telegrams with line errors",
		 "line_error", RES_LINE_ERROR},
		{"truncated", "Truncated telegrams", "truncated",
		 RES_TRUNCATED},
		{"parse_errors", "Unreadable telegrams", "parse_error",
		 RES_PARSE_ERROR},
		{"recovered", "Recovered telegrams", "recovered", -1},
		{"reconnects", "Source reconnects", "reconnects", -2},
	};
	struct meter_counters mc;
	char path[64];

	meter_counters(m, &mc);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		double v = f[i].res >= 0    ? (double)mc.results[f[i].res]
			   : f[i].res == -1 ? (double)mc.recovered
					    : (double)m->reconnects;

		snprintf(path, sizeof(path), "counters.%s", f[i].json);
		add(c, &K_COUNT_DIAG, v, f[i].key, NULL, f[i].name, path, true);
	}
	add(c, &K_BYTES_DIAG, (double)mc.garbage_bytes, "garbage_bytes", NULL,
	    "Garbage bytes", "counters.garbage_bytes", true);
}

/*
 * 1-0:99.97.0, the long power failure log: the latest entry (greatest
 * end time; meters list them oldest first, but nothing says they must)
 * as its end and duration.
 */
static void failure_log(struct collect *c, const struct p1_elec *el)
{
	int last = -1;
	char path[96];

	if (!el->failure_log_present)
		return;
	for (int i = 0; i < el->nfailure_log && i < P1_MAX_FAILURES; i++)
		if (el->failure_log[i].end.valid &&
		    (last < 0 ||
		     el->failure_log[i].end.t > el->failure_log[last].end.t))
			last = i;
	if (last < 0)
		return;
	snprintf(path, sizeof(path), "electricity.failure_log.entries[%d].end",
		 last);
	add(c, &K_TIME_DIAG, (double)el->failure_log[last].end.t,
	    "last_power_failure", "electricity/last_power_failure/end",
	    "Last long power failure", path, false);
	if (!el->failure_log[last].duration_s.present)
		return;
	snprintf(path, sizeof(path),
		 "electricity.failure_log.entries[%d].duration_s", last);
	add(c, &K_DURATION_DIAG, el->failure_log[last].duration_s.value,
	    "last_power_failure_duration",
	    "electricity/last_power_failure/duration",
	    "Last long power failure duration", path, false);
}

/*
 * The Belgian capacity tariff's history, 0-0:98.1.0: the peak of each of
 * the last 13 months.  One entity, the last complete month's peak (the
 * entry with the latest month stamp), with the whole list as attributes:
 * Home Assistant keeps a list well in attributes, and 13 entities whose
 * meaning shifts every month would defeat its statistics.
 */
static const char PEAKS_ATTR[] =
	"{% set ns = namespace(m=[]) %}"
	"{% for p in value_json.electricity.peaks.months %}"
	"{% set ns.m = ns.m + [{'month': p.month | timestamp_local "
	"if p.month is number else none, "
	"'time': p.time | timestamp_local if p.time is number else none, "
	"'power_w': p.power_w | default(none)}] %}"
	"{% endfor %}{{ {'months': ns.m} | tojson }}";

static void peaks(struct collect *c, const struct p1_elec *el)
{
	int last = -1;
	char path[96];
	struct mqtt_value *v;

	if (!el->peaks_present)
		return;
	for (int i = 0; i < el->npeaks && i < P1_MAX_PEAKS; i++)
		if (el->peaks[i].month.valid && el->peaks[i].power.present &&
		    (last < 0 ||
		     el->peaks[i].month.t > el->peaks[last].month.t))
			last = i;
	if (last < 0)
		return;
	snprintf(path, sizeof(path), "electricity.peaks.months[%d].power_w",
		 last);
	v = add(c, &K_POWER, el->peaks[last].power.value, "peak_previous_month",
		"electricity/peaks/previous_month",
		"Previous month peak demand", path, false);
	if (v)
		v->attr = PEAKS_ATTR;
}

int mqtt_values_collect(const struct meter *m, struct mqtt_value *v, int max)
{
	struct collect c = {.v = v, .max = max};
	const struct p1_data *d = &m->tg->data;
	const struct p1_elec *el = &d->elec;

	tariffs(&c, &R_ENERGY, el->energy_import, "import");
	tariffs(&c, &R_ENERGY, el->energy_export, "export");
	tariffs(&c, &R_RENERGY, el->reactive_import, "import");
	tariffs(&c, &R_RENERGY, el->reactive_export, "export");
	quadrants(&c, el);
	num(&c, &K_POWER, &el->power_import, "power_import",
	    "electricity/power/import", "Power import",
	    "electricity.power_import_w");
	num(&c, &K_POWER, &el->power_export, "power_export",
	    "electricity/power/export", "Power export",
	    "electricity.power_export_w");
	num(&c, &K_RPOWER, &el->reactive_power_import, "reactive_power_import",
	    "electricity/reactive/import", "Reactive power import",
	    "electricity.reactive_power_import_var");
	num(&c, &K_RPOWER, &el->reactive_power_export, "reactive_power_export",
	    "electricity/reactive/export", "Reactive power export",
	    "electricity.reactive_power_export_var");
	num(&c, &K_PF, &el->power_factor, "power_factor",
	    "electricity/power_factor", "Power factor",
	    "electricity.power_factor");
	num(&c, &K_HZ, &el->frequency, "frequency", "electricity/frequency",
	    "Frequency", "electricity.frequency_hz");
	phases(&c, el);
	num(&c, &K_TARIFF, &el->tariff, "tariff", "electricity/tariff",
	    "Tariff", "electricity.tariff");
	num(&c, &K_COUNT_DIAG, &el->failures, "power_failures",
	    "electricity/power_failures", "Power failures",
	    "electricity.failures");
	num(&c, &K_COUNT_DIAG, &el->long_failures, "long_power_failures",
	    "electricity/long_power_failures", "Long power failures",
	    "electricity.long_failures");
	failure_log(&c, el);
	num(&c, &K_POWER_DIAG, &el->limiter_power, "power_limiter",
	    "electricity/limiter_power", "Power limiter",
	    "electricity.limiter_w");
	num(&c, &K_AMP_DIAG, &el->limiter_current, "current_limiter",
	    "electricity/limiter_current", "Current limiter",
	    "electricity.limiter_a");
	num(&c, &K_AMP_DIAG, &el->fuse, "fuse", "electricity/fuse",
	    "Fuse threshold", "electricity.fuse_a");
	num(&c, &K_STATE_DIAG, &el->breaker, "breaker", "electricity/breaker",
	    "Breaker", "electricity.breaker");
	num(&c, &K_POWER, &el->demand, "demand", "electricity/demand",
	    "Quarter-hour demand", "electricity.demand_w");
	num(&c, &K_POWER, &el->month_peak.power, "month_peak",
	    "electricity/month_peak", "Month peak demand",
	    "electricity.month_peak.power_w");
	if (el->month_peak.time.present && el->month_peak.time.valid)
		add(&c, &K_TIME, (double)el->month_peak.time.t,
		    "month_peak_time", "electricity/month_peak_time",
		    "Month peak time", "electricity.month_peak.time", false);
	peaks(&c, el);
	if (el->text_present)
		add(&c, &K_TEXT, 0, "text_message", NULL, "Text message",
		    "electricity.text", false);
	mbus(&c, d);
	health(&c, m);
	return c.n;
}
