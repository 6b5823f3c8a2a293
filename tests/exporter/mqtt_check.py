#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""MQTT checks of the p1-exporter tests, through mosquitto_sub (Debian's
mosquitto-clients) against the test's own broker.

  mqtt_check.py retained PORT TOPIC [EXPECTED]
      the retained message on TOPIC (exit 1 if none, or not EXPECTED);
      EXPECTED "-" wants no retained message at all
  mqtt_check.py discovery PORT DISC NODE KEY...
      every retained config of NODE passes Home Assistant's discovery
      schema (ha_discovery.py), and KEYs are among them; prints
      "object_id device_class state_class unit" lines
  mqtt_check.py live PORT API PREFIX METER SECS
      for SECS: state messages have the members of the JSON API's reading,
      equal it when the API still has the same seq (at least one must),
      every discovery template resolves
      on each, every per-value topic holds the number its state has
  mqtt_check.py coverage PORT API DISC NODE METER
      every value of the JSON API's reading of METER is read by a template
      of NODE's discovery (or is on the list of what is deliberately no
      entity), and every template resolves on that reading
  mqtt_check.py render PORT API DISC NODE KEY METER
      prints the state and, if it has any, the attributes (JSON) Home
      Assistant gets for entity KEY from the API's reading of METER
  mqtt_check.py snapshot PORT DISC FILE
      writes every retained discovery config under DISC (topic: config)
      to FILE as JSON; with FILE existing, compares instead (exit 1 if
      any topic, unique_id or config differs) and says what
  mqtt_check.py same-as PORT DISC FILE
      the components of the device configs under DISC equal the entity
      configs snapshot wrote to FILE (by unique_id)
  mqtt_check.py migration FILE DISC NODE to-device|to-entity
      in FILE (mosquitto_sub -F '%t<TAB>%x' of DISC/#), every config of the
      old mode got {"migrate_discovery": true}, then the new mode's config
      came, then the old one was emptied
  mqtt_check.py count PORT TOPIC SECS [READY]
      prints how many live (not retained) messages arrive on TOPIC (a
      filter) within SECS; creates the file READY once subscribed
      ("unsubscribed" if the subscription was never served)

Every subscription also asks, last, for the broker's own retained
$SYS/broker/version (the witness): once it has come, the subscription is
in place and every retained message asked for before it has come too.
Without it, "nothing retained" or "nothing arrived" would prove nothing
(a loaded machine can take longer than the window to subscribe).
"""
import json
import subprocess
import sys
import urllib.request

sys.path.insert(0, __import__("os").path.dirname(__file__))
import ha_discovery  # noqa: E402

EXTRA = []  # more mosquitto_sub arguments (-u, --cafile, ...)


def sub(port, topics, secs, extra=()):
    """(retained, topic, payload bytes) of what arrives within secs."""
    cmd = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-W",
           str(secs), "-F", "%r\t%t\t%x", *EXTRA, *extra]
    for t in topics:
        cmd += ["-t", t]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=secs + 10)
    return [parse(line) for line in p.stdout.decode().splitlines() if line]


def stream(port, topics, secs):
    """Like sub(), but yields each message as it arrives."""
    cmd = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-W",
           str(secs), "-F", "%r\t%t\t%x", *EXTRA]
    for t in topics:
        cmd += ["-t", t]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL) as p:
        for line in p.stdout:
            line = line.decode().rstrip("\n")
            if line:
                yield parse(line)


def parse(line):
    r, t, x = line.split("\t", 2) if line.count("\t") >= 2 else \
        (*line.split("\t", 1), "")
    return r == "1", t, bytes.fromhex(x)


WITNESS = "$SYS/broker/version"


def retained(port, topics, secs=1):
    """{topic: payload} of the retained messages on topics.  Asked again
    for longer if the witness did not come within secs."""
    for s in (secs, 3 * secs, 10 * secs):
        out, served = {}, False
        for r, t, p in sub(port, [*topics, WITNESS], s):
            if t == WITNESS:
                served = True
            elif r:
                out[t] = p
        if served:
            return out
    sys.exit(f"broker on port {port}: no subscription served in "
             f"{10 * secs} s (its {WITNESS} never came)")


def cmd_retained(port, topic, expected=None):
    got = retained(port, [topic]).get(topic)
    if expected == "-":
        if got:
            print(f"{topic}: retained {got[:80]!r}..., expected none")
            return 1
        return 0
    if got is None:
        print(f"{topic}: no retained message")
        return 1
    if expected is not None and got.decode() != expected:
        print(f"{topic}: retained {got!r}, expected {expected!r}")
        return 1
    return 0


def configs(port, disc, node):
    """{object id: (topic, config)} of NODE's entities: its entity configs,
    or the components of its device config (shared options merged)."""
    out = {t.split("/")[3]: (t, p) for t, p in retained(
        port, [f"{disc}/+/{node}/+/config",
               f"{disc}/device/{node}/config"]).items()
        if p and "/device/" not in t}
    dev = retained(port, [f"{disc}/device/{node}/config"]).get(
        f"{disc}/device/{node}/config")
    if dev:
        t = f"{disc}/device/{node}/config"
        for cid, c in ha_discovery.components(t, dev).items():
            out.setdefault(cid, (t, json.dumps(c).encode()))
    return out


def cmd_discovery(port, disc, node, *keys):
    cfgs = configs(port, disc, node)
    bad = 0
    for t in sorted({t for t, _ in cfgs.values() if "/device/" in t}):
        for e in ha_discovery.check(t, retained(port, [t])[t].decode()):
            print("  schema:", e)
            bad += 1
    for key, (t, p) in sorted(cfgs.items()):
        if "/device/" in t:
            t = f"{disc}/sensor/{node}/{key}/config"
        errs = ha_discovery.check(t, p.decode())
        for e in errs:
            print("  schema:", e)
        bad += len(errs)
        c = json.loads(p)
        print(f"{key} {c.get('device_class', '-')} "
              f"{c.get('state_class', '-')} "
              f"{c.get('unit_of_measurement', '-')}"
              f"{' diagnostic' if c.get('entity_category') else ''}")
    for k in keys:
        if k not in cfgs:
            print(f"  missing entity {k}")
            bad += 1
    for key, (_, p) in cfgs.items():
        # made of the node (topic prefix, meter name) and the value only:
        # stable, and nothing from the telegram (equipment id)
        if json.loads(p).get("unique_id") != f"{node}_{key}":
            print(f"  {key}: unique_id is not {node}_{key}")
            bad += 1
    return 1 if bad or not cfgs else 0


def cmd_live(port, api, prefix, meter, secs):
    disc = {}
    for t, p in retained(port, ["homeassistant/+/+/+/config",
                                "homeassistant/device/+/config"]).items():
        if not p:
            continue
        cs = ha_discovery.components(t, p) if "/device/" in t else {"": json.loads(p)}
        for k, c in cs.items():
            if c.get("state_topic", "").startswith(f"{prefix}/{meter}/"):
                disc[f"{t} {k}"] = c
    # each state is compared with the API as soon as it arrives (the
    # next telegram replaces both a second later)
    msgs = stream(port, [f"{prefix}/{meter}/#"], int(secs))
    equal = checked_values = 0
    bad = 0
    state = None
    health = None
    for r, t, p in msgs:
        sub_t = t[len(f"{prefix}/{meter}/"):]
        if sub_t == "state":
            state = json.loads(p)
            with urllib.request.urlopen(f"{api}/api/v1/meters/{meter}") as f:
                a = json.load(f)
            if a["seq"] == state["seq"]:
                if a != state:
                    print("  state differs from the API's reading of "
                          f"seq {a['seq']}")
                    bad += 1
                else:
                    equal += 1
            elif set(a) != set(state):
                print("  state and API have different members")
                bad += 1
            for c in disc.values():
                if c["state_topic"].endswith("/state"):
                    try:
                        ha_discovery.template_value(c, state)
                    except Exception as e:  # noqa: BLE001 (any failure)
                        print(f"  {c['unique_id']}: template fails on the "
                              f"state: {e!r}")
                        bad += 1
        elif sub_t == "health":
            health = json.loads(p)
            for c in disc.values():
                if c["state_topic"].endswith("/health"):
                    ha_discovery.template_value(c, health)
        elif state and sub_t not in ("availability", "telegram"):
            v = float(p)
            want = exact_value(state, sub_t)
            if want is not None and v != want:
                print(f"  {t} = {p!r}, the state has {want}")
                bad += 1
            elif v not in values_of(state):
                print(f"  {t} = {p!r}: not a value of the state")
                bad += 1
            checked_values += 1
    print(f"live: {equal} state messages equal to the API's reading, "
          f"{checked_values} per-value messages, {len(disc)} entities")
    if not equal:
        print("  no state message could be compared with the API")
        bad += 1
    return 1 if bad else 0


def exact_value(state, sub_t):
    """The state's value for the per-value topics named in the docs."""
    el = state.get("electricity", {})
    parts = sub_t.split("/")
    try:
        if parts[0] == "electricity" and parts[1] in ("import", "export"):
            k = "total" if parts[2] == "total" else parts[2][len("tariff"):]
            return float(el[f"energy_{parts[1]}_wh"][k])
        if parts[:2] == ["electricity", "power"]:
            return float(el[f"power_{parts[2]}_w"])
        if parts[0] == "electricity" and parts[1].startswith("L") and \
                parts[2] == "voltage":
            ph = [p for p in el["phases"] if p["phase"] == int(parts[1][1:])]
            return float(ph[0]["voltage_v"])
        if parts[0] == "mbus" and parts[2] == "volume":
            ch = [m for m in state["mbus"] if m["channel"] == int(parts[1])]
            return float(ch[0]["volume_m3"])
        if sub_t == "electricity/demand":
            return float(el["demand_w"])
    except (KeyError, IndexError, ValueError):
        return float("nan")
    return None


def values_of(doc):
    out = set()

    def walk(x):
        if isinstance(x, bool):
            return
        if isinstance(x, (int, float)):
            out.add(float(x))
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(doc)
    return out


# Members of the reading that are deliberately no entity: identity and
# bookkeeping of the telegram, indexes, raw forms of values that have an
# entity in their converted form, and what a list entity carries as
# attributes.
NOT_ENTITIES = {
    "meter", "up", "received", "seq", "equipment_ids_redacted", "crc",
    "crc_sent", "crc_calc", "header", "anomalies[*]", "bad_lines", "family",
    "dsmr", "version", "time", "equipment_id",
    "electricity.phases[*].phase", "electricity.failure_log.count",
    "electricity.failure_log.entries[*].start", "electricity.peaks.count",
    "electricity.month_peak.month", "electricity.text_code",
    "mbus[*].channel", "mbus[*].kind", "mbus[*].type", "mbus[*].id",
    "mbus[*].reading", "mbus[*].unit", "mbus[*].stale",
}


def leaves(x, path=""):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(x, list):
        for v in x:
            yield from leaves(v, f"{path}[*]")
    else:
        yield path


def cmd_coverage(port, api, disc, node, meter):
    with urllib.request.urlopen(f"{api}/api/v1/meters/{meter}") as f:
        doc = json.load(f)
    cfgs = [json.loads(p) for _, p in configs(port, disc, node).values()]
    read = set()
    bad = 0
    for c in cfgs:
        read |= ha_discovery.template_paths(c)
        if c["state_topic"].endswith("/state"):
            try:
                ha_discovery.template_value(c, doc)
            except Exception as e:  # noqa: BLE001 (any failure)
                print(f"  {c['unique_id']}: template fails: {e!r}")
                bad += 1
    doc.pop("objects", None)  # the raw objects: the typed members say it
    missing = sorted({p for p in leaves(doc) if p not in NOT_ENTITIES and
                      not any(p == r or p.startswith(r + ".") or
                              p.startswith(r + "[") for r in read)})
    for p in missing:
        print(f"  {meter}: no entity reads {p}")
    print(f"coverage: {len(cfgs)} entities read "
          f"{len(set(leaves(doc)) - NOT_ENTITIES) - len(missing)} values "
          f"of the reading, {len(missing)} unread")
    return 1 if bad or missing or not cfgs else 0


def cmd_render(port, api, disc, node, key, meter):
    with urllib.request.urlopen(f"{api}/api/v1/meters/{meter}") as f:
        doc = json.load(f)
    c = json.loads(configs(port, disc, node)[key][1])
    print(ha_discovery.template_value(c, doc))
    if c.get("json_attributes_template"):
        print(ha_discovery.render(c["json_attributes_template"], doc))
    return 0


def unique_ids(cfgs):
    """unique_id -> where, over entity configs and device components."""
    out = {}
    for t, c in cfgs.items():
        comps = c.get("cmps", {}) if "/device/" in t else {"": c}
        for k, e in comps.items():
            if "unique_id" in e:
                out.setdefault(e["unique_id"], []).append(f"{t} {k}")
    return out


def cmd_snapshot(port, disc, path):
    now = {t: json.loads(p) for t, p in retained(
        port, [f"{disc}/+/+/config", f"{disc}/+/+/+/config"]).items() if p}
    ids = unique_ids(now)
    bad = 0
    for u, where in ids.items():
        if len(where) > 1:
            print(f"  unique_id {u} used {len(where)} times: {where}")
            bad += 1
    try:
        with open(path) as f:
            before = json.load(f)
    except FileNotFoundError:
        with open(path, "w") as f:
            json.dump(now, f, indent=1, sort_keys=True)
        print(f"snapshot: {len(now)} configs, {len(ids)} unique_ids")
        return 1 if bad or not now else 0
    for t in sorted(set(before) | set(now)):
        if t not in now:
            print(f"  {t}: gone")
        elif t not in before:
            print(f"  {t}: new")
        elif before[t] != now[t]:
            print(f"  {t}: differs")
        else:
            continue
        bad += 1
    if set(unique_ids(before)) != set(ids):
        print("  the unique_ids differ")
        bad += 1
    print(f"snapshot: {len(now)} configs, {len(ids)} unique_ids, "
          f"{bad} differences")
    return 1 if bad else 0


def cmd_same_as(port, disc, path):
    """Device mode now: its components are the entity configs recorded by
    snapshot in entity mode (same unique_ids, same options)."""
    with open(path) as f:
        ent = {c["unique_id"]: c for c in json.load(f).values()}
    dev = {}
    for t, p in retained(port, [f"{disc}/device/+/config"]).items():
        if p:
            for c in ha_discovery.components(t, p).values():
                dev[c["unique_id"]] = c
    bad = 0
    for u in sorted(set(ent) | set(dev)):
        if u not in dev:
            print(f"  {u}: an entity, not a component")
        elif u not in ent:
            print(f"  {u}: a component, not an entity")
        elif ent[u] != dev[u]:
            print(f"  {u}: differs: {ent[u]} != {dev[u]}")
        else:
            continue
        bad += 1
    print(f"same-as: {len(dev)} components, {len(ent)} entities, "
          f"{bad} differences")
    return 1 if bad or not dev else 0


def cmd_migration(path, disc, node, direction):
    """FILE holds "%t<TAB>%x" lines of everything published under DISC
    while an exporter started (mosquitto_sub -F). to-device: each entity
    config NODE had got {"migrate_discovery": true}, then the device
    config came, then the entity config was emptied; to-entity: the same
    with the roles swapped."""
    msgs = []
    with open(path) as f:
        for line in f:
            t, _, x = line.rstrip("\n").partition("\t")
            msgs.append((t, bytes.fromhex(x)))
    dev_t = f"{disc}/device/{node}/config"
    old = (lambda t: t.startswith(f"{disc}/sensor/{node}/")) \
        if direction == "to-device" else (lambda t: t == dev_t)
    new = (lambda t: t == dev_t) if direction == "to-device" else \
        (lambda t: t.startswith(f"{disc}/sensor/{node}/"))
    bad = 0
    topics = sorted({t for t, p in msgs if old(t) and b"migrate" in p})
    for t in topics:
        seq = [(i, p) for i, (tt, p) in enumerate(msgs) if tt == t]
        mig = [i for i, p in seq if json.loads(p or b"{}").get(
            "migrate_discovery") is True]
        empty = [i for i, p in seq if not p]
        later_new = [i for i, (tt, p) in enumerate(msgs)
                     if new(tt) and p and mig and i > mig[0]
                     and (not empty or i < empty[-1])]
        if not (mig and empty and later_new and mig[0] < empty[-1]):
            print(f"  {t}: not migrate, new config, empty "
                  f"(migrate at {mig}, empty at {empty})")
            bad += 1
    print(f"migration {direction}: {len(topics)} old configs migrated")
    return 1 if bad or not topics else 0


def cmd_count(port, topic, secs, ready=None):
    n, served = 0, False
    for r, t, _ in stream(port, [topic, WITNESS], int(secs)):
        if t == WITNESS:
            served = True
            if ready:
                open(ready, "w").close()
        elif not r:
            n += 1
    print(n if served else "unsubscribed")
    return 0


def main(argv):
    global EXTRA
    while argv and argv[0] == "--sub-arg":
        EXTRA.append(argv[1])
        argv = argv[2:]
    cmd, *args = argv
    return {"retained": cmd_retained, "discovery": cmd_discovery,
            "live": cmd_live, "count": cmd_count,
            "coverage": cmd_coverage, "render": cmd_render,
            "snapshot": cmd_snapshot, "same-as": cmd_same_as,
            "migration": cmd_migration}[cmd](*args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
