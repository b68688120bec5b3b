#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The privacy test (SPEC §8): --pseudonymize checked against Python's hmac on generated logs.
"""Run from the repository root:

    python3 tests/privacy/check-pseudonyms.py --jmine build/jmine

A generated log (scripts/gen-log, with malformed rows, so that the rejects file has rows) is
read with `--pseudonymize KEY` by report (json, text, md, with --state-out and --rejects),
journeys (with --rejects), variants and map. Every case id in the JSON report's
waits.longest and in the journeys CSV must be the first 16 hex digits of
HMAC-SHA-256(key, id) of an input case id (Python's hmac and hashlib), every input case id's
pseudonym must be in the journeys CSV, the rejects file's case and customer columns must hold
pseudonyms, and no input case or customer id may appear anywhere in any output (the state
included). The same key gives the same bytes on a second run, another key other pseudonyms.
The key file: readable by group or others, missing, or empty is exit 2 (naming the file and
chmod 600); one final newline is not part of the key. Merge: states of shards made with the
key merge into the one run's bytes; a merge given the key over states made without it gives
the same; states made with another key are refused (exit 3).

The last line is always "N passed, N failed"; the exit status is 0 only if none failed.
"""

import argparse
import csv
import hashlib
import hmac
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
import schema  # noqa: E402

GEN_LOG = REPO / "scripts" / "gen-log"
TIMEOUT = 120
ID_RE = re.compile(rb"J\d{6}|CU\d{6}")  # the generator's case and customer ids


def pseudonym(key, ident):
    return hmac.new(key, ident, hashlib.sha256).hexdigest()[:16]


