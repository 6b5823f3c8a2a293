// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sink.c - the list of registered sinks and the calls into them.
 */
#include "sink.h"

#include <string.h>

#include "log.h"
#include "meter.h"

static const struct sink_ops *sinks[SINK_MAX];
static int nsinks;

int sink_register(const struct sink_ops *ops)
{
	if (nsinks >= SINK_MAX)
		return -1;
	sinks[nsinks++] = ops;
	return 0;
}

void sinks_meter(struct meter *m)
{
	for (int i = 0; i < nsinks; i++)
		if (sinks[i]->meter)
			sinks[i]->meter(m);
}

void sinks_telegram(struct meter *m, const uint8_t *data, size_t len,
		    uint32_t status, uint64_t rx_ns)
{
	for (int i = 0; i < nsinks; i++)
		if (sinks[i]->telegram)
			sinks[i]->telegram(m, data, len, status, rx_ns);
}

void sinks_reading(struct meter *m)
{
	for (int i = 0; i < nsinks; i++)
		if (sinks[i]->reading)
			sinks[i]->reading(m);
}

void sinks_state(struct meter *m)
{
	for (int i = 0; i < nsinks; i++)
		if (sinks[i]->state)
			sinks[i]->state(m);
}

void sinks_stop(void)
{
	for (int i = 0; i < nsinks; i++)
		if (sinks[i]->stop)
			sinks[i]->stop();
}

void sinks_metrics(struct sbuf *sb)
{
	for (int i = 0; i < nsinks; i++)
		if (sinks[i]->metrics)
			sinks[i]->metrics(sb);
}

bool sink_pick_meter(struct sink_pick *p, struct meter *m)
{
	if (p->m)
		return p->m == m;
	if (p->want) {
		if (strcmp(p->want, m->name))
			return false;
		p->m = m;
		return true;
	}
	p->m = m;
	if (nmeters > 1 && !p->warned) {
		log_warn("%s: following meter %s of %d; set --%s.meter to "
			 "choose",
			 p->what, m->name, nmeters, p->what);
		p->warned = true;
	}
	return true;
}

bool sink_pick_check(struct sink_pick *p, bool more_may_come)
{
	if (!p->want && nmeters > 1) {
		log_err("%s: there are %d meters: name one with --%s.meter",
			p->what, nmeters, p->what);
		return false;
	}
	if (p->want && !more_may_come && !meter_find(p->want)) {
		log_err("%s: no meter named \"%s\"", p->what, p->want);
		return false;
	}
	if (p->want && meter_find(p->want))
		p->m = meter_find(p->want);
	else if (!p->want && nmeters == 1)
		p->m = meters[0];
	return true;
}

const char *sink_pick_name(const struct sink_pick *p)
{
	return p->m ? p->m->name : p->want ? p->want : "";
}
