// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_emu.c - the emulated meter (see p1_emu.h).
 *
 * The model, per telegram of duration dt:
 *  - load: a daily curve (night base, morning and evening peaks) times the
 *    configured average, with multiplicative noise and now and then a
 *    kettle-sized spike; split 50/30/20 over L1..L3;
 *  - solar: a half-sine between 06:00 and 20:00 local, on L1 (or spread
 *    over all phases above 4.6 kW), exported where it exceeds the load;
 *  - energy registers integrate the net power of the active tariff;
 *  - voltage 230 V with a slow wave, noise, and drop/rise under load;
 *  - rare events (sags, swells, short and long power failures) drawn from
 *    the seeded generator with fixed mean intervals.
 */
#include "p1_emu.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p1/dlms.h>

#include "p1_framer.h"

static const char *const profile_names[] = {"dsmr5", "dsmr4", "dsmr22", "emucs",
					    "smarty"};

int p1i_emu_profile_from_name(const char *name)
{
	for (int i = 0; i < 5; i++)
		if (!strcmp(name, profile_names[i]))
			return i;
	return -1;
}

const char *p1i_emu_profile_name(enum p1i_emu_profile p)
{
	return profile_names[p];
}

double p1i_emu_default_interval(enum p1i_emu_profile p)
{
	return p == P1I_EMU_DSMR5 || p == P1I_EMU_EMUCS ? 1.0 : 10.0;
}

bool p1i_emu_profile_7e1(enum p1i_emu_profile p)
{
	return p == P1I_EMU_DSMR22;
}

void p1i_emu_params_default(struct p1i_emu_params *p)
{
	*p = (struct p1i_emu_params){
		.profile = P1I_EMU_DSMR5,
		.import_kwh = 12345.678,
		.export_kwh = 2345.6,
		.gas_m3 = 4567.89,
		.load_w = 450,
		.solar_w = 2500,
		.gas_rate = 0.12,
		.noise = 0.15,
		.seed = 1,
	};
}

/* ---- time ---------------------------------------------------------- */

static int64_t last_sunday_0100_utc(int year, int mon /* 0-based */)
{
	struct tm tm = {.tm_year = year - 1900, .tm_mon = mon, .tm_mday = 31};
	int64_t t = (int64_t)timegm(&tm);
	struct tm out;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &out);
	return t - (int64_t)out.tm_wday * 86400 + 3600;
}

int p1i_emu_eu_offset(int64_t t, bool *summer)
{
	struct tm tm;
	time_t tt = (time_t)t;
	bool s;

	gmtime_r(&tt, &tm);
	s = t >= last_sunday_0100_utc(tm.tm_year + 1900, 2) &&
	    t < last_sunday_0100_utc(tm.tm_year + 1900, 9);
	if (summer)
		*summer = s;
	return s ? 7200 : 3600;
}

static void local_tm(double t, struct tm *tm, bool *summer)
{
	int64_t s = (int64_t)floor(t);
	time_t lt = (time_t)(s + p1i_emu_eu_offset(s, summer));

	gmtime_r(&lt, tm);
}

static double local_hour(double t)
{
	struct tm tm;

	local_tm(t, &tm, NULL);
	return tm.tm_hour + tm.tm_min / 60.0 + tm.tm_sec / 3600.0;
}

/* UTC instant of a local civil time (meter zone). */
static double local_to_utc(int year, int mon, int mday, int h, int m)
{
	struct tm tm = {.tm_year = year - 1900,
			.tm_mon = mon,
			.tm_mday = mday,
			.tm_hour = h,
			.tm_min = m};
	int64_t local = (int64_t)timegm(&tm);
	int64_t utc = local - 7200;

	if (p1i_emu_eu_offset(utc, NULL) != 7200)
		utc = local - 3600;
	return (double)utc;
}

