#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The oracle test: compares jmine's JSON with oracle.py's on generated logs and real public logs.
"""Run from the repository root:

    python3 tests/oracle/check.py --jmine build/jmine --generated
    python3 tests/oracle/check.py --jmine build/jmine --real

--generated makes small logs with scripts/gen-log in every input order, with and without
malformed rows and optional columns, plus runs for the step kinds, --split-gap,
--collapse-loops, --long-wait, gzip, CRLF, a log split over two files and the customer's view
(--self-service, --repeat-window, --max-handovers, --calendar in a zone with summer time,
--holidays); each `jmine report --format json --top 0` is compared key by key with the oracle
(input, journeys, variants, loops, channels, waits, map, customers, handovers), and the three orders of one seed must give the same
jmine JSON.  `jmine journeys` is compared row by row with the oracle's rows on most of them.
Every JSON output is validated against its schema in docs/ (tests/schema.py).

--real runs `jmine variants --format json` on the public logs in $JM_REAL_DATA (default
../shared/data/real) and compares the whole variant table; on the logs with a channel column
it compares the whole report and the `jmine journeys` rows.  Without that folder the test is
skipped (exit 77).

The last line is always "N passed, N failed"; the exit status is 0 only if none failed.
"""

import argparse
import csv
import decimal
import io
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
import oracle  # noqa: E402  (the oracle sits beside this file)
import schema  # noqa: E402  (tests/schema.py: the JSON outputs' contract)

REPO = Path(__file__).resolve().parents[2]
GEN_LOG = REPO / "scripts" / "gen-log"
EXIT_SKIP = 77
SHOW_DIFFS = 8       # differences printed per failed comparison
JMINE_TIMEOUT = 300  # seconds; a hang is a failure, not a stuck CTest

ORDERS = ["time", "case", "shuffle"]
MALFORMED = ["0", "0.03"]
COLUMNS = {"all": [], "no-end": ["--no-end"], "no-channel": ["--no-channel"]}
REAL_LOGS = ["helpdesk.csv", "bpic2013_incidents.csv.gz", "receipt.csv",
             "road_traffic_fines.csv.gz", "sepsis.csv"]
# Logs with a channel column, compared whole (every report section and the journeys rows).
REAL_FULL = [("receipt.csv", []),
             ("technion_callcenter_1999_08_events.csv.gz", []),
             ("receipt.csv", ["--long-wait", "1h", "--step", "channel:activity"]),
             ("technion_callcenter_1999_08_events.csv.gz",
              ["--case", "customer_id", "--split-gap", "7d", "--long-wait", "1h"])]
# Report sections whose seconds are exact milliseconds by definition: compared exactly.
EXACT_MS_SECTIONS = ("loops", "channels", "waits", "map")


class CheckError(Exception):
    """A run that gave no result to compare (crash, bad JSON, missing file)."""


