"""The remote store's readers of SPARQL JSON results: Oxigraph's parser for the standard's forms, natograph's own
for an engine's forms (Virtuoso's), both giving the terms the embedded store gives."""

import json

import pyoxigraph as ox
import pytest

from natograph.store import AskResult, QueryLimits, SelectResult
from natograph.store.remote import read_results, read_results_json, read_standard_results

XSD = "http://www.w3.org/2001/XMLSchema#"
STANDARD = {"head": {"vars": ["s", "label", "n", "b", "none"]}, "results": {"bindings": [
    {"s": {"type": "uri", "value": "https://w3id.org/natograph/id/kfor"},
     "label": {"type": "literal", "value": "KFOR", "xml:lang": "EN"},
     "n": {"type": "literal", "value": "3", "datatype": XSD + "integer"},
     "b": {"type": "bnode", "value": "b1"}},
    {"s": {"type": "uri", "value": "https://w3id.org/natograph/id/isaf"},
     "label": {"type": "literal", "value": "ISAF"}},
]}}
# Virtuoso's forms: typed-literal, numbers as JSON numbers, nodeID:// blank nodes, booleans 1 and 0.
VIRTUOSO = {"head": {"link": [], "vars": ["n", "b", "flag"]}, "results": {"distinct": False, "ordered": True, "bindings": [
    {"n": {"type": "typed-literal", "value": 3, "datatype": XSD + "integer"},
     "b": {"type": "bnode", "value": "nodeID://b10006"},
     "flag": {"type": "typed-literal", "value": "1", "datatype": XSD + "boolean"}},
]}}


def rows_of(result: SelectResult) -> list[list[str]]:
    return [[None if term is None else str(term) for term in row] for row in result.rows]


def test_standard_results_read_by_oxigraphs_parser_equal_natographs_reading():
    body = json.dumps(STANDARD).encode()
    fast = read_standard_results(body, QueryLimits(), None)
    assert fast.variables == ["s", "label", "n", "b", "none"]
    assert rows_of(fast) == rows_of(read_results_json(json.loads(body), QueryLimits(), None))
    assert rows_of(fast)[0] == ["<https://w3id.org/natograph/id/kfor>", '"KFOR"@en',
                                f'"3"^^<{XSD}integer>', "_:b1", None]
    assert rows_of(fast)[1] == ["<https://w3id.org/natograph/id/isaf>", '"ISAF"', None, None, None]


def test_the_row_limit_cuts_either_reading_and_says_so():
    body = json.dumps(STANDARD).encode()
    for result in (read_results(body, QueryLimits(max_rows=1), None),
                   read_results(body, QueryLimits(max_rows=1), None, standard=False)):
        assert len(result.rows) == 1 and result.truncated
    assert not read_results(body, QueryLimits(max_rows=2), None).truncated


def test_an_answer_in_an_engines_own_forms_is_read_by_natographs_reader_whichever_is_asked():
    body = json.dumps(VIRTUOSO).encode()
    with pytest.raises(SyntaxError):
        read_standard_results(body, QueryLimits(), None)
    for standard in (True, False):
        result = read_results(body, QueryLimits(), None, standard=standard)
        assert rows_of(result) == [[f'"3"^^<{XSD}integer>', "_:nodeID___b10006", f'"true"^^<{XSD}boolean>']]


def test_booleans_of_an_engine_known_for_its_own_forms_are_canonical():
    """A boolean written 1 is standard JSON: only the engine's name tells it must be read by natograph's reader."""
    body = json.dumps({"head": {"vars": ["flag"]}, "results": {"bindings": [
        {"flag": {"type": "literal", "value": "0", "datatype": XSD + "boolean"}}]}}).encode()
    assert rows_of(read_results(body, QueryLimits(), None, standard=False)) == [[f'"false"^^<{XSD}boolean>']]
    assert rows_of(read_results(body, QueryLimits(), None, standard=True)) == [[f'"0"^^<{XSD}boolean>']]


def test_a_boolean_answer_is_read_by_either_reader():
    body = b'{"head":{},"boolean":true}'
    assert read_results(body, QueryLimits(), None) == AskResult(True)
    assert read_results(body, QueryLimits(), None, standard=False) == AskResult(True)
    assert isinstance(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON), ox.QueryBoolean)
