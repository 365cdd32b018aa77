"""The embedded store's routing: a query over the default dataset that may read named graphs goes to disk.

The test is sound by construction, not by reading the grammar: the engine reads a GRAPH or FROM keyword only
where those letters stand, and never a GRAPH keyword followed by "/" (no variable, IRI or name starts so).
"""

import pytest

from natograph.store import may_read_named_graphs


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
    "select * {graph<http://example.org/g>{?s ?p ?o}}",
    "ASK { ?s ?p ?o . FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }",
    "SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s a1GRAPH?g{ ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?a<?b)GRAPH?g#>\n{ ?s ?p ?o } }",
    'SELECT * WHERE { ?s ?p "a graph" }',  # false alarms: slower, never wrong
    "SELECT * WHERE { <http://example.org/graph> ?p ?o }",
    "# counts per graph\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
])
def test_a_query_that_may_read_named_graphs_is_recognised(text):
    assert may_read_named_graphs(text)


@pytest.mark.parametrize("text", [
    "PREFIX nato: <https://w3id.org/natograph/ontology#> SELECT * WHERE { ?s a nato:Operation }",
    "SELECT * WHERE { <https://w3id.org/natograph/id/kfor> ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
])
def test_a_query_of_the_default_graph_only_is_recognised(text):
    assert not may_read_named_graphs(text)
