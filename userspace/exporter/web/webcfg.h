/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * webcfg.h - the --web.config.file of exporter-toolkit: TLS, basic auth
 * and extra response headers, with the same YAML keys:
 *
 *   tls_server_config:
 *     cert_file: /path/cert.pem      # or cert: <inline PEM>
 *     key_file: /path/key.pem        # or key: <inline PEM>
 *     min_version: TLS12             # TLS10..TLS13
 *     max_version: TLS13
 *     client_auth_type: NoClientCert # the only one supported
 *   http_server_config:
 *     headers:
 *       Strict-Transport-Security: max-age=31536000
 *   basic_auth_users:
 *     alice: $2y$10$...              # bcrypt hash
 *
 * Keys that exporter-toolkit knows but this exporter cannot honour
 * (client certificates, cipher suites, curves) are refused with a message
 * rather than silently ignored; unknown keys are errors too.
 */
#ifndef P1X_WEBCFG_H
#define P1X_WEBCFG_H

#include <stdbool.h>

#define WEBCFG_MAX_USERS   32
#define WEBCFG_MAX_HEADERS 8

struct webcfg {
	bool tls;
	char *cert_pem;
	char *key_pem;
	char priorities[256]; /* GnuTLS priority string, "" for default */
	int nusers;
	struct {
		char *user;
		char *hash;
		char *verified; /* password last proven right (cache) */
	} users[WEBCFG_MAX_USERS];
	int nheaders;
	struct {
		char *name;
		char *value;
	} headers[WEBCFG_MAX_HEADERS];
};

/* Parse path into wc; false (with messages on stderr) if invalid. */
bool webcfg_load(const char *path, struct webcfg *wc);

#endif
