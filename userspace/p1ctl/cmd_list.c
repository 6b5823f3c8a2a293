// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_list.c - p1ctl list [--json]: the attached devices and their
 * counters, from the "p1" generic netlink family.
 *
 * Text, per device (stable; fields only ever added at the end):
 *   p1-0 tty=ttyUSB0 state=attached crc_mode=auto max_telegram_size=16384
 *        last_seq=12 ident=/ISk5\2MT382-1000            (one line)
 *     telegrams=12 crc_errors=0 ... dropped=0           (second line)
 * JSON: one object per device per line.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "p1ctl.h"
#include "p1names.h"

#define LIST_MAX_DEVICES 256

static void usage(FILE *f)
{
	fputs("usage: p1ctl list [--json]\n"
	      "List the tty lines n_p1 is attached to (/dev/p1-N) with their\n"
	      "settings and counters.\n"
	      "  -j, --json   one JSON object per device per line\n"
	      "  -h, --help   this help\n",
	      f);
}

enum p1ctl_parsed list_parse(int argc, char **argv, struct list_opts *o)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'h':
			usage(stdout);
			return P1CTL_HELP;
		default:
			return p1ctl_bad_option("list", argv, optind, optopt);
		}
	}
	if (optind < argc) {
		p1ctl_err("list: unexpected argument '%s'", argv[optind]);
		return P1CTL_USAGE;
	}
	return P1CTL_RUN;
}

static bool has(const struct p1nl_dev *d, int attr)
{
	return d->attrs & (1U << attr);
}

void list_print_text(FILE *f, const struct p1nl_dev *d)
{
	const char *sep = "  ";

	fprintf(f, "p1-%" PRIu32 " tty=", d->index);
	out_text(f, d->tty);
	fprintf(f, " state=%s", d->dead ? "dead" : "attached");
	if (has(d, P1_A_CRC_MODE))
		fprintf(f, " crc_mode=%s", p1_crc_mode_name(d->crc_mode));
	if (has(d, P1_A_MAX_SIZE))
		fprintf(f, " max_telegram_size=%" PRIu32, d->max_size);
	if (has(d, P1_A_LAST_SEQ))
		fprintf(f, " last_seq=%" PRIu64, d->last_seq);
	fputs(" ident=", f);
	out_text(f, d->ident);
	/* encrypted meters: fields are only added at the end of the line */
	if (d->key_set)
		fputs(" key=set", f);
	else if (d->key_needed)
		fputs(" key=needed", f);
	fputc('\n', f);
	for (int i = P1_STAT_TELEGRAMS; i <= P1_STAT_MAX; i++) {
		if (!(d->stats_present & (1U << i)))
			continue;
		fprintf(f, "%s%s=%" PRIu64, sep, p1_stat_name(i), d->stats[i]);
		sep = " ";
	}
	if (d->stats_present)
		fputc('\n', f);
}

void list_print_json(FILE *f, const struct p1nl_dev *d)
{
	const char *sep = "";

	fprintf(f, "{\"index\":%" PRIu32 ",\"name\":", d->index);
	out_json_string(f, d->name);
	fputs(",\"tty\":", f);
	out_json_string(f, d->tty);
	fputs(",\"ident\":", f);
	out_json_string(f, d->ident);
	if (has(d, P1_A_CRC_MODE))
		fprintf(f, ",\"crc_mode\":\"%s\"",
			p1_crc_mode_name(d->crc_mode));
	if (has(d, P1_A_MAX_SIZE))
		fprintf(f, ",\"max_telegram_size\":%" PRIu32, d->max_size);
	if (has(d, P1_A_LAST_SEQ))
		fprintf(f, ",\"last_seq\":%" PRIu64, d->last_seq);
	fprintf(f, ",\"dead\":%s,\"statistics\":{", d->dead ? "true" : "false");
	for (int i = P1_STAT_TELEGRAMS; i <= P1_STAT_MAX; i++) {
		if (!(d->stats_present & (1U << i)))
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, sep, p1_stat_name(i),
			d->stats[i]);
		sep = ",";
	}
	fputc('}', f);
	if (d->key_set || d->key_needed)
		fprintf(f, ",\"key\":\"%s\"", d->key_set ? "set" : "needed");
	fputs("}\n", f);
}

int cmd_list(int argc, char **argv)
{
	struct list_opts o;
	struct p1nl_dev *devs;
	struct p1nl nl;
	size_t n = 0;
	int ret;

	int done = p1ctl_parsed_exit(list_parse(argc, argv, &o));

	if (done >= 0)
		return done;
	ret = p1nl_open(&nl);
	if (ret) {
		p1ctl_nl_err(&nl, ret);
		return P1CTL_EXIT_FAIL;
	}
	devs = calloc(LIST_MAX_DEVICES, sizeof(*devs));
	if (!devs) {
		p1ctl_err("out of memory");
		p1nl_close(&nl);
		return P1CTL_EXIT_FAIL;
	}
	ret = p1nl_dump_devices(&nl, devs, LIST_MAX_DEVICES, &n);
	if (ret) {
		p1ctl_nl_err(&nl, ret);
	} else {
		size_t shown = n < LIST_MAX_DEVICES ? n : LIST_MAX_DEVICES;

		for (size_t i = 0; i < shown; i++) {
			if (o.json)
				list_print_json(stdout, &devs[i]);
			else
				list_print_text(stdout, &devs[i]);
		}
		if (!n && !o.json)
			puts("no p1 devices");
		if (n > shown)
			p1ctl_err("showing %zu of %zu devices", shown, n);
		if (nl.bad_msgs)
			p1ctl_err("skipped %lu malformed netlink message(s)",
				  nl.bad_msgs);
	}
	free(devs);
	p1nl_close(&nl);
	if (fflush(stdout) || ferror(stdout))
		return P1CTL_EXIT_FAIL;
	return ret ? P1CTL_EXIT_FAIL : P1CTL_EXIT_OK;
}
