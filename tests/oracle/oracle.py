#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# An independent, slow, plainly written computation of the spec's journey and analysis figures.
"""Oracle for jmine: reads event logs and prints, as JSON, the input counts, the journey
distributions, the full variant table, loops, channel switches, waits and the process map,
defined as in SPEC.md sections 1-4 (or, with --journeys, the rows of `jmine journeys`).

It shares no code or design with the C tool: Python's csv module reads the files, datetime
checks the times, and everything is held in memory and computed the obvious way.

    oracle.py [--step activity|channel|channel:activity] [--split-gap D]
              [--collapse-loops K] [--long-wait D] [--delimiter C] [--case NAME]
              [--activity NAME] [--start NAME] [--end NAME] [--channel NAME]
              [--where COL=V1,V2 | COL!=V1,V2]... [--from T] [--to T] [--window MODE]
              [--with S] [--without S] [--starts-with S] [--ends-with S] [--follows A,B]
              [--eventually A,B] [--size MIN..MAX] [--duration MIN..MAX]
              [--keep-coverage P%] [--coverage P%] [--journeys] FILE...

Filters (SPEC §12) are applied in the order given: --where as rows are read (after the field
count check), the others on the journeys, the time window where --from or --to first stands.
"""

import argparse
import bisect
import csv
import datetime
import functools
import gzip
import hashlib
import io
import json
import re
import signal
import sys

FIELD_LIMIT = 1 << 20  # bytes; a longer field rejects its row

REASONS = ["field_too_long", "field_count", "empty_case", "empty_activity", "bad_start",
           "bad_end", "end_before_start"]

# Header names that give a column its role, after normalise_name().
CANDIDATES = {
    "case": ["caseid", "case", "case:concept:name", "ticketid", "ticket"],
    "activity": ["activity", "concept:name", "activityname", "eventname"],
    "start": ["timestamp", "starttime", "time:timestamp", "start", "starttimestamp",
              "startdate", "time", "datetime"],
    "end": ["endtime", "completetime", "end", "endtimestamp", "completetimestamp", "enddate",
            "completedate"],
    "channel": ["channel", "contacttype", "contactchannel", "contactchannelid", "case:channel",
                "channelid"],
    "customer": ["customerid", "customer", "clientid", "client"],
    "resource": ["agent", "resource", "org:resource", "agentid", "agentname"],
}

# Where several columns match a role, the one spelt exactly like one of these wins (the
# README's table of names: the same words with their underscores).
EXACT = {
    "case": ["case_id", "case:concept:name", "ticket_id", "case", "ticket"],
    "activity": ["activity", "concept:name", "activity_name", "event_name"],
    "start": ["timestamp", "start_time", "time:timestamp", "start", "start_timestamp",
              "start_date", "time", "datetime"],
    "end": ["end_time", "complete_time", "end", "end_timestamp", "complete_timestamp",
            "end_date", "complete_date"],
    "channel": ["channel", "contact_type", "contact_channel", "contact_channel_id",
                "case:channel", "channel_id"],
    "customer": ["customer_id", "customer", "client_id", "client"],
    "resource": ["agent", "resource", "org:resource", "agent_id", "agent_name"],
}

DELIMITERS = [",", ";", "\t", "|"]  # in the order that breaks ties

UTC = datetime.timezone.utc
LOCAL_ZONE = [UTC]  # --tz: the zone of times without an offset (set by make_options)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)


class OracleError(Exception):
    """The input cannot be used at all (what jmine answers with exit 3)."""


class UsageError(Exception):
    """A bad option value (what jmine answers with exit 2)."""


# ---------------------------------------------------------------------------------------------
# Reading files.

