// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * api.c - JSON documents of the HTTP API.  The reading itself is written
 * by libp1's JSON writer (p1_json_emit); this file adds the envelope.
 */
#include "api.h"

#include <p1/p1.h>
#include <string.h>

#include "options.h"

static void key(struct sbuf *sb, const char *k)
{
	sb_put_json_str(sb, k, strlen(k));
	sb_putc(sb, ':');
}

static void kv_str(struct sbuf *sb, const char *k, const char *v)
{
	key(sb, k);
	sb_put_json_str(sb, v, strlen(v));
	sb_putc(sb, ',');
}

static void kv_num(struct sbuf *sb, const char *k, double v)
{
	key(sb, k);
	sb_put_double(sb, v);
	sb_putc(sb, ',');
}

static void kv_bool(struct sbuf *sb, const char *k, bool v)
{
	key(sb, k);
	sb_puts(sb, v ? "true," : "false,");
}

static void drop_comma(struct sbuf *sb)
{
	if (sb->len && sb->p[sb->len - 1] == ',')
		sb->len--;
}

void api_counters(struct sbuf *sb, const struct meter *m)
{
	struct meter_counters c;

	meter_counters(m, &c);
	sb_putc(sb, '{');
	for (int r = 0; r < RES_MAX; r++)
		kv_num(sb, meter_result_name(r), (double)c.results[r]);
	kv_num(sb, "recovered", (double)c.recovered);
	kv_num(sb, "received_bytes", (double)c.rx_bytes);
	kv_num(sb, "garbage_bytes", (double)c.garbage_bytes);
	for (int k = 0; k < LE_MAX; k++) {
		char name[32];

		strcpy(name, meter_line_error_name(k));
		strcat(name, "_errors");
		kv_num(sb, name, (double)c.line_errors[k]);
	}
	kv_num(sb, "reconnects", (double)m->reconnects);
	drop_comma(sb);
	sb_putc(sb, '}');
}

void api_meter_summary(struct sbuf *sb, const struct meter *m)
{
	sb_putc(sb, '{');
	kv_str(sb, "name", m->name);
	kv_str(sb, "kind", m->kind);
	kv_str(sb, "source", m->source);
	kv_str(sb, "state", meter_state_name(m->state));
	if (m->state_detail[0])
		kv_str(sb, "detail", m->state_detail);
	kv_bool(sb, "up", meter_up(m));
	kv_num(sb, "telegrams", (double)m->seq);
	if (m->have_reading) {
		const struct p1_telegram *t = m->tg;

		kv_num(sb, "received", (double)m->rx_last_ns / 1e9);
		if (t->data.time.valid) {
			kv_num(sb, "meter_time", (double)t->data.time.t);
			kv_num(sb, "clock_skew",
			       (double)t->data.time.t -
				       (double)m->rx_first_ns / 1e9);
		}
		key(sb, "header");
		sb_put_json_str(sb, t->text + t->header_off, t->header_len);
		sb_putc(sb, ',');
		kv_str(sb, "family", p1_family_name(t->data.family));
	}
	key(sb, "counters");
	api_counters(sb, m);
	sb_putc(sb, '}');
}

void api_meters(struct sbuf *sb)
{
	sb_puts(sb, "{\"meters\":[");
	for (int i = 0; i < nmeters; i++) {
		if (i)
			sb_putc(sb, ',');
		api_meter_summary(sb, meters[i]);
	}
	sb_puts(sb, "]}\n");
}

int api_write_sb(void *ctx, const char *s, size_t n)
{
	struct sbuf *sb = ctx;

	sb_put(sb, s, n);
	return sb->failed ? -1 : 0;
}

int api_meter(struct sbuf *sb, const char *name)
{
	const struct meter *m = meter_find(name);

	if (!m)
		return 404;
	if (!m->have_reading)
		return 503;
	api_reading(sb, m);
	sb_putc(sb, '\n');
	return 0;
}

void api_reading(struct sbuf *sb, const struct meter *m)
{
	sb_putc(sb, '{');
	kv_str(sb, "meter", m->name);
	kv_bool(sb, "up", meter_up(m));
	kv_num(sb, "received", (double)m->rx_last_ns / 1e9);
	kv_num(sb, "seq", (double)m->seq);
	kv_bool(sb, "equipment_ids_redacted", !cfg.export_equipment_id);
	p1_json_emit(m->tg, P1_JSON_ALL | P1_JSON_MEMBERS, api_write_sb, sb);
	drop_comma(sb);
	sb_putc(sb, '}');
}

int api_telegram(struct sbuf *sb, const char *name)
{
	const struct meter *m = meter_find(name);

	if (!m)
		return 404;
	if (!m->have_reading)
		return 503;
	sb_put(sb, m->tg->text, m->tg->len);
	return 0;
}
