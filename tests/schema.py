#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The JSON outputs' contract (docs/*.schema.json): validation for every test, and the schema test.
"""Every JSON output jmine writes is checked against its schema in docs/:

    report    jmine report --format json      docs/report.schema.json
    variants  jmine variants --format json    docs/variants.schema.json
    map       jmine map --format json         docs/map.schema.json
    diff      jmine diff --format json        docs/diff.schema.json
    trend     jmine trend --format json       docs/trend.schema.json

The golden, oracle and hostile tests call validate(doc, kind).  They validate strictly: every
object the schema leaves open to later keys (`additionalProperties: true`) is closed, so a key
that jmine writes and the schema does not describe fails the tests, while a reader's own
validator still accepts what later versions add.

Run as a test (from the repository root):

    python3 tests/schema.py --jmine build/jmine

checks that the schemas are valid and describe every key, that the definitions the three files
share are identical, validates the golden tests' JSON outputs and jmine's JSON on the sample logs
with many options, and proves that the schema bites: a real report with a section deleted, a
count turned into a string, a negative count (and more) must each fail.

    python3 tests/schema.py KIND FILE...

validates files (or - for standard input) against one schema, strictly.
The last line of a test run is "N passed, N failed"; the exit status is 0 only if none failed.
"""

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

try:
    import jsonschema
    from jsonschema.validators import validator_for
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("tests/schema.py: python3-jsonschema is missing (scripts/setup --test-deps installs it)")

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
KINDS = ("report", "variants", "map")   # the commands that read logs
SCHEMAS = KINDS + ("diff", "trend")           # every JSON output with a schema
SHOW_ERRORS = 5

_cache = {}


class SchemaError(ValueError):
    """A document that its schema does not accept; the message lists where and why."""


def schema_path(kind):
    return DOCS / ("%s.schema.json" % kind)


def load(kind):
    """The schema of one kind of output, as the repository holds it."""
    with open(schema_path(kind), encoding="utf-8") as f:
        return json.load(f)


def closed(schema):
    """A copy of schema with every `additionalProperties: true` turned to false."""
    if isinstance(schema, dict):
        out = {}
        for k, v in schema.items():
            if k == "additionalProperties" and v is True:
                out[k] = False
            elif k in ("properties", "$defs", "definitions"):
                # Maps of names to schemas: a key named additionalProperties there is a name.
                out[k] = {name: closed(sub) for name, sub in v.items()}
            else:
                out[k] = closed(v)
        return out
    if isinstance(schema, list):
        return [closed(v) for v in schema]
    return schema


def validator(kind, strict=True):
    key = (kind, strict)
    if key not in _cache:
        if kind not in SCHEMAS:
            raise ValueError("no schema for %r (kinds: %s)" % (kind, ", ".join(SCHEMAS)))
        schema = load(kind)
        cls = validator_for(schema)
        cls.check_schema(schema)
        _cache[key] = cls(closed(schema) if strict else schema)
    return _cache[key]


def where(error):
    return "/".join(str(p) for p in error.absolute_path) or "(top)"


def errors(doc, kind, strict=True):
    """Every way doc fails the schema of kind, as lines "PATH: message" (empty if it passes)."""
    found = sorted(validator(kind, strict).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    return ["%s: %s" % (where(e), e.message[:300]) for e in found]


def validate(doc, kind, strict=True):
    """Raise SchemaError unless doc is a valid `kind` output (strict: no undescribed keys)."""
    problems = errors(doc, kind, strict)
    if problems:
        more = len(problems) - SHOW_ERRORS
        raise SchemaError("not a valid %s output (docs/%s.schema.json): %s%s"
                          % (kind, kind, "; ".join(problems[:SHOW_ERRORS]),
                             " ... and %d more" % more if more > 0 else ""))


def kind_of_args(args):
    """The schema for a jmine command line's JSON output: its command (report, variants, map)."""
    for a in args:
        if str(a) in KINDS:
            return str(a)
    raise ValueError("no report, variants or map command in %r" % (args,))


# ---------------------------------------------------------------------------------------------
# The schema test.

class Tally:
    """Counts passes and failures of a test script's checks and prints one line per check (the
    first `show` problems of a failed one under it)."""

    def __init__(self, show=8):
        self.passed = 0
        self.failed = 0
        self.show = show

    def record(self, name, problems):
        """A check named name, failed when problems (a list of lines) is not empty."""
        if problems:
            self.failed += 1
            print("FAIL %s" % name)
            for line in problems[:self.show]:
                print("    " + line)
            if len(problems) > self.show:
                print("    ... and %d more" % (len(problems) - self.show))
        else:
            self.passed += 1
            print("ok   %s" % name)
        sys.stdout.flush()
        return not problems

    def check(self, ok, name, detail=""):
        """A check named name that passed when ok; detail tells what was seen if not."""
        return self.record(name, [] if ok else [detail or "failed"])

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed))


