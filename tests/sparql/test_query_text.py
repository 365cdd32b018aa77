"""A query text is read once, into a QueryText, and what it says travels with the text.

Readings by letters are sound by construction, not by reading the grammar: the engine reads a keyword, or calls
a function, only where its letters stand (and never a GRAPH keyword followed by "/": no variable, IRI or name
starts so). Readings by tokens are checked against the engine's own reading of the same texts.
"""

import pickle
from pathlib import Path

import pyoxigraph as ox
import pytest

from natograph.sparql import text as sparql_text
from natograph.sparql.text import QueryText
from natograph.vocab import PREFIXES

ROOT = Path(__file__).resolve().parents[2]


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
    assert QueryText(text).may_read_named_graphs


@pytest.mark.parametrize("text", [
    "PREFIX nato: <https://w3id.org/natograph/ontology#> SELECT * WHERE { ?s a nato:Operation }",
    "SELECT * WHERE { <https://w3id.org/natograph/id/kfor> ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
])
def test_a_query_of_the_default_graph_only_is_recognised(text):
    assert not QueryText(text).may_read_named_graphs


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { sErViCe SILENT ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE<http://x/>{} } }",
    'SELECT * WHERE { ?s ?p "customer service" }',  # a false alarm: a refusal's wording, never a call
])
def test_a_text_that_could_call_service_is_recognised_by_its_letters(text):
    assert QueryText(text).names_service


