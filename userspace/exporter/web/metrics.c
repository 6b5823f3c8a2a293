// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * metrics.c - every p1_* metric, one family at a time over all meters
 * (the text format wants a family's samples together), in base units:
 * energy in joules (Wh * 3600), power in watts, volumes in cubic meters.
 * Fields a meter does not send produce no sample.  docs/metrics.md lists each
 * metric with the OBIS code it comes from.
 */
#include "metrics.h"

#include <microhttpd.h>
#include <p1/p1.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "meter.h"
#include "options.h"
#include "p1gmtime.h"
#include "procstat.h"
#include "sink.h"

static struct sbuf cache;
static uint64_t cache_gen;

enum ftype { GAUGE, COUNTER };

struct fam {
	const char *name;
	enum ftype type;
	const char *help;
	bool started;
};

static const char *const phase_names[] = {"L1", "L2", "L3"};

/* A text message label is cut here (the meter's may be 1024 bytes). */
#define P1_TEXT_LABEL_MAX 256

/* The sample being written: s_end() takes a counter's back if negative. */
static const struct fam *s_fam;
static size_t s_start;

/* Start a sample: header on the family's first one, name, meter label. */
static void s_begin(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	s_fam = f;
	if (!f->started) {
		sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help,
			  f->name, f->type == COUNTER ? "counter" : "gauge");
		f->started = true;
	}
	s_start = sb->len;
	sb_puts(sb, f->name);
	sb_puts(sb, "{meter=\"");
	sb_put_label(sb, m->name);
	sb_putc(sb, '"');
}

static void s_label(struct sbuf *sb, const char *k, const char *v)
{
	sb_putc(sb, ',');
	sb_puts(sb, k);
	sb_puts(sb, "=\"");
	sb_put_label(sb, v);
	sb_putc(sb, '"');
}

static void s_end(struct sbuf *sb, double v)
{
	/*
	 * A counter never goes below zero: a meter sending a negative (or
	 * no) number for a register gives no sample rather than one that
	 * breaks rate().
	 */
	if (s_fam && s_fam->type == COUNTER && !(v >= 0)) {
		if (!sb->failed)
			sb->len = s_start;
		return;
	}
	sb_put(sb, "} ", 2);
	sb_put_double(sb, v);
	sb_putc(sb, '\n');
}

static void s_simple(struct sbuf *sb, struct fam *f, const struct meter *m,
		     double v)
{
	s_begin(sb, f, m);
	s_end(sb, v);
}

static void s_num(struct sbuf *sb, struct fam *f, const struct meter *m,
		  const struct p1_num *n, double scale)
{
	if (n->present)
		s_simple(sb, f, m, n->value * scale);
}

/* ---- health (every meter, reading or not) -------------------------- */

static void f_up(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	s_simple(sb, f, m, meter_up(m));
}

static void f_connected(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	s_simple(sb, f, m, m->state == MS_CONNECTED || m->state == MS_FINISHED);
}

static void f_reconnects(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	s_simple(sb, f, m, (double)m->reconnects);
}

static void f_telegrams(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	struct meter_counters c;

	meter_counters(m, &c);
	for (int r = 0; r < RES_MAX; r++) {
		if (!m->kernel && (r == RES_DROPPED || r == RES_OVERRUN))
			continue;
		s_begin(sb, f, m);
		s_label(sb, "result", meter_result_name(r));
		s_end(sb, (double)c.results[r]);
	}
}

/* Only meters that have a key or have seen encrypted frames. */
static void f_encrypted(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	struct meter_counters c;
	uint64_t any = 0;

	meter_counters(m, &c);
	for (int r = 0; r < ENC_MAX; r++)
		any += c.encrypted[r];
	if (!any && !m->has_key)
		return;
	for (int r = 0; r < ENC_MAX; r++) {
		s_begin(sb, f, m);
		s_label(sb, "result", meter_enc_name(r));
		s_end(sb, (double)c.encrypted[r]);
	}
}

static void f_line_errors(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	struct meter_counters c;

	meter_counters(m, &c);
	for (int k = 0; k < LE_MAX; k++) {
		s_begin(sb, f, m);
		s_label(sb, "kind", meter_line_error_name(k));
		s_end(sb, (double)c.line_errors[k]);
	}
}

