"""Every canned query, run on the real graph, gives the answer a reader of the sources would give."""

import json
from collections import Counter

import pyoxigraph as ox
import pytest

from natograph.query.canned import bind_parameters, load_catalogue
from natograph.snapshot import CHECK_REPORT
from natograph.sparql.text import QueryText, TokenKind, tokenize

from ..conftest import REPO_ROOT

CATALOGUE = load_catalogue(REPO_ROOT / "queries")
ID = "https://w3id.org/natograph/id/"
NATO = "https://w3id.org/natograph/ontology#"
GRAPH = "https://w3id.org/natograph/graph/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


@pytest.fixture(scope="module")
def run(project_store):
    def run_query(name, **params):
        query = CATALOGUE[name]
        bindings = bind_parameters(query, params, project_store)
        result = project_store.query(query.text, bindings=bindings)
        if hasattr(result, "rows"):
            return [dict(zip(result.variables, row)) for row in result.rows]
        return result
    return run_query


def ids(rows, column):
    return {row[column].value.removeprefix(ID) for row in rows if row[column] is not None}


def values(rows, column):
    return [row[column].value if row[column] is not None else None for row in rows]


def test_operations_active_on_a_day_include_those_dated_by_year(run):
    active = ids(run("operations-active-on", date="2010-06-01"), "operation")
    assert {"isaf", "kfor", "operation-active-endeavour"} <= active
    assert not {"resolute-support", "nato-mission-iraq", "operation-sea-guardian"} & active


def test_operations_active_in_a_year_or_month(run):
    assert "resolute-support" in ids(run("operations-active-on", date="2015"), "operation")
    assert "isaf" in ids(run("operations-active-on", date="2014-12"), "operation")
    assert "isaf" not in ids(run("operations-active-on", date="2016"), "operation")
    assert "nato-mission-iraq" in ids(run("operations-active-on", date="2019-09-01"), "operation")


def test_operations_in_a_country_include_those_in_its_cities(run):
    assert {"isaf", "resolute-support"} <= ids(run("operations-in-place", place="Afghanistan"), "operation")
    assert "nato-mission-iraq" in ids(run("operations-in-place", place="iraq"), "operation")
    assert "kfor" in ids(run("operations-in-place", place="kosovo"), "operation")


def test_operations_by_un_mandate(run):
    rows = run("operations-by-mandate-type", kind="UNSecurityCouncilResolution")
    kfor = [row for row in rows if row["operation"].value == ID + "kfor"]
    assert kfor and kfor[0]["resolution"].value == "1244"


def test_predecessor_chains(run):
    assert ids(run("predecessors", operation="resolute-support"), "predecessor") == {"isaf"}
    assert ids(run("predecessors", operation="OSG"), "predecessor") == {"operation-active-endeavour"}


def test_successors_are_inferred_from_succeeds(run):
    assert ids(run("successors", operation="isaf"), "successor") == {"resolute-support"}
    assert ids(run("successors", operation="operation-active-endeavour"), "successor") == {"operation-sea-guardian"}


def test_what_summits_launched(run):
    assert "operation-sea-guardian" in ids(run("meeting-outcomes", meeting="summit-2016-warsaw"), "outcome")
    assert "nato-mission-iraq" in ids(run("meeting-outcomes", meeting="summit-2018-brussels"), "outcome")
    everything = run("meeting-outcomes")
    assert len(ids(everything, "meeting")) >= 4


def test_programmes_adopted_at_prague(run):
    labels = " | ".join(values(run("programmes-by-meeting", meeting="summit-2002-prague"), "programmeLabel"))
    assert "Partnership Action Plan against Terrorism" in labels
    assert "Military Concept" in labels


def test_partners_by_framework(run):
    md = ids(run("partners-by-framework", framework="Mediterranean Dialogue"), "partner")
    assert md == {"algeria", "egypt", "israel", "jordan", "mauritania", "morocco", "tunisia"}
    ici = ids(run("partners-by-framework", framework="ICI"), "partner")
    assert ici == {"bahrain", "kuwait", "qatar", "united-arab-emirates"}


