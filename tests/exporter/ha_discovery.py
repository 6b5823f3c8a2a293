#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Home Assistant MQTT discovery, as its documentation describes it
(integrations/mqtt: "MQTT Discovery", "MQTT Sensor"; integrations/sensor:
device classes and their units; the Energy dashboard's requirements), for
the tests: check(topic, payload) returns a list of problems, and
template_value(config, state_doc) evaluates the value_template forms a
discovery config may use against a state document.

Written from the documentation, not from Home Assistant's code: what we
check is what a config must satisfy for Home Assistant to accept the entity
(and, for energy, gas and water, for the Energy dashboard to offer it).
"""
import json
import re
import time

COMPONENTS = {"sensor", "binary_sensor", "button", "number", "select",
              "switch", "text", "update", "device_automation", "event"}
ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")

# integrations/sensor: device class -> units Home Assistant accepts.
UNITS = {
    "energy": {"Wh", "kWh", "MWh", "GWh", "mWh", "TWh", "MJ", "GJ", "cal",
               "kcal", "Mcal", "Gcal"},
    "power": {"mW", "W", "kW", "MW", "GW", "TW", "BTU/h"},
    "reactive_power": {"var", "kvar"},
    "apparent_power": {"VA", "kVA"},
    "voltage": {"V", "mV", "µV", "kV", "MV"},
    "current": {"A", "mA"},
    "frequency": {"Hz", "kHz", "MHz", "GHz"},
    "gas": {"m³", "ft³", "CCF", "L"},
    "water": {"L", "gal", "m³", "ft³", "CCF"},
    "volume": {"L", "mL", "gal", "fl. oz.", "m³", "ft³", "CCF"},
    "power_factor": {None, "%"},
    "data_size": {"bit", "kbit", "Mbit", "Gbit", "B", "kB", "MB", "GB",
                  "TB", "KiB", "MiB", "GiB"},
    "duration": {"d", "h", "min", "s", "ms"},
    "timestamp": {None},
}
STATE_CLASSES = {"measurement", "total", "total_increasing"}
# Classes whose state is a running total: "measurement" is refused.
TOTAL_ONLY = {"energy", "gas", "water", "volume"}
# The Energy dashboard takes these (device class: units), with a
# state_class of total or total_increasing.
ENERGY_DASHBOARD = {
    "energy": {"Wh", "kWh", "MWh", "GJ", "MJ"},
    "gas": {"m³", "ft³", "CCF", "kWh", "MWh", "GJ", "MJ"},
    "water": {"L", "gal", "m³", "ft³", "CCF"},
}
# MQTT sensor options (full names) plus the discovery-only ones.
SENSOR_KEYS = {
    "availability", "availability_mode", "availability_template",
    "availability_topic", "device", "device_class", "enabled_by_default",
    "encoding", "entity_category", "entity_picture", "expire_after",
    "force_update", "icon", "json_attributes_template",
    "json_attributes_topic", "last_reset_value_template", "name",
    "object_id", "default_entity_id", "options", "payload_available",
    "payload_not_available", "platform", "qos",
    "suggested_display_precision", "state_class", "state_topic",
    "unique_id", "unit_of_measurement", "value_template", "origin",
}
DEVICE_KEYS = {"configuration_url", "connections", "hw_version",
               "identifiers", "manufacturer", "model", "model_id", "name",
               "serial_number", "suggested_area", "sw_version",
               "via_device"}


def check(topic, payload):
    """Problems with one discovery message (empty list: accepted)."""
    errs = []
    parts = topic.split("/")
    if len(parts) not in (4, 5) or parts[-1] != "config":
        return [f"{topic}: not <prefix>/<component>/[<node_id>/]<object_id>/config"]
    comp = parts[1]
    if comp not in COMPONENTS:
        errs.append(f"{topic}: unknown component {comp}")
    for p in parts[2:-1]:
        if not ID_RE.match(p):
            errs.append(f"{topic}: node/object id {p!r} has characters "
                        "outside [a-zA-Z0-9_-]")
    try:
        c = json.loads(payload)
    except ValueError as e:
        return errs + [f"{topic}: payload is not JSON: {e}"]
    if not isinstance(c, dict):
        return errs + [f"{topic}: payload is not a JSON object"]
    if comp != "sensor":
        return errs
    for k in c:
        if k not in SENSOR_KEYS:
            errs.append(f"{topic}: unknown sensor option {k}")
    if not isinstance(c.get("state_topic"), str) or not c["state_topic"]:
        errs.append(f"{topic}: state_topic (required) missing")
    elif any(ch in c["state_topic"] for ch in "+#"):
        errs.append(f"{topic}: state_topic has a wildcard")
    if "device" in c:
        d = c["device"]
        if not isinstance(d, dict):
            errs.append(f"{topic}: device is not an object")
        else:
            for k in d:
                if k not in DEVICE_KEYS:
                    errs.append(f"{topic}: unknown device option {k}")
            if not d.get("identifiers") and not d.get("connections"):
                errs.append(f"{topic}: device without identifiers or "
                            "connections")
        if not c.get("unique_id"):
            errs.append(f"{topic}: a device needs a unique_id")
    if "origin" in c and not (isinstance(c["origin"], dict)
                              and c["origin"].get("name")):
        errs.append(f"{topic}: origin without name")
    if "availability" in c:
        a = c["availability"]
        if not isinstance(a, list) or not a:
            errs.append(f"{topic}: availability is not a list")
        else:
            for e in a:
                if not isinstance(e, dict) or not e.get("topic"):
                    errs.append(f"{topic}: availability entry without "
                                "topic")
        if "availability_topic" in c:
            errs.append(f"{topic}: availability and availability_topic "
                        "both given")
    if c.get("availability_mode", "latest") not in ("all", "any", "latest"):
        errs.append(f"{topic}: bad availability_mode")
    if c.get("entity_category") not in (None, "diagnostic"):
        errs.append(f"{topic}: sensors take entity_category diagnostic "
                    "only")
    vt = c.get("value_template")
    if vt is not None and not (isinstance(vt, str) and "{{" in vt):
        errs.append(f"{topic}: value_template is not a template")
    p = c.get("suggested_display_precision")
    if p is not None and not (isinstance(p, int) and p >= 0):
        errs.append(f"{topic}: bad suggested_display_precision")
    dc = c.get("device_class")
    sc = c.get("state_class")
    unit = c.get("unit_of_measurement")
    if sc is not None and sc not in STATE_CLASSES:
        errs.append(f"{topic}: unknown state_class {sc}")
    if dc is not None:
        if dc not in UNITS:
            errs.append(f"{topic}: unknown device_class {dc}")
        elif unit not in UNITS[dc]:
            errs.append(f"{topic}: unit {unit!r} not allowed for "
                        f"device_class {dc}")
        if dc in TOTAL_ONLY and sc == "measurement":
            errs.append(f"{topic}: device_class {dc} cannot be "
                        "state_class measurement")
        if dc == "timestamp" and sc is not None:
            errs.append(f"{topic}: timestamp sensors have no state_class")
        if dc in ENERGY_DASHBOARD and (
                sc not in ("total", "total_increasing")
                or unit not in ENERGY_DASHBOARD[dc]):
            errs.append(f"{topic}: not usable in the Energy dashboard "
                        f"({dc}, {sc}, {unit})")
    return errs


PATH_RE = re.compile(r"value_json((?:\.[A-Za-z_][A-Za-z0-9_]*"
                     r"|\[\d+\]|\['[^']*'\])+)")
STEP_RE = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['([^']*)'\]")


def template_value(config, doc):
    """Evaluate the value_template forms we publish:
    {{ value_json.PATH }}, {{ (value_json.PATH / 1000) | round(3) }} and
    {{ value_json.PATH | timestamp_custom('...+00:00', false) }}."""
    vt = config["value_template"]
    m = PATH_RE.search(vt)
    if not m:
        raise ValueError(f"template {vt!r}: no value_json path")
    v = doc
    for name, idx, key in STEP_RE.findall(m.group(1)):
        if name:
            v = v[name]
        elif idx:
            v = v[int(idx)]
        else:
            v = v[key]
    rest = vt[m.end():]
    if re.match(r"\s*/\s*1000\s*\)\s*\|\s*round\(3\)\s*}}\s*$", rest):
        return round(v / 1000, 3)
    if re.match(r"\s*}}\s*$", rest):
        return v
    if "timestamp_custom" in rest and "false" in rest:
        return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(v))
    raise ValueError(f"template {vt!r}: form not understood")
