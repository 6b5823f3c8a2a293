#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot the qemu test guest (TCG) on one kernel and play the host's part.

The guest reports on its second serial port (arm64/armhf virt: a PCI 16550)
into results.log in the protocol of guest/p1test.h; kernel messages go to
the first serial port (console.log).  This
script follows results.log and acts on the guest's markers: SEND1/SEND2
feed telegrams into the FTDI adapter's chardev socket, UNPLUG/REPLUG
device_del / device_add the adapter over QMP.  It fails on a hard timeout,
a failed or missing test, a taint other than out-of-tree/unsigned module,
or any kernel warning, BUG, oops or lockdep report in console.log.
Standard library only.
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from p1crc import crc16  # noqa: E402

# Keep in step with guest/ftdi.c.
PHASE_TELEGRAMS = 20
NOISE1 = b"noise before the first telegram\r\n"
BAD_AFTER = (5, 12)

SPLATS = re.compile(
    r"WARNING:|BUG:|Oops|general protection fault|Kernel panic|cut here|"
    r"Call Trace:|INFO: task .* blocked|possible circular locking|"
    r"possible recursive locking|lockdep|KASAN|UBSAN|refcount_t:|"
    r"list_(add|del) corruption|stack-protector|soft lockup|"
    r"rcu: INFO|self-detected stall|segfault at|double fault|"
    r"unable to handle|kernel BUG|Unable to handle")
# Taint bits allowed: O (out-of-tree module) and E (unsigned module).
TAINT_OK = (1 << 12) | (1 << 13)


def telegram(seq, bad=False):
    body = ("/FTD5\\2P1TEST-0001\r\n\r\n1-3:0.2.8(50)\r\n"
            "0-0:96.13.1(%d)\r\n1-0:1.8.1(%06d.%03d*kWh)\r\n!"
            % (seq, seq, seq % 1000)).encode()
    crc = crc16(body) ^ (0x5555 if bad else 0)
    return body + b"%04X\r\n" % crc


def phase_bytes(phase):
    if phase == 1:
        out = NOISE1
        for s in range(1, PHASE_TELEGRAMS + 1):
            out += telegram(s)
            if s in BAD_AFTER:
                out += telegram(1000 + s, bad=True)
        return out
    first = PHASE_TELEGRAMS + 1
    return b"".join(telegram(s) for s in range(first, first + PHASE_TELEGRAMS))