def read_text(path):
    """A file's bytes as a str with one char per byte (latin-1), gunzipped if it is gzip."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("latin-1")


def detect_delimiter(text):
    """The candidate that occurs most often outside quotes in the header line."""
    counts = {d: 0 for d in DELIMITERS}
    in_quotes = False
    for ch in text:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in "\r\n":
            break
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    best = DELIMITERS[0]
    for d in DELIMITERS:
        if counts[d] > counts[best]:
            best = d
    return best


def read_records(path, delimiter):
    """The header and the data records of one file (blank lines are not records)."""
    text = read_text(path)
    if delimiter is None:
        delimiter = detect_delimiter(text)
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, strict=True)
    try:
        records = [r for r in reader if r != []]
    except csv.Error as e:
        raise OracleError("%s: line %d: %s" % (path, reader.line_num, e))
    if not records:
        raise OracleError("%s: no header" % path)
    return records[0], records[1:]


def normalise_name(name):
    """Header name for matching: ASCII lowercase, without spaces, '_' and '-'."""
    out = []
    for ch in name:
        if ch in " _-":
            continue
        out.append(ch.lower() if "A" <= ch <= "Z" else ch)
    return "".join(out)


def find_column(header, role, override):
    """Index of the column that plays role, or None; OracleError on an unsettled tie."""
    if override is not None:
        if override not in header:
            raise OracleError("no column %r for --%s; columns: %s" % (override, role, header))
        return header.index(override)
    matches = [i for i, h in enumerate(header) if normalise_name(h) in CANDIDATES[role]]
    if len(matches) > 1:
        exact = [i for i in matches if header[i] in EXACT[role]]
        if len(exact) != 1:
            raise OracleError("several columns for %s: %s" % (role, [header[i] for i in matches]))
        matches = exact
    return matches[0] if matches else None


def find_roles(header, overrides):
    """Column index per role; a log without start but with an end column starts at its end."""
    roles = {role: find_column(header, role, overrides.get(role)) for role in CANDIDATES}
    if roles["start"] is None and roles["end"] is not None:
        roles["start"], roles["end"] = roles["end"], None
    for role in ("case", "activity", "start"):
        if roles[role] is None:
            raise OracleError("no %s column; columns: %s" % (role, header))
    return roles


# ---------------------------------------------------------------------------------------------
# Times.

ISO_TIME = re.compile(
    r"(\d{4})([-/])(\d{2})\2(\d{2})"                      # date, '-' or '/' throughout
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"     # time, optional seconds, fraction
    r"(Z|[+-]\d{2}(?::?\d{2})?)?)?", re.ASCII)            # zone, only after a time


@functools.lru_cache(maxsize=1 << 16)
def parse_time(text):
    """UTC milliseconds since 1970 for a time field, or None if it does not parse."""
    if text.isdigit() and text.isascii():
        if len(text) <= 11:
            return int(text) * 1000
        if len(text) <= 14:
            return int(text)
        return None
    m = ISO_TIME.fullmatch(text)
    if not m:
        return None
    year, _, month, day, hour, minute, second, fraction, zone = m.groups()
    millis = (fraction or "")[:3].ljust(3, "0")  # truncated to milliseconds
    iso = "%s-%s-%sT%s:%s:%s.%s000" % (year, month, day, hour or "00", minute or "00",
                                       second or "00", millis)
    if zone and zone != "Z":
        digits = zone[1:].replace(":", "")
        iso += zone[0] + digits[:2] + ":" + (digits[2:] or "00")
    try:
        when = datetime.datetime.fromisoformat(iso)
    except ValueError:
        return None  # month 13, 30 February, hour 24, offset beyond 23:59 ...
    if when.tzinfo is None:
        # Z is UTC; a time without an offset is read in --tz (UTC by default).
        when = when.replace(tzinfo=UTC if zone == "Z" else LOCAL_ZONE[0])
    return (when - EPOCH) // datetime.timedelta(milliseconds=1)


def parse_duration(text):
    """'30d', '48h', '90m', '45s' or plain seconds, in milliseconds."""
    m = re.fullmatch(r"(\d+)([dhms]?)", text)
    if not m:
        raise argparse.ArgumentTypeError("bad duration %r" % text)
    unit = {"d": 86400, "h": 3600, "m": 60, "s": 1, "": 1}[m.group(2)]
    return int(m.group(1)) * unit * 1000


# ---------------------------------------------------------------------------------------------
# Events.

class Event:
    def __init__(self, case, activity, channel, start, end, seq, customer=b"", resource=b""):
        self.customer = customer  # bytes, empty when none
        self.resource = resource  # bytes, empty when none
        self.case = case          # bytes
        self.activity = activity  # bytes
        self.channel = channel    # bytes (empty without a channel column)
        self.start = start        # UTC ms
        self.end = end            # UTC ms, >= start
        self.seq = seq            # input position: file order, then line order


def check_row(row, width, roles):
    """The reason a row is rejected, or None; the checks run in the spec's order."""
    if any(len(field) > FIELD_LIMIT for field in row):
        return "field_too_long"
    if len(row) != width:
        return "field_count"
    if row[roles["case"]] == "":
        return "empty_case"
    if row[roles["activity"]] == "":
        return "empty_activity"
    start = parse_time(row[roles["start"]])
    if start is None:
        return "bad_start"
    if roles["end"] is None or row[roles["end"]] == "":
        return None
    end = parse_time(row[roles["end"]])
    if end is None:
        return "bad_end"
    if end < start:
        return "end_before_start"
    return None


def to_bytes(field):
    return field.encode("latin-1")


def where_column(header, col):
    """The column a --where names: #N, the exact name, or the one name equal once normalised."""
    if re.fullmatch(r"#[1-9][0-9]*", col):
        n = int(col[1:])
        if n > len(header):
            raise UsageError("--where %s: the header has %d columns" % (col, len(header)))
        return n - 1
    if col in header:
        return header.index(col)
    matches = [i for i, h in enumerate(header) if normalise_name(h) == normalise_name(col)]
    if len(matches) != 1:
        raise UsageError("--where: no column %r" % col)
    return matches[0]


def load(files, options):
    """All events of all files, with row and rejection counts."""
    counts = {"rows": 0, "rejected_by_reason": {r: 0 for r in REASONS}}
    events = []
    have_channel = False
    have_end = False
    counts["have_customer"] = counts["have_resource"] = False
    for path in files:
        header, records = read_records(path, options.delimiter)
        roles = find_roles(header, options.overrides)
        have_channel = have_channel or roles["channel"] is not None
        have_end = have_end or roles["end"] is not None
        wheres = [(where_column(header, col), negate, values)
                  for col, negate, values in options.wheres]
        counts["have_customer"] |= roles["customer"] is not None
        counts["have_resource"] |= roles["resource"] is not None
        for row in records:
            counts["rows"] += 1
            if len(row) == len(header) and not any(len(f) > FIELD_LIMIT for f in row):
                dropped = [k for k, (col, negate, values) in enumerate(wheres)
                           if (row[col] in values) == negate]
                if dropped:
                    counts["filtered_rows"] = counts.get("filtered_rows", 0) + 1
                    by = counts.setdefault("filtered_by", [0] * len(wheres))
                    by[dropped[0]] += 1
                    continue
            reason = check_row(row, len(header), roles)
            if reason:
                counts["rejected_by_reason"][reason] += 1
                continue
            start = parse_time(row[roles["start"]])
            end_text = row[roles["end"]] if roles["end"] is not None else ""
            end = parse_time(end_text) if end_text else start
            channel = row[roles["channel"]] if roles["channel"] is not None else ""
            customer = row[roles["customer"]] if roles["customer"] is not None else ""
            resource = row[roles["resource"]] if roles["resource"] is not None else ""
            events.append(Event(to_bytes(row[roles["case"]]), to_bytes(row[roles["activity"]]),
                                to_bytes(channel), start, end, len(events), to_bytes(customer),
                                to_bytes(resource)))
    return counts, events, have_channel, have_end


# ---------------------------------------------------------------------------------------------
# Journeys and variants.

