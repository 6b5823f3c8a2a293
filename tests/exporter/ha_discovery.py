#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Home Assistant MQTT discovery, as its documentation describes it
(integrations/mqtt: "MQTT Discovery", "MQTT Sensor"; integrations/sensor:
device classes and their units; the Energy dashboard's requirements), for
the tests: check(topic, payload) returns a list of problems, and
template_value(config, state_doc) renders a config's value_template (and
json_attributes_template) with Jinja2, as Home Assistant does, against a
state document: a missing key is an error, and the result must be what
the entity's kind needs (a number, a timestamp, a JSON object).

Written from the documentation, not from Home Assistant's code: what we
check is what a config must satisfy for Home Assistant to accept the entity
(and, for energy, gas and water, for the Energy dashboard to offer it).
"""
import datetime
import json
import re

import jinja2

COMPONENTS = {"sensor", "binary_sensor", "button", "number", "select",
              "switch", "text", "update", "device_automation", "event"}
ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")

# integrations/sensor: device class -> units Home Assistant accepts.
UNITS = {
    "energy": {"Wh", "kWh", "MWh", "GWh", "mWh", "TWh", "MJ", "GJ", "cal",
               "kcal", "Mcal", "Gcal"},
    "power": {"mW", "W", "kW", "MW", "GW", "TW", "BTU/h"},
    "reactive_power": {"var", "kvar"},
    "reactive_energy": {"varh", "kvarh"},
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
TOTAL_ONLY = {"energy", "gas", "water", "volume", "reactive_energy"}
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


# Options a device config's root gives every component (Home Assistant's
# "shared options" of device-based discovery), and the abbreviations of
# the device discovery payload.
SHARED = {"state_topic", "availability", "availability_mode",
          "availability_topic", "availability_template", "payload_available",
          "payload_not_available", "qos", "encoding"}
ABBREV = {"dev": "device", "o": "origin", "cmps": "components",
          "p": "platform"}


def expand(c):
    return {ABBREV.get(k, k): v for k, v in c.items()}


def components(topic, payload):
    """A device config as the entity configs it stands for: {component
    id: config with the shared options, device and origin merged in};
    components reduced to their platform (removed) are left out."""
    c = expand(json.loads(payload))
    out = {}
    for cid, comp in c.get("components", {}).items():
        comp = expand(comp)
        if set(comp) == {"platform"}:
            continue
        e = {k: v for k, v in c.items() if k in SHARED}
        e.update({k: v for k, v in comp.items() if k != "platform"})
        e["device"] = c.get("device")
        e["origin"] = c.get("origin")
        out[cid] = e
    return out


def check_device(topic, payload):
    """Problems with a device-based discovery message (HA 2024.12+)."""
    errs = []
    parts = topic.split("/")
    if len(parts) != 4 or parts[1] != "device" or parts[3] != "config" \
            or not ID_RE.match(parts[2]):
        return [f"{topic}: not <prefix>/device/<object_id>/config"]
    try:
        c = expand(json.loads(payload))
    except ValueError as e:
        return [f"{topic}: payload is not JSON: {e}"]
    if not isinstance(c.get("device"), dict):
        errs.append(f"{topic}: no device (dev)")
    if not (isinstance(c.get("origin"), dict) and c["origin"].get("name")):
        errs.append(f"{topic}: device discovery needs origin (o) with name")
    comps = c.get("components")
    if not isinstance(comps, dict) or not comps:
        return errs + [f"{topic}: no components (cmps)"]
    for k in c:
        if k not in SHARED | {"device", "origin", "components"}:
            errs.append(f"{topic}: unknown option {k} at the root")
    for cid, comp in comps.items():
        comp = expand(comp)
        if not ID_RE.match(cid):
            errs.append(f"{topic}: component id {cid!r}")
        if comp.get("platform") not in COMPONENTS:
            errs.append(f"{topic}: component {cid} without a platform")
    for cid, e in components(topic, payload).items():
        errs += check(f"{parts[0]}/sensor/{parts[2]}/{cid}/config",
                      json.dumps(e))
    return errs


def check(topic, payload):
    """Problems with one discovery message (empty list: accepted)."""
    errs = []
    parts = topic.split("/")
    if len(parts) == 4 and parts[1] == "device":
        return check_device(topic, payload)
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


# Home Assistant's template filters that our templates use (its
# helpers/template.py, as documented under "Templating"): same arguments,
# same results; a value they cannot convert is an error (no default given).
def _ts(value, local):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"timestamp filter on {value!r}")
    tz = datetime.datetime.now().astimezone().tzinfo if local \
        else datetime.timezone.utc
    return datetime.datetime.fromtimestamp(value, tz)


def timestamp_custom(value, fmt="%Y-%m-%d %H:%M:%S", local=True):
    return _ts(value, local).strftime(fmt)


def timestamp_local(value):
    return _ts(value, True).isoformat()


ENV = jinja2.Environment(undefined=jinja2.StrictUndefined,
                         extensions=["jinja2.ext.loopcontrols"])
ENV.filters["timestamp_custom"] = timestamp_custom
ENV.filters["timestamp_local"] = timestamp_local
PATH_RE = re.compile(r"value_json((?:\.[A-Za-z_][A-Za-z0-9_]*"
                     r"|\[\d+\]|\['[^']*'\])+)")


def render(tmpl, doc):
    return ENV.from_string(tmpl).render(value_json=doc)


def template_value(config, doc):
    """The entity's state (and attributes) from doc, as Home Assistant
    renders them; raises if a key is missing or the result does not suit
    the entity (number for a unit or numeric class, ISO time for a
    timestamp, a JSON object for attributes)."""
    v = render(config["value_template"], doc).strip()
    dc = config.get("device_class")
    if dc == "timestamp":
        datetime.datetime.fromisoformat(v)
    elif config.get("unit_of_measurement") or config.get("state_class") \
            or dc in UNITS:
        v = float(v)
    at = config.get("json_attributes_template")
    if at is not None:
        a = json.loads(render(at, doc))
        if not isinstance(a, dict):
            raise TypeError("json_attributes_template: not an object")
    return v


def template_paths(config):
    """The state-document paths a config's templates read, normalised:
    array indexes become [*], ['1'] becomes .1."""
    out = set()
    for k in ("value_template", "json_attributes_template"):
        for m in PATH_RE.finditer(config.get(k) or ""):
            out.add(norm(m.group(1)))
    return out


def norm(path):
    path = re.sub(r"\['([^']*)'\]", r".\1", path)
    return re.sub(r"\[\d+\]", "[*]", path).lstrip(".")
