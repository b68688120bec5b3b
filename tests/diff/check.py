#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The diff oracle: `jmine diff` against an independent Python computation, and its alerts.
"""jmine diff OLD NEW against Python.

Two generated nights (scripts/gen-log, different seeds and sizes) and a hand-made pair of logs
in which one variant vanishes and another appears are reported with `jmine report --format json
--top 0`; `jmine diff --format json` of each pair must equal what this file computes from the
two reports: the new, vanished and changed variants (counts exact, shares and the two-proportion
z-test's p-values to 1e-9), the headline figures, the transitions whose median wait moved. The
hand-made pair's variants are also computed from its CSV here (ids by SHA-256). Reports with
the default --top 10 must say that only the listed variants were compared. Alerts: exit 5 with
one line each on standard error when one holds, 0 when none does, 2 on a bad expression; a
run of a missing history (DB.db:last) and a file that is not a JSON report are exit 3. Every diff JSON
is validated against docs/diff.schema.json (tests/schema.py), and broken diffs must fail it;
files that are not reports (empty, an array, deep nesting, bad ids, counts) are exit 3.

Usage: python3 tests/diff/check.py --jmine build/jmine
The last line is "N passed, N failed"; the exit status is 0 only if none failed.
"""

import argparse
import csv
import hashlib
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
import schema  # noqa: E402  (tests/schema.py: the JSON outputs' contract)

GEN_LOG = REPO / "scripts" / "gen-log"

# The headline figures: (name, numerator path, denominator path or None).
KPIS = [("journeys", "journeys.count", None),
        ("variants", "variants.count", None),
        ("median_contacts", "journeys.contacts.median", None),
        ("median_duration_s", "journeys.duration_s.median", None),
        ("p90_duration_s", "journeys.duration_s.p90", None),
        ("mean_duration_s", "journeys.duration_s.mean", None),
        ("journeys_with_loop", "loops.journeys_with_loop", None),
        ("share_with_loop", "loops.journeys_with_loop", "journeys.count"),
        ("switches", "channels.switches", None),
        ("journeys_with_switch", "channels.journeys_with_switch", None),
        ("share_with_switch", "channels.journeys_with_switch", "journeys.count"),
        ("long_waits", "waits.long_waits", None),
        ("journeys_with_long_wait", "waits.journeys_with_long_wait", None),
        ("share_with_long_wait", "waits.journeys_with_long_wait", "journeys.count"),
        ("overlaps", "waits.overlaps", None)]


Tally = schema.Tally


def jmine(binary, args):
    return subprocess.run([binary] + [str(a) for a in args], capture_output=True, timeout=300)


def report(binary, log, out, top="0"):
    proc = jmine(binary, ["report", "--format", "json", "--quiet", "--top", top, "-o", out, log])
    if proc.returncode != 0:
        raise RuntimeError("jmine report %s: %s" % (log, proc.stderr.decode()))
    doc = json.loads(Path(out).read_text(encoding="utf-8"))
    schema.validate(doc, "report")
    return doc


# ---- The independent computation ---------------------------------------------------------

def get(doc, path):
    for key in path.split("."):
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc if isinstance(doc, (int, float)) and not isinstance(doc, bool) else None


def p_value(x1, n1, x2, n2):
    """Two-proportion z-test, two-sided, pooled proportion."""
    p = (x1 + x2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x2 / n2 - x1 / n1) / se
    return math.erfc(abs(z) / math.sqrt(2))