def build_journeys(events, split_gap):
    """Lists of events: per case in time order (ties in input order), split at long gaps."""
    by_case = {}
    for e in events:
        by_case.setdefault(e.case, []).append(e)
    journeys = []
    for case_events in by_case.values():
        case_events.sort(key=lambda e: (e.start, e.seq))
        current = [case_events[0]]
        for prev, e in zip(case_events, case_events[1:]):
            if split_gap is not None and e.start - prev.end > split_gap:
                journeys.append(current)
                current = []
            current.append(e)
        journeys.append(current)
    return journeys


def step_name(event, step):
    if step == "activity":
        return event.activity
    if step == "channel":
        return event.channel
    return event.channel + b":" + event.activity


def collapse(steps, keep):
    """Each run of one repeated step shortened to at most keep steps."""
    out = []
    run = 0
    for i, s in enumerate(steps):
        run = run + 1 if i > 0 and s == steps[i - 1] else 1
        if run <= keep:
            out.append(s)
    return tuple(out)


def variant_id(steps):
    digest = hashlib.sha256()
    for s in steps:
        digest.update(s + b"\x1f")
    return digest.hexdigest()[:16]


def nearest_rank(sorted_values, percent):
    """The ceil(percent/100 * n)-th smallest value (integer arithmetic, no rounding error)."""
    n = len(sorted_values)
    if n == 0:
        return None
    rank = max(1, (percent * n + 99) // 100)
    return sorted_values[rank - 1]


def seconds(ms):
    return None if ms is None else ms / 1000


def distribution(values, unit):
    """Median, p90 and max of values, and how many journeys have each value (ascending)."""
    values = sorted(values)
    histogram = [{unit: v, "journeys": values.count(v)} for v in sorted(set(values))]
    return {"median": nearest_rank(values, 50), "p90": nearest_rank(values, 90),
            "max": values[-1] if values else None, "histogram": histogram}


def text_of(step):
    """A step as jmine writes it in JSON: UTF-8, invalid bytes as U+FFFD."""
    return step.decode("utf-8", errors="replace")


def variant_table(journeys, durations, options):
    """Ranked variants: count desc, then the step sequence in byte order, a prefix first."""
    groups = {}
    for journey, duration in zip(journeys, durations):
        steps = tuple(step_name(e, options.step) for e in journey)
        if options.collapse_loops is not None:
            steps = collapse(steps, options.collapse_loops)
        groups.setdefault(steps, []).append(duration)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    total = len(journeys)
    top = []
    cumulative = 0
    for rank, (steps, durs) in enumerate(ranked, start=1):
        if options.coverage is not None and cumulative * 100.0 >= options.coverage * total:
            break  # --coverage: the fewest top variants whose cumulative share reaches P
        cumulative += len(durs)
        top.append({
            "rank": rank,
            "id": variant_id(steps),
            "count": len(durs),
            "share": len(durs) / total,
            "cumulative_share": cumulative / total,
            "steps": [text_of(s) for s in steps],
            "duration_s": {"median": seconds(nearest_rank(sorted(durs), 50)),
                           "mean": sum(durs) / len(durs) / 1000},
        })
    return {"count": len(ranked), "top": top}


# ---------------------------------------------------------------------------------------------
# Filters (SPEC §12), each a function from a journey (a list of events) to the journey kept
# (perhaps shorter: --window trim) or None.

def parse_range(name, text, is_duration):
    m = re.fullmatch(r"(.*)\.\.(.*)", text)
    if not m or (m.group(1) == "" and m.group(2) == ""):
        raise UsageError("--%s %r" % (name, text))
    def bound(t, default):
        if t == "":
            return default
        if is_duration:
            return parse_duration(t)
        if not t.isdigit():
            raise UsageError("--%s %r" % (name, text))
        return int(t)
    lo, hi = bound(m.group(1), 0), bound(m.group(2), float("inf"))
    if lo > hi:
        raise UsageError("--%s %r: min above max" % (name, text))
    return lo, hi


def parse_pct(name, text):
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]*)?)%?", text)
    if not m or not 0 < float(m.group(1)) <= 100:
        raise UsageError("--%s %r" % (name, text))
    return float(m.group(1))