def undescribed(schema, root, path="#"):
    """Properties without a description (the schema is the user's documentation); a property
    that is only a $ref takes the description of what it refers to."""
    out = []
    if isinstance(schema, dict):
        for name, sub in schema.get("properties", {}).items():
            if not isinstance(sub, dict) or str(sub.get("description", "")).strip():
                continue
            ref = sub.get("$ref", "")
            target = root.get("$defs", {}).get(ref[len("#/$defs/"):]) \
                if ref.startswith("#/$defs/") else None
            if not (isinstance(target, dict) and str(target.get("description", "")).strip()):
                out.append("%s/properties/%s has no description" % (path, name))
        # The keys of the documents; if/then/else only narrow what is described already.
        for k in ("properties", "$defs"):
            for name, sub in schema.get(k, {}).items():
                out += undescribed(sub, root, "%s/%s/%s" % (path, k, name))
        if "items" in schema:
            out += undescribed(schema["items"], root, path + "/items")
    return out


def check_schemas(tally):
    for kind in SCHEMAS:
        problems = []
        try:
            schema = load(kind)
            validator_for(schema).check_schema(schema)
        except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
            problems.append(str(e)[:300])
        else:
            problems += undescribed(schema, schema)
        tally.record("docs/%s.schema.json is a valid schema that describes every key" % kind,
                     problems)
    report = load("report")["$defs"]
    for kind in ("variants", "map"):
        problems = []
        for name, sub in load(kind)["$defs"].items():
            if report.get(name) != sub:
                problems.append("$defs/%s differs from report.schema.json's" % name)
        tally.record("docs/%s.schema.json shares report.schema.json's definitions" % kind,
                     problems)


GOLDEN_JSON = re.compile(r"\bjmine\s+(report|variants|map)\b[^;|&]*--format\s+json\b")


def check_golden(tally):
    """The golden tests compare outputs byte for byte, so their JSON files are the outputs."""
    cases = REPO / "tests" / "cli" / "cases"
    seen = 0
    for cmd in sorted(cases.glob("*.cmd")):
        text = cmd.read_text(encoding="utf-8")
        m = GOLDEN_JSON.search(text)
        rc = cmd.with_suffix(".rc")
        if not m or not rc.exists() or rc.read_text().strip() != "0":
            continue
        if "|" in text or "; jmine" in text or "done" in text:
            continue  # a pipeline or several commands: its output is not one JSON document
        seen += 1
        name = "golden %s (%s)" % (cmd.stem, m.group(1))
        try:
            doc = json.loads(cmd.with_suffix(".out").read_text(encoding="utf-8"))
            tally.record(name, errors(doc, m.group(1)))
        except (OSError, ValueError) as e:
            tally.record(name, ["not one JSON document: %s" % e])
    tally.record("golden tests with JSON output found", [] if seen >= 3 else
                 ["only %d golden cases with --format json: is the pattern stale?" % seen])


