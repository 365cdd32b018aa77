"""Result writers: every format parses back (with Oxigraph's and rdflib's parsers) to the same terms."""

import csv
import io
import json

import pyoxigraph as ox
import pytest
import rdflib

from natograph.formats import FORMATS_BY_KIND, Format, ResultKind
from natograph.formats.jsonld import JsonLdContext, TermDefinition
from natograph.formats.results import serialize_graph, serialize_result
from natograph.store import AskResult, GraphResult, SelectResult

from ..jsonld_checks import assert_compact, assert_reads_as, node_keys, parse_json

XSD = "http://www.w3.org/2001/XMLSchema#"
IRI = ox.NamedNode("https://w3id.org/natograph/id/kfor")
LABEL = ox.Literal('KFOR, "Kosovo Force"\tand\nmore', language="en")
NUMBER = ox.Literal("1999", datatype=ox.NamedNode(XSD + "gYear"))
PLAIN = ox.Literal("plain, with <angle> & ampersand")
BLANK = ox.BlankNode("b0")
SELECT = SelectResult(["s", "label", "year", "other"], [
    [IRI, LABEL, NUMBER, None],
    [BLANK, PLAIN, None, IRI],
])
TRIPLES = [
    ox.Triple(IRI, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), LABEL),
    ox.Triple(IRI, ox.NamedNode("https://w3id.org/natograph/ontology#startDate"), NUMBER),
]
LED_BY = ox.Triple(IRI, ox.NamedNode("https://w3id.org/natograph/ontology#ledBy"),
                   ox.NamedNode("https://w3id.org/natograph/id/nato"))
CONTEXT = JsonLdContext([
    TermDefinition("label", "http://www.w3.org/2000/01/rdf-schema#label", language="en"),
    TermDefinition("startDate", "https://w3id.org/natograph/ontology#startDate"),
    TermDefinition("ledBy", "https://w3id.org/natograph/ontology#ledBy", points_at_resources=True),
])


def solutions(body: bytes, fmt: ox.QueryResultsFormat) -> list[dict]:
    parsed = ox.parse_query_results(body, format=fmt)
    return [{v.value: row[v] for v in parsed.variables if row[v] is not None} for row in parsed]


def expected_solutions() -> list[dict]:
    return [{name: term for name, term in zip(SELECT.variables, row) if term is not None} for row in SELECT.rows]


@pytest.mark.parametrize("fmt, parser", [
    (Format.SPARQL_JSON, ox.QueryResultsFormat.JSON),
    (Format.SPARQL_XML, ox.QueryResultsFormat.XML),
    (Format.TSV, ox.QueryResultsFormat.TSV),
])
def test_select_results_parse_back_to_the_same_terms(fmt, parser):
    body = serialize_result(SELECT, fmt)
    assert solutions(body, parser) == expected_solutions()


@pytest.mark.parametrize("fmt, parser", [
    (Format.SPARQL_JSON, ox.QueryResultsFormat.JSON),
    (Format.SPARQL_XML, ox.QueryResultsFormat.XML),
])
def test_ask_results_parse_back(fmt, parser):
    for value in (True, False):
        assert bool(ox.parse_query_results(serialize_result(AskResult(value), fmt), format=parser)) is value


def test_csv_has_plain_values_and_crlf_line_ends():
    body = serialize_result(SELECT, Format.CSV).decode("utf-8")
    assert body.startswith("s,label,year,other\r\n")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[1] == [IRI.value, LABEL.value, "1999", ""]
    assert rows[2] == ["_:b0", PLAIN.value, "", IRI.value]


def test_tsv_keeps_tabs_inside_literals_escaped():
    lines = serialize_result(SELECT, Format.TSV).decode("utf-8").split("\n")
    assert lines[0] == "?s\t?label\t?year\t?other"
    assert len(lines[1].split("\t")) == 4


def test_ask_in_csv_and_tsv_is_one_named_column():
    assert serialize_result(AskResult(True), Format.CSV) == b"boolean\r\ntrue\r\n"
    assert serialize_result(AskResult(False), Format.TSV) == b"?boolean\nfalse\n"


def test_json_says_whether_the_row_limit_cut_the_result():
    whole = json.loads(serialize_result(SELECT, Format.SPARQL_JSON, max_rows=10))
    assert whole["natograph"] == {"truncated": False}
    cut = SelectResult(SELECT.variables, SELECT.rows[:1], truncated=True)
    document = json.loads(serialize_result(cut, Format.SPARQL_JSON, max_rows=1))
    assert document["natograph"] == {"truncated": True, "max_rows": 1}
    assert len(document["results"]["bindings"]) == 1


