// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * src_reader.c - the --serial, --tcp, --replay and --emulate sources: a
 * libp1 reader each (p1/reader.h does the reading: termios and PARMRK
 * line errors, TCP connect/idle timeouts and reconnects, capture pacing
 * and looping, the emulated meter; all with retry backoff).  This file
 * turns the exporter's source specs and defaults into reader source
 * strings and the reader's callbacks into the meter's states, telegrams
 * and log lines.
 *
 * Log lines a user sees (every one that outside events can repeat is
 * rate-limited): "serial PATH: open at 115200 8N1", "tcp HOST:PORT:
 * connected", "KIND SOURCE: WHY; reconnecting with backoff" when an open
 * source is lost, "KIND SOURCE: WHY; retrying" when opening fails, and
 * "replay PATH: end of file after N telegrams".  key-file= and
 * auth-key-file= (source_keys.c) make the reader decrypt an encrypted
 * meter's frames; with --emulate=smarty the emulated meter encrypts with
 * the same keys.
 */
#include <errno.h>
#include <p1/p1.h>
#include <p1/reader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "meter.h"
#include "options.h"
#include "p1_framer.h"
#include "p1tty.h"
#include "rdglue.h"
#include "source.h"

struct rsource {
	struct source s;
	struct rdglue g;
	const char *what;  /* "serial", "tcp", "replay", "emulator" */
	char label[256];   /* what the log lines name */
	bool quiet_open;   /* no "connected" line (replay, emulator) */
	uint64_t enc_seen; /* encrypted frames counted, for the cache */
};

static void on_connected(struct p1_reader *r, void *user, const char *detail)
{
	struct rsource *rs = user;

	(void)r;
	if (!rs->quiet_open)
		LOG_RL(LOG_INFO, "%s %s: %s", rs->what, rs->label, detail);
	meter_set_state(rs->s.m, MS_CONNECTED, NULL);
}

static void on_telegram(struct p1_reader *r, void *user, const uint8_t *data,
			const struct p1_reader_meta *meta)
{
	struct rsource *rs = user;
	struct p1_frame fr = {
		.data = data,
		.len = meta->len,
		.status = meta->status,
		.crc_rx = meta->crc_rx,
		.crc_calc = meta->crc_calc,
		.has_crc = meta->has_crc,
		.start_stamp = meta->realtime_first_ns,
		.end_stamp = meta->realtime_last_ns,
	};

	(void)r;
	meter_frame(rs->s.m, &fr);
}

static void on_error(struct p1_reader *r, void *user, int err, const char *msg)
{
	struct rsource *rs = user;

	(void)r;
	if (err == -EBADMSG || err == -ENOKEY) {
		/* a telegram or encrypted frame refused: the source goes on;
		 * the reader's counters changed */
		meters_generation++;
		LOG_RL(LOG_WARNING, "%s %s: %s", rs->what, rs->label, msg);
		return;
	}
	LOG_RL(LOG_WARNING, "%s %s: %s; retrying", rs->what, rs->label, msg);
	if (rs->s.m->state != MS_CONNECTED)
		meter_set_state(rs->s.m, MS_CONNECTING, msg);
}

static void on_closed(struct p1_reader *r, void *user, int final, int err,
		      const char *why)
{
	struct rsource *rs = user;

	(void)r;
	if (final && !err) {
		if (!strcmp(why, "stopped"))
			return;
		log_info("%s %s: %s after %llu telegrams", rs->what, rs->label,
			 why, (unsigned long long)rs->s.m->seq);
		meter_set_state(rs->s.m, MS_FINISHED, why);
		return;
	}
	if (final) {
		LOG_RL(LOG_ERR, "%s %s: %s", rs->what, rs->label, why);
	} else {
		LOG_RL(LOG_WARNING, "%s %s: %s; reconnecting with backoff",
		       rs->what, rs->label, why);
		rs->s.m->reconnects++;
	}
	meters_generation++;
	meter_set_state(rs->s.m, MS_DISCONNECTED, why);
}

static const struct p1_reader_callbacks rs_callbacks = {
	.connected = on_connected,
	.telegram = on_telegram,
	.error = on_error,
	.closed = on_closed,
};

