// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * emu_tool.c - p1-emulate: write emulated P1 telegrams to stdout.
 *
 * Capture files for tests and benchmarks, or a live stream to feed a pty,
 * a serial cable or a TCP socket (with --realtime).  --corrupt-every N
 * flips one byte in every Nth telegram (a CRC error for the reader) and
 * --garbage-every N writes line noise before every Nth telegram.
 *
 * --pty writes into a new pseudo-terminal instead of stdout: the path of
 * its slave side is printed on the first line, writing starts after
 * --delay seconds (time to attach n_p1 or open it), and the pty is held
 * --hold seconds after the last telegram before it is closed, which
 * hangs up the other side: an unplugged cable, for tests without one.
 *
 * -p smarty with --key/--key-file writes encrypted DLMS frames (Luxembourg
 * Smarty; --auth-key/--auth-key-file for an Austrian meter's own
 * authentication key), without a key plaintext Luxembourg telegrams.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <p1/dlms.h>

#include "p1_emu.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: p1-emulate [OPTION]...\n"
		"Write emulated P1 telegrams to stdout.\n\n"
		"  -p, --profile=NAME      dsmr5 (default), dsmr4, dsmr22, "
		"emucs, smarty\n"
		"      --key=HEX, --key-file=FILE\n"
		"                          smarty: encrypt with this key (32 "
		"hex digits)\n"
		"      --auth-key=HEX, --auth-key-file=FILE\n"
		"                          its authentication key (default "
		"Smarty's;\n"
		"                          Austrian meters have their own)\n"
		"  -n, --count=N           telegrams to write (default 10; "
		"0: forever)\n"
		"  -i, --interval=SECONDS  meter time between telegrams "
		"(default: profile's)\n"
		"  -s, --start=TIME        meter time of the first telegram,\n"
		"                          YYYY-MM-DDThh:mm:ssZ or @UNIX "
		"(default: now)\n"
		"      --realtime          sleep the interval between "
		"telegrams\n"
		"      --seed=N            random seed (default 1)\n"
		"      --import-kwh=X --export-kwh=X --gas-m3=X\n"
		"      --load-watts=W --solar-watts=W --gas-rate=M3H "
		"--noise=F\n"
		"                          model settings, as the exporter's "
		"--emulate.*\n"
		"      --corrupt-every=N   damage one byte of every Nth "
		"telegram\n"
		"      --garbage-every=N   line noise before every Nth "
		"telegram\n"
		"      --pty               write into a new pty; print its "
		"slave path first\n"
		"      --delay=SECONDS     with --pty: wait before writing "
		"(default 1)\n"
		"      --hold=SECONDS      with --pty: keep it open after the "
		"last telegram\n"
		"      --wait-attach       with --pty: start as soon as a line "
		"discipline\n"
		"                          other than n_tty is attached "
		"(--delay: at most)\n"
		"  -h, --help, -V, --version\n");
}

static double num(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end) {
		fprintf(stderr, "p1-emulate: bad %s \"%s\"\n", what, s);
		exit(2);
	}
	return v;
}

static void sleep_s(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s,
			      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};

	if (s > 0)
		nanosleep(&ts, NULL);
}

/*
 * Bytes written before n_p1 is attached go to n_tty and are lost: wait
 * (at most @limit seconds) until the slave side has another discipline.
 */
