#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The merge test (SPEC §10): logs cut by case into shards, each reported with --state-out, then
# `jmine merge` of the states compared byte for byte with one run over all the shards.
"""Run from the repository root:

    python3 tests/state/check-merge.py --jmine build/jmine

Generated logs (scripts/gen-log, with malformed rows, so rejections of every kind) are cut by
case id into 1 to 5 shard files.  Each shard is reported with `--state-out`; then for report
(text, json, md, several --top), variants (text, csv, json) and map (dot, json, with a cut)
`jmine merge --as CMD` of the states must equal `jmine CMD` over all the shards, byte for byte,
and the merged state must equal the state of the one run; a log's state must not depend on
the order of its rows (customer ids alike in their first 8 bytes).  Runs cover --step channel and
channel:activity, --split-gap, --collapse-loops and --long-wait, shards whose files lack the
end or channel column, and the refusals: states made with another --long-wait or --step
(exit 3 naming the option and both values), a truncated or damaged state (exit 3 naming the
file), and --state-out naming an input (exit 2).

The last line is always "N passed, N failed"; the exit status is 0 only if none failed.
"""

import argparse
import csv
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
import schema  # noqa: E402  (tests/schema.py: Tally)
GEN_LOG = REPO / "scripts" / "gen-log"
TIMEOUT = 120

# What is compared: (command, format, extra options).
OUTPUTS = [
    ("report", "text", []), ("report", "json", []), ("report", "md", []),
    ("report", "json", ["--top", "0"]), ("report", "text", ["--top", "3"]),
    ("variants", "text", []), ("variants", "csv", []), ("variants", "json", ["--top", "5"]),
    ("map", "dot", []), ("map", "json", []),
    ("map", "dot", ["--map-steps", "80", "--map-edges", "70"]),
]


def run(jmine, args, check=True):
    p = subprocess.run([jmine] + args, capture_output=True, timeout=TIMEOUT)
    if check and p.returncode != 0:
        raise RuntimeError("jmine %s: exit %d: %s" % (" ".join(args), p.returncode,
                                                      p.stderr.decode(errors="replace")))
    return p


def generate(path, seed, journeys, extra=()):
    subprocess.run([sys.executable, str(GEN_LOG), "--journeys", str(journeys), "--seed",
                    str(seed), "--malformed", "0.03", "--order", "shuffle", "-o", str(path)]
                   + list(extra), check=True, timeout=TIMEOUT)


def cut(path, n, outdir, drop=None):
    """Cut the log by case id into n shard files (a case's rows all in one); drop[k] names a
    column left out of shard k. Rows without a case go round robin."""
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    shards = [[] for _ in range(n)]
    for i, row in enumerate(body):
        case = row[0].strip(" \t") if row else ""
        k = zlib.crc32(case.encode("utf-8", "surrogateescape")) % n if case else i % n
        shards[k].append(row)
    files = []
    for k in range(n):
        col = header.index(drop[k]) if drop and drop.get(k) in header else None
        out = outdir / ("shard%d.csv" % k)
        with open(out, "w", newline="", encoding="utf-8", errors="surrogateescape") as f:
            w = csv.writer(f)
            for row in [header] + shards[k]:
                w.writerow([x for j, x in enumerate(row) if j != col])
        files.append(str(out))
    return files


def states_of(jmine, shards, opts, outdir):
    states = []
    for k, shard in enumerate(shards):
        st = str(outdir / ("shard%d.state" % k))
        run(jmine, ["report", "-q", "-o", "/dev/null", "--state-out", st] + opts + [shard])
        states.append(st)
    return states


def drop_option(opts, name):
    out, i = [], 0
    while i < len(opts):
        if opts[i] == name:
            i += 2
            continue
        out.append(opts[i])
        i += 1
    return out