def test_a_text_without_the_letters_cannot_call_service_or_load():
    query = QueryText("SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    assert not query.names_service and not query.names_load


@pytest.mark.parametrize("call", ["NOW()", "RAND()", "UUID()", "STRUUID()", "BNODE()", "now()", "bnode(?s)"])
def test_a_text_that_can_call_a_changing_function_is_not_repeatable(call):
    assert not QueryText(f"SELECT ({call} AS ?v) WHERE {{ }}").repeatable


def test_a_text_without_changing_functions_is_repeatable():
    assert QueryText("SELECT (STRLEN(?l) AS ?n) WHERE { ?s rdfs:label ?l }").repeatable


def test_keywords_and_variables_are_read_outside_strings_iris_and_comments():
    query = QueryText('SELECT ?s WHERE { ?s rdfs:label "DESCRIBE ?fake" . # FROM ?other\n'
                      ' ?s ?p <http://e/GRAPH?x> }')
    assert query.keywords == {"SELECT", "WHERE", "RDFS:LABEL"}
    assert query.variables == {"s", "p"}


def test_where_the_outermost_where_group_opens_for_each_form():
    for text in ("SELECT * WHERE { ?s ?p ?o }", "ASK { ?s ?p '{' }", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                 "CONSTRUCT { ?s ?p ?o } { ?s ?p ?o }", "DESCRIBE ?s WHERE { ?s ?p ?o }"):
        query = QueryText(text)
        assert text[query.where_offset - 1] == "{"
        assert text[:query.where_offset].count("{") == (2 if text.startswith("CONSTRUCT") else 1)


def test_a_group_within_the_select_clause_is_not_the_where_group():
    # EXISTS may stand in a projected expression: its `{` is inside the clause's brackets.
    text = "SELECT ?s (EXISTS { ?s a ?c } AS ?typed) WHERE { ?s ?p ?o }"
    query = QueryText(text)
    assert text[query.where_offset:] == " ?s ?p ?o }"
    bound = query.bound({"s": ox.NamedNode("http://e/x")})
    assert ox.Store().query(bound).variables == [ox.Variable("s"), ox.Variable("typed")]
    assert bound.index("VALUES") > bound.index("WHERE")


def test_a_text_without_a_where_group_cannot_be_bound():
    with pytest.raises(ValueError, match="no WHERE group"):
        QueryText("DESCRIBE <http://e/x>").bound({"x": ox.NamedNode("http://e/y")})


@pytest.mark.parametrize("text, blank", [
    ("", True), (" \t\r\n", True), ("# only a comment", True), ("# one\r# two\n  # three", True),
    ("#\nASK {}", False), ("  ASK {}", False), ("\u00a0", False), ("\x0b# not white space for SPARQL", False),
    ("'#'", False), ("# comment\n?x", False),
])
def test_a_blank_text_is_one_without_tokens(text, blank):
    assert QueryText(text).is_blank is blank
    assert QueryText(text).is_blank is (next(sparql_text.tokenize(text), None) is None)


def test_readings_travel_to_a_worker_process_with_the_text_but_not_its_tokens():
    query = QueryText("SELECT ?s WHERE { ?s ?p ?o }")
    assert query.repeatable and query.where_offset
    copy = pickle.loads(pickle.dumps(query))
    assert copy == query and hash(copy) == hash(query)
    assert set(vars(copy)) == {"text", "_letter_readings", "_token_readings"}


def test_reading_tokens_once_gives_every_token_reading(monkeypatch):
    calls = []
    tokenize = sparql_text.tokenize
    monkeypatch.setattr(sparql_text, "tokenize", lambda text: calls.append(text) or tokenize(text))
    query = QueryText("SELECT ?s WHERE { ?s ?p ?o FILTER(?o > 1) }")
    assert query.tokens[0].text == "SELECT"
    assert query.keywords and query.variables == {"s", "p", "o"} and query.where_offset
    assert len(calls) == 1


def test_natographs_own_texts_are_read_once_per_process():
    text = "SELECT ?label WHERE { ?s rdfs:label ?label } # test_query_text"
    assert QueryText.of(text) is QueryText.of(text)
    long_text = text + " " * sparql_text.REMEMBERED_TEXT_CHARS
    assert QueryText.of(long_text) is not QueryText.of(long_text)
    query = QueryText(text)
    assert QueryText.of(query) is query


def _corpus() -> list[str]:
    """Every query text natograph has: canned queries, its own look-ups and the benchmark's analyst idioms."""
    paths = [*sorted((ROOT / "queries").glob("*.rq")), *sorted((ROOT / "src/natograph/sparql").glob("*.rq")),
             *sorted((ROOT / "bench/shapes").glob("*.rq")), *sorted((ROOT / "bench/queries").glob("*.rq"))]
    return [path.read_text(encoding="utf-8") for path in paths]


@pytest.mark.parametrize("index", range(len(_corpus())))
def test_token_readings_agree_with_the_engine(index):
    """Bound at the WHERE offset, every text still parses, with the same projected variables; every variable the
    engine projects is one the tokens found; a form keyword the tokens found is the engine's kind."""
    text = _corpus()[index]
    query = QueryText(text)
    result = ox.Store().query(text, prefixes=PREFIXES)
    bound = ox.Store().query(query.bound({"natograph_probe": ox.Literal("x")}), prefixes=PREFIXES)
    assert type(bound) is type(result)
    if isinstance(result, ox.QuerySolutions):
        projected = [v.value for v in result.variables]
        assert {v.value for v in bound.variables} - {"natograph_probe"} == set(projected)  # SELECT * adds it
        assert set(projected) <= query.variables
        assert {"SELECT"} <= query.keywords
    elif isinstance(result, ox.QueryBoolean):
        assert "ASK" in query.keywords
    else:
        assert query.keywords & {"CONSTRUCT", "DESCRIBE"}


# Pieces whose reading depends on where strings, IRIs and comments end: each may hide or show a variable.
_PIECES = [
    "?a{i} <http://e/p> ?b{i} .", '?a{i} <http://e/p> "?c{i} # x" .', "?a{i} <http://e/p> '?c{i}\\' ?d{i}' .",
    "?a{i} <http://e/p#?c{i}> ?b{i} .", '?a{i} <http://e/p> """?c{i}\n"?d{i}" """ .', "# ?c{i}\n",
    "# ?c{i}\u2028?d{i} <http://e/p> ?e{i} .\n", "# ?c{i}\u0085 ?d{i}\r", "# ?c{i}\v?d{i}\f\n", "# ?c{i}\r\n",
    "?a{i} <http://e/p> ?b{i} #?c{i}\n.", '?a{i} <http://e/p> "a"@en-GB .', "?a{i}\u00a0<http://e/p> ?b{i} .",
    "?a{i}\u1680x <http://e/p> ?b{i} .", "?a{i} <http://e/p> ?b{i}\t.\t", "?a{i} <http://e/p> \"\\\"?c{i}\" .",
]


def _generated_texts(count: int) -> list[str]:
    import random

    chooser = random.Random(1949)
    texts = []
    for _ in range(count):
        body = " ".join(chooser.choice(_PIECES).format(i=i) for i in range(chooser.randint(1, 4)))
        texts.append(f"SELECT * WHERE {{ {body} }}")
    return texts


def test_the_tokens_find_the_variables_the_engine_finds_outside_strings_iris_and_comments():
    """Differential: where the engine parses a text, its SELECT * projects exactly the variables the tokens read."""
    parsed = 0
    for text in _generated_texts(2000):
        try:
            result = ox.Store().query(text)
        except SyntaxError:
            continue
        parsed += 1
        assert QueryText(text).variables == {v.value for v in result.variables}, repr(text)
    assert parsed > 500