static int month_index(double t)
{
	struct tm tm;

	local_tm(t, &tm, NULL);
	return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

static double month_start(int idx)
{
	return local_to_utc(idx / 12, idx % 12, 1, 0, 0);
}

/* ---- randomness ---------------------------------------------------- */

static double urand(struct p1i_emu *e)
{
	/* xorshift64* */
	e->rng ^= e->rng >> 12;
	e->rng ^= e->rng << 25;
	e->rng ^= e->rng >> 27;
	return (double)((e->rng * 2685821657736338717ull) >> 11) /
	       9007199254740992.0;
}

static double grand(struct p1i_emu *e)
{
	double g =
		(urand(e) + urand(e) + urand(e) + urand(e) - 2.0) * 1.7320508;

	return g < -2 ? -2 : g > 2 ? 2 : g;
}

static bool chance(struct p1i_emu *e, double dt, double mean_interval)
{
	return urand(e) < dt / mean_interval;
}

/* ---- model --------------------------------------------------------- */

static double bump(double h, double centre, double width)
{
	double x = (h - centre) / width;

	return exp(-x * x);
}

static double load_shape(double h)
{
	return (0.55 + 0.5 * bump(h, 7.5, 1.2) + 1.0 * bump(h, 19, 2) +
		0.2 * bump(h, 12.5, 1.5)) /
	       0.81;
}

static double gas_shape(double h)
{
	return (0.6 + 0.8 * bump(h, 7, 1.5) + 0.8 * bump(h, 19, 2.5)) / 0.836;
}

static double solar_shape(double h)
{
	if (h <= 6 || h >= 20)
		return 0;
	return pow(sin(M_PI * (h - 6) / 14), 1.5);
}

static int tariff_at(const struct p1i_emu *e, double t)
{
	struct tm tm;
	bool weekend, day;

	local_tm(t, &tm, NULL);
	weekend = tm.tm_wday == 0 || tm.tm_wday == 6;
	if (e->p.profile == P1I_EMU_EMUCS) {
		/* Belgium: 1 = day (peak), 2 = night and weekend. */
		day = !weekend && tm.tm_hour >= 7 && tm.tm_hour < 22;
		return day ? 1 : 2;
	}
	/* Netherlands: 1 = low (night, weekend), 2 = normal. */
	day = !weekend && tm.tm_hour >= 7 && tm.tm_hour < 23;
	return day ? 2 : 1;
}

static double gas_capture_period(const struct p1i_emu *e)
{
	return e->p.profile == P1I_EMU_DSMR5 || e->p.profile == P1I_EMU_EMUCS
		       ? 300
		       : 3600;
}

void p1i_emu_init(struct p1i_emu *e, const struct p1i_emu_params *p,
		  double start_t)
{
	int m;

	memset(e, 0, sizeof(*e));
	e->p = *p;
	e->rng = p->seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	if (!e->rng)
		e->rng = 1;
	e->t = start_t;
	e->tariff = tariff_at(e, start_t);
	/* Roughly 45 % of the import on tariff 1, 55 % on tariff 2. */
	e->imp[0] = p->import_kwh * 0.45;
	e->imp[1] = p->import_kwh - e->imp[0];
	e->exp[0] = p->export_kwh * 0.3;
	e->exp[1] = p->export_kwh - e->exp[0];
	e->gas = p->gas_m3;
	memcpy(e->title, "SAG\x10\x05", 5);
	e->title[5] = (uint8_t)(p->seed >> 16);
	e->title[6] = (uint8_t)(p->seed >> 8);
	e->title[7] = (uint8_t)p->seed;
	e->counter = 1000 + (uint32_t)(start_t / 10) % 100000;
	e->gas_capture_t =
		floor(start_t / gas_capture_period(e)) * gas_capture_period(e);
	e->gas_captured = e->gas;
	e->failures = 4;
	e->long_failures = 2;
	e->log[0].end = floor(start_t) - 40 * 86400 - 7523;
	e->log[0].dur = 3301;
	e->log[1].end = floor(start_t) - 9 * 86400 - 20311;
	e->log[1].dur = 240;
	e->nlog = 2;
	for (int i = 0; i < 3; i++)
		e->volt[i] = 230;
	e->sags[0] = 2;
	e->sags[1] = 1;
	e->swells[1] = 3;
	/* Belgian peaks: this month's so far and 13 past months. */
	m = month_index(start_t);
	e->peak_month = m;
	e->q_start = floor(start_t / 900) * 900;
	if (start_t - month_start(m) > 3 * 86400) {
		e->peak_t = month_start(m) + 2 * 86400 + 18 * 3600 + 45 * 60;
		e->peak_w = p->load_w * (3.5 + urand(e));
	}
	for (int i = 0; i < P1I_EMU_HISTORY; i++) {
		int pm = m - 1 - i;
		double ms = month_start(pm);

		e->hist[i].month_t = month_start(pm + 1);
		e->hist[i].t = ms + (3 + urand(e) * 24) * 86400 + 19 * 3600 +
			       (int)(urand(e) * 4) * 900;
		e->hist[i].w = p->load_w * (3 + 3 * urand(e));
	}
	e->nhist = P1I_EMU_HISTORY;
}

static void step_belgian(struct p1i_emu *e, double t, double imp_w, double dt)
{
	double q = floor(t / 900) * 900;

	if (q > e->q_start) {
		/* The quarter closed: its average may be the month's peak. */
		double avg = e->q_energy_j / 900;
		int m = month_index(e->q_start);

		if (m != e->peak_month) {
			memmove(&e->hist[1], &e->hist[0],
				sizeof(e->hist[0]) * (P1I_EMU_HISTORY - 1));
			e->hist[0].month_t = month_start(e->peak_month + 1);
			e->hist[0].t = e->peak_t;
			e->hist[0].w = e->peak_w;
			if (e->nhist < P1I_EMU_HISTORY)
				e->nhist++;
			e->peak_month = m;
			e->peak_w = 0;
			e->peak_t = 0;
		}
		if (avg > e->peak_w) {
			e->peak_w = avg;
			e->peak_t = e->q_start + 900;
		}
		e->q_start = q;
		e->q_energy_j = 0;
		dt = t - q; /* only the part inside the new quarter */
		if (dt < 0)
			dt = 0;
	}
	e->q_energy_j += imp_w * dt;
	e->demand_w = t > e->q_start ? e->q_energy_j / (t - e->q_start) : 0;
}

static void step(struct p1i_emu *e, double t)
{
	double dt = e->started ? t - e->t : 0;
	double h = local_hour(t);
	double load, solar, net = 0, spl[3] = {0.5, 0.3, 0.2}, sol[3];

	if (dt < 0)
		dt = 0;
	if (dt > 86400)
		dt = 86400;
	e->started = true;
	e->t = t;
	e->tariff = tariff_at(e, t);

	load = e->p.load_w * load_shape(h) * (1 + e->p.noise * grand(e));
	if (e->p.noise > 0 && t >= e->spike_until && chance(e, dt, 1800)) {
		e->spike_w = 1500 + 1000 * urand(e);
		e->spike_until = t + 120 + 480 * urand(e);
	}
	if (t < e->spike_until)
		load += e->spike_w;
	if (load < 40)
		load = 40;
	solar = e->p.solar_w * solar_shape(h) *
		(1 - e->p.noise * 0.5 * urand(e));
	for (int i = 0; i < 3; i++) {
		sol[i] = e->p.solar_w > 4600 ? solar / 3 : i == 0 ? solar : 0;
		double n = load * spl[i] - sol[i];

		e->p_imp[i] = n > 0 ? n : 0;
		e->p_exp[i] = n < 0 ? -n : 0;
		net += n;
		e->volt[i] = 230 + 2.5 * sin(2 * M_PI * t / 3700 + i * 2.1) +
			     e->p.noise * 1.5 * grand(e) - 0.0015 * n;
		e->amp[i] = fabs(n) / e->volt[i];
		if (chance(e, dt, 3600 * (i + 1)))
			e->sags[i]++;
		if (chance(e, dt, 7200 * (i + 1)))
			e->swells[i]++;
	}
	if (net > 0)
		e->imp[e->tariff - 1] += net * dt / 3.6e6;
	else
		e->exp[e->tariff - 1] += -net * dt / 3.6e6;

	e->gas += e->p.gas_rate * gas_shape(h) * dt / 3600 *
		  (1 + e->p.noise * 0.3 * grand(e));
	double per = gas_capture_period(e);
	double cap_t = floor(t / per) * per;

	if (cap_t > e->gas_capture_t) {
		e->gas_capture_t = cap_t;
		e->gas_captured = e->gas;
	}

	if (chance(e, dt, 7200))
		e->failures++;
	if (chance(e, dt, 28800)) {
		e->long_failures++;
		if (e->nlog == P1I_EMU_LOG) {
			memmove(&e->log[0], &e->log[1],
				sizeof(e->log[0]) * (P1I_EMU_LOG - 1));
			e->nlog--;
		}
		e->log[e->nlog].end = floor(t);
		e->log[e->nlog].dur = floor(180 + 3000 * urand(e));
		e->nlog++;
	}
	step_belgian(e, t, net > 0 ? net : 0, dt);
}

/* ---- output -------------------------------------------------------- */

struct out {
	char *buf;
	size_t cap, len;
	bool over;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->over = true;
		return;
	}
	o->len += (size_t)n;
}

