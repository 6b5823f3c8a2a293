// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * src_emulate.c - the --emulate source: an emulated meter (emu.c) whose
 * telegrams go through the same framer as a real line, on a timer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "p1_emu.h"
#include "log.h"
#include "meter.h"
#include "options.h"
#include "source.h"

struct emu_source {
	struct source s;
	struct p1i_emu emu;
	double interval;
	double meter_t;	   /* meter clock when emulate.start is set */
	bool own_clock;	   /* use meter_t rather than the host clock */
	uint64_t next_due; /* CLOCK_MONOTONIC ns */
	char buf[4096];
};

static void emu_tick(void *arg)
{
	struct emu_source *es = arg;
	uint64_t now_rt = ev_realtime_ns(), now = ev_now();
	double t = es->own_clock ? es->meter_t : (double)now_rt / 1e9;
	size_t n = p1i_emu_next(&es->emu, t, es->buf, sizeof(es->buf));

	if (n)
		meter_feed(es->s.m, (const uint8_t *)es->buf, NULL, n, now_rt);
	es->meter_t += es->interval;
	es->next_due += (uint64_t)(es->interval * 1e9);
	if (es->next_due <= now) /* we fell behind: don't catch up in bursts */
		es->next_due = now + (uint64_t)(es->interval * 1e9);
	ev_timer_arm(&es->s.timer, es->next_due - now);
}

static void emu_start(struct source *s)
{
	struct emu_source *es = (struct emu_source *)s;

	meter_set_state(s->m, MS_CONNECTED, NULL);
	es->next_due = ev_now();
	emu_tick(es);
}

static void emu_stop(struct source *s)
{
	ev_timer_disarm(&s->timer);
}

static const struct source_ops emu_ops = {.start = emu_start, .stop = emu_stop};

struct source *emulate_source_new(const char *text, int index)
{
	static const char *const keys[] = {"name", "tz", "interval", "seed",
					   NULL};
	struct emu_source *es;
	struct p1i_emu_params p;
	struct spec sp;
	const char *name, *v;
	char defname[32];
	double start;
	int prof;

	if (!spec_parse(text, &sp)) {
		log_err("--emulate %s: cannot parse", text);
		return NULL;
	}
	if (!sp.main[0])
		snprintf(sp.main, sizeof(sp.main), "dsmr5");
	if (!spec_check_keys(&sp, "--emulate", keys))
		return NULL;
	prof = p1i_emu_profile_from_name(sp.main);
	if (prof < 0) {
		log_err("--emulate: unknown profile \"%s\" (dsmr5, dsmr4, "
			"dsmr22, emucs)",
			sp.main);
		return NULL;
	}
	es = calloc(1, sizeof(*es));
	if (!es)
		return NULL;
	p1i_emu_params_default(&p);
	p.profile = (enum p1i_emu_profile)prof;
	p.import_kwh = cfg.emu_import_kwh;
	p.export_kwh = cfg.emu_export_kwh;
	p.gas_m3 = cfg.emu_gas_m3;
	p.load_w = cfg.emu_load_watts;
	p.solar_w = cfg.emu_solar_watts;
	p.gas_rate = cfg.emu_gas_rate;
	p.noise = cfg.emu_noise;
	p.seed = (uint64_t)cfg.emu_seed + (uint64_t)index;
	es->interval = cfg.emu_interval > 0 ? cfg.emu_interval
					    : p1i_emu_default_interval(p.profile);
	if ((v = spec_get(&sp, "interval")) &&
	    (!parse_duration(v, &es->interval) || es->interval <= 0)) {
		log_err("--emulate: bad interval \"%s\"", v);
		free(es);
		return NULL;
	}
	if ((v = spec_get(&sp, "seed"))) {
		int64_t seed;

		if (!parse_int(v, 0, INT64_MAX, &seed)) {
			log_err("--emulate: bad seed \"%s\"", v);
			free(es);
			return NULL;
		}
		p.seed = (uint64_t)seed;
	}
	if (es->interval < 0.001)
		es->interval = 0.001;
	start = (double)ev_realtime_ns() / 1e9;
	if (cfg.emu_start) {
		if (!p1i_emu_parse_time(cfg.emu_start, &start)) {
			log_err("--emulate.start: bad time \"%s\"",
				cfg.emu_start);
			free(es);
			return NULL;
		}
		es->own_clock = true;
	}
	es->meter_t = start;
	p1i_emu_init(&es->emu, &p, start);
	snprintf(defname, sizeof(defname), index ? "emulator%d" : "emulator",
		 index);
	name = spec_get(&sp, "name");
	es->s.m = meter_new(name && *name ? name : defname, "emulator",
			    p1i_emu_profile_name(p.profile));
	if (!es->s.m) {
		free(es);
		return NULL;
	}
	if (!spec_apply_common(&sp, es->s.m)) {
		free(es);
		return NULL;
	}
	es->s.ops = &emu_ops;
	es->s.fd = -1;
	es->s.evh = -1;
	es->s.m->src = &es->s;
	ev_timer_init(&es->s.timer, emu_tick, es);
	return &es->s;
}
