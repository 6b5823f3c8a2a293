// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * meter.c - taking in telegrams: framing verdicts, parsing with libp1 into
 * the shared spare result, swapping it in, and the health counters.
 */
#include "meter.h"

#include <linux/p1.h>
#include <p1/p1.h>
#include <p1/reader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "log.h"
#include "options.h"
#include "sink.h"

struct meter *meters[METER_MAX];
int nmeters;
/* What the next telegram of any meter is parsed into: a good one is then
 * swapped with the meter's.  One for all: the pages a parse result
 * touches are most of a meter's memory. */
static struct p1_telegram *spare;
uint64_t meters_generation = 1;

static const char *const result_names[RES_MAX] = {
	[RES_OK] = "ok",
	[RES_CRC_ERROR] = "crc_error",
	[RES_CRC_MISSING] = "crc_missing",
	[RES_LINE_ERROR] = "line_error",
	[RES_TRUNCATED] = "truncated",
	[RES_OVERSIZE] = "oversize",
	[RES_PARSE_ERROR] = "parse_error",
	[RES_DROPPED] = "dropped",
	[RES_OVERRUN] = "reader_overrun",
};

static const char *const le_names[LE_MAX] = {
	[LE_PARITY] = "parity",
	[LE_FRAMING] = "framing",
	[LE_OVERRUN] = "overrun",
	[LE_BREAK] = "break",
};

const char *meter_result_name(int r)
{
	return result_names[r];
}

const char *meter_line_error_name(int k)
{
	return le_names[k];
}

static const char *const enc_names[ENC_MAX] = {
	[ENC_DECRYPTED] = "decrypted",
	[ENC_AUTH_FAILED] = "auth_failed",
	[ENC_REPLAY] = "replay",
	[ENC_NO_KEY] = "no_key",
};

const char *meter_enc_name(int r)
{
	return enc_names[r];
}

const char *meter_state_name(enum meter_state st)
{
	switch (st) {
	case MS_CONNECTING:
		return "connecting";
	case MS_CONNECTED:
		return "connected";
	case MS_DISCONNECTED:
		return "disconnected";
	case MS_FINISHED:
		return "finished";
	}
	return "unknown";
}

bool meter_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= METER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return true;
}

struct meter *meter_find(const char *name)
{
	for (int i = 0; i < nmeters; i++)
		if (!strcmp(meters[i]->name, name))
			return meters[i];
	return NULL;
}

struct meter *meter_new(const char *name, const char *kind, const char *source)
{
	struct meter *m;
	int zone;

	if (!meter_name_valid(name)) {
		log_err("invalid meter name \"%s\" (letters, digits, _ . -)",
			name);
		return NULL;
	}
	if (meter_find(name)) {
		log_err("two meters named \"%s\"", name);
		return NULL;
	}
	if (nmeters == METER_MAX) {
		log_err("more than %d meters", METER_MAX);
		return NULL;
	}
	zone = p1_zone_from_name(cfg.timezone);
	if (zone < 0) {
		log_err("unknown meter time zone \"%s\"", cfg.timezone);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	if (!spare)
		spare = malloc(sizeof(*spare));
	m->tg = malloc(sizeof(*m->tg));
	m->frbuf = malloc((size_t)cfg.telegram_max_size);
	if (!spare || !m->tg || !m->frbuf) {
		free(m->tg);
		free(m->frbuf);
		free(m);
		log_err("out of memory for meter %s", name);
		return NULL;
	}
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->source, sizeof(m->source), "%s", source);
	m->kind = kind;
	m->zone = zone;
	m->stale = true;
	p1_framer_init(&m->fr, m->frbuf, (u32)cfg.telegram_max_size);
	m->index = nmeters;
	meters[nmeters++] = m;
	meters_generation++;
	sinks_meter(m);
	return m;
}

void meter_set_state(struct meter *m, enum meter_state st, const char *detail)
{
	if (m->state == st && !strcmp(m->state_detail, detail ? detail : ""))
		return;
	m->state = st;
	snprintf(m->state_detail, sizeof(m->state_detail), "%s",
		 detail ? detail : "");
	meters_generation++;
	sinks_state(m);
}

bool meter_up(const struct meter *m)
{
	return (m->state == MS_CONNECTED || m->state == MS_FINISHED) &&
	       m->have_reading && !m->stale;
}

