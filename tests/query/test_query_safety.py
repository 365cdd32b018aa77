"""A query cannot reach the network or change the graph, whatever its text: the engine reads it, the OS confines it.

natograph does not read free SPARQL. Each query worker runs in a network namespace of its own (sandbox.py), so
a SERVICE call or a LOAD the engine attempts fails inside the worker, and the store names it; whether a text is
an update is asked of the engine too. These tests send texts straight to the workers (no HTTP, no text check of
any kind on the way) while a listener on 127.0.0.1 records every connection, and compare natograph's verdict
with Oxigraph's own on thousands of generated texts.
"""

import random
import threading

import pyoxigraph as ox
import pytest

from natograph.errors import QueryRefusedError, QuerySyntaxError
from natograph.query.executor import QueryJob, WorkerPool
from natograph.formats import Format
from natograph.sparql.shapes import rewrite
from natograph.query.sandbox import network_guard
from natograph.snapshot import open_snapshot
from natograph.sparql.text import TokenKind, tokenize
from natograph.store import QueryLimits, parse_error
from natograph.vocab import PREFIXES

from ..serving import Listener, built_mini_project, free_port, started_pool

pytestmark = [pytest.mark.slow,  # a pool of query worker processes
              pytest.mark.skipif(not network_guard().available,
                                 reason=f"no network namespaces here: {network_guard().reason}")]

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LIMITS = QueryLimits(timeout_ms=5000, max_rows=100)


@pytest.fixture(scope="module")
def listener():
    listening = Listener()
    yield listening
    listening.socket.close()


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    with started_pool(built_mini_project(tmp_path_factory.mktemp("safety"))) as workers:
        yield workers


@pytest.fixture(scope="module")
def engine(pool):
    """The served snapshot's own Oxigraph database, opened in this process with nothing around it."""
    return open_snapshot(pool.config, pool.snapshot_key).store


def oracle_store() -> ox.Store:
    """An Oxigraph store with nothing around it: what the engine does with a text when nothing stops it."""
    store = ox.Store()
    subject = ox.NamedNode("http://example.org/a")
    for obj in (ox.NamedNode("http://example.org/o"), ox.Literal("1", datatype=ox.NamedNode(XSD + "integer")),
                ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))):
        store.add(ox.Quad(subject, ox.NamedNode(RDF_TYPE), obj))
    return store


def oxigraph_connects(query: str, listener: Listener) -> bool:
    """Whether Oxigraph, left to itself, opens a connection to the listener while evaluating `query`."""
    store = oracle_store()

    def evaluate():
        try:
            result = store.query(query, prefixes=PREFIXES)
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
    """Queries that make Oxigraph open a connection, among them the two families that passed the old text check."""
    url = f"http://127.0.0.1:{port}/sparql"
    empty_prefix = f"PREFIX : <http://127.0.0.1:{port}/> "
    inner = "{ ?s ?p ?o }"
    return {
        "plain": f"SELECT * WHERE {{ SERVICE <{url}> {inner} }}",
        "lower case": f"select * where {{ service <{url}> {inner} }}",
        "no spaces": f"SELECT * WHERE {{ ?a ?b ?c .SERVICE<{url}>{inner} }}",
        "in a subquery": f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {inner} }} }} }}",
        "in FILTER EXISTS": f"SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{url}> {inner} }} }}",
        "in LATERAL": f"SELECT * WHERE {{ ?a ?b ?c LATERAL {{ SERVICE <{url}> {inner} }} }}",
        "after a comment ended by CR": f"SELECT * WHERE {{ # a comment\rSERVICE <{url}> {inner} }}",
        "ASK": f"ASK {{ SERVICE <{url}> {inner} }}",
        "CONSTRUCT": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {inner} }}",
        "escaped IRI": f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/\\u0078> {inner} }}",
        "keyword glued to a prefixed name": empty_prefix + f"SELECT * WHERE {{ SERVICE:x {inner} }}",
        "after the keyword a and a number": f"SELECT * WHERE {{ ?s a1SERVICE<{url}>{inner} }}",
        "long string followed by a run of quotes":
            f"SELECT * WHERE {{ VALUES ?x {{ '''a''''#' }} SERVICE <{url}> {inner} }}",
        "declared prefixed name glued to the keyword":
            f"PREFIX ex: <http://example.org/o> SELECT * WHERE {{ ?s ?p ex:.SERVICE<{url}>{inner} }}",
    }


