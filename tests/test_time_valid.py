"""Issue 13, part 2: what holds at a date is read from the dated membership, partnership and leadership
nodes, through the real canned-query path (the `natograph query NAME -p …` command on the real data)."""

import json

import pytest
from click.testing import CliRunner

from natograph.cli import main

from .conftest import REPO_ROOT

ID = "https://w3id.org/natograph/id/"


@pytest.fixture(scope="module")
def query(project_config, project_snapshot):
    """Run a canned query with the CLI on the real project's snapshot; the rows as dicts of plain values."""
    runner = CliRunner()

    def run(name, **params):
        arguments = ["--root", str(REPO_ROOT), "query", name, "--format", "json"]
        for key, value in params.items():
            arguments += ["-p", f"{key}={value}"]
        result = runner.invoke(main, arguments, env={"NATOGRAPH_SNAPSHOT_DIR": str(project_config.snapshot_dir)})
        assert result.exit_code == 0, result.output
        answer = json.loads(result.stdout)
        return [{k: v["value"] for k, v in row.items()} for row in answer["results"]["bindings"]]
    return run


def ids(rows, column):
    return {row[column].removeprefix(ID) for row in rows if column in row}


def test_finland_is_a_partner_not_a_member_in_2016(query):
    assert "finland" in ids(query("partners-on", date="2016", framework="eapc"), "partner")
    assert "finland" not in ids(query("members-on", date="2016"), "member")


def test_finland_is_a_member_not_a_partner_in_2024(query):
    assert "finland" in ids(query("members-on", date="2024"), "member")
    assert "finland" not in ids(query("partners-on", date="2024"), "partner")


def test_accession_dates_divide_partners_from_members_by_day(query):
    assert "finland" in ids(query("partners-on", date="2023-04-03"), "partner")
    assert "finland" not in ids(query("members-on", date="2023-04-03"), "member")
    assert "finland" in ids(query("members-on", date="2023-04-05"), "member")
    assert "finland" not in ids(query("partners-on", date="2023-04-05"), "partner")
    assert "sweden" in ids(query("partners-on", date="2024-03-06"), "partner")
    assert "sweden" not in ids(query("partners-on", date="2024-06"), "partner")
    assert "sweden" in ids(query("members-on", date="2024-06"), "member")


def test_a_year_holding_both_states_answers_both(query):
    """2023 is answered at year precision: Finland may have been a partner (January) and a member (May)."""
    assert "finland" in ids(query("partners-on", date="2023"), "partner")
    assert "finland" in ids(query("members-on", date="2023"), "member")


def test_partners_on_a_date_per_framework_with_sources(query):
    rows = query("partners-on", date="2016")
    frameworks = ids(rows, "framework")
    assert {"eapc", "mediterranean-dialogue", "istanbul-cooperation-initiative", "partners-across-the-globe",
            "nato-russia-council", "defence-capacity-building-initiative"} <= frameworks
    assert all(row.get("source") for row in rows)
    assert not query("partners-on", date="2010")   # no partnership is dated before 2016 in the sources


def test_members_of_the_coalition_on_a_date(query):
    coalition = ID + "global-coalition-against-daesh"
    assert "nato" in ids(query("members-on", date="2017-05-25", organisation=coalition), "member")
    assert "nato" not in ids(query("members-on", date="2017-05-24", organisation=coalition), "member")


def test_isaf_is_nato_led_from_august_2003(query):
    assert "isaf" not in ids(query("nato-led-operations", date="2002-06-01"), "operation")
    assert "isaf" not in ids(query("nato-led-operations", date="2003-08-10"), "operation")
    assert "isaf" in ids(query("nato-led-operations", date="2003-08-11"), "operation")
    assert "isaf" in ids(query("nato-led-operations", date="2010"), "operation")
    assert "isaf" not in ids(query("nato-led-operations", date="2015"), "operation")
    assert "kfor" in ids(query("nato-led-operations", date="2002-06-01"), "operation")
    assert "isaf" in ids(query("nato-led-operations"), "operation")   # no date: NATO-led at some time


