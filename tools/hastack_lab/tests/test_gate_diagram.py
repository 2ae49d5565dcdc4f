"""The architecture diagram is drawn from its source, deterministically, and bad sources are refused."""

import re

import pytest
import yaml

from hastack_lab import ROOT
from hastack_lab.gates import diagram as gen_diagram

SOURCE = yaml.safe_load((ROOT / "docs" / "architecture.diagram.yml").read_text())
SMALL = {"title": "t", "tiers": [{"nodes": [{"id": "a", "lines": ["A"]}]},
                                 {"caption": "two", "nodes": [{"id": "b", "lines": ["B", "x < y"]},
                                                              {"id": "c", "lines": ["C"]}]}],
         "edges": [{"from": "a", "to": "b", "label": "go"}, {"from": "a", "to": "c", "label": "go", "style": "dashed"}]}


def test_the_paper_topology_is_drawn_with_every_server():
    svg = gen_diagram.render(SOURCE)
    for server in ("lb1", "lb2", "web1", "web2", "db1", "db2", "db3"):
        assert ">%s</text>" % server in svg
    assert svg.count("<line ") == len(SOURCE["edges"])


def test_the_same_source_gives_the_same_bytes():
    assert gen_diagram.render(SOURCE) == gen_diagram.render(yaml.safe_load(yaml.safe_dump(SOURCE)))


def test_a_label_is_drawn_once_and_text_is_escaped():
    svg = gen_diagram.render(SMALL)
    assert svg.count(">go</text>") == 1
    assert "x &lt; y" in svg
    assert svg.count("stroke-dasharray") == 1


def test_boxes_do_not_overlap_and_stay_on_the_canvas():
    boxes, bands, height = gen_diagram.layout(SOURCE)
    items = list(boxes.values())
    for i, (x, y, w, h) in enumerate(items):
        assert gen_diagram.LEFT <= x and x + w <= gen_diagram.WIDTH and y + h <= height
        for (x2, y2, w2, h2) in items[i + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


def test_a_box_is_wide_enough_for_its_longest_line():
    node = {"id": "v", "lines": ["x" * 60]}
    assert gen_diagram.box_width(node) >= 60 * gen_diagram.CHAR_W


@pytest.mark.parametrize("source, words", [
    ({"tiers": []}, ["no tiers"]),
    ({"tiers": [{"nodes": [{"id": "a", "lines": ["A"]}, {"id": "a", "lines": ["B"]}]}]}, ["used twice: a"]),
    ({"tiers": [{"nodes": [{"id": "a"}]}]}, ["tiers[0].nodes[0] needs an id and lines"]),
    ({"tiers": [{"nodes": [{"id": "a", "lines": ["A"]}]}], "edges": [{"from": "a", "to": "z"}]},
     ["edges[0].to is 'z'"]),
    ({"tiers": [{"nodes": [{"id": "a", "lines": ["A"]}]}], "edges": [{"from": "a", "to": "a", "style": "dotted"}]},
     ["solid or dashed"]),
])
def test_bad_sources_are_refused_with_what_to_fix(source, words):
    with pytest.raises(gen_diagram.DiagramError) as exc:
        gen_diagram.render(source)
    for word in words:
        assert word in str(exc.value)


def test_the_committed_svg_is_current(capsys):
    assert gen_diagram.main(["--check"]) == 0
    assert re.search(r"architecture\.svg: current", capsys.readouterr().out)
