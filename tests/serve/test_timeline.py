"""The operations timeline: one bar per dated operation, hatched where a date is known only to the year or month."""

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore
from natograph.serve import timeline
from natograph.serve.timeline import LABEL_WIDTH, MAX_ROWS, dated_in_years, timeline_entries, timeline_svg

from ..web_fixture import INJECTED_LABEL, NATOID, built_web_project

from ..serving import in_process_client

SVG = "{http://www.w3.org/2000/svg}"
TODAY = dt.date(2026, 1, 15)


@pytest.fixture(scope="module")
def entries(tmp_path_factory):
    store = EmbeddedStore(open_snapshot(built_web_project(tmp_path_factory.mktemp("timeline"))))
    return timeline_entries(store)


def drawing(entries) -> ET.Element:
    return ET.fromstring(timeline_svg(entries, today=TODAY, link=lambda iri: "/id/" + iri.rsplit("/", 1)[-1]))


def bar(root: ET.Element, slug: str) -> ET.Element:
    return next(a for a in root.iter(SVG + "a") if a.get("href") == f"/id/{slug}")


def test_entries_carry_dates_at_the_sources_precision(entries):
    by_iri = {e.iri: e for e in entries}
    operation = by_iri[NATOID + "op-a"]
    assert (operation.start.precision, operation.start.earliest, operation.start.latest) == \
        ("year", dt.date(2001, 1, 1), dt.date(2001, 12, 31))
    assert (operation.end.precision, operation.end.earliest, operation.end.latest) == \
        ("month", dt.date(2014, 12, 1), dt.date(2014, 12, 31))
    assert by_iri[NATOID + "injected"].end is None
    assert [e.iri for e in entries] == [NATOID + "op-a", NATOID + "injected"]


def test_a_year_precise_start_is_hatched_over_the_whole_year(entries):
    root = drawing(entries)
    rects = list(bar(root, "op-a").iter(SVG + "rect"))
    kinds = [r.get("class") for r in rects]
    assert kinds == ["uncertain", "certain", "uncertain"]
    start_span, certain, end_span = (float(r.get("width")) for r in rects)
    assert start_span > end_span * 5  # a year against a month (drawn at least MIN_UNCERTAIN_WIDTH wide)
    assert end_span >= timeline.MIN_UNCERTAIN_WIDTH  # wide enough for the hatching to show
    assert rects[0].get("fill") == "url(#timeline-hatch)"
    assert float(rects[0].get("x")) + start_span == pytest.approx(float(rects[1].get("x")), abs=0.2)


def test_an_operation_without_an_end_runs_on_to_the_snapshot_date_with_an_open_end(entries):
    root = drawing(entries)
    ongoing = bar(root, "injected")
    assert ongoing.find(SVG + "line").get("marker-end") == "url(#timeline-open)"
    assert "ongoing" in ongoing.find(SVG + "title").text


def test_labels_are_escaped_text(entries):
    text = timeline_svg(entries, today=TODAY, link=lambda iri: iri)
    assert "<script>" not in text and "<b>" not in text
    root = ET.fromstring(text)
    labels = [t.text for t in root.iter(SVG + "text") if t.get("class") == "label"]
    assert INJECTED_LABEL[:20] in "".join(labels)
    assert not list(root.iter(SVG + "script")) and not list(root.iter("script"))


def test_undated_operations_are_left_out_of_the_drawing(entries):
    undated = [e for e in entries if e.start is None]
    assert ET.fromstring(timeline_svg(undated, today=TODAY, link=str)).find(SVG + "text").text.startswith("No dated")


def test_the_axis_spans_the_first_start_to_the_snapshot_date(entries):
    years = [int(t.text) for t in drawing(entries).iter(SVG + "text") if t.text and t.text.isdigit()]
    assert years[0] == 2001 and years[-1] >= TODAY.year - 4 and years[-1] <= TODAY.year + 1


def test_the_landing_page_embeds_the_timeline(tmp_path):
    config = built_web_project(tmp_path)
    store = EmbeddedStore(open_snapshot(config))
    page = in_process_client(config, store).get("/").data.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="timeline"' in page
    assert 'href="/id/op-a"' in page and "<script>alert" not in page


def test_a_long_timeline_draws_the_first_operations_and_counts_the_rest(entries):
    many = [replace(entries[0], iri=f"{NATOID}op-{n}") for n in range(MAX_ROWS + 7)]
    root = drawing(many)
    assert len(list(root.iter(SVG + "a"))) == MAX_ROWS
    assert "and 7 later operations" in next(t.text for t in root.iter(SVG + "text") if t.get("class") == "more")