def test_operations_active_on_a_date_say_who_led_them_then(query):
    def leaders(date):
        return {row["operation"].removeprefix(ID): row.get("leader", "").removeprefix(ID)
                for row in query("operations-active-on", date=date)}
    before = leaders("2002-06-01")
    assert before["isaf"] == ""              # active, but not led by NATO (nor any organisation modelled)
    assert before["kfor"] == "nato" and before["unmik"] == "un"
    assert leaders("2004-06-01")["isaf"] == "nato"
    assert leaders("2019")["eulex"] == "eu"


def test_the_timeline_query_gives_nato_s_leadership_of_isaf_its_own_dates(query):
    isaf = [row for row in query("operations-timeline") if row["operation"] == ID + "isaf"]
    assert [(row["leader"], row["ledFrom"], row["ledUntil"], row["start"]) for row in isaf] == [
        ("North Atlantic Treaty Organization", "2003-08-11", "2014-12-28", "2001-12")]


def test_every_leadership_node_agrees_with_a_led_by_triple(project_store):
    rows = project_store.query("""
        PREFIX nato: <https://w3id.org/natograph/ontology#>
        SELECT ?operation ?leader WHERE {
          { ?l nato:ledOperation ?operation ; nato:leadingOrganisation ?leader .
            FILTER NOT EXISTS { ?operation nato:ledBy ?leader } }
          UNION
          { ?operation nato:ledBy ?leader .
            FILTER NOT EXISTS { ?l nato:ledOperation ?operation ; nato:leadingOrganisation ?leader } }
        }""").rows
    assert list(rows) == []


def test_no_inference_contradicts_a_dated_fact(project_store):
    """The timeless shortcuts are read "at some time": Finland is a PartnerCountry (it was one in 2016)
    and a member of NATO (from 2023), and nothing infers a membership or partnership node, a date or
    a leadership the dated nodes do not state."""
    inferred = "https://w3id.org/natograph/graph/inferred"
    rows = project_store.query(f"""
        PREFIX nato: <https://w3id.org/natograph/ontology#>
        SELECT ?s ?p ?o WHERE {{ GRAPH <{inferred}> {{ ?s ?p ?o }}
          VALUES ?p {{ nato:startDate nato:endDate nato:asOf nato:member nato:organisation nato:partner
                      nato:framework nato:leadingOrganisation nato:ledOperation }} }}""").rows
    assert list(rows) == []
    ask = project_store.query("""
        PREFIX nato: <https://w3id.org/natograph/ontology#>
        PREFIX natoid: <https://w3id.org/natograph/id/>
        ASK { natoid:finland a nato:PartnerCountry ; nato:memberOf natoid:nato .
              ?p nato:partner natoid:finland ; nato:asOfLatest ?asOf ; nato:endDate ?end .
              ?m nato:member natoid:finland ; nato:organisation natoid:nato ; nato:startDateEarliest ?joined .
              FILTER(?asOf < ?joined) }""")
    assert bool(ask)


def test_the_drawn_timeline_colours_isaf_as_nato_led_from_august_2003_only(project_store):
    import datetime as dt
    import re

    from natograph.serve.timeline import timeline_entries, timeline_svg

    entries = timeline_entries(project_store)
    isaf = next(e for e in entries if e.iri == ID + "isaf")
    assert isaf.nato_led and isaf.nato_led_from.earliest == dt.date(2003, 8, 11)
    assert "NATO-led from 2003-08-11" in isaf.describe()
    kfor = next(e for e in entries if e.iri == ID + "kfor")
    assert "NATO-led from" not in kfor.describe()        # led by NATO from its start: nothing to add
    svg = timeline_svg(entries, today=dt.date(2026, 1, 1), link=lambda iri: iri)
    bars = dict(re.findall(r'<a href="([^"]+)" class="operation [^"]+">(.*?)</a>', svg))
    assert '<g class="other">' in bars[ID + "isaf"]
    assert '<g class="other">' not in bars[ID + "kfor"]
    assert not any('<g class="other">' in bar for iri, bar in bars.items()
                   if iri.endswith(("eulex", "unmik", "eunavfor-med-irini")))
