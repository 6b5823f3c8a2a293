// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unit_mqtt.c - cmocka tests of the MQTT settings (sinks/mqtt_conf.c):
 * broker URLs, the password file, topic prefixes, TLS options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mqtt_int.h"
#include "options.h"

static bool load(const char *url)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.mqtt_url = url;
	cfg.mqtt_topic_prefix = "p1";
	return mqtt_conf_load();
}

static void test_urls(void **state)
{
	(void)state;
	assert_true(load("mqtt://broker.lan"));
	assert_string_equal(mq.host, "broker.lan");
	assert_int_equal(mq.port, 1883);
	assert_false(mq.tls);
	assert_string_equal(mq.user, "");

	assert_true(load("mqtt://p1@10.0.0.2:1999/"));
	assert_string_equal(mq.user, "p1");
	assert_string_equal(mq.host, "10.0.0.2");
	assert_int_equal(mq.port, 1999);

	assert_true(load("mqtt://[::1]:2000"));
	assert_string_equal(mq.host, "::1");
	assert_int_equal(mq.port, 2000);

	assert_true(load("mqtts://user@[fe80::1]"));
	assert_true(mq.tls);
	assert_int_equal(mq.port, 8883);
	assert_non_null(mq.ssl);
	assert_string_equal(mq.host, "fe80::1");

	static const char *const bad[] = {
		"http://broker",      "mqtt://",	 "mqtt://u:pw@broker",
		"mqtt://broker/p1",   "mqtt://broker:0", "mqtt://broker:70000",
		"mqtt://broker:x",    "mqtt://[::1",	 "mqtt://[::1]x",
		"mqtt://bro ker",     "mqtt://@broker",	 "mqtt://broker:",
		"mqtts://h;rm -rf /",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s\n", bad[i]);
		assert_false(load(bad[i]));
	}
}

static void test_password(void **state)
{
	char path[] = "/tmp/unit_mqtt.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s3cret\nsecond line\n", 19), 19);
	close(fd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mqtt_url = "mqtt://alice@broker";
	cfg.mqtt_topic_prefix = "p1";
	cfg.mqtt_password_file = path;
	assert_true(mqtt_conf_load());
	assert_true(mq.have_password);
	assert_string_equal(mq.password, "s3cret");
	cfg.mqtt_url = "mqtt://broker"; /* a password needs a user */
	assert_false(mqtt_conf_load());
	cfg.mqtt_url = "mqtt://alice@broker";
	cfg.mqtt_password_file = "/nonexistent/pw";
	assert_false(mqtt_conf_load());
	unlink(path);
}

static void test_prefixes(void **state)
{
	static const char *const bad[] = {"",	  "/p1", "p1/", "a//b",
					  "p1/+", "p#",	 "p 1"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.mqtt_url = "mqtt://broker";
		cfg.mqtt_topic_prefix = bad[i];
		assert_false(mqtt_conf_load());
		cfg.mqtt_topic_prefix = "p1";
		cfg.mqtt_homeassistant = bad[i];
		assert_false(mqtt_conf_load());
	}
	cfg.mqtt_topic_prefix = "home/p1";
	cfg.mqtt_homeassistant = "homeassistant";
	assert_true(mqtt_conf_load());
	assert_string_equal(mq.prefix, "home/p1");
	assert_string_equal(mq.disc_prefix, "homeassistant");
	cfg.mqtt_homeassistant = "no";
	assert_true(mqtt_conf_load());
	assert_string_equal(mq.disc_prefix, "");
}

/* --mqtt.homeassistant-mode: entity (default) or device, nothing else. */
static void test_ha_mode(void **state)
{
	static const char *const bad[] = {"", "Device", "devices", "both",
					  "entity,device"};

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.mqtt_url = "mqtt://broker";
	cfg.mqtt_topic_prefix = "p1";
	cfg.mqtt_homeassistant = "homeassistant";
	assert_true(mqtt_conf_load());
	assert_false(mq.ha_device);
	cfg.mqtt_homeassistant_mode = "device";
	assert_true(mqtt_conf_load());
	assert_true(mq.ha_device);
	cfg.mqtt_homeassistant_mode = "entity";
	assert_true(mqtt_conf_load());
	assert_false(mq.ha_device);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.mqtt_homeassistant_mode = bad[i];
		assert_false(mqtt_conf_load());
	}
}

static void test_tls_options(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.mqtt_topic_prefix = "p1";
	cfg.mqtt_url = "mqtt://broker";
	cfg.mqtt_ca_file = "/etc/ssl/certs/ca-certificates.crt";
	assert_false(mqtt_conf_load()); /* CA file without mqtts */
	cfg.mqtt_url = "mqtts://broker";
	cfg.mqtt_ca_file = "/nonexistent/ca.pem";
	assert_false(mqtt_conf_load());
	cfg.mqtt_ca_file = NULL;
	cfg.mqtt_cert_file = "/nonexistent/c.pem"; /* without a key */
	assert_false(mqtt_conf_load());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_ha_mode),
		cmocka_unit_test(test_tls_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