def run(jmine, args, **kw):
    return subprocess.run([jmine] + args, capture_output=True, timeout=TIMEOUT, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jmine", required=True)
    a = ap.parse_args()
    jm = str(Path(a.jmine).resolve())
    t = schema.Tally()
    with tempfile.TemporaryDirectory(prefix="jmine-privacy-") as tmp:
        tmp = Path(tmp)
        log = tmp / "log.csv"
        subprocess.run([sys.executable, str(GEN_LOG), "--journeys", "400", "--seed", "7",
                        "--malformed", "0.04", "--order", "shuffle", "-o", str(log)], check=True)
        raw = log.read_bytes()
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8", "replace"), newline="")))
        cases = {r[0].encode() for r in rows[1:] if len(r) == 8 and r[0]}
        custs = {r[1].encode() for r in rows[1:] if len(r) == 8 and r[1]}
        key = b"a key only the team has \x00\xff"
        keyf = tmp / "key"
        keyf.write_bytes(key + b"\n")  # the final newline is not part of the key
        os.chmod(keyf, 0o600)
        expect = {pseudonym(key, c) for c in cases}
        pseud = ["--pseudonymize", str(keyf)]

        # Every output of every command.
        outs = {}
        r = run(jm, ["report", "-q", "-f", "json", "--top", "0", "--long-wait", "1h",
                     "--rejects", str(tmp / "rej-report.csv"), "--state-out", str(tmp / "s"),
                     str(log)] + pseud)
        t.check(r.returncode == 0, "report --pseudonymize runs", r.stderr.decode()[:300])
        outs["report json"] = r.stdout
        rep = json.loads(r.stdout or b"{}")
        try:
            schema.validate(rep, "report")
            t.check(True, "report json is valid against docs/report.schema.json")
        except schema.SchemaError as e:
            t.check(False, "report json is valid against docs/report.schema.json", str(e))
        t.check(rep.get("privacy", {}).get("pseudonymized") is True, "privacy.pseudonymized true")
        longest = [x["case"] for x in rep.get("waits", {}).get("longest", [])]
        t.check(len(longest) > 0 and all(c in expect for c in longest),
                "every waits.longest[].case is the HMAC of an input case id (%d)" % len(longest),
                str([c for c in longest if c not in expect][:5]))
        for fmt in ("text", "md"):
            r = run(jm, ["report", "-q", "-f", fmt, "--top", "0", str(log)] + pseud)
            outs["report " + fmt] = r.stdout
            t.check(b"pseudonymized" in r.stdout, "report %s says the ids are pseudonymized" % fmt)
        r = run(jm, ["journeys", "-q", "--rejects", str(tmp / "rej-journeys.csv"), str(log)] + pseud)
        outs["journeys"] = r.stdout
        jrows = list(csv.reader(io.StringIO(r.stdout.decode(), newline="")))
        jcases = [x[0] for x in jrows[1:]]
        t.check(r.returncode == 0 and len(jcases) > 0 and set(jcases) <= expect,
                "every journeys CSV case_id is the HMAC of an input case id (%d rows)" % len(jcases),
                str([c for c in jcases if c not in expect][:5]))
        plain = run(jm, ["journeys", "-q", str(log)])
        pcases = {x.split(",")[0].encode() for x in plain.stdout.decode().splitlines()[1:]}
        t.check(set(jcases) == {pseudonym(key, c) for c in pcases},
                "the journeys CSV holds the pseudonym of every case the plain run lists")
        for cmd, fmt in (("variants", "csv"), ("variants", "json"), ("map", "json"), ("map", "dot")):
            r = run(jm, [cmd, "-q", "-f", fmt, str(log)] + pseud)
            outs["%s %s" % (cmd, fmt)] = r.stdout
        outs["state"] = (tmp / "s").read_bytes()
        for name in ("rej-report.csv", "rej-journeys.csv"):
            b = (tmp / name).read_bytes()
            outs[name] = b
            rr = list(csv.reader(io.StringIO(b.decode("utf-8", "replace"), newline="")))
            hexes = [x[i] for x in rr[1:] for i in (0, 1) if len(x) > 1 and x[i]]
            t.check(len(rr) > 1 and all(re.fullmatch(r"[0-9a-f]{16}", h) for h in hexes),
                    "%s: %d rejected rows, their case and customer fields pseudonyms" % (name, len(rr) - 1),
                    str([h for h in hexes if not re.fullmatch(r"[0-9a-f]{16}", h)][:5]))
        # No input id anywhere: the ids of well-formed rows, and anything shaped like one.
        for name, b in outs.items():
            leaked = [c for c in cases | custs if c in b]
            shaped = ID_RE.findall(b)
            t.check(len(b) > 0 and not leaked and not shaped, "no input id in %s" % name,
                    str((leaked + shaped)[:5]))
        # The same input without the key does show them (the check above can fail).
        r = run(jm, ["report", "-q", "-f", "json", "--top", "0", "--long-wait", "1h", str(log)])
        t.check(ID_RE.search(r.stdout) is not None and b'"pseudonymized": false' in r.stdout,
                "without --pseudonymize the ids are there and privacy.pseudonymized is false")

        # Threads and a spill to disk give the same pseudonyms in the same order.
        r = run(jm, ["journeys", "-q", "-j", "2", "--block-size", "64K", "--memory", "16K",
                     "--rejects", str(tmp / "rej-j2.csv"), str(log)] + pseud)
        t.check(r.stdout == outs["journeys"] and (tmp / "rej-j2.csv").read_bytes()
                == outs["rej-journeys.csv"], "-j 2 --memory 16K (a spill): the same journeys CSV and rejects",
                r.stderr.decode()[:300])

        # Same key, same pseudonyms; another key, others.
        r = run(jm, ["report", "-q", "-f", "json", "--top", "0", "--long-wait", "1h", str(log)] + pseud)
        t.check(r.stdout == outs["report json"], "the same key gives the same report, byte for byte")
        key2 = tmp / "key2"
        key2.write_bytes(key)  # no final newline: the same key
        os.chmod(key2, 0o600)
        r = run(jm, ["journeys", "-q", str(log), "--pseudonymize", str(key2)])
        t.check(r.stdout == outs["journeys"], "a key file without the final newline is the same key")
        key3 = tmp / "key3"
        key3.write_bytes(b"another key\n")
        os.chmod(key3, 0o600)
        r = run(jm, ["journeys", "-q", str(log), "--pseudonymize", str(key3)])
        other = {x.split(",")[0] for x in r.stdout.decode().splitlines()[1:]}
        t.check(len(other) == len(set(jcases)) and not other & set(jcases),
                "another key gives other pseudonyms")

        # The key file's checks: exit 2, naming the file.
        for mode in (0o644, 0o640, 0o604, 0o620):
            os.chmod(key2, mode)
            r = run(jm, ["report", "-q", str(log), "--pseudonymize", str(key2)])
            err = r.stderr.decode()
            t.check(r.returncode == 2 and str(key2) in err and "chmod 600" in err and not r.stdout,
                    "a key file of mode %03o is exit 2 naming it and chmod 600" % mode, err[:300])
        empty = tmp / "empty"
        empty.write_bytes(b"\n")
        os.chmod(empty, 0o600)
        for f, what in ((empty, "empty"), (tmp / "absent", "missing")):
            r = run(jm, ["journeys", "-q", str(log), "--pseudonymize", str(f)])
            t.check(r.returncode == 2 and str(f) in r.stderr.decode() and not r.stdout,
                    "a %s key file is exit 2 naming it" % what, r.stderr.decode()[:300])
        r = run(jm, ["report", "-q", "-o", str(keyf), str(log)] + pseud)
        t.check(r.returncode == 2 and keyf.read_bytes() == key + b"\n",
                "-o naming the key file is exit 2 and leaves it alone", r.stderr.decode()[:300])

        # Merge: shards cut by case, states with the key, merged = one run with the key.
        shards = [tmp / ("shard%d.csv" % i) for i in range(2)]
        good = tmp / "good.csv"
        subprocess.run([sys.executable, str(GEN_LOG), "--journeys", "300", "--seed", "8",
                        "-o", str(good)], check=True)
        grows = list(csv.reader(io.StringIO(good.read_text(encoding="utf-8"), newline="")))
        for i, s in enumerate(shards):
            with open(s, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(grows[0])
                w.writerows(x for x in grows[1:] if int(x[0][1:]) % 2 == i)
        whole = run(jm, ["report", "-q", "-f", "json", "--top", "0", "--long-wait", "1h"]
                    + [str(s) for s in shards] + pseud).stdout
        keyed, plain_states = [], []
        for i, s in enumerate(shards):
            for out, extra in (("k%d" % i, pseud), ("p%d" % i, [])):
                r = run(jm, ["report", "-q", "--long-wait", "1h", "--state-out", str(tmp / out),
                             str(s)] + extra)
                t.check(r.returncode == 0, "state of shard %d%s" % (i, " with the key" if extra else ""),
                        r.stderr.decode()[:300])
            keyed.append(str(tmp / ("k%d" % i)))
            plain_states.append(str(tmp / ("p%d" % i)))
        r = run(jm, ["merge", "-f", "json", "--top", "0"] + keyed)
        t.check(r.returncode == 0 and r.stdout == whole and len(whole) > 0,
                "merge of states made with the key = one run with the key", r.stderr.decode()[:300])
        r = run(jm, ["merge", "-f", "json", "--top", "0"] + plain_states + pseud)
        t.check(r.returncode == 0 and r.stdout == whole,
                "merge --pseudonymize of states made without it = one run with the key",
                r.stderr.decode()[:300])
        r = run(jm, ["merge", "-f", "json", "--top", "0"] + keyed + pseud)
        t.check(r.returncode == 0 and r.stdout == whole,
                "merge --pseudonymize of states made with the same key keeps their pseudonyms")
        r = run(jm, ["merge", "-f", "json"] + keyed + ["--pseudonymize", str(key3)])
        t.check(r.returncode == 3 and b"another --pseudonymize key" in r.stderr,
                "merge with another key than the states' is exit 3", r.stderr.decode()[:300])
        r = run(jm, ["merge", "-f", "json", keyed[0], plain_states[1]])
        t.check(r.returncode == 3 and b"--pseudonymize" in r.stderr,
                "a pseudonymized state and a plain one do not merge (exit 3)", r.stderr.decode()[:300])
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
