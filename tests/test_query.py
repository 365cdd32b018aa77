"""Free SPARQL inspection: query forms, refused updates and SERVICE calls, checked against Oxigraph itself."""

import threading

import pyoxigraph as ox
import pytest

from natograph.errors import PayloadTooLargeError, QueryRefusedError
from natograph.export import ResultKind
from natograph.query import QueryForm, TokenKind, inspect_query, tokenize
from natograph.vocab import PREFIXES

from .serving import Listener

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def listener():
    listening = Listener()
    yield listening
    listening.socket.close()


def oxigraph_connects(query: str, listener: Listener) -> bool:
    """Whether Oxigraph, left to itself, opens a connection to the listener while evaluating `query`.

    The store is queried as natograph's store queries it: with natograph's prefixes predeclared.
    """
    store = ox.Store()
    subject = ox.NamedNode("http://example.org/a")
    for obj in (ox.NamedNode("http://example.org/o"), ox.Literal("1", datatype=ox.NamedNode(XSD + "integer")),
                ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))):
        store.add(ox.Quad(subject, ox.NamedNode(RDF_TYPE), obj))

    def evaluate():
        try:
            result = store.query(query, default_graph=ox.DefaultGraph(), prefixes=PREFIXES)
            if not isinstance(result, ox.QueryBoolean):
                list(result)
        except (SyntaxError, OSError, RuntimeError):
            pass

    thread = threading.Thread(target=evaluate, daemon=True)
    thread.start()
    connected = listener.connections(wait=1.0) > 0
    thread.join(5)
    return connected


def dangerous_queries(port: int) -> dict[str, str]:
    """Queries that make Oxigraph open a connection: each must be refused before it reaches Oxigraph."""
    url = f"http://127.0.0.1:{port}/sparql"
    empty_prefix = f"PREFIX : <http://127.0.0.1:{port}/> "
    inner = "{ ?s ?p ?o }"
    return {
        "plain": f"SELECT * WHERE {{ SERVICE <{url}> {inner} }}",
        "lower case": f"select * where {{ service <{url}> {inner} }}",
        "mixed case": f"SELECT * WHERE {{ SeRvIcE <{url}> {inner} }}",
        "silent": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {inner} }}",
        "no spaces": f"SELECT * WHERE {{ ?a ?b ?c .SERVICE<{url}>{inner} }}",
        "in a subquery": f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {inner} }} }} }}",
        "in FILTER EXISTS": f"SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{url}> {inner} }} }}",
        "in LATERAL": f"SELECT * WHERE {{ ?a ?b ?c LATERAL {{ SERVICE <{url}> {inner} }} }}",
        "after a comment line": f"SELECT * WHERE {{ # a comment\nSERVICE <{url}> {inner} }}",
        "after a comment ended by CR": f"SELECT * WHERE {{ # a comment\rSERVICE <{url}> {inner} }}",
        "ASK": f"ASK {{ SERVICE <{url}> {inner} }}",
        "CONSTRUCT": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {inner} }}",
        "DESCRIBE": f"DESCRIBE ?s WHERE {{ SERVICE <{url}> {inner} }}",
        "escaped IRI": f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/\\u0078> {inner} }}",
        "keyword glued to a prefixed name": empty_prefix + f"SELECT * WHERE {{ SERVICE:x {inner} }}",
        "keyword glued to a longer word": f"PREFIX s: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICEs:x {inner} }}",
        "keyword glued to SILENT": f"SELECT * WHERE {{ SERVICESILENT<{url}> {inner} }}",
        "after an integer and a dot": f"SELECT * WHERE {{ ?s ?p 1.SERVICE<{url}>{inner} }}",
        "after true and a dot": f"SELECT * WHERE {{ ?s ?p true.SERVICE<{url}>{inner} }}",
        "after true, a dot, as a prefixed name": empty_prefix + f"SELECT * WHERE {{ ?s ?p true.SERVICE:x{inner} }}",
        "after the keyword a and a number": f"SELECT * WHERE {{ ?s a1SERVICE<{url}>{inner} }}",
    }


def test_every_query_that_makes_oxigraph_connect_is_refused(listener):
    for name, query in dangerous_queries(listener.port).items():
        assert oxigraph_connects(query, listener), f"{name}: the case no longer exercises a connection"
        with pytest.raises(QueryRefusedError, match="SERVICE"):
            inspect_query(query)


