// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_rd_emu.c - the reader's emulator source: an emulated meter
 * (p1_emu.c) whose telegrams go through the same framer as a real line,
 * one per interval on the timer.  The meter clock is the host's, or with
 * start=TIME its own, starting there and advancing one interval a
 * telegram.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p1/dlms.h>

#include "p1_reader_int.h"

#define E(r)	(&(r)->u.emu)
#define EMU_BUF 4096

static void emu_tick(struct p1_reader *r)
{
	char buf[EMU_BUF];
	uint64_t now_rt = p1i_realtime_ns(), now = p1i_mono_ns();
	double t = E(r)->own_clock ? E(r)->meter_t : (double)now_rt / 1e9;
	size_t n = p1i_emu_next(&E(r)->emu, t, buf, sizeof(buf));
	uint64_t step = (uint64_t)(E(r)->interval * 1e9);

	if (n)
		p1i_rd_feed(r, (const uint8_t *)buf, NULL, n, now_rt);
	if (r->stopping)
		return;
	E(r)->meter_t += E(r)->interval;
	E(r)->next_due += step;
	if (E(r)->next_due <= now) /* we fell behind: don't catch up */
		E(r)->next_due = now + step;
	p1i_rd_arm(r, E(r)->next_due - now);
}

static void emu_open(struct p1_reader *r)
{
	double start =
		E(r)->own_clock ? E(r)->start : (double)p1i_realtime_ns() / 1e9;

	if (E(r)->interval <= 0)
		E(r)->interval = p1i_emu_default_interval(E(r)->p.profile);
	if (E(r)->interval < 0.001)
		E(r)->interval = 0.001;
	E(r)->meter_t = start;
	/* smarty with a key option: the meter encrypts with that key too */
	if (r->dlms && E(r)->p.profile == P1I_EMU_SMARTY && !E(r)->p.dlms) {
		E(r)->p.dlms = p1_dlms_new();
		if (E(r)->p.dlms)
			p1_dlms_copy_keys(E(r)->p.dlms, r->dlms);
	}
	p1i_emu_init(&E(r)->emu, &E(r)->p, start);
	p1_framer_set_cs7(&r->fr, false);
	p1i_rd_connected(r, p1i_emu_profile_name(E(r)->p.profile));
	E(r)->next_due = p1i_mono_ns();
	emu_tick(r);
}

static void emu_io(struct p1_reader *r, short revents)
{
	(void)r;
	(void)revents;
}

static int emu_option(struct p1_reader *r, const char *key, const char *val)
{
	struct p1i_emu_params *p = &E(r)->p;

	if (!strcmp(key, "interval"))
		return p1i_opt_double(val, 0.001, 86400, &E(r)->interval);
	if (!strcmp(key, "seed")) {
		double d;

		if (p1i_opt_double(val, 0, 9007199254740992.0, &d) ||
		    d != (double)(uint64_t)d)
			return -EINVAL;
		p->seed = (uint64_t)d;
		return 0;
	}
	if (!strcmp(key, "start")) {
		if (!p1i_emu_parse_time(val, &E(r)->start))
			return -EINVAL;
		E(r)->own_clock = true;
		return 0;
	}
	if (!strcmp(key, "import-kwh"))
		return p1i_opt_double(val, 0, 1e9, &p->import_kwh);
	if (!strcmp(key, "export-kwh"))
		return p1i_opt_double(val, 0, 1e9, &p->export_kwh);
	if (!strcmp(key, "gas-m3"))
		return p1i_opt_double(val, 0, 1e9, &p->gas_m3);
	if (!strcmp(key, "load-w"))
		return p1i_opt_double(val, 0, 1e6, &p->load_w);
	if (!strcmp(key, "solar-w"))
		return p1i_opt_double(val, 0, 1e6, &p->solar_w);
	if (!strcmp(key, "gas-rate"))
		return p1i_opt_double(val, 0, 1e3, &p->gas_rate);
	if (!strcmp(key, "noise"))
		return p1i_opt_double(val, 0, 1, &p->noise);
	return -ENOENT;
}

static int emu_prepare(struct p1_reader *r)
{
	const char *prof = strchr(r->source, ':');
	int k;

	p1i_emu_params_default(&E(r)->p);
	k = p1i_emu_profile_from_name(prof && prof[1] ? prof + 1 : "dsmr5");
	if (k < 0) {
		snprintf(r->errmsg, sizeof(r->errmsg),
			 "emulator: unknown profile \"%s\" (dsmr5, dsmr4, "
			 "dsmr22, emucs)",
			 prof + 1);
		return -EINVAL;
	}
	E(r)->p.profile = (enum p1i_emu_profile)k;
	snprintf(r->source, sizeof(r->source), "%s",
		 p1i_emu_profile_name(E(r)->p.profile));
	return 0;
}

const struct p1i_rd_ops p1i_rd_emu_ops = {
	.prepare = emu_prepare,
	.open = emu_open,
	.io = emu_io,
	.timer = emu_tick,
	.option = emu_option,
};