def test_partners_on_a_date_come_from_the_dated_nodes(run):
    assert "finland" in ids(run("partners-on", date="2016", framework="eapc"), "partner")
    assert "finland" not in ids(run("partners-on", date="2024", framework="eapc"), "partner")
    assert "jordan" in ids(run("partners-on", date="2019"), "partner")


def test_members_on_a_date_come_from_the_dated_nodes(run):
    assert "finland" not in ids(run("members-on", date="2016"), "member")
    assert {"finland", "sweden", "germany"} <= ids(run("members-on", date="2024-06"), "member")
    coalition = ids(run("members-on", date="2018", organisation="global-coalition-against-daesh"), "member")
    assert {"nato", "france", "germany", "united-kingdom", "united-states"} == coalition


def test_a_partnership_that_ended_on_accession_says_so(run):
    finland = run("frameworks-of-partner", country="finland")
    assert [(r["framework"].value.removeprefix(ID), r["until"].value) for r in finland] == [("eapc", "2023-04-04")]
    eapc = {r["partner"].value.removeprefix(ID): r["until"] for r in run("partners-by-framework", framework="eapc")}
    assert eapc["sweden"].value == "2024-03-07" and eapc["austria"] is None
    # Being a partner is stated by the 2016 page, the end by NATO's list of members: each with its own source.
    for name, params in [("partners-by-framework", {"framework": "eapc"}), ("partners-on", {"date": "2016", "framework": "eapc"})]:
        finland = [row for row in run(name, **params) if row["partner"].value == ID + "finland"]
        assert [(row["asOf"].value, row["source"].value.removeprefix(ID), row["line"].value, row["until"].value,
                 row["untilSource"].value.removeprefix(ID), row["untilLine"]) for row in finland] == \
            [("2016", "source-003", "14", "2023-04-04", "ref-nato-member-countries", None)], name


def test_frameworks_of_a_partner(run):
    frameworks = ids(run("frameworks-of-partner", country="jordan"), "framework")
    assert "mediterranean-dialogue" in frameworks


def test_operational_partners_of_nato_mission_iraq(run):
    rows = run("operational-partners", operation="nato-mission-iraq")
    assert ids(rows, "partner") == {"australia", "finland", "sweden"}


def test_troop_figures_carry_dates_and_sources(run):
    rows = run("troop-figures", operation="resolute-support")
    by_troops = {row["troops"].value: row for row in rows}
    assert "11900" in by_troops and "1300" in by_troops
    assert by_troops["11900"]["asOf"].value.startswith("2020")
    assert (by_troops["11900"]["source"].value, by_troops["11900"]["line"].value) == (ID + "source-000", "7")
    assert by_troops["1300"]["contributor"].value == "Germany"
    kfor = {row["troops"].value for row in run("troop-figures", operation="kfor")}
    assert "3500" in kfor


def test_disputed_claims_keep_both_sides(run):
    rows = run("disputed-claims")
    isaf_start = [row for row in rows if row["subject"].value == ID + "isaf"
                  and row["property"].value.endswith("#startDate")]
    assert {row["value"].value for row in isaf_start} >= {"2001", "2003"}
    assert len({row["source"].value for row in isaf_start}) >= 2
    stated = {(row["value"].value, row["source"].value.removeprefix(ID), row["line"] and int(row["line"].value))
              for row in isaf_start}
    assert {("2001", "source-001", 77), ("2003", "source-002", 136), ("2003", "source-002", 137),
            ("2001-12", "ref-nato-isaf", None)} == stated


def test_nato_led_operations_are_all_inferred(run):
    rows = run("nato-led-operations")
    assert {"kfor", "isaf", "resolute-support", "operation-sea-guardian", "nato-mission-iraq"} <= ids(rows, "operation")
    assert not {"eulex", "eunavfor-med-irini"} & ids(rows, "operation")
    assert all(row["inferred"].value == "true" for row in rows)


