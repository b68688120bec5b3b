#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The history database (--history, jmine trend, jmine diff DB:RUN) against Python's sqlite3.
"""jmine --history, trend and diff of history runs (SPEC §8, docs/history.md).

Runs are appended (ids 1, 2, ...), a rerun with the same inputs and options replaces its run
under its id, other options make a new run; two and four processes writing at once all land; a
run that fails (too many rejects, an unusable log) adds nothing; a version-1 history
(schema-v1.sql) is upgraded in place and keeps its run; a file that is not a history, or a
history of a newer schema, is refused before anything is read. The tables are checked against
the JSON report of the same log (--top 0): every variant, transition, step, channel switch and
headline figure. jmine diff of two history runs is checked against the Python oracle of
tests/diff/check.py on the JSON reports (two generated nights, and the hand-made nights where a
variant vanishes and another appears), and equals the diff of the JSON reports; alerts give
exit 5 and 0 on history runs. jmine trend is checked against the tables (json validated by
docs/trend.schema.json; csv; --variant; --last).

Usage: python3 tests/history/check.py --jmine build/jmine
The last line is "N passed, N failed"; the exit status is 0 only if none failed.
"""

import argparse
import csv
import importlib.util
import io
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests"))
import schema  # noqa: E402

_spec = importlib.util.spec_from_file_location("diffcheck", REPO / "tests" / "diff" / "check.py")
diffcheck = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(diffcheck)
Tally = diffcheck.Tally
GEN_LOG = REPO / "scripts" / "gen-log"


def jmine(binary, args, **kw):
    return subprocess.run([binary] + [str(a) for a in args], capture_output=True, timeout=300,
                          **kw)


def history(binary, db, log, *extra):
    return jmine(binary, ["report", "--quiet", "-o", "/dev/null", "--history", db] +
                 list(extra) + [log])


def rows(db, sql, *args):
    con = sqlite3.connect(str(db))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def check_append_replace(tally, binary, work, a, b):
    db = work / "h.db"
    problems = []
    for log in (a, b):
        p = history(binary, db, log)
        if p.returncode != 0:
            problems.append("%s: exit %d %s" % (log.name, p.returncode, p.stderr.decode()))
    runs = rows(db, "SELECT id, command, journeys FROM runs ORDER BY id")
    if [r[0] for r in runs] != [1, 2]:
        problems.append("runs %r, expected ids 1 and 2" % runs)
    if rows(db, "PRAGMA user_version") != [(2,)] or rows(db, "PRAGMA journal_mode") != [("wal",)]:
        problems.append("user_version %r, journal_mode %r" % (rows(db, "PRAGMA user_version"),
                                                              rows(db, "PRAGMA journal_mode")))
    tally.record("two runs appended (ids 1, 2; schema version 2; WAL)", problems)

    problems = []
    before = rows(db, "SELECT count(*) FROM run_variants WHERE run = 1")
    fin = rows(db, "SELECT finished_at FROM runs WHERE id = 1")
    p = history(binary, db, a, "--top", "3")  # an output option: the same run
    if p.returncode != 0:
        problems.append("exit %d %s" % (p.returncode, p.stderr.decode()))
    runs = rows(db, "SELECT id FROM runs ORDER BY id")
    if runs != [(1,), (2,)]:
        problems.append("after the rerun: runs %r" % runs)
    if rows(db, "SELECT count(*) FROM run_variants WHERE run = 1") != before:
        problems.append("the rerun's variants differ in number (--top must not cut them)")
    dup = rows(db, "SELECT count(*) FROM run_inputs WHERE run = 1")
    if dup != [(1,)]:
        problems.append("run_inputs of the rerun: %r" % dup)
    tally.record("a rerun with the same inputs and options replaces run 1 under its id", problems)
    _ = fin

    problems = []
    p = history(binary, db, a, "--long-wait", "1h")
    runs = rows(db, "SELECT id FROM runs ORDER BY id")
    if p.returncode != 0 or runs != [(1,), (2,), (3,)]:
        problems.append("exit %d, runs %r" % (p.returncode, runs))
    opts = rows(db, "SELECT options FROM runs WHERE id = 3")
    if not opts or json.loads(opts[0][0]).get("--long-wait") != "1h":
        problems.append("options %r" % opts)
    inputs = rows(db, "SELECT path, size, sha256 FROM run_inputs WHERE run = 3")
    import hashlib
    data = a.read_bytes()
    if inputs != [(str(a), len(data), hashlib.sha256(data).hexdigest())]:
        problems.append("run_inputs %r" % inputs)
    tally.record("other options make a new run (3); inputs with size and SHA-256", problems)
    return db


