// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * static_mqtt.c - MQTT in the static exporter: Debian has no static
 * libmosquitto, so the -static build (for the busybox test guests)
 * links this instead of mqtt_*.c and refuses --mqtt.url.
 */
#include "log.h"
#include "mqtt.h"
#include "options.h"

static bool refuse(void)
{
	if (!cfg.mqtt_url)
		return true;
	log_err("--mqtt.url: this static build of p1-exporter has no MQTT");
	return false;
}

bool mqtt_start(void)
{
	return refuse();
}

bool mqtt_check(void)
{
	return refuse();
}
