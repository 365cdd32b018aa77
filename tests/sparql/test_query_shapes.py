"""The EXISTS rewrite of natograph.sparql.shapes: the same answers as the user's text, on thousands of random graphs."""

from __future__ import annotations

import random
from collections import Counter

import pyoxigraph as ox
import pytest

from natograph.sparql.shapes import rewrite

EX = "http://example.org/"
PREFIX = f"PREFIX : <{EX}>\n"
CLASSES = [f"C{i}" for i in range(5)]
NODES = [f"n{i}" for i in range(8)]

# Triple patterns of an EXISTS body; ?s and ?o are bound outside it.
BODY_PATTERNS = [
    "?o :type ?t", "?t :sub* ?c", "?t :sub+ ?c", "?o :link ?x", "?x :type ?t", "?o :link/:type ?t",
    "?c :sub? ?t", "?o ^:link ?x", "?x :link ?s", "?t (:sub|:link) ?c", "?o :type :C0", "?x :type ?o",
    "?t :sub* :C1", "?x :link* ?o", "?s :label ?l", "?o !(:type|:sub) ?x", "?o :type ?t ; :link ?x",
    "?o :link ?x , ?s", "?x :label \"b\"", "?t ^:sub/^:sub ?c",
]
BODY_FILTERS = [
    "", "FILTER(?c IN (:C0))", "FILTER(?c IN (:C0, :C2))", "FILTER(?c != :C1)", "FILTER(?x != ?s)",
    "FILTER(!BOUND(?c))", "FILTER(?t = :C3 || ?c = :C0)", "FILTER(STR(?l) > \"a\")", "FILTER regex(STR(?t), \"C[12]\")",
    # EXISTS in EXISTS: itself rewritten first when it has two patterns, then moved whole like any FILTER
    "FILTER NOT EXISTS { ?c :sub ?o }", "FILTER EXISTS { ?x :type ?t2 . ?t2 :sub* ?c }",
    "FILTER(?t = :C0 || EXISTS { ?o :link ?y . ?y :type ?t })", "FILTER (EXISTS { ?c :sub ?x })",
    "FILTER NOT EXISTS { ?x :link ?y . OPTIONAL { ?y :sub ?c } }",
]
OUTER = [
    "SELECT ?s ?o WHERE {{ ?s :link ?o . FILTER EXISTS {{ {body} }} }}",
    "SELECT ?s ?o WHERE {{ ?s :link ?o . FILTER NOT EXISTS {{ {body} }} }}",
    "SELECT ?s ?o ?b WHERE {{ ?s :link ?o . BIND(EXISTS {{ {body} }} AS ?b) }}",
    "SELECT ?s ?o WHERE {{ ?s :link ?o . FILTER(!EXISTS {{ {body} }} || ?s = :n0) }}",
    "SELECT (COUNT(*) AS ?n) WHERE {{ ?s :link ?o . FILTER NOT EXISTS {{ {body} }} }}",
    "ASK {{ ?s :link ?o . FILTER NOT EXISTS {{ {body} }} }}",
]


def random_graph(rng: random.Random) -> ox.Store:
    """A small graph over few nodes, so that joins, paths and cycles meet often."""
    store = ox.Store()
    node = lambda name: ox.NamedNode(EX + name)  # noqa: E731
    everything = NODES + CLASSES
    quads = []
    for _ in range(rng.randint(0, 30)):
        kind = rng.random()
        if kind < 0.4:
            quads.append((node(rng.choice(everything)), node("link"), node(rng.choice(everything))))
        elif kind < 0.7:
            quads.append((node(rng.choice(NODES)), node("type"), node(rng.choice(CLASSES))))
        elif kind < 0.9:
            quads.append((node(rng.choice(CLASSES)), node("sub"), node(rng.choice(CLASSES))))
        else:
            quads.append((node(rng.choice(NODES)), node("label"), ox.Literal(rng.choice("abc"))))
    store.extend(ox.Quad(s, p, o) for s, p, o in quads)
    return store