/* YYMMDDhhmmss plus S/W (with_flag) in meter-local time. */
static const char *tst(double t, bool with_flag, char out[40])
{
	struct tm tm;
	bool summer;

	local_tm(t, &tm, &summer);
	snprintf(out, 40, "%02d%02d%02d%02d%02d%02d%s", tm.tm_year % 100,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 with_flag ? (summer ? "S" : "W") : "");
	return out;
}

static void put_hex(struct out *o, const char *s)
{
	for (; *s; s++)
		put(o, "%02X", (unsigned char)*s);
}

static void put_energy(struct out *o, const struct p1i_emu *e, bool dsmr22)
{
	static const char *const obis[] = {"1-0:1.8.1", "1-0:1.8.2",
					   "1-0:2.8.1", "1-0:2.8.2"};
	double v[4] = {e->imp[0], e->imp[1], e->exp[0], e->exp[1]};

	for (int i = 0; i < 4; i++)
		put(o, dsmr22 ? "%s(%09.3f*kWh)\r\n" : "%s(%010.3f*kWh)\r\n",
		    obis[i], v[i]);
}

static double total(const double *p)
{
	return p[0] + p[1] + p[2];
}

static void put_phases(struct out *o, const struct p1i_emu *e, bool volts,
		       bool amp_decimals)
{
	static const char *const vo[] = {"32", "52", "72"};
	static const char *const ao[] = {"31", "51", "71"};
	static const char *const io[] = {"21", "41", "61"};
	static const char *const xo[] = {"22", "42", "62"};

	if (volts)
		for (int i = 0; i < 3; i++)
			put(o, "1-0:%s.7.0(%05.1f*V)\r\n", vo[i], e->volt[i]);
	for (int i = 0; i < 3; i++) {
		if (amp_decimals)
			put(o, "1-0:%s.7.0(%06.2f*A)\r\n", ao[i], e->amp[i]);
		else
			put(o, "1-0:%s.7.0(%03d*A)\r\n", ao[i],
			    (int)lround(e->amp[i]));
	}
	for (int i = 0; i < 3; i++)
		put(o, "1-0:%s.7.0(%06.3f*kW)\r\n", io[i], e->p_imp[i] / 1000);
	for (int i = 0; i < 3; i++)
		put(o, "1-0:%s.7.0(%06.3f*kW)\r\n", xo[i], e->p_exp[i] / 1000);
}