def oracle(old, new):
    n1, n2 = old["journeys"]["count"], new["journeys"]["count"]
    a = {v["id"]: v for v in old["variants"]["top"]}
    b = {v["id"]: v for v in new["variants"]["top"]}
    added = sorted(({"id": i, "steps": v["steps"], "count": v["count"], "share": v["count"] / n2}
                    for i, v in b.items() if i not in a), key=lambda r: (-r["count"], r["id"]))
    vanished = sorted(({"id": i, "steps": v["steps"], "count": v["count"],
                        "share": v["count"] / n1}
                       for i, v in a.items() if i not in b), key=lambda r: (-r["count"], r["id"]))
    changed = []
    for i, v in b.items():
        if i in a and a[i]["count"] * n2 != v["count"] * n1:
            x1, x2 = a[i]["count"], v["count"]
            changed.append({"id": i, "steps": v["steps"], "old_count": x1, "new_count": x2,
                            "old_share": x1 / n1, "new_share": x2 / n2,
                            "change": x2 / n2 - x1 / n1, "p_value": p_value(x1, n1, x2, n2)})
    changed.sort(key=lambda r: (-abs(r["change"]), r["id"]))
    kpis = []
    for name, num, den in KPIS:
        vals = []
        for doc in (old, new):
            v = get(doc, num)
            if den is not None and v is not None:
                d = get(doc, den)
                v = v / d if d else None
            vals.append(v)
        ch = vals[1] - vals[0] if None not in vals else None
        kpis.append({"name": name, "old": vals[0], "new": vals[1], "change": ch})
    wa = {(t["from"], t["to"]): t for t in old["waits"]["by_transition"]
          if t.get("median_s") is not None}
    trans = []
    for t in new["waits"]["by_transition"]:
        o = wa.get((t["from"], t["to"]))
        if o is None or t.get("median_s") is None:
            continue
        trans.append({"from": t["from"], "to": t["to"], "old_count": o["count"],
                      "new_count": t["count"], "old_median_s": o["median_s"],
                      "new_median_s": t["median_s"], "change_s": t["median_s"] - o["median_s"]})
    trans.sort(key=lambda r: (-abs(r["change_s"]), r["from"].encode(), r["to"].encode()))
    everything = (old["variants"]["count"] == len(old["variants"]["top"]) and
                  new["variants"]["count"] == len(new["variants"]["top"]))
    all_changes = [r["share"] for r in added + vanished] + [abs(r["change"]) for r in changed]
    return {"all_variants_compared": everything,
            "new_variants_share": sum(r["count"] for r in added) / n2,
            "vanished_variants_share": sum(r["count"] for r in vanished) / n1,
            "max_share_change": max(all_changes, default=0.0),
            "new": added, "vanished": vanished, "changed": changed, "kpis": kpis,
            "transitions": trans}


def close(a, b, tol=1e-9):
    if a is None or b is None:
        return a is b
    if isinstance(a, str) or isinstance(b, str) or isinstance(a, list):
        return a == b
    return abs(a - b) <= tol * max(1.0, abs(b))