def test_operations_led_by_the_eu(run):
    assert {"eulex", "eunavfor-med-irini"} <= ids(run("operations-led-by", leader="EU"), "operation")
    assert "kfor" in ids(run("operations-led-by"), "operation")  # default: NATO


def test_members_of_the_global_coalition(run):
    rows = run("members-of", organisation="global-coalition-against-daesh")
    nato = [row for row in rows if row["member"].value == ID + "nato"]
    assert nato and nato[0]["joined"].value.startswith("2017")
    # NATO's joining is stated on three lines of the news commentary: a row for each, naming its line.
    assert sorted(int(row["line"].value) for row in nato) == [7, 11, 19]
    assert {row["source"].value for row in nato} == {ID + "source-004"}


def test_a_coalition_membership_known_only_as_of_a_date_shows_that_date_and_the_line_stating_it(run):
    rows = run("members-of", organisation="global-coalition-against-daesh")
    france = [row for row in rows if row["member"].value == ID + "france"]
    assert [(row["joined"], row["asOf"].value, row["source"].value, row["line"].value) for row in france] == \
        [(None, "2017-05-25", ID + "source-004", "5")]
    on = [row for row in run("members-on", date="2018", organisation="global-coalition-against-daesh")
          if row["member"].value == ID + "france"]
    assert [(row["asOf"].value, row["line"].value) for row in on] == [("2017-05-25", "5")]


def test_an_accession_row_names_the_statement_of_the_date_not_every_document_mentioning_the_member(run):
    """The news commentary (source-004, line 5) says France is in NATO but not since when: the accession date
    comes from NATO's list of members, so France has one row, naming it."""
    for name in ("members-of", "members-on"):
        france = [row for row in run(name) if row["member"].value == ID + "france"]
        assert [(row["joined"].value, row["source"].value, row["line"]) for row in france] == \
            [("1949-04-04", ID + "ref-nato-member-countries", None)], name
        assert all(row["asOf"] is None for row in france), name


def statements_of(store, subject, predicate, value) -> set[tuple[str, int | None]]:
    """The (source, line) of every statement graph that holds the triple, read from the quads themselves."""
    triple = [subject, ox.NamedNode(NATO + predicate), value]
    found = set()
    for quad in store.quads_for_pattern(*triple, None):
        graph = quad.graph_name
        if isinstance(graph, ox.DefaultGraph) or (graph, RDF_TYPE, ox.NamedNode(NATO + "StatementGraph")) \
                not in {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(graph, RDF_TYPE, None, None)}:
            continue
        source = next(store.quads_for_pattern(graph, ox.NamedNode(NATO + "source"), None, None)).object
        lines = [int(q.object.value) for q in store.quads_for_pattern(graph, ox.NamedNode(NATO + "sourceLine"), None, None)]
        found |= {(source.value.removeprefix(ID), line) for line in lines or [None]}
    return found


def one(store, subject, predicate):
    values = {q.object for q in store.quads_for_pattern(subject, ox.NamedNode(NATO + predicate), None, ox.DefaultGraph())}
    assert len(values) <= 1
    return next(iter(values), None)