static void put_failures(struct out *o, const struct p1i_emu *e)
{
	char a[40];

	put(o, "0-0:96.7.21(%05u)\r\n", e->failures);
	put(o, "0-0:96.7.9(%05u)\r\n", e->long_failures);
	put(o, "1-0:99.97.0(%d)(0-0:96.7.19)", e->nlog);
	for (int i = 0; i < e->nlog; i++)
		put(o, "(%s)(%010u*s)", tst(e->log[i].end, true, a),
		    (unsigned int)e->log[i].dur);
	put(o, "\r\n");
}

static void put_sags(struct out *o, const struct p1i_emu *e)
{
	static const char *const ph[] = {"32", "52", "72"};

	for (int i = 0; i < 3; i++)
		put(o, "1-0:%s.32.0(%05u)\r\n", ph[i], e->sags[i]);
	for (int i = 0; i < 3; i++)
		put(o, "1-0:%s.36.0(%05u)\r\n", ph[i], e->swells[i]);
}

static void telegram_dsmr(struct out *o, const struct p1i_emu *e, bool v5)
{
	char a[40];

	put(o, v5 ? "/EMU5\\2P1 emulated DSMR 5\r\n\r\n"
		  : "/EMU4\\2P1 emulated DSMR 4\r\n\r\n");
	put(o, "1-3:0.2.8(%s)\r\n", v5 ? "50" : "42");
	put(o, "0-0:1.0.0(%s)\r\n", tst(e->t, true, a));
	put(o, "0-0:96.1.1(");
	put_hex(o, "E0099887766554433");
	put(o, ")\r\n");
	put_energy(o, e, false);
	put(o, "0-0:96.14.0(%04d)\r\n", e->tariff);
	put(o, "1-0:1.7.0(%06.3f*kW)\r\n",
	    total(e->p_imp) > total(e->p_exp)
		    ? (total(e->p_imp) - total(e->p_exp)) / 1000
		    : 0.0);
	put(o, "1-0:2.7.0(%06.3f*kW)\r\n",
	    total(e->p_exp) > total(e->p_imp)
		    ? (total(e->p_exp) - total(e->p_imp)) / 1000
		    : 0.0);
	put_failures(o, e);
	put_sags(o, e);
	put(o, "0-0:96.13.0()\r\n");
	put_phases(o, e, v5, false);
	put(o, "0-1:24.1.0(003)\r\n");
	put(o, "0-1:96.1.0(");
	put_hex(o, "G0012345678901234");
	put(o, ")\r\n");
	put(o, "0-1:24.2.1(%s)(%09.3f*m3)\r\n", tst(e->gas_capture_t, true, a),
	    e->gas_captured);
}