# Each sample log with the options that apply to it (a step by channel needs a channel column,
# the customer as case a customer_id column).
COMMON = [[], ["--top", "0"], ["--collapse-loops", "1", "--long-wait", "0s"]]
CHANNEL = [["--step", "channel"], ["--step", "channel:activity", "--top", "3"]]
CUSTOMER = [["--case", "customer_id", "--split-gap", "30d", "--long-wait", "1h"]]
SAMPLES = [("sample-logs/contacts.csv", COMMON + CHANNEL + CUSTOMER),
           ("sample-logs/contacts.csv.gz", COMMON),
           ("sample-logs/contacts-nochannel.csv", COMMON + CUSTOMER),
           ("sample-logs/contacts-shuffled-bad.csv", COMMON + CHANNEL + CUSTOMER),
           ("sample-logs/helpdesk-excerpt.csv", COMMON + [["--split-gap", "1d"]])]
MAP_OPTIONS = [[], ["--map-steps", "50"], ["--map-steps", "80", "--map-edges", "40"]]
ONLY_REPORT = {"--long-wait"}
NOT_MAP = {"--top"}


def jmine_json(jmine, args):
    proc = subprocess.run([jmine] + args, capture_output=True, timeout=300, cwd=REPO)
    if proc.returncode != 0:
        raise ValueError("exit %d: %s" % (proc.returncode,
                                          proc.stderr.decode("utf-8", "replace")[-300:]))
    return json.loads(proc.stdout.decode("utf-8"))


def without(opts, names):
    out, i = [], 0
    while i < len(opts):
        if opts[i] in names:
            i += 2
        else:
            out.append(opts[i])
            i += 1
    return out


def check_runs(tally, jmine):
    """jmine's JSON on the sample logs, every command, many options."""
    for log, options in SAMPLES:
        for opts in options:
            for cmd in KINDS:
                flags = opts
                if cmd != "report":
                    flags = without(flags, ONLY_REPORT)
                if cmd == "map":
                    flags = without(flags, NOT_MAP)
                runs = [flags] if cmd != "map" else [flags + m for m in MAP_OPTIONS]
                for f in runs:
                    args = [cmd, "--format", "json", "--quiet"] + f + [log]
                    name = "jmine " + " ".join(args)
                    try:
                        tally.record(name, errors(jmine_json(jmine, args), cmd))
                    except (OSError, ValueError, subprocess.TimeoutExpired) as e:
                        tally.record(name, [str(e)])