def test_service_inside_strings_comments_iris_and_names_is_not_refused(listener):
    harmless = [
        'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1/> { }" }',
        "SELECT * WHERE { ?s ?p '''multi\nline SERVICE''' }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1/> { }",
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
        "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:Service ?o ; ex:serviceBranch ?b }",
        "SELECT ?service WHERE { ?service ?p ?o }",
        "SELECT * WHERE { ?s nato:serviceBranch ?o }",  # nato: is predeclared by the store
    ]
    for query in harmless:
        assert inspect_query(query).form is QueryForm.SELECT
        assert not oxigraph_connects(query, listener)


def test_a_prefixed_name_with_an_undeclared_prefix_is_checked_whole():
    with pytest.raises(QueryRefusedError):
        inspect_query("SELECT * WHERE { ?s ?p ex:a.SERVICE<http://127.0.0.1/>{ } }")


def test_refusal_names_the_word_and_its_position():
    with pytest.raises(QueryRefusedError) as refused:
        inspect_query("SELECT *\nWHERE {\n  service <http://127.0.0.1/> { ?s ?p ?o } }")
    assert "'service' at line 3, column 3" in str(refused.value)
    assert refused.value.http_status == 403


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "PREFIX e: <http://e/> DELETE WHERE { ?s ?p ?o }",
    "LOAD <file:///etc/passwd>",
    "load <http://127.0.0.1/data.ttl> INTO GRAPH <http://e/g>",
    "CLEAR ALL",
    "DROP GRAPH <http://e/g>",
    "CREATE GRAPH <http://e/g>",
    "COPY DEFAULT TO <http://e/g>",
    "MOVE <http://e/a> TO <http://e/b>",
    "ADD <http://e/a> TO <http://e/b>",
    "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_updates_are_refused_as_the_graph_comes_from_the_turtle_files(update):
    with pytest.raises(QueryRefusedError, match="Turtle files"):
        inspect_query(update)


@pytest.mark.parametrize("query, form, kind", [
    ("SELECT * WHERE { ?s ?p ?o }", QueryForm.SELECT, ResultKind.SOLUTIONS),
    ("BASE <http://e/> PREFIX a: <x#> PREFIX : <y#> ask { ?s ?p ?o }", QueryForm.ASK, ResultKind.SOLUTIONS),
    ("# comment\nCONSTRUCT WHERE { ?s ?p ?o }", QueryForm.CONSTRUCT, ResultKind.GRAPH),
    ("DESCRIBE <http://e/a>", QueryForm.DESCRIBE, ResultKind.GRAPH),
    ("SELEKT * WHERE { }", QueryForm.UNKNOWN, ResultKind.SOLUTIONS),
])
def test_form_is_the_first_keyword_after_the_prologue(query, form, kind):
    inspected = inspect_query(query)
    assert inspected.form is form
    assert inspected.form.result_kind is kind


def test_a_query_with_from_declares_its_dataset():
    assert inspect_query("SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }").declares_dataset
    assert inspect_query("select * from named <http://e/g> where { graph ?g { ?s ?p ?o } }").declares_dataset
    assert not inspect_query('SELECT * WHERE { ?s ?p "FROM <x>" }').declares_dataset


def test_a_query_longer_than_the_limit_is_refused_with_413():
    query = "SELECT * WHERE { ?s ?p ?o } " + "#" * 100
    assert inspect_query(query, max_bytes=200).text == query
    with pytest.raises(PayloadTooLargeError) as too_large:
        inspect_query(query, max_bytes=100)
    assert too_large.value.http_status == 413 and too_large.value.limit_bytes == 100


def test_tokens_keep_strings_iris_and_lines():
    tokens = list(tokenize('SELECT ?x\nWHERE { ?x <http://e/p#q> "a \\" # b"@en . } # tail'))
    kinds = [(t.kind, t.text) for t in tokens]
    assert (TokenKind.IRI, "<http://e/p#q>") in kinds
    assert (TokenKind.STRING, '"a \\" # b"') in kinds
    assert (TokenKind.LANGTAG, "@en") in kinds
    assert all("tail" not in t.text for t in tokens)
    where = next(t for t in tokens if t.text == "WHERE")
    assert (where.line, where.column) == (2, 1)


def test_less_than_is_an_operator_not_the_start_of_an_iri():
    tokens = list(tokenize("FILTER(?a < ?b && ?c <= 3)"))
    assert [t.text for t in tokens if t.kind is TokenKind.PUNCT].count("<") == 2
    assert not [t for t in tokens if t.kind is TokenKind.IRI]