class QMP:
    def __init__(self, path, deadline):
        self.sock = connect_unix(path, deadline)
        self.buf = b""
        self.events = []
        self._msg(time.monotonic() + 10)  # greeting
        self.cmd("qmp_capabilities")

    def _msg(self, deadline):
        while b"\n" not in self.buf:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError("QMP connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        deadline = time.monotonic() + 30
        while True:
            msg = self._msg(deadline)
            if "event" in msg:
                self.events.append(msg)
            elif "error" in msg:
                raise RuntimeError("QMP %s: %s" % (name, msg["error"]))
            elif "return" in msg:
                return msg["return"]

    def wait_event(self, name, device, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name and \
                        ev.get("data", {}).get("device") == device:
                    del self.events[i]
                    return True
            if time.monotonic() > deadline:
                return False
            try:
                msg = self._msg(deadline)
            except socket.timeout:
                continue
            if "event" in msg:
                self.events.append(msg)


def connect_unix(path, deadline):
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Run:
    def __init__(self, args):
        self.a = args
        self.errors = []
        self.out = args.out
        os.makedirs(self.out, exist_ok=True)
        self.console = os.path.join(self.out, "console.log")
        self.results = os.path.join(self.out, "results.log")
        self.tmp = tempfile.mkdtemp(prefix="p1qemu-")
        self.chr_path = os.path.join(self.tmp, "ftdi.sock")
        self.qmp_path = os.path.join(self.tmp, "qmp.sock")

    def log(self, msg):
        print("[%s %6.1fs] %s" % (self.a.name, time.monotonic() - self.t0,
                                  msg), flush=True)

    def error(self, msg):
        self.errors.append(msg)
        self.log("ERROR: " + msg)

    def qemu_argv(self):
        if self.a.arch in ("arm64", "armhf"):
            # virt has one PL011: results go to a PCI 16550 (built-in
            # 8250_pci, ttyS0).  A virtio console lost all output on some
            # boots of 6.1, where virtio_console is a module.
            if self.a.arch == "arm64":
                qemu = self.a.qemu or "qemu-system-aarch64"
                machine = ["-M", "virt", "-cpu", "cortex-a57"]
            else:
                # armmp-lpae: a Cortex-A15 (LPAE); no PCI window above
                # 4 GiB, which a 32-bit kernel cannot map.
                qemu = self.a.qemu or "qemu-system-arm"
                machine = ["-M", "virt,highmem=off", "-cpu", "cortex-a15"]
            console = "console=ttyAMA0 P1T_OUT=ttyS0"
            results = [
                "-chardev", "file,id=res,path=" + self.results,
                "-device", "pci-serial,chardev=res"]
        else:
            if self.a.arch == "i386":
                # 686-pae needs PAE: qemu32 has it (and NX added).  Not
                # "max": an AMD K7 to the kernel, which warns that it is
                # "not suitable for SMP" and taints itself.
                qemu = self.a.qemu or "qemu-system-i386"
                machine = ["-cpu", "qemu32,+nx"]
            else:
                qemu = self.a.qemu or "qemu-system-x86_64"
                machine = []
            console = "console=ttyS0"
            results = ["-serial", "file:" + self.results]
        append = ("%s panic=-1 loglevel=7 %s"
                  % (console, self.a.append)).strip()
        return [qemu] + machine + [
            "-nodefaults", "-no-reboot", "-display", "none",
            "-accel", "tcg", "-m", "512", "-smp", str(self.a.smp),
            "-kernel", self.a.kernel, "-initrd", self.a.initrd,
            "-append", append,
            "-serial", "file:" + self.console] + results + [
            "-device", "qemu-xhci,id=xhci",
            "-chardev", "socket,id=p1,path=%s,server=on,wait=off"
            % self.chr_path,
            "-device", "usb-serial,chardev=p1,id=ftdi,bus=xhci.0",
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
        ]

    def act(self, mark):
        self.log("host: " + mark)
        if mark in ("SEND1", "SEND2"):
            data = phase_bytes(1 if mark == "SEND1" else 2)
            self.chr.settimeout(30)
            self.chr.sendall(data)
        elif mark == "UNPLUG":
            self.qmp.cmd("device_del", id="ftdi")
            if not self.qmp.wait_event("DEVICE_DELETED", "ftdi", 30):
                self.error("no DEVICE_DELETED for ftdi")
        elif mark == "REPLUG":
            self.qmp.cmd("device_add", driver="usb-serial", id="ftdi",
                         chardev="p1", bus="xhci.0")
        else:
            self.error("unknown marker " + mark)

    def line(self, text):
        m = re.search(r"P1T: (.*)", text)
        if not m:
            return
        msg = m.group(1).strip()
        self.lines.append(msg)
        word = msg.split(" ", 1)[0]
        if word == "MARK":
            self.act(msg.split()[1])
        elif word in ("TEST", "PASS", "FAIL", "SKIP", "not", "RESULT",
                      "BOOT", "TAINT") or self.a.verbose:
            self.log(msg)

    def run(self):
        for f in (self.console, self.results):
            open(f, "w").close()
        self.t0 = time.monotonic()
        deadline = self.t0 + self.a.timeout
        qemu = subprocess.Popen(self.qemu_argv(), stdin=subprocess.DEVNULL)
        self.lines = []
        pending = b""
        try:
            self.chr = connect_unix(self.chr_path, self.t0 + 10)
            self.qmp = QMP(self.qmp_path, self.t0 + 10)
            with open(self.results, "rb") as res:
                while True:
                    exited = qemu.poll() is not None
                    data = res.read()
                    if data:
                        pending += data
                        *full, pending = pending.split(b"\n")
                        for ln in full:
                            self.line(ln.decode("utf-8", "replace"))
                    elif exited:
                        break
                    elif time.monotonic() > deadline:
                        self.error("hard timeout (%d s): killing qemu"
                                   % self.a.timeout)
                        break
                    else:
                        time.sleep(0.05)
        except Exception as e:  # report, then clean up qemu below
            self.error("host side: %r" % e)
        finally:
            if qemu.poll() is None:
                qemu.kill()
            qemu.wait()
            shutil.rmtree(self.tmp, ignore_errors=True)
        if pending:
            self.line(pending.decode("utf-8", "replace"))
        self.elapsed = time.monotonic() - self.t0
        return self.verdict()

    def explain(self, console):
        """On failure: the failed checks and the last lines of both logs."""
        failed = [m for m in self.lines
                  if m.startswith(("not ok", "FAIL", "TAINT"))]
        if failed:
            self.log("failed checks:")
            for m in failed[:30]:
                print("    " + m, flush=True)
        with open(self.results, "rb") as f:
            res = f.read().decode("utf-8", "replace").splitlines()
        for name, lines in (("results.log", res), ("console.log", console)):
            tail = [ln.rstrip() for ln in lines[-25:]]
            self.log("last %d lines of %s:" % (len(tail),
                                               os.path.join(self.out, name)))
            for ln in tail:
                print("    " + ln, flush=True)

    def verdict(self):
        plan = result = taint = None
        figs = []
        for msg in self.lines:
            if msg.startswith("PLAN "):
                plan = int(msg.split()[1])
            elif msg.startswith("RESULT "):
                result = [int(x) for x in re.findall(r"\d+", msg)]
            elif msg.startswith("TAINT "):
                taint = int(msg.split()[1])
            elif msg.startswith("FIG "):
                figs.append(msg[4:])
        if result is None:
            self.error("no RESULT line from the guest")
        else:
            passed, failed, skipped = result
            if failed:
                self.error("%d guest test(s) failed" % failed)
            if plan is not None and passed + failed + skipped != plan:
                self.error("guest ran %d of %d tests"
                           % (passed + failed + skipped, plan))
            if skipped and not self.a.allow_skip:
                self.error("%d guest test(s) skipped" % skipped)
        if taint is None:
            self.error("no TAINT line")
        elif taint & ~TAINT_OK:
            self.error("kernel tainted %#x (beyond O/E)" % taint)
        with open(self.console, "rb") as f:
            console = f.read().decode("utf-8", "replace").splitlines()
        splats = [ln for ln in console if SPLATS.search(ln)]
        for ln in splats[:20]:
            self.error("console: " + ln.strip())
        with open(os.path.join(self.out, "figures.txt"), "w") as f:
            f.write("elapsed_s=%.1f\n" % self.elapsed)
            for fig in figs:
                f.write(fig + "\n")
        if self.errors:
            self.explain(console)
        status = "PASS" if not self.errors else "FAIL"
        self.log("%s: %s in %.1f s%s" % (
            status, result and "%d passed, %d failed, %d skipped" %
            tuple(result) or "no result", self.elapsed,
            "" if not self.errors else " (%d errors)" % len(self.errors)))
        return not self.errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--out", required=True, help="directory for the logs")
    ap.add_argument("--name", default="guest")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--append", default="", help="extra kernel arguments")
    ap.add_argument("--arch", default="amd64",
                    choices=("amd64", "arm64", "i386", "armhf"))
    ap.add_argument("--qemu", help="default: qemu-system-x86_64, -aarch64, "
                    "-i386 or -arm for the arch")
    ap.add_argument("--allow-skip", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    ok = Run(ap.parse_args()).run()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
