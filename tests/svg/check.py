#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""jmine map --format svg: valid XML, a node per step shown plus start and end, an edge per
transition shown, names with markup, quotes, backslashes and invalid UTF-8 kept as text, the
end node's edges kept by the cut, a dense map drawn with straight edges, and the same bytes
from two runs. Without --map-steps or --map-edges the picture is the analyst's page's default
level (at most 30 steps), byte for byte the <svg> that `report --format html` shows by default."""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
# Names a map must carry into the picture: (bytes in the log, text expected in the SVG).
NAMES = [
    (b"Call: <billing> & \"refunds\"", "Call: <billing> & \"refunds\""),
    (b"it's a 'quote'", "it's a 'quote'"),
    (b"C:\\N\\n back\\slash", "C:\\N\\n back\\slash"),
    (b"caf\xc3\xa9 \xff\xfe broken \xef\xbf\xbf\x01", "caf\u00e9 \ufffd\ufffd broken \ufffd\ufffd"),
    (b"]]> <!-- not a comment -->", "]]> <!-- not a comment -->"),
    (b"R&amp;D &#60;x&#62; &lt; &", "R&amp;D &#60;x&#62; &lt; &"),
    (b"plain", "plain"),
]


def xml_text(name):
    """A step name as the SVG shows it: what XML 1.0 cannot hold (control characters, U+FFFE,
    U+FFFF) as U+FFFD; the JSON has already made invalid UTF-8 U+FFFD."""
    return "".join("\ufffd" if ord(c) < 0x20 or c in "\x7f\ufffe\uffff" else c for c in name)


def run(jmine, args):
    p = subprocess.run([jmine, "map"] + args, capture_output=True)
    if p.returncode != 0:
        sys.exit(f"jmine map {' '.join(args)}: exit {p.returncode}: {p.stderr.decode()}")
    return p.stdout


def parts(svg):
    """The SVG's nodes and edges: {title: [texts]} and [title]."""
    root = ET.fromstring(svg)
    nodes, edges = {}, []
    for g in root.iter(SVG + "g"):
        title = g.find(SVG + "title")
        if g.get("class") == "node":
            nodes[title.text] = ["".join(t.itertext()) for t in g.iter(SVG + "text")]
        elif g.get("class") == "edge":
            edges.append(title.text)
    return nodes, edges


def page_default(jmine, log, extra):
    """The <svg> of the map level the page shows by default (the one .lvl div not hidden)."""
    p = subprocess.run([jmine, "report", "--format", "html"] + extra + [log],
                       capture_output=True)
    if p.returncode != 0:
        sys.exit(f"jmine report --format html {log}: exit {p.returncode}")
    page = p.stdout
    shown = [m for m in re.finditer(rb'<div class=lvl id=map-\d+ [^>]*>', page)
             if not m.group(0).endswith(b" hidden>")]
    if not shown:
        return None  # a log without steps: no level, no picture on the page
    if len(shown) != 1:
        sys.exit(f"{log}: {len(shown)} map levels shown by default, want 1")
    at = page.index(b"<svg", shown[0].end())
    return page[at:page.index(b"</svg>", at) + len(b"</svg>\n")]


def check_default(jmine, log, extra, errors):
    """The default picture (no cut asked for): the page's default level, byte for byte; its
    nodes the most frequent steps of the whole map (at most 30), each with its events."""
    svg = run(jmine, ["--format", "svg"] + extra + [log])
    if run(jmine, ["--format", "svg"] + extra + [log]) != svg:
        errors.append(f"{log} {extra}: two runs gave different bytes")
    body = svg[svg.index(b"<svg"):]
    model = json.loads(run(jmine, ["--format", "json"] + extra + [log]))
    page = page_default(jmine, log, extra)
    if (page is not None or model["map"]["nodes"]) and body != page:
        errors.append(f"{log} {extra}: the map's SVG is not the page's default level")
    nodes, edges = parts(svg)
    steps = model["map"]["nodes"]
    want = min(len(steps), 30)
    if not steps:
        want = 0
    if len(nodes) - 2 > want or "start" not in nodes or "end" not in nodes:
        errors.append(f"{log} {extra}: {len(nodes)} nodes, want at most {want} + start + end")
    shown = [" ".join(t) for k, t in nodes.items() if k not in ("start", "end")]
    for n in steps[:len(nodes) - 2]:
        if not any(s.startswith(xml_text(n["step"])) and s.endswith(f"{n['events']} events")
                   for s in shown):
            errors.append(f"{log} {extra}: no node reads {n['step']!r}, {n['events']} events")
    if len(steps) > 30 and b"the default cut of 30 steps" not in svg:
        errors.append(f"{log} {extra}: {len(steps)} steps, and the cut is not stated")
    return svg, model, nodes


