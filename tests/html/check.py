#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""jmine report --format html without a browser: the page's structure (SPEC §7). The CSP meta
exactly as the spec writes it, no external URL in any src or href, the embedded JSON report
equal to --format json of the same run, every number marked on the page (data-k, data-v)
equal to the JSON's, the sections in the spec's order, at least four map levels, hostile step
names kept as text (no '</script>' can end the embedded JSON), and the same bytes on two runs
and with -j 1 and -j 2. The variants' step chips are coloured by channel: each step's most
frequent channel, counted here from the log's rows, one colour per channel; and a page merged
from the states of two shards equals the page of one run over both."""
import argparse
import collections
import html.parser
import json
import os
import subprocess
import sys
import tempfile

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:")
ORDER = ["summary", "act-first", "map", "variants", "journeys", "channels", "waits", "loops",
         "longest"]


class Page(html.parser.HTMLParser):
    """What the checks need from a page: CSP metas, src/href values, section ids in order,
    numbers marked with data-k, the embedded JSON's text, map levels."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.csp, self.urls, self.sections, self.marks, self.levels = [], [], [], [], 0
        self.json_text, self.in_json, self.scripts = None, False, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp.append(a.get("content"))
        for k in ("src", "href", "action", "srcset", "poster", "data"):
            if k in a:
                self.urls.append((tag, k, a[k]))
        if tag in ("link", "iframe", "object", "embed", "base", "img"):
            self.urls.append((tag, "tag", tag))
        if tag == "section":
            self.sections.append(a.get("id"))
        if "data-k" in a:
            self.marks.append((a["data-k"], a.get("data-v")))
        if tag == "div" and "lvl" in (a.get("class") or "").split():
            self.levels += 1
        if tag == "script":
            self.scripts += 1
            if a.get("type") == "application/json" and a.get("id") == "jmine-report":
                self.in_json, self.json_text = True, ""

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_json = False

    def handle_data(self, data):
        if self.in_json:
            self.json_text += data


def at(doc, path):
    """The JSON value at a data-k path (keys and array indexes separated by dots)."""
    v = doc
    for part in path.split("."):
        if isinstance(v, list):
            v = v[int(part)]
        else:
            v = v[part]
    return v


def same(value, raw):
    """A data-v against the JSON's value: numbers compare as numbers, the rest as text."""
    if isinstance(value, bool):
        return raw == ("true" if value else "false")
    if isinstance(value, (int, float)):
        try:
            return float(raw) == float(value)
        except ValueError:
            return False
    return raw == value


def run(jmine, args):
    p = subprocess.run([jmine] + args, capture_output=True)
    if p.returncode not in (0, 3) or (p.returncode == 3 and not p.stdout):
        sys.exit(f"jmine {' '.join(args)}: exit {p.returncode}: {p.stderr.decode()}")
    return p.stdout


def check_page(jmine, log, extra, errors, graphviz):
    tag = f"{os.path.basename(log)} {' '.join(extra)}".strip()
    page = run(jmine, ["report", "--format", "html"] + extra + [log])
    if run(jmine, ["report", "--format", "html"] + extra + [log]) != page:
        errors.append(f"{tag}: two runs gave different bytes")
    for j in ("1", "2"):
        if run(jmine, ["report", "--format", "html", "-j", j] + extra + [log]) != page:
            errors.append(f"{tag}: -j {j} gave other bytes")
    doc = json.loads(run(jmine, ["report", "--format", "json"] + extra + [log]))
    text = page.decode("utf-8")  # the page must be valid UTF-8
    p = Page()
    p.feed(text)
    p.close()
    if p.csp != [CSP]:
        errors.append(f"{tag}: CSP metas {p.csp!r}, want exactly one: {CSP}")
    if not text.startswith("<!DOCTYPE html>"):
        errors.append(f"{tag}: no doctype")
    for t, k, v in p.urls:
        if k == "tag" or not (v.startswith("#") or v.startswith("data:")):
            errors.append(f"{tag}: an external reference: <{t} {k}={v!r}>")
    if p.json_text is None:
        errors.append(f"{tag}: no #jmine-report")
        return
    if "<" in p.json_text:
        errors.append(f"{tag}: a '<' inside the embedded JSON")
    if json.loads(p.json_text) != doc:
        errors.append(f"{tag}: the embedded JSON differs from --format json")
    if text.count("</script>") != p.scripts:
        errors.append(f"{tag}: {text.count('</script>')} '</script>' for {p.scripts} scripts")
    known = [s for s in p.sections if s in ORDER]
    if known != ORDER:
        errors.append(f"{tag}: sections {p.sections}, want {ORDER} in this order")
    if not p.sections or p.sections[-1] != "input":
        errors.append(f"{tag}: the input accounting is not the last section: {p.sections}")
    if not p.marks:
        errors.append(f"{tag}: no numbers marked with data-k")
    for k, v in p.marks:
        try:
            want = at(doc, k)
        except (KeyError, IndexError, ValueError, TypeError):
            errors.append(f"{tag}: data-k {k!r} is not in the JSON report")
            continue
        if not same(want, v):
            errors.append(f"{tag}: {k} shows {v!r}, the JSON has {want!r}")
    if graphviz and doc["map"]["nodes"] and p.levels < 4:
        errors.append(f"{tag}: {p.levels} map levels, want at least 4")
    if graphviz and doc["map"]["nodes"] and "<svg" not in text:
        errors.append(f"{tag}: no map picture")
    return text