static void rs_after(void *arg)
{
	struct rsource *rs = arg;
	const struct p1_reader_counters *c = p1_reader_get_counters(rs->g.rd);
	uint64_t enc = c->dlms_decrypted + c->dlms_auth_failed +
		       c->dlms_replayed + c->dlms_no_key;

	rs->s.m->read_calls = c->read_calls;
	if (enc != rs->enc_seen) { /* encrypted frames counted: re-render */
		rs->enc_seen = enc;
		meters_generation++;
	}
}

static void rs_start(struct source *s)
{
	struct rsource *rs = (struct rsource *)s;

	if (!rdglue_start(&rs->g))
		log_err("%s %s: cannot start: out of memory", rs->what,
			rs->label);
}

static void rs_stop(struct source *s)
{
	struct rsource *rs = (struct rsource *)s;

	rdglue_detach(&rs->g);
	p1_reader_stop(rs->g.rd);
}

static const struct source_ops rs_ops = {.start = rs_start, .stop = rs_stop};

/* The reader for @src, and its meter; NULL (logged) on failure. */
static struct source *rs_new(const char *flag, const char *what,
			     const struct spec *sp, const char *src,
			     const char *label, const char *defname,
			     const char *meter_source)
{
	struct rsource *rs = calloc(1, sizeof(*rs));
	const char *name = spec_get(sp, "name");
	const char *tz = spec_get(sp, "tz");
	char err[256];

	if (!rs)
		return NULL;
	rs->what = what;
	rs->quiet_open = !strcmp(what, "replay") || !strcmp(what, "emulator");
	snprintf(rs->label, sizeof(rs->label), "%s", label);
	rs->g.rd = p1_reader_new(src, &rs_callbacks, rs, err, sizeof(err));
	if (!rs->g.rd) {
		log_err("%s %s: %s", flag, sp->main, err);
		goto fail;
	}
	rs->s.m = meter_new(name && *name ? name : defname, what,
			    meter_source ? meter_source
					 : p1_reader_source(rs->g.rd));
	if (!rs->s.m || !spec_apply_common(sp, rs->s.m) ||
	    !spec_apply_keys(sp, rs->g.rd, rs->s.m))
		goto fail;
	if (tz && p1_reader_set_option(rs->g.rd, "tz", tz) < 0) {
		log_err("%s %s: %s", flag, sp->main,
			p1_reader_errmsg(rs->g.rd));
		goto fail;
	}
	rdglue_init(&rs->g, rs->g.rd, rs_after, rs);
	rs->s.ops = &rs_ops;
	rs->s.m->src = &rs->s;
	rs->s.m->rc = p1_reader_get_counters(rs->g.rd);
	return &rs->s;
fail:
	if (rs->s.m)
		rs->s.m->src = NULL;
	p1_reader_free(rs->g.rd);
	free(rs);
	return NULL;
}

static bool parse_spec(const char *flag, const char *text, struct spec *sp,
		       const char *const *keys, bool main_optional)
{
	if (!spec_parse(text, sp) || (!main_optional && !sp->main[0])) {
		log_err("%s %s: cannot parse", flag, text);
		return false;
	}
	return spec_check_keys(sp, flag, keys);
}

/* The telegram size limit: the exporter's, within what libp1 keeps. */
static long max_size(void)
{
	return cfg.telegram_max_size < P1_MAX_TELEGRAM
		       ? (long)cfg.telegram_max_size
		       : P1_MAX_TELEGRAM;
}

struct source *serial_source_new(const char *text, int index)
{
	static const char *const keys[] = {"name", "tz",       "baud",
					   "mode", "key-file", "auth-key-file",
					   NULL};
	const char *baud, *mode;
	char path[256], src[512], defname[32], defbaud[24];
	struct spec sp;

	if (!parse_spec("--serial", text, &sp, keys, false))
		return NULL;
	if (p1tty_resolve(sp.main, path, sizeof(path)) < 0) {
		log_err("--serial %s: bad path", sp.main);
		return NULL;
	}
	snprintf(defbaud, sizeof(defbaud), "%lld", (long long)cfg.baud);
	baud = spec_get(&sp, "baud");
	baud = baud ? baud : defbaud;
	if (strcmp(baud, "115200") && strcmp(baud, "9600") &&
	    strcmp(baud, "auto")) {
		log_err("--serial %s: unsupported baud rate %s (115200, 9600 "
			"or auto)",
			sp.main, baud);
		return NULL;
	}
	mode = spec_get(&sp, "mode");
	mode = mode ? mode : cfg.mode;
	if (snprintf(src, sizeof(src), "serial:%s,baud=%s,mode=%s,max-size=%ld",
		     path, baud, mode, max_size()) >= (int)sizeof(src))
		return NULL;
	snprintf(defname, sizeof(defname), "serial%d", index);
	return rs_new("--serial", "serial", &sp, src, path, defname, path);
}

