"""The RDF description of one resource: its triples (asserted and inferred apart), incoming links, the labels of what it mentions."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..sparql import read_query
from ..sparql.explain import StatedBy
from ..store import Dataset, QueryLimits, Store
from ..vocab import ASSERTED_GRAPH, INFERRED_GRAPH, NATO, PROVENANCE_GRAPH

# Incoming links beyond this many are left out (a hub such as NATO itself is the object of thousands of triples).
MAX_INCOMING = 1000
# IRIs whose labels one query asks for (a VALUES block of this many terms).
LABEL_BATCH = 400
ASSERTED = ox.NamedNode(ASSERTED_GRAPH)
INFERRED = ox.NamedNode(INFERRED_GRAPH)
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SOURCE = ox.NamedNode(str(NATO.source))
PROVENANCE = ox.NamedNode(PROVENANCE_GRAPH)
# The graphs whose union is the default graph: what a resource's description is read from.
_CLOSURE_GRAPHS = (ASSERTED, INFERRED, PROVENANCE)


@dataclass
class Description:
    """What the graph says about a resource, each triple in the asserted or the inferred graph.

    The quads are: the concise bounded description of the resource (its triples, following blank
    nodes), the triples pointing at it (at most MAX_INCOMING), and the labels of every IRI these mention.
    """

    resource: ox.NamedNode
    quads: list[ox.Quad] = field(default_factory=list)
    incoming_truncated: bool = False
    # The sources (documents with their lines, references) that state each stated triple of the description.
    stated: dict[ox.Triple, list[StatedBy]] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        """Whether the graph mentions the resource at all (as subject or object)."""
        return any(q.subject == self.resource or q.object == self.resource for q in self.quads)

    def triples(self, graph: str | None = None) -> list[ox.Triple]:
        """The triples of the description, of one graph (asserted or inferred IRI) or of both."""
        return [q.triple for q in self.quads if graph is None or q.graph_name.value == graph]

    def outgoing(self) -> list[ox.Quad]:
        """The quads whose subject is the resource."""
        return [q for q in self.quads if q.subject == self.resource]

    def incoming(self) -> list[ox.Quad]:
        """The quads whose object is the resource (and whose subject is another node)."""
        return [q for q in self.quads if q.object == self.resource and q.subject != self.resource]

    def about(self, node) -> list[ox.Quad]:
        """The quads whose subject is `node` (a blank node the description reaches, say)."""
        return [q for q in self.quads if q.subject == node]

    def values(self, predicate: ox.NamedNode) -> list[ox.Term]:
        """The objects of the resource's triples with this predicate, asserted first."""
        return [q.object for q in self.outgoing() if q.predicate == predicate]

    def labels(self) -> dict[str, str]:
        """The label of every IRI the description mentions, English (or untagged) ones preferred."""
        chosen: dict[str, ox.Literal] = {}
        for quad in self.quads:
            if quad.predicate != RDFS_LABEL or not isinstance(quad.object, ox.Literal):
                continue
            if not isinstance(quad.subject, ox.NamedNode):
                continue
            current = chosen.get(quad.subject.value)
            if current is None or (_is_english(quad.object) and not _is_english(current)):
                chosen[quad.subject.value] = quad.object
        return {iri: literal.value for iri, literal in chosen.items()}


def is_inferred(quad: ox.Quad) -> bool:
    """Whether a quad of a description comes from the inferred graph."""
    return quad.graph_name == INFERRED


