#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Full-system test: a Debian guest (12 or 13, run.sh) with the p1 packages,
booted in qemu (TCG), driven from the host.

Cables are hot-plugged over QMP as qemu's FTDI usb-serial with a serial
number, backed by a host pty.  qemu applies the guest's baud rate and
character format to that pty, so the emulated meter here sees what the
guest chose: it sends its telegrams only when the baud rate matches (a 7E1
meter's characters with their even-parity bit in bit 7, which is what an
8N1 reader of a 7E1 line gets) and line noise otherwise, as a real line
would.  The agent in the guest (guest/p1-test-agent) runs commands.

Checks, for a DSMR 2.2 meter (9600 7E1) and a DSMR 5 one (115200 8N1):
first plug, the cable marked with `p1ctl udev-rule`; udev + systemd attach
it with the detected line; /dev/p1-N is group p1 0640; /dev/p1/by-id and
/dev/p1/by-meter links; the exporter in the guest serves the meter's values
to a scrape from the host; unplug stops the attach service and marks the
meter down, with no kernel warning; replug brings it back; after a reboot
both meters come back.  Timings go to OUT/timings.txt.  When a check
fails, the guest's failed units, warnings of its journal and kernel log
are printed (and kept in OUT/diagnostics.txt), then the failed checks and
the end of the guest's console.
"""
import argparse
import json
import os
import random
import re
import select
import socket
import subprocess
import sys
import termios
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from p1crc import crc16  # noqa: E402

T0 = time.monotonic()
timings = []


def log(msg):
    print(f"[{time.monotonic() - T0:7.1f}] {msg}", flush=True)


def hexid(s):
    return s.encode().hex().upper()


class Meter:
    """An emulated meter: its telegram, line settings and pace."""

    def __init__(self, name, dsmr, baud, seven_e1, interval, equipment):
        self.name, self.dsmr, self.baud = name, dsmr, baud
        self.seven_e1, self.interval, self.equipment = seven_e1, interval, equipment
        self.n = 0
        self.import_kwh = (1234.567, 2345.678) if dsmr == 5 else (5225.0, 4862.0)

    def telegram(self):
        self.n += 1
        i1, i2 = self.import_kwh
        if self.dsmr == 5:
            body = ("/ISK5\\2M550T-1012\r\n\r\n"
                    "1-3:0.2.8(50)\r\n"
                    "0-0:1.0.0(261121203000W)\r\n"
                    f"0-0:96.1.1({hexid(self.equipment)})\r\n"
                    f"1-0:1.8.1({i1:010.3f}*kWh)\r\n"
                    f"1-0:1.8.2({i2:010.3f}*kWh)\r\n"
                    "1-0:2.8.1(000012.345*kWh)\r\n"
                    "1-0:2.8.2(000023.456*kWh)\r\n"
                    "0-0:96.14.0(0002)\r\n"
                    "1-0:1.7.0(00.456*kW)\r\n"
                    "1-0:2.7.0(00.000*kW)\r\n"
                    "1-0:32.7.0(230.1*V)\r\n"
                    "1-0:31.7.0(002*A)\r\n"
                    "!").encode()
            return body + b"%04X\r\n" % crc16(body)
        return ("/KMP5 KA6U001585575011\r\n\r\n"
                f"0-0:96.1.1({hexid(self.equipment)})\r\n"
                f"1-0:1.8.1({i1:09.3f}*kWh)\r\n"
                f"1-0:1.8.2({i2:09.3f}*kWh)\r\n"
                "1-0:2.8.1(00000.000*kWh)\r\n"
                "1-0:2.8.2(00000.000*kWh)\r\n"
                "0-0:96.14.0(0002)\r\n"
                "1-0:1.7.0(0000.28*kW)\r\n"
                "1-0:2.7.0(0000.00*kW)\r\n"
                "0-0:17.0.0(999*A)\r\n"
                "0-0:96.3.10(1)\r\n"
                "0-0:96.13.1()\r\n"
                "0-0:96.13.0()\r\n"
                "!\r\n").encode()

    def encode(self, data):
        if not self.seven_e1:
            return data
        return bytes(b | ((bin(b).count("1") & 1) << 7) for b in data)


BAUD = {termios.B9600: 9600, termios.B115200: 115200, termios.B19200: 19200,
        termios.B38400: 38400, termios.B57600: 57600}


class Cable:
    """A host pty feeding one emulated meter; qemu's chardev opens the
    slave as a serial device and applies the guest's line settings."""

    def __init__(self, meter, serial):
        self.meter, self.serial = meter, serial
        self.master, self.slave = os.openpty()
        os.set_blocking(self.master, False)
        attrs = termios.tcgetattr(self.slave)
        attrs[3] &= ~(termios.ECHO | termios.ICANON | termios.ISIG | termios.IEXTEN)
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        self.path = os.ttyname(self.slave)
        self.stop = threading.Event()
        self.sent_good = self.sent_noise = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def line(self):
        a = termios.tcgetattr(self.slave)
        baud = BAUD.get(a[5], a[5])
        bits = 7 if (a[2] & termios.CSIZE) == termios.CS7 else 8
        par = "E" if a[2] & termios.PARENB else "N"
        return baud, f"{bits}{par}1"

    def run(self):
        rng = random.Random(self.serial)
        while not self.stop.is_set():
            data = self.meter.encode(self.meter.telegram())
            baud, fmt = self.line()
            if baud == self.meter.baud:
                self.sent_good += 1
            else:
                # A wrong baud rate: letters, never a telegram's structure.
                data = bytes(0x80 | rng.randrange(0x41, 0x5B) for _ in data)
                self.sent_noise += 1
            try:
                os.write(self.master, data)
            except BlockingIOError:
                # Nobody reads (unplugged, rebooting): a real line loses
                # those bytes; drop the backlog rather than replay it.
                termios.tcflush(self.slave, termios.TCIFLUSH)
            except OSError:
                return
            self.stop.wait(self.meter.interval)


