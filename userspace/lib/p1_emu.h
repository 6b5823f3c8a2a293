/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p1_emu.h - generator of realistic P1 telegrams (the emulated meter).
 *
 * Used by the reader's emulator source (p1/reader.h), by the p1-emulate tool
 * that writes capture files for tests and benchmarks, and by anything else that
 * needs a plausible meter: values move with a daily load curve and solar
 * production, energy registers integrate the power, gas is captured every
 * five minutes (hourly for DSMR 4 and 2.2), voltage sags/swells and power
 * failures happen now and then (the failure log grows), Belgian meters
 * track the quarter-hour demand, this month's peak and 13 months of peak
 * history.  Telegrams of DSMR >= 4 and eMUCs end in a correct CRC16;
 * DSMR 2.2 telegrams have none and put the gas value on the next line.
 * The smarty profile is a Luxembourg meter: with a keyed libp1 DLMS
 * context in the parameters (dlms) its telegrams leave it encrypted, as
 * DLMS general-global-ciphering frames with a rising frame counter; with
 * none, as plaintext.
 *
 * Everything is deterministic for a given seed and start time; no
 * allocation: the caller owns the struct and the output buffer.
 */
#ifndef P1_EMU_H
#define P1_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum p1i_emu_profile {
	P1I_EMU_DSMR5,
	P1I_EMU_DSMR4,
	P1I_EMU_DSMR22,
	P1I_EMU_EMUCS,
	P1I_EMU_SMARTY
};

struct p1_dlms;

struct p1i_emu_params {
	enum p1i_emu_profile profile;
	double import_kwh; /* starting import, both tariffs together */
	double export_kwh;
	double gas_m3;
	double load_w;	 /* average load */
	double solar_w;	 /* solar peak */
	double gas_rate; /* m3/h average */
	double noise;	 /* 0..1 */
	uint64_t seed;
	struct p1_dlms *dlms; /* smarty: encrypt with this (owned by caller) */
};

#define P1I_EMU_HISTORY 13
#define P1I_EMU_LOG	10

struct p1i_emu {
	struct p1i_emu_params p;
	uint64_t rng;
	double t; /* meter time of the last telegram, unix s */
	bool started;
	double imp[2], exp[2];	   /* kWh per tariff (index = tariff - 1) */
	double gas;		   /* m3, running */
	double gas_captured;	   /* m3 at the last capture */
	double gas_capture_t;	   /* unix s of the last capture */
	double p_imp[3], p_exp[3]; /* W per phase, last telegram */
	double volt[3], amp[3];
	double spike_w, spike_until;
	int tariff;
	uint32_t sags[3], swells[3];
	uint32_t failures, long_failures;
	struct {
		double end, dur;
	} log[P1I_EMU_LOG];
	int nlog;
	/* Belgian capacity tariff */
	double q_start, q_energy_j; /* current quarter hour */
	double demand_w;
	double peak_w, peak_t;
	int peak_month; /* year * 12 + month of peak_w */
	struct {
		double month_t, t, w;
	} hist[P1I_EMU_HISTORY];
	int nhist;
	/* smarty: system title, next frame counter, the plaintext */
	uint8_t title[8];
	uint32_t counter;
	char plain[2048];
};

/* Profile by name ("dsmr5", "dsmr4", "dsmr22", "emucs"); -1 if unknown. */
int p1i_emu_profile_from_name(const char *name);
const char *p1i_emu_profile_name(enum p1i_emu_profile p);

struct p1_dlms;
/* The profile's natural telegram interval in seconds. */
double p1i_emu_default_interval(enum p1i_emu_profile p);
/* DSMR 2.2/3.0 lines are 9600 7E1; the others 115200 8N1. */
bool p1i_emu_profile_7e1(enum p1i_emu_profile p);

void p1i_emu_params_default(struct p1i_emu_params *p);
void p1i_emu_init(struct p1i_emu *e, const struct p1i_emu_params *p,
		  double start_t);

/*
 * Advance the meter to time @t (unix seconds) and write its telegram to
 * @buf.  Returns the length, or 0 if @cap is too small (the state still
 * advances).  2048 bytes is always enough (encrypted: 2048 + 30).
 */
size_t p1i_emu_next(struct p1i_emu *e, double t, char *buf, size_t cap);

/* Meter-local time: offset in seconds from UTC under EU rules (CET/CEST). */
int p1i_emu_eu_offset(int64_t t, bool *summer);

/* "YYYY-MM-DDThh:mm:ssZ" or "@UNIXSECONDS" to unix seconds. */
bool p1i_emu_parse_time(const char *s, double *out);
#endif