@pytest.mark.parametrize(("name", "relation", "node_class", "party", "whole", "params"), [
    ("members-of", "memberOf", "Membership", "member", "organisation", {"organisation": "nato"}),
    ("members-of", "memberOf", "Membership", "member", "organisation", {"organisation": "global-coalition-against-daesh"}),
    ("partners-by-framework", "partnerIn", "Partnership", "partner", "framework", {}),
    # On a date every node then valid: all the coalition's in 2018, every partnership in 2016.
    ("members-on", "memberOf", "Membership", "member", "organisation",
     {"organisation": "global-coalition-against-daesh", "date": "2018"}),
    ("partners-on", "partnerIn", "Partnership", "partner", "framework", {"date": "2016"}),
])
def test_each_row_names_exactly_the_statements_of_the_date_it_shows(run, project_store, name, relation, node_class,
                                                                    party, whole, params):
    """Start date if known, else the as-of date, else the relation itself; the end date in its own columns."""
    store = project_store.snapshot.store
    column = "partner" if party == "partner" else "member"
    expected, seen = Counter(), Counter()
    wholes = {ID + params[whole]} if whole in params else set()
    for quad in store.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(NATO + node_class), ox.DefaultGraph()):
        node = quad.subject
        member, organisation = one(store, node, party), one(store, node, whole)
        if organisation is None or wholes and organisation.value not in wholes:
            continue  # (an operational partnership is of an operation, not of a framework)
        start, as_of, end = one(store, node, "startDate"), one(store, node, "asOf"), one(store, node, "endDate")
        fact = (node, "startDate", start) if start else (node, "asOf", as_of) if as_of else (member, relation, organisation)
        ends = statements_of(store, node, "endDate", end) if end else {(None, None)}
        for source, line in statements_of(store, *fact) or {(None, None)}:  # an inferred fact: no source
            for end_source, end_line in ends:
                expected[(member.value, str(start) if start else None, None if start else as_of and str(as_of),
                          source, line, end and str(end), end_source, end_line)] += 1
    for row in run(name, **params):
        if whole == "framework" and row["framework"] is None:
            continue
        seen[(row[column].value, row["joined"] and str(row["joined"]), row["asOf"] and str(row["asOf"]),
              row["source"] and row["source"].value.removeprefix(ID), row["line"] and int(row["line"].value), row["until"] and str(row["until"]),
              row["untilSource"] and row["untilSource"].value.removeprefix(ID),
              row["untilLine"] and int(row["untilLine"].value))] += 1
    assert expected and seen == expected


def test_supported_operations(run):
    rows = run("supported-operations")
    assert ("kfor", "eulex") in {(r["operation"].value.removeprefix(ID), r["supported"].value.removeprefix(ID))
                                 for r in rows}


def test_command_structure(run):
    assert "nato-mission-iraq" in ids(run("command-structure", command="jfc-naples"), "operation")


def test_places_within_a_country_follow_located_in_transitively(run):
    rows = run("places-within", place="afghanistan")
    assert {"balkh-province", "mazar-e-sharif"} <= ids(rows, "inner")
    direct = {row["inner"].value.removeprefix(ID): row["direct"].value for row in rows}
    assert direct["mazar-e-sharif"] == "false" and direct["balkh-province"] == "true"


def test_meetings_in_a_year(run):
    assert ids(run("meetings", period="2018"), "meeting") >= {"summit-2018-brussels"}
    assert "summit-2016-warsaw" not in ids(run("meetings", period="2018"), "meeting")
    assert len(run("meetings")) >= 6


def test_sources_list_the_five_documents(run):
    rows = run("sources")
    documents = {row["source"].value.removeprefix(ID) for row in rows}
    assert {f"source-00{i}" for i in range(5)} <= documents
    assert all(int(row["resources"].value) > 0 for row in rows if "source-00" in row["source"].value)


def test_sources_count_what_the_check_reports_as_each_documents_coverage(run, project_snapshot):
    """The canned `sources` and the check's `source-coverage.rq` count statements and stated lines each their
    own way (the check cannot read the catalogue: build comes before query); on the project they must agree."""
    report = json.loads((project_snapshot.path / CHECK_REPORT).read_text(encoding="utf-8"))
    coverage = {finding["document"]: finding for check in report["checks"] for finding in check["findings"]
                if finding.get("kind") == "coverage"}
    rows = {row["source"].value: row for row in run("sources")}
    assert len(coverage) == 5 and set(coverage) <= set(rows)
    for document, finding in coverage.items():
        row = rows[document]
        assert (int(row["statements"].value), int(row["statedLines"].value), int(row["lines"].value)) == \
            (finding["statements"], finding["stated_lines"], finding["lines"]), document


def test_counts_by_type_include_inferred_classes(run):
    counts = {row["class"].value.rsplit("#", 1)[1]: int(row["count"].value) for row in run("counts-by-type")}
    assert counts["NatoLedOperation"] >= 5
    assert counts["PartnerCountry"] >= 11
    assert counts["Operation"] > counts["NatoLedOperation"]