class Agent:
    def __init__(self, path):
        self.path = path
        self.sock = None
        self.buf = b""

    def connect(self, timeout=30):
        end = time.monotonic() + timeout
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.path)
                self.sock = s
                return
            except OSError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.2)

    def _line(self, timeout):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("agent: no answer")
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError("agent: connection closed")
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace")

    def wait_ready(self, timeout):
        while True:
            line = self._line(timeout)
            if line.startswith("@@READY"):
                return line.split()[1]

    def run(self, cmd, timeout=120):
        self.sock.sendall(cmd.encode() + b"\n")
        out = []
        while True:
            line = self._line(timeout)
            m = re.match(r"^@@RC (\d+)$", line)
            if m:
                return int(m.group(1)), "\n".join(out)
            if line.startswith("@@READY"):
                continue
            out.append(line)


class QMP:
    def __init__(self, path):
        end = time.monotonic() + 30
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.2)
        self.f = self.sock.makefile("rwb")
        json.loads(self.f.readline())
        self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise RuntimeError(f"QMP {name}: {r['error']}")


class Fail(Exception):
    pass


class Test:
    def __init__(self, a):
        self.a = a
        self.failures = 0
        self.failed = []
        self.out = a.out

    def check(self, ok, what):
        log(("ok   " if ok else "FAIL ") + what)
        if not ok:
            self.failures += 1
            self.failed.append(what)
        return ok

    def explain(self):
        """On failure: which checks failed and the guest's last words."""
        print("=== failed checks ===")
        for what in self.failed:
            print("  " + what)
        try:
            with open(f"{self.out}/console.log", "rb") as f:
                tail = f.read().decode("utf-8", "replace").splitlines()[-30:]
        except OSError as e:
            tail = [f"(no console log: {e})"]
        print(f"=== last {len(tail)} lines of {self.out}/console.log ===")
        for ln in tail:
            print("  " + ln.rstrip())

    def wait(self, what, fn, timeout, every=1.0):
        t = time.monotonic()
        end = t + timeout
        while True:
            v = fn()
            if v:
                return v, time.monotonic() - t
            if time.monotonic() > end:
                return None, time.monotonic() - t
            time.sleep(every)

    def sh(self, cmd, timeout=120):
        return self.agent.run(cmd, timeout)

    def scrape(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.a.port}/metrics",
                                        timeout=10) as r:
                return r.read().decode()
        except OSError:
            return ""

    def metric(self, text, name, **labels):
        vals = []
        for line in text.splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                vals.append(float(line.rsplit(" ", 1)[1]))
        return vals

    def boot(self):
        a = self.a
        for f in ("qmp.sock", "agent.sock"):
            try:
                os.unlink(os.path.join(self.out, f))
            except FileNotFoundError:
                pass
        cmd = ["qemu-system-x86_64", "-accel", "tcg", "-m", "1024", "-smp", str(a.smp),
               "-kernel", a.kernel, "-initrd", a.initrd,
               "-append", "console=ttyS0 root=/dev/vda rw panic=-1 net.ifnames=0 "
                          "systemd.show_status=0 loglevel=4",
               "-drive", f"file={a.disk},format=raw,if=virtio",
               "-device", "qemu-xhci,id=xhci",
               "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{a.port}-:9357",
               "-device", "virtio-net-pci,netdev=n0",
               "-device", "virtio-serial",
               "-chardev", f"socket,id=agent,path={self.out}/agent.sock,server=on,wait=off",
               "-device", "virtserialport,chardev=agent,name=p1.agent",
               "-qmp", f"unix:{self.out}/qmp.sock,server=on,wait=off",
               "-serial", f"file:{self.out}/console.log",
               "-display", "none", "-monitor", "none"]
        self.qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        self.qmp = QMP(f"{self.out}/qmp.sock")
        self.agent = Agent(f"{self.out}/agent.sock")
        self.agent.connect()
        t = time.monotonic()
        self.boot_id = self.agent.wait_ready(a.timeout)
        timings.append(("boot to agent", time.monotonic() - t))
        log(f"booted in {time.monotonic() - t:.1f} s")

    def system_up(self):
        rc, state = self.sh("systemctl is-system-running --wait", 300)
        ok = state.strip() in ("running",)
        if not ok:
            _, failed = self.sh("systemctl --failed --no-legend")
            log("failed units: " + failed)
        self.check(ok, f"system state after boot: {state.strip()}")
        rc, _ = self.sh("systemctl is-active p1-exporter.service")
        self.check(rc == 0, "p1-exporter.service active")
        # Which n_p1 the guest runs: p1-modules' prebuilt one (Debian 12
        # guest) or the one p1-dkms built in the guest (Debian 13).
        rc, ko = self.sh("modinfo -n n_p1")
        rc2, dk = self.sh("command -v dkms >/dev/null && dkms status -m p1 -k $(uname -r)")
        if rc2 == 0:
            self.check(rc == 0 and "/updates/dkms/" in ko and "installed" in dk,
                       f"n_p1 is dkms's: {ko.strip()} ({dk.strip()})")
        else:
            self.check(rc == 0 and ko.strip() != "", f"n_p1 is {ko.strip()}")

    def plug(self, cable, ident):
        try:
            self.qmp.cmd("chardev-add", id=f"ch-{ident}",
                         backend={"type": "serial", "data": {"device": cable.path}})
        except RuntimeError as e:
            if "already" not in str(e) and "duplicate" not in str(e).lower():
                raise
        self.qmp.cmd("device_add", driver="usb-serial", id=ident, bus="xhci.0",
                     chardev=f"ch-{ident}", serial=cable.serial)

    def unplug(self, ident):
        self.qmp.cmd("device_del", id=ident)

    def tty_of(self, serial):
        def find():
            rc, out = self.sh(f"ls -l /dev/serial/by-id/ 2>/dev/null | grep -F '_{serial}-' "
                              f"| sed 's|.*/||'")
            return out.strip() if rc == 0 and out.strip().startswith("ttyUSB") else None
        return self.wait(f"tty of {serial}", find, 60)[0]

    def attached(self, tty, fmt, timeout):
        """Wait until p1-attach@tty is active and logged the line chosen."""
        def done():
            rc, _ = self.sh(f"systemctl is-active p1-attach@{tty}.service")
            if rc != 0:
                return None
            # This start's log only (a replug reuses the unit's name).
            rc, out = self.sh(f"journalctl -b -o cat _SYSTEMD_INVOCATION_ID="
                              f"$(systemctl show -p InvocationID --value p1-attach@{tty}.service) "
                              f"| grep -F ': line ' | tail -n 1")
            return out.strip() or None
        return self.wait(f"{tty} attached", done, timeout, 2.0)

    def meter_up(self, equipment, want):
        """Wait until the scrape shows p1_up == want for the meter."""
        def up():
            text = self.scrape()
            v = [x for x in self.metric(text, "p1_up") if True]
            lines = [l for l in text.splitlines() if l.startswith("p1_up")]
            vals = [float(l.rsplit(" ", 1)[1]) for l in lines if self.meter_label(l, equipment)]
            return (vals and vals[0] == want) and text
        return self.wait(f"p1_up {want}", up, 90, 2.0)

    def meter_label(self, line, equipment):
        return self.labels.get(equipment, "\x00") in line

    def learn_label(self, tty):
        """The exporter's label for the meter on p1-N: found from the
        scrape by the device name."""
        text = self.scrape()
        return text

    def scenario(self, meter, serial, ident, first):
        name = meter.name
        cable = Cable(meter, serial)
        self.cables[ident] = cable
        t = time.monotonic()
        self.plug(cable, ident)
        tty = self.tty_of(serial)
        if not self.check(tty is not None, f"{name}: cable {serial} appears as a tty"):
            return
        if first:
            rc, rule = self.sh(f"p1ctl udev-rule {tty}")
            self.check(rc == 0 and f'ATTRS{{serial}}=="{serial}"' in rule,
                       f"{name}: p1ctl udev-rule names the cable by serial: {rule.splitlines()[-1] if rule else rule}")
            # Not attached before the owner marked it.
            rc, _ = self.sh(f"systemctl is-active p1-attach@{tty}.service")
            self.check(rc != 0, f"{name}: an unmarked cable is left alone")
            # /dev/p1/by-meter is opt-in (the equipment id is personal data).
            self.sh("echo 'SUBSYSTEM==\"p1\", ENV{P1_BY_METER}=\"1\"' "
                    ">/etc/udev/rules.d/61-p1-by-meter.rules")
            self.sh(f"p1ctl udev-rule {tty} >> /etc/udev/rules.d/61-p1-cables.rules && "
                    f"udevadm control --reload && udevadm trigger --action=add /dev/{tty}")
            t = time.monotonic()
        line, dt = self.attached(tty, meter, 150)
        want = f"{meter.baud} {'7E1' if meter.seven_e1 else '8N1'}"
        self.check(line is not None and want in line,
                   f"{name}: udev + systemd attached {tty}, detected '{line}' (want {want}) in {dt:.1f} s")
        timings.append((f"{name}: {'marked' if first else 'plugged'} -> attached, line detected", time.monotonic() - t))
        # qemu's FTDI forwards the baud rate to the pty, not the format.
        self.check(cable.line()[0] == meter.baud,
                   f"{name}: the cable runs at {cable.line()[0]} baud")
        rc, out = self.sh(f"for f in /sys/class/p1/p1-*; do [ \"$(cat $f/tty)\" = {tty} ] && basename $f; done")
        dev = out.strip()
        rc, st = self.sh(f"stat -c '%G %a' /dev/{dev}")
        self.check(st.strip() == "p1 640", f"{name}: /dev/{dev} is '{st.strip()}' (want p1 640)")
        rc, out = self.sh(f"readlink -f /dev/p1/by-id/*{serial}*")
        self.check(rc == 0 and out.strip() == f"/dev/{dev}", f"{name}: /dev/p1/by-id/…{serial}… -> {out.strip()}")
        rc, out = self.sh(f"readlink -f '/dev/p1/by-meter/{meter.equipment}'")
        ok, _ = self.wait("by-meter", lambda: self.sh(
            f"readlink -f '/dev/p1/by-meter/{meter.equipment}'")[1].strip() == f"/dev/{dev}", 30)
        self.check(bool(ok), f"{name}: /dev/p1/by-meter/{meter.equipment} -> /dev/{dev}")
        # The exporter in the guest, scraped from the host.
        t = time.monotonic()
        text, dt = self.wait("scrape", lambda: self.has_meter(meter), 30, 2.0)
        self.check(bool(text), f"{name}: host scrape shows the meter's import energy "
                               f"({sum(meter.import_kwh):.3f} kWh) and p1_up 1 ({dt:.1f} s)")
        if not text:
            self.exporter_restart(meter)
        timings.append((f"{name}: attached -> scraped with values", time.monotonic() - t))
        self.devs[ident] = (tty, dev)

    def exporter_restart(self, meter):
        # The exporter did not take the new /dev/p1-N (see its journal):
        # restart it so that the checks after this one still run.
        _, j = self.sh("journalctl -b -o cat -u p1-exporter | tail -n 3")
        log("exporter journal: " + j.replace("\n", " | "))
        self.sh("systemctl restart p1-exporter")
        ok = self.wait("scrape", lambda: self.has_meter(meter), 30, 2.0)[0]
        self.check(bool(ok), f"{meter.name}: values in the scrape after restarting the exporter")

    def has_meter(self, meter):
        text = self.scrape()
        joules = sum(meter.import_kwh) * 3.6e6
        up = False
        found = False
        for l in text.splitlines():
            if l.startswith("p1_electricity_imported_joules_total"):
                vals = [float(x.rsplit(" ", 1)[1]) for x in text.splitlines()
                        if x.startswith("p1_electricity_imported_joules_total")]
                found = any(abs(v - joules) < 1 for v in vals) or \
                    any(abs(v - meter.import_kwh[0] * 3.6e6) < 1 for v in vals)
        for l in text.splitlines():
            if l.startswith("p1_up") and l.rstrip().endswith(" 1"):
                up = True
        return text if (found and up) else None

    def unplug_replug(self, meter, serial, ident):
        name = meter.name
        tty, dev = self.devs[ident]
        before = self.count_up()
        self.check(self.up_of(dev) == 1.0, f"{name}: p1_up{{meter=\"{dev}\"}} is 1 before unplug")
        t = time.monotonic()
        self.unplug(ident)
        ok, dt = self.wait("unit stopped", lambda: self.sh(
            f"systemctl is-active p1-attach@{tty}.service")[0] != 0, 60)
        self.check(bool(ok), f"{name}: unplug stops p1-attach@{tty} ({dt:.1f} s)")
        ok, dt = self.wait("meter down", lambda: self.up_of(dev) in (None, 0.0), 90, 2.0)
        self.check(bool(ok), f"{name}: unplug marks the meter down in the scrape ({dt:.1f} s)")
        timings.append((f"{name}: unplug -> meter down", time.monotonic() - t))
        self.no_kernel_warnings(f"{name}: after unplug")
        t = time.monotonic()
        self.plug(self.cables[ident], ident)
        ntty = self.tty_of(serial)
        line, dt = self.attached(ntty, meter, 150) if ntty else (None, 0)
        want = f"{meter.baud} {'7E1' if meter.seven_e1 else '8N1'}"
        self.check(line is not None and want in line, f"{name}: replug attaches {ntty} again: '{line}'")
        _, out = self.sh(f"for f in /sys/class/p1/p1-*; do [ \"$(cat $f/tty)\" = {ntty} ] "
                         f"&& basename $f; done")
        ndev = out.strip()
        ok, _ = self.wait("meter up", lambda: self.up_of(ndev) == 1.0 and
                          self.has_meter(meter), 60, 2.0)
        self.check(bool(ok), f"{name}: replug brings the meter back up (p1_up{{meter=\"{ndev}\"}} 1)")
        if not ok:
            self.exporter_restart(meter)
        timings.append((f"{name}: replug -> meter up", time.monotonic() - t))
        rc, out = self.sh(f"ls /dev/p1/by-id/ | grep -c -F {serial}")
        self.check(out.strip() == "1", f"{name}: one by-id link after replug")

    def up_of(self, dev):
        """p1_up of the meter read from /dev/<dev> (the exporter names a
        kernel meter after its device); None if it is not in the scrape."""
        for l in self.scrape().splitlines():
            if l.startswith("p1_up{") and f'meter="{dev}"' in l:
                return float(l.rsplit(" ", 1)[1])
        return None

    def count_up(self):
        return sum(1 for l in self.scrape().splitlines()
                   if l.startswith("p1_up") and l.rstrip().endswith(" 1"))

    def no_kernel_warnings(self, what):
        rc, out = self.sh("dmesg | grep -E 'WARNING:|BUG:|Call Trace|general protection|n_p1.*(leak|refcount)' || true")
        self.check(out.strip() == "", f"{what}: no kernel warning" + (f": {out[:300]}" if out.strip() else ""))

    def reboot(self, meters):
        t = time.monotonic()
        self.agent.sock.sendall(b"systemctl reboot\n")
        old = self.boot_id
        while True:
            new = self.agent.wait_ready(self.a.timeout)
            if new != old:
                break
        self.boot_id = new
        timings.append(("reboot to agent", time.monotonic() - t))
        log(f"rebooted in {time.monotonic() - t:.1f} s")
        self.system_up()
        for meter, serial in meters:
            tty = self.tty_of(serial)
            line, dt = self.attached(tty, meter, 150) if tty else (None, 0)
            want = f"{meter.baud} {'7E1' if meter.seven_e1 else '8N1'}"
            self.check(line is not None and want in line, f"{meter.name}: after reboot {tty} attached: '{line}'")
        ok, dt = self.wait("both up", lambda: self.count_up() >= len(meters), 60, 2.0)
        self.check(bool(ok), f"after reboot: {len(meters)} meters up in the scrape")
        if not ok:
            self.exporter_restart(meters[0][0])
        timings.append(("reboot -> all meters up", time.monotonic() - t))
        for meter, serial in meters:
            ok = self.wait("values", lambda: self.has_meter(meter), 30, 2.0)[0]
            self.check(bool(ok), f"{meter.name}: values correct after reboot")
        self.no_kernel_warnings("after reboot")

    def diagnostics(self):
        """Why it failed, from the guest while its agent still answers
        (explain() adds the failed checks and the console's end)."""
        parts = []
        for what, cmd in (
                ("failed units", "systemctl --failed --no-legend --no-pager"),
                ("journal, warnings and worse (last 40)",
                 "journalctl -b -p warning -o short-monotonic --no-pager | tail -n 40"),
                ("p1 units (last 30)",
                 "journalctl -b -o short-monotonic --no-pager -u 'p1-attach@*' "
                 "-u p1-exporter | tail -n 30"),
                ("kernel (last 30)", "dmesg | tail -n 30")):
            try:
                if getattr(getattr(self, "agent", None), "sock", None) is None:
                    parts.append((what, "(no agent connection)"))
                    break
                _, text = self.sh(cmd, 20)
            except (TimeoutError, EOFError, OSError) as e:
                parts.append((what, f"(agent: {type(e).__name__}: {e})"))
                break
            parts.append((what, text))
        with open(f"{self.out}/diagnostics.txt", "w") as f:
            for what, text in parts:
                block = f"--- guest {what}:\n{text.rstrip()}\n"
                f.write(block)
                print(block, end="", flush=True)

    def main(self):
        self.cables, self.devs, self.labels = {}, {}, {}
        m22 = Meter("DSMR 2.2 (9600 7E1)", 2, 9600, True, self.a.interval22, "KA6U001585575011")
        m50 = Meter("DSMR 5 (115200 8N1)", 5, 115200, False, 1, "E0044007131650616")
        try:
            self.boot()
            self.system_up()
            self.scenario(m22, "P1TEST22A", "cable22", True)
            self.unplug_replug(m22, "P1TEST22A", "cable22")
            self.scenario(m50, "P1TEST50B", "cable50", True)
            self.unplug_replug(m50, "P1TEST50B", "cable50")
            self.reboot([(m22, "P1TEST22A"), (m50, "P1TEST50B")])
            rc, out = self.sh("systemd-analyze security p1-exporter.service | tail -n 1")
            log("in the guest: " + out.strip())
            self.sh("journalctl -b -1 -o short-monotonic > /var/log/prev-boot.txt; "
                    "journalctl -b -o short-monotonic > /var/log/this-boot.txt")
            rc, out = self.sh("journalctl -b -o cat -u 'p1-attach@*' -u p1-exporter | tail -n 40")
            with open(f"{self.out}/guest-journal.txt", "w") as f:
                f.write(out)
        except (Fail, TimeoutError, EOFError, OSError, RuntimeError) as e:
            self.check(False, f"aborted: {type(e).__name__}: {e}")
        finally:
            if self.failures:
                self.diagnostics()
            try:
                self.agent.sock.sendall(b"systemctl poweroff\n")
                self.qemu.wait(60)
            except Exception:
                self.qemu.kill()
                self.qemu.wait()
            for c in self.cables.values():
                c.stop.set()
        with open(f"{self.out}/timings.txt", "w") as f:
            for what, s in timings:
                f.write(f"{what}: {s:.1f} s\n")
        if self.failures:
            self.explain()
        print("=== full-system test timings ===")
        for what, s in timings:
            print(f"  {what}: {s:.1f} s")
        print(f"=== full-system test ({self.a.name}): "
              f"{'PASS' if not self.failures else 'FAIL'} "
              f"({self.failures} failed checks, {time.monotonic() - T0:.0f} s) ===")
        return 1 if self.failures else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--disk", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="guest", help="for the summary line")
    ap.add_argument("--port", type=int, default=19357)
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--interval22", type=float, default=5.0,
                    help="the DSMR 2.2 meter's telegram interval, s")
    sys.exit(Test(ap.parse_args()).main())


if __name__ == "__main__":
    main()
