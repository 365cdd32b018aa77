"""The embedded store's routing: a query over the default dataset that may read named graphs goes to disk."""

import pytest

from natograph.store import may_read_named_graphs


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
    "select * {graph<http://example.org/g>{?s ?p ?o}}",
    "ASK { ?s ?p ?o . FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }",
    'SELECT * WHERE { ?s ?p "a graph" }',  # a false alarm: slower, never wrong
])
def test_a_query_that_may_read_named_graphs_is_recognised(text):
    assert may_read_named_graphs(text)


@pytest.mark.parametrize("text", [
    "PREFIX nato: <https://w3id.org/natograph/ontology#> SELECT * WHERE { ?s a nato:Operation }",
    "SELECT * WHERE { <http://example.org/graph> ?p ?o }",
    "# counts per graph\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
])
def test_a_query_of_the_default_graph_only_is_recognised(text):
    assert not may_read_named_graphs(text)
