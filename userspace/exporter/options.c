// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * options.c - one table of settings drives the flags, the environment
 * variables, the configuration file, --help and --check-config.
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p1/p1.h>

struct config cfg;

enum otype { T_SECTION, T_STR, T_INT, T_DUR, T_DBL, T_BOOL, T_LIST, T_ACT };
enum { ACT_HELP = 1, ACT_VERSION, ACT_NO_KERNEL };
enum { L_DEFAULT, L_FILE, L_ENV, L_ARGV };

struct opt_def {
	const char *name;
	enum otype type;
	size_t off;
	const char *def;     /* default, as text */
	const char *metavar; /* NULL: no argument; "[X]": optional */
	const char *help;
	int64_t min, max; /* T_INT bounds */
	const char *alias;
	int act;
};

#define O(field) offsetof(struct config, field)
#define SECTION(title)                                                         \
	{                                                                      \
		.name = title, .type = T_SECTION                               \
	}

static const struct opt_def defs[] = {
	SECTION("Web"),
	{.name = "web.listen-address",
	 .type = T_LIST,
	 .off = O(listen),
	 .def = ":9357",
	 .metavar = "ADDR",
	 .help = "address to serve HTTP on: [HOST]:PORT, [IPV6]:PORT; "
		 "repeatable"},
	{.name = "web.telemetry-path",
	 .type = T_STR,
	 .off = O(telemetry_path),
	 .def = "/metrics",
	 .metavar = "PATH",
	 .help = "path under which to expose metrics"},
	{.name = "web.config.file",
	 .type = T_STR,
	 .off = O(web_config_file),
	 .def = NULL,
	 .metavar = "FILE",
	 .help = "exporter-toolkit web configuration (TLS, basic auth)"},
	{.name = "web.max-connections",
	 .type = T_INT,
	 .off = O(max_connections),
	 .def = "64",
	 .metavar = "N",
	 .help = "concurrent HTTP connections at most",
	 .min = 1,
	 .max = 4096},
	{.name = "web.max-connections-per-ip",
	 .type = T_INT,
	 .off = O(max_connections_per_ip),
	 .def = "16",
	 .metavar = "N",
	 .help = "concurrent connections per client address (an IPv6 /64); "
		 "a new one closes the longest-waiting one (0: no limit)",
	 .min = 0,
	 .max = 4096},
	{.name = "web.max-event-streams",
	 .type = T_INT,
	 .off = O(max_event_streams),
	 .def = "16",
	 .metavar = "N",
	 .help = "open /api/v1/events streams at most (the live page holds "
		 "one each)",
	 .min = 0,
	 .max = 256},
	{.name = "web.events-interval",
	 .type = T_DUR,
	 .off = O(events_interval),
	 .def = "0s",
	 .metavar = "DURATION",
	 .help = "least time between two reading events of a meter on "
		 "/api/v1/events (0: every telegram)"},
	{.name = "web.timeout",
	 .type = T_DUR,
	 .off = O(web_timeout),
	 .def = "10s",
	 .metavar = "DURATION",
	 .help = "close an HTTP connection that has not sent a whole request "
		 "this long after it opened or after its last response"},
	{.name = "web.max-request-bytes",
	 .type = T_INT,
	 .off = O(max_request_bytes),
	 .def = "8192",
	 .metavar = "N",
	 .help = "largest request line plus headers accepted",
	 .min = 1024,
	 .max = 1048576},
	SECTION("Sources (default: every /dev/p1-N of the kernel module)"),
	{.name = "kernel",
	 .type = T_STR,
	 .off = O(kernel),
	 .def = "auto",
	 .metavar = "[yes|no|auto]",
	 .help = "read every /dev/p1-N (auto: when no other source is given)"},
	{.name = "no-kernel",
	 .type = T_ACT,
	 .off = 0,
	 .def = NULL,
	 .metavar = NULL,
	 .help = "same as --kernel=no",
	 .act = ACT_NO_KERNEL},
	{.name = "serial",
	 .type = T_LIST,
	 .off = O(serial),
	 .def = NULL,
	 .metavar = "PATH[,name=N][,baud=B][,mode=M]"
		    "[,key-file=F][,auth-key-file=A]",
	 .help = "read a raw tty, framed in userspace; repeatable"},
	{.name = "serial.baud",
	 .type = T_INT,
	 .off = O(baud),
	 .def = "115200",
	 .metavar = "BAUD",
	 .help = "serial speed (DSMR 2.2/3.0: 9600)",
	 .min = 300,
	 .max = 4000000,
	 .alias = "baud"},
	{.name = "serial.mode",
	 .type = T_STR,
	 .off = O(mode),
	 .def = "8N1",
	 .metavar = "8N1|7E1",
	 .help = "serial character format (DSMR 2.2/3.0: 7E1)",
	 .alias = "mode"},
	{.name = "tcp",
	 .type = T_LIST,
	 .off = O(tcp),
	 .def = NULL,
	 .metavar = "HOST:PORT[,name=N][,key-file=F][,auth-key-file=A]",
	 .help = "read a raw TCP stream (ser2net, P1 dongle); repeatable"},
	{.name = "tcp.idle-timeout",
	 .type = T_DUR,
	 .off = O(tcp_idle_timeout),
	 .def = "60s",
	 .metavar = "DURATION",
	 .help = "reconnect when a TCP source is silent this long"},
	{.name = "tcp.connect-timeout",
	 .type = T_DUR,
	 .off = O(tcp_connect_timeout),
	 .def = "10s",
	 .metavar = "DURATION",
	 .help = "give up a TCP connection attempt after this long"},
	{.name = "replay",
	 .type = T_LIST,
	 .off = O(replay),
	 .def = NULL,
	 .metavar = "FILE[,name=N][,rate=R][,loop]"
		    "[,key-file=F][,auth-key-file=A]",
	 .help = "replay a capture file; repeatable"},
	{.name = "replay.rate",
	 .type = T_STR,
	 .off = O(replay_rate),
	 .def = "meter",
	 .metavar = "meter|N|max",
	 .help = "telegrams per second: the meter's own pace, N, or as fast as "
		 "possible",
	 .alias = "rate"},
	{.name = "replay.loop",
	 .type = T_BOOL,
	 .off = O(replay_loop),
	 .def = "false",
	 .metavar = "[BOOL]",
	 .help = "start over at the end of the file",
	 .alias = "loop"},
	{.name = "emulate",
	 .type = T_LIST,
	 .off = O(emulate),
	 .def = NULL,
	 .metavar = "[PROFILE][,name=N][,key-file=F]",
	 .help = "built-in emulated meter: dsmr5 (default), dsmr4, dsmr22, "
		 "emucs, smarty (encrypted with key-file=F)"},
	{.name = "emulate.interval",
	 .type = T_DUR,
	 .off = O(emu_interval),
	 .def = "0",
	 .metavar = "DURATION",
	 .help = "telegram interval (0: the profile's, 1s or 10s)"},
	{.name = "emulate.import-kwh",
	 .type = T_DBL,
	 .off = O(emu_import_kwh),
	 .def = "12345.678",
	 .metavar = "KWH",
	 .help = "starting imported energy, split over both tariffs"},
	{.name = "emulate.export-kwh",
	 .type = T_DBL,
	 .off = O(emu_export_kwh),
	 .def = "2345.6",
	 .metavar = "KWH",
	 .help = "starting exported energy"},
	{.name = "emulate.gas-m3",
	 .type = T_DBL,
	 .off = O(emu_gas_m3),
	 .def = "4567.89",
	 .metavar = "M3",
	 .help = "starting gas volume"},
	{.name = "emulate.load-watts",
	 .type = T_DBL,
	 .off = O(emu_load_watts),
	 .def = "450",
	 .metavar = "W",
	 .help = "average household load"},
	{.name = "emulate.solar-watts",
	 .type = T_DBL,
	 .off = O(emu_solar_watts),
	 .def = "2500",
	 .metavar = "W",
	 .help = "solar peak at noon (exported when above the load)"},
	{.name = "emulate.gas-rate",
	 .type = T_DBL,
	 .off = O(emu_gas_rate),
	 .def = "0.12",
	 .metavar = "M3/H",
	 .help = "average gas use"},
	{.name = "emulate.noise",
	 .type = T_DBL,
	 .off = O(emu_noise),
	 .def = "0.15",
	 .metavar = "FRACTION",
	 .help = "random variation of the load (0: smooth and reproducible)"},
	{.name = "emulate.seed",
	 .type = T_INT,
	 .off = O(emu_seed),
	 .def = "1",
	 .metavar = "N",
	 .help = "seed of the pseudo-random load",
	 .min = 0,
	 .max = INT64_MAX},
	{.name = "emulate.start",
	 .type = T_STR,
	 .off = O(emu_start),
	 .def = NULL,
	 .metavar = "YYYY-MM-DDThh:mm:ssZ",
	 .help = "meter clock at the first telegram (default: now)"},
	SECTION("Meters"),
	{.name = "telegram.max-size",
	 .type = T_INT,
	 .off = O(telegram_max_size),
	 .def = "16384",
	 .metavar = "BYTES",
	 .help = "largest telegram accepted (the spec allows about 11.5 KB)",
	 .min = 256,
	 .max = P1_MAX_TELEGRAM},
	{.name = "meter.stale-after",
	 .type = T_DUR,
	 .off = O(stale_after),
	 .def = "35s",
	 .metavar = "DURATION",
	 .help = "p1_up is 0 when no good telegram came for this long"},
	{.name = "meter.timezone",
	 .type = T_STR,
	 .off = O(timezone),
	 .def = "Europe/Amsterdam",
	 .metavar = "ZONE",
	 .help = "the meters' clock zone, for their time stamps"},
	{.name = "export-equipment-id",
	 .type = T_BOOL,
	 .off = O(export_equipment_id),
	 .def = "false",
	 .metavar = "[BOOL]",
	 .help = "export equipment identifiers (personal data) in metrics and "
		 "JSON"},
	SECTION("MQTT (off unless --mqtt.url is given)"),
	{.name = "mqtt.url",
	 .type = T_STR,
	 .off = O(mqtt_url),
	 .def = NULL,
	 .metavar = "mqtt[s]://[USER@]HOST[:PORT]",
	 .help = "publish to this MQTT broker (mqtts: TLS)"},
	{.name = "mqtt.password-file",
	 .type = T_STR,
	 .off = O(mqtt_password_file),
	 .def = NULL,
	 .metavar = "FILE",
	 .help = "the broker password of USER (first line of FILE)"},
	{.name = "mqtt.ca-file",
	 .type = T_STR,
	 .off = O(mqtt_ca_file),
	 .def = NULL,
	 .metavar = "FILE",
	 .help = "mqtts: CA certificates to verify the broker with (default: "
		 "the system's)"},
	{.name = "mqtt.cert-file",
	 .type = T_STR,
	 .off = O(mqtt_cert_file),
	 .def = NULL,
	 .metavar = "FILE",
	 .help = "mqtts: client certificate (PEM), with --mqtt.key-file"},
	{.name = "mqtt.key-file",
	 .type = T_STR,
	 .off = O(mqtt_key_file),
	 .def = NULL,
	 .metavar = "FILE",
	 .help = "mqtts: private key of the client certificate (PEM)"},
	{.name = "mqtt.client-id",
	 .type = T_STR,
	 .off = O(mqtt_client_id),
	 .def = NULL,
	 .metavar = "ID",
	 .help = "MQTT client identifier (default p1-exporter-HOSTNAME)"},
	{.name = "mqtt.topic-prefix",
	 .type = T_STR,
	 .off = O(mqtt_topic_prefix),
	 .def = "p1",
	 .metavar = "PREFIX",
	 .help = "first level of every topic published"},
	{.name = "mqtt.interval",
	 .type = T_DUR,
	 .off = O(mqtt_interval),
	 .def = "0",
	 .metavar = "DURATION",
	 .help = "least time between state messages of a meter (0: every "
		 "telegram)"},
	{.name = "mqtt.qos",
	 .type = T_INT,
	 .off = O(mqtt_qos),
	 .def = "0",
	 .metavar = "0|1|2",
	 .help = "MQTT quality of service of the messages published",
	 .min = 0,
	 .max = 2},
	{.name = "mqtt.retain",
	 .type = T_BOOL,
	 .off = O(mqtt_retain),
	 .def = "false",
	 .metavar = "[BOOL]",
	 .help = "retain state and value messages (status, availability and "
		 "discovery always are)"},
	{.name = "mqtt.homeassistant",
	 .type = T_STR,
	 .off = O(mqtt_homeassistant),
	 .def = NULL,
	 .metavar = "[DISCOVERY_PREFIX]",
	 .help = "announce the meters to Home Assistant (MQTT discovery; bare: "
		 "homeassistant)"},
	{.name = "mqtt.homeassistant-mode",
	 .type = T_STR,
	 .off = O(mqtt_homeassistant_mode),
	 .def = "entity",
	 .metavar = "entity|device",
	 .help = "discovery messages: one per entity, or one per meter with "
		 "all its entities (Home Assistant 2024.12 and later)"},
	{.name = "mqtt.values",
	 .type = T_BOOL,
	 .off = O(mqtt_values),
	 .def = "false",
	 .metavar = "[BOOL]",
	 .help = "also publish every value on a topic of its own "
		 "(PREFIX/METER/electricity/import/tariff1, ...)"},
	{.name = "mqtt.telegram",
	 .type = T_BOOL,
	 .off = O(mqtt_telegram),
	 .def = "false",
	 .metavar = "[BOOL]",
	 .help = "also publish each raw telegram on PREFIX/METER/telegram "
		 "(personal data; equipment ids only with "
		 "--export-equipment-id)"},
	SECTION("DSMR-reader push (off unless --dsmrreader.url is set)"),
	{.name = "dsmrreader.url",
	 .type = T_STR,
	 .off = O(dr_url),
	 .def = NULL,
	 .metavar = "URL",
	 .help = "push every telegram to DSMR-reader's remote datalogger API "
		 "(http[s]://HOST[:PORT][/api/v1/datalogger/dsmrreading])"},
	{.name = "dsmrreader.api-key-file",
	 .type = T_STR,
	 .off = O(dr_key_file),
	 .def = NULL,
	 .metavar = "FILE",
	 .help = "file holding DSMR-reader's API key (read once at start)"},
	{.name = "dsmrreader.interval",
	 .type = T_DUR,
	 .off = O(dr_interval),
	 .def = "0",
	 .metavar = "DURATION",
	 .help = "least time between two pushed telegrams (0: every one)"},
	{.name = "dsmrreader.meter",
	 .type = T_STR,
	 .off = O(dr_meter),
	 .def = NULL,
	 .metavar = "NAME",
	 .help = "meter to push (default: the only one)"},
	{.name = "dsmrreader.queue-dir",
	 .type = T_STR,
	 .off = O(dr_queue_dir),
	 .def = NULL,
	 .metavar = "DIR",
	 .help = "where telegrams wait while DSMR-reader is unreachable "
		 "(default: $STATE_DIRECTORY/dsmrreader, else "
		 "/var/lib/p1-exporter/dsmrreader)"},
	{.name = "dsmrreader.queue-max-bytes",
	 .type = T_INT,
	 .off = O(dr_queue_max_bytes),
	 .def = "67108864",
	 .metavar = "BYTES",
	 .help = "size bound of the queue; the oldest telegrams are dropped "
		 "(and counted) past it",
	 .min = 65536,
	 .max = INT64_C(1) << 40},
	{.name = "dsmrreader.timeout",
	 .type = T_DUR,
	 .off = O(dr_timeout),
	 .def = "10s",
	 .metavar = "DURATION",
	 .help = "give up one push after this long (retried)"},
	SECTION("Telegram TCP server (off unless --telegram-server.listen is "
		"set; telegrams are personal data)"),
	{.name = "telegram-server.listen",
	 .type = T_LIST,
	 .off = O(ts_listen),
	 .def = NULL,
	 .metavar = "ADDR",
	 .help = "stream every good telegram, byte-exact, to TCP clients on "
		 "[HOST]:PORT (e.g. 127.0.0.1:2001); repeatable"},
	{.name = "telegram-server.meter",
	 .type = T_STR,
	 .off = O(ts_meter),
	 .def = NULL,
	 .metavar = "NAME",
	 .help = "meter to stream (default: the only one)"},
	{.name = "telegram-server.max-clients",
	 .type = T_INT,
	 .off = O(ts_max_clients),
	 .def = "8",
	 .metavar = "N",
	 .help = "clients at once; more are refused",
	 .min = 1,
	 .max = 64},
	{.name = "telegram-server.client-buffer",
	 .type = T_INT,
	 .off = O(ts_client_buffer),
	 .def = "65536",
	 .metavar = "BYTES",
	 .help = "bytes held for a slow client; one that falls further behind "
		 "is disconnected",
	 .min = 4096,
	 .max = 16777216},
	SECTION("Capture (off unless --capture.dir is set)"),
	{.name = "capture.dir",
	 .type = T_STR,
	 .off = O(cap_dir),
	 .def = NULL,
	 .metavar = "DIR",
	 .help = "write every telegram, byte-exact, to METER-TIME.p1 files "
		 "--replay reads (damaged ones to METER-TIME.bad)"},
	{.name = "capture.max-file-bytes",
	 .type = T_INT,
	 .off = O(cap_file_bytes),
	 .def = "16777216",
	 .metavar = "BYTES",
	 .help = "start a new file past this size (and every UTC day)",
	 .min = 65536,
	 .max = INT64_C(1) << 40},
	{.name = "capture.max-total-bytes",
	 .type = T_INT,
	 .off = O(cap_total_bytes),
	 .def = "268435456",
	 .metavar = "BYTES",
	 .help = "delete the oldest capture files past this total",
	 .min = 131072,
	 .max = INT64_C(1) << 50},
	SECTION("Process"),
	{.name = "user",
	 .type = T_STR,
	 .off = O(user),
	 .def = NULL,
	 .metavar = "USER[:GROUP]",
	 .help = "when started as root, switch to this user after opening "
		 "sockets"},
	{.name = "log.level",
	 .type = T_STR,
	 .off = O(log_level),
	 .def = "info",
	 .metavar = "debug|info|warn|error",
	 .help = "least important messages logged"},
	{.name = "config.file",
	 .type = T_STR,
	 .off = O(config_file),
	 .def = NULL,
	 .metavar = "FILE",
	 .help = "read settings from FILE (key = value lines)"},
	{.name = "check-config",
	 .type = T_BOOL,
	 .off = O(check_config),
	 .def = "false",
	 .metavar = NULL,
	 .help = "validate the settings, print them and exit"},
	{.name = "version",
	 .type = T_ACT,
	 .off = 0,
	 .def = NULL,
	 .metavar = NULL,
	 .help = "print the version and exit",
	 .act = ACT_VERSION},
	{.name = "help",
	 .type = T_ACT,
	 .off = 0,
	 .def = NULL,
	 .metavar = NULL,
	 .help = "print this help and exit",
	 .act = ACT_HELP},
};

