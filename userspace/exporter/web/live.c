// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * live.c - the last hour of power and today's totals, per meter.
 */
#include "live.h"

#include <fcntl.h>
#include <inttypes.h>
#include <p1/p1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "p1gmtime.h"
#include "sink.h"

struct live {
	const struct meter *m;
	/* ring of LIVE_POINTS steps; pt_t[i] = start of the step (Unix s) */
	int64_t pt_t[LIVE_POINTS];
	float pt_imp[LIVE_POINTS], pt_exp[LIVE_POINTS];
	int head, n;
	/* the step being averaged */
	int64_t cur;
	double sum_imp, sum_exp;
	unsigned nsum;
	/* today */
	int64_t day, since;
	double imp0, exp0, gas0;
	bool have_day, have_gas0;
};

static struct live *lives[METER_MAX];
/* Where today's starting registers are kept across restarts ("" = not):
 * the first directory of $STATE_DIRECTORY, as systemd's StateDirectory=
 * gives it to the service. */
static char state_dir[256];

static void day_path(const struct meter *m, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/today-%s", state_dir, m->name);
}

/* The day's starting registers as saved by an earlier run of this day. */
static bool day_load(struct live *l, const struct meter *m, int64_t day)
{
	char path[512];
	FILE *f;
	int64_t d, since;
	double imp, exp, gas;
	int have_gas;
	bool ok;

	if (!state_dir[0])
		return false;
	day_path(m, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fscanf(f, "%" SCNd64 " %" SCNd64 " %lf %lf %lf %d", &d, &since,
		    &imp, &exp, &gas, &have_gas) == 6 &&
	     d == day;
	fclose(f);
	if (!ok)
		return false;
	l->day = day;
	l->since = since;
	l->imp0 = imp;
	l->exp0 = exp;
	l->gas0 = gas;
	l->have_gas0 = have_gas;
	return true;
}

static void day_save(const struct live *l, const struct meter *m)
{
	char path[512], tmp[520];
	FILE *f;
	int fd;

	if (!state_dir[0])
		return;
	day_path(m, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* readings are personal data: the owner only, whatever the umask */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f && fd >= 0)
		close(fd);
	if (!f ||
	    fprintf(f, "%" PRId64 " %" PRId64 " %.17g %.17g %.17g %d\n", l->day,
		    l->since, l->imp0, l->exp0, l->gas0, l->have_gas0) < 0 ||
	    fclose(f) || rename(tmp, path)) {
		if (f)
			unlink(tmp);
		LOG_RL(LOG_WARNING,
		       "meter %s: cannot keep today's start in %s: %m", m->name,
		       path);
	}
}

static struct live *live_of(const struct meter *m)
{
	return lives[m->index];
}

/* Days from 1970-01-01 to a civil date (proleptic Gregorian). */
static int64_t days_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Last Sunday of March or October (both 31 days) at 01:00 UTC. */
static int64_t eu_switch(int year, int month)
{
	int64_t d = days_civil(year, month, 31);

	d -= (d + 4) % 7; /* 1970-01-01 was a Thursday */
	return d * 86400 + 3600;
}

static int utc_offset(int64_t utc, int zone)
{
	struct tm tm;
	int base = zone == P1_ZONE_AMSTERDAM ? 3600 : 0;

	if (zone == P1_ZONE_UTC)
		return 0;
	p1_gmtime(utc, &tm);
	if (tm.tm_mon < 2 || tm.tm_mon > 9)
		return base;
	if (utc >= eu_switch(tm.tm_year + 1900, 3) &&
	    utc < eu_switch(tm.tm_year + 1900, 10))
		return base + 3600;
	return base;
}

int64_t live_local_day(int64_t utc, int zone)
{
	int64_t l = utc + utc_offset(utc, zone);

	return l >= 0 ? l / 86400 : (l - 86399) / 86400;
}

static double sum_energy(const struct p1_num *e)
{
	double s = 0;

	if (e[0].present)
		return e[0].value;
	for (int i = 1; i <= P1_MAX_TARIFFS; i++)
		if (e[i].present)
			s += e[i].value;
	return s;
}

static bool gas_now(const struct p1_telegram *t, double *v)
{
	for (int i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *mb = &t->data.mbus[i];

		if (mb->present && mb->kind == P1_MBUS_GAS &&
		    mb->volume_m3.present) {
			*v = mb->volume_m3.value;
			return true;
		}
	}
	return false;
}

/* Its history is allocated with the meter, not as telegrams come. */
static void on_meter(struct meter *m)
{
	struct live *l = calloc(1, sizeof(*l));

	if (!l) {
		log_warn("meter %s: no memory for its live history", m->name);
		return;
	}
	l->m = m;
	lives[m->index] = l;
}

static void push_point(struct live *l)
{
	int i = (l->head + l->n) % LIVE_POINTS;

	if (l->n == LIVE_POINTS) {
		i = l->head;
		l->head = (l->head + 1) % LIVE_POINTS;
	} else {
		l->n++;
	}
	l->pt_t[i] = l->cur;
	l->pt_imp[i] = (float)(l->sum_imp / l->nsum);
	l->pt_exp[i] = (float)(l->sum_exp / l->nsum);
}

static void on_reading(struct meter *m)
{
	struct live *l = live_of(m);
	const struct p1_telegram *t = m->tg;
	const struct p1_elec *e = &t->data.elec;
	int64_t now = (int64_t)(m->rx_last_ns / 1000000000u);
	int64_t when = t->data.time.valid ? t->data.time.t : now;
	int64_t step = now - now % LIVE_STEP, day;
	double gas;

	if (!l)
		return;
	if (e->power_import.present || e->power_export.present) {
		if (l->nsum && step != l->cur) {
			push_point(l);
			l->nsum = 0;
			l->sum_imp = l->sum_exp = 0;
		}
		l->cur = step;
		l->sum_imp +=
			e->power_import.present ? e->power_import.value : 0;
		l->sum_exp +=
			e->power_export.present ? e->power_export.value : 0;
		l->nsum++;
	}
	day = live_local_day(when, m->zone);
	if (!l->have_day && day_load(l, m, day)) {
		l->have_day = true;
	} else if (!l->have_day || day != l->day) {
		l->have_day = true;
		l->day = day;
		l->since = when;
		l->imp0 = sum_energy(e->energy_import);
		l->exp0 = sum_energy(e->energy_export);
		l->have_gas0 = gas_now(t, &l->gas0);
		day_save(l, m);
	} else if (!l->have_gas0 && gas_now(t, &gas)) {
		l->have_gas0 = true;
		l->gas0 = gas;
	}
}

static const struct sink_ops live_sink = {
	.name = "live",
	.meter = on_meter,
	.reading = on_reading,
};

void live_init(void)
{
	const char *sd = getenv("STATE_DIRECTORY");

	if (sd && *sd)
		snprintf(state_dir, sizeof(state_dir), "%.*s",
			 (int)strcspn(sd, ":"), sd);
	sink_register(&live_sink);
}

void live_today_json(struct sbuf *sb, const struct meter *m)
{
	const struct live *l = live_of(m);
	double gas;

	sb_putc(sb, '{');
	if (l && l->have_day && m->have_reading) {
		const struct p1_elec *e = &m->tg->data.elec;
		int64_t midnight = l->day * 86400;

		/* midnight local = day * 86400 - offset; "since" says whether
		 * the day was seen from its start */
		midnight -= utc_offset(midnight, m->zone);
		sb_puts(sb, "\"since\":");
		sb_put_i64(sb, l->since);
		sb_puts(sb, ",\"midnight\":");
		sb_put_i64(sb, midnight);
		sb_puts(sb, ",\"import_wh\":");
		sb_put_double(sb, sum_energy(e->energy_import) - l->imp0);
		sb_puts(sb, ",\"export_wh\":");
		sb_put_double(sb, sum_energy(e->energy_export) - l->exp0);
		if (l->have_gas0 && gas_now(m->tg, &gas)) {
			sb_puts(sb, ",\"gas_m3\":");
			sb_put_double(sb, gas - l->gas0);
		}
	}
	sb_putc(sb, '}');
}

int live_history(struct sbuf *sb, const char *name)
{
	const struct meter *m = meter_find(name);
	const struct live *l;

	if (!m)
		return 404;
	l = live_of(m);
	if (!l)
		return 503;
	sb_puts(sb, "{\"meter\":");
	sb_put_json_str(sb, m->name, strlen(m->name));
	sb_printf(sb, ",\"step\":%d,\"points\":[", LIVE_STEP);
	for (int k = 0; k < l->n; k++) {
		int i = (l->head + k) % LIVE_POINTS;

		if (k)
			sb_putc(sb, ',');
		sb_putc(sb, '[');
		sb_put_i64(sb, l->pt_t[i]);
		sb_putc(sb, ',');
		sb_put_double(sb, l->pt_imp[i]);
		sb_putc(sb, ',');
		sb_put_double(sb, l->pt_exp[i]);
		sb_putc(sb, ']');
	}
	sb_puts(sb, "],\"today\":");
	live_today_json(sb, m);
	sb_puts(sb, "}\n");
	return 0;
}
