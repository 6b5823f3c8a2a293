#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check a Grafana dashboard against a running Prometheus and exporter.

usage: dashboard_check.py DASHBOARD.json PROMETHEUS_URL EXPORTER_METRICS_URL

Every query of every panel must return data from Prometheus (with the
meter selector set to all meters), and every p1_ metric name a query uses
must be one the exporter serves (a "# TYPE" line on /metrics).  Prints one
line per panel; exits 1 if any check failed.
"""
import json
import re
import sys
import urllib.parse
import urllib.request


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def main():
    dash = json.load(open(sys.argv[1]))
    prom, metrics_url = sys.argv[2], sys.argv[3]
    served = set(re.findall(r'^# TYPE (\S+)', get(metrics_url), re.M))
    fails = 0
    names = set()
    panels = [p for p in dash["panels"] if p.get("type") != "row"]
    for p in panels:
        for t in p["targets"]:
            expr = t["expr"].replace("$meter", ".*")
            used = set(re.findall(r'\b(p1_[a-z0-9_]+)', expr))
            names |= used
            unknown = sorted(used - served)
            q = urllib.parse.urlencode({"query": expr})
            res = json.loads(get(f"{prom}/api/v1/query?{q}"))
            n = len(res["data"]["result"]) if res["status"] == "success" else 0
            ok = n > 0 and not unknown
            fails += not ok
            print(f"  {'ok  ' if ok else 'FAIL'} {p['title']} [{t['refId']}]: "
                  f"{n} series" + (f", unknown metrics {unknown}" if unknown else ""))
    print(f"dashboard: {len(panels)} panels, {len(names)} metric names, "
          f"{fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