struct source *tcp_source_new(const char *text, int index)
{
	static const char *const keys[] = {"name", "tz", "key-file",
					   "auth-key-file", NULL};
	char src[512], defname[32];
	struct spec sp;

	if (!parse_spec("--tcp", text, &sp, keys, false))
		return NULL;
	if (snprintf(src, sizeof(src),
		     "tcp:%s,connect-timeout=%.9g,idle-timeout=%.9g,"
		     "max-size=%ld",
		     sp.main, cfg.tcp_connect_timeout, cfg.tcp_idle_timeout,
		     max_size()) >= (int)sizeof(src))
		return NULL;
	snprintf(defname, sizeof(defname), "tcp%d", index);
	return rs_new("--tcp", "tcp", &sp, src, sp.main, defname, sp.main);
}

struct source *replay_source_new(const char *text, int index)
{
	static const char *const keys[] = {"name", "tz",       "rate",
					   "loop", "key-file", "auth-key-file",
					   NULL};
	const char *rate, *v;
	char src[512], defname[32];
	struct spec sp;
	bool loop = cfg.replay_loop;

	if (!parse_spec("--replay", text, &sp, keys, false))
		return NULL;
	rate = spec_get(&sp, "rate");
	rate = rate ? rate : cfg.replay_rate;
	if ((v = spec_get(&sp, "loop")) && !parse_bool(*v ? v : "yes", &loop)) {
		log_err("--replay %s: bad loop \"%s\"", text, v);
		return NULL;
	}
	if (snprintf(src, sizeof(src), "file:%s,rate=%s,loop=%s,max-size=%ld",
		     sp.main, rate, loop ? "yes" : "no",
		     max_size()) >= (int)sizeof(src))
		return NULL;
	snprintf(defname, sizeof(defname), "replay%d", index);
	return rs_new("--replay", "replay", &sp, src, sp.main, defname,
		      sp.main);
}

struct source *emulate_source_new(const char *text, int index)
{
	static const char *const keys[] = {"name", "tz",       "interval",
					   "seed", "key-file", "auth-key-file",
					   NULL};
	char src[1024], defname[32], *p = src, *end = src + sizeof(src);
	const char *v;
	double interval = cfg.emu_interval;
	int64_t seed = cfg.emu_seed + index;
	struct spec sp;

	if (!parse_spec("--emulate", text, &sp, keys, true))
		return NULL;
	if (spec_get(&sp, "key-file") && strcmp(sp.main, "smarty")) {
		log_err("--emulate: key-file= is for the smarty profile");
		return NULL;
	}
	if ((v = spec_get(&sp, "interval")) &&
	    (!parse_duration(v, &interval) || interval <= 0)) {
		log_err("--emulate: bad interval \"%s\"", v);
		return NULL;
	}
	if ((v = spec_get(&sp, "seed")) && !parse_int(v, 0, INT64_MAX, &seed)) {
		log_err("--emulate: bad seed \"%s\"", v);
		return NULL;
	}
	p += snprintf(p, (size_t)(end - p),
		      "emulator:%s,seed=%lld,import-kwh=%.17g,export-kwh=%.17g,"
		      "gas-m3=%.17g,load-w=%.17g,solar-w=%.17g,gas-rate=%.17g,"
		      "noise=%.17g",
		      sp.main[0] ? sp.main : "dsmr5", (long long)seed,
		      cfg.emu_import_kwh, cfg.emu_export_kwh, cfg.emu_gas_m3,
		      cfg.emu_load_watts, cfg.emu_solar_watts, cfg.emu_gas_rate,
		      cfg.emu_noise);
	if (interval > 0 && p < end)
		p += snprintf(p, (size_t)(end - p), ",interval=%.9g",
			      interval < 0.001 ? 0.001 : interval);
	if (cfg.emu_start && p < end)
		p += snprintf(p, (size_t)(end - p), ",start=%s", cfg.emu_start);
	if (p >= end)
		return NULL;
	snprintf(defname, sizeof(defname), index ? "emulator%d" : "emulator",
		 index);
	return rs_new("--emulate", "emulator", &sp, src,
		      sp.main[0] ? sp.main : "dsmr5", defname, NULL);
}