def check_concurrent(tally, binary, work, logs):
    for n in (2, 4):
        db = work / ("conc%d.db" % n)
        procs = [subprocess.Popen([binary, "report", "--quiet", "-o", "/dev/null", "--history",
                                   str(db), "--long-wait", "%dh" % (i + 1), str(logs[i % 2])],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for i in range(n)]
        problems = []
        for p in procs:
            out, err = p.communicate(timeout=300)
            if p.returncode != 0:
                problems.append("exit %d: %s" % (p.returncode, err.decode()))
        got = rows(db, "SELECT count(*), count(DISTINCT id) FROM runs")
        if got != [(n, n)]:
            problems.append("runs: %r, expected %d" % (got, n))
        per = rows(db, "SELECT count(DISTINCT run) FROM run_variants")
        if per != [(n,)]:
            problems.append("runs with variants: %r" % per)
        tally.record("%d processes writing at once all land" % n, problems)


def check_failed(tally, binary, work, db, good):
    before = rows(db, "SELECT count(*) FROM runs"), rows(db, "SELECT count(*) FROM run_kpis")
    bad = REPO / "sample-logs" / "contacts-shuffled-bad.csv"
    cases = [(["--max-rejects", "0", bad], 4, "too many rejected rows"),
             ([work / "missing.csv"], 3, "a missing log"),
             ([good, work / "missing.csv"], 3, "a good log, then a missing one")]
    for args, rc, what in cases:
        p = jmine(binary, ["report", "--quiet", "-o", "/dev/null", "--history", db] + args)
        after = rows(db, "SELECT count(*) FROM runs"), rows(db, "SELECT count(*) FROM run_kpis")
        tally.record("a failed run (%s, exit %d) adds nothing" % (what, rc),
                     [] if p.returncode == rc and after == before else
                     ["exit %d, rows %r -> %r" % (p.returncode, before, after)])


def check_refused(tally, binary, work, good):
    notdb = work / "notes.txt"
    notdb.write_text("a,b\n1,2\n")
    other = work / "other.db"
    con = sqlite3.connect(str(other))
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    newer = work / "newer.db"
    con = sqlite3.connect(str(newer))
    con.executescript((HERE / "schema-v1.sql").read_text())
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    trunc = work / "truncated.db"
    trunc.write_bytes(newer.read_bytes()[:3000])
    for db, what in ((notdb, "a text file"), (other, "another program's SQLite database"),
                     (newer, "a history of a newer schema"), (good, "the input itself"),
                     (trunc, "a truncated history")):
        before = db.read_bytes()
        p = history(binary, db, good)
        tally.record("--history %s: exit 2, the file untouched" % what,
                     [] if p.returncode == 2 and db.read_bytes() == before else
                     ["exit %d: %s" % (p.returncode, p.stderr.decode())])
    p = history(binary, "/dev/full", good)
    tally.record("--history /dev/full (not a regular file): exit 2",
                 [] if p.returncode == 2 else ["exit %d" % p.returncode])
    p = jmine(binary, ["trend", newer])
    tally.record("trend of a newer schema: exit 3", [] if p.returncode == 3 else
                 ["exit %d" % p.returncode])


def check_upgrade(tally, binary, work, good):
    db = work / "v1.db"
    con = sqlite3.connect(str(db))
    con.executescript((HERE / "schema-v1.sql").read_text())
    con.commit()
    con.close()
    problems = []
    p = jmine(binary, ["trend", "--format", "json", db])  # reading does not upgrade
    if p.returncode != 0:
        problems.append("trend of version 1: exit %d %s" % (p.returncode, p.stderr.decode()))
    elif [r["run"] for r in json.loads(p.stdout)["trend"]["runs"]] != [1]:
        problems.append("trend of version 1: %s" % p.stdout[:200])
    if rows(db, "PRAGMA user_version") != [(1,)]:
        problems.append("trend changed the version")
    p = history(binary, db, good)
    if p.returncode != 0:
        problems.append("exit %d %s" % (p.returncode, p.stderr.decode()))
    if rows(db, "PRAGMA user_version") != [(2,)]:
        problems.append("user_version %r after the run" % rows(db, "PRAGMA user_version"))
    cols = [r[1] for r in rows(db, "PRAGMA table_info(runs)")]
    if "privacy" not in cols:
        problems.append("runs has no privacy column: %r" % cols)
    if rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'run_channels'") != [(1,)]:
        problems.append("no run_channels table")
    if rows(db, "SELECT id, started_at FROM runs ORDER BY id") != \
            [(1, "2026-11-30T02:00:00Z"), (2, rows(db, "SELECT started_at FROM runs WHERE id = 2")[0][0])]:
        problems.append("runs %r" % rows(db, "SELECT id, started_at FROM runs"))
    if rows(db, "SELECT count(*) FROM run_variants WHERE run = 1") != [(3,)]:
        problems.append("run 1 lost its variants")
    if rows(db, "SELECT count(*) FROM run_channels WHERE run = 2") == [(0,)]:
        problems.append("the new run has no channel rows")
    p = jmine(binary, ["diff", "--format", "json", "%s:1" % db, "%s:last" % db])
    if p.returncode != 0:
        problems.append("diff of the old run and the new: exit %d %s"
                        % (p.returncode, p.stderr.decode()))
    tally.record("a version-1 history is upgraded in place and keeps its run", problems)


def check_tables(tally, binary, work, db, log, run):
    """The rows of one run against the JSON report of the same log with --top 0."""
    rep = diffcheck.report(binary, log, work / "tables.json")
    problems = []
    got = rows(db, "SELECT id, rank, steps, count, share, median_duration_s, mean_duration_s "
                   "FROM run_variants WHERE run = ? ORDER BY rank", run)
    want = [(v["id"], v["rank"], v["steps"], v["count"], v["share"], v["duration_s"]["median"],
             v["duration_s"]["mean"]) for v in rep["variants"]["top"]]
    got = [(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5], r[6]) for r in got]
    if got != want:
        problems.append("run_variants: %d rows, the report %d; first differing %r"
                        % (len(got), len(want), next((g, w) for g, w in zip(got, want) if g != w)
                           if any(g != w for g, w in zip(got, want)) else None))
    got = {(r[0], r[1]): r[2:] for r in rows(
        db, "SELECT from_step, to_step, count, median_s, p90_s, max_s, total_s, long_waits "
            "FROM run_transitions WHERE run = ?", run)}
    want = {(t["from"], t["to"]): (t["count"], t["median_s"], t["p90_s"], t["max_s"],
                                   t["total_s"], t["long_waits"])
            for t in rep["waits"]["by_transition"]}
    if got != want:
        problems.append("run_transitions differ (%d rows, the report %d)" % (len(got), len(want)))
    loops = {s["step"]: s for s in rep["loops"]["by_step"]}
    want = {n["step"]: (n["events"], n["journeys"], loops.get(n["step"], {}).get("self_loops", 0),
                        loops.get(n["step"], {}).get("repetitions", 0))
            for n in rep["map"]["nodes"]}
    got = {r[0]: r[1:] for r in rows(db, "SELECT step, events, journeys, self_loops, repetitions "
                                         "FROM run_steps WHERE run = ?", run)}
    if got != want:
        problems.append("run_steps differ")
    got = {(r[0], r[1]): r[2:] for r in rows(
        db, "SELECT from_channel, to_channel, count, journeys, median_wait_s FROM run_channels "
            "WHERE run = ?", run)}
    want = {(c["from"], c["to"]): (c["count"], c["journeys"], c["median_wait_s"])
            for c in rep["channels"]["matrix"]}
    if got != want:
        problems.append("run_channels differ")
    kp = dict(rows(db, "SELECT name, value FROM run_kpis WHERE run = ?", run))
    for name in ("journeys.count", "variants.count", "journeys.duration_s.median",
                 "loops.share_with_loop", "waits.long_waits", "input.rows", "channels.switches"):
        if diffcheck.get(rep, name) != kp.get(name):
            problems.append("run_kpis %s: %r, the report %r" % (name, kp.get(name),
                                                                diffcheck.get(rep, name)))
    if len(kp) < 25:
        problems.append("only %d figures kept" % len(kp))
    tally.record("run %d's tables equal the JSON report (%d variants, %d figures)"
                 % (run, len(rep["variants"]["top"]), len(kp)), problems)


