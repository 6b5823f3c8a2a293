/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mqtt.h - publishing to an MQTT broker (libmosquitto, in the one event
 * loop), with Home Assistant discovery.  What the rest of the exporter
 * calls; the parts talk through mqtt_int.h.
 */
#ifndef P1X_MQTT_H
#define P1X_MQTT_H

#include <stdbool.h>

/*
 * With --mqtt.url: read the settings and the files they name (password,
 * CA, client certificate and key: before privileges are dropped),
 * register the sink and start connecting.  Without it: nothing, true.
 * False (after a clear message) when a setting or file is wrong.
 */
bool mqtt_start(void);
/* --check-config: the same checks, no connection. */
bool mqtt_check(void);

#endif
