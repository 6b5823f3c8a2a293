// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mqtt_conf.c - the MQTT settings: the broker URL, the password file, the
 * TLS context and the topic prefixes, checked once at start-up.
 *
 * The password, CA, certificate and key files are read here, before the
 * exporter drops its privileges; the TLS context is built with OpenSSL
 * and handed to libmosquitto (MOSQ_OPT_SSL_CTX), so reconnecting later
 * reads no file.  The broker's certificate must name the URL's host.
 */
#include <ctype.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mqtt_int.h"
#include "options.h"

struct mqtt_conf mq;

static bool parse_url(const char *url)
{
	char auth[600], *p, *at, *host, *port = NULL;
	const char *rest;
	size_t n;

	if (!strncmp(url, "mqtt://", 7)) {
		rest = url + 7;
		mq.port = 1883;
	} else if (!strncmp(url, "mqtts://", 8)) {
		rest = url + 8;
		mq.tls = true;
		mq.port = 8883;
	} else {
		log_err("--mqtt.url %s: must start with mqtt:// or mqtts://",
			url);
		return false;
	}
	n = strcspn(rest, "/");
	if (rest[n] && rest[n + 1]) {
		log_err("--mqtt.url %s: no path allowed (topics: "
			"--mqtt.topic-prefix)",
			url);
		return false;
	}
	if (n >= sizeof(auth)) {
		log_err("--mqtt.url: too long");
		return false;
	}
	memcpy(auth, rest, n);
	auth[n] = '\0';
	p = auth;
	at = strrchr(p, '@');
	if (at) {
		*at = '\0';
		if (strchr(p, ':')) {
			log_err("--mqtt.url: no password in the URL (others "
				"can read it); use --mqtt.password-file");
			return false;
		}
		if (!*p || strlen(p) >= sizeof(mq.user)) {
			log_err("--mqtt.url %s: bad user name", url);
			return false;
		}
		strcpy(mq.user, p);
		p = at + 1;
	}
	host = p;
	if (*p == '[') {
		char *e = strchr(p, ']');

		if (!e) {
			log_err("--mqtt.url %s: unterminated [", url);
			return false;
		}
		*e = '\0';
		host = p + 1;
		if (e[1] == ':')
			port = e + 2;
		else if (e[1]) {
			log_err("--mqtt.url %s: text after ]", url);
			return false;
		}
	} else if ((port = strchr(p, ':'))) {
		*port++ = '\0';
	}
	if (!*host || strlen(host) >= sizeof(mq.host)) {
		log_err("--mqtt.url %s: no host", url);
		return false;
	}
	for (const char *h = host; *h; h++) {
		if (!isalnum((unsigned char)*h) && !strchr(".-_:", *h)) {
			log_err("--mqtt.url %s: bad host name", url);
			return false;
		}
	}
	strcpy(mq.host, host);
	if (port) {
		int64_t v;

		if (!parse_int(port, 1, 65535, &v)) {
			log_err("--mqtt.url %s: bad port", url);
			return false;
		}
		mq.port = (int)v;
	}
	return true;
}

/* The first line of the file, without its newline. */
static bool read_password(const char *path)
{
	FILE *fp = fopen(path, "re");
	char line[sizeof(mq.password) + 2];
	size_t n;

	if (!fp) {
		log_err("--mqtt.password-file %s: %m", path);
		return false;
	}
	if (!fgets(line, sizeof(line), fp))
		line[0] = '\0';
	fclose(fp);
	n = strcspn(line, "\r\n");
	if (n >= sizeof(mq.password)) {
		log_err("--mqtt.password-file %s: longer than %zu bytes", path,
			sizeof(mq.password) - 1);
		return false;
	}
	line[n] = '\0';
	if (!n) {
		log_err("--mqtt.password-file %s: empty", path);
		return false;
	}
	memcpy(mq.password, line, n + 1);
	explicit_bzero(line, sizeof(line));
	mq.have_password = true;
	return true;
}

static void ssl_error(const char *what, const char *path)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	log_err("%s %s: %s", what, path ? path : "", e ? buf : "failed");
	ERR_clear_error();
}

