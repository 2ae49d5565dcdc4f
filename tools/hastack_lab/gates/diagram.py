"""Draw docs/architecture.svg from docs/architecture.diagram.yml: tiers of boxes, top to
bottom, and the arrows between them. Plain SVG, no layout engine, byte-for-byte the same
on every run, so the check can compare it.

    tools/lab gate diagram           write docs/architecture.svg
    tools/lab gate diagram --check   exit 1 when the SVG is not what the source gives
"""

import argparse
import sys
import textwrap
from xml.sax.saxutils import escape

import yaml

from .. import ROOT
SOURCE = ROOT / "docs" / "architecture.diagram.yml"
OUT = ROOT / "docs" / "architecture.svg"

LEFT, NODES_W = 200, 900  # the caption column, and the room for the nodes
WIDTH = LEFT + NODES_W
CAPTION_CHARS = 24
BOX_W, LINE_H, PAD, CHAR_W = 190, 17, 10, 7.5
TIER_GAP = 70  # vertical room for the arrows between two tiers
TOP = 50  # room for the title
FONT = "font-family='DejaVu Sans, Helvetica, Arial, sans-serif'"


class DiagramError(Exception):
    pass


def problems(source):
    """What is wrong with a diagram source, each naming the tier, node or edge."""
    found = []
    ids = []
    for t, tier in enumerate(source.get("tiers") or []):
        if not tier.get("nodes"):
            found.append("tiers[%d] has no nodes" % t)
        for n, node in enumerate(tier.get("nodes") or []):
            if not node.get("id") or not node.get("lines"):
                found.append("tiers[%d].nodes[%d] needs an id and lines" % (t, n))
            ids.append(node.get("id"))
    if not ids:
        found.append("no tiers")
    dupes = sorted({i for i in ids if ids.count(i) > 1 and i})
    if dupes:
        found.append("node ids used twice: %s" % ", ".join(dupes))
    for e, edge in enumerate(source.get("edges") or []):
        for end in ("from", "to"):
            if edge.get(end) not in ids:
                found.append("edges[%d].%s is %r, which is no node" % (e, end, edge.get(end)))
        if edge.get("style", "solid") not in ("solid", "dashed"):
            found.append("edges[%d].style must be solid or dashed" % e)
    return found


def box_width(node):
    """Wide enough for the longest line (an average glyph of 13 px sans is about 7.5 px)."""
    return max(BOX_W, int(max(len(str(line)) for line in node["lines"]) * CHAR_W) + 2 * PAD)


def caption_lines(tier):
    return textwrap.wrap(tier.get("caption") or "", CAPTION_CHARS)


def layout(source):
    """Each node's box as {id: (x, y, w, h)}, each tier's band (y, h, caption lines), and the height.

    Captions sit in a column of their own on the left, so that no arrow crosses them.
    """
    boxes, bands = {}, []
    y = TOP
    for tier in source["tiers"]:
        nodes = tier["nodes"]
        caption = caption_lines(tier)
        height = max(PAD * 2 + LINE_H * max(len(n["lines"]) for n in nodes), 16 * len(caption) + 12)
        step = NODES_W / len(nodes)
        for i, node in enumerate(nodes):
            width = box_width(node)
            boxes[node["id"]] = (LEFT + step * i + (step - width) / 2, y, width, height)
        if caption:
            bands.append((y - 8, height + 16, caption))
        y += height + TIER_GAP
    return boxes, bands, y - TIER_GAP + 20


def _num(value):
    return ("%.1f" % value).rstrip("0").rstrip(".")


def render(source):
    found = problems(source)
    if found:
        raise DiagramError("; ".join(found))
    boxes, bands, height = layout(source)
    out = ["<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%s' viewBox='0 0 %d %s' %s "
           "font-size='13'>" % (WIDTH, _num(height), WIDTH, _num(height), FONT),
           "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' markerHeight='7' "
           "orient='auto-start-reverse'><path d='M0,0 L10,5 L0,10 z' fill='#444'/></marker></defs>",
           "<rect width='100%' height='100%' fill='white'/>",
           "<text x='%d' y='28' text-anchor='middle' font-size='16' font-weight='bold'>%s</text>"
           % (WIDTH // 2, escape(source.get("title", "")))]
    for y, h, caption in bands:
        out.append("<rect x='8' y='%s' width='%d' height='%s' rx='8' fill='#f4f6f8' stroke='#c8ced6'/>"
                   % (_num(y), WIDTH - 16, _num(h)))
        for i, line in enumerate(caption):
            out.append("<text x='20' y='%s' font-style='italic' fill='#555'>%s</text>"
                       % (_num(y + 22 + 16 * i), escape(line)))
    labelled = set()
    for edge in source.get("edges") or []:
        x1, y1, w1, h1 = boxes[edge["from"]]
        x2, y2, w2, dummy = boxes[edge["to"]]
        start = (x1 + w1 / 2, y1 + h1)
        end = (x2 + w2 / 2, y2)
        dash = " stroke-dasharray='6 4'" if edge.get("style") == "dashed" else ""
        out.append("<line x1='%s' y1='%s' x2='%s' y2='%s' stroke='#444' stroke-width='1.4'%s "
                   "marker-end='url(#arrow)'/>" % (_num(start[0]), _num(start[1]), _num(end[0]), _num(end[1]), dash))
        label = edge.get("label")
        if label and label not in labelled:
            labelled.add(label)
            mx, my = start[0] + (end[0] - start[0]) * 0.3, start[1] + (end[1] - start[1]) * 0.3
            out.append("<text x='%s' y='%s' text-anchor='middle' fill='#1f4e79' stroke='white' stroke-width='4' "
                       "paint-order='stroke'>%s</text>" % (_num(mx), _num(my + 4), escape(label)))
    for tier in source["tiers"]:
        for node in tier["nodes"]:
            x, y, w, h = boxes[node["id"]]
            out.append("<rect x='%s' y='%s' width='%d' height='%s' rx='6' fill='#e8f0fb' stroke='#1f4e79' "
                       "stroke-width='1.5'/>" % (_num(x), _num(y), w, _num(h)))
            for i, line in enumerate(node["lines"]):
                weight = " font-weight='bold'" if i == 0 else ""
                out.append("<text x='%s' y='%s' text-anchor='middle'%s>%s</text>"
                           % (_num(x + w / 2), _num(y + PAD + LINE_H * (i + 1) - 4), weight, escape(str(line))))
    out.append("</svg>")
    return "<!-- Generated by tools/lab gate diagram from docs/architecture.diagram.yml: do not edit. -->\n" + \
        "\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tools/lab gate diagram", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the SVG is not current")
    args = parser.parse_args(argv)
    try:
        svg = render(yaml.safe_load(SOURCE.read_text()))
    except DiagramError as exc:
        print("%s: %s" % (SOURCE.relative_to(ROOT), exc), file=sys.stderr)
        return 2
    current = OUT.read_text() if OUT.exists() else None
    if args.check:
        if current != svg:
            print("%s is not what %s gives: run `make diagram`" % (OUT.relative_to(ROOT), SOURCE.relative_to(ROOT)),
                  file=sys.stderr)
            return 1
        print("%s: current" % OUT.relative_to(ROOT))
        return 0
    if current != svg:
        OUT.write_text(svg)
        print("%s: written" % OUT.relative_to(ROOT))
    else:
        print("%s: current" % OUT.relative_to(ROOT))
    return 0