/* Luxembourg Smarty: totals without tariffs, reactive energy, kVA limit. */
static void telegram_smarty(struct out *o, const struct p1i_emu *e)
{
	double ip = total(e->p_imp) - total(e->p_exp);
	char a[40];

	put(o, "/Lux5\\253833635_D\r\n\r\n");
	put(o, "1-3:0.2.8(42)\r\n");
	put(o, "0-0:1.0.0(%s)\r\n", tst(e->t, true, a));
	put(o, "0-0:42.0.0(");
	put_hex(o, "SAG1005EMU00042");
	put(o, ")\r\n");
	put(o, "1-0:1.8.0(%010.3f*kWh)\r\n", e->imp[0] + e->imp[1]);
	put(o, "1-0:2.8.0(%010.3f*kWh)\r\n", e->exp[0] + e->exp[1]);
	put(o, "1-0:3.8.0(%010.3f*kvarh)\r\n", (e->imp[0] + e->imp[1]) / 10);
	put(o, "1-0:4.8.0(%010.3f*kvarh)\r\n", (e->exp[0] + e->exp[1]) / 25);
	put(o, "1-0:1.7.0(%06.3f*kW)\r\n", ip > 0 ? ip / 1000 : 0.0);
	put(o, "1-0:2.7.0(%06.3f*kW)\r\n", ip < 0 ? -ip / 1000 : 0.0);
	put(o, "0-0:17.0.0(27.600*kVA)\r\n");
	put(o, "0-0:96.3.10(1)\r\n");
	put_failures(o, e);
	put_sags(o, e);
	put(o, "0-0:96.13.0()\r\n");
	put_phases(o, e, true, false);
	put(o, "0-1:24.1.0(003)\r\n");
	put(o, "0-1:96.1.0(");
	put_hex(o, "G0012345678901234");
	put(o, ")\r\n");
	put(o, "0-1:24.2.1(%s)(%09.3f*m3)\r\n", tst(e->gas_capture_t, true, a),
	    e->gas_captured);
}