def jmine_stdout(jmine, args):
    """(the command line, jmine's stdout bytes); CheckError if it cannot run or exits non-zero."""
    cmd = [jmine] + [str(a) for a in args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=JMINE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise CheckError("cannot run %s: %s" % (" ".join(cmd), e))
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise CheckError("exit %d from %s; stderr: %s"
                         % (proc.returncode, " ".join(cmd), " | ".join(err)))
    return " ".join(cmd), proc.stdout


def run_jmine(jmine, args):
    """jmine's stdout parsed as JSON and validated against its schema in docs/; CheckError if
    it fails or writes something else."""
    cmd, out = jmine_stdout(jmine, args)
    try:
        doc = json.loads(out.decode("utf-8"))
    except ValueError as e:
        raise CheckError("%s wrote no valid JSON: %s" % (cmd, e))
    try:
        schema.validate(doc, schema.kind_of_args(args))
    except schema.SchemaError as e:
        raise CheckError("%s: %s" % (cmd, e))
    return doc


def run_jmine_csv(jmine, args):
    """jmine's stdout read as CSV (bytes as latin-1 text): a list of rows."""
    cmd, out = jmine_stdout(jmine, args)
    try:
        text = out.decode("latin-1")
        return list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as e:
        raise CheckError("%s wrote no valid CSV: %s" % (cmd, e))


def run_oracle_both(files, flags):
    """The oracle's report and its `jmine journeys` rows."""
    options = oracle.make_options([str(a) for a in flags] + [str(f) for f in files])
    try:
        return oracle.analyse([str(f) for f in files], options)
    except oracle.OracleError as e:
        raise CheckError("oracle: %s" % e)


def run_oracle(files, flags):
    return run_oracle_both(files, flags)[0]


def generate(path, seed, journeys, flags):
    cmd = [sys.executable, str(GEN_LOG), "--seed", str(seed), "--journeys", str(journeys),
           "-o", str(path)] + flags
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        raise CheckError("gen-log failed: %s" % proc.stderr.decode("utf-8", "replace"))


def write_tie_log(path, seed, rows, more_channels=0):
    """A small log made to tie: few steps and cases with names whose byte order differs from
    their first-seen order, times on a coarse grid (equal waits, equal totals), ends that run
    past the next start (overlaps), empty ends and empty channels, and a step called "start".
    more_channels adds that many channels (past 256, jmine finds switches by hash, not in a
    matrix)."""
    rng = random.Random(seed)
    cases = ["c9", "c10", "C1", "b", "a", "\u00e9", "c1", "c 2"] + ["k%d" % i for i in range(60)]
    steps = ["start", "end", "b", "B", "a", "A b", "\u00e9", "z"]
    channels = ["web", "phone", "", "Chat", "email"] + ["ch%03d" % i for i in range(more_channels)]
    base = 1709287200000  # 2024-03-01T10:00:00Z
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["case_id", "activity", "channel", "start_time", "end_time"])
        for _ in range(rows):
            start = base + rng.randrange(40) * 600000 + rng.choice([0] * 8 + [250, 1, 999])
            end = rng.choice([None, start, start + 300000, start + 1800000, start + 12345])
            out.writerow([rng.choice(cases), rng.choice(steps), rng.choice(channels),
                          oracle.rfc3339(start), "" if end is None else oracle.rfc3339(end)])


def write_lookalike_log(path, seed, rows):
    """A small log whose steps and channels look alike to a quick glance: names of the same
    length that differ only in the middle (jmine remembers recent activity-channel pairs by
    their first and last bytes, then compares them whole), and pairs whose bytes run on from
    activity into channel ("ab" + "cd", "abc" + "d")."""
    rng = random.Random(seed)
    steps = ["Callback request %s (web form)" % c for c in "0123456789"]
    steps += ["ab", "abc", "a", "", "Call: billing question", "Call: billinG question"]
    steps = [x for x in steps if x]
    channels = ["cd", "d", "bcd", "", "phone", "phonE", "web chat, first line 1",
                "web chat, second line 1"]
    base = 1709287200000  # 2024-03-01T10:00:00Z
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["case_id", "activity", "channel", "start_time", "end_time"])
        for _ in range(rows):
            start = base + rng.randrange(100000) * 1000
            out.writerow(["c%d" % rng.randrange(300), rng.choice(steps), rng.choice(channels),
                          oracle.rfc3339(start), oracle.rfc3339(start + rng.randrange(600) * 1000)])