def check_map(jmine, log, extra, errors):
    """The picture of one map against its JSON: nodes, edges, and the same bytes twice."""
    if "--map-steps" not in extra and "--map-edges" not in extra:
        return check_default(jmine, log, extra, errors)
    svg = run(jmine, ["--format", "svg"] + extra + [log])
    if run(jmine, ["--format", "svg"] + extra + [log]) != svg:
        errors.append(f"{log} {extra}: two runs gave different bytes")
    model = json.loads(run(jmine, ["--format", "json"] + extra + [log]))
    nodes, edges = parts(svg)
    want = len(model["map"]["nodes"]) + 2
    if len(nodes) != want:
        errors.append(f"{log} {extra}: {len(nodes)} nodes, want {want} (steps + start + end)")
    if "start" not in nodes or "end" not in nodes:
        errors.append(f"{log} {extra}: no start or end node")
    if len(edges) != len(model["map"]["edges"]):
        errors.append(f"{log} {extra}: {len(edges)} edges, want {len(model['map']['edges'])}")
    shown = [" ".join(t) for k, t in nodes.items() if k not in ("start", "end")]
    for n in model["map"]["nodes"]:
        if not any(s.startswith(xml_text(n["step"])) and s.endswith(f"{n['events']} events")
                   for s in shown):
            errors.append(f"{log} {extra}: no node reads {n['step']!r}, {n['events']} events")
    return svg, model, nodes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jmine", required=True)
    ap.add_argument("--root", default=".")
    a = ap.parse_args()
    p = subprocess.run([a.jmine, "map", "--format", "svg", "/dev/null"], capture_output=True)
    if b"built without Graphviz" in p.stderr:
        print("jmine built without Graphviz: SVG not checked")
        return 77
    errors = []
    contacts = os.path.join(a.root, "sample-logs/contacts.csv")
    check_map(a.jmine, contacts, [], errors)
    check_map(a.jmine, contacts, ["--min-journeys", "3"], errors)
    # --map-steps 100 asks for every step and transition: the picture draws them all.
    check_map(a.jmine, contacts, ["--map-steps", "100"], errors)
    # The cut keeps the end node's edges: every step shown that journeys end on keeps its edge.
    full = json.loads(run(a.jmine, ["--format", "json", contacts]))
    ends = {e["from"] for e in full["map"]["edges"] if e["to"] is None}
    for extra in (["--map-steps", "80", "--map-edges", "60"], ["--map-steps", "50", "--map-edges", "1"]):
        _, model, _ = check_map(a.jmine, contacts, extra, errors)
        shown = {n["step"] for n in model["map"]["nodes"]}
        kept = {e["from"] for e in model["map"]["edges"] if e["to"] is None}
        if kept != shown & ends:
            errors.append(f"{extra}: steps with an edge to the end {sorted(kept)}, "
                          f"want {sorted(shown & ends)}")
    # Hostile names: every one a step of its own, in one journey each and one shared.
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "names.csv")
        with open(log, "wb") as f:
            f.write(b"case_id,activity,start_time\n")
            for i, (name, _) in enumerate(NAMES):
                quoted = b'"' + name.replace(b'"', b'""') + b'"'
                f.write(b"c%d,%s,2024-01-01T08:0%d:00Z\n" % (i, quoted, i))
                f.write(b"c%d,plain,2024-01-01T09:00:00Z\n" % i)
        _, _, nodes = check_map(a.jmine, log, ["--map-edges", "100"], errors)
        texts = [t for k, ts in nodes.items() for t in ts]
        for _, want in NAMES:
            if want not in texts:
                errors.append(f"name {want!r} not shown as it is; node texts: {texts}")
        # A dense map (over 150 transitions) is drawn with straight edges, and says so.
        dense = os.path.join(tmp, "dense.csv")
        rnd = random.Random(7)
        with open(dense, "w") as f:
            f.write("case_id,activity,start_time\n")
            for c in range(400):
                for k in range(8):
                    f.write(f"c{c},step {rnd.randrange(20)},2024-01-01T{k:02d}:00:00Z\n")
        svg, model, _ = check_map(a.jmine, dense, ["--map-steps", "100"], errors)
        if len(model["map"]["edges"]) <= 150:
            errors.append(f"dense log: only {len(model['map']['edges'])} transitions")
        if b"Edges drawn straight (over 150 transitions)." not in svg:
            errors.append("dense map: the picture does not say its edges are straight")
        # 45 steps: by default the page's level of 30 steps, the cut stated on it.
        many = os.path.join(tmp, "many.csv")
        with open(many, "w") as f:
            f.write("case_id,activity,start_time\n")
            for c in range(300):
                for k in range(6):
                    f.write(f"c{c},step {min(rnd.randrange(45), rnd.randrange(45))},"
                            f"2024-01-01T{k:02d}:00:00Z\n")
        svg, model, nodes = check_map(a.jmine, many, [], errors)
        if len(model["map"]["nodes"]) != 45 or len(nodes) != 32:
            errors.append(f"45 steps: {len(nodes)} nodes drawn of "
                          f"{len(model['map']['nodes'])} steps, want 30 + start + end")
        check_map(a.jmine, many, ["--min-journeys", "4"], errors)
        # merge --as map: the same picture from the log's state.
        state = os.path.join(tmp, "many.state")
        subprocess.run([a.jmine, "report", "--format", "json", "--state-out", state, many],
                       capture_output=True, check=True)
        p = subprocess.run([a.jmine, "merge", "--as", "map", "--format", "svg", state],
                           capture_output=True)
        if p.returncode != 0 or p.stdout != svg:
            errors.append("merge --as map --format svg: not the picture of one run")
        check_map(a.jmine, dense, [], errors)
        empty = os.path.join(tmp, "empty.csv")
        with open(empty, "w") as f:
            f.write("case_id,activity,start_time\n")
        check_map(a.jmine, empty, [], errors)
    for e in errors:
        print("FAIL:", e)
    print(f"svg: {len(errors)} failures")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
