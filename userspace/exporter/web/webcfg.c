// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * webcfg.c - exporter-toolkit web configuration (libyaml) and basic auth
 * (bcrypt through libcrypt).
 */
#include "webcfg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define PEM_MAX (256 * 1024)

static bool failed;

__attribute__((format(printf, 2, 3))) static void err(const char *path,
						      const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "p1-exporter: %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failed = true;
}

static char *read_file(const char *cfgpath, const char *path)
{
	FILE *fp = fopen(path, "re");
	char *buf;
	size_t n;

	if (!fp) {
		err(cfgpath, "%s: %m", path);
		return NULL;
	}
	buf = malloc(PEM_MAX + 1);
	if (!buf) {
		fclose(fp);
		return NULL;
	}
	n = fread(buf, 1, PEM_MAX + 1, fp);
	fclose(fp);
	if (n > PEM_MAX) {
		err(cfgpath, "%s: larger than %d bytes", path, PEM_MAX);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static const char *scalar(yaml_document_t *doc, yaml_node_t *n)
{
	(void)doc;
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

#define FOR_PAIRS(it, doc, map, k, v)                                          \
	for (yaml_node_pair_t *it = (map)->data.mapping.pairs.start;           \
	     it < (map)->data.mapping.pairs.top &&                             \
	     ((k) = yaml_document_get_node((doc), it->key),                    \
	     (v) = yaml_document_get_node((doc), it->value), 1);               \
	     it++)

static const char *tls_version(const char *v)
{
	static const struct {
		const char *name, *gnutls;
	} map[] = {{"TLS10", "VERS-TLS1.0"},
		   {"TLS11", "VERS-TLS1.1"},
		   {"TLS12", "VERS-TLS1.2"},
		   {"TLS13", "VERS-TLS1.3"}};

	for (size_t i = 0; i < 4; i++)
		if (!strcmp(v, map[i].name))
			return map[i].gnutls;
	return NULL;
}

static void parse_tls(const char *path, yaml_document_t *doc, yaml_node_t *map,
		      struct webcfg *wc)
{
	const char *cert_file = NULL, *key_file = NULL, *cert = NULL,
		   *key = NULL, *minv = "TLS12", *maxv = "TLS13";
	yaml_node_t *k, *v;

	if (map->type != YAML_MAPPING_NODE) {
		err(path, "tls_server_config must be a mapping");
		return;
	}
	FOR_PAIRS(op, doc, map, k, v)
	{
		const char *key_name = scalar(doc, k), *val = scalar(doc, v);

		if (!key_name) {
			err(path, "tls_server_config: bad key");
			continue;
		}
		if (!strcmp(key_name, "prefer_server_cipher_suites"))
			continue;
		if (!strcmp(key_name, "client_auth_type")) {
			if (!val || (strcmp(val, "NoClientCert") && *val))
				err(path,
				    "client_auth_type %s is not supported "
				    "(only NoClientCert)",
				    val ? val : "?");
			continue;
		}
		if (!strcmp(key_name, "cipher_suites") ||
		    !strcmp(key_name, "curve_preferences") ||
		    !strcmp(key_name, "client_ca_file") ||
		    !strcmp(key_name, "client_allowed_sans")) {
			if (v && v->type == YAML_SEQUENCE_NODE &&
			    v->data.sequence.items.start ==
				    v->data.sequence.items.top)
				continue; /* empty list: the default */
			if (val && !*val)
				continue;
			err(path, "tls_server_config: %s is not supported",
			    key_name);
			continue;
		}
		if (!val) {
			err(path, "tls_server_config: %s must be a string",
			    key_name);
			continue;
		}
		if (!strcmp(key_name, "cert_file"))
			cert_file = val;
		else if (!strcmp(key_name, "key_file"))
			key_file = val;
		else if (!strcmp(key_name, "cert"))
			cert = val;
		else if (!strcmp(key_name, "key"))
			key = val;
		else if (!strcmp(key_name, "min_version"))
			minv = val;
		else if (!strcmp(key_name, "max_version"))
			maxv = val;
		else
			err(path, "tls_server_config: unknown key %s",
			    key_name);
	}
	if ((cert_file && cert) || (key_file && key)) {
		err(path, "give either cert_file or cert (key_file or key)");
		return;
	}
	if (!(cert_file || cert) || !(key_file || key)) {
		err(path, "tls_server_config needs a certificate and a key");
		return;
	}
	wc->cert_pem = cert ? strdup(cert) : read_file(path, cert_file);
	wc->key_pem = key ? strdup(key) : read_file(path, key_file);
	if (!wc->cert_pem || !wc->key_pem)
		return;
	if (!tls_version(minv) || !tls_version(maxv)) {
		err(path, "TLS versions are TLS10, TLS11, TLS12, TLS13");
		return;
	}
	/* NORMAL minus every version, plus the range asked for. */
	int lo = minv[4] - '0', hi = maxv[4] - '0';
	size_t n = (size_t)snprintf(wc->priorities, sizeof(wc->priorities),
				    "NORMAL:-VERS-ALL");

	if (lo > hi) {
		err(path, "min_version is above max_version");
		return;
	}
	for (int i = hi; i >= lo; i--)
		n += (size_t)snprintf(wc->priorities + n,
				      sizeof(wc->priorities) - n,
				      ":+VERS-TLS1.%d", i);
	wc->tls = true;
}

static void parse_http(const char *path, yaml_document_t *doc, yaml_node_t *map,
		       struct webcfg *wc)
{
	static const char *const allowed[] = {
		"Strict-Transport-Security", "X-Content-Type-Options",
		"X-Frame-Options", "X-XSS-Protection",
		"Content-Security-Policy"};
	yaml_node_t *k, *v, *hk, *hv;

	if (map->type != YAML_MAPPING_NODE) {
		err(path, "http_server_config must be a mapping");
		return;
	}
	FOR_PAIRS(op, doc, map, k, v)
	{
		const char *key_name = scalar(doc, k);

		if (key_name && !strcmp(key_name, "http2"))
			continue; /* HTTP/1.1 only; nothing to switch off */
		if (!key_name || strcmp(key_name, "headers") ||
		    v->type != YAML_MAPPING_NODE) {
			err(path, "http_server_config: unknown key %s",
			    key_name ? key_name : "?");
			continue;
		}
		FOR_PAIRS(ip, doc, v, hk, hv)
		{
			const char *name = scalar(doc, hk),
				   *val = scalar(doc, hv);
			bool ok = false;

			for (size_t i = 0; name && i < 5; i++)
				if (!strcasecmp(name, allowed[i]))
					ok = true;
			if (!ok || !val || strpbrk(val, "\r\n")) {
				err(path, "header %s cannot be set",
				    name ? name : "?");
				continue;
			}
			if (wc->nheaders == WEBCFG_MAX_HEADERS) {
				err(path, "too many headers");
				break;
			}
			wc->headers[wc->nheaders].name = strdup(name);
			wc->headers[wc->nheaders].value = strdup(val);
			wc->nheaders++;
		}
	}
}

/*
 * A bcrypt hash as htpasswd -B and Go's bcrypt write it: $2a$, $2b$ or
 * $2y$, a two-digit cost 04-31, 22 characters of salt and 31 of hash.
 */
static bool bcrypt_valid(const char *h)
{
	static const char b64[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";
	int cost;

	if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' ||
	    !strchr("aby", h[2]) || h[3] != '$' || h[6] != '$' || h[4] < '0' ||
	    h[4] > '9' || h[5] < '0' || h[5] > '9')
		return false;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return false;
	return strspn(h + 7, b64) == 53;
}

static void parse_users(const char *path, yaml_document_t *doc,
			yaml_node_t *map, struct webcfg *wc)
{
	yaml_node_t *k, *v;

	if (map->type != YAML_MAPPING_NODE) {
		err(path, "basic_auth_users must be a mapping");
		return;
	}
	FOR_PAIRS(op, doc, map, k, v)
	{
		const char *user = scalar(doc, k), *hash = scalar(doc, v);

		if (!user || !hash || !bcrypt_valid(hash)) {
			err(path,
			    "basic_auth_users: %s needs a bcrypt hash "
			    "($2y$10$ and 53 characters, as htpasswd -nB "
			    "writes)",
			    user ? user : "?");
			continue;
		}
		bool dup = false;

		for (int i = 0; i < wc->nusers; i++)
			dup |= !strcmp(wc->users[i].user, user);
		if (dup) {
			err(path, "basic_auth_users: %s is given twice", user);
			continue;
		}
		if (wc->nusers == WEBCFG_MAX_USERS) {
			err(path, "more than %d users", WEBCFG_MAX_USERS);
			break;
		}
		wc->users[wc->nusers].user = strdup(user);
		wc->users[wc->nusers].hash = strdup(hash);
		wc->nusers++;
	}
}

bool webcfg_load(const char *path, struct webcfg *wc)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *k, *v;
	FILE *fp;

	memset(wc, 0, sizeof(*wc));
	failed = false;
	fp = fopen(path, "re");
	if (!fp) {
		err(path, "%m");
		return false;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		err(path, "YAML error at line %zu: %s",
		    parser.problem_mark.line + 1,
		    parser.problem ? parser.problem : "?");
		yaml_parser_delete(&parser);
		fclose(fp);
		return false;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type == YAML_MAPPING_NODE) {
		FOR_PAIRS(op, &doc, root, k, v)
		{
			const char *key = scalar(&doc, k);

			if (!key || !v)
				err(path, "bad top-level key");
			else if (v->type == YAML_SCALAR_NODE &&
				 !v->data.scalar.length)
				continue; /* "key:" with nothing: empty */
			else if (!strcmp(key, "tls_server_config"))
				parse_tls(path, &doc, v, wc);
			else if (!strcmp(key, "http_server_config"))
				parse_http(path, &doc, v, wc);
			else if (!strcmp(key, "basic_auth_users"))
				parse_users(path, &doc, v, wc);
			else
				err(path, "unknown key %s", key);
		}
	} else if (root && !(root->type == YAML_SCALAR_NODE &&
			     !root->data.scalar.length)) {
		err(path, "the top level must be a mapping");
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(fp);
	return !failed;
}
