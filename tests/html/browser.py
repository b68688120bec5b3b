#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""jmine report --format html in a real browser (SPEC §7): Debian's headless Chromium loads the
page from disk and must log no console line at all (a CSP violation is one) and request nothing
but the file; the DOM after the script ran shows the JSON report's numbers (data-k, data-v), the
script's controls are shown, and a test script appended to a copy of the page drives them (a
header click sorts, a variant click highlights its path, the slider and the performance view,
the time zone toggle). Screenshots at 1280 x 900 and 390 x 844 are kept in the output folder.
Exits 77 (a skip) when chromium is not installed."""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check import Page, at, same  # noqa: E402

# Appended to a copy of the page: drives the controls and writes what it saw into the DOM.
DRIVE = r"""<script>
(function(){
var out={};
function q(s){return document.querySelector(s);}
var t=q('#variants table.sort'),th=t.tHead.rows[0].cells[1];
th.click();
var a=[].map.call(t.tBodies[0].rows,function(r){return +r.cells[1].getAttribute('data-v');});
th.click();
var d=[].map.call(t.tBodies[0].rows,function(r){return +r.cells[1].getAttribute('data-v');});
out.first=a;out.second=d;
var lv=document.querySelectorAll('#map-view .lvl');out.levels=lv.length;
out.mapctl=!q('#map-ctl').hidden;out.tzctl=!q('#tz-ctl').hidden;
var r=q('#map-level');out.shown_default=[].filter.call(lv,function(x){return !x.hidden;}).length;
r.value=0;r.dispatchEvent(new Event('input'));
out.level0=!lv[0].hidden&&[].filter.call(lv,function(x){return !x.hidden;}).length===1;
r.value=lv.length-1;r.dispatchEvent(new Event('input'));
var row=q('tr.var');row.click();
out.highlighted=document.querySelectorAll('#map-view g.on').length;
out.hl=q('#map-view').classList.contains('hl');
row.click();out.unhighlighted=!q('#map-view').classList.contains('hl');
var g=[].filter.call(document.querySelectorAll('#map-view .lvl:not([hidden]) g.edge'),
  function(x){return x.querySelectorAll('text').length>1;})[0];
var e=g?g.querySelector('text'):null,before=e?e.textContent:null;
var med=g?g.querySelectorAll('text')[1].textContent.replace(/^median /,''):null;
q('button[data-view=perf]').click();
out.perf_changed=!!e&&e.textContent!==before;
out.perf_same_wait=!!e&&e.textContent===med;out.perf_text=e?e.textContent:null;out.med=med;
q('button[data-view=freq]').click();
out.freq_back=!!e&&e.textContent===before;
var tm=q('time[datetime]');out.time_utc=tm?tm.textContent===tm.getAttribute('datetime'):null;
q('button[data-zone=local]').click();
out.time_local=tm?tm.textContent:null;
q('button[data-zone=utc]').click();
out.time_back=tm?tm.textContent===tm.getAttribute('datetime'):null;
var pre=document.createElement('pre');pre.id='test-out';pre.textContent=JSON.stringify(out);
document.body.appendChild(pre);
})();
</script>"""


def chromium(exe, profile, args, url):
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--no-default-browser-check", "--disable-extensions",
           "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--metrics-recording-only", "--mute-audio",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           "--log-level=0"] + args + [url]
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def console_lines(stderr):
    """Console messages and CSP reports in Chromium's log (the page must have none)."""
    return [l for l in stderr.splitlines()
            if ":CONSOLE" in l or "Content Security Policy" in l or "Refused to" in l]


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jmine", required=True)
    ap.add_argument("--out", required=True, help="folder for the pages and screenshots")
    ap.add_argument("--log", action="append", help="logs to load (default: the sample logs)")
    args = ap.parse_args()
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        print("SKIPPED: chromium is not installed (scripts/setup --test-deps installs it)")
        sys.exit(77)
    if subprocess.run([args.jmine, "map", "--format", "svg", "sample-logs/contacts.csv"],
                      capture_output=True).returncode != 0:
        print("SKIPPED: this jmine was built without Graphviz (no map to drive)")
        sys.exit(77)
    os.makedirs(args.out, exist_ok=True)
    logs = args.log or ["sample-logs/contacts.csv", "sample-logs/contacts-nochannel.csv"]
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        profile = os.path.join(tmp, "profile")
        for n, log in enumerate(logs):
            name = re.sub(r"[^A-Za-z0-9]+", "-", os.path.basename(log)).strip("-")
            page = os.path.join(args.out, f"{name}.html")
            subprocess.run([args.jmine, "report", "--format", "html", "-o", page, log],
                           check=True, capture_output=True)
            doc = json.loads(subprocess.run([args.jmine, "report", "--format", "json", log],
                                            check=True, capture_output=True).stdout)
            url = "file://" + os.path.abspath(page)
            rc, dom, err = chromium(exe, profile, ["--dump-dom"], url)
            if rc != 0 or "</html>" not in dom:
                errors.append(f"{name}: chromium exit {rc}, no DOM: {err[-2000:]}")
                continue
            for l in console_lines(err):
                errors.append(f"{name}: a console line or CSP report: {l}")
            p = Page()
            p.feed(dom)
            if not p.marks:
                errors.append(f"{name}: no numbers in the DOM")
            for k, v in p.marks:
                try:
                    want = at(doc, k)
                except (KeyError, IndexError, ValueError, TypeError):
                    errors.append(f"{name}: {k!r} is not in the JSON report")
                    continue
                if not same(want, v):
                    errors.append(f"{name}: {k} shows {v!r}, the JSON has {want!r}")
            # The counts shown are the JSON's, as text too (not only in data-v).
            for m in re.finditer(r'data-k="([^"]+)" data-v="(\d+)">(\d+)<', dom):
                if m.group(2) != m.group(3):
                    errors.append(f"{name}: {m.group(1)} shows {m.group(3)}, data-v "
                                  f"{m.group(2)}")
            if 'id="map-ctl" hidden' in dom or 'id="tz-ctl" hidden' in dom:
                errors.append(f"{name}: the script did not show its controls")
            # The controls, driven by a script appended to a copy.
            with open(page, encoding="utf-8") as f:
                driven = f.read().replace("</body>", DRIVE + "</body>")
            dpath = os.path.join(tmp, f"{name}-driven.html")
            with open(dpath, "w", encoding="utf-8") as f:
                f.write(driven)
            rc, dom2, err2 = chromium(exe, profile, ["--dump-dom"], "file://" + dpath)
            for l in console_lines(err2):
                errors.append(f"{name} (driven): a console line: {l}")
            m = re.search(r'<pre id="test-out">(.*?)</pre>', dom2, re.S)
            if m is None:
                errors.append(f"{name}: the driving script wrote nothing (it failed)")
            else:
                o = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
                # A first click sorts numbers from the largest, a second from the smallest.
                if o["first"] != sorted(o["first"], reverse=True) or o["second"] != sorted(o["second"]):
                    errors.append(f"{name}: sorting by journeys gave {o['first']} then {o['second']}")
                if o["levels"] < 4 or o["shown_default"] != 1 or not o["level0"]:
                    errors.append(f"{name}: map levels {o}")
                if not (o["mapctl"] and o["tzctl"]):
                    errors.append(f"{name}: controls hidden {o}")
                if not (o["hl"] and o["highlighted"] >= 3 and o["unhighlighted"]):
                    errors.append(f"{name}: variant highlight {o}")
                # The script's durations read as jmine's ("median 4h 38m" -> "4h 38m").
                if not (o["perf_changed"] and o["freq_back"] and o["perf_same_wait"]):
                    errors.append(f"{name}: the performance view {o}")
                if o["time_utc"] is not None and not (o["time_utc"] and o["time_back"] and
                                                      o["time_local"]):
                    errors.append(f"{name}: the time zone toggle {o}")
            for w, h in ((1280, 900), (390, 844)):
                shot = os.path.join(args.out, f"{name}-{w}x{h}.png")
                if os.path.exists(shot):
                    os.unlink(shot)
                rc, _, err3 = chromium(exe, profile, [f"--screenshot={shot}",
                                                      f"--window-size={w},{h}",
                                                      "--hide-scrollbars"], url)
                for l in console_lines(err3):
                    errors.append(f"{name} at {w}x{h}: a console line: {l}")
                if not os.path.exists(shot) or png_size(shot) != (w, h):
                    errors.append(f"{name}: no {w}x{h} screenshot ({rc}): {err3[-1000:]}")
    for e in errors:
        print("FAIL:", e)
    if errors:
        sys.exit(1)
    print(f"html.browser: {len(logs)} pages loaded in Chromium; screenshots in {args.out}")


if __name__ == "__main__":
    main()
