"""The whole timeline within reach: /timeline and /timeline.svg in pages of MAX_ROWS, optionally of a span of years."""

import re
import xml.etree.ElementTree as ET

import pytest

from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore
from natograph.serve.timeline import MAX_ROWS

from ..web_fixture import EXERCISES, FIRST_EXERCISE_YEAR, built_many_operations_project

from ..serving import in_process_client

SVG = "{http://www.w3.org/2000/svg}"
@pytest.fixture(scope="module")
def client(tmp_path_factory):
    config = built_many_operations_project(tmp_path_factory.mktemp("many"))
    store = EmbeddedStore(open_snapshot(config))
    return in_process_client(config, store)


def operations(svg: bytes) -> list[str]:
    """The slugs of the operations drawn, top to bottom."""
    return [a.get("href").rsplit("/", 1)[-1] for a in ET.fromstring(svg).iter(SVG + "a")
            if "operation" in a.get("class", "").split()]


def later_link(svg: bytes) -> str | None:
    return next((a.get("href") for a in ET.fromstring(svg).iter(SVG + "a") if a.get("class") == "later"), None)


def test_the_pages_of_the_image_draw_every_dated_operation_once_in_order_of_start(client):
    first, second = client.get("/timeline.svg"), client.get("/timeline.svg?page=2")
    assert first.status_code == second.status_code == 200
    drawn = operations(first.data) + operations(second.data)
    assert len(operations(first.data)) == MAX_ROWS
    assert drawn[:2] == ["op-a", "injected"]
    assert drawn[2:] == [f"exercise-{n:03d}" for n in range(EXERCISES)]


def test_the_count_of_later_operations_links_to_the_next_page(client):
    first = client.get("/timeline.svg").data
    assert later_link(first) == "/timeline?page=2"
    more = next(t.text for t in ET.fromstring(first).iter(SVG + "text") if t.get("class") == "more")
    assert f"and {EXERCISES + 2 - MAX_ROWS} later operations" in more
    assert later_link(client.get("/timeline.svg?page=2").data) is None


def test_a_span_of_years_keeps_the_operations_under_way_in_it(client):
    drawn = operations(client.get("/timeline.svg?from=2008&to=2009").data)
    # op-a ran 2001 to December 2014; the injected operation from 2005 has no end, so it is still under way.
    assert drawn == ["op-a", "injected"] + [f"exercise-{n:03d}" for n in range(20, 40)]
    assert operations(client.get("/timeline.svg?to=2004").data) == ["op-a"]
    after = operations(client.get(f"/timeline.svg?from={FIRST_EXERCISE_YEAR + EXERCISES // 10}").data)
    assert after == ["injected"] + [f"exercise-{n:03d}" for n in range(EXERCISES // 10 * 10, EXERCISES)]


def test_a_span_without_operations_says_so(client):
    response = client.get("/timeline.svg?from=1950&to=1960")
    assert response.status_code == 200 and b"No dated operation in these years." in response.data


def test_the_timeline_page_links_previous_and_next_pages_keeping_the_years(client):
    page = client.get("/timeline").data.decode()
    assert 'rel="next" href="/timeline?page=2"' in page and 'rel="prev"' not in page
    assert f"Operations 1 to {MAX_ROWS} of {EXERCISES + 2}" in page
    second = client.get("/timeline?page=2").data.decode()
    assert 'rel="prev" href="/timeline"' in second and 'rel="next"' not in second
    assert 'href="/id/exercise-124"' in second and 'href="/id/op-a"' not in second
    spanned = client.get("/timeline?from=2006&to=2030").data.decode()
    assert 'value="2006"' in spanned and 'value="2030"' in spanned
    next_address = re.search(r'rel="next" href="([^"]+)"', spanned).group(1).replace("&amp;", "&")
    assert sorted(next_address.split("?", 1)[1].split("&")) == ["from=2006", "page=2", "to=2030"]
    assert client.get(next_address).status_code == 200


def test_the_landing_page_links_to_the_whole_timeline(client):
    page = client.get("/").data.decode()
    assert 'href="/timeline"' in page and 'href="/timeline?page=2"' in page


@pytest.mark.parametrize("query, parameter", [
    ("page=0", "page"), ("page=two", "page"), ("page=99", "page"), ("page=1&page=2", "page"),
    ("from=abc", "from"), ("from=0", "from"), ("to=10000", "to"), ("from=2010&to=2001", "to"),
    ("from=" + "9" * 5000, "from"), ("page=-1", "page"), ("from=%D9%A3", "from"),
])
@pytest.mark.parametrize("path", ["/timeline.svg", "/timeline"])
def test_a_bad_parameter_is_a_400_naming_it(client, path, query, parameter):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.json["error"] == "invalid-parameter" and response.json["parameter"] == parameter
    assert f"parameter '{parameter}'" in response.json["message"]


def test_a_page_past_the_last_names_the_last_page(client):
    message = client.get("/timeline.svg?from=2008&to=2009&page=2").json["message"]
    assert "past the last page, 1" in message


def test_each_page_and_span_has_its_own_etag_and_answers_304_to_it(client):
    tags = {query: client.get(f"/timeline.svg?{query}").headers["ETag"]
            for query in ("", "page=2", "from=2008", "from=2008&to=2009")}
    assert len(set(tags.values())) == 4
    assert client.get("/timeline.svg?page=1").headers["ETag"] == tags[""]
    page_tag = client.get("/timeline?page=2").headers["ETag"]
    assert page_tag not in tags.values()
    again = client.get("/timeline.svg?page=2", headers={"If-None-Match": tags["page=2"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/timeline?page=2", headers={"If-None-Match": page_tag}).status_code == 304
    assert client.get("/timeline.svg?page=2", headers={"If-None-Match": tags[""]}).status_code == 200


def test_a_span_of_years_draws_its_axis_over_those_years_only(client):
    root = ET.fromstring(client.get("/timeline.svg?from=2008&to=2009").data)
    assert [int(t.text) for t in root.iter(SVG + "text") if t.text and t.text.isdigit()] == [2008, 2009, 2010]
    cut = {a.get("href").rsplit("/", 1)[-1] for a in root.iter(SVG + "a")
           if any(line.get("class") == "continues-before" for line in a.iter(SVG + "line"))}
    assert cut == {"op-a", "injected"}  # begun in 2001 and 2005; the exercises of 2008 and 2009 are not cut