#define NDEFS (sizeof(defs) / sizeof(defs[0]))

static int layer_of[NDEFS];

static void *field(const struct opt_def *d)
{
	return (char *)&cfg + d->off;
}

bool parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	/* Decimal, or hexadecimal with 0x: "010" is ten, not eight. */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoll(s, &end, 16);
	else
		v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_double(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

bool parse_duration(const char *s, double *out)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {{"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}, {"", 1}};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].suffix)) {
			*out = v * units[i].mult;
			return *out <= 1e7;
		}
	}
	return false;
}

bool parse_bool(const char *s, bool *out)
{
	static const char *yes[] = {"1", "true", "yes", "on"};
	static const char *no[] = {"0", "false", "no", "off"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

static const char *layer_name[] = {"default", "config file", "environment",
				   "command line"};

/* Apply one value; where says where it came from, for messages. */
static bool set_opt(size_t i, const char *val, int layer, const char *where)
{
	const struct opt_def *d = &defs[i];
	void *f = field(d);
	bool ok = true;

	switch (d->type) {
	case T_STR:
		*(const char **)f = val;
		break;
	case T_INT:
		ok = parse_int(val, d->min, d->max, (int64_t *)f);
		break;
	case T_DUR:
		ok = parse_duration(val, (double *)f);
		break;
	case T_DBL:
		ok = parse_double(val, (double *)f);
		break;
	case T_BOOL:
		ok = parse_bool(val, (bool *)f);
		break;
	case T_LIST: {
		struct opt_list *l = f;

		if (l->layer != layer) {
			l->n = 0;
			l->layer = layer;
		}
		int max = l == &cfg.listen || l == &cfg.ts_listen
				  ? OPT_LIST_MAX
				  : OPT_SOURCES_MAX;

		if (l->n == max) {
			fprintf(stderr,
				"p1-exporter: %s: more than %d values for %s\n",
				where, max, d->name);
			return false;
		}
		l->v[l->n++] = val;
		break;
	}
	case T_ACT:
		if (d->act == ACT_NO_KERNEL) {
			cfg.kernel = "no";
			break;
		}
		/* fallthrough */
	default:
		fprintf(stderr, "p1-exporter: %s: %s cannot be set here\n",
			where, d->name);
		return false;
	}
	if (!ok) {
		fprintf(stderr,
			"p1-exporter: %s: invalid value \"%s\" for %s\n", where,
			val, d->name);
		return false;
	}
	layer_of[i] = layer;
	return true;
}

static int find_def(const char *name)
{
	for (size_t i = 0; i < NDEFS; i++) {
		if (defs[i].type == T_SECTION)
			continue;
		if (!strcmp(defs[i].name, name) ||
		    (defs[i].alias && !strcmp(defs[i].alias, name)))
			return (int)i;
	}
	return -1;
}

/* Value for a flag given without an argument. */
static const char *bare_value(const struct opt_def *d)
{
	if (d->type == T_BOOL)
		return "true";
	if (!strcmp(d->name, "kernel"))
		return "yes";
	if (!strcmp(d->name, "emulate"))
		return "dsmr5";
	if (!strcmp(d->name, "mqtt.homeassistant"))
		return "homeassistant";
	return NULL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Copies of configuration-file values that cfg may point to, for the
 * life of the process (a higher layer may replace the pointer: the copy
 * stays reachable here rather than leaking).
 */
static char *keep(char *s)
{
	static char *owned[2 * OPT_LIST_MAX + 256];
	static size_t nowned;

	if (s && nowned == sizeof(owned) / sizeof(owned[0])) {
		fprintf(stderr, "p1-exporter: too many settings\n");
		free(s);
		return NULL;
	}
	if (s)
		owned[nowned++] = s;
	return s;
}

static bool load_file(const char *path)
{
	char line[4096], where[4200];
	bool ok = true;
	int lineno = 0;
	FILE *fp = fopen(path, "re");

	if (!fp) {
		fprintf(stderr, "p1-exporter: %s: %m\n", path);
		return false;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *key, *val, *eq;
		int i;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (!strchr(line, '\n') && !feof(fp)) {
			fprintf(stderr, "p1-exporter: %s: line too long\n",
				where);
			ok = false;
			break;
		}
		key = trim(line);
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq) {
			*eq = '\0';
			val = trim(eq + 1);
			key = trim(key);
		} else {
			val = NULL;
		}
		i = find_def(key);
		if (i < 0 || defs[i].type == T_ACT ||
		    !strcmp(defs[i].name, "config.file") ||
		    !strcmp(defs[i].name, "check-config")) {
			fprintf(stderr, "p1-exporter: %s: unknown setting %s\n",
				where, key);
			ok = false;
			continue;
		}
		if (!val || !*val) {
			val = (char *)bare_value(&defs[i]);
			if (!val) {
				fprintf(stderr,
					"p1-exporter: %s: %s needs a value\n",
					where, key);
				ok = false;
				continue;
			}
		} else if (defs[i].type == T_STR || defs[i].type == T_LIST) {
			val = keep(strdup(val)); /* cfg points into it */
		}
		if (!val || !set_opt((size_t)i, val, L_FILE, where))
			ok = false;
	}
	fclose(fp);
	return ok;
}

static void env_name(const char *name, char *out, size_t n)
{
	size_t j = (size_t)snprintf(out, n, "P1_EXPORTER_");

	for (; *name && j + 1 < n; name++)
		out[j++] = isalnum((unsigned char)*name)
				   ? (char)toupper((unsigned char)*name)
				   : '_';
	out[j] = '\0';
}

static bool load_env(void)
{
	char name[96];
	bool ok = true;

	for (size_t i = 0; i < NDEFS; i++) {
		const struct opt_def *d = &defs[i];
		const char *v;

		if (d->type == T_SECTION || d->type == T_ACT ||
		    !strcmp(d->name, "config.file"))
			continue;
		env_name(d->name, name, sizeof(name));
		v = getenv(name);
		if (!v)
			continue;
		if (d->type == T_LIST) {
			/* Whitespace-separated values. */
			char *copy = strdup(v), *save = NULL;

			if (!copy)
				return false;
			for (char *t = strtok_r(copy, " \t\n", &save); t;
			     t = strtok_r(NULL, " \t\n", &save))
				ok &= set_opt(i, t, L_ENV, name);
			continue;
		}
		if (!*v && bare_value(d))
			v = bare_value(d);
		ok &= set_opt(i, v, L_ENV, name);
	}
	return ok;
}

static void usage(FILE *fp)
{
	char env[96], left[160];

	fprintf(fp, "Usage: p1-exporter [OPTION]...\n"
		    "Prometheus exporter for P1 smart meters (DSMR, eMUCs).\n"
		    "Every option can also be set as an environment variable\n"
		    "P1_EXPORTER_<NAME> or as \"name = value\" in "
		    "--config.file.\n");
	for (size_t i = 0; i < NDEFS; i++) {
		const struct opt_def *d = &defs[i];

		if (d->type == T_SECTION) {
			fprintf(fp, "\n%s:\n", d->name);
			continue;
		}
		if (!d->metavar)
			snprintf(left, sizeof(left), "--%s", d->name);
		else if (d->metavar[0] == '[')
			snprintf(left, sizeof(left), "--%s[=%s", d->name,
				 d->metavar + 1);
		else
			snprintf(left, sizeof(left), "--%s=%s", d->name,
				 d->metavar);
		fprintf(fp, "  %s\n      %s", left, d->help);
		if (d->def && d->type != T_BOOL)
			fprintf(fp, " (default %s)", d->def);
		if (d->alias)
			fprintf(fp, "; also --%s", d->alias);
		fputc('\n', fp);
		if (d->type != T_ACT && strcmp(d->name, "config.file") &&
		    strcmp(d->name, "check-config")) {
			env_name(d->name, env, sizeof(env));
			fprintf(fp, "      env %s\n", env);
		}
	}
}

static int kernel_mode_valid(void)
{
	return !strcmp(cfg.kernel, "auto") || !strcmp(cfg.kernel, "yes") ||
	       !strcmp(cfg.kernel, "no");
}

enum kernel_mode options_kernel_mode(void)
{
	if (!strcmp(cfg.kernel, "yes"))
		return KERNEL_ON;
	if (!strcmp(cfg.kernel, "no"))
		return KERNEL_OFF;
	if (cfg.serial.n || cfg.tcp.n || cfg.replay.n || cfg.emulate.n)
		return KERNEL_OFF;
	return KERNEL_ON;
}

int options_load(int argc, char **argv)
{
	static struct option lopts[2 * NDEFS + 1];
	struct {
		int def;
		const char *val;
	} * given;
	int ngiven = 0, nl = 0, c, idx;
	bool ok = true;
	const char *cf;

	memset(&cfg, 0, sizeof(cfg));
	for (size_t i = 0; i < NDEFS; i++) {
		const struct opt_def *d = &defs[i];

		if (d->type == T_SECTION)
			continue;
		if (d->def && d->type != T_LIST &&
		    !set_opt(i, d->def, L_DEFAULT, "default"))
			abort(); /* a bug in the table */
		for (int a = 0; a < 2; a++) {
			const char *n = a ? d->alias : d->name;

			if (!n)
				continue;
			lopts[nl++] = (struct option){
				.name = n,
				.has_arg = !d->metavar ? no_argument
					   : d->metavar[0] == '['
						   ? optional_argument
						   : required_argument,
				.val = 256 + (int)i,
			};
		}
	}
	given = calloc((size_t)argc + 1, sizeof(*given));
	if (!given)
		return OPTS_EXIT_FAIL;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "hV", lopts, &idx)) != -1) {
		if (c == 'h' || c == 'V') {
			c = 256 + find_def(c == 'h' ? "help" : "version");
		} else if (c < 256) {
			fprintf(stderr, "Try 'p1-exporter --help' for more "
					"information.\n");
			free(given);
			return OPTS_EXIT_FAIL;
		}
		const struct opt_def *d = &defs[c - 256];

		if (d->type == T_ACT && d->act == ACT_HELP) {
			usage(stdout);
			free(given);
			return OPTS_EXIT_OK;
		}
		if (d->type == T_ACT && d->act == ACT_VERSION) {
			printf("p1-exporter %s\n", P1_VERSION);
			free(given);
			return OPTS_EXIT_OK;
		}
		given[ngiven].def = c - 256;
		given[ngiven].val = optarg ? optarg : bare_value(d);
		ngiven++;
	}
	if (optind < argc) {
		fprintf(stderr, "p1-exporter: unexpected argument \"%s\"\n",
			argv[optind]);
		free(given);
		return OPTS_EXIT_FAIL;
	}
	/* The config file is named on the command line or in the env. */
	cf = getenv("P1_EXPORTER_CONFIG_FILE");
	for (int i = 0; i < ngiven; i++)
		if (!strcmp(defs[given[i].def].name, "config.file"))
			cf = given[i].val;
	if (cf && *cf) {
		cfg.config_file = cf;
		ok &= load_file(cf);
	}
	ok &= load_env();
	for (int i = 0; i < ngiven; i++)
		ok &= set_opt((size_t)given[i].def, given[i].val, L_ARGV,
			      "command line");
	free(given);
	if (!cfg.listen.n) {
		cfg.listen.v[0] = ":9357";
		cfg.listen.n = 1;
	}
	if (!kernel_mode_valid()) {
		fprintf(stderr, "p1-exporter: --kernel must be yes, no or "
				"auto\n");
		ok = false;
	}
	if (strcmp(cfg.mode, "8N1") && strcmp(cfg.mode, "7E1")) {
		fprintf(stderr, "p1-exporter: --serial.mode must be 8N1 or "
				"7E1\n");
		ok = false;
	}
	if (cfg.telemetry_path[0] != '/') {
		fprintf(stderr, "p1-exporter: --web.telemetry-path must start "
				"with /\n");
		ok = false;
	} else if (!strcmp(cfg.telemetry_path, "/healthz") ||
		   !strcmp(cfg.telemetry_path, "/links") ||
		   !strncmp(cfg.telemetry_path, "/api/", 5)) {
		/* "/" may be: the live page then steps aside (http.c). */
		fprintf(stderr,
			"p1-exporter: --web.telemetry-path %s is taken by "
			"another endpoint\n",
			cfg.telemetry_path);
		ok = false;
	}
	if (!(cfg.web_timeout >= 0.001)) {
		fprintf(stderr, "p1-exporter: --web.timeout must be above 0 "
				"(at least 1ms)\n");
		ok = false;
	}
	return ok ? OPTS_OK : OPTS_EXIT_FAIL;
}

void options_dump(void)
{
	for (size_t i = 0; i < NDEFS; i++) {
		const struct opt_def *d = &defs[i];
		void *f = field(d);

		if (d->type == T_SECTION || d->type == T_ACT)
			continue;
		printf("%s = ", d->name);
		switch (d->type) {
		case T_STR:
			printf("%s",
			       *(const char **)f ? *(const char **)f : "");
			break;
		case T_INT:
			printf("%lld", (long long)*(int64_t *)f);
			break;
		case T_DUR:
			printf("%gs", *(double *)f);
			break;
		case T_DBL:
			printf("%.15g", *(double *)f);
			break;
		case T_BOOL:
			printf("%s", *(bool *)f ? "true" : "false");
			break;
		case T_LIST: {
			const struct opt_list *l = f;

			for (int j = 0; j < l->n; j++)
				printf("%s%s", j ? " " : "", l->v[j]);
			break;
		}
		default:
			break;
		}
		printf("   # %s\n", layer_name[layer_of[i]]);
	}
}