def write_many_kinds_log(path, seed, rows):
    """A log with a resource column whose batch meets 2,100 activities and 700 agents: jmine
    finds a row's (activity, channel, resource) kind in a grid of pair and resource ids while
    the grid stays under a million cells, and by the whole key past it (read in one batch, the
    rows here take both ways)."""
    rng = random.Random(seed)
    steps = ["Step %04d" % i for i in range(2100)]
    agents = ["AG%03d" % i for i in range(700)] + [""]
    channels = ["phone", "chat", "email", ""]
    base = 1709287200000  # 2024-03-01T10:00:00Z
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["case_id", "activity", "channel", "start_time", "end_time", "agent"])
        for i in range(rows):
            start = base + rng.randrange(100000) * 1000
            step = steps[i] if i < len(steps) else rng.choice(steps[:40])
            out.writerow(["c%d" % rng.randrange(rows // 8), step, rng.choice(channels),
                          oracle.rfc3339(start), oracle.rfc3339(start + rng.randrange(600) * 1000),
                          agents[i % len(agents)] if i < 3000 else rng.choice(agents[:50])])


def perturb_customers(path, seed):
    """Rewrites a generated log (no malformed rows) with a tenth of its rows given another
    customer and a tenth none."""
    rng = random.Random(seed)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    col = rows[0].index("customer_id")
    others = [r[col] for r in rows[1:200]]
    for r in rows[1:]:
        x = rng.random()
        if x < 0.1:
            r[col] = ""
        elif x < 0.2:
            r[col] = rng.choice(others)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def split_in_two(path, first, second):
    """Writes the log as two files, each with the header, cut at a record boundary."""
    data = Path(path).read_bytes()
    header_end = data.index(b"\n") + 1
    cut = len(data)
    in_quotes = False
    for i in range(header_end, len(data)):
        if data[i] == ord('"'):
            in_quotes = not in_quotes  # doubled quotes toggle twice, as they should
        elif data[i] == ord("\n") and not in_quotes and i >= len(data) // 2:
            cut = i + 1
            break
    Path(first).write_bytes(data[:cut])
    Path(second).write_bytes(data[:header_end] + data[cut:])


# ---------------------------------------------------------------------------------------------
# Comparing.

def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def numbers_agree(path, expected, actual, exact):
    if exact or (isinstance(expected, int) and isinstance(actual, int)):
        return expected == actual
    # Seconds are printed with millisecond precision; shares and ratios must be near exact.
    in_seconds = path.rsplit(".", 1)[-1].endswith("_s") or "duration_s" in path
    if in_seconds and path.split(".", 1)[0] in EXACT_MS_SECTIONS:
        # Waits, handling times and their medians, totals and rounded means are whole
        # milliseconds: the same decimal must come back (tolerance far below 1 ms).
        return math.isclose(expected, actual, rel_tol=1e-12, abs_tol=1e-6)
    return math.isclose(expected, actual, rel_tol=1e-6, abs_tol=1e-3 if in_seconds else 1e-6)


def differences(expected, actual, path="", exact=False, names=("oracle", "jmine")):
    """Every place where actual differs from expected, over expected's keys only."""
    where = path or "(top)"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return ["%s: %s has an object, %s %s"
                    % (where, names[0], names[1], json.dumps(actual)[:80])]
        out = []
        for key, value in expected.items():
            sub = "%s.%s" % (path, key) if path else key
            if key not in actual:
                out.append("%s: missing in %s" % (sub, names[1]))
            else:
                out += differences(value, actual[key], sub, exact, names)
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return ["%s: %s has a list, %s %s"
                    % (where, names[0], names[1], json.dumps(actual)[:80])]
        out = []
        if len(expected) != len(actual):
            out.append("%s: %s has %d entries, %s %d"
                       % (where, names[0], len(expected), names[1], len(actual)))
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += differences(e, a, "%s[%d]" % (path, i), exact, names)
        return out
    if is_number(expected) and is_number(actual):
        if numbers_agree(path, expected, actual, exact):
            return []
    elif expected == actual and type(expected) is type(actual):
        return []
    return ["%s: %s %s, %s %s"
            % (where, names[0], json.dumps(expected), names[1], json.dumps(actual))]


def seconds_as_ms(text):
    """A seconds field of jmine's CSV in whole milliseconds, or None if it is not that."""
    try:
        ms = decimal.Decimal(text) * 1000
    except decimal.InvalidOperation:
        return None
    return int(ms) if ms.is_finite() and ms == ms.to_integral_value() else None


def row_differences(expected, actual):
    """Every field where jmine's `journeys` CSV differs from the oracle's rows."""
    if not actual:
        return ["journeys: jmine wrote nothing"]
    out = []
    if actual[0] != oracle.JOURNEYS_HEADER:
        out.append("journeys header: oracle %s, jmine %s"
                   % (",".join(oracle.JOURNEYS_HEADER), ",".join(actual[0])))
    rows = actual[1:]
    if len(rows) != len(expected):
        out.append("journeys: oracle has %d rows, jmine %d" % (len(expected), len(rows)))
    for number, (want, got) in enumerate(zip(expected, rows), start=1):
        if len(got) != len(want):
            out.append("journeys row %d: jmine has %d fields: %s" % (number, len(got), got))
            continue
        for column, w, g in zip(oracle.JOURNEYS_HEADER, want, got):
            if column == "longest_wait_s" and w and g:
                same = seconds_as_ms(w) == seconds_as_ms(g)
            else:
                same = w == g
            if not same:
                out.append("journeys row %d (case %s) %s: oracle %s, jmine %s"
                           % (number, want[0], column, json.dumps(w), json.dumps(g)))
    return out


def compare_report(tally, jmine, name, files, flags, journeys=False, jmine_only=()):
    """jmine report vs the oracle on files; returns jmine's JSON, or None if it gave none.

    With journeys, `jmine journeys` with the same flags is compared too (a check of its own).
    jmine_only: flags given to jmine alone (threads, block size, memory: how it reads, not
    what it finds)."""
    try:
        expected, rows = run_oracle_both(files, flags)
    except CheckError as e:
        tally.record(name, [str(e)])
        return None
    actual = None
    try:
        actual = run_jmine(jmine, ["report", "--format", "json", "--top", "0"] + flags +
                           list(jmine_only) + files)
        tally.record(name, differences(expected, actual))
    except CheckError as e:
        tally.record(name, [str(e)])
    if journeys:
        name = name.replace("report", "journeys", 1)
        try:
            got = run_jmine_csv(jmine, ["journeys"] + flags + files)
            tally.record(name, row_differences(rows, got))
        except CheckError as e:
            tally.record(name, [str(e)])
    return actual


def compare_orders(tally, name, results):
    """The same log in every order must give the same JSON, but for the file names."""
    if any(r is None for r in results.values()):
        tally.record(name, ["not every order gave a result (see above)"])
        return
    stripped = {}
    for order, result in results.items():
        copy = json.loads(json.dumps(result))
        copy.get("input", {}).pop("files", None)
        stripped[order] = copy
    first = ORDERS[0]
    problems = []
    for order in ORDERS[1:]:
        problems += differences(stripped[first], stripped[order], exact=True,
                                names=("order=" + first, "order=" + order))
        # Keys present only in the later order show up when the comparison runs backwards.
        problems += [line for line in differences(stripped[order], stripped[first], exact=True,
                                                  names=("order=" + order, "order=" + first))
                     if ": missing in " in line]
    tally.record(name, problems)


# ---------------------------------------------------------------------------------------------
# The two modes.

# Options only `jmine report` takes.
REPORT_ONLY = {"--long-wait", "--repeat-window", "--self-service", "--max-handovers",
               "--calendar", "--holidays"}
CALENDAR = ("phone=Mon-Fri 08:00-18:00; email=Mon-Sun 00:00-24:00; "
            "*=Mon-Fri 08:00-17:00, Sat 10:00-14:00")
HOLIDAYS = str(REPO / "tests" / "cli" / "data" / "holidays-se.txt")


def journeys_for(seed):
    """Between 300 and 800 journeys, varied by seed so sizes differ from log to log."""
    return 300 + (seed * 97) % 501


def run_generated(tally, jmine, work):
    seed = 10
    for malformed in MALFORMED:
        for cname, cflags in COLUMNS.items():
            seed += 1
            results = {}
            for order in ORDERS:
                path = work / ("m%s-%s-%s.csv" % (malformed, cname, order))
                generate(path, seed, journeys_for(seed),
                         ["--order", order, "--malformed", malformed] + cflags)
                name = "report order=%s malformed=%s columns=%s" % (order, malformed, cname)
                results[order] = compare_report(tally, jmine, name, [path], [],
                                                journeys=True)
            compare_orders(tally, "same JSON in every order: malformed=%s columns=%s"
                           % (malformed, cname), results)

    # One run per option, each on its own log: (name, gen-log flags, jmine/oracle flags).
    extras = [
        ("--step channel", ["--order", "time"], ["--step", "channel"]),
        ("--step channel:activity", ["--order", "shuffle"], ["--step", "channel:activity"]),
        ("--split-gap 7d", ["--order", "case"], ["--split-gap", "7d"]),
        ("--collapse-loops 2", ["--order", "shuffle"], ["--collapse-loops", "2"]),
        ("customer as case, --split-gap 30d", ["--order", "shuffle"],
         ["--case", "customer_id", "--split-gap", "30d"]),
        ("--long-wait 1h", ["--order", "shuffle"], ["--long-wait", "1h"]),
        ("--long-wait 0s", ["--order", "case", "--no-end"], ["--long-wait", "0s"]),
        ("--long-wait 90m --split-gap 30d, customer as case", ["--order", "time"],
         ["--long-wait", "90m", "--case", "customer_id", "--split-gap", "30d"]),
        ("gzip input (no .gz in its name)", ["--order", "shuffle", "--gzip"], []),
        ("customer's view: --self-service web,chat --repeat-window 3d --max-handovers 2",
         ["--order", "shuffle"],
         ["--self-service", "web,chat", "--repeat-window", "3d", "--max-handovers", "2"]),
        ("customer's view: --repeat-window 1h --split-gap 2d, no channel",
         ["--order", "case", "--no-channel"], ["--repeat-window", "1h", "--split-gap", "2d"]),
        ("business time: --calendar in Europe/Stockholm, --holidays",
         ["--order", "time"], ["--calendar", CALENDAR, "--tz", "Europe/Stockholm",
                               "--holidays", HOLIDAYS, "--self-service", "web"]),
        ("business time: --calendar in Europe/Berlin, no end column",
         ["--order", "shuffle", "--no-end"], ["--calendar", CALENDAR, "--tz", "Europe/Berlin"]),
        ("CRLF line ends", ["--order", "time", "--crlf"], []),
    ]
    for i, (name, gen_flags, flags) in enumerate(extras):
        seed = 40 + i
        path = work / ("extra-%d.csv" % i)
        generate(path, seed, journeys_for(seed), gen_flags + ["--malformed", "0.03"])
        # --long-wait and the customer's view change nothing in `jmine journeys` (nor does it
        # take those options).
        compare_report(tally, jmine, "report " + name, [path], flags,
                       journeys=not REPORT_ONLY & set(flags))

    # Made to tie, so that every ordering rule has to break ties by byte order.
    for i, flags in enumerate([[], ["--long-wait", "20m"], ["--step", "channel:activity"],
                               ["--collapse-loops", "1", "--long-wait", "0s"]]):
        path = work / ("ties-%d.csv" % i)
        write_tie_log(path, 70 + i, 400)
        compare_report(tally, jmine, "report ties %s" % " ".join(flags or ["(defaults)"]),
                       [path], flags, journeys="--long-wait" not in flags)

    path = work / "ties-channels.csv"
    write_tie_log(path, 75, 3000, more_channels=300)
    compare_report(tally, jmine, "report ties, 305 channels", [path], [], journeys=True)

    for i, flags in enumerate([[], ["--step", "channel:activity"]]):
        path = work / ("lookalike-%d.csv" % i)
        write_lookalike_log(path, 80 + i, 3000)
        compare_report(tally, jmine, "report look-alike names %s" % " ".join(flags or ["(defaults)"]),
                       [path], flags, journeys=True)

    path = work / "many-kinds.csv"
    write_many_kinds_log(path, 85, 6000)
    compare_report(tally, jmine, "report 2,100 activities by 700 agents", [path], [],
                   journeys=True)

    # Filters (SPEC §12): each alone, and combinations where the order matters (--keep-coverage
    # before or after another filter keeps different journeys).
    filter_runs = [
        ["--where", "channel=phone,chat"],
        ["--where", "channel!=sms", "--where", "#3!=web"],
        ["--where", "Channel=email"],
        ["--with", "Ticket: open"],
        ["--without", "Resolved"],
        ["--starts-with", "Call: billing question"],
        ["--ends-with", "SMS: satisfaction survey"],
        ["--follows", "Ticket: open,Ticket: escalate"],
        ["--eventually", "Call: billing question,Resolved"],
        ["--size", "3.."], ["--size", "..2"], ["--size", "2..4"],
        ["--duration", "1h.."], ["--duration", "..30m"], ["--duration", "10m..2d"],
        ["--from", "2024-03-01", "--to", "2024-06-01"],
        ["--from", "2024-03-01", "--to", "2024-06-01", "--window", "contained"],
        ["--from", "2024-03-01", "--window", "started"],
        ["--to", "2024-06-01T12:00:00Z", "--window", "completed"],
        ["--from", "2024-03-01", "--to", "2024-06-01", "--window", "trim"],
        ["--keep-coverage", "50%"], ["--keep-coverage", "100"],
        ["--coverage", "80%"],
        ["--keep-coverage", "60%", "--with", "Ticket: open"],
        ["--with", "Ticket: open", "--keep-coverage", "60%"],
        ["--keep-coverage", "70%", "--size", "3..", "--keep-coverage", "50%"],
        ["--where", "channel!=sms", "--from", "2024-02-01", "--window", "trim", "--size", "2..",
         "--keep-coverage", "80%", "--ends-with", "Resolved", "--coverage", "90"],
        ["--with", "No such step"],
        ["--without", "No such step", "--follows", "Resolved,Nothing"],
        ["--with", "Resolved", "--size", "99.."],
        ["--split-gap", "7d", "--with", "Resolved", "--collapse-loops", "1",
         "--keep-coverage", "40%"],
        ["--step", "channel", "--follows", "phone,ticket", "--without", "sms"],
    ]
    for i, flags in enumerate(filter_runs):
        seed = 90 + i % 4
        path = work / ("filters-%d.csv" % (i % 4))
        if not path.exists():
            generate(path, seed, journeys_for(seed), ["--order", "shuffle", "--malformed", "0.03"])
        compare_report(tally, jmine, "report filters %s" % " ".join(flags), [path], flags,
                       journeys="--coverage" not in flags)

    # Customers that change within a case (SPEC section 9: a journey's customer is that of its
    # first event that has one): rows given another customer, or none. Read in small ranges
    # and with --memory, so that a case's rows meet in several batches and spill.
    path = work / "customers-change.csv"
    generate(path, 61, journeys_for(61), ["--order", "shuffle"])
    perturb_customers(path, 61)
    for only in ([], ["-j", "2", "--block-size", "64K"], ["-j", "1", "--memory", "1M"]):
        compare_report(tally, jmine, "report customers that change within a case %s"
                       % " ".join(only or ["(one read)"]), [path], ["--repeat-window", "3d"],
                       jmine_only=only)

    whole = work / "whole.csv"
    generate(whole, 60, journeys_for(60), ["--order", "time", "--malformed", "0.03"])
    halves = [work / "yesterday.csv", work / "today.csv"]
    split_in_two(whole, *halves)
    compare_report(tally, jmine, "report one log in two files", halves, [], journeys=True)


def real_data_dir():
    env = os.environ.get("JM_REAL_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data" / "real"


def variants_view(report):
    """The part of the oracle's report that `jmine variants --format json` writes."""
    keep = ("rank", "id", "count", "steps")
    return {"journeys": {"count": report["journeys"]["count"]},
            "variants": {"count": report["variants"]["count"],
                         "top": [{k: v[k] for k in keep} for v in report["variants"]["top"]]}}


def run_real(tally, jmine):
    data = real_data_dir()
    if not data.is_dir():
        print("SKIP: ../shared/data/real not found")
        return EXIT_SKIP
    table = ["| file | rows | events | rejected | journeys | variants | oracle agrees |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for name in REAL_LOGS:
        path = data / name
        expected = None
        try:
            expected = run_oracle([path], [])
            actual = run_jmine(jmine, ["variants", "--format", "json", path])
            problems = differences(variants_view(expected), actual)
        except CheckError as e:
            problems = [str(e)]
        agrees = tally.record("variants " + name, problems)
        if expected:
            i, j = expected["input"], expected["journeys"]
            table.append("| %s | %d | %d | %d | %d | %d | %s |"
                         % (name, i["rows"], i["events"], i["rejected"], j["count"],
                            expected["variants"]["count"], "yes" if agrees else "no"))
        else:
            table.append("| %s | - | - | - | - | - | no |" % name)
    print()
    print("\n".join(table))
    print()

    # Logs with a channel column: the whole report, every section, and the journeys rows.
    for name, flags in REAL_FULL:
        compare_report(tally, jmine, " ".join(["report", name] + flags), [data / name], flags,
                       journeys="--long-wait" not in flags)
    return 0


def main(argv):
    p = argparse.ArgumentParser(prog="check.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--jmine", required=True, metavar="PATH", help="the jmine executable")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--generated", action="store_true", help="check on generated logs")
    mode.add_argument("--real", action="store_true", help="check on the real public logs")
    p.add_argument("--keep", action="store_true", help="keep the generated logs and say where")
    args = p.parse_args(argv)

    tally = schema.Tally(show=SHOW_DIFFS)
    if args.real:
        if run_real(tally, args.jmine) == EXIT_SKIP:
            return EXIT_SKIP
    else:
        work = Path(tempfile.mkdtemp(prefix="jmine-oracle-"))
        try:
            run_generated(tally, args.jmine, work)
        except CheckError as e:
            tally.record("generating the logs", [str(e)])
        finally:
            if args.keep:
                print("logs kept in %s" % work)
            else:
                shutil.rmtree(work)
    tally.summary()
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