class Chips(html.parser.HTMLParser):
    """The variants' step chips (not the legend's): [(text, colour class, data-channel)]."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chips, self.cur, self.in_legend = [], None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "p" and a.get("id") == "chip-rule":
            self.in_legend = True
        classes = (a.get("class") or "").split()
        if tag == "span" and "chip" in classes and not self.in_legend:
            colour = [c for c in classes if c != "chip"]
            self.cur = [colour[0] if colour else None, a.get("data-channel"), ""]

    def handle_endtag(self, tag):
        if tag == "p":
            self.in_legend = False
        if tag == "span" and self.cur is not None:
            self.chips.append((self.cur[2], self.cur[0], self.cur[1]))
            self.cur = None

    def handle_data(self, data):
        if self.cur is not None:
            self.cur[2] += data


def check_chips(jmine, tmp, errors):
    """A log whose steps have known channels: each chip's channel is its step's most frequent
    (ties: the first name in byte order), none where no event has one; one colour a channel.
    The same page from merged states of two shards (SPEC §10: the same bytes)."""
    rows = []  # (case, step, channel)
    plan = {"Call": ["phone"] * 3, "Mixed": ["phone", "web", "web", "phone", "web"],
            "Tie": ["email", "chat"], "Web form": ["web"], "Nowhere": [""],
            "Chat: bot": ["chat", "chat", "email", "chat"]}
    for c in range(24):
        steps = list(plan)[c % 3:] + list(plan)[:c % 3]
        for i, step in enumerate(steps):
            chans = plan[step]
            rows.append((f"k{c:02d}", step, chans[(c + i) % len(chans)], i))
    counts = collections.defaultdict(collections.Counter)
    for _, step, ch, _ in rows:
        if ch:
            counts[step][ch] += 1
    want = {step: min(cnt, key=lambda ch: (-cnt[ch], ch.encode())) for step, cnt in
            counts.items()}
    logs = []
    for part in (0, 1):
        path = os.path.join(tmp, f"chan{part}.csv")
        with open(path, "w") as f:
            f.write("case,activity,timestamp,channel\n")
            for case, step, ch, i in rows:
                if int(case[1:]) % 2 == part:
                    f.write(f"{case},{step},2024-02-{1 + int(case[1:]):02d}T0{i}:00:00Z,{ch}\n")
        logs.append(path)
    page = run(jmine, ["report", "--format", "html", "--top", "0"] + logs)
    c = Chips()
    c.feed(page.decode("utf-8"))
    if not c.chips:
        errors.append("chips: no step chips on the page")
    colour_of = {}
    for text, colour, ch in c.chips:
        if ch != want.get(text):
            errors.append(f"chips: {text!r} shows channel {ch!r}, want {want.get(text)!r}")
        if ch is None:
            if colour != "c7":
                errors.append(f"chips: {text!r} has no channel but colour {colour}")
            continue
        if colour_of.setdefault(ch, colour) != colour:
            errors.append(f"chips: channel {ch!r} in two colours ({colour_of[ch]}, {colour})")
    if len(set(colour_of.values())) != len(colour_of):
        errors.append(f"chips: two channels share a colour: {colour_of}")
    if b"Each step is coloured by its channel" not in page:
        errors.append("chips: the page does not state the chips' rule")
    states = []
    for k, log in enumerate(logs):
        st = os.path.join(tmp, f"chan{k}.state")
        run(jmine, ["report", "--format", "json", "--state-out", st, log])
        states.append(st)
    merged = run(jmine, ["merge", "--as", "report", "--format", "html", "--top", "0"] + states)
    if merged != page:
        errors.append("chips: the page merged from two states differs from one run's")
    plain = run(jmine, ["report", "--format", "html", "sample-logs/contacts-nochannel.csv"])
    c = Chips()
    c.feed(plain.decode("utf-8"))
    if any(ch is not None for _, _, ch in c.chips) or b"coloured by its name" not in plain:
        errors.append("chips: a log without channels does not colour steps by name")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jmine", required=True)
    args = ap.parse_args()
    errors = []
    help_text = subprocess.run([args.jmine, "report", "--help"], capture_output=True,
                               text=True).stdout
    if "html" not in help_text:
        sys.exit("jmine report --help does not name --format html")
    graphviz = subprocess.run([args.jmine, "map", "--format", "svg", "sample-logs/contacts.csv"],
                              capture_output=True).returncode == 0
    with tempfile.TemporaryDirectory() as tmp:
        hostile = os.path.join(tmp, "hostile.csv")
        names = [b"</script><script>alert(1)</script>", b"<!-- x", b"a&b \"q\" 'q'",
                 b"caf\xc3\xa9 \xff broken", b"]]> <svg onload=alert(1)>", b"plain"]
        with open(hostile, "wb") as f:
            f.write(b"case,activity,timestamp,channel\n")
            for c in range(40):
                for i in range(2 + c % 4):
                    name = names[(c + i * 3) % len(names)]
                    q = b'"' + name.replace(b'"', b'""') + b'"'
                    f.write(b"c%d,%s,2024-01-%02dT%02d:00:00Z,%s\n"
                            % (c, q, 1 + c % 28, i, names[(c + i) % 3].replace(b",", b" ")
                               .replace(b'"', b"")))
        cases = [("sample-logs/contacts.csv", []),
                 ("sample-logs/contacts.csv", ["--tz", "Europe/Paris", "--top", "5"]),
                 ("sample-logs/contacts.csv", ["--where", "channel=phone,web", "--coverage",
                                               "50%"]),
                 ("sample-logs/contacts.csv", ["--calendar", "phone=Mon-Fri 08:00-17:00"]),
                 ("sample-logs/contacts-nochannel.csv", []),
                 ("sample-logs/running-example.csv", []),
                 (hostile, [])]
        for log, extra in cases:
            text = check_page(args.jmine, log, extra, errors, graphviz)
            if log == hostile and text is not None:
                if "<script>alert" in text or "<svg onload" in text:
                    errors.append("hostile names: markup from a step name reached the page")
            if "--where" in extra and text is not None and (
                    text.find('<section id="s-filters"') < 0 or
                    text.find('<section id="s-filters"') > text.find('<section id="summary"')):
                errors.append("--where: no filters block above the summary")
            if "--calendar" in extra and text is not None and 'data-k="waits.business.' not in text:
                errors.append("--calendar: the waits' business time is not on the page")
            if "--tz" in extra and text is not None and 'data-tz="Europe/Paris"' not in text:
                errors.append("--tz: the page does not carry the zone for its instants")
        empty = os.path.join(tmp, "empty.csv")
        with open(empty, "w") as f:
            f.write("case,activity,timestamp\n")
        check_page(args.jmine, empty, [], errors, False)
        check_chips(args.jmine, tmp, errors)
    for e in errors:
        print("FAIL:", e)
    if errors:
        sys.exit(1)
    print("html: pages checked")


if __name__ == "__main__":
    main()