void meters_check_stale(void)
{
	uint64_t now = ev_now();
	uint64_t limit = (uint64_t)(cfg.stale_after * 1e9);

	for (int i = 0; i < nmeters; i++) {
		struct meter *m = meters[i];
		bool stale = !m->have_reading || now - m->rx_mono_ns > limit;

		if (stale != m->stale) {
			m->stale = stale;
			meters_generation++;
			if (stale && m->have_reading)
				log_warn("meter %s: no telegram for %.0f s",
					 m->name, cfg.stale_after);
			sinks_state(m);
		}
	}
}

/*
 * The meter's text message (0-0:96.13.0: the grid operator's notices) is
 * an event: each new one is logged (printable ASCII, cut), besides its
 * p1_text_message_info metric.
 */
static void text_event(const struct meter *m, const struct p1_telegram *t)
{
	const struct p1_elec *n = &t->data.elec;
	const struct p1_elec *o = m->have_reading ? &m->tg->data.elec : NULL;
	char shown[121];
	size_t k = 0;

	if (!n->text_present || !n->text_len)
		return;
	if (o && o->text_present && o->text_len == n->text_len &&
	    !memcmp(o->text, n->text, n->text_len))
		return;
	for (size_t i = 0; i < n->text_len && k + 1 < sizeof(shown); i++)
		shown[k++] = n->text[i] >= 0x20 && n->text[i] < 0x7f
				     ? n->text[i]
				     : '?';
	shown[k] = '\0';
	LOG_RL(LOG_INFO, "meter %s: text message: %s", m->name, shown);
}

void meter_telegram(struct meter *m, const uint8_t *data, size_t len,
		    uint32_t status, bool has_crc, uint64_t first_ns,
		    uint64_t last_ns)
{
	struct p1_parse_opts opts = {
		.zone = (uint32_t)m->zone,
		.flags = P1_PARSE_CRC_GIVEN,
		.crc = has_crc ? P1_CRC_OK : P1_CRC_NONE,
	};
	struct p1_telegram *t;
	bool was_stale = m->stale;

	sinks_telegram(m, data, len, status, last_ns);
	if (!p1_fr_status_good(status))
		return; /* counted by the framer or the kernel */
	if (status == P1_FR_UNCHECKED)
		opts.crc = P1_CRC_BAD;
	t = spare;
	if (p1_parse(data, len, t, &opts) < 0 ||
	    (t->anomalies & (P1_ANOM_NO_HEADER | P1_ANOM_NO_END))) {
		m->parse_errors++;
		meters_generation++;
		LOG_RL(LOG_WARNING,
		       "meter %s: %zu-byte telegram not understood "
		       "(anomalies 0x%x)",
		       m->name, len, t->anomalies);
		return;
	}
	if (t->anomalies) {
		m->anomalies++;
		LOG_RL(LOG_INFO, "meter %s: odd telegram (anomalies 0x%x)",
		       m->name, t->anomalies);
	}
	/*
	 * Identifiers are personal data: unless asked to export them, mask
	 * them in the kept telegram (typed fields, raw values, header), so
	 * /metrics, the JSON and /telegram do not leak them (libp1 knows
	 * the codes of every family).
	 */
	if (!cfg.export_equipment_id)
		p1_redact_ids(t);
	text_event(m, t);
	spare = m->tg;
	m->tg = t;
	m->have_reading = true;
	m->seq++;
	m->rx_first_ns = first_ns ? first_ns : last_ns;
	m->rx_last_ns = last_ns;
	m->rx_mono_ns = ev_now();
	if (m->stale) {
		m->stale = false;
		log_info("meter %s: receiving telegrams (%s)", m->name,
			 p1_family_name(t->data.family));
	}
	meters_generation++;
	sinks_reading(m);
	if (was_stale)
		sinks_state(m);
}

void meter_frame(struct meter *m, const struct p1_frame *fr)
{
	meter_telegram(m, fr->data, fr->len, fr->status, fr->has_crc,
		       fr->start_stamp, fr->end_stamp);
	if (p1_fr_status_good(fr->status))
		return;
	meters_generation++;
	LOG_RL(LOG_WARNING,
	       "meter %s: telegram rejected: %s (CRC sent %04X, computed %04X)",
	       m->name,
	       fr->status == P1_FR_CRC_ERROR	 ? "CRC error"
	       : fr->status == P1_FR_CRC_MISSING ? "CRC missing"
						 : "line error",
	       fr->crc_rx, fr->crc_calc);
}

void meter_feed(struct meter *m, const uint8_t *p, const uint8_t *flags,
		size_t n, uint64_t realtime_ns)
{
	struct p1_frame fr;

	while (n) {
		size_t used =
			p1_framer_push(&m->fr, p, flags, n, realtime_ns, &fr);

		p += used;
		if (flags)
			flags += used;
		n -= used;
		if (fr.len)
			meter_frame(m, &fr);
		else if (!used)
			break; /* cannot happen; never spin */
	}
}