static void wait_for_ldisc(const char *slave, double limit)
{
	int fd = open(slave, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	int ld = 0;

	if (fd < 0) {
		/* cannot look: wait the whole limit instead */
		fprintf(stderr, "p1-emulate: %s: %s; waiting %.1f s\n", slave,
			strerror(errno), limit);
		sleep_s(limit);
		return;
	}
	for (double t = 0; t < limit; t += 0.05) {
		if (ioctl(fd, TIOCGETD, &ld) != 0 || ld != 0)
			break;
		sleep_s(0.05);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"profile", required_argument, NULL, 'p'},
		{"count", required_argument, NULL, 'n'},
		{"interval", required_argument, NULL, 'i'},
		{"start", required_argument, NULL, 's'},
		{"realtime", no_argument, NULL, 'r'},
		{"seed", required_argument, NULL, 1},
		{"import-kwh", required_argument, NULL, 2},
		{"export-kwh", required_argument, NULL, 3},
		{"gas-m3", required_argument, NULL, 4},
		{"load-watts", required_argument, NULL, 5},
		{"solar-watts", required_argument, NULL, 6},
		{"gas-rate", required_argument, NULL, 7},
		{"noise", required_argument, NULL, 8},
		{"corrupt-every", required_argument, NULL, 9},
		{"garbage-every", required_argument, NULL, 10},
		{"pty", no_argument, NULL, 11},
		{"delay", required_argument, NULL, 12},
		{"hold", required_argument, NULL, 13},
		{"wait-attach", no_argument, NULL, 14},
		{"key", required_argument, NULL, 15},
		{"key-file", required_argument, NULL, 16},
		{"auth-key", required_argument, NULL, 17},
		{"auth-key-file", required_argument, NULL, 18},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	struct p1i_emu_params p;
	struct p1i_emu e;
	double interval = 0, start = (double)time(NULL);
	unsigned long long count = 10, corrupt = 0, garbage = 0;
	bool realtime = false, pty = false, wait_attach = false;
	double delay = 1, hold = 0;
	FILE *out = stdout;
	char buf[4096];
	int rc = 0;
	uint8_t key[P1_DLMS_KEY_LEN], auth[P1_DLMS_KEY_LEN];
	bool have_key = false, have_auth = false;
	int c, prof;

	p1i_emu_params_default(&p);
	while ((c = getopt_long(argc, argv, "p:n:i:s:hV", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			prof = p1i_emu_profile_from_name(optarg);
			if (prof < 0) {
				fprintf(stderr,
					"p1-emulate: unknown profile %s\n",
					optarg);
				return 2;
			}
			p.profile = (enum p1i_emu_profile)prof;
			break;
		case 'n':
			count = (unsigned long long)num(optarg, "count");
			break;
		case 'i':
			interval = num(optarg, "interval");
			break;
		case 's':
			if (!p1i_emu_parse_time(optarg, &start)) {
				fprintf(stderr, "p1-emulate: bad time %s\n",
					optarg);
				return 2;
			}
			break;
		case 'r':
			realtime = true;
			break;
		case 1:
			p.seed = (uint64_t)num(optarg, "seed");
			break;
		case 2:
			p.import_kwh = num(optarg, "import");
			break;
		case 3:
			p.export_kwh = num(optarg, "export");
			break;
		case 4:
			p.gas_m3 = num(optarg, "gas");
			break;
		case 5:
			p.load_w = num(optarg, "load");
			break;
		case 6:
			p.solar_w = num(optarg, "solar");
			break;
		case 7:
			p.gas_rate = num(optarg, "gas rate");
			break;
		case 8:
			p.noise = num(optarg, "noise");
			break;
		case 9:
			corrupt = (unsigned long long)num(optarg, "count");
			break;
		case 10:
			garbage = (unsigned long long)num(optarg, "count");
			break;
		case 11:
			pty = true;
			break;
		case 12:
			delay = num(optarg, "delay");
			break;
		case 13:
			hold = num(optarg, "hold");
			break;
		case 14:
			wait_attach = true;
			break;
		case 15:
		case 16:
		case 17:
		case 18:
			if (c == 15 || c == 17
				    ? p1_dlms_key_from_hex(optarg,
							   c == 15 ? key : auth)
				    : p1_dlms_key_from_file(
					      optarg, c == 16 ? key : auth)) {
				fprintf(stderr, "p1-emulate: not a key: %s\n",
					optarg);
				return 2;
			}
			if (c <= 16)
				have_key = true;
			else
				have_auth = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("p1-emulate %s\n", P1_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || interval < 0) {
		usage(stderr);
		return 2;
	}
	if (interval == 0)
		interval = p1i_emu_default_interval(p.profile);
	if ((have_key || have_auth) &&
	    (p.profile != P1I_EMU_SMARTY || !have_key)) {
		fputs("p1-emulate: keys are for -p smarty, and --auth-key "
		      "needs --key\n",
		      stderr);
		return 2;
	}
	if (have_key) {
		p.dlms = p1_dlms_new();
		if (!p.dlms)
			return 1;
		p1_dlms_set_key(p.dlms, key);
		p1_dlms_set_auth_key(p.dlms, have_auth ? auth : NULL);
	}
	p1i_emu_init(&e, &p, start);
	if (pty) {
		int m = posix_openpt(O_RDWR | O_NOCTTY);

		if (m < 0 || grantpt(m) || unlockpt(m) ||
		    !(out = fdopen(m, "w"))) {
			perror("p1-emulate: pty");
			rc = 1;
			goto out;
		}
		printf("%s\n", ptsname(m));
		fflush(stdout);
		if (wait_attach)
			wait_for_ldisc(ptsname(m), delay);
		else
			sleep_s(delay);
	}
	for (unsigned long long i = 0; !count || i < count; i++) {
		size_t n = p1i_emu_next(&e, start + (double)i * interval, buf,
					sizeof(buf));

		if (garbage && i % garbage == garbage - 1)
			fputs("\x7f\xff noise 0-0:1.8.1(12\r\n", out);
		if (corrupt && i % corrupt == corrupt - 1 && n > 40)
			buf[n / 2] ^= 0x01;
		if (fwrite(buf, 1, n, out) != n) {
			rc = 1;
			goto out;
		}
		if (realtime) {
			fflush(out);
			sleep_s(interval);
		}
	}
	if (fflush(out)) {
		rc = 1;
		goto out;
	}
	if (pty)
		sleep_s(hold);
out:
	p1_dlms_free(p.dlms);
	return rc;
}