static bool make_tls(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx) {
		ssl_error("mqtts: cannot create a TLS context", NULL);
		return false;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (cfg.mqtt_ca_file) {
		if (!SSL_CTX_load_verify_locations(ctx, cfg.mqtt_ca_file,
						   NULL)) {
			ssl_error("--mqtt.ca-file", cfg.mqtt_ca_file);
			goto fail;
		}
	} else if (!SSL_CTX_set_default_verify_paths(ctx)) {
		ssl_error("mqtts: system CA certificates", NULL);
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* the certificate names the host, or its address for an IP URL */
	if (!(X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(ctx), mq.host) ||
	      X509_VERIFY_PARAM_set1_host(SSL_CTX_get0_param(ctx), mq.host,
					  0))) {
		ssl_error("mqtts: broker name", mq.host);
		goto fail;
	}
	ERR_clear_error(); /* not an IP address */
	if (!!cfg.mqtt_cert_file != !!cfg.mqtt_key_file) {
		log_err("--mqtt.cert-file and --mqtt.key-file go together");
		goto fail;
	}
	if (cfg.mqtt_cert_file) {
		if (SSL_CTX_use_certificate_chain_file(
			    ctx, cfg.mqtt_cert_file) != 1) {
			ssl_error("--mqtt.cert-file", cfg.mqtt_cert_file);
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, cfg.mqtt_key_file,
						SSL_FILETYPE_PEM) != 1) {
			ssl_error("--mqtt.key-file", cfg.mqtt_key_file);
			goto fail;
		}
		if (SSL_CTX_check_private_key(ctx) != 1) {
			ssl_error("--mqtt.key-file does not match",
				  cfg.mqtt_cert_file);
			goto fail;
		}
	}
	mq.ssl = ctx;
	return true;
fail:
	SSL_CTX_free(ctx);
	return false;
}

/* A topic level run: no wildcards, no empty levels, printable ASCII. */
static bool topic_prefix_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= sizeof(mq.prefix) || s[0] == '/' || s[n - 1] == '/' ||
	    strstr(s, "//"))
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == '+' || *s == '#')
			return false;
	return true;
}

static bool client_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= sizeof(mq.client_id))
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

bool mqtt_conf_load(void)
{
	bool ok = true;

	SSL_CTX_free(mq.ssl); /* an earlier call's: loading again replaces it */
	memset(&mq, 0, sizeof(mq));
	if (!parse_url(cfg.mqtt_url))
		return false;
	if (cfg.mqtt_password_file && !read_password(cfg.mqtt_password_file))
		ok = false;
	if (mq.have_password && !mq.user[0]) {
		log_err("--mqtt.password-file needs a user: "
			"--mqtt.url=mqtt://USER@HOST");
		ok = false;
	}
	if (!mq.tls &&
	    (cfg.mqtt_ca_file || cfg.mqtt_cert_file || cfg.mqtt_key_file)) {
		log_err("--mqtt.ca-file, --mqtt.cert-file and --mqtt.key-file "
			"need an mqtts:// URL");
		ok = false;
	}
	if (mq.tls && ok && !make_tls())
		ok = false;
	if (cfg.mqtt_client_id) {
		if (!client_id_valid(cfg.mqtt_client_id)) {
			log_err("--mqtt.client-id: 1 to %zu printable "
				"characters",
				sizeof(mq.client_id) - 1);
			ok = false;
		} else {
			snprintf(mq.client_id, sizeof(mq.client_id), "%s",
				 cfg.mqtt_client_id);
		}
	} else {
		char host[64] = "";

		gethostname(host, sizeof(host) - 1);
		for (char *h = host; *h; h++)
			if (!isalnum((unsigned char)*h) && *h != '-')
				*h = '-';
		snprintf(mq.client_id, sizeof(mq.client_id), "p1-exporter-%s",
			 host[0] ? host : "host");
	}
	if (!topic_prefix_valid(cfg.mqtt_topic_prefix)) {
		log_err("--mqtt.topic-prefix %s: topic levels without + # or "
			"spaces",
			cfg.mqtt_topic_prefix);
		ok = false;
	} else {
		snprintf(mq.prefix, sizeof(mq.prefix), "%s",
			 cfg.mqtt_topic_prefix);
	}
	if (cfg.mqtt_homeassistant &&
	    strcasecmp(cfg.mqtt_homeassistant, "no") &&
	    strcasecmp(cfg.mqtt_homeassistant, "false") &&
	    strcasecmp(cfg.mqtt_homeassistant, "off")) {
		if (!topic_prefix_valid(cfg.mqtt_homeassistant)) {
			log_err("--mqtt.homeassistant %s: topic levels "
				"without + # or spaces",
				cfg.mqtt_homeassistant);
			ok = false;
		} else {
			snprintf(mq.disc_prefix, sizeof(mq.disc_prefix), "%s",
				 cfg.mqtt_homeassistant);
		}
	}
	if (!cfg.mqtt_homeassistant_mode ||
	    !strcmp(cfg.mqtt_homeassistant_mode, "entity")) {
		mq.ha_device = false;
	} else if (!strcmp(cfg.mqtt_homeassistant_mode, "device")) {
		mq.ha_device = true;
	} else {
		log_err("--mqtt.homeassistant-mode %s: entity or device",
			cfg.mqtt_homeassistant_mode);
		ok = false;
	}
	mq.qos = (int)cfg.mqtt_qos;
	mq.retain = cfg.mqtt_retain;
	return ok;
}
