"""The canned-query catalogue: headers parse into typed parameters, values bind as RDF terms."""

import pyoxigraph as ox
import pytest

from natograph.build import build
from natograph.query.canned import CatalogueError, bind_parameters, load_catalogue, parse_query_file
from natograph.sparql.text import QueryText
from natograph.errors import ParameterError
from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore

OPERATIONS_LED_BY = """#+ summary: Operations led by an organisation
#+ description: Every operation whose leader is the given organisation.
#+ tags: [operations]
#+ params:
#+   - name: leader
#+     type: iri
#+     class: nato:Organisation
#+     description: the leading organisation
#+     example: natoid:org
PREFIX nato: <https://w3id.org/natograph/ontology#>
SELECT ?operation WHERE { ?operation nato:ledBy ?leader }
"""

ACTIVE_ON = """#+ summary: Operations active on a date
#+ params:
#+   - name: day
#+     type: date
#+     default: "2010-06-01"
#+   - name: limit
#+     type: integer
#+     default: 10
#+   - name: order
#+     type: enum
#+     values: [asc, desc]
#+     default: asc
PREFIX nato: <https://w3id.org/natograph/ontology#>
SELECT ?operation ?day ?limit ?order WHERE {
  ?operation nato:startDateEarliest ?from ; nato:endDateLatest ?to .
  FILTER(?from <= ?day_latest && ?day_earliest <= ?to)
}
"""


@pytest.fixture
def mini_store(mini_project):
    return EmbeddedStore(open_snapshot(mini_project, build(mini_project).key))


def _write(tmp_path, name, text):
    path = tmp_path / f"{name}.rq"
    path.write_text(text)
    return path


def test_header_becomes_typed_parameters(tmp_path):
    query = parse_query_file(_write(tmp_path, "operations-led-by", OPERATIONS_LED_BY))
    assert query.name == "operations-led-by"
    assert query.summary == "Operations led by an organisation"
    assert query.tags == ("operations",)
    leader = query.parameter("leader")
    assert leader.type == "iri" and leader.required
    assert leader.classes == ("https://w3id.org/natograph/ontology#Organisation",)


def test_parameter_that_is_not_a_query_variable_is_a_catalogue_error(tmp_path):
    text = OPERATIONS_LED_BY.replace("?leader }", "natoid:x }")
    with pytest.raises(CatalogueError, match="'leader' is not a variable"):
        parse_query_file(_write(tmp_path, "bad", text))


def test_unknown_parameter_type_is_a_catalogue_error(tmp_path):
    with pytest.raises(CatalogueError, match="type 'colour'"):
        parse_query_file(_write(tmp_path, "bad", OPERATIONS_LED_BY.replace("type: iri", "type: colour")))


def test_iri_parameter_accepts_iri_prefixed_name_slug_and_label(tmp_path, mini_store):
    query = parse_query_file(_write(tmp_path, "operations-led-by", OPERATIONS_LED_BY))
    org = ox.NamedNode("https://w3id.org/natograph/id/org")
    for given in ("https://w3id.org/natograph/id/org", "natoid:org", "org", "organisation", "ORGANISATION"):
        assert bind_parameters(query, {"leader": given}, mini_store) == {"leader": org}, given


def test_iri_parameter_of_the_wrong_class_is_refused_with_candidates(tmp_path, mini_store):
    query = parse_query_file(_write(tmp_path, "operations-led-by", OPERATIONS_LED_BY))
    with pytest.raises(ParameterError) as caught:
        bind_parameters(query, {"leader": "city"}, mini_store)
    error = caught.value
    assert error.parameter == "leader"
    assert "names no known nato:Organisation" in str(error)
    assert error.http_status == 400


def test_ambiguous_label_lists_the_candidates(tmp_path, mini_project):
    (mini_project.data_path / "more.ttl").write_text(
        '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n'
        '<https://w3id.org/natograph/id/town> skos:altLabel "City"@en .\n')
    store = EmbeddedStore(open_snapshot(mini_project, build(mini_project).key))
    query = parse_query_file(_write(tmp_path, "any", OPERATIONS_LED_BY.replace("#+     class: nato:Organisation\n", "")))
    with pytest.raises(ParameterError, match="ambiguous") as caught:
        bind_parameters(query, {"leader": "City"}, store)
    assert [c["name"] for c in caught.value.candidates] == ["natoid:city", "natoid:town"]
    assert caught.value.candidates[0]["label"] == "City"