def test_every_query_that_makes_oxigraph_connect_connects_nowhere_from_a_worker(pool, engine, listener):
    for name, query in dangerous_queries(listener.port).items():
        assert oxigraph_connects(query, listener), f"{name}: the case no longer exercises a connection"
        # On the served data itself, the engine calls out for most of these (and natograph must refuse those);
        # for the rest it never reaches the SERVICE (`?s a 1` matches nothing here) or treats the failure as a
        # FILTER's error: natograph answers as the engine does, and nothing connects either way.
        calls_out = oxigraph_verdict(engine, query.replace(str(listener.port), str(free_port())))[0] == "service"
        if calls_out:
            with pytest.raises(QueryRefusedError, match="SERVICE") as refused:
                pool.run(QueryJob(query, Format.SPARQL_JSON, limits=LIMITS))
            assert refused.value.http_status == 403
        else:
            pool.run(QueryJob(query, Format.SPARQL_JSON, limits=LIMITS))
        assert listener.connections(wait=0.3) == 0, f"{name}: a worker connected"


def test_a_silent_service_call_is_cut_off_too(pool, listener):
    query = f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}"
    assert oxigraph_connects(query, listener)
    pool.run(QueryJob(query, Format.SPARQL_JSON, limits=LIMITS))
    assert listener.connections(wait=0.3) == 0


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "PREFIX e: <http://e/> DELETE WHERE { ?s ?p ?o }",
    "LOAD <file:///etc/passwd>",
    "CLEAR ALL",
    "DROP GRAPH <http://e/g>",
    "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    # Nothing of an update runs to tell it from a query: a WHERE clause of 10^12 rows is refused at once, where
    # running it on an empty store spent the worker at its time or memory limit (a 503 instead of this 403).
    "INSERT { <http://e/a> <http://e/b> ?a } WHERE { "
    + " ".join(f"VALUES ?{name} {{ 0 1 2 3 4 5 6 7 8 9 }}" for name in "abcdefghijkl") + " }",
    # A malformed update is still an update, refused as one rather than read as a malformed query.
    "INSERT DATA { <http://e/a> <http://e/b> }",
])
def test_updates_are_refused_by_their_first_keyword_and_nothing_of_them_runs(pool, update):
    with pytest.raises(QueryRefusedError, match="Turtle files"):
        pool.run(QueryJob(update, Format.SPARQL_JSON, limits=LIMITS))


def test_an_update_that_loads_from_the_network_is_refused_and_connects_nowhere(pool, listener):
    with pytest.raises(QueryRefusedError, match="Turtle files"):
        pool.run(QueryJob(f"LOAD <http://127.0.0.1:{listener.port}/data.ttl>", Format.SPARQL_JSON, limits=LIMITS))
    assert listener.connections(wait=0.3) == 0


def test_service_inside_strings_comments_iris_and_names_is_an_ordinary_query(pool):
    harmless = [
        'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1/> { }" }',
        "SELECT * WHERE { ?s ?p '''multi\nline SERVICE''' }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1/> { }",
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
        "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
    ]
    for query in harmless:
        assert pool.run(QueryJob(query, Format.CSV, limits=LIMITS)).body


def test_a_worker_cannot_open_any_connection(pool, listener):
    # The namespace, not the query: even a SERVICE the engine would call with a name to resolve fails in the worker.
    with pytest.raises(QueryRefusedError, match="cut off"):
        pool.run(QueryJob("SELECT * WHERE { SERVICE <http://localhost:%d/> { ?s ?p ?o } }" % listener.port,
                          Format.SPARQL_JSON, limits=LIMITS))
    assert pool.status()["network_guard"] == {"available": True, "mechanism": "network-namespace"}


# The differential test: generated texts around strings, comments, prefixed names, escapes and line
# terminators, each answered by natograph's workers and by Oxigraph left to itself, on the same data.
STRINGS = ["'''a''''#'", '"""a""""#"', "'a\\'#'", '"a\\"#"', "''", '""', "'''a''' '#'", "'#'", '"#"',
           "'''#'''", "'\\u0023'", "'''a\n#'''", "'a\\\\'#'"]