/* The smarty telegram in e->plain sealed into @buf (see p1_emu.h). */
static size_t seal(struct p1i_emu *e, size_t n, char *buf, size_t cap)
{
	int m = p1_dlms_seal(e->p.dlms, e->title, e->counter++,
			     (const uint8_t *)e->plain, n, (uint8_t *)buf, cap);

	return m < 0 ? 0 : (size_t)m;
}

static void telegram_dsmr22(struct out *o, const struct p1i_emu *e)
{
	char a[40];
	double ip = total(e->p_imp) - total(e->p_exp);

	put(o, "/EMU5\\2P1 emulated DSMR 2.2\r\n\r\n");
	put(o, "0-0:96.1.1(");
	put_hex(o, "E0099887766554433");
	put(o, ")\r\n");
	put_energy(o, e, true);
	put(o, "0-0:96.14.0(%04d)\r\n", e->tariff);
	put(o, "1-0:1.7.0(%07.2f*kW)\r\n", ip > 0 ? ip / 1000 : 0.0);
	put(o, "1-0:2.7.0(%07.2f*kW)\r\n", ip < 0 ? -ip / 1000 : 0.0);
	put(o, "0-0:17.0.0(999*A)\r\n");
	put(o, "0-0:96.3.10(1)\r\n");
	put(o, "0-0:96.13.1()\r\n");
	put(o, "0-0:96.13.0()\r\n");
	put(o, "0-1:24.1.0(3)\r\n");
	put(o, "0-1:96.1.0(");
	put_hex(o, "G0012345678901234");
	put(o, ")\r\n");
	put(o, "0-1:24.3.0(%s)(00)(60)(1)(0-1:24.2.1)(m3)\r\n",
	    tst(e->gas_capture_t, false, a));
	put(o, "(%09.3f)\r\n", e->gas_captured);
	put(o, "0-1:24.4.0(1)\r\n");
}

