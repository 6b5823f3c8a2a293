#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The container image: built with podman from build/container/ (no base
# image), its configuration and files checked from the saved OCI archive,
# and run: with "podman run" where this machine can run containers, else
# its root file system under chroot as uid/gid 65534 with the image's
# environment (the same process the container would start).
. "$(dirname "$0")/../exporter/lib.sh"
CTX=$B/container
PODMAN=${PODMAN:-podman}
TAG=localhost/p1-exporter-test:$$

command -v "$PODMAN" >/dev/null || { fail "podman is not installed"; finish; }
check "podman builds the image from Containerfile" bash -c \
	"'$PODMAN' build -q -t '$TAG' -f '$CTX/Containerfile' '$CTX' >/dev/null"
"$PODMAN" save -q --format oci-archive -o "$T/image.tar" "$TAG" >/dev/null
"$PODMAN" rmi -f "$TAG" >/dev/null 2>&1 || true
mkdir -p "$T/oci" "$T/rootfs"
tar -xf "$T/image.tar" -C "$T/oci"
python3 - "$T/oci" "$T/rootfs" "$T/env" >"$T/inspect.txt" <<'PY' ||
import json, os, sys, tarfile
oci, root, envf = sys.argv[1:4]
blob = lambda d: os.path.join(oci, "blobs", *d.split(":"))
idx = json.load(open(os.path.join(oci, "index.json")))
man = json.load(open(blob(idx["manifests"][0]["digest"])))
cfg = json.load(open(blob(man["config"]["digest"])))
c = cfg["config"]
size = sum(l["size"] for l in man["layers"])
files = []
for l in man["layers"]:
    with tarfile.open(blob(l["digest"])) as t:
        for m in t.getmembers():
            files.append((m.name, m.uid))
        t.extractall(root)
ok = True
def need(what, cond):
    global ok
    print(("  ok   " if cond else "  FAIL ") + what)
    ok &= bool(cond)
need(f"one layer per COPY, no base image ({len(man['layers'])} layers)",
     len(man["layers"]) == 2)
need(f"runs as 65534:65534 (User={c.get('User')})", c.get("User") == "65534:65534")
need("entrypoint is the exporter", c.get("Entrypoint") == ["/usr/bin/p1-exporter"])
env = dict(e.split("=", 1) for e in c.get("Env", []))
need("settings from P1_EXPORTER_* (listen :9357)",
     env.get("P1_EXPORTER_WEB_LISTEN_ADDRESS") == ":9357")
need("port 9357 exposed", "9357/tcp" in c.get("ExposedPorts", {}))
need("state volume owned by 65534",
     any(n.rstrip("/") == "var/lib/p1-exporter/dsmrreader" and u == 65534 for n, u in files))
names = {n.lstrip("./") for n, _ in files}
need("no shell, no package manager in the image",
     not any(n.endswith(("/sh", "/bash", "/apt", "/dpkg")) for n in names))
with open(envf, "w") as f:
    for k, v in env.items():
        f.write(f"{k}={v}\n")
print(f"  image: {len(files)} files, {size/1048576:.1f} MiB compressed")
sys.exit(0 if ok else 1)
PY
	fail "image configuration"
cat "$T/inspect.txt"
grep -q FAIL "$T/inspect.txt" && fail "image checks"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
if "$PODMAN" run --rm --network=host "$TAG" --version >/dev/null 2>&1; then
	how="podman run"
	"$PODMAN" run --rm --network=host -e P1_EXPORTER_EMULATE=emucs \
		-e P1_EXPORTER_WEB_LISTEN_ADDRESS="127.0.0.1:$PORT" "$TAG" \
		>"$T/run.log" 2>&1 &
else
	# This machine cannot start containers (podman: "cgroups in hybrid
	# mode not supported"): start the image's process the same way.
	how="chroot as 65534:65534 (podman cannot run containers here)"
	env -i $(grep -v '^P1_EXPORTER_WEB_LISTEN_ADDRESS=' "$T/env") \
		P1_EXPORTER_EMULATE=emucs \
		P1_EXPORTER_WEB_LISTEN_ADDRESS="127.0.0.1:$PORT" \
		chroot --userspec=65534:65534 "$T/rootfs" /usr/bin/p1-exporter \
		>"$T/run.log" 2>&1 &
fi
RUN_PID=$!
PIDS+=($RUN_PID)
echo "  running the image: $how"
up() { has "$URL/metrics" '^p1_up{meter="emulator"} 1'; }
check "the image serves an emulated meter set by P1_EXPORTER_EMULATE" wait_for 20 up
check "the live page and the event stream are there" bash -c \
	"curl -sf '$URL/' | grep -q '<title>P1 meters' && curl -sN --max-time 2 '$URL/api/v1/events' | grep -q '^event: reading'"
case $how in
chroot*) check "it runs as uid 65534" grep -Eq '^Uid:\s+65534\s' "/proc/$RUN_PID/status" ;;
esac
[ $FAILS -eq 0 ] || cat "$T/run.log"
finish
