"""natograph's engine against owlrl, the reference: the same inferred triples after the documented filtering.

The 10k case takes about 15 s (owlrl's share); deselect it with `-m "not differential"`.
"""

import importlib.util
import random
from pathlib import Path

import pyoxigraph as ox
import pytest

from natograph.build.load import graph_input_files, load_files
from natograph.build.reason import infer

REPO_ROOT = Path(__file__).resolve().parents[2]
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", REPO_ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def owlrl_quirk(triple: ox.Triple) -> bool:
    """owlrl types a resource as rdfs:Datatype when it is owl:sameAs one typed with an XSD datatype (README)."""
    return triple.predicate.value == RDF + "type" and triple.object.value == RDFS + "Datatype"


def assert_same_closure(asserted: list[ox.Triple]) -> int:
    reference = infer(asserted, reasoner="owlrl")
    ours = infer(asserted, reasoner="natograph")
    expected = {t for t in reference.triples if not owlrl_quirk(t)}
    actual = {t for t in ours.triples if not owlrl_quirk(t)}
    assert sorted(map(str, expected - actual)) == [], "missed by natograph"
    assert sorted(map(str, actual - expected)) == [], "not entailed according to owlrl"
    assert bool(ours.messages) == bool(reference.messages), (ours.messages, reference.messages)
    return len(actual)


def test_same_closure_on_generated_benchmark_data_1k():
    assert assert_same_closure(_generator().generate(1_000)) > 300


@pytest.mark.differential
def test_same_closure_on_generated_benchmark_data_10k():
    assert assert_same_closure(_generator().generate(10_000)) > 3_000


def test_same_closure_on_the_project_data(project_config):
    loaded = load_files(graph_input_files(project_config))
    asserted = list(dict.fromkeys(t for f in loaded for t in f.triples))
    assert assert_same_closure(asserted) > 100


def _random_graph(seed: int) -> list[ox.Triple]:
    """A small graph mixing every kind of axiom the engine handles (not owl:hasKey: owlrl checks only n-1 keys)."""
    rnd = random.Random(seed)
    ex = [ox.NamedNode(f"http://example.org/{kind}{i}") for kind, n in (("C", 6), ("p", 5), ("a", 8)) for i in range(n)]
    classes, props, individuals = ex[:6], ex[6:11], ex[11:]
    literals = [ox.Literal("1", datatype=ox.NamedNode(XSD + "integer")), ox.Literal("x"),
                ox.Literal("2001-01-01", datatype=ox.NamedNode(XSD + "date"))]
    triples, blanks = [], iter(ox.BlankNode() for _ in range(1000))

    def add(s, p, o):
        triples.append(ox.Triple(s, p if isinstance(p, ox.NamedNode) else ox.NamedNode(p), o))

    def rdf_list(items):
        head = ox.NamedNode(RDF + "nil")
        for item in reversed(items):
            node = next(blanks)
            add(node, RDF + "first", item)
            add(node, RDF + "rest", head)
            head = node
        return head

    def restriction(link, value):
        node = next(blanks)
        add(node, OWL + "onProperty", rnd.choice(props))
        add(node, OWL + link, value)
        return node

    def number(n):
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "nonNegativeInteger"))

    axioms = [
        lambda c, d, p, q: add(c, RDFS + "subClassOf", d),
        lambda c, d, p, q: add(c, OWL + "equivalentClass", d),
        lambda c, d, p, q: add(p, RDFS + "subPropertyOf", q),
        lambda c, d, p, q: add(p, OWL + "equivalentProperty", q),
        lambda c, d, p, q: add(p, RDFS + "domain", c),
        lambda c, d, p, q: add(p, RDFS + "range", c),
        lambda c, d, p, q: add(p, OWL + "inverseOf", q),
        lambda c, d, p, q: add(p, RDF + "type", ox.NamedNode(OWL + rnd.choice(
            ["TransitiveProperty", "SymmetricProperty", "FunctionalProperty", "InverseFunctionalProperty",
             "IrreflexiveProperty", "AsymmetricProperty"]))),
        lambda c, d, p, q: add(p, OWL + "propertyChainAxiom", rdf_list([q, rnd.choice(props)][: rnd.randint(1, 2)])),
        lambda c, d, p, q: add(c, OWL + "equivalentClass", restriction("hasValue", rnd.choice(individuals + literals))),
        lambda c, d, p, q: add(c, RDFS + "subClassOf", restriction("someValuesFrom", rnd.choice([*classes, OWL_THING]))),
        lambda c, d, p, q: add(restriction("allValuesFrom", d), RDFS + "subClassOf", c),
        lambda c, d, p, q: add(c, RDFS + "subClassOf", restriction("maxCardinality", number(rnd.choice([0, 1])))),
        lambda c, d, p, q: add(c, OWL + "intersectionOf", rdf_list(rnd.sample(classes, 2))),
        lambda c, d, p, q: add(c, OWL + "unionOf", rdf_list(rnd.sample(classes, 2))),
        lambda c, d, p, q: add(c, OWL + "oneOf", rdf_list(rnd.sample(individuals, 2))),
        lambda c, d, p, q: add(rnd.choice(individuals), OWL + "sameAs", rnd.choice(individuals)),
        lambda c, d, p, q: add(c, OWL + "sameAs", d),
        lambda c, d, p, q: add(p, OWL + "sameAs", q),
        lambda c, d, p, q: add(rnd.choice(individuals), OWL + "differentFrom", rnd.choice(individuals)),
        lambda c, d, p, q: add(c, OWL + "disjointWith", d),
        lambda c, d, p, q: add(c, OWL + "complementOf", d),
        lambda c, d, p, q: add(p, OWL + "propertyDisjointWith", q),
        lambda c, d, p, q: add(rnd.choice(individuals), RDF + "type", ox.NamedNode(XSD + rnd.choice(["int", "string"]))),
    ]
    for c in classes:
        if rnd.random() < 0.7:
            add(c, RDF + "type", ox.NamedNode(OWL + "Class"))
    for _ in range(rnd.randint(2, 14)):
        rnd.choice(axioms)(rnd.choice(classes), rnd.choice(classes), rnd.choice(props), rnd.choice(props))
    for _ in range(rnd.randint(5, 25)):
        subject = rnd.choice(individuals)
        if rnd.random() < 0.3:
            add(subject, RDF + "type", rnd.choice(classes))
        else:
            add(subject, rnd.choice(props), rnd.choice(individuals) if rnd.random() < 0.8 else rnd.choice(literals))
    return list(dict.fromkeys(triples))


OWL_THING = ox.NamedNode(OWL + "Thing")


@pytest.mark.parametrize("seed", range(40))
def test_same_closure_on_random_graphs_with_every_kind_of_axiom(seed):
    assert_same_closure(_random_graph(seed))