void meter_reset_framer(struct meter *m)
{
	p1_framer_reset(&m->fr);
	meters_generation++;
}

void meter_counters(const struct meter *m, struct meter_counters *c)
{
	memset(c, 0, sizeof(*c));
	if (m->kernel) {
		uint64_t k[32];

		for (int i = 0; i < 32; i++)
			k[i] = m->kbase[i] + m->kstats[i];

		c->results[RES_OK] = k[P1_STAT_TELEGRAMS];
		c->results[RES_CRC_ERROR] = k[P1_STAT_CRC_ERRORS];
		c->results[RES_CRC_MISSING] = k[P1_STAT_CRC_MISSING];
		c->results[RES_LINE_ERROR] = k[P1_STAT_LINE_ERRORS];
		c->results[RES_TRUNCATED] = k[P1_STAT_TRUNCATED];
		c->results[RES_OVERSIZE] = k[P1_STAT_OVERSIZE];
		c->results[RES_DROPPED] = k[P1_STAT_DROPPED];
		c->line_errors[LE_PARITY] = k[P1_STAT_PARITY_ERRORS];
		c->line_errors[LE_FRAMING] = k[P1_STAT_FRAME_ERRORS];
		c->line_errors[LE_OVERRUN] = k[P1_STAT_OVERRUNS];
		c->line_errors[LE_BREAK] = k[P1_STAT_BREAKS];
		c->rx_bytes = k[P1_STAT_RX_BYTES];
		c->garbage_bytes = k[P1_STAT_GARBAGE_BYTES];
		c->recovered = k[P1_STAT_RECOVERED];
		c->encrypted[ENC_NO_KEY] = k[P1_STAT_ENCRYPTED_NO_KEY];
		c->encrypted[ENC_DECRYPTED] = k[P1_STAT_ENCRYPTED_DECRYPTED];
		c->encrypted[ENC_AUTH_FAILED] =
			k[P1_STAT_ENCRYPTED_AUTH_FAILED];
		c->encrypted[ENC_REPLAY] = k[P1_STAT_ENCRYPTED_REPLAYS];
	} else if (m->rc) {
		const struct p1_reader_counters *r = m->rc;

		c->results[RES_OK] = r->telegrams;
		c->results[RES_CRC_ERROR] = r->crc_errors;
		c->results[RES_CRC_MISSING] = r->crc_missing;
		c->results[RES_LINE_ERROR] = r->line_errors;
		c->results[RES_TRUNCATED] = r->truncated;
		c->results[RES_OVERSIZE] = r->oversize;
		c->line_errors[LE_PARITY] = r->parity_errors;
		c->line_errors[LE_FRAMING] = r->frame_errors;
		c->line_errors[LE_OVERRUN] = r->uart_overruns;
		c->line_errors[LE_BREAK] = r->breaks;
		c->rx_bytes = r->rx_bytes;
		c->garbage_bytes = r->garbage_bytes;
		c->recovered = r->recovered;
		c->encrypted[ENC_DECRYPTED] = r->dlms_decrypted;
		c->encrypted[ENC_AUTH_FAILED] = r->dlms_auth_failed;
		c->encrypted[ENC_REPLAY] = r->dlms_replayed;
		c->encrypted[ENC_NO_KEY] = r->dlms_no_key;
	} else {
		const struct p1_framer_stats *s = &m->fr.st;

		c->results[RES_OK] = s->telegrams;
		c->results[RES_CRC_ERROR] = s->crc_errors;
		c->results[RES_CRC_MISSING] = s->crc_missing;
		c->results[RES_LINE_ERROR] = s->line_errors;
		c->results[RES_TRUNCATED] = s->truncated;
		c->results[RES_OVERSIZE] = s->oversize;
		c->line_errors[LE_PARITY] = s->parity_errors;
		c->line_errors[LE_FRAMING] = s->frame_errors;
		c->line_errors[LE_OVERRUN] = s->overruns;
		c->line_errors[LE_BREAK] = s->breaks;
		c->rx_bytes = s->rx_bytes;
		c->garbage_bytes = s->garbage_bytes;
		c->recovered = s->recovered;
	}
	/* Results partition the telegrams: unparsable ones are not "ok". */
	c->results[RES_PARSE_ERROR] = m->parse_errors;
	c->results[RES_OK] = c->results[RES_OK] > m->parse_errors
				     ? c->results[RES_OK] - m->parse_errors
				     : 0;
	c->results[RES_OVERRUN] = m->overruns;
}
