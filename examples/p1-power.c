// SPDX-License-Identifier: LGPL-2.1-or-later
/* p1-power SOURCE [COUNT]: print power and energy from any meter source,
 * e.g. /dev/p1-0, /dev/ttyUSB0,baud=auto, tcp:dongle:23, capture.txt,
 * emulator:dsmr5.  Build: cc p1-power.c $(pkg-config --cflags --libs libp1) */
#include <p1/p1.h>
#include <p1/reader.h>
#include <stdio.h>
#include <stdlib.h>

static long left = -1;

/* kWh: the total register if the meter sends one, else the tariffs' sum */
static double kwh(const struct p1_num *reg)
{
	double wh = reg[0].value;

	for (int i = 1; !reg[0].present && i <= P1_MAX_TARIFFS; i++)
		wh += reg[i].value;
	return wh / 1000;
}

static void reading(struct p1_reader *r, void *user,
		    const struct p1_telegram *t,
		    const struct p1_reader_meta *meta)
{
	const struct p1_elec *e = &t->data.elec;

	(void)user;
	printf("#%llu power %.0f W, returned %.0f W, import %.3f kWh, export "
	       "%.3f kWh\n",
	       (unsigned long long)meta->seq, e->power_import.value,
	       e->power_export.value, kwh(e->energy_import),
	       kwh(e->energy_export));
	if (left > 0 && --left == 0)
		p1_reader_stop(r);
}

static void error(struct p1_reader *r, void *user, int err, const char *msg)
{
	(void)r, (void)user, (void)err;
	fprintf(stderr, "p1-power: %s\n", msg);
}

int main(int argc, char **argv)
{
	struct p1_reader_callbacks cb = {.reading = reading, .error = error};
	char err[256];
	struct p1_reader *r;

	if (argc < 2)
		return fprintf(stderr, "usage: p1-power SOURCE [COUNT]\n"), 2;
	left = argc > 2 ? atol(argv[2]) : -1;
	if (!(r = p1_reader_new(argv[1], &cb, NULL, err, sizeof(err))))
		return fprintf(stderr, "p1-power: %s\n", err), 2;
	int ret = p1_reader_run(r);
	p1_reader_free(r);
	return ret < 0;
}