def test_unknown_name_lists_similar_resources(tmp_path, mini_store):
    query = parse_query_file(_write(tmp_path, "any", OPERATIONS_LED_BY.replace("#+     class: nato:Organisation\n", "")))
    with pytest.raises(ParameterError, match="names no known resource") as caught:
        bind_parameters(query, {"leader": "Provinc"}, mini_store)
    assert [c["name"] for c in caught.value.candidates] == ["natoid:province"]


def test_missing_required_parameter_names_it(tmp_path, mini_store):
    query = parse_query_file(_write(tmp_path, "operations-led-by", OPERATIONS_LED_BY))
    with pytest.raises(ParameterError, match="parameter 'leader': is required"):
        bind_parameters(query, {}, mini_store)


def test_unknown_parameter_is_refused(tmp_path, mini_store):
    query = parse_query_file(_write(tmp_path, "operations-led-by", OPERATIONS_LED_BY))
    with pytest.raises(ParameterError, match="'colour'"):
        bind_parameters(query, {"leader": "org", "colour": "red"}, mini_store)


@pytest.mark.parametrize("given, problem", [("day", "2010-13"), ("limit", "ten"), ("order", "sideways")])
def test_invalid_typed_values_name_the_parameter_and_what_it_accepts(tmp_path, mini_store, given, problem):
    query = parse_query_file(_write(tmp_path, "active", ACTIVE_ON))
    with pytest.raises(ParameterError) as caught:
        bind_parameters(query, {given: problem}, mini_store)
    assert caught.value.parameter == given
    assert caught.value.accepts


def test_dates_of_any_precision_compare_through_their_bounds(tmp_path, mini_store):
    query = parse_query_file(_write(tmp_path, "active", ACTIVE_ON))
    for day, expected in (("2010-06-01", 1), ("2014", 1), ("2014-12", 1), ("2015-01", 0), ("2000", 0)):
        result = mini_store.query(query.text, bindings=bind_parameters(query, {"day": day}, mini_store))
        assert len(result.rows) == expected, day


def test_defaults_and_types_of_bound_terms(tmp_path, mini_store):
    query = parse_query_file(_write(tmp_path, "active", ACTIVE_ON))
    bindings = bind_parameters(query, {}, mini_store)
    assert bindings["day"] == ox.Literal("2010-06-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    assert bindings["limit"] == ox.Literal("10", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert bindings["order"] == ox.Literal("asc")


def test_values_are_bound_as_terms_never_as_query_text(tmp_path, mini_store):
    query = parse_query_file(_write(tmp_path, "active", ACTIVE_ON.replace("type: enum\n#+     values: [asc, desc]",
                                                                          "type: string")))
    hostile = '" } ?s ?p ?o . FILTER("1" = "1'
    bindings = bind_parameters(query, {"order": hostile}, mini_store)
    result = mini_store.query(query.text, bindings=bindings)
    assert [row[3].value for row in result.rows] == [hostile]


def test_values_block_opens_the_where_group_of_every_query_form():
    term = {"x": ox.NamedNode("http://example.org/a")}
    assert QueryText("SELECT * WHERE { ?x ?p ?o }").bound(term) == \
        "SELECT * WHERE { VALUES (?x) { (<http://example.org/a>) } ?x ?p ?o }"
    assert "WHERE { VALUES" in QueryText("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }").bound(term)
    assert QueryText("ASK { ?x ?p '{' }").bound(term).startswith("ASK { VALUES")


def test_catalogue_loads_every_file_by_name(tmp_path):
    _write(tmp_path, "a", OPERATIONS_LED_BY)
    _write(tmp_path, "b", ACTIVE_ON)
    assert list(load_catalogue(tmp_path)) == ["a", "b"]