def test_rdf_star_triple_terms_are_written_in_json_and_xml():
    quoted = ox.Triple(IRI, ox.NamedNode("http://e/p"), NUMBER)
    result = SelectResult(["t"], [[quoted]])
    for fmt, parser in [(Format.SPARQL_JSON, ox.QueryResultsFormat.JSON), (Format.SPARQL_XML, ox.QueryResultsFormat.XML)]:
        assert solutions(serialize_result(result, fmt), parser) == [{"t": quoted}]


@pytest.mark.parametrize("fmt", FORMATS_BY_KIND[ResultKind.GRAPH])
def test_graph_results_parse_back_with_rdflib(fmt):
    body = serialize_result(GraphResult(TRIPLES), fmt)
    rdflib_format = {
        Format.TURTLE: "turtle", Format.N_TRIPLES: "nt", Format.JSON_LD: "json-ld",
        Format.RDF_XML: "xml", Format.N_QUADS: "nquads", Format.TRIG: "trig",
    }[fmt]
    parsed = rdflib.Dataset()
    parsed.parse(data=body, format=rdflib_format)
    triples = {(str(s), str(p), str(o)) for s, p, o, _ in parsed.quads((None, None, None, None))}
    assert triples == {(t.subject.value, t.predicate.value, t.object.value) for t in TRIPLES}


def test_turtle_uses_natograph_prefixes_unless_given_others():
    assert b"natoid:kfor" in serialize_graph(TRIPLES, Format.TURTLE)
    assert b"<https://w3id.org/natograph/id/kfor>" in serialize_graph(TRIPLES, Format.TURTLE, prefixes={})


def test_a_format_of_the_other_kind_is_refused():
    with pytest.raises(ValueError):
        serialize_result(SELECT, Format.TURTLE)
    with pytest.raises(ValueError):
        serialize_result(GraphResult(TRIPLES), Format.CSV)


def test_a_graph_in_json_ld_is_compact_against_the_context_given():
    result = GraphResult(TRIPLES + [LED_BY, ox.Triple(BLANK, ox.NamedNode("http://e/p"), PLAIN)])
    body = serialize_result(result, Format.JSON_LD, context=CONTEXT)
    document = parse_json(body)
    assert document["@context"] == CONTEXT.document()["@context"]
    assert assert_compact(document) == {"label", "startDate", "ledBy", "http://e/p"}
    kfor = next(node for node in document["@graph"] if node["id"] == "natoid:kfor")
    assert kfor["label"] == LABEL.value and kfor["ledBy"] == "natoid:nato"
    assert_reads_as(body, serialize_result(result, Format.TURTLE))


def test_a_graph_in_json_ld_without_a_context_is_compact_against_the_prefixes():
    body = serialize_result(GraphResult(TRIPLES + [LED_BY]), Format.JSON_LD)
    document = parse_json(body)
    assert assert_compact(document) == {"rdfs:label", "nato:startDate", "nato:ledBy"}
    assert document["@graph"][0]["nato:ledBy"] == {"@id": "natoid:nato"}
    assert_reads_as(body, serialize_graph(TRIPLES + [LED_BY], Format.TURTLE))


def test_a_graph_in_json_ld_gets_the_prefixes_its_context_lacks():
    triples = [ox.Triple(IRI, ox.NamedNode("http://rdfs.org/ns/void#triples"), ox.Literal("3", datatype=ox.NamedNode(XSD + "integer")))]
    document = parse_json(serialize_graph(triples, Format.JSON_LD, context=CONTEXT,
                                          prefixes={"void": "http://rdfs.org/ns/void#"}))
    assert document["@context"]["void"] == "http://rdfs.org/ns/void#"
    assert node_keys(document) == {"void:triples"} and document["@graph"][0]["void:triples"] == 3


def test_query_results_in_json_ld_are_one_line_per_node():
    body = serialize_result(GraphResult(TRIPLES + [ox.Triple(BLANK, ox.NamedNode("http://e/p"), PLAIN)]), Format.JSON_LD)
    lines = body.decode("utf-8").splitlines()
    assert len(lines) == 5  # the context, "@graph", each of the two nodes, the end
    assert [json.loads(line.rstrip(","))["id"] for line in lines[2:4]] == ["natoid:kfor", "_:b0"]