def check_merge(tally, binary, work, log):
    """merge --history: the merged run's rows equal a report's of the same log."""
    db, state = work / "merge.db", work / "a.state"
    problems = []
    p = jmine(binary, ["report", "--quiet", "-o", "/dev/null", "--state-out", state, log])
    q = jmine(binary, ["merge", "-o", "/dev/null", "--history", db, state])
    r = history(binary, db, log)
    for x in (p, q, r):
        if x.returncode != 0:
            problems.append("exit %d %s" % (x.returncode, x.stderr.decode()))
    if rows(db, "SELECT id, command FROM runs ORDER BY id") != [(1, "merge"), (2, "report")]:
        problems.append("runs %r" % rows(db, "SELECT id, command FROM runs"))
    for t in ("run_variants", "run_kpis", "run_transitions", "run_steps", "run_channels"):
        cols = [c[1] for c in rows(db, "PRAGMA table_info(%s)" % t) if c[1] != "run"]
        sel = "SELECT %s FROM %s WHERE run = ? ORDER BY 1, 2" % (", ".join(cols), t)
        a, b = rows(db, sel, 1), rows(db, sel, 2)
        if t == "run_kpis":  # the merge's input section counts what its states read
            a = [x for x in a if not x[0].startswith("input.")]
            b = [x for x in b if not x[0].startswith("input.")]
        if a != b or not a:
            problems.append("%s: the merge's %d rows differ from the report's %d"
                            % (t, len(a), len(b)))
    tally.record("merge --history: the merged run's rows equal the report's", problems)