def random_query(rng: random.Random) -> str:
    patterns = rng.sample(BODY_PATTERNS, rng.randint(2, 3))
    parts = [p + " ." if i < len(patterns) - 1 else p + rng.choice(["", " ."]) for i, p in enumerate(patterns)]
    position = rng.randint(0, len(parts))
    parts.insert(position, rng.choice(BODY_FILTERS))
    return PREFIX + rng.choice(OUTER).format(body=" ".join(parts))


def answer(store: ox.Store, text: str):
    result = store.query(text)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    return Counter(tuple(str(term) for term in row) for row in result)


def test_rewritten_queries_answer_as_the_originals_on_random_graphs():
    rng = random.Random(15)
    rewritten = 0
    for _ in range(3000):
        text = random_query(rng)
        candidate = rewrite(text)
        if candidate == text:
            continue
        rewritten += 1
        for _ in range(3):
            store = random_graph(rng)
            assert answer(store, candidate) == answer(store, text), (text, candidate)
    # Every generated body is one the rewriter reads.
    assert rewritten == 3000


def test_the_issue_shape_is_nested():
    text = PREFIX + """SELECT (COUNT(*) AS ?n) WHERE {
      ?s :link ?o .
      FILTER NOT EXISTS { ?o :type ?t . ?t :sub* ?c . FILTER(?c IN (:A)) }
    }"""
    assert " ".join(rewrite(text).split()) == " ".join((PREFIX + """SELECT (COUNT(*) AS ?n) WHERE {
      ?s :link ?o .
      FILTER NOT EXISTS { ?o :type ?t FILTER EXISTS { ?t :sub* ?c FILTER(?c IN (:A)) } }
    }""").split())


def test_an_exists_in_an_exists_body_is_nested_first_then_moved_innermost():
    text = PREFIX + ("SELECT ?o WHERE { ?s :link ?o FILTER NOT EXISTS { ?o :type ?t . ?t :sub* ?c "
                     "FILTER EXISTS { ?c :label ?l . ?l :x ?y } } }")
    assert " ".join(rewrite(text).split()) == " ".join((PREFIX + (
        "SELECT ?o WHERE { ?s :link ?o FILTER NOT EXISTS { ?o :type ?t FILTER EXISTS { ?t :sub* ?c "
        "FILTER EXISTS { ?c :label ?l FILTER EXISTS { ?l :x ?y } } } } }")).split())


def test_the_first_level_starts_from_a_variable_bound_outside():
    text = PREFIX + "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { ?t :sub* ?c . ?c :type :A . ?o :type ?t } }"
    body = rewrite(text).split("FILTER EXISTS {", 1)[1]
    assert body.strip().startswith("?o :type ?t FILTER EXISTS { ?t :sub* ?c FILTER EXISTS { ?c :type :A")


@pytest.mark.parametrize("text", [
    # a group, OPTIONAL, BIND, VALUES or MINUS inside the body
    "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { ?o :type ?t . OPTIONAL { ?t :sub ?c } } }",
    "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { ?o :type ?t . BIND(?t AS ?c) ?c :sub ?d } }",
    "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { VALUES ?t { :A } ?o :type ?t . ?t :sub ?c } }",
    "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { ?o :type ?t . ?t :sub* ?c . { ?c :x ?y } } }",
    "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { ?o :type ?t . ?t :sub* ?c FILTER EXISTS { ?c :x _:y } } }",
    # blank nodes, collections
    "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { ?o :type _:t . _:t :sub ?c } }",
    "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { ?o :type [ :sub ?c ] . ?c :x ?y } }",
    # one pattern only: nothing to gain
    "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { ?o :type/:sub* :A } }",
    # EXISTS in a string and a comment
    "SELECT ?o WHERE { ?s :link ?o . ?o :label \"EXISTS { ?a :b ?c . ?c :d ?e }\" }",
    "SELECT ?o WHERE { ?s :link ?o } # FILTER EXISTS { ?a :b ?c . ?c :d ?e }",
    # a text the engine does not parse stays the engine's to report
    "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { ?o :type ?t . ?t :sub* ?c . FILTER(?c IN (:A) } }",
    "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { ?o :type ?t . ?t :sub* ?c } ",
    # SERVICE is never touched
    "SELECT ?o WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s :link ?o } FILTER EXISTS { ?o :t ?x . ?x :u ?y } }",
    # a character no token fits
    "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { ?o :type ?t . ?t :sub ?c } } \x01",
])
def test_what_the_rewriter_does_not_read_is_passed_through_unchanged(text):
    assert rewrite(PREFIX + text) == PREFIX + text


