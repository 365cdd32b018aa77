"""The catalogue's published descriptions: every query file is valid, OpenAPI validates, examples are RDF."""

import pyoxigraph as ox
import pytest
from openapi_spec_validator import validate

from natograph.query.canned import load_catalogue
from natograph.sparql.text import QueryText
from natograph.serve.catalogue_docs import openapi_document, sparql_examples

from ..conftest import REPO_ROOT

CATALOGUE = load_catalogue(REPO_ROOT / "queries")
SH = "http://www.w3.org/ns/shacl#"


def test_the_catalogue_has_at_least_twenty_queries():
    assert len(CATALOGUE) >= 20


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_query_header_parses_and_the_query_is_valid_sparql(name):
    query = CATALOGUE[name]
    assert query.summary and query.description, f"{name} needs a summary and a description"
    dummy = {variable: ox.Literal("1") for p in query.parameters for variable in p.variables()}
    ox.Store().query(QueryText(query.text).bound(dummy))  # raises SyntaxError if either form is invalid
    ox.Store().query(query.text)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_parameter_has_an_example_or_default(name):
    for parameter in CATALOGUE[name].parameters:
        assert parameter.example or parameter.default or not parameter.required, (name, parameter.name)


def test_openapi_description_validates_and_covers_every_query():
    document = openapi_document(CATALOGUE, server_url="http://127.0.0.1:8000")
    validate(document)
    assert set(document["paths"]) == {f"/queries/{name}" for name in CATALOGUE}
    active = document["paths"]["/queries/operations-active-on"]["get"]
    date = next(p for p in active["parameters"] if p["name"] == "date")
    assert date["schema"]["pattern"] and date["schema"]["default"] == "2010-06-01"


def test_sparql_examples_name_each_query_with_its_text_and_endpoint():
    store = ox.Store()
    store.extend(sparql_examples(CATALOGUE, base_url="http://x", endpoint_url="http://x/sparql"))
    rows = list(store.query(
        "PREFIX sh: <http://www.w3.org/ns/shacl#> PREFIX schema: <https://schema.org/> "
        "SELECT ?q ?text ?target WHERE { ?q a sh:SPARQLExecutable ; sh:select|sh:construct|sh:ask ?text ;"
        " schema:target ?target }"))
    assert len(rows) == len(CATALOGUE)
    assert {row["target"].value for row in rows} == {"http://x/sparql"}
    by_name = {row["q"].value.rsplit("/", 1)[1]: row["text"].value for row in rows}
    assert by_name["operations-timeline"] == CATALOGUE["operations-timeline"].text