def check_trend(tally, binary, db):
    p = jmine(binary, ["trend", "--format", "json", db])
    problems = []
    doc = json.loads(p.stdout) if p.returncode == 0 else None
    if doc is None:
        tally.record("trend json", ["exit %d %s" % (p.returncode, p.stderr.decode())])
        return
    try:
        schema.validate(doc, "trend")
    except schema.SchemaError as e:
        problems.append(str(e))
    runs = rows(db, "SELECT id, started_at FROM runs ORDER BY id")
    if [(r["run"], r["started_at"]) for r in doc["trend"]["runs"]] != runs:
        problems.append("runs %r" % [r["run"] for r in doc["trend"]["runs"]])
    for r in doc["trend"]["runs"]:
        if r["kpis"] != dict(rows(db, "SELECT name, value FROM run_kpis WHERE run = ?", r["run"])):
            problems.append("run %d's kpis differ from run_kpis" % r["run"])
    tally.record("trend --format json: every run and figure (schema valid)", problems)

    p = jmine(binary, ["trend", "--format", "json", "--last", "2", db])
    got = [r["run"] for r in json.loads(p.stdout)["trend"]["runs"]] if p.returncode == 0 else None
    tally.record("trend --last 2: the last two runs, oldest first",
                 [] if got == [r[0] for r in runs][-2:] else ["runs %r" % got])

    vid = rows(db, "SELECT id FROM run_variants WHERE run = 1 ORDER BY rank LIMIT 1")[0][0]
    p = jmine(binary, ["trend", "--format", "csv", "--variant", vid, db])
    problems = []
    table = list(csv.DictReader(io.StringIO(p.stdout.decode())))
    for r in table:
        want = rows(db, "SELECT count FROM run_variants WHERE run = ? AND id = ?", int(r["run"]),
                    vid)
        if int(r["count"]) != (want[0][0] if want else 0):
            problems.append("run %s: count %s, the table %r" % (r["run"], r["count"], want))
        if int(r["journeys.count"]) != rows(db, "SELECT journeys FROM runs WHERE id = ?",
                                            int(r["run"]))[0][0]:
            problems.append("run %s: journeys.count" % r["run"])
    if len(table) != len(runs):
        problems.append("%d rows, %d runs" % (len(table), len(runs)))
    tally.record("trend --variant --format csv: count run by run (0 where absent)", problems)
    for fmt in ("text", "md"):
        p = jmine(binary, ["trend", "--format", fmt, db])
        tally.record("trend --format %s" % fmt, [] if p.returncode == 0 and p.stdout else
                     ["exit %d" % p.returncode])