def compare_rows(what, got, want, problems):
    if len(got) != len(want):
        problems.append("%s: %d rows, the oracle has %d" % (what, len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        if set(g) != set(w):
            problems.append("%s[%d]: keys %s, expected %s" % (what, i, sorted(g), sorted(w)))
            continue
        for k in w:
            exact = k in ("id", "steps", "count", "old_count", "new_count", "from", "to", "name")
            if (g[k] != w[k]) if exact else not close(g[k], w[k]):
                problems.append("%s[%d].%s: jmine %r, oracle %r" % (what, i, k, g[k], w[k]))
                break


def check_pair(tally, binary, name, old_path, new_path, old, new):
    proc = jmine(binary, ["diff", "--format", "json", old_path, new_path])
    problems = []
    if proc.returncode != 0:
        tally.record("diff %s" % name, ["exit %d: %s" % (proc.returncode, proc.stderr.decode())])
        return None
    doc = json.loads(proc.stdout)
    try:
        schema.validate(doc, "diff")
    except schema.SchemaError as e:
        problems.append(str(e))
    d = doc["diff"]
    want = oracle(old, new)
    if d["all_variants_compared"] != want["all_variants_compared"]:
        problems.append("all_variants_compared: %r" % d["all_variants_compared"])
    for k in ("new_variants_share", "vanished_variants_share", "max_share_change"):
        if not close(d["variants"][k], want[k]):
            problems.append("%s: jmine %r, oracle %r" % (k, d["variants"][k], want[k]))
    for k in ("new", "vanished", "changed"):
        compare_rows("variants." + k, d["variants"][k], want[k], problems)
    compare_rows("kpis", d["kpis"], want["kpis"], problems)
    compare_rows("transitions", d["transitions"], want["transitions"], problems)
    tally.record("diff %s (%d new, %d vanished, %d changed, %d transitions)"
                 % (name, len(want["new"]), len(want["vanished"]), len(want["changed"]),
                    len(want["transitions"])), problems)
    for fmt in ("text", "md"):
        p = jmine(binary, ["diff", "--format", fmt, old_path, new_path])
        out = p.stdout.decode("utf-8", "replace")
        bad = [] if p.returncode == 0 and p.stderr == b"" else \
            ["exit %d: %s" % (p.returncode, p.stderr.decode())]
        for r in want["new"][:3] + want["vanished"][:3] + want["changed"][:3]:
            if r["id"] not in out:
                bad.append("variant %s not shown" % r["id"])
        said = "Only the listed variants are compared" in out
        if said == want["all_variants_compared"]:
            bad.append("the partial comparison is %s" % ("said wrongly" if said else "not said"))
        tally.record("diff %s --format %s" % (name, fmt), bad)
    return want


# ---- The hand-made pair ----------------------------------------------------------------

def write_log(path, journeys):
    """journeys: list of (case, [(activity, channel)]), events an hour apart, a day apart."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["case_id", "activity", "channel", "start_time"])
        for day, (case, steps) in enumerate(journeys):
            for h, (act, chan) in enumerate(steps):
                w.writerow([case, act, chan, "2024-03-%02dT%02d:00:00Z" % (day % 28 + 1, h * 3)])


def variant_id(steps):
    return hashlib.sha256(b"".join(s.encode() + b"\x1f" for s in steps)).hexdigest()[:16]


def csv_variants(path):
    cases = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cases.setdefault(row["case_id"], []).append((row["start_time"], row["activity"]))
    out = {}
    for evs in cases.values():
        steps = [a for _, a in sorted(evs)]
        out[variant_id(steps)] = out.get(variant_id(steps), 0) + 1
    return out


CALL = [("Call", "phone"), ("Resolved", "phone")]
CHAT = [("Chat", "chat"), ("Resolved", "chat")]
EMAIL = [("Email", "email")]
WEB = [("Web", "web"), ("Call", "phone"), ("Resolved", "phone")]
OLD_NIGHT = [("A%d" % i, CALL) for i in range(3)] + [("B%d" % i, CHAT) for i in range(2)] + \
    [("C0", EMAIL)]
NEW_NIGHT = [("A%d" % i, CALL) for i in range(4)] + [("B0", CHAT)] + \
    [("D%d" % i, WEB) for i in range(2)]


def check_hand_made(tally, binary, work):
    old_log, new_log = work / "old.csv", work / "new.csv"
    write_log(old_log, OLD_NIGHT)
    write_log(new_log, NEW_NIGHT)
    old = report(binary, old_log, work / "hand-old.json")
    new = report(binary, new_log, work / "hand-new.json")
    problems = []
    for log, doc in ((old_log, old), (new_log, new)):
        got = {v["id"]: v["count"] for v in doc["variants"]["top"]}
        if got != csv_variants(log):
            problems.append("%s: report's variants %r, the CSV's %r" % (log.name, got,
                                                                       csv_variants(log)))
    tally.record("hand-made nights: the reports' variants are the CSV's", problems)
    want = check_pair(tally, binary, "hand-made", work / "hand-old.json", work / "hand-new.json",
                      old, new)
    if want is not None:
        problems = []
        if [r["id"] for r in want["new"]] != [variant_id(["Web", "Call", "Resolved"])]:
            problems.append("new: %r" % want["new"])
        if [r["id"] for r in want["vanished"]] != [variant_id(["Email"])]:
            problems.append("vanished: %r" % want["vanished"])
        if abs(want["new_variants_share"] - 2 / 7) > 1e-12 or \
                abs(want["vanished_variants_share"] - 1 / 6) > 1e-12:
            problems.append("shares %r %r" % (want["new_variants_share"],
                                              want["vanished_variants_share"]))
        tally.record("hand-made nights: Email vanished, Web > Call > Resolved appeared", problems)
    return work / "hand-old.json", work / "hand-new.json"


def check_alerts(tally, binary, old, new, new_doc, work):
    # new_variants_share = 2/7, vanished_variants_share = 1/6, journeys.change = 1.
    cases = [(["new_variants_share>0.25"], 5, 1),
             (["new_variants_share<0.25"], 0, 0),
             (["new_variants_share>0.25", "vanished_variants_share>0.1",
               "journeys.change<0"], 5, 2),
             (["vanished_variants_share<0.2"], 5, 1),
             (["journeys.change>0"], 5, 1),
             (["journeys.change>1"], 0, 0),
             (["max_share_change>0.5"], 0, 0),
             (["max_share_change>0.25"], 5, 1),
             (["switches.change>-1"], 0, 0) if new_doc["channels"]["switches"] is None else
             (["switches.change>-1000000"], 5, 1),
             (["share_with_long_wait.change>0.05"], 0, 0)]
    for exprs, rc, lines in cases:
        args = ["diff", "--format", "json", "-o", work / "alert.json"]
        for e in exprs:
            args += ["--alert", e]
        p = jmine(binary, args + [old, new])
        err = [l for l in p.stderr.decode().splitlines() if l]
        problems = []
        if p.returncode != rc:
            problems.append("exit %d, expected %d" % (p.returncode, rc))
        if len(err) != lines or any("alert" not in l for l in err):
            problems.append("standard error: %r" % err)
        if not (work / "alert.json").exists():
            problems.append("no diff written")
        tally.record("alert %s: exit %d" % (" ".join(exprs), rc), problems)
    for bad in ["foo>1", "journeys>1", "journeys.change", "new_variants_share>x",
                "new_variants_share=1", ">1", "new_variants_share>", "journeys.change>nan"]:
        p = jmine(binary, ["diff", "--alert", bad, old, new])
        tally.record("bad alert %r: exit 2" % bad,
                     [] if p.returncode == 2 and p.stdout == b"" else
                     ["exit %d, out %r" % (p.returncode, p.stdout[:80])])
    for args, rc, what in [([work / "hist.db:last", new], 3, "a run of a history that is not there"),
                           ([old], 2, "one report"),
                           ([REPO / "sample-logs" / "contacts.csv", new], 3, "a CSV log"),
                           ([work / "missing.json", new], 3, "a missing file")]:
        p = jmine(binary, ["diff"] + args)
        tally.record("diff of %s: exit %d" % (what, rc),
                     [] if p.returncode == rc else ["exit %d: %s" % (p.returncode,
                                                                    p.stderr.decode())])


def check_bad_reports(tally, binary, good, work):
    """Files that are not jmine's JSON reports: exit 3 with a word, never a crash."""
    base = json.loads(Path(good).read_text(encoding="utf-8"))

    def broken(fn):
        d = json.loads(json.dumps(base))
        fn(d)
        return json.dumps(d)

    cases = [("empty", ""), ("a JSON array", "[1, 2]"), ("not JSON", "case_id,activity\n"),
             ("a million brackets", "[" * 1000000 + "]" * 1000000),
             ("journeys.count a string", broken(lambda d: d["journeys"].update(count="7"))),
             ("no variants.top", broken(lambda d: d["variants"].pop("top"))),
             ("a variant id not hex", broken(lambda d: d["variants"]["top"][0].update(
                 id="x\u0007|y0123456789ab"))),
             ("a variant id twice", broken(lambda d: d["variants"]["top"].append(
                 d["variants"]["top"][0]))),
             ("a count above journeys.count", broken(lambda d: d["variants"]["top"][0].update(
                 count=d["journeys"]["count"] + 1))),
             ("a negative count", broken(lambda d: d["variants"]["top"][0].update(count=-1)))]
    for what, text in cases:
        path = work / "bad.json"
        path.write_text(text, encoding="utf-8")
        p = jmine(binary, ["diff", path, good])
        q = jmine(binary, ["diff", good, path])
        err = p.stderr.decode("utf-8", "replace")
        tally.record("a report that is %s: exit 3" % what,
                     [] if p.returncode == 3 and q.returncode == 3 and "bad.json" in err and
                     p.stdout == b"" else ["exit %d and %d: %s" % (p.returncode, q.returncode,
                                                                 err[:200])])


def check_bites(tally, binary, old, new):
    """The diff schema rejects broken diffs (and so can fail the checks above)."""
    doc = json.loads(jmine(binary, ["diff", "--format", "json", old, new]).stdout)
    tally.record("a real diff passes docs/diff.schema.json", schema.errors(doc, "diff"))

    def at(d, *path):
        for k in path:
            d = d[k]
        return d
    mutations = [("p_value above 1", lambda d: at(d, "diff", "variants", "changed", 0)
                  .update(p_value=1.5)),
                 ("a share negative", lambda d: at(d, "diff", "variants", "new", 0)
                  .update(share=-0.1)),
                 ("an id not 16 hex digits", lambda d: at(d, "diff", "variants", "vanished", 0)
                  .update(id="abc")),
                 ("a KPI unknown", lambda d: at(d, "diff", "kpis", 0).update(name="guess")),
                 ("a key undescribed", lambda d: at(d, "diff", "transitions", 0)
                  .update(extra=1)),
                 ("kpis deleted", lambda d: at(d, "diff").pop("kpis")),
                 ("new_count a string", lambda d: at(d, "diff", "variants", "changed", 0)
                  .update(new_count="3"))]
    for what, fn in mutations:
        d = json.loads(json.dumps(doc))
        fn(d)
        tally.record("a diff with %s fails the schema" % what,
                     [] if schema.errors(d, "diff") else ["the schema accepted it"])


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jmine", required=True)
    args = ap.parse_args(argv)
    binary = str(Path(args.jmine).resolve())
    tally = schema.Tally(show=10)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        nights = []
        for seed, n in ((1, 400), (2, 600), (3, 400)):
            log = work / ("night%d.csv" % seed)
            proc = subprocess.run([sys.executable, str(GEN_LOG), "--seed", str(seed),
                                   "--journeys", str(n), "-o", str(log)], capture_output=True)
            if proc.returncode != 0:
                tally.record("gen-log", [proc.stderr.decode()])
                continue
            full = work / ("night%d.json" % seed)
            top = work / ("night%d-top.json" % seed)
            nights.append((log, full, report(binary, log, full),
                           top, report(binary, log, top, top="10")))
        for (la, fa, da, ta, tda), (lb, fb, db, tb, tdb) in zip(nights, nights[1:]):
            check_pair(tally, binary, "%s -> %s" % (la.stem, lb.stem), fa, fb, da, db)
            check_pair(tally, binary, "%s -> %s, --top 10" % (la.stem, lb.stem), ta, tb, tda, tdb)
        if nights:
            _, fa, da, _, _ = nights[0]
            check_pair(tally, binary, "a night against itself", fa, fa, da, da)
        old, new = check_hand_made(tally, binary, work)
        check_alerts(tally, binary, old, new, json.loads(Path(new).read_text()), work)
        check_bad_reports(tally, binary, old, work)
        check_bites(tally, binary, old, new)
    print("%d passed, %d failed" % (tally.passed, tally.failed))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