static void telegram_emucs(struct out *o, const struct p1i_emu *e)
{
	char a[40], b[40];
	double ip = total(e->p_imp) - total(e->p_exp);

	put(o, "/FLU5\\253700001_A\r\n\r\n");
	put(o, "0-0:96.1.4(50217)\r\n");
	put(o, "0-0:96.1.1(");
	put_hex(o, "1EMU0099887766");
	put(o, ")\r\n");
	put(o, "0-0:1.0.0(%s)\r\n", tst(e->t, true, a));
	put_energy(o, e, false);
	put(o, "1-0:1.4.0(%06.3f*kW)\r\n", e->demand_w / 1000);
	put(o, "1-0:1.6.0(%s)(%06.3f*kW)\r\n",
	    tst(e->peak_t ? e->peak_t : month_start(e->peak_month), true, a),
	    e->peak_w / 1000);
	put(o, "0-0:98.1.0(%d)(1-0:1.6.0)(1-0:1.6.0)", e->nhist);
	for (int i = 0; i < e->nhist; i++)
		put(o, "(%s)(%s)(%06.3f*kW)", tst(e->hist[i].month_t, true, a),
		    tst(e->hist[i].t, true, b), e->hist[i].w / 1000);
	put(o, "\r\n");
	put(o, "0-0:96.14.0(%04d)\r\n", e->tariff);
	put(o, "1-0:1.7.0(%06.3f*kW)\r\n", ip > 0 ? ip / 1000 : 0.0);
	put(o, "1-0:2.7.0(%06.3f*kW)\r\n", ip < 0 ? -ip / 1000 : 0.0);
	/* eMUCs order: powers, then voltages and currents. */
	for (int i = 0; i < 3; i++)
		put(o, "1-0:%s.7.0(%06.3f*kW)\r\n",
		    (const char *[]){"21", "41", "61"}[i], e->p_imp[i] / 1000);
	for (int i = 0; i < 3; i++)
		put(o, "1-0:%s.7.0(%06.3f*kW)\r\n",
		    (const char *[]){"22", "42", "62"}[i], e->p_exp[i] / 1000);
	for (int i = 0; i < 3; i++)
		put(o, "1-0:%s.7.0(%05.1f*V)\r\n",
		    (const char *[]){"32", "52", "72"}[i], e->volt[i]);
	for (int i = 0; i < 3; i++)
		put(o, "1-0:%s.7.0(%06.2f*A)\r\n",
		    (const char *[]){"31", "51", "71"}[i], e->amp[i]);
	put(o, "0-0:96.3.10(1)\r\n");
	put(o, "0-0:17.0.0(999.9*kW)\r\n");
	put(o, "1-0:31.4.0(999*A)\r\n");
	put(o, "0-0:96.13.0()\r\n");
	put(o, "0-1:24.1.0(003)\r\n");
	put(o, "0-1:96.1.1(");
	put_hex(o, "7EMU0012345678");
	put(o, ")\r\n");
	put(o, "0-1:24.4.0(1)\r\n");
	put(o, "0-1:24.2.3(%s)(%09.3f*m3)\r\n", tst(e->gas_capture_t, true, a),
	    e->gas_captured);
}

size_t p1i_emu_next(struct p1i_emu *e, double t, char *buf, size_t cap)
{
	struct out o = {.buf = buf, .cap = cap};
	bool enc = e->p.profile == P1I_EMU_SMARTY && e->p.dlms;

	if (enc)
		o = (struct out){.buf = e->plain, .cap = sizeof(e->plain)};
	step(e, t);
	switch (e->p.profile) {
	case P1I_EMU_DSMR5:
		telegram_dsmr(&o, e, true);
		break;
	case P1I_EMU_DSMR4:
		telegram_dsmr(&o, e, false);
		break;
	case P1I_EMU_DSMR22:
		telegram_dsmr22(&o, e);
		put(&o, "!\r\n");
		return o.over ? 0 : o.len;
	case P1I_EMU_EMUCS:
		telegram_emucs(&o, e);
		break;
	case P1I_EMU_SMARTY:
		telegram_smarty(&o, e);
		break;
	}
	put(&o, "!");
	if (o.over)
		return 0;
	put(&o, "%04X\r\n", p1_crc16(0, (const unsigned char *)o.buf, o.len));
	if (o.over)
		return 0;
	return enc ? seal(e, o.len, buf, cap) : o.len;
}

bool p1i_emu_parse_time(const char *s, double *out)
{
	struct tm tm = {0};
	char *end;

	if (s[0] == '@') {
		double v = strtod(s + 1, &end);

		if (end == s + 1 || *end || !isfinite(v) || v < 0)
			return false;
		*out = v;
		return true;
	}
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || (strcmp(end, "Z") && strcmp(end, "")))
		return false;
	*out = (double)timegm(&tm);
	return true;
}
