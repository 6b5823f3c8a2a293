// SPDX-License-Identifier: GPL-2.0-or-later
// The live page in headless Chromium (Debian's), driven by playwright-core:
//   node page_test.cjs URL OUTDIR
// Checks: the page shows the same power and energy as /metrics for the same
// telegram; values change between two snapshots; no console error, no
// failed request, no request to any host but the exporter; screenshots
// (desktop and phone) in OUTDIR.  Prints one line per check; exit 1 on any
// failure.
"use strict";
const { chromium } = require("playwright-core");

const [url, outdir] = process.argv.slice(2);
const origin = new URL(url).origin;
let fails = 0;
function check(what, ok, detail) {
  console.log(`  ${ok ? "ok  " : "FAIL"} ${what}${detail ? ": " + detail : ""}`);
  if (!ok) fails++;
}

// Sum of a metric's samples whose labels include every given one.
function metric(text, name, labels) {
  let sum = 0, n = 0;
  for (const line of text.split("\n")) {
    const m = line.match(/^([a-z_0-9]+)(\{[^}]*\})? (\S+)$/);
    if (!m || m[1] !== name) continue;
    const ls = m[2] || "";
    if (Object.entries(labels).every(([k, v]) => ls.includes(`${k}="${v}"`))) {
      sum += Number(m[3]); n++;
    }
  }
  return n ? sum : undefined;
}

async function snapshot(page, meter) {
  return page.evaluate(name => {
    const c = document.querySelector(`[data-meter="${name}"]`);
    if (!c) return null;
    const v = k => {
      const e = c.querySelector(`[data-k="${k}"]`);
      return e && e.dataset.v !== undefined && e.dataset.v !== "" ?
        Number(e.dataset.v) : undefined;
    };
    return { seq: Number(c.dataset.seq), up: v("up"),
             imp: v("power_import_w"), exp: v("power_export_w"),
             kwh: v("total_import_kwh"), gas: v("total_gas_m3"),
             today: v("today_import_kwh"), ok: v("q_ok") };
  }, meter);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update",
           "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [], foreign = [], failed = [];
  page.on("console", m => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", e => errors.push(String(e)));
  page.on("requestfailed", r => {
    // the event stream is cut when the page closes: not a failure
    if (!r.url().includes("/api/v1/events")) failed.push(r.url());
  });
  page.on("request", r => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:"))
      foreign.push(r.url());
  });
  await page.goto(url);
  await page.waitForFunction(() => {
    const e = document.querySelector('[data-meter="emulator"] [data-k="total_import_kwh"]');
    return e && e.dataset.v;
  }, null, { timeout: 20000 });
  check("the page shows the emulated meters",
        await page.locator("[data-meter]").count() === 2);

  // Same telegram on the page and in /metrics: compare when the seq matches.
  let matched = false, detail = "";
  for (let i = 0; i < 20 && !matched; i++) {
    const s = await snapshot(page, "emulator");
    const text = await (await fetch(origin + "/metrics")).text();
    const s2 = await snapshot(page, "emulator");
    const seq = metric(text, "p1_telegrams_total", { meter: "emulator", result: "ok" });
    if (s.seq !== s2.seq || s.seq !== seq) {
      await page.waitForTimeout(150);
      continue;
    }
    const imp = metric(text, "p1_electricity_import_power_watts", { meter: "emulator" });
    const kwh = metric(text, "p1_electricity_imported_joules_total", { meter: "emulator" }) / 3.6e6;
    const gas = metric(text, "p1_mbus_volume_cubic_meters_total", { meter: "emulator", device: "gas" });
    detail = `seq ${seq}: page ${s.imp} W ${s.kwh} kWh ${s.gas} m3, metrics ${imp} W ${kwh} kWh ${gas} m3`;
    matched = s.imp === imp && Math.abs(s.kwh - kwh) < 1e-6 &&
              Math.abs(s.gas - gas) < 1e-9 && s.up === 1;
  }
  check("power, energy and gas equal /metrics for the same telegram", matched, detail);

  const a = await snapshot(page, "emulator");
  await page.waitForTimeout(2500);
  const b = await snapshot(page, "emulator");
  check("values change live (no reload)", b.seq > a.seq && b.ok > a.ok,
        `seq ${a.seq} -> ${b.seq}, telegrams ${a.ok} -> ${b.ok}`);
  check("today's energy is shown", typeof b.today === "number");
  const be = await snapshot(page, "be");
  check("the Belgian meter is live too", be && be.up === 1 && typeof be.imp === "number");
  await page.screenshot({ path: `${outdir}/live-page.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(500);
  const overflow = await page.evaluate(() =>
    document.documentElement.scrollWidth > window.innerWidth + 1);
  check("readable on a phone (no sideways scrolling at 390 px)", !overflow);
  await page.screenshot({ path: `${outdir}/live-page-phone.png` });
  check("no console errors", errors.length === 0, errors.join(" | "));
  check("no failed requests", failed.length === 0, failed.join(" "));
  check("no request to any other host", foreign.length === 0, foreign.join(" "));
  await browser.close();
  console.log(`page: ${fails} failed; screenshots in ${outdir}`);
  process.exit(fails ? 1 : 0);
})().catch(e => { console.error("page test:", e); process.exit(1); });