def mutations(kind, doc):
    """(what, broken copy) pairs: each must fail validation."""
    out = []

    def mutate(what, fn, strict=True):
        d = copy.deepcopy(doc)
        fn(d)
        out.append((what, d, strict))

    def set_at(path, value):
        def fn(d):
            for k in path[:-1]:
                d = d[k]
            d[path[-1]] = value
        return fn

    def delete(path):
        def fn(d):
            for k in path[:-1]:
                d = d[k]
            del d[path[-1]]
        return fn

    for section in list(doc):
        mutate("section %s deleted" % section, delete([section]))
    if kind == "report":
        mutate("input.rows deleted", delete(["input", "rows"]))
        mutate("input.rows a string", set_at(["input", "rows"], str(doc["input"]["rows"])))
        mutate("input.events negative", set_at(["input", "events"], -1))
        mutate("input.rejected a fraction", set_at(["input", "rejected"], 0.5))
        mutate("rejected_by_reason.bad_start deleted",
               delete(["input", "rejected_by_reason", "bad_start"]))
        mutate("input.columns.case null", set_at(["input", "columns", "case"], None))
        mutate("journeys.count a string", set_at(["journeys", "count"], "150"))
        mutate("journeys.contacts.median negative",
               set_at(["journeys", "contacts", "median"], -4))
        mutate("journeys.contacts gains a key (a closed object)",
               set_at(["journeys", "contacts", "mean"], 4.2), strict=False)
        mutate("journeys.duration_s.max negative", set_at(["journeys", "duration_s", "max"], -1))
        mutate("variants.top[0].count a string",
               set_at(["variants", "top", 0, "count"], str(doc["variants"]["top"][0]["count"])))
        mutate("variants.top[0].share above 1", set_at(["variants", "top", 0, "share"], 1.5))
        mutate("variants.top[0].id not 16 hex digits", set_at(["variants", "top", 0, "id"], "9EC4F9"))
        mutate("variants.top[0].steps empty", set_at(["variants", "top", 0, "steps"], []))
        mutate("loops.self_loops negative", set_at(["loops", "self_loops"], -3))
        mutate("loops.by_step a dict", set_at(["loops", "by_step"], {}))
        mutate("channels.switches null while present",
               set_at(["channels", "switches"], None))
        mutate("channels.present false but figures given",
               set_at(["channels", "present"], False))
        mutate("channels.matrix[0].median_wait_s a string",
               set_at(["channels", "matrix", 0, "median_wait_s"], "16694"))
        mutate("waits.long_waits negative", set_at(["waits", "long_waits"], -1))
        mutate("waits.longest[0].at not RFC 3339 UTC",
               set_at(["waits", "longest", 0, "at"], "2024-01-12 20:02:45+01:00"))
        mutate("waits.longest eleven long",
               lambda d: d["waits"]["longest"].extend(d["waits"]["longest"][:11]))
        mutate("map.edges: an edge from the start with a wait",
               lambda d: next(e for e in d["map"]["edges"] if e["from"] is None)
               .update(median_wait_s=1))
        mutate("act_first[0].kind unknown", set_at(["act_first", 0, "kind"], "guess"))
        mutate("a key the schema does not describe", set_at(["new_section"], {}))
        mutate("a row key the schema does not describe",
               set_at(["waits", "by_transition", 0, "undescribed"], 1))
    elif kind == "variants":
        mutate("variants.count a string", set_at(["variants", "count"], "99"))
        mutate("journeys.count negative", set_at(["journeys", "count"], -150))
        mutate("variants.top[0].duration_s.median deleted",
               delete(["variants", "top", 0, "duration_s", "median"]))
    elif kind == "map":
        mutate("cut.steps a string", set_at(["cut", "steps"], "2"))
        mutate("cut.event_share above 1", set_at(["cut", "event_share"], 2))
        mutate("map.nodes[0].events zero", set_at(["map", "nodes", 0, "events"], 0))
        mutate("map.edges[0].to a number", set_at(["map", "edges", 0, "to"], 7))
    return out


def check_bites(tally, jmine):
    """A real output passes; each broken copy fails (and the open/closed distinction holds)."""
    sources = {"report": ["report", "--format", "json", "sample-logs/contacts.csv"],
               "variants": ["variants", "--format", "json", "sample-logs/contacts.csv"],
               "map": ["map", "--format", "json", "sample-logs/contacts.csv"]}
    for kind, args in sources.items():
        try:
            doc = jmine_json(jmine, args)
        except (OSError, ValueError, subprocess.TimeoutExpired) as e:
            tally.record("schema bites (%s)" % kind, [str(e)])
            continue
        tally.record("a real %s output passes" % kind, errors(doc, kind))
        for what, broken, strict in mutations(kind, doc):
            failed = bool(errors(broken, kind, strict))
            tally.record("%s output with %s fails%s" % (kind, what, "" if strict else
                                                          " (even for a reader)"),
                         [] if failed else ["the schema accepted it"])
        if kind == "report":
            grown = copy.deepcopy(doc)
            grown["new_section"] = {"count": 1}
            grown["loops"]["new_figure"] = 2
            tally.record("a report with keys added later passes a reader's (open) validation",
                         errors(grown, kind, strict=False))


def main(argv):
    if len(argv) >= 2 and argv[0] in SCHEMAS:
        bad = 0
        for path in argv[1:]:
            text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
            problems = errors(json.loads(text), argv[0])
            for line in problems:
                print("%s: %s" % (path, line))
            bad += bool(problems)
        return 1 if bad else 0
    if len(argv) != 2 or argv[0] != "--jmine":
        print(__doc__.strip(), file=sys.stderr)
        return 2
    jmine = str(Path(argv[1]).resolve())
    tally = Tally()
    check_schemas(tally)
    check_golden(tally)
    check_bites(tally, jmine)
    check_runs(tally, jmine)
    print("%d passed, %d failed" % (tally.passed, tally.failed))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