def coverage_keep(journeys, pct, options):
    """The journeys of the fewest top variants (ranked as variant_table ranks them) whose
    cumulative share of these journeys reaches pct."""
    def variant(j):
        steps = tuple(step_name(e, options.step) for e in j)
        if options.collapse_loops is not None:
            steps = collapse(steps, options.collapse_loops)
        return steps
    counts = {}
    for j in journeys:
        counts[variant(j)] = counts.get(variant(j), 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    chosen, cumulative = set(), 0
    for steps, n in ranked:
        if cumulative * 100.0 >= pct * len(journeys):
            break
        chosen.add(steps)
        cumulative += n
    return [j for j in journeys if variant(j) in chosen]


def apply_filters(journeys, options):
    """The journeys left by the journey filters in order, and the report's filters[]."""
    out = [{"filter": "--where " + text, "on": "rows", "rows_removed": 0}
           for text in options.where_texts]
    names = lambda j: [step_name(e, options.step) for e in j]
    for name, value in options.journey_filters:
        before = len(journeys)
        removed = 0
        if name == "keep-coverage":
            kept = coverage_keep(journeys, parse_pct(name, value), options)
        elif name == "window":
            lo, hi, mode, _ = value
            inside = lambda e: lo <= e.start < hi
            kept = []
            for j in journeys:
                if mode == "intersecting" and any(inside(e) for e in j):
                    kept.append(j)
                elif mode == "contained" and all(inside(e) for e in j):
                    kept.append(j)
                elif mode == "started" and inside(j[0]):
                    kept.append(j)
                elif mode == "completed" and inside(j[-1]):
                    kept.append(j)
                elif mode == "trim":
                    t = [e for e in j if inside(e)]
                    removed += len(j) - len(t)
                    if t:
                        kept.append(t)
        else:
            kept = [j for j in journeys if journey_passes(name, value, names(j), j)]
        text = value_text(name, value)
        entry = {"filter": text, "on": "journeys", "journeys_before": before,
                 "journeys_after": len(kept)}
        if name == "window" and value[2] == "trim":
            entry["events_removed"] = removed
        out.append(entry)
        journeys = kept
    return journeys, out


def value_text(name, value):
    if name != "window":
        return "--%s %s" % (name, value)
    return value[3]


def journey_passes(name, value, steps, journey):
    if name in ("follows", "eventually"):
        a, b = (x.encode("latin-1") for x in value.split(",", 1))
    else:
        step = value.encode("latin-1")
    if name == "with":
        return step in steps
    if name == "without":
        return step not in steps
    if name == "starts-with":
        return steps[0] == step
    if name == "ends-with":
        return steps[-1] == step
    if name == "follows":
        return any(x == a and y == b for x, y in zip(steps, steps[1:]))
    if name == "eventually":
        return a in steps and b in steps[steps.index(a) + 1:]
    if name == "size":
        lo, hi = parse_range(name, value, False)
        return lo <= len(steps) <= hi
    if name == "duration":
        lo, hi = parse_range(name, value, True)
        d = max(e.end for e in journey) - journey[0].start
        return lo <= d <= hi
    raise UsageError("unknown filter %s" % name)


# ---------------------------------------------------------------------------------------------
# Loops, channel switches, waits, the process map and the per-journey rows.
#
# A journey here is a list of events in order; steps is the matching list of step names.
# wait_raw[i] = start[i] - end[i-1] for i >= 1; the wait is that floored at 0.

def raw_wait(journey, i):
    return journey[i].start - journey[i - 1].end


def wait(journey, i):
    return max(0, raw_wait(journey, i))


def share(part, whole):
    return round(part / whole, 6) if whole else 0.0


def median_p90(values):
    values = sorted(values)
    return nearest_rank(values, 50), nearest_rank(values, 90)


def null_first(name):
    """Sort key for a step that may be None (the start or end node): None before any name."""
    return (0, b"") if name is None else (1, name)


def rfc3339(ms):
    """UTC instant as YYYY-MM-DDThh:mm:ssZ, with .mmm before the Z if the ms are not zero."""
    when = EPOCH + datetime.timedelta(milliseconds=ms)
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    if ms % 1000:
        text += ".%03d" % (ms % 1000)
    return text + "Z"


def loop_kinds(steps):
    """Per position i >= 1: "self" (a self-loop), "repeat" (a repetition) or None."""
    kinds = []
    seen = {steps[0]} if steps else set()  # the steps at positions 0 .. i-1
    for i in range(1, len(steps)):
        if steps[i] == steps[i - 1]:
            kinds.append("self")
        elif steps[i] in seen:
            kinds.append("repeat")
        else:
            kinds.append(None)
        seen.add(steps[i])
    return kinds


def count_loops(steps):
    """(self-loops, repetitions) of one journey's steps."""
    kinds = loop_kinds(steps)
    return kinds.count("self"), kinds.count("repeat")


def loops_section(all_steps):
    total_self = total_rep = with_loop = 0
    per_step = {}  # step -> {"self_loops", "repetitions", "journeys", "journeys_3_or_more", "max"}

    def entry(step):
        return per_step.setdefault(step, {"self_loops": 0, "repetitions": 0, "journeys": 0,
                                          "journeys_3_or_more": 0, "max_in_journey": 0})

    for steps in all_steps:
        self_loops, repetitions = count_loops(steps)
        total_self += self_loops
        total_rep += repetitions
        if self_loops + repetitions > 0:
            with_loop += 1
        for i, kind in enumerate(loop_kinds(steps), start=1):
            if kind == "self":
                entry(steps[i])["self_loops"] += 1
            elif kind == "repeat":
                entry(steps[i])["repetitions"] += 1
        occurrences = {}
        for step in steps:
            occurrences[step] = occurrences.get(step, 0) + 1
        for step, n in occurrences.items():
            if n >= 2:
                e = entry(step)
                e["journeys"] += 1
                if n >= 3:
                    e["journeys_3_or_more"] += 1
                e["max_in_journey"] = max(e["max_in_journey"], n)
    # A step enters per_step only when it occurs twice in some journey (a self-loop or a
    # repetition implies that), so every entry has journeys >= 1.
    ranked = sorted(per_step.items(),
                    key=lambda item: (-item[1]["journeys"],
                                      -(item[1]["self_loops"] + item[1]["repetitions"]),
                                      item[0]))
    by_step = [dict({"step": text_of(step)}, **counts) for step, counts in ranked]
    return {"self_loops": total_self, "repetitions": total_rep, "journeys_with_loop": with_loop,
            "share_with_loop": share(with_loop, len(all_steps)), "by_step": by_step}


def channels_section(journeys, have_channel):
    if not have_channel:
        return {"present": False, "switches": None, "journeys_with_switch": None,
                "matrix": None}
    switches = 0
    with_switch = 0
    pairs = {}  # (from, to) -> {"waits": [...], "journeys": set of journey numbers}
    for number, journey in enumerate(journeys):
        switched = False
        for i in range(1, len(journey)):
            before, after = journey[i - 1].channel, journey[i].channel
            if before and after and before != after:
                switches += 1
                switched = True
                pair = pairs.setdefault((before, after), {"waits": [], "journeys": set()})
                pair["waits"].append(wait(journey, i))
                pair["journeys"].add(number)
        if switched:
            with_switch += 1
    ranked = sorted(pairs.items(), key=lambda item: (-len(item[1]["waits"]), item[0][0],
                                                     item[0][1]))
    matrix = [{"from": text_of(a), "to": text_of(b), "count": len(p["waits"]),
               "journeys": len(p["journeys"]),
               "median_wait_s": seconds(median_p90(p["waits"])[0])}
              for (a, b), p in ranked]
    return {"present": True, "switches": switches, "journeys_with_switch": with_switch,
            "share_with_switch": share(with_switch, len(journeys)), "matrix": matrix}


def waits_section(journeys, all_steps, threshold, have_end):
    long_waits = overlaps = 0
    journeys_with_long = 0
    transitions = {}  # (from, to) -> {"waits": [...], "long": n, "long_journeys": set}
    every_wait = []   # (wait, case, at, from, to, until)
    for number, (journey, steps) in enumerate(zip(journeys, all_steps)):
        has_long = False
        for i in range(1, len(journey)):
            w = wait(journey, i)
            if raw_wait(journey, i) < 0:
                overlaps += 1
            t = transitions.setdefault((steps[i - 1], steps[i]),
                                       {"waits": [], "long": 0, "long_journeys": set()})
            t["waits"].append(w)
            if w > threshold:
                long_waits += 1
                has_long = True
                t["long"] += 1
                t["long_journeys"].add(number)
            every_wait.append((w, journey[i].case, journey[i - 1].end, steps[i - 1], steps[i],
                               journey[i].start))
        if has_long:
            journeys_with_long += 1

    ranked = sorted(transitions.items(),
                    key=lambda item: (-sum(item[1]["waits"]), -len(item[1]["waits"]),
                                      item[0][0], item[0][1]))
    by_transition = []
    for (a, b), t in ranked:
        median, p90 = median_p90(t["waits"])
        by_transition.append({"from": text_of(a), "to": text_of(b), "count": len(t["waits"]),
                              "median_s": seconds(median), "p90_s": seconds(p90),
                              "max_s": seconds(max(t["waits"])),
                              "total_s": seconds(sum(t["waits"])), "long_waits": t["long"],
                              "journeys_with_long_wait": len(t["long_journeys"])})

    every_wait.sort(key=lambda w: (-w[0], w[1], w[2], w[3], w[4]))
    longest = [{"case": text_of(case), "from": text_of(a), "to": text_of(b),
                "wait_s": seconds(w), "at": rfc3339(at), "until": rfc3339(until)}
               for w, case, at, a, b, until in every_wait[:10]]

    handling = None
    if have_end:
        per_step = {}
        for journey, steps in zip(journeys, all_steps):
            for event, step in zip(journey, steps):
                per_step.setdefault(step, []).append(event.end - event.start)
        ranked = sorted(per_step.items(), key=lambda item: (-sum(item[1]), -len(item[1]),
                                                            item[0]))
        handling = []
        for step, times in ranked:
            median, p90 = median_p90(times)
            handling.append({"step": text_of(step), "count": len(times),
                             "median_s": seconds(median), "p90_s": seconds(p90),
                             "total_s": seconds(sum(times))})

    return {"threshold_s": seconds(threshold), "long_waits": long_waits,
            "journeys_with_long_wait": journeys_with_long, "overlaps": overlaps,
            "by_transition": by_transition, "longest": longest, "handling_by_step": handling}


def map_section(journeys, all_steps):
    node_events = {}
    node_journeys = {}
    edges = {}  # (from or None, to or None) -> {"waits": [...] or None, "count", "journeys"}
    for number, (journey, steps) in enumerate(zip(journeys, all_steps)):
        for step in steps:
            node_events[step] = node_events.get(step, 0) + 1
        for step in set(steps):
            node_journeys[step] = node_journeys.get(step, 0) + 1
        pairs = [(None, steps[0], None)]
        pairs += [(steps[i - 1], steps[i], wait(journey, i)) for i in range(1, len(steps))]
        pairs.append((steps[-1], None, None))
        for a, b, w in pairs:
            edge = edges.setdefault((a, b), {"count": 0, "journeys": set(), "waits": []})
            edge["count"] += 1
            edge["journeys"].add(number)
            if w is not None:
                edge["waits"].append(w)

    nodes = [{"step": text_of(step), "events": n, "journeys": node_journeys[step]}
             for step, n in sorted(node_events.items(), key=lambda item: (-item[1], item[0]))]
    out = []
    ranked = sorted(edges.items(), key=lambda item: (-item[1]["count"], null_first(item[0][0]),
                                                     null_first(item[0][1])))
    for (a, b), edge in ranked:
        median = mean = None
        if a is not None and b is not None:
            waits = edge["waits"]
            median = seconds(median_p90(waits)[0])
            # Mean rounded to the millisecond, halves up (waits are never negative).
            mean = seconds((2 * sum(waits) + len(waits)) // (2 * len(waits)))
        out.append({"from": None if a is None else text_of(a),
                    "to": None if b is None else text_of(b),
                    "count": edge["count"], "journeys": len(edge["journeys"]),
                    "median_wait_s": median, "mean_wait_s": mean})
    return {"nodes": nodes, "edges": out}


def seconds_text(ms):
    """Milliseconds as seconds with at most 3 decimals, no trailing zeros (exact)."""
    whole, frac = divmod(ms, 1000)
    if frac == 0:
        return str(whole)
    return ("%d.%03d" % (whole, frac)).rstrip("0")


def journey_rows(journeys, all_steps, options, have_channel):
    """The rows of `jmine journeys`, each a list of str, sorted by case id bytes, then start.

    Case ids are returned as latin-1 text (one char per byte), as check.py reads jmine's CSV."""
    rows = []
    for journey, steps in zip(journeys, all_steps):
        variant = steps if options.collapse_loops is None else collapse(steps,
                                                                         options.collapse_loops)
        self_loops, repetitions = count_loops(steps)
        channels = switches = ""
        if have_channel:
            channels = str(len({e.channel for e in journey if e.channel}))
            switches = str(sum(1 for i in range(1, len(journey))
                               if journey[i - 1].channel and journey[i].channel
                               and journey[i - 1].channel != journey[i].channel))
        longest = ""
        if len(journey) > 1:
            longest = seconds_text(max(wait(journey, i) for i in range(1, len(journey))))
        first = journey[0].start
        rows.append((journey[0].case, first, [
            journey[0].case.decode("latin-1"), rfc3339(first),
            rfc3339(max(e.end for e in journey)), str(len(journey)), channels, switches,
            str(self_loops), str(repetitions), longest, variant_id(variant)]))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


# ---------------------------------------------------------------------------------------------
# The customer's view (SPEC section 9): customers, repeat contact, containment, handovers and
# business time. Written from the spec's sentences, journey by journey and customer by
# customer, with no shortcuts.

def none_last(name):
    """Sort key for a channel that may be None (unknown): None after every name."""
    return (1, b"") if name is None else (0, name)


def journey_customer(journey):
    """The customer id of the journey's first event that has one, or None."""
    for e in journey:
        if e.customer:
            return e.customer
    return None


def customers_section(journeys, all_steps, have_channel, options):
    window = options.repeat_window
    last_start = max((e.start for j in journeys for e in j), default=None)
    self_service = [c.encode("utf-8") for c in (options.self_service or "").split(",") if c]
    ss = set(self_service)
    by_customer = {}
    without = 0
    for journey, steps in zip(journeys, all_steps):
        customer = journey_customer(journey)
        if customer is None:
            without += 1
            continue
        by_customer.setdefault(customer, []).append((journey, steps))
    contacts, channels = [], []
    for customer, mine in by_customer.items():
        contacts.append(sum(len(j) for j, _ in mine))
        channels.append(len({e.channel for j, _ in mine for e in j if e.channel}))
    contacts.sort()
    channels.sort()

    def dist(values):
        if not values:
            return {"median": 0, "p90": 0, "max": 0}
        return {"median": nearest_rank(values, 50), "p90": nearest_rank(values, 90),
                "max": values[-1]}

    counted = followed_n = fcr = provisional = 0
    gaps = []
    first_channel = {}  # channel or None -> [journeys, followed]
    first_step = {}
    ss_counts = {c: [0, 0] for c in self_service}
    escalations = {}    # (step, channel or None) -> journeys
    for customer, mine in by_customer.items():
        starts = sorted(j[0].start for j, _ in mine)
        for journey, steps in mine:
            start = journey[0].start
            end = max(e.end for e in journey)
            # The customer's first journey that starts after this one (a sorted list and a
            # binary search: one customer of a real log has 20,000 journeys). It is a repeat
            # when it starts within the window; a later one cannot start earlier.
            k = bisect.bisect_right(starts, start)
            followed = k < len(starts) and starts[k] <= end + window
            chan = journey[0].channel or None
            if chan in ss:
                out = [i for i, e in enumerate(journey) if e.channel not in ss]
                if out:
                    e = journey[out[0]]
                    key = (steps[out[0]], e.channel or None)
                    escalations[key] = escalations.get(key, 0) + 1
            if end + window > last_start:
                provisional += 1
                continue
            counted += 1
            g = first_channel.setdefault(chan, [0, 0])
            h = first_step.setdefault(steps[0], [0, 0])
            g[0] += 1
            h[0] += 1
            if followed:
                followed_n += 1
                g[1] += 1
                h[1] += 1
                gaps.append(max(0, starts[k] - end))
            elif len(journey) == 1:
                fcr += 1
            if chan in ss_counts:
                ss_counts[chan][0] += 1
                if not followed and all(e.channel in ss for e in journey):
                    ss_counts[chan][1] += 1
    gaps.sort()

    def ranked(groups, key, name_key):
        return [{key: (None if name is None else text_of(name)), "journeys": n,
                 "followed": f, "rate": share(f, n)}
                for name, (n, f) in sorted(groups.items(),
                                           key=lambda it: (-it[1][1], -it[1][0],
                                                           name_key(it[0])))]

    repeat = {
        "window_s": seconds(window), "journeys": counted, "provisional": provisional,
        "followed": followed_n, "rate": share(followed_n, counted), "fcr": share(fcr, counted),
        "gap_s": {"median": seconds(nearest_rank(gaps, 50)),
                  "p90": seconds(nearest_rank(gaps, 90))},
        "by_first_channel": ranked(first_channel, "channel", none_last) if have_channel
        else None,
        "by_first_step": ranked(first_step, "step", lambda n: n),
    }
    containment = None
    if self_service and have_channel:
        total = [sum(v[0] for v in ss_counts.values()), sum(v[1] for v in ss_counts.values())]
        containment = {
            "channels": [{"channel": text_of(c), "journeys": ss_counts[c][0],
                          "contained": ss_counts[c][1],
                          "rate": share(ss_counts[c][1], ss_counts[c][0])}
                         for c in self_service],
            "journeys": total[0], "contained": total[1], "rate": share(total[1], total[0]),
            "escalations": [{"step": text_of(step), "channel": None if ch is None
                             else text_of(ch), "journeys": n}
                            for (step, ch), n in sorted(escalations.items(),
                                                        key=lambda it: (-it[1], it[0][0],
                                                                        none_last(it[0][1])))],
        }
    return {"present": True, "count": len(by_customer),
            "journeys": sum(len(m) for m in by_customer.values()),
            "journeys_without_customer": without, "contacts": dist(contacts),
            "channels": dist(channels) if have_channel else None, "repeat": repeat,
            "containment": containment}


def handovers_section(journeys, options):
    limit = options.max_handovers
    pairs = {}  # (from, to) -> {"waits": [...], "journeys": set, "ping_pong": n}
    total = ping_pong = with_one = over = 0
    for number, journey in enumerate(journeys):
        res = [e.resource for e in journey]
        n = 0
        for i in range(1, len(journey)):
            if not (res[i - 1] and res[i] and res[i - 1] != res[i]):
                continue
            n += 1
            p = pairs.setdefault((res[i - 1], res[i]),
                                 {"waits": [], "journeys": set(), "ping_pong": 0})
            p["waits"].append(wait(journey, i))
            p["journeys"].add(number)
            if i >= 2 and res[i - 2] and res[i - 2] == res[i]:
                back = pairs.setdefault((res[i - 2], res[i - 1]),
                                        {"waits": [], "journeys": set(), "ping_pong": 0})
                back["ping_pong"] += 1
                ping_pong += 1
        total += n
        with_one += n > 0
        over += n > limit
    ranked = sorted(pairs.items(), key=lambda it: (-len(it[1]["waits"]), it[0][0], it[0][1]))
    return {"present": True, "count": total, "journeys": with_one,
            "share_with_handover": share(with_one, len(journeys)), "ping_pong": ping_pong,
            "max_handovers": limit, "journeys_over_max": over,
            "matrix": [{"from": text_of(a), "to": text_of(b), "count": len(p["waits"]),
                        "journeys": len(p["journeys"]), "ping_pong": p["ping_pong"],
                        "median_wait_s": seconds(median_p90(p["waits"])[0])}
                       for (a, b), p in ranked]}


WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def parse_calendar(text):
    """{channel bytes or b"*": [(set of weekdays 0-6, from minute, to minute), ...]}."""
    out = {}
    for entry in text.split(";"):
        if not entry.strip():
            continue
        chan, spans = entry.split("=", 1)
        rules = []
        for part in spans.split(","):
            days, hours = part.split()
            a, _, b = days.partition("-")
            first, last = WEEKDAYS.index(a.lower()), WEEKDAYS.index((b or a).lower())
            ds = {(first + k) % 7 for k in range((last - first) % 7 + 1)}
            h1, h2 = hours.split("-")
            rules.append((ds, int(h1[:2]) * 60 + int(h1[3:]), int(h2[:2]) * 60 + int(h2[3:])))
        out[chan.strip().encode("utf-8")] = rules
    return out


def business_ms(rules, zone, holidays, a, b):
    """The milliseconds of [a, b) inside the opening hours, in zone, holidays closed."""
    if b <= a:
        return 0
    if rules is None:
        return b - a
    first = (EPOCH + datetime.timedelta(milliseconds=a)).astimezone(zone).date()
    last = (EPOCH + datetime.timedelta(milliseconds=b)).astimezone(zone).date()
    total = 0
    day = first
    while day <= last:
        if day.isoformat() not in holidays:
            for days, m1, m2 in rules:
                if day.weekday() not in days:
                    continue
                midnight = datetime.datetime(day.year, day.month, day.day)

                def instant(minutes):
                    local = midnight + datetime.timedelta(minutes=minutes)
                    return (local.replace(tzinfo=zone) - EPOCH) // datetime.timedelta(
                        milliseconds=1)
                lo, hi = max(a, instant(m1)), min(b, instant(m2))
                if hi > lo:
                    total += hi - lo
        day += datetime.timedelta(days=1)
    return total


def business_section(journeys, all_steps, options):
    calendar = parse_calendar(options.calendar)
    zone = LOCAL_ZONE[0]
    holidays = set()
    if options.holidays:
        with open(options.holidays, encoding="utf-8") as f:
            holidays = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    transitions = {}
    long_waits = 0
    for journey, steps in zip(journeys, all_steps):
        for i in range(1, len(journey)):
            ch = journey[i].channel
            rules = calendar.get(ch) if ch and ch in calendar else calendar.get(b"*")
            ms = business_ms(rules, zone, holidays, journey[i - 1].end, journey[i].start)
            transitions.setdefault((steps[i - 1], steps[i]), []).append(ms)
            if ms > options.long_wait:
                long_waits += 1
    ranked = sorted(transitions.items(), key=lambda it: (-sum(it[1]), it[0][0], it[0][1]))
    return {"calendar": options.calendar, "time_zone": options.tz or "UTC",
            "holidays": options.holidays, "long_waits": long_waits,
            "by_transition": [{"from": text_of(a), "to": text_of(b), "count": len(w),
                               "median_s": seconds(median_p90(w)[0]),
                               "p90_s": seconds(median_p90(w)[1]), "total_s": seconds(sum(w))}
                              for (a, b), w in ranked]}


JOURNEYS_HEADER = ["case_id", "start", "end", "events", "channels", "switches", "self_loops",
                   "repetitions", "longest_wait_s", "variant_id"]


# Bucket bounds of the durations' log-scale histogram, in seconds: 0, 1 s, 10 s, 1 min, 10 min,
# 1 h, 6 h, 1 day, 7 days, 30 days, 365 days, the last bucket open.
DURATION_BOUNDS = [0, 1, 10, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400]


def duration_histogram(durations_ms):
    """Journeys per bucket, every bucket listed (none without journeys)."""
    if not durations_ms:
        return []
    rows = []
    for i, lo in enumerate(DURATION_BOUNDS):
        hi = DURATION_BOUNDS[i + 1] if i + 1 < len(DURATION_BOUNDS) else None
        n = sum(1 for d in durations_ms if d >= lo * 1000 and (hi is None or d < hi * 1000))
        rows.append({"from_s": lo, "to_s": hi, "journeys": n})
    return rows


def analyse(files, options):
    """(report, rows): the report for files as a dict shaped like `jmine report --format json
    --top 0`, and the rows of `jmine journeys` (see journey_rows)."""
    counts, events, have_channel, have_end = load(files, options)
    if options.step != "activity" and not have_channel:
        raise OracleError("--step %s needs a channel column" % options.step)
    journeys = build_journeys(events, options.split_gap)
    journeys, filter_counts = apply_filters(journeys, options)
    for k, entry in enumerate(e for e in filter_counts if e["on"] == "rows"):
        entry["rows_removed"] = counts.get("filtered_by", [0] * (k + 1))[k]
    all_steps = [[step_name(e, options.step) for e in j] for j in journeys]
    durations = [max(e.end for e in j) - min(e.start for e in j) for j in journeys]
    sorted_durations = sorted(durations)
    duration_s = {"median": seconds(nearest_rank(sorted_durations, 50)),
                  "p90": seconds(nearest_rank(sorted_durations, 90)),
                  "max": seconds(sorted_durations[-1]) if durations else None,
                  "mean": sum(durations) / len(durations) / 1000 if durations else None,
                  "histogram": duration_histogram(durations)}
    channels = None
    if have_channel:
        channels = distribution([len({e.channel for e in j if e.channel}) for j in journeys],
                                "channels")
    rejected = sum(counts["rejected_by_reason"].values())
    report = {
        "input": {"rows": counts["rows"], "events": len(events), "rejected": rejected,
                  "rejected_by_reason": counts["rejected_by_reason"]},
        "journeys": {"count": len(journeys), "cases": len({e.case for e in events}),
                     "contacts": distribution([len(j) for j in journeys], "contacts"),
                     "channels": channels, "duration_s": duration_s},
        "variants": variant_table(journeys, durations, options),
        "loops": loops_section(all_steps),
        "channels": channels_section(journeys, have_channel),
        "waits": waits_section(journeys, all_steps, options.long_wait, have_end),
        "map": map_section(journeys, all_steps),
    }
    if options.filters:
        report["input"]["filtered_rows"] = counts.get("filtered_rows", 0)
        report["filters"] = filter_counts
    if counts["have_customer"]:
        report["customers"] = customers_section(journeys, all_steps, have_channel, options)
    if counts["have_resource"]:
        report["handovers"] = handovers_section(journeys, options)
    if options.calendar:
        report["waits"]["business"] = business_section(journeys, all_steps, options)
    return report, journey_rows(journeys, all_steps, options, have_channel)


def compute(files, options):
    """The report for files as a dict shaped like `jmine report --format json --top 0`."""
    return analyse(files, options)[0]


# ---------------------------------------------------------------------------------------------
# Command line.

def make_options(argv):
    p = argparse.ArgumentParser(prog="oracle.py", description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--step", choices=("activity", "channel", "channel:activity"),
                   default="activity")
    p.add_argument("--split-gap", type=parse_duration, default=None, metavar="DURATION")
    p.add_argument("--collapse-loops", type=int, default=None, metavar="K")
    p.add_argument("--long-wait", type=parse_duration, default=parse_duration("48h"),
                   metavar="DURATION")
    p.add_argument("--delimiter", default=None, metavar="C")
    class Filter(argparse.Action):
        def __call__(self, parser, namespace, values, option_string=None):
            namespace.filters.append((option_string[2:], values))
    p.set_defaults(filters=[])
    for name in ("where", "from", "to", "window", "with", "without", "starts-with",
                 "ends-with", "follows", "eventually", "size", "duration", "keep-coverage"):
        p.add_argument("--" + name, action=Filter, metavar="VALUE")
    p.add_argument("--coverage", default=None, metavar="P%")
    p.add_argument("--repeat-window", type=parse_duration, default=parse_duration("7d"),
                   metavar="DURATION")
    p.add_argument("--self-service", default=None, metavar="CH,...")
    p.add_argument("--max-handovers", type=int, default=3, metavar="N")
    p.add_argument("--calendar", default=None, metavar="SPEC")
    p.add_argument("--holidays", default=None, metavar="FILE")
    p.add_argument("--tz", default=None, metavar="ZONE")
    p.add_argument("--journeys", action="store_true",
                   help="print the rows of `jmine journeys` (CSV), not the report")
    for role in CANDIDATES:
        p.add_argument("--" + role, dest="role_" + role, default=None, metavar="NAME")
    options = p.parse_args(argv)
    if options.delimiter in ("tab", "\\t"):
        options.delimiter = "\t"
    if options.collapse_loops is not None and options.collapse_loops < 1:
        p.error("--collapse-loops must be >= 1")
    options.overrides = {role: getattr(options, "role_" + role) for role in CANDIDATES}
    if options.tz and options.tz != "UTC":
        import zoneinfo
        LOCAL_ZONE[0] = zoneinfo.ZoneInfo(options.tz)
    else:
        LOCAL_ZONE[0] = UTC
    parse_time.cache_clear()
    # The filters: --where apart (rows), the window where --from or --to first stands.
    options.wheres, options.where_texts, options.journey_filters = [], [], []
    window = {}
    for name, value in options.filters:
        if name == "where":
            m = re.fullmatch(r"([^=]*?)(!?)=(.*)", value, re.S)
            if not m or m.group(1) == "":
                raise UsageError("--where %r" % value)
            options.wheres.append((m.group(1), m.group(2) == "!", set(m.group(3).split(","))))
            options.where_texts.append(value)
        elif name in ("from", "to", "window"):
            if not window and name != "window":
                options.journey_filters.append(("window", None))
            window[name] = value
        else:
            options.journey_filters.append((name, value))
    if window:
        if "from" not in window and "to" not in window:
            raise UsageError("--window needs --from or --to")
        lo = parse_time(window["from"]) if "from" in window else float("-inf")
        hi = parse_time(window["to"]) if "to" in window else float("inf")
        if lo is None or hi is None:
            raise UsageError("bad instant")
        mode = window.get("window", "intersecting")
        parts = ["--%s %s" % (k, window[k]) for k in ("from", "to") if k in window]
        text = " ".join(parts + ["--window " + mode])
        options.journey_filters = [("window", (lo, hi, mode, text)) if n == "window" else (n, v)
                                   for n, v in options.journey_filters]
    options.coverage = parse_pct("coverage", options.coverage) if options.coverage else None
    return options


def main(argv):
    try:
        options = make_options(argv)
    except UsageError as e:
        print("oracle: %s" % e, file=sys.stderr)
        return 2
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under `| head`
    try:
        result, rows = analyse(options.files, options)
    except (OracleError, OSError) as e:
        print("oracle: %s" % e, file=sys.stderr)
        return 3
    except UsageError as e:
        print("oracle: %s" % e, file=sys.stderr)
        return 2
    if options.journeys:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(JOURNEYS_HEADER)
        writer.writerows(rows)
        return 0
    json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