def test_resource_facts_tell_asserted_from_inferred(run):
    rows = run("resource-facts", resource="KFOR")
    facts = {(row["property"].value.rsplit("#", 1)[-1], row["value"].value.removeprefix(ID)): row["status"].value
             for row in rows}
    assert facts[("ledBy", "nato")] == "asserted"
    assert facts[("type", "https://w3id.org/natograph/ontology#NatoLedOperation")] == "inferred"
    assert any(prop == "source" for prop, _ in facts)


def outer_group_variables(text: str) -> set[str]:
    """The variables written in the outermost WHERE group itself, not inside a nested group ({…} of OPTIONAL,
    UNION, GRAPH, EXISTS or a sub-query)."""
    start, depth, names = QueryText(text).where_offset, 0, set()
    for token in tokenize(text[start:]):
        if token.kind is TokenKind.PUNCT and token.text in "{}":
            depth += 1 if token.text == "{" else -1
            if depth < 0:
                break
        elif token.kind is TokenKind.VARIABLE and depth == 0:
            names.add(token.text[1:])
    return names


@pytest.mark.parametrize("name", [name for name, query in CATALOGUE.items() if query.parameters])
def test_every_parameter_is_used_in_the_outer_group_where_its_values_are_joined(name):
    query = CATALOGUE[name]
    outer = outer_group_variables(query.text)
    for parameter in query.parameters:
        assert outer & set(parameter.variables()), f"{name}: ?{parameter.name} is used only in nested groups"


def test_asserted_versus_inferred_lists_each_fact_of_a_resource_with_its_named_graph(run, project_store):
    store = project_store.snapshot.store
    resources = {q.subject.value for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
                 if isinstance(q.subject, ox.NamedNode)}
    assert len(resources) > 100
    for resource in resources:
        expected = Counter()
        in_files = set()
        for quad in store.quads_for_pattern(ox.NamedNode(resource), None, None, None):
            graph = quad.graph_name
            # Statement graphs (natoid:statements-…) say who states a triple, not which file or graph it is in.
            if isinstance(graph, ox.DefaultGraph) or not graph.value.startswith(GRAPH) \
                    or graph.value == GRAPH + "asserted":
                continue
            status = {GRAPH + "inferred": "inferred", GRAPH + "provenance": "provenance"}.get(graph.value, "asserted")
            in_files.add(quad.triple)
            expected[(status, str(quad.predicate), str(quad.object), graph.value)] += 1
        # A subject's nato:source is derived from the statement graphs: asserted, in no file.
        for quad in store.quads_for_pattern(ox.NamedNode(resource), None, None, ox.NamedNode(GRAPH + "asserted")):
            if quad.triple not in in_files:
                expected[("asserted", str(quad.predicate), str(quad.object), GRAPH + "asserted")] += 1
        rows = run("asserted-vs-inferred", resource=resource)
        found = Counter((row["status"].value, str(row["property"]), str(row["value"]), row["graph"].value) for row in rows)
        assert found == expected, resource


def test_operations_in_place_are_those_with_the_place_or_a_place_inside_it_as_area(run, project_store):
    store = project_store.snapshot.store

    def objects(subject, predicate):
        return {q.object for q in store.quads_for_pattern(subject, predicate, None, ox.DefaultGraph())}

    operations = {q.subject for q in store.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(NATO + "Operation"),
                                                             ox.DefaultGraph())}
    areas = {q.object for q in store.quads_for_pattern(None, ox.NamedNode(NATO + "area"), None, ox.DefaultGraph())}
    for place in areas | {container for area in areas for container in objects(area, ox.NamedNode(NATO + "locatedIn"))}:
        expected = set()
        for operation in operations:
            in_place = {place} & (objects(operation, ox.NamedNode(NATO + "area")) | {
                container for area in objects(operation, ox.NamedNode(NATO + "area"))
                for container in objects(area, ox.NamedNode(NATO + "locatedIn"))})
            expected |= {(operation.value, label.value) for label in objects(operation, RDFS_LABEL) if in_place}
        rows = run("operations-in-place", place=place.value)
        assert {(row["operation"].value, row["label"].value) for row in rows} == expected, place
        assert len(rows) == len(expected)