static void f_recovered(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	struct meter_counters c;

	meter_counters(m, &c);
	s_simple(sb, f, m, (double)c.recovered);
}

static void f_rx_bytes(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	struct meter_counters c;

	meter_counters(m, &c);
	s_simple(sb, f, m, (double)c.rx_bytes);
}

static void f_garbage(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	struct meter_counters c;

	meter_counters(m, &c);
	s_simple(sb, f, m, (double)c.garbage_bytes);
}

static void f_reads(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	if (strcmp(m->kind, "emulator"))
		s_simple(sb, f, m, (double)m->read_calls);
}

static void f_anomalies(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	s_simple(sb, f, m, (double)m->anomalies);
}

static void f_last_rx(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	if (m->have_reading)
		s_simple(sb, f, m, (double)m->rx_last_ns / 1e9);
}

/* ---- the reading --------------------------------------------------- */

#define D(m) (&(m)->tg->data)
#define E(m) (&(m)->tg->data.elec)

static void f_info(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	const struct p1_telegram *t = m->tg;
	char hdr[128], dsmr[16];
	size_t n = t->header_len < sizeof(hdr) - 1 ? t->header_len
						   : sizeof(hdr) - 1;

	memcpy(hdr, t->text + t->header_off, n);
	hdr[n] = '\0';
	/* Cut inside the text, NULs and control bytes: sb_put_label(). */
	for (size_t i = 0; i < n; i++)
		if (!hdr[i])
			hdr[i] = '?';
	/* 22: no version line and nothing that tells 3.0 apart (p1.h). */
	if (D(m)->dsmr == 22)
		snprintf(dsmr, sizeof(dsmr), "2.2/3.0");
	else
		snprintf(dsmr, sizeof(dsmr), "%u.%u", D(m)->dsmr / 10,
			 D(m)->dsmr % 10);
	s_begin(sb, f, m);
	s_label(sb, "header", hdr);
	s_label(sb, "version", D(m)->version);
	s_label(sb, "family", p1_family_name(D(m)->family));
	s_label(sb, "dsmr", D(m)->dsmr ? dsmr : "");
	if (cfg.export_equipment_id)
		s_label(sb, "equipment_id",
			D(m)->equipment_id_present ? D(m)->equipment_id : "");
	s_end(sb, 1);
}

static void energy(struct sbuf *sb, struct fam *f, const struct meter *m,
		   const struct p1_num *reg)
{
	char tariff[12];
	bool any = false;

	for (int i = 1; i <= P1_MAX_TARIFFS; i++) {
		if (!reg[i].present)
			continue;
		snprintf(tariff, sizeof(tariff), "%d", i);
		s_begin(sb, f, m);
		s_label(sb, "tariff", tariff);
		s_end(sb, reg[i].value * 3600);
		any = true;
	}
	if (!any && reg[0].present) {
		s_begin(sb, f, m);
		s_label(sb, "tariff", "total");
		s_end(sb, reg[0].value * 3600);
	}
}

static void f_imported(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	energy(sb, f, m, E(m)->energy_import);
}

static void f_exported(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	energy(sb, f, m, E(m)->energy_export);
}

static void f_pimport(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	s_num(sb, f, m, &E(m)->power_import, 1);
}

static void f_pexport(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	s_num(sb, f, m, &E(m)->power_export, 1);
}

/* Per-phase fields by offset into struct p1_phase. */
static void phases(struct sbuf *sb, struct fam *f, const struct meter *m,
		   size_t off, double scale)
{
	for (int i = 0; i < P1_MAX_PHASES; i++) {
		const struct p1_num *n =
			(const void *)((const char *)&E(m)->phase[i] + off);

		if (!n->present)
			continue;
		s_begin(sb, f, m);
		s_label(sb, "phase", phase_names[i]);
		s_end(sb, n->value * scale);
	}
}

#define PHASE_FN(fn, field, scale)                                             \
	static void fn(struct sbuf *sb, struct fam *f, const struct meter *m)  \
	{                                                                      \
		phases(sb, f, m, offsetof(struct p1_phase, field), scale);     \
	}

PHASE_FN(f_volt, voltage, 1)
PHASE_FN(f_amp, current, 1)
PHASE_FN(f_ph_imp, power_import, 1)
PHASE_FN(f_ph_exp, power_export, 1)
PHASE_FN(f_ph_eimp, energy_import, 3600)
PHASE_FN(f_ph_eexp, energy_export, 3600)
PHASE_FN(f_sags, voltage_sags, 1)
PHASE_FN(f_swells, voltage_swells, 1)