def check_diffs(tally, binary, work):
    """jmine diff of history runs against the oracle on the reports of the same logs."""
    db = work / "nights.db"
    logs = []
    for seed, n in ((1, 400), (2, 600)):
        log = work / ("night%d.csv" % seed)
        p = subprocess.run([sys.executable, str(GEN_LOG), "--seed", str(seed), "--journeys",
                            str(n), "-o", str(log)], capture_output=True)
        if p.returncode != 0:
            tally.record("gen-log", [p.stderr.decode()])
            return
        logs.append(log)
    old_log, new_log = work / "old.csv", work / "new.csv"
    diffcheck.write_log(old_log, diffcheck.OLD_NIGHT)
    diffcheck.write_log(new_log, diffcheck.NEW_NIGHT)
    logs += [old_log, new_log]
    docs = []
    for i, log in enumerate(logs):
        p = history(binary, db, log)
        if p.returncode != 0:
            tally.record("history of %s" % log.name, [p.stderr.decode()])
            return
        docs.append(diffcheck.report(binary, log, work / ("r%d.json" % i)))
    spec = lambda k: "%s:%d" % (db, k)  # noqa: E731
    diffcheck.check_pair(tally, binary, "history runs 1 -> 2 (generated nights)", spec(1),
                         spec(2), docs[0], docs[1])
    want = diffcheck.check_pair(tally, binary, "history runs last-1 -> last (hand-made)",
                                "%s:last-1" % db, "%s:last" % db, docs[2], docs[3])
    if want is not None:
        tally.record("hand-made nights from the history: Email vanished, Web > Call > Resolved "
                     "appeared",
                     [] if [r["id"] for r in want["vanished"]] ==
                     [diffcheck.variant_id(["Email"])] and [r["id"] for r in want["new"]] ==
                     [diffcheck.variant_id(["Web", "Call", "Resolved"])] else ["%r" % want])
    # The diff of two history runs is the diff of the two JSON reports, but for their names.
    a = jmine(binary, ["diff", "--format", "json", spec(1), spec(2)])
    b = jmine(binary, ["diff", "--format", "json", work / "r0.json", work / "r1.json"])
    da, dbb = json.loads(a.stdout)["diff"], json.loads(b.stdout)["diff"]
    for d in (da, dbb):
        d.pop("old", None)
        d.pop("new", None)
    tally.record("diff of history runs = diff of the JSON reports (--top 0)",
                 [] if da == dbb else ["they differ: %s" % [k for k in da if da[k] != dbb.get(k)]])
    diffcheck.check_alerts(tally, binary, "%s:last-1" % db, "%s:last" % db, docs[3], work)
    for args, rc, what in [(["%s:9" % db, spec(1)], 3, "a run that is not there"),
                           (["%s:first" % db, spec(1)], 3, "a run name that is not one"),
                           (["%s:last-4" % db, spec(1)], 3, "last-4 of four runs")]:
        p = jmine(binary, ["diff"] + args)
        tally.record("diff of %s: exit %d" % (what, rc),
                     [] if p.returncode == rc and p.stdout == b"" else
                     ["exit %d %s" % (p.returncode, p.stderr.decode())])
    return db


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jmine", required=True)
    args = ap.parse_args(argv)
    binary = str(Path(args.jmine).resolve())
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        a = work / "contacts.csv"
        a.write_bytes((REPO / "sample-logs" / "contacts.csv").read_bytes())
        b = work / "helpdesk.csv"
        b.write_bytes((REPO / "sample-logs" / "helpdesk-excerpt.csv").read_bytes())
        db = check_append_replace(tally, binary, work, a, b)
        check_tables(tally, binary, work, db, a, 1)
        check_concurrent(tally, binary, work, [a, b])
        check_failed(tally, binary, work, db, a)
        check_refused(tally, binary, work, a)
        check_upgrade(tally, binary, work, a)
        check_merge(tally, binary, work, a)
        check_trend(tally, binary, db)
        check_diffs(tally, binary, work)
    print("%d passed, %d failed" % (tally.passed, tally.failed))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