def test_asserted_versus_inferred_names_the_data_file(run):
    rows = run("asserted-vs-inferred", resource="kfor")
    asserted_graphs = {row["graph"].value for row in rows if row["status"].value == "asserted"}
    assert "https://w3id.org/natograph/graph/data/documents/source-000.trig" in asserted_graphs
    assert "https://w3id.org/natograph/graph/data/documents/source-001.trig" in asserted_graphs
    assert any(row["status"].value == "inferred" for row in rows)


def test_timeline_lists_every_operation_in_start_order_with_precision(run):
    rows = run("operations-timeline")
    names = [row["operation"].value.removeprefix(ID) for row in rows]
    assert names.index("isaf") < names.index("resolute-support") < names.index("nato-mission-iraq")
    rs = next(row for row in rows if row["operation"].value == ID + "resolute-support")
    assert rs["startPrecision"].value == "month"


def test_document_statements_lists_what_each_line_of_a_document_states(run, project_store):
    rows = run("document-statements", document="source-000")
    assert len(rows) >= 100
    lines = [int(row["line"].value) for row in rows]
    assert lines == sorted(lines) and set(lines) <= set(range(1, 14))
    stated = {(int(row["line"].value), row["subject"].value.removeprefix(ID), row["property"].value.removeprefix(NATO),
               str(row["value"])) for row in rows}
    assert (9, "kfor", "startDate", '"1999"^^<http://www.w3.org/2001/XMLSchema#gYear>') in stated
    assert (11, "operation-sea-guardian", "succeeds", f"<{ID}operation-active-endeavour>") in stated
    # Every row is a triple of the source's statement graphs, and each of those triples has a row.
    store = project_store.snapshot.store
    graphs = {q.subject for q in store.quads_for_pattern(None, ox.NamedNode(NATO + "source"), ox.NamedNode(ID + "source-000"),
                                                         ox.NamedNode(GRAPH + "provenance"))}
    held = {(q.graph_name.value, q.subject.value, q.predicate.value, str(q.object))
            for graph in graphs for q in store.quads_for_pattern(None, None, None, graph)}
    assert {(row["statements"].value, row["subject"].value, row["property"].value, str(row["value"]))
            for row in rows} == held


def test_a_reference_states_without_lines(run):
    rows = run("document-statements", document="ref-nato-isaf")
    assert rows and all(row.get("line") is None for row in rows)


def test_statement_sources_name_each_document_and_line_that_states_a_fact(run, project_store):
    rows = run("statement-sources", resource="summit-2016-warsaw", property="nato:date")
    stated = {(row["source"].value.removeprefix(ID), int(row["line"].value) if row.get("line") else None) for row in rows}
    assert ("source-002", 145) in stated and ("source-003", 21) in stated
    assert {str(row["value"]) for row in rows} == {'"2016-07-08"^^<http://www.w3.org/2001/XMLSchema#date>'}
    led = run("statement-sources", resource="kfor", property="nato:ledBy")
    assert ("source-000", 5) in {(row["source"].value.removeprefix(ID), int(row["line"].value)) for row in led}
    # A fact only the reasoner holds (the inverse of "Resolute Support succeeds ISAF") has no source of its own.
    inferred = ox.Quad(ox.NamedNode(ID + "isaf"), ox.NamedNode(NATO + "succeededBy"), ox.NamedNode(ID + "resolute-support"),
                       ox.NamedNode(GRAPH + "inferred"))
    assert inferred in project_store.snapshot.store
    assert run("statement-sources", resource="isaf", property="nato:succeededBy") == []


def test_every_canned_query_has_a_test_here():
    source = open(__file__, encoding="utf-8").read()
    missing = [name for name in CATALOGUE if f'"{name}"' not in source]
    assert not missing, f"canned queries without an answer test: {missing}"
