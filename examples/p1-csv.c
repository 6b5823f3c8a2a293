// SPDX-License-Identifier: LGPL-2.1-or-later
/* p1-csv SOURCE [COUNT]: one CSV line per telegram, from any meter source:
 * receive time, sequence, status, length, meter time, power, energy, gas.
 * Rejected telegrams (bad CRC) get a line too, with empty values.
 * Build: cc p1-csv.c $(pkg-config --cflags --libs libp1) */
#include <inttypes.h>
#include <p1/p1.h>
#include <p1/reader.h>
#include <stdio.h>
#include <stdlib.h>

static long left = -1;

static void num(const struct p1_num *n, double scale)
{
	if (n->present)
		printf(",%.3f", n->value * scale);
	else
		fputs(",", stdout);
}

/* kWh: the total register if the meter sends one, else the tariffs' sum */
static void kwh(const struct p1_num *reg)
{
	struct p1_num sum = reg[0];

	for (int i = 1; !reg[0].present && i <= P1_MAX_TARIFFS; i++) {
		sum.value += reg[i].value;
		sum.present |= reg[i].present;
	}
	num(&sum, 0.001);
}

static void line(struct p1_reader *r, const struct p1_reader_meta *m,
		 const struct p1_telegram *t)
{
	printf("%" PRIu64 ".%03u,%" PRIu64 ",%s,%" PRIu32,
	       m->realtime_last_ns / 1000000000u,
	       (unsigned)(m->realtime_last_ns / 1000000u % 1000u), m->seq,
	       p1_reader_status_name(m->status), m->len);
	if (t) {
		const struct p1_mbus *gas = p1_mbus_find(t, P1_MBUS_GAS);

		printf(",%lld",
		       t->data.time.valid ? (long long)t->data.time.t : 0LL);
		num(&t->data.elec.power_import, 1);
		num(&t->data.elec.power_export, 1);
		kwh(t->data.elec.energy_import);
		kwh(t->data.elec.energy_export);
		if (gas)
			num(&gas->reading, 1);
		else
			fputs(",", stdout);
	} else {
		fputs(",,,,,,", stdout);
	}
	putchar('\n');
	fflush(stdout);
	if (left > 0 && --left == 0)
		p1_reader_stop(r);
}

static void telegram(struct p1_reader *r, void *u, const uint8_t *data,
		     const struct p1_reader_meta *m)
{
	(void)u, (void)data;
	if (!P1_READER_STATUS_GOOD(m->status))
		line(r, m, NULL); /* good ones are printed when parsed */
}

static void reading(struct p1_reader *r, void *u, const struct p1_telegram *t,
		    const struct p1_reader_meta *m)
{
	(void)u;
	line(r, m, t);
}

static void error(struct p1_reader *r, void *u, int err, const char *msg)
{
	(void)r, (void)u, (void)err;
	fprintf(stderr, "p1-csv: %s\n", msg);
}

int main(int argc, char **argv)
{
	struct p1_reader_callbacks cb = {
		.telegram = telegram, .reading = reading, .error = error};
	char err[256];
	struct p1_reader *r;
	int ret;

	if (argc < 2)
		return fprintf(stderr, "usage: p1-csv SOURCE [COUNT]\n"), 2;
	left = argc > 2 ? atol(argv[2]) : -1;
	r = p1_reader_new(argv[1], &cb, NULL, err, sizeof(err));
	if (!r)
		return fprintf(stderr, "p1-csv: %s\n", err), 2;
	puts("received,seq,status,bytes,meter_time,power_w,power_export_w,"
	     "import_kwh,export_kwh,gas_m3");
	ret = p1_reader_run(r);
	p1_reader_free(r);
	return ret < 0;
}