def describe_resource(store: Store, iri: str, *, max_incoming: int = MAX_INCOMING) -> Description:
    """The description of the resource `iri` in a snapshot's store (empty if the graph does not mention it)."""
    resource = ox.NamedNode(iri)
    bindings = {"resource": resource}
    quads: dict[ox.Quad, None] = {}
    truncated = False
    budget = max_incoming
    for graph in _CLOSURE_GRAPHS:
        only_this_graph = Dataset(default_graphs=(graph.value,))
        for triple in store.query(read_query("describe-cbd.rq"), bindings=bindings, dataset=only_this_graph).triples:
            quads[ox.Quad(triple.subject, triple.predicate, triple.object, graph)] = None
        incoming = store.query(read_query("describe-incoming.rq"), bindings=bindings, dataset=only_this_graph,
                               limits=QueryLimits(max_rows=budget))
        for subject, predicate in incoming.rows:
            quads[ox.Quad(subject, predicate, resource, graph)] = None
        budget -= len(incoming.rows)
        truncated = truncated or incoming.truncated
    stated: dict[ox.Triple, set[StatedBy]] = {}
    for prop, value, source, line, graph in store.query(read_query("describe-stated-outgoing.rq"),
                                                        bindings=bindings).rows:
        stated.setdefault(ox.Triple(resource, prop, value), set()).add(_stated_by(source, line, graph))
    for subject, prop, source, line, graph in store.query(read_query("describe-stated-incoming.rq"), bindings=bindings,
                                                          limits=QueryLimits(max_rows=max_incoming)).rows:
        stated.setdefault(ox.Triple(subject, prop, resource), set()).add(_stated_by(source, line, graph))
    mentioned = _mentioned_iris(list(quads))
    for graph in _CLOSURE_GRAPHS:
        labels = store.query(read_query("describe-labels.rq"), bindings={"resource": mentioned},
                             dataset=Dataset(default_graphs=(graph.value,)))
        for subject, label in labels.rows:
            quads[ox.Quad(subject, RDFS_LABEL, label, graph)] = None
    return Description(resource, list(quads), incoming_truncated=truncated,
                       stated={triple: sorted(found, key=lambda s: (s.source, s.line or 0))
                               for triple, found in stated.items()})


def _stated_by(source, line, graph) -> StatedBy:
    return StatedBy(source.value, int(line.value) if line is not None else None, graph.value)


def graph_statements(store: Store, description: Description) -> list[ox.Quad]:
    """For a statement graph (natoid:statements-…): the statements it holds, as quads of that graph."""
    if ox.Quad(description.resource, RDF_TYPE, ox.NamedNode(str(NATO.StatementGraph)), PROVENANCE) not in description.quads:
        return []
    answer = store.query(read_query("graph-triples.rq"), dataset=Dataset(default_graphs=(description.resource.value,)))
    return [ox.Quad(*triple, description.resource) for triple in answer.triples]


def statement_quads(store: Store, description: Description) -> list[ox.Quad]:
    """The description's stated triples in the statement graphs that record them, with those graphs' descriptions
    (in the provenance graph): what a dataset format (TriG, N-Quads) adds to a resource's document."""
    graphs = sorted({s.graph for found in description.stated.values() for s in found if s.graph})
    quads = sorted((ox.Quad(triple.subject, triple.predicate, triple.object, ox.NamedNode(s.graph))
                    for triple, found in description.stated.items() for s in found if s.graph),
                   key=lambda q: (q.graph_name.value, str(q.subject), str(q.predicate), str(q.object)))
    if graphs:
        provenance = ox.NamedNode(PROVENANCE_GRAPH)
        answer = store.query(read_query("statement-graph-descriptions.rq"),
                             bindings={"graph": [ox.NamedNode(g) for g in graphs]},
                             dataset=Dataset(default_graphs=(PROVENANCE_GRAPH,)))
        quads += [ox.Quad(graph, prop, value, provenance) for graph, prop, value in answer.rows]
    return quads


def labels_of(store: Store, iris) -> dict[str, str]:
    """The label of each of these IRIs that has one in the store's default graph (an English or plain one preferred)."""
    text = read_query("describe-labels.rq")
    ordered = sorted(set(iris), key=lambda iri: iri.value)
    english: dict[str, str] = {}
    other: dict[str, str] = {}
    for start in range(0, len(ordered), LABEL_BATCH):
        for resource, label in store.query(text, bindings={"resource": ordered[start:start + LABEL_BATCH]}).rows:
            chosen = english if label.language in (None, "en") else other
            chosen.setdefault(resource.value, label.value)
    return {**other, **english}


def _mentioned_iris(quads: list[ox.Quad]) -> list[ox.NamedNode]:
    seen: dict[ox.NamedNode, None] = {}
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object):
            if isinstance(term, ox.NamedNode):
                seen[term] = None
    return list(seen)


def _is_english(literal: ox.Literal) -> bool:
    return literal.language in (None, "en") or (literal.language or "").startswith("en-")