def test_a_later_page_draws_the_next_operations_and_links_the_count_of_the_rest(entries):
    many = [replace(entries[0], iri=f"{NATOID}op-{n}") for n in range(2 * MAX_ROWS + 3)]
    text = timeline_svg(many, today=TODAY, link=lambda iri: "/id/" + iri.rsplit("/", 1)[-1], page=2,
                        later_link='/timeline?page=3&x="')
    root = ET.fromstring(text)
    drawn = [a.get("href") for a in root.iter(SVG + "a") if a.get("class") != "later"]
    assert drawn == [f"/id/op-{n}" for n in range(MAX_ROWS, 2 * MAX_ROWS)]
    later = next(a for a in root.iter(SVG + "a") if a.get("class") == "later")
    assert later.get("href") == '/timeline?page=3&x="'
    assert "and 3 later operations" in later.find(SVG + "text").text


def test_operations_under_way_in_a_span_of_years(entries):
    def slugs(first, last):
        return [e.iri.rsplit("/", 1)[-1] for e in dated_in_years(entries, first, last, today=TODAY)]
    assert slugs(None, None) == ["op-a", "injected"]
    assert slugs(None, 2004) == ["op-a"]
    assert slugs(2015, None) == ["injected"]  # op-a ended in December 2014; the injected one has no end
    assert slugs(2014, 2014) == ["op-a", "injected"]
    assert slugs(2030, None) == []


def years_on_axis(root: ET.Element) -> list[int]:
    return [int(t.text) for t in root.iter(SVG + "text") if t.text and t.text.isdigit()]


def test_a_span_of_years_keeps_the_axis_to_those_years_and_marks_bars_cut_at_its_edges(entries):
    shown = dated_in_years(entries, 2008, 2009, today=TODAY)
    root = ET.fromstring(timeline_svg(shown, today=TODAY, link=lambda iri: "/id/" + iri.rsplit("/", 1)[-1],
                                      first_year=2008, last_year=2009))
    assert years_on_axis(root) == [2008, 2009, 2010]
    ticks = [float(line.get("x1")) for line in root.iter(SVG + "line") if line.get("class") == "tick"]
    left, right = ticks[0], ticks[-1]
    assert left > LABEL_WIDTH  # room for the arrows of bars begun before 2008
    for slug in ("op-a", "injected"):
        operation = bar(root, slug)
        # Both began years before 2008 (op-a's hatched year 2001 is off the axis): one solid bar, edge to edge.
        assert [(r.get("class"), float(r.get("x")), float(r.get("x")) + float(r.get("width")))
                for r in operation.iter(SVG + "rect")] == [("certain", left, right)]
        marks = {line.get("class"): line for line in operation.iter(SVG + "line")}
        before = marks["continues-before"]
        assert before.get("marker-end") == "url(#timeline-open)" and float(before.get("x2")) < left
    assert "continues-after" in {line.get("class") for line in bar(root, "op-a").iter(SVG + "line")}
    assert "ongoing" in {line.get("class") for line in bar(root, "injected").iter(SVG + "line")}


def test_an_early_start_does_not_stretch_a_later_span(entries):
    founded = replace(entries[0].start, text="1949", earliest=dt.date(1949, 1, 1), latest=dt.date(1949, 12, 31))
    early = [replace(entries[0], start=founded)]
    unbounded = ET.fromstring(timeline_svg(early, today=TODAY, link=str))
    assert years_on_axis(unbounded)[0] == 1949
    bounded = ET.fromstring(timeline_svg(early, today=TODAY, link=str, first_year=1990, last_year=1999))
    assert years_on_axis(bounded) == list(range(1990, 2001))
    assert {line.get("class") for line in bounded.iter(SVG + "line")} >= {"continues-before", "continues-after"}


def test_a_whole_timeline_marks_nothing_as_cut(entries):
    classes = {line.get("class") for line in drawing(entries).iter(SVG + "line")}
    assert "continues-before" not in classes and "continues-after" not in classes


def test_the_last_year_label_ends_inside_the_drawing(entries):
    root = drawing(entries)
    labels = [t for t in root.iter(SVG + "text") if (t.text or "").isdigit() and len(t.text) == 4]
    last = max(labels, key=lambda t: float(t.get("x")))
    assert float(last.get("x")) > 900 and last.get("text-anchor") == "end"
