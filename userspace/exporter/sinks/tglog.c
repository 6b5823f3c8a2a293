// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tglog.c - with --log.level=debug, one log line per telegram: for a good
 * one the summary "p1ctl decode" prints (CRC verdict, header, family,
 * meter time, energy, power, M-Bus readings, object count), for a damaged
 * one its verdict and size.  The values are those of the kept (redacted)
 * reading.
 */
#include <p1/p1.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "meter.h"
#include "p1gmtime.h"
#include "sink.h"

struct line {
	char b[1024];
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void add(struct line *l,
						      const char *fmt, ...)
{
	va_list ap;
	int r;

	if (l->n >= sizeof(l->b) - 1)
		return;
	va_start(ap, fmt);
	r = vsnprintf(l->b + l->n, sizeof(l->b) - l->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		l->n = l->n + (size_t)r < sizeof(l->b) ? l->n + (size_t)r
						       : sizeof(l->b) - 1;
}

static void add_time(struct line *l, const char *label, const struct p1_time *t)
{
	char b[32];
	struct tm tm;

	if (!t->present)
		return;
	if (!t->valid) {
		add(l, " %sinvalid", label);
		return;
	}
	p1_gmtime(t->t, &tm);
	if (strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm))
		add(l, " %s%s", label, b);
}

static void add_num(struct line *l, const char *label, const struct p1_num *n,
		    const char *unit)
{
	if (n->present)
		add(l, " %s=%.15g%s", label, n->value, unit);
}

static void tl_reading(struct meter *m)
{
	const struct p1_telegram *t = m->tg;
	const struct p1_data *d = &t->data;
	const struct p1_elec *el = &d->elec;
	struct line l = {.n = 0};

	if (!log_enabled(LOG_DEBUG))
		return;
	add(&l, "crc=%s ", p1_crc_name(t->crc));
	for (uint32_t i = 0; i < t->header_len; i++) {
		unsigned char c = (unsigned char)t->text[t->header_off + i];

		add(&l, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
	}
	add(&l, " family=%s", p1_family_name(d->family));
	if (d->dsmr)
		add(&l, " dsmr=%u.%u", d->dsmr / 10, d->dsmr % 10);
	add_time(&l, "time=", &d->time);
	for (unsigned i = 0; i <= P1_MAX_TARIFFS; i++) {
		char lb[16];

		snprintf(lb, sizeof(lb), i ? "import%u" : "import", i);
		add_num(&l, lb, &el->energy_import[i], "Wh");
		snprintf(lb, sizeof(lb), i ? "export%u" : "export", i);
		add_num(&l, lb, &el->energy_export[i], "Wh");
	}
	add_num(&l, "power", &el->power_import, "W");
	add_num(&l, "power_export", &el->power_export, "W");
	add_num(&l, "tariff", &el->tariff, "");
	for (unsigned i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *mb = &d->mbus[i];

		if (!mb->present || !mb->reading.present)
			continue;
		add(&l, " %s%u=%.15g%s", p1_mbus_kind_name(mb->kind), i + 1,
		    mb->reading.value, mb->unit);
		add_time(&l, "@", &mb->time);
	}
	add(&l, " objects=%u", t->nobjects);
	if (t->anomalies)
		add(&l, " anomalies=0x%x", t->anomalies);
	log_debug("meter %s: telegram %zu bytes: %s", m->name, (size_t)t->len,
		  l.b);
}

static void tl_telegram(struct meter *m, const uint8_t *data, size_t len,
			uint32_t status, uint64_t rx_ns)
{
	(void)data;
	(void)rx_ns;
	if (p1_fr_status_good(status) || !log_enabled(LOG_DEBUG))
		return;
	log_debug("meter %s: telegram %zu bytes: damaged (%s)", m->name, len,
		  status == P1_FR_CRC_ERROR	? "crc_error"
		  : status == P1_FR_CRC_MISSING ? "crc_missing"
		  : status == P1_FR_LINE_ERROR	? "line_error"
						: "unknown");
}

static const struct sink_ops tl_ops = {
	.name = "telegram-log",
	.telegram = tl_telegram,
	.reading = tl_reading,
};

bool tglog_setup(void)
{
	if (!log_enabled(LOG_DEBUG))
		return true;
	return sink_register(&tl_ops) == 0;
}
