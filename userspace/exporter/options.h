/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * options.h - p1-exporter settings from flags, P1_EXPORTER_* environment
 * variables and an optional configuration file.
 *
 * Precedence, lowest first: built-in defaults, the configuration file,
 * the environment, the command line.  A list setting (sources, listen
 * addresses) given in a higher layer replaces the whole list of a lower
 * one.  Every setting has one long name ("web.listen-address"); the flag is
 * --NAME, the environment variable P1_EXPORTER_NAME with letters upper-cased
 * and '.' and '-' turned into '_', and the configuration file key is NAME.
 */
#ifndef P1X_OPTIONS_H
#define P1X_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* Values of a list: listen addresses at most OPT_LIST_MAX, sources of one
 * kind (--replay, --tcp, ...) at most OPT_SOURCES_MAX (METER_MAX). */
#define OPT_LIST_MAX	16
#define OPT_SOURCES_MAX 4096

struct opt_list {
	const char *v[OPT_SOURCES_MAX];
	int n;
	int layer; /* layer that last set it */
};

enum kernel_mode { KERNEL_AUTO, KERNEL_ON, KERNEL_OFF };

struct config {
	/* web */
	struct opt_list listen;
	const char *telemetry_path;
	const char *web_config_file;
	int64_t max_connections;
	int64_t max_connections_per_ip;
	int64_t max_event_streams;
	double events_interval;
	double web_timeout;
	int64_t max_request_bytes;
	/* sinks: DSMR-reader push */
	const char *dr_url;
	const char *dr_key_file;
	double dr_interval;
	const char *dr_meter;
	const char *dr_queue_dir;
	int64_t dr_queue_max_bytes;
	double dr_timeout;
	/* sinks: raw telegram TCP server */
	struct opt_list ts_listen;
	const char *ts_meter;
	int64_t ts_max_clients;
	int64_t ts_client_buffer;
	/* sinks: capture files */
	const char *cap_dir;
	int64_t cap_file_bytes;
	int64_t cap_total_bytes;
	/* process */
	const char *user;
	const char *log_level;
	const char *config_file;
	bool check_config;
	/* sources */
	const char *kernel;
	struct opt_list serial;
	struct opt_list tcp;
	struct opt_list replay;
	struct opt_list emulate;
	int64_t baud;
	const char *mode;
	double tcp_idle_timeout;
	double tcp_connect_timeout;
	const char *replay_rate;
	bool replay_loop;
	double emu_interval;
	double emu_import_kwh;
	double emu_export_kwh;
	double emu_gas_m3;
	double emu_load_watts;
	double emu_solar_watts;
	double emu_gas_rate;
	double emu_noise;
	int64_t emu_seed;
	const char *emu_start;
	/* meters */
	int64_t telegram_max_size;
	double stale_after;
	bool export_equipment_id;
	const char *timezone;
	/* MQTT (sinks/mqtt*.c) */
	const char *mqtt_url;
	const char *mqtt_password_file;
	const char *mqtt_ca_file;
	const char *mqtt_cert_file;
	const char *mqtt_key_file;
	const char *mqtt_client_id;
	const char *mqtt_topic_prefix;
	double mqtt_interval;
	int64_t mqtt_qos;
	bool mqtt_retain;
	const char *mqtt_homeassistant;
	const char *mqtt_homeassistant_mode;
	bool mqtt_values;
	bool mqtt_telegram;
};

extern struct config cfg;

enum {
	OPTS_OK = 0,
	OPTS_EXIT_OK = 1,   /* --help / --version printed */
	OPTS_EXIT_FAIL = 2, /* usage error printed */
};

/* Fills cfg from the defaults, the config file, env and argv. */
int options_load(int argc, char **argv);
enum kernel_mode options_kernel_mode(void);
/* Print every setting with its value (for --check-config). */
void options_dump(void);

/* Helpers shared with source specs. */
bool parse_duration(const char *s, double *out);
bool parse_int(const char *s, int64_t min, int64_t max, int64_t *out);
bool parse_double(const char *s, double *out);
bool parse_bool(const char *s, bool *out);

#endif
