// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sink.c - the list of registered sinks and the calls into them.
 */
#include "sink.h"

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