def test_a_comment_inside_the_body_is_kept_out_of_the_rewritten_text():
    text = PREFIX + "SELECT ?o WHERE { ?s :link ?o FILTER EXISTS { ?o :type ?t . # where } is\n ?t :sub* :A } }"
    rewritten = rewrite(text)
    assert rewritten != text
    store = ox.Store()
    store.extend([ox.Quad(ox.NamedNode(EX + "n"), ox.NamedNode(EX + "link"), ox.NamedNode(EX + "m")),
                  ox.Quad(ox.NamedNode(EX + "m"), ox.NamedNode(EX + "type"), ox.NamedNode(EX + "B")),
                  ox.Quad(ox.NamedNode(EX + "B"), ox.NamedNode(EX + "sub"), ox.NamedNode(EX + "A"))])
    assert answer(store, rewritten) == answer(store, text) == Counter({("<http://example.org/m>",): 1})


def test_natograph_prefixes_are_known_to_the_check():
    text = ("SELECT ?o WHERE { ?s nato:area ?o FILTER NOT EXISTS { ?o a ?t . ?t rdfs:subClassOf* ?c "
            "FILTER(?c IN (nato:City)) } }")
    assert "FILTER EXISTS" in rewrite(text)


def test_hints_name_the_shapes_left_slow_and_not_the_rewritten_ones():
    from natograph.sparql.shapes import SLOW_SHAPES, slow_shape_hints

    unrewritten = ("SELECT ?o WHERE { ?s :link ?o FILTER NOT EXISTS { ?o :type ?t . "
                   "OPTIONAL { ?t :sub* ?c } FILTER(?c = :A) } }")
    assert SLOW_SHAPES[0] in slow_shape_hints(PREFIX + unrewritten)
    rewritten = "SELECT ?o WHERE { ?s :link ?o FILTER NOT EXISTS { ?o :type ?t . ?t :sub* :A } }"
    assert slow_shape_hints(PREFIX + rewritten) == []
    assert slow_shape_hints(PREFIX + "SELECT * WHERE { ?a :sub+ ?b }") == [SLOW_SHAPES[1]]
    assert slow_shape_hints(PREFIX + "SELECT * WHERE { ?a :sub+ :A }") == []


def test_a_negated_property_set_between_two_terms_is_one_solution_as_sparql_defines_it(project_store):
    """SPARQL 1.1 §18.5 defines ppeval(x, NPS(S), y) as a set of solution mappings: KFOR and Kosovo, linked by
    several properties outside the set, are one solution (rdflib gives one per triple; bench/README.md)."""
    linking = project_store.query("SELECT ?p WHERE { natoid:kfor ?p natoid:kosovo FILTER(?p != rdf:type) }").rows
    assert len({row[0] for row in linking}) >= 2
    (row,) = project_store.query("SELECT (COUNT(*) AS ?n) WHERE { natoid:kfor !rdf:type natoid:kosovo }").rows
    assert int(row[0].value) == 1


@pytest.mark.xfail(strict=True, reason="Oxigraph 0.5 gives one solution per triple when one end of a negated "
                                       "property set is free; SPARQL defines a set (bench/README.md)")
def test_a_negated_property_set_from_a_term_is_one_solution_per_value(project_store):
    values = project_store.query("SELECT ?o WHERE { natoid:kfor !(rdf:type|rdfs:label) ?o }").rows
    assert len(values) == len({tuple(row) for row in values})


def test_a_text_longer_than_the_hint_limit_gets_no_hints_so_a_deep_nesting_cannot_cost_seconds():
    from natograph.sparql.shapes import HINTS_MAX_CHARS, slow_shape_hints
    slow = "SELECT * WHERE { ?a nato:locatedIn+ ?b }"
    assert slow_shape_hints(slow)
    padded = slow + "\n#" + "x" * HINTS_MAX_CHARS
    assert slow_shape_hints(padded) == []
