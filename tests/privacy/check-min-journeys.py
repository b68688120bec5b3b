#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# --min-journeys K (SPEC §8): no row seen in fewer than K journeys survives, in any output.
"""--min-journeys K on every output, against the same outputs without it.

For K in 2, 5 and 20 on the sample logs and a generated log: in the JSON report (--top 0), the
variants table (json, csv), the map (json, dot, svg where built), the text and Markdown report
and the history database, no row but the "(other)" row is seen in fewer than K journeys
(variants by count; map steps, map edges and channel switches by their journeys; transitions,
loops and handling times by the journeys of their map edge or step, from the unfolded report);
the journeys CSV writes rare variants' ids as "(other)" and changes nothing else; the rows kept
are the unfolded report's rows of K journeys or more, unchanged; the "(other)"
row's counts are the sums of the rows folded, so every list still sums to its total; the
report states the policy (privacy.min_journeys, privacy.folded); every JSON passes its schema.
--min-journeys 1 changes nothing (byte for byte).

Usage: python3 tests/privacy/check-min-journeys.py --jmine build/jmine
The last line is "N passed, N failed"; the exit status is 0 only if none failed.
"""

import argparse
import csv
import io
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO / "tests"))
import schema  # noqa: E402

OTHER = "(other)"


def run(binary, args):
    p = subprocess.run([binary] + [str(a) for a in args], capture_output=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("jmine %s: exit %d %s" % (" ".join(map(str, args)), p.returncode,
                                                     p.stderr.decode()))
    return p.stdout


def is_other(row):
    return row.get("other") is True


def check_list(what, full, folded, journeys, names, sums, k, problems):
    """full, folded: the lists without and with K; journeys(row) in full; names: the keys that
    name a row; sums: the keys whose values the other row adds up."""
    key = lambda r: tuple(r[n] for n in names)  # noqa: E731
    keep = [r for r in full if journeys(r) >= k]
    gone = [r for r in full if journeys(r) < k]
    got = [r for r in folded if not is_other(r)]
    others = [r for r in folded if is_other(r)]
    if [key(r) for r in got] != [key(r) for r in keep]:
        problems.append("%s: kept %d rows, the unfolded list has %d of %d journeys or more"
                        % (what, len(got), len(keep), k))
    elif any(dict(g, **{"rank": 0}) != dict(w, **{"rank": 0}) for g, w in zip(got, keep)):
        problems.append("%s: a kept row changed" % what)
    if gone and len(others) != 1:
        problems.append("%s: %d rows folded, %d other rows" % (what, len(gone), len(others)))
    if not gone and others and not (what == "map.nodes" and others[0]["events"] == 0):
        problems.append("%s: an other row with nothing folded" % what)
    for s in sums:
        want = sum(r[s] for r in full)
        have = sum(r[s] for r in folded)
        if want != have and not (isinstance(want, float) and abs(want - have) < 1e-6):
            problems.append("%s: %s sums to %r, unfolded %r" % (what, s, have, want))
    for o in others:
        if any(o.get(n) != OTHER for n in names if o.get(n) is not None):
            problems.append("%s: the other row's names %r" % (what, [o.get(n) for n in names]))
    return len(gone)


def check_report(tally, binary, log, k, work):
    full = json.loads(run(binary, ["report", "--format", "json", "--quiet", "--top", "0", log]))
    doc = json.loads(run(binary, ["report", "--format", "json", "--quiet", "--top", "0",
                                  "--min-journeys", k, log]))
    problems = []
    try:
        schema.validate(doc, "report")
    except schema.SchemaError as e:
        problems.append(str(e)[:300])
    step_j = {n["step"]: n["journeys"] for n in full["map"]["nodes"]}
    edge_j = {(e["from"], e["to"]): e["journeys"] for e in full["map"]["edges"]}
    folded = {}
    folded["variants"] = check_list(
        "variants", full["variants"]["top"], doc["variants"]["top"], lambda r: r["count"],
        ["id"], ["count"], k, problems)
    if sum(v["count"] for v in doc["variants"]["top"]) != doc["journeys"]["count"]:
        problems.append("variants do not sum to journeys.count")
    folded["steps"] = check_list("map.nodes", full["map"]["nodes"], doc["map"]["nodes"],
                                 lambda r: r["journeys"], ["step"], ["events"], k, problems)
    folded["transitions"] = check_list(
        "waits.by_transition", full["waits"]["by_transition"], doc["waits"]["by_transition"],
        lambda r: edge_j[(r["from"], r["to"])], ["from", "to"], ["count", "long_waits"], k,
        problems)
    folded["channel_switches"] = check_list(
        "channels.matrix", full["channels"]["matrix"] or [], doc["channels"]["matrix"] or [],
        lambda r: r["journeys"], ["from", "to"], ["count"], k, problems)
    check_list("loops.by_step", full["loops"]["by_step"], doc["loops"]["by_step"],
               lambda r: step_j[r["step"]], ["step"], ["self_loops", "repetitions"], k, problems)
    check_list("waits.handling_by_step", full["waits"].get("handling_by_step") or [],
               doc["waits"].get("handling_by_step") or [], lambda r: step_j[r["step"]], ["step"],
               ["count"], k, problems)
    # Map edges: no edge under K journeys survives but the other row; counts still sum.
    for e in doc["map"]["edges"]:
        if e["journeys"] < k and not (e["from"] == OTHER and e["to"] == OTHER):
            problems.append("map edge %r -> %r of %d journeys survives" % (e["from"], e["to"],
                                                                          e["journeys"]))
        for end in ("from", "to"):
            if e[end] is not None and e[end] != OTHER and step_j[e[end]] < k:
                problems.append("map edge names folded step %r" % e[end])
    if sum(e["count"] for e in doc["map"]["edges"]) != sum(e["count"] for e in full["map"]["edges"]):
        problems.append("map edges' counts do not sum to the unfolded total")
    nodes = {n["step"] for n in doc["map"]["nodes"]}
    for e in doc["map"]["edges"]:
        for end in ("from", "to"):
            if e[end] is not None and e[end] not in nodes:
                problems.append("map edge end %r has no node" % e[end])
    for w in doc["waits"]["longest"]:
        if step_j[w["from"]] < k or step_j[w["to"]] < k or edge_j[(w["from"], w["to"])] < k:
            problems.append("a longest wait on a rare transition survives")
    pv = doc["privacy"]
    if pv.get("min_journeys") != k:
        problems.append("privacy.min_journeys %r" % pv.get("min_journeys"))
    for name, n in folded.items():
        if pv.get("folded", {}).get(name) != n:
            problems.append("privacy.folded.%s %r, %d folded" % (name, pv.get("folded", {}).get(name), n))
    tally.record("%s --min-journeys %d: report json (%s)" % (log.name, k, ", ".join(
        "%d %s" % (n, w) for w, n in folded.items())), problems)
    return full, doc


def check_other_outputs(tally, binary, log, k, full, doc):
    problems = []
    v = json.loads(run(binary, ["variants", "--format", "json", "--min-journeys", k, "--quiet", log]))
    try:
        schema.validate(v, "variants")
    except schema.SchemaError as e:
        problems.append(str(e)[:300])
    if v["variants"]["top"] != doc["variants"]["top"]:
        problems.append("variants json differs from the report's variants.top")
    rows = list(csv.DictReader(io.StringIO(run(binary, ["variants", "--format", "csv",
                                                        "--min-journeys", k, "--quiet",
                                                        log]).decode())))
    if [r["id"] for r in rows] != [x["id"] for x in doc["variants"]["top"]] or \
            any(int(r["count"]) < k and r["id"] != OTHER for r in rows) or \
            sum(int(r["count"]) for r in rows) != doc["journeys"]["count"]:
        problems.append("variants csv: rows %r" % [(r["id"], r["count"]) for r in rows][-3:])
    m = json.loads(run(binary, ["map", "--format", "json", "--min-journeys", k, "--quiet", log]))
    try:
        schema.validate(m, "map")
    except schema.SchemaError as e:
        problems.append(str(e)[:300])
    if m["map"]["nodes"] != doc["map"]["nodes"] or m["map"]["edges"] != doc["map"]["edges"]:
        problems.append("map json differs from the report's map")
    dot = run(binary, ["map", "--min-journeys", k, "--quiet", log]).decode()
    shown = [n["step"] for n in full["map"]["nodes"] if n["journeys"] < k]
    for s in shown:
        if '"%s' % s.replace('"', '\\"') in dot:
            problems.append("map dot shows folded step %r" % s)
    if shown and OTHER not in dot:
        problems.append("map dot has no (other) node")
    # Every step drawn (the default SVG is the page's 30-step level, which may leave the
    # (other) node out as it leaves any step outside the 30 out).
    p = subprocess.run([binary, "map", "--format", "svg", "--map-steps", "200", "--min-journeys",
                        str(k), "--quiet", str(log)], capture_output=True)
    if p.returncode == 0:
        import xml.etree.ElementTree as ET
        ET.fromstring(p.stdout)
        if shown and OTHER.encode() not in p.stdout:
            problems.append("map svg has no (other) node")
    plain = list(csv.DictReader(io.StringIO(run(binary, ["journeys", "--quiet", log]).decode())))
    folded = list(csv.DictReader(io.StringIO(run(binary, ["journeys", "--quiet", "--min-journeys",
                                                          k, log]).decode())))
    per = {}
    for r in plain:
        per[r["variant_id"]] = per.get(r["variant_id"], 0) + 1
    want = [dict(r, variant_id=OTHER if per[r["variant_id"]] < k else r["variant_id"])
            for r in plain]
    if folded != want:
        problems.append("journeys csv: rare variants' ids not (other), or other columns changed")
    page = run(binary, ["report", "--format", "html", "--min-journeys", k, "--quiet", log]).decode()
    import html as htmlmod
    import re
    m = re.search(r'<script type="application/json" id="jmine-report">(.*?)</script>', page, re.S)
    if m is None:
        problems.append("the page embeds no JSON report")
    else:
        text = m.group(1)
        try:
            embedded = json.loads(text)
        except ValueError:
            embedded = json.loads(htmlmod.unescape(text))
        want = json.loads(run(binary, ["report", "--format", "json", "--min-journeys", k,
                                       "--quiet", log]))
        if embedded != want:
            problems.append("the page's embedded report differs from --format json's")
    for fmt in ("text", "md"):
        out = run(binary, ["report", "--format", fmt, "--min-journeys", k, "--quiet", log]).decode()
        if "fewer than %d journeys" % k not in out:
            problems.append("report %s does not state the policy" % fmt)
    tally.record("%s --min-journeys %d: variants json/csv, map json/dot/svg, journeys, html, text, md" % (log.name, k),
                 problems)


def check_history(tally, binary, log, k, doc, work):
    db = work / ("h-%s-%d.db" % (log.stem, k))
    run(binary, ["report", "--quiet", "-o", "/dev/null", "--min-journeys", k, "--history", db, log])
    con = sqlite3.connect(str(db))
    problems = []
    vs = con.execute("SELECT id, count FROM run_variants ORDER BY rank").fetchall()
    if vs != [(v["id"], v["count"]) for v in doc["variants"]["top"]]:
        problems.append("run_variants differ from the folded report")
    st = con.execute("SELECT step, journeys FROM run_steps").fetchall()
    if any(j < k and s != OTHER for s, j in st):
        problems.append("run_steps keeps a rare step")
    ch = con.execute("SELECT from_channel, to_channel, journeys FROM run_channels").fetchall()
    if any(j < k and a != OTHER for a, b, j in ch):
        problems.append("run_channels keeps a rare switch")
    opts = json.loads(con.execute("SELECT options FROM runs").fetchone()[0])
    if opts.get("--min-journeys") != k:
        problems.append("runs.options %r" % opts.get("--min-journeys"))
    con.close()
    tally.record("%s --min-journeys %d: the history keeps the folded rows" % (log.name, k), problems)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jmine", required=True)
    args = ap.parse_args(argv)
    binary = str(Path(args.jmine).resolve())
    tally = schema.Tally()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        gen = work / "gen.csv"
        subprocess.run([sys.executable, str(REPO / "scripts" / "gen-log"), "--seed", "7",
                        "--journeys", "800", "-o", str(gen)], check=True, capture_output=True)
        logs = [REPO / "sample-logs" / "contacts.csv", REPO / "sample-logs" / "helpdesk-excerpt.csv",
                gen]
        for log in logs:
            for k in (2, 5, 20):
                full, doc = check_report(tally, binary, log, k, work)
                check_other_outputs(tally, binary, log, k, full, doc)
                check_history(tally, binary, log, k, doc, work)
            same = all(run(binary, [cmd, "--format", fmt, "--quiet", log]) ==
                       run(binary, [cmd, "--format", fmt, "--quiet", "--min-journeys", "1", log])
                       for cmd, fmt in (("report", "json"), ("report", "text"), ("variants", "csv"),
                                        ("map", "dot")))
            tally.record("%s --min-journeys 1 changes nothing" % log.name, [] if same else ["differs"])
    print("%d passed, %d failed" % (tally.passed, tally.failed))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