DECOYS = ["VALUES ?x {{ {s} }}", "BIND({s} AS ?y)", "FILTER(?o != {s})", "?s ?p {s} .", ""]
COMMENTS = ["", "# c\u2028", "# c\u0085", "# c\v", "# c\f", "# c\r", "# c\n", "#\u2029", "# c"]
BREAKS = ["", " ", "\n", "\r\n", "\u2028"]
GLUES = ["", " ", ".", " . ", "?s ?p ex:.", "?s ?p ex:a.", "?s ?p 1.", "?s ?p true.", "?s a1", ":"]
KEYWORDS = ["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "\u017fERVICE", "\\u0053ERVICE", "SERVICE:", "SERV ICE"]


def generated_texts(count: int, port: int, seed: int = 1949):
    chooser = random.Random(seed)
    for _ in range(count):
        decoy = chooser.choice(DECOYS).format(s=chooser.choice(STRINGS))
        keyword = chooser.choice(KEYWORDS)
        body = (f"{decoy} {chooser.choice(COMMENTS)}{chooser.choice(BREAKS)}{chooser.choice(GLUES)}"
                f"{keyword}<http://127.0.0.1:{port}/> {{ }}")
        yield f"PREFIX ex: <http://e/> PREFIX : <http://127.0.0.1:{port}/> SELECT * WHERE {{ ?s ?p ?o {body} }}"
        # The same decoys before a GRAPH pattern: the memory image holds the default graph only, so a GRAPH the
        # engine reads must send the query to disk, or the rows would differ.
        graph = chooser.choice(["GRAPH ?g", "graph?g", "GRAPH ?g#c\n", "GRAPH/ ?g", "GRAPH<https://w3id.org/natograph/graph/asserted>"])
        body = f"{decoy} {chooser.choice(COMMENTS)}{chooser.choice(BREAKS)}{chooser.choice(GLUES)}{graph} {{ ?x ?y ?z }}"
        yield f"PREFIX ex: <http://e/> SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o {body} }}"
        # The same decoys inside an EXISTS body of the shape the server rewrites (query_shapes.py) before the engine
        # sees it: the rewritten text must answer as the user's text does.
        inner = chooser.choice(["?o ?q ?r . ?r ?q2 ?r2", "?s ?q ?r . ?r a ?t", "?o ?q ?r FILTER(?r != ?s)"])
        filler = f"{chooser.choice(COMMENTS)}{chooser.choice(BREAKS)}{chooser.choice(['', '. ', ' '])}"
        negation = chooser.choice(["", "NOT "])
        body = f"FILTER {negation}EXISTS {{ {inner} {filler}{decoy} {chooser.choice(COMMENTS)}{chooser.choice(BREAKS)}}}"
        yield f"PREFIX ex: <http://e/> SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o {body} }}"


def rows(solutions) -> list:
    """The rows as a sorted list (the order of an unordered answer is the engine's choice); blank nodes as one."""
    if isinstance(solutions, ox.QueryBoolean):
        return [bool(solutions)]
    if isinstance(solutions, ox.QueryTriples):
        return sorted(str(triple) for triple in solutions)
    variables = solutions.variables
    shown = lambda term: "_:b" if isinstance(term, ox.BlankNode) else str(term)  # noqa: E731
    return sorted(tuple(shown(row[v]) for v in variables) for row in solutions)


def oxigraph_verdict(store: ox.Store, text: str) -> tuple:
    """What Oxigraph does with a text, nothing around it: a syntax error (where), a call out, or rows (how many)."""
    try:
        return ("answer", rows(store.query(text, prefixes=PREFIXES)))
    except SyntaxError as error:
        position = parse_error(error)
        return ("syntax", position.line, position.column)
    except OSError:
        return ("service",)  # the port is closed: the engine's call was refused by the kernel


def natograph_verdict(pool: WorkerPool, text: str) -> tuple:
    try:
        answer = pool.run(QueryJob(text, Format.SPARQL_JSON, limits=LIMITS))
    except QuerySyntaxError as error:
        return ("syntax", error.line, error.column)
    except QueryRefusedError as refused:
        assert "SERVICE" in str(refused)
        return ("service",)
    return ("answer", rows(ox.parse_query_results(answer.body, ox.QueryResultsFormat.JSON)))


def test_natograph_and_oxigraph_agree_on_every_generated_text(pool, engine):
    closed_port = free_port()
    disagreements, verdicts = [], {}
    for text in generated_texts(3000, closed_port):
        expected, actual = oxigraph_verdict(engine, text), natograph_verdict(pool, text)
        verdicts[expected[0]] = verdicts.get(expected[0], 0) + 1
        if expected != actual:
            disagreements.append((text, expected, actual))
    assert not [(text, expected[:2], actual[:2]) for text, expected, actual in disagreements[:3]]
    # The generator reaches every verdict (texts the engine rejects, answers, texts that call out), and the rewrite.
    assert sum(rewrite(text) != text for text in generated_texts(3000, closed_port)) > 200
    assert all(verdicts.get(v, 0) > 100 for v in ("syntax", "service", "answer")), verdicts


def test_tokens_of_reviewed_texts_keep_strings_iris_and_lines():
    tokens = list(tokenize('SELECT ?x\nWHERE { ?x <http://e/p#q> "a \\" # b"@en . } # tail'))
    kinds = [(t.kind, t.text) for t in tokens]
    assert (TokenKind.IRI, "<http://e/p#q>") in kinds
    assert (TokenKind.STRING, '"a \\" # b"') in kinds
    assert all("tail" not in t.text for t in tokens)