#define NUM_FN(fn, field, scale)                                               \
	static void fn(struct sbuf *sb, struct fam *f, const struct meter *m)  \
	{                                                                      \
		s_num(sb, f, m, &E(m)->field, scale);                          \
	}

NUM_FN(f_failures, failures, 1)
NUM_FN(f_long_failures, long_failures, 1)
NUM_FN(f_tariff, tariff, 1)
NUM_FN(f_demand, demand, 1)
NUM_FN(f_pf, power_factor, 1)
NUM_FN(f_freq, frequency, 1)
NUM_FN(f_plimit, limiter_power, 1)
NUM_FN(f_climit, limiter_current, 1)
NUM_FN(f_fuse, fuse, 1)
NUM_FN(f_breaker, breaker, 1)

static void f_peak(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	s_num(sb, f, m, &E(m)->month_peak.power, 1);
}

static void f_peak_time(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	if (E(m)->month_peak.power.present && E(m)->month_peak.time.valid)
		s_simple(sb, f, m, (double)E(m)->month_peak.time.t);
}

/*
 * The month a history entry belongs to, "YYYY-MM": that of its peak
 * time when valid (the entry's own stamp is the month boundary, which
 * meters put at either end), else of its month stamp.  Zero if neither.
 */
static bool peak_month(const struct meter *m, const struct p1_peak *p,
		       char out[16])
{
	struct tm tm;
	int64_t t;

	if (p->time.valid)
		t = p->time.t;
	else if (p->month.valid)
		t = p->month.t;
	else
		return false;
	/* Local calendar month: the zone is at most two hours ahead. */
	t += m->zone == P1_ZONE_UTC ? 0 : 3600;
	p1_gmtime(t, &tm); /* not gmtime_r(): 2038 with a 32-bit time_t */
	snprintf(out, 16, "%04u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)tm.tm_mon % 12u + 1);
	return true;
}

/* Each month once: later duplicates (a confused meter) are skipped. */
static void history(struct sbuf *sb, struct fam *f, const struct meter *m,
		    bool want_time)
{
	char months[P1_MAX_PEAKS][16];
	int n = 0;

	for (int i = 0; i < E(m)->npeaks && i < P1_MAX_PEAKS; i++) {
		const struct p1_peak *p = &E(m)->peaks[i];
		bool dup = false;

		if (!p->power.present || !peak_month(m, p, months[n]))
			continue;
		for (int j = 0; j < n; j++)
			if (!strcmp(months[j], months[n]))
				dup = true;
		if (dup)
			continue;
		if (!want_time || p->time.valid) {
			s_begin(sb, f, m);
			s_label(sb, "month", months[n]);
			s_end(sb,
			      want_time ? (double)p->time.t : p->power.value);
		}
		n++;
	}
}

static void f_hist(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	history(sb, f, m, false);
}

static void f_hist_time(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	history(sb, f, m, true);
}

static const struct p1_failure *newest_failure(const struct meter *m)
{
	const struct p1_failure *best = NULL;

	for (int i = 0; i < E(m)->nfailure_log && i < P1_MAX_FAILURES; i++) {
		const struct p1_failure *fl = &E(m)->failure_log[i];

		if (fl->end.valid && (!best || fl->end.t > best->end.t))
			best = fl;
	}
	return best;
}

static void f_fail_end(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	const struct p1_failure *fl = newest_failure(m);

	if (fl)
		s_simple(sb, f, m, (double)fl->end.t);
}

/* The log gives end and duration; the start is their difference. */
static void f_fail_start(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	const struct p1_failure *fl = newest_failure(m);

	if (fl && fl->duration_s.present && fl->duration_s.value >= 0 &&
	    fl->duration_s.value < 4e9)
		s_simple(sb, f, m, (double)fl->end.t - fl->duration_s.value);
}

/* 0-0:96.13.0 (and its code 96.13.1), while the meter shows one. */
static void f_text(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	char text[P1_TEXT_LABEL_MAX + 1];
	size_t n = E(m)->text_len < P1_TEXT_LABEL_MAX ? E(m)->text_len
						      : P1_TEXT_LABEL_MAX;

	if (!E(m)->text_present || !E(m)->text_len)
		return;
	memcpy(text, E(m)->text, n);
	text[n] = '\0';
	for (size_t i = 0; i < n; i++) /* NULs would cut the label */
		if (!text[i])
			text[i] = '?';
	s_begin(sb, f, m);
	s_label(sb, "message", text);
	s_label(sb, "code", E(m)->text_code_present ? E(m)->text_code : "");
	s_end(sb, 1);
}

static void f_fail_dur(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	const struct p1_failure *fl = newest_failure(m);

	if (fl && fl->duration_s.present)
		s_simple(sb, f, m, fl->duration_s.value);
}

static void f_meter_time(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	if (D(m)->time.valid)
		s_simple(sb, f, m, (double)D(m)->time.t);
}

static void f_skew(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	if (D(m)->time.valid)
		s_simple(sb, f, m,
			 (double)D(m)->time.t - (double)m->rx_first_ns / 1e9);
}

static void f_tg_bytes(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	s_simple(sb, f, m, m->tg->len);
}

/* ---- M-Bus ---------------------------------------------------------- */

static void mbus_labels(struct sbuf *sb, int ch, const struct p1_mbus *mb)
{
	char c[12];

	snprintf(c, sizeof(c), "%d", ch + 1);
	s_label(sb, "channel", c);
	s_label(sb, "device", p1_mbus_kind_name(mb->kind));
}

static bool mbus_usable(const struct p1_mbus *mb)
{
	return mb->present && !mb->stale;
}

static void f_mbus_info(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	char type[32];

	for (int i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *mb = &D(m)->mbus[i];

		if (!mbus_usable(mb))
			continue;
		/* As sent, whatever its size: no conversion to int. */
		snprintf(type, sizeof(type), "%.15g",
			 mb->type.present ? mb->type.value : -1.0);
		s_begin(sb, f, m);
		mbus_labels(sb, i, mb);
		s_label(sb, "type", mb->type.present ? type : "");
		if (cfg.export_equipment_id)
			s_label(sb, "equipment_id", mb->id);
		s_end(sb, 1);
	}
}

static void f_mbus_volume(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	for (int i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *mb = &D(m)->mbus[i];

		if (!mbus_usable(mb) || !mb->volume_m3.present)
			continue;
		s_begin(sb, f, m);
		mbus_labels(sb, i, mb);
		s_end(sb, mb->volume_m3.value);
	}
}

static void f_mbus_energy(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	for (int i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *mb = &D(m)->mbus[i];

		if (!mbus_usable(mb) || !mb->energy_wh.present)
			continue;
		s_begin(sb, f, m);
		mbus_labels(sb, i, mb);
		s_end(sb, mb->energy_wh.value * 3600);
	}
}

static void f_mbus_time(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	for (int i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *mb = &D(m)->mbus[i];

		if (!mbus_usable(mb) || !mb->time.valid)
			continue;
		s_begin(sb, f, m);
		mbus_labels(sb, i, mb);
		s_end(sb, (double)mb->time.t);
	}
}

static void f_mbus_valve(struct sbuf *sb, struct fam *f, const struct meter *m)
{
	for (int i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *mb = &D(m)->mbus[i];

		if (!mbus_usable(mb) || !mb->valve.present)
			continue;
		s_begin(sb, f, m);
		mbus_labels(sb, i, mb);
		s_end(sb, mb->valve.value);
	}
}

/* ---- the table ------------------------------------------------------ */

typedef void (*fam_fn)(struct sbuf *, struct fam *, const struct meter *);

struct fam_def {
	struct fam f;
	fam_fn fn;
	bool needs_reading;
};

#define H(name, type, fn, help)                                                \
	{                                                                      \
		{name, type, help, false}, fn, false                           \
	}
#define R(name, type, fn, help)                                                \
	{                                                                      \
		{name, type, help, false}, fn, true                            \
	}

static struct fam_def fams[] = {
	H("p1_up", GAUGE, f_up,
	  "1 if the meter's source is connected and a good telegram arrived "
	  "within meter.stale-after."),
	H("p1_source_connected", GAUGE, f_connected,
	  "1 if the device, connection or file is open."),
	H("p1_source_reconnects_total", COUNTER, f_reconnects,
	  "Times the source was lost and had to be reopened."),
	H("p1_telegrams_total", COUNTER, f_telegrams,
	  "Telegrams by outcome (ok, crc_error, truncated, ...)."),
	H("p1_encrypted_frames_total", COUNTER, f_encrypted,
	  "Encrypted (DLMS) frames by outcome (decrypted, auth_failed, "
	  "replay, no_key); meters with a key or such frames only."),
	H("p1_telegrams_recovered_total", COUNTER, f_recovered,
	  "Good telegrams rescued from a '/' in mid-line after line noise."),
	H("p1_line_errors_total", COUNTER, f_line_errors,
	  "Bytes the UART flagged, by kind (parity, framing, overrun, break)."),
	H("p1_received_bytes_total", COUNTER, f_rx_bytes,
	  "Bytes received from the meter."),
	H("p1_garbage_bytes_total", COUNTER, f_garbage,
	  "Received bytes that belonged to no telegram."),
	H("p1_source_read_calls_total", COUNTER, f_reads,
	  "read()/recv() system calls made on the source (kernel: one per "
	  "telegram)."),
	H("p1_telegram_anomalies_total", COUNTER, f_anomalies,
	  "Good telegrams holding something the parser found odd (bad line, "
	  "invalid time stamp)."),
	H("p1_last_telegram_timestamp_seconds", GAUGE, f_last_rx,
	  "Host time the last good telegram was received."),
	R("p1_meter_info", GAUGE, f_info,
	  "Identity of the meter (header line, version 1-3:0.2.8 or "
	  "0-0:96.1.4)."),
	R("p1_meter_timestamp_seconds", GAUGE, f_meter_time,
	  "Meter clock of the last telegram (0-0:1.0.0)."),
	R("p1_meter_clock_skew_seconds", GAUGE, f_skew,
	  "Meter clock minus host receive time of the telegram's first "
	  "byte."),
	R("p1_last_telegram_bytes", GAUGE, f_tg_bytes,
	  "Size of the last good telegram."),
	R("p1_electricity_imported_joules_total", COUNTER, f_imported,
	  "Electricity imported, by tariff (1-0:1.8.x)."),
	R("p1_electricity_exported_joules_total", COUNTER, f_exported,
	  "Electricity exported, by tariff (1-0:2.8.x)."),
	R("p1_electricity_import_power_watts", GAUGE, f_pimport,
	  "Power imported now (1-0:1.7.0)."),
	R("p1_electricity_export_power_watts", GAUGE, f_pexport,
	  "Power exported now (1-0:2.7.0)."),
	R("p1_active_tariff", GAUGE, f_tariff,
	  "Tariff in force (0-0:96.14.0; NL: 1 low, 2 normal; BE: 1 day, 2 "
	  "night)."),
	R("p1_phase_voltage_volts", GAUGE, f_volt,
	  "Voltage per phase (1-0:32.7.0, 52.7.0, 72.7.0)."),
	R("p1_phase_current_amperes", GAUGE, f_amp,
	  "Current per phase (1-0:31.7.0, 51.7.0, 71.7.0)."),
	R("p1_phase_import_power_watts", GAUGE, f_ph_imp,
	  "Power imported per phase (1-0:21.7.0, 41.7.0, 61.7.0)."),
	R("p1_phase_export_power_watts", GAUGE, f_ph_exp,
	  "Power exported per phase (1-0:22.7.0, 42.7.0, 62.7.0)."),
	R("p1_phase_imported_joules_total", COUNTER, f_ph_eimp,
	  "Energy imported per phase (1-0:21.8.0, 41.8.0, 61.8.0)."),
	R("p1_phase_exported_joules_total", COUNTER, f_ph_eexp,
	  "Energy exported per phase (1-0:22.8.0, 42.8.0, 62.8.0)."),
	R("p1_voltage_sags_total", COUNTER, f_sags,
	  "Voltage sags per phase (1-0:32.32.0, 52.32.0, 72.32.0)."),
	R("p1_voltage_swells_total", COUNTER, f_swells,
	  "Voltage swells per phase (1-0:32.36.0, 52.36.0, 72.36.0)."),
	R("p1_power_failures_total", COUNTER, f_failures,
	  "Power failures in any phase (0-0:96.7.21)."),
	R("p1_long_power_failures_total", COUNTER, f_long_failures,
	  "Long power failures in any phase (0-0:96.7.9)."),
	R("p1_last_long_power_failure_end_timestamp_seconds", GAUGE, f_fail_end,
	  "End of the newest long power failure in the log (1-0:99.97.0)."),
	R("p1_last_long_power_failure_duration_seconds", GAUGE, f_fail_dur,
	  "Duration of the newest long power failure in the log "
	  "(1-0:99.97.0)."),
	R("p1_last_long_power_failure_start_timestamp_seconds", GAUGE,
	  f_fail_start,
	  "Start of the newest long power failure in the log: its end minus "
	  "its duration (1-0:99.97.0)."),
	R("p1_text_message_info", GAUGE, f_text,
	  "The text message the meter shows (0-0:96.13.0, code 96.13.1); "
	  "no sample when there is none."),
	R("p1_power_factor", GAUGE, f_pf, "Power factor (1-0:13.7.0)."),
	R("p1_frequency_hertz", GAUGE, f_freq, "Grid frequency (1-0:14.7.0)."),
	R("p1_power_limit_watts", GAUGE, f_plimit,
	  "Power limiter threshold (0-0:17.0.0 in kW)."),
	R("p1_current_limit_amperes", GAUGE, f_climit,
	  "Current limiter threshold (0-0:17.0.0 in A, DSMR 2.2)."),
	R("p1_fuse_current_amperes", GAUGE, f_fuse,
	  "Fuse supervision threshold (1-0:31.4.0)."),
	R("p1_breaker_state", GAUGE, f_breaker,
	  "Breaker/switch position (0-0:96.3.10; 1 closed)."),
	R("p1_demand_average_watts", GAUGE, f_demand,
	  "Average demand of the current quarter hour (1-0:1.4.0)."),
	R("p1_demand_month_peak_watts", GAUGE, f_peak,
	  "Highest quarter-hour demand this month (1-0:1.6.0)."),
	R("p1_demand_month_peak_timestamp_seconds", GAUGE, f_peak_time,
	  "When this month's peak quarter hour ended (1-0:1.6.0)."),
	R("p1_demand_peak_history_watts", GAUGE, f_hist,
	  "Peak quarter-hour demand of past months (0-0:98.1.0)."),
	R("p1_demand_peak_history_timestamp_seconds", GAUGE, f_hist_time,
	  "When the peak of a past month was measured (0-0:98.1.0)."),
	R("p1_mbus_info", GAUGE, f_mbus_info,
	  "M-Bus devices by channel (0-n:24.1.0 type)."),
	R("p1_mbus_volume_cubic_meters_total", COUNTER, f_mbus_volume,
	  "M-Bus gas or water meter reading (0-n:24.2.1, 24.2.3, 24.3.0)."),
	R("p1_mbus_energy_joules_total", COUNTER, f_mbus_energy,
	  "M-Bus heat or cold meter reading (0-n:24.2.1 in GJ, kWh, ...)."),
	R("p1_mbus_capture_timestamp_seconds", GAUGE, f_mbus_time,
	  "When the M-Bus device's reading was captured."),
	R("p1_mbus_valve_position", GAUGE, f_mbus_valve,
	  "M-Bus valve position (0-n:24.4.0)."),
};

bool metrics_init(void)
{
	return sb_init(&cache, 16384);
}

static void render_meters(struct sbuf *sb)
{
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		struct fam_def *d = &fams[i];

		d->f.started = false;
		for (int j = 0; j < nmeters; j++) {
			const struct meter *m = meters[j];

			if (d->needs_reading && !m->have_reading)
				continue;
			d->fn(sb, &d->f, m);
		}
	}
}

void metrics_render(struct sbuf *out)
{
	sb_reset(out);
	if (cache_gen != meters_generation || cache.failed) {
		sb_reset(&cache);
		render_meters(&cache);
		sb_printf(&cache,
			  "# HELP p1_exporter_build_info Version of "
			  "p1-exporter and the libraries it runs on.\n"
			  "# TYPE p1_exporter_build_info gauge\n"
			  "p1_exporter_build_info{version=\"%s\",libp1=\"%s\","
			  "libmicrohttpd=\"%s\"} 1\n",
			  P1_VERSION, p1_version(), MHD_get_version());
		cache_gen = meters_generation;
	}
	sb_put(out, cache.p, cache.len);
	sinks_metrics(out);
	procstat_render(out);
}
