"""Binding values to a query: `Store.query(bindings=)` is the one way, a VALUES block opening the outer group.

Why not the engine's own `substitutions=`: the differential test below runs every canned query both ways on
the real graph. Where the engine accepts a substitution, the rows are the same, except in the catalogue's
idiom for an optional parameter, `FILTER(!BOUND(?p) || …)`, where the engine reads a substituted variable as
unbound; and it refuses outright a variable that the SELECT clause does not project, as most canned queries'
parameters are not.
"""

import re
from collections import Counter

import pyoxigraph as ox
import pytest

from natograph.query.canned import bind_parameters, load_catalogue
from natograph.sparql.text import QueryText, TokenKind, text_for_display, tokenize
from natograph.vocab import PREFIXES

from ..conftest import REPO_ROOT

CATALOGUE = load_catalogue(REPO_ROOT / "queries")
PARAMETERISED = sorted(name for name, query in CATALOGUE.items() if query.parameters)
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def _example_bindings(query, store) -> dict:
    given = {p.name: p.example or p.default for p in query.parameters if p.example or p.default}
    used = {t.text[1:] for t in tokenize(query.text) if t.kind is TokenKind.VARIABLE}
    return {name: term for name, term in bind_parameters(query, given, store).items() if name in used}


def _rows(variables, rows) -> Counter:
    return Counter(tuple(str(row[variables.index(v)]) if row[variables.index(v)] is not None else "" for v in
                         variables) for row in rows)


def _substituted(engine: ox.Store, text: str, bindings: dict):
    """The engine's answer with `substitutions=`; each variable it refuses as not projected is added to the SELECT
    clause (a constant column changes no solution's multiplicity) and left out of the rows again."""
    substitutions = {ox.Variable(name): term for name, term in bindings.items()}
    added: set[str] = set()
    while True:
        try:
            solutions = engine.query(text, prefixes=PREFIXES, substitutions=substitutions)
            break
        except RuntimeError as refusal:
            missing = re.search(r"variable \?(\w+) in its SELECT projection", str(refusal))
            assert missing and missing.group(1) not in added, refusal
            added.add(missing.group(1))
            text = re.sub(r"\bSELECT(\s+DISTINCT|\s+REDUCED)?", lambda m: f"{m.group(0)} ?{missing.group(1)}",
                          text, count=1, flags=re.I)
    variables = [v.value for v in solutions.variables if v.value not in added]
    return variables, [[row[v] for v in variables] for row in solutions]


def _tests_boundness_of(text: str, bindings: dict) -> bool:
    return any(re.search(rf"BOUND\(\?{re.escape(name)}\)", text) for name in bindings)


@pytest.mark.parametrize("name", PARAMETERISED)
def test_values_and_engine_substitution_give_the_same_rows_except_where_a_filter_asks_bound(name, project_store):
    query = CATALOGUE[name]
    bindings = _example_bindings(query, project_store)
    bound = project_store.query(query.text, bindings=bindings)
    variables, substituted = _substituted(project_store.snapshot.store, query.text, bindings)
    assert variables == bound.variables
    same = _rows(variables, substituted) == _rows(bound.variables, bound.rows)
    if _tests_boundness_of(query.text, bindings):
        assert not same, f"{name}: the engine's substitution now keeps BOUND true: it could bind canned queries"
    else:
        assert same, f"{name}: VALUES and substitution disagree"


def test_the_engine_refuses_to_substitute_a_parameter_the_select_clause_does_not_project(project_store):
    query = CATALOGUE["operations-led-by"]
    bindings = _example_bindings(query, project_store)
    with pytest.raises(RuntimeError, match="SELECT projection"):
        project_store.snapshot.store.query(query.text, prefixes=PREFIXES,
                                           substitutions={ox.Variable(k): v for k, v in bindings.items()})
    assert project_store.query(query.text, bindings=bindings).rows


def test_an_optional_parameter_filters_when_given_which_substitution_would_not(project_store):
    query = CATALOGUE["meetings"]
    every = project_store.query(query.text).rows
    in_2016 = project_store.query(query.text, bindings=bind_parameters(query, {"period": "2016"}, project_store)).rows
    assert 0 < len(in_2016) < len(every)
    engine = ox.Store()
    for number in (1, 2, 3):
        engine.add(ox.Quad(ox.NamedNode(f"http://example.org/{number}"), ox.NamedNode("http://example.org/p"),
                           ox.Literal(str(number), datatype=XSD_INTEGER)))
    text = "SELECT ?x ?s WHERE { ?s <http://example.org/p> ?v FILTER(!BOUND(?x) || ?v = ?x) }"
    two = ox.Literal("2", datatype=XSD_INTEGER)
    assert len(list(engine.query(text, substitutions={ox.Variable("x"): two}))) == 3
    assert len(list(engine.query(QueryText(text).bound({"x": two})))) == 1


def test_a_list_of_terms_binds_one_solution_per_term(project_store):
    nato, isaf = ox.NamedNode("https://w3id.org/natograph/id/nato"), ox.NamedNode("https://w3id.org/natograph/id/isaf")
    text = "SELECT ?resource ?label WHERE { ?resource <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    rows = project_store.query(text, bindings={"resource": [nato, isaf]}).rows
    assert {row[0] for row in rows} == {nato, isaf}
    assert project_store.query(text, bindings={"resource": []}).rows == []
    assert QueryText("SELECT * WHERE { ?a ?b ?c }").bound({"a": [nato, isaf], "b": nato}) == (
        f"SELECT * WHERE {{ VALUES (?a ?b) {{ ({nato} {nato}) ({isaf} {nato}) }} ?a ?b ?c }}")


def test_the_displayed_text_runs_as_a_free_query_to_the_bound_query_s_rows(project_store):
    query = CATALOGUE["operations-led-by"]
    bindings = _example_bindings(query, project_store)
    shown = text_for_display(query.text, bindings)
    assert project_store.query(shown).rows == project_store.query(query.text, bindings=bindings).rows