def compare(jmine, tally, name, shards, states, opts, outdir, outputs=OUTPUTS):
    for cmd, fmt, extra in outputs:
        # --long-wait is the report's alone: the other commands' output does not depend on it.
        own = opts if cmd == "report" else drop_option(opts, "--long-wait")
        one = run(jmine, [cmd, "-q", "-f", fmt] + extra + own + shards)
        merged = run(jmine, ["merge", "--as", cmd, "-f", fmt] + extra + states, check=False)
        label = "%s: %s -f %s %s" % (name, cmd, fmt, " ".join(extra))
        tally.check(merged.returncode == 0 and merged.stdout == one.stdout, label,
                    "exit %d, %s" % (merged.returncode,
                                     merged.stderr.decode(errors="replace").strip()
                                     or "output differs"))
    whole = str(outdir / "whole.state")
    run(jmine, ["report", "-q", "-o", "/dev/null", "--state-out", whole] + opts + shards)
    mst = str(outdir / "merged.state")
    run(jmine, ["merge", "-o", "/dev/null", "--state-out", mst] + states)
    tally.check(Path(whole).read_bytes() == Path(mst).read_bytes(),
                "%s: merged state = the one run's" % name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jmine", required=True)
    args = ap.parse_args()
    jmine = str(Path(args.jmine).resolve())
    tally = schema.Tally()
    with tempfile.TemporaryDirectory(prefix="jm-merge-") as tmp:
        tmp = Path(tmp)
        log = tmp / "log.csv"
        configs = []
        for n in range(1, 6):
            for opts in ([], ["--step", "channel"], ["--step", "channel:activity"]):
                configs.append((n, opts))
        configs += [(3, ["--split-gap", "2d"]), (4, ["--collapse-loops", "1"]),
                    (2, ["--long-wait", "1h", "--collapse-loops", "2"]),
                    # Filters (SPEC §12) act on one case's journeys: shards merge exactly.
                    (3, ["--where", "channel!=sms", "--with", "Resolved", "--size", "2.."]),
                    (4, ["--from", "2024-03-01", "--to", "2024-09-01", "--window", "trim",
                         "--follows", "Ticket: open,Ticket: escalate"]),
                    (2, ["--split-gap", "2d", "--without", "Resolved", "--duration", "1h.."])]
        for i, (n, opts) in enumerate(configs):
            generate(log, 100 + i, 120 + 40 * n)
            d = tmp / ("c%d" % i)
            d.mkdir()
            shards = cut(log, n, d)
            states = states_of(jmine, shards, opts, d)
            compare(jmine, tally, "%d shards %s" % (n, " ".join(opts) or "(defaults)"),
                    shards, states, opts, d)

        # A state is canonical: the same rows in another order give the same bytes. Customers
        # are listed in byte order of their names; here their ids share the first 8 bytes and
        # some are a prefix of others, which a sort by those 8 bytes alone leaves in the order
        # they were met (rows reversed: met the other way round).
        subprocess.run([sys.executable, str(GEN_LOG), "--journeys", "400", "--seed", "9",
                        "--order", "time", "-o", str(log)], check=True, timeout=TIMEOUT)
        with open(log, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        col = rows[0].index("customer_id")
        for row in rows[1:]:
            if row[col]:
                v = row[col]
                row[col] = ("customer" if zlib.crc32(v.encode()) % 3 else "customer-") + v[::-1]
        got = []
        for body in (rows[1:], rows[:0:-1]):
            with open(log, "w", newline="", encoding="utf-8") as f:
                csv.writer(f).writerows([rows[0]] + body)
            st = str(tmp / "order.state")
            run(jmine, ["report", "-q", "-o", "/dev/null", "--state-out", st, str(log)])
            got.append(Path(st).read_bytes())
        tally.check(got[0] == got[1], "customer ids alike in their first 8 bytes: the state of "
                    "the rows reversed is the same bytes")

        # Shards whose files all lack a column: merged as one run reads them.
        generate(log, 7, 300)
        for drop in ({0: "end_time", 1: "end_time", 2: "end_time"},
                     {0: "channel", 1: "channel", 2: "channel"}):
            d = tmp / ("drop-" + "-".join("%d%s" % kv for kv in sorted(drop.items())))
            d.mkdir()
            shards = cut(log, 3, d, drop)
            states = states_of(jmine, shards, [], d)
            compare(jmine, tally, "3 shards, without %s" % drop, shards, states, [], d,
                    [o for o in OUTPUTS if o[0] == "report"])
        # Shards whose files disagree on the roles: one run refuses them (SPEC §1.1), and so
        # does the merge of their states, naming the role.
        for drop, role in (({0: "end_time"}, "end"), ({1: "channel"}, "channel")):
            d = tmp / ("disagree-" + role)
            d.mkdir()
            shards = cut(log, 3, d, drop)
            states = states_of(jmine, shards, [], d)
            one = run(jmine, ["report", "-q"] + shards, check=False)
            p = run(jmine, ["merge"] + states, check=False)
            err = p.stderr.decode(errors="replace")
            tally.check(one.returncode == 3 and p.returncode == 3 and role in err
                        and p.stdout == b"",
                        "states of files that disagree on the %s column: refused" % role,
                        "exit %d/%d: %s" % (one.returncode, p.returncode, err))

        # Refusals.
        d = tmp / "refused"
        d.mkdir()
        shards = cut(log, 2, d)
        a, b = str(d / "a.state"), str(d / "b.state")
        run(jmine, ["report", "-q", "-o", "/dev/null", "--state-out", a, shards[0]])
        for opt, val, shown in (("--long-wait", "1h", "48h"), ("--step", "channel", "activity"),
                                ("--split-gap", "30d", "off"), ("--tz", "Europe/Berlin", "UTC")):
            run(jmine, ["report", "-q", "-o", "/dev/null", "--state-out", b, opt, val,
                        shards[1]])
            p = run(jmine, ["merge", a, b], check=False)
            err = p.stderr.decode(errors="replace")
            tally.check(p.returncode == 3 and opt in err and val in err and shown in err
                        and b in err and p.stdout == b"",
                        "refused: %s %s" % (opt, val), "exit %d: %s" % (p.returncode, err))
        whole = Path(a).read_bytes()
        for what, data in (("truncated", whole[: len(whole) // 2]),
                           ("damaged", whole[:40] + bytes([whole[40] ^ 0x10]) + whole[41:]),
                           ("empty", b"")):
            bad = d / ("%s.state" % what)
            bad.write_bytes(data)
            p = run(jmine, ["merge", a, str(bad)], check=False)
            err = p.stderr.decode(errors="replace")
            tally.check(p.returncode == 3 and str(bad) in err and p.stdout == b"",
                        "refused: %s state" % what, err)
        p = run(jmine, ["report", "-q", "--state-out", shards[0], shards[0]], check=False)
        tally.check(p.returncode == 2, "--state-out naming an input: exit 2",
                    "exit %d" % p.returncode)
    print("%d passed, %d failed" % (tally.passed, tally.failed))
    return 0 if tally.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
