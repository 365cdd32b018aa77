"""What the HTML pages of resources, ontology terms and the ontology show, built from descriptions and query rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlencode

import pyoxigraph as ox

from ..query.describe import Description, is_inferred
from ..rdf.terms import compact
from ..sparql.explain import StatedBy
from ..vocab import NATO
from .links import TermView, term_view

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
RDF_TYPE, RDF_FIRST, RDF_REST, RDF_NIL = RDF + "type", RDF + "first", RDF + "rest", RDF + "nil"
RDFS_LABEL, RDFS_COMMENT = RDFS + "label", RDFS + "comment"
SOURCE = str(NATO.source)
SCHEMA = "https://schema.org/"
SKOS_EXACT_MATCH = "http://www.w3.org/2004/02/skos/core#exactMatch"
# The sites of the links a page shows under its title, in that order: name and the start of their IRIs.
LINK_SITES = (("Wikipedia", "https://en.wikipedia.org/wiki/"), ("DBpedia", "http://dbpedia.org/resource/"),
              ("Wikidata", "http://www.wikidata.org/entity/"))
LINK_PREDICATES = {SCHEMA + "sameAs", SKOS_EXACT_MATCH}
# The context of a page's embedded schema.org description: schema.org terms, and links read as IRIs.
SCHEMA_ORG_CONTEXT = {"@vocab": SCHEMA, "sameAs": {"@id": SCHEMA + "sameAs", "@type": "@id"}}
# Shown in the page's heading and its own sections rather than among the facts.
SHOWN_APART = {RDF_TYPE, RDFS_LABEL, RDFS_COMMENT, SKOS_ALT_LABEL, SOURCE}
MAX_NESTING = 4
PROPERTY_KINDS = {OWL + "ObjectProperty": "object property", OWL + "DatatypeProperty": "datatype property",
                  OWL + "AnnotationProperty": "annotation property", RDF + "Property": "property"}
CHARACTERISTICS = {OWL + name: name.removesuffix("Property").lower() for name in (
    "TransitiveProperty", "FunctionalProperty", "InverseFunctionalProperty", "SymmetricProperty",
    "AsymmetricProperty", "ReflexiveProperty", "IrreflexiveProperty")}

ExplainLink = Callable[[ox.Triple], str]


@dataclass(frozen=True)
class StatedByView:
    """A source that states a value: the document's short name and line, linking to what it states there."""

    text: str
    title: str
    href: str


@dataclass(frozen=True)
class ValueView:
    """One value of a property on a page, marked when the reasoner inferred it."""

    term: TermView
    inferred: bool = False
    explain: str | None = None
    stated_by: tuple[StatedByView, ...] = ()


@dataclass(frozen=True)
class PropertyRow:
    """A property and its values (or, for incoming links, the resources that point here through it)."""

    predicate: TermView
    values: tuple[ValueView, ...]


@dataclass(frozen=True)
class FigureView:
    """A dated figure about the resource."""

    figure: TermView
    amount: str
    unit: str
    as_of: TermView | None
    contributor: TermView | None
    sources: tuple[TermView, ...]


@dataclass(frozen=True)
class LinkView:
    """A link of the resource to another dataset: the site's name and the address."""

    site: str
    url: str


@dataclass
class ResourcePage:
    """Everything the page of one resource shows."""

    iri: str
    name: str
    label: str
    alt_labels: list[str]
    comments: list[str]
    types: list[ValueView]
    facts: list[PropertyRow]
    sources: list[ValueView]
    incoming: list[PropertyRow]
    figures: list[FigureView] = field(default_factory=list)
    incoming_truncated: bool = False
    links: list[LinkView] = field(default_factory=list)
    structured_data: dict = field(default_factory=dict)
    # For a statement graph: the statements it holds (subject, property, value).
    statements: list[tuple[TermView, TermView, TermView]] = field(default_factory=list)


def resource_page(description: Description, *, explain: ExplainLink, figure_rows: list | None = None,
                  graph_statements: list[ox.Quad] = (), statement_labels: dict | None = None) -> ResourcePage:
    """The page model of a described resource; inferred values link to their explanation. A statement graph's page
    also lists its `graph_statements`, named with `statement_labels`."""
    labels = description.labels()
    statement_labels = {**labels, **(statement_labels or {})}
    resource = description.resource
    outgoing = description.outgoing()
    by_predicate: dict[str, list[ox.Quad]] = {}
    for quad in outgoing:
        by_predicate.setdefault(quad.predicate.value, []).append(quad)
    texts = {p: [q.object.value for q in quads if isinstance(q.object, ox.Literal)] for p, quads in by_predicate.items()}
    name = compact(resource)
    facts = [
        PropertyRow(term_view(ox.NamedNode(p), labels), _values(quads, description, labels, explain, "object"))
        for p, quads in by_predicate.items() if p not in SHOWN_APART
    ]
    incoming_by_predicate: dict[str, list[ox.Quad]] = {}
    for quad in description.incoming():
        incoming_by_predicate.setdefault(quad.predicate.value, []).append(quad)
    incoming = [
        PropertyRow(term_view(ox.NamedNode(p), labels), _values(quads, description, labels, explain, "subject"))
        for p, quads in incoming_by_predicate.items()
    ]
    return ResourcePage(
        iri=resource.value,
        name=name,
        label=labels.get(resource.value) or name,
        alt_labels=sorted(set(texts.get(SKOS_ALT_LABEL, []))),
        comments=texts.get(RDFS_COMMENT, []),
        types=[v for v in _values(by_predicate.get(RDF_TYPE, []), description, labels, explain, "object")
               if v.term.kind == "iri"],
        facts=sorted(facts, key=_row_order),
        sources=list(_values(by_predicate.get(SOURCE, []), description, labels, explain, "object")),
        incoming=sorted(incoming, key=_row_order),
        figures=figures(figure_rows or []),
        incoming_truncated=description.incoming_truncated,
        links=web_links(outgoing),
        structured_data=schema_org_description(description, labels),
        statements=[(term_view(q.subject, statement_labels), term_view(q.predicate, statement_labels),
                     term_view(q.object, statement_labels))
                    for q in sorted(graph_statements, key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))],
    )


def web_links(outgoing: list[ox.Quad]) -> list[LinkView]:
    """The resource's links to Wikipedia, DBpedia and Wikidata, in that order of sites."""
    targets = {q.object.value for q in outgoing
               if q.predicate.value in LINK_PREDICATES and isinstance(q.object, ox.NamedNode)}
    return [LinkView(site, url) for site, start in LINK_SITES for url in sorted(targets) if url.startswith(start)]


def schema_org_description(description: Description, labels: dict) -> dict:
    """The resource as schema.org JSON-LD, for a page to embed as structured data.

    Its schema.org types and the values of its schema.org properties, asserted and inferred (the ontology's
    alignment gives a summit `schema:Event` with `startDate` and `location`), its label as `name`, its short
    names as `alternateName`, its first comment as `description`; a resource it points at is a node with
    its `name`. The context is inline, so that nothing has to be fetched to read it.
    """
    resource = description.resource
    node: dict = {"@context": SCHEMA_ORG_CONTEXT, "@id": resource.value}
    types = sorted({q.object.value[len(SCHEMA):] for q in description.outgoing()
                    if q.predicate.value == RDF_TYPE and q.object.value.startswith(SCHEMA)})
    node["@type"] = types or ["Thing"]
    if resource.value in labels:
        node["name"] = labels[resource.value]
    by_key: dict[str, list] = {}
    for quad in description.outgoing():
        predicate, obj = quad.predicate.value, quad.object
        if predicate == SKOS_ALT_LABEL and isinstance(obj, ox.Literal):
            key, value = "alternateName", obj.value
        elif predicate == RDFS_COMMENT and isinstance(obj, ox.Literal) and "description" not in by_key:
            key, value = "description", obj.value
        elif predicate == SKOS_EXACT_MATCH and isinstance(obj, ox.NamedNode):
            key, value = "sameAs", obj.value
        elif predicate.startswith(SCHEMA) and not isinstance(obj, ox.BlankNode):
            key = predicate[len(SCHEMA):]
            if key == "sameAs":
                value = obj.value
            elif isinstance(obj, ox.NamedNode):
                value = {"@id": obj.value, **({"name": labels[obj.value]} if obj.value in labels else {})}
            else:
                value = obj.value
        else:
            continue
        if value not in by_key.setdefault(key, []):
            by_key[key].append(value)
    for key, values in sorted(by_key.items()):
        node[key] = values[0] if len(values) == 1 else sorted(values, key=_sort_key)
    return node


def _sort_key(value) -> str:
    return value["@id"] if isinstance(value, dict) else str(value)


def _values(quads: list[ox.Quad], description: Description, labels: dict, explain: ExplainLink,
            position: str) -> tuple[ValueView, ...]:
    views = []
    for quad in quads:
        term = quad.object if position == "object" else quad.subject
        inferred = is_inferred(quad)
        has_blank = any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object))
        link = explain(quad.triple) if inferred and not has_blank else None
        stated = () if inferred else tuple(_stated_by_view(s, labels) for s in description.stated.get(quad.triple, ()))
        views.append(ValueView(_nested_view(term, description, labels, 0), inferred, link, stated))
    return tuple(sorted(views, key=lambda v: (v.inferred, v.term.text.lower())))


def document_line_href(source: str, line: int | None = None) -> str:
    """Where a source's statements are listed (the `document-statements` page), at one line of a document."""
    name = source.rsplit("/", 1)[-1]
    return f"/queries/document-statements?{urlencode({'document': name})}" + (f"#line-{line}" if line else "")


def _stated_by_view(stated: StatedBy, labels: dict) -> StatedByView:
    name = stated.source.rsplit("/", 1)[-1]
    short = name.removeprefix("source-")
    text = f"{short}:{stated.line}" if stated.line is not None else short
    title = labels.get(stated.source, name) + (f", line {stated.line}" if stated.line is not None else "")
    return StatedByView(text, title, document_line_href(stated.source, stated.line))


def _nested_view(term, description: Description, labels: dict, depth: int) -> TermView:
    view = term_view(term, labels)
    if not isinstance(term, ox.BlankNode) or depth >= MAX_NESTING:
        return view
    members = _list_members(term, description)
    if members is not None:
        return TermView("list", "( … )", "an RDF list",
                        members=tuple(_nested_view(m, description, labels, depth + 1) for m in members))
    quads = description.about(term)
    # The node's stated structure (a restriction, say) reads better without the reasoner's conclusions about it.
    stated = [q for q in quads if not is_inferred(q)] or quads
    seen: dict[tuple, None] = {}
    for quad in stated:
        pair = (term_view(quad.predicate, labels), _nested_view(quad.object, description, labels, depth + 1))
        seen[pair] = None
    return TermView("bnode", view.text, view.title, parts=tuple(seen))


def _list_members(node, description: Description) -> list | None:
    members, current, visited = [], node, set()
    while isinstance(current, ox.BlankNode) and current not in visited:
        visited.add(current)
        quads = description.about(current)
        first = [q.object for q in quads if q.predicate.value == RDF_FIRST]
        rest = [q.object for q in quads if q.predicate.value == RDF_REST]
        if not first or not rest:
            return None
        members.append(first[0])
        current = rest[0]
    return members if isinstance(current, ox.NamedNode) and current.value == RDF_NIL else None


def _row_order(row: PropertyRow) -> tuple:
    return (not row.predicate.title.startswith("nato:"), row.predicate.text.lower())


def figures(rows: list) -> list[FigureView]:
    """Figure rows of figures-of.rq (one per figure and source), grouped into one view per figure."""
    grouped: dict[str, dict] = {}
    for figure, label, troops, count, unit, approximation, as_of, contributor, contributor_label, source, source_label \
            in rows:
        entry = grouped.setdefault(figure.value, {
            "figure": term_view(figure, {figure.value: label.value} if label is not None else {}),
            "amount": " ".join(x.value for x in (approximation, troops or count) if x is not None),
            "unit": unit.value if unit is not None else "",
            "as_of": term_view(as_of) if as_of is not None else None,
            "contributor": term_view(contributor, {contributor.value: contributor_label.value}
                                     if contributor_label is not None else {}) if contributor is not None else None,
            "sources": {},
        })
        if source is not None:
            entry["sources"][source.value] = term_view(source, {source.value: source_label.value}
                                                       if source_label is not None else {})
    return [FigureView(e["figure"], e["amount"], e["unit"], e["as_of"], e["contributor"], tuple(e["sources"].values()))
            for e in grouped.values()]


@dataclass
class TermSummary:
    """What a page says about an ontology term besides its facts: its kind, hierarchy, domain, range and use."""

    is_class: bool
    kinds: list[str]
    superclasses: list[ValueView]
    subclasses: list[ValueView]
    equivalents: list[ValueView]
    disjoint: list[ValueView]
    domains: list[ValueView]
    ranges: list[ValueView]
    superproperties: list[ValueView]
    subproperties: list[ValueView]
    inverses: list[ValueView]
    with_domain: list[ValueView]
    with_range: list[ValueView]
    usage: int


def term_summary(description: Description, *, explain: ExplainLink, usage: int) -> TermSummary:
    """The ontology-specific part of a term's page."""
    labels = description.labels()

    def outgoing(predicate: str) -> list[ValueView]:
        quads = [q for q in description.outgoing() if q.predicate.value == predicate]
        return list(_values(quads, description, labels, explain, "object"))

    def incoming(predicate: str) -> list[ValueView]:
        quads = [q for q in description.incoming() if q.predicate.value == predicate]
        return list(_values(quads, description, labels, explain, "subject"))

    def both_ways(predicate: str) -> list[ValueView]:
        unique: dict[TermView, ValueView] = {}
        for view in sorted(outgoing(predicate) + incoming(predicate), key=lambda v: v.inferred):
            unique.setdefault(view.term, view)
        return list(unique.values())

    types = {q.object.value for q in description.outgoing()
             if q.predicate.value == RDF_TYPE and isinstance(q.object, ox.NamedNode)}
    kinds = [PROPERTY_KINDS[t] for t in PROPERTY_KINDS if t in types]
    kinds += [CHARACTERISTICS[t] for t in CHARACTERISTICS if t in types]
    is_class = OWL + "Class" in types or RDFS + "Class" in types
    if is_class:
        kinds.insert(0, "class")
    return TermSummary(
        is_class=is_class, kinds=kinds,
        superclasses=outgoing(RDFS + "subClassOf"), subclasses=incoming(RDFS + "subClassOf"),
        equivalents=both_ways(OWL + "equivalentClass"), disjoint=both_ways(OWL + "disjointWith"),
        domains=outgoing(RDFS + "domain"), ranges=outgoing(RDFS + "range"),
        superproperties=outgoing(RDFS + "subPropertyOf"), subproperties=incoming(RDFS + "subPropertyOf"),
        inverses=both_ways(OWL + "inverseOf"),
        with_domain=incoming(RDFS + "domain"), with_range=incoming(RDFS + "range"),
        usage=usage,
    )


@dataclass
class OntologyTerm:
    """One term on the ontology's documentation page."""

    local: str
    iri: str
    label: str
    comment: str
    kind: str
    characteristics: list[str]
    superclasses: list[TermView]
    domains: list[TermView]
    ranges: list[TermView]
    superproperties: list[TermView]
    inverses: list[TermView]
    usage: int
    parents: list[str] = field(default_factory=list)
    subterms: list[str] = field(default_factory=list)


@dataclass
class OntologyPage:
    """The ontology's documentation: its metadata, the class tree and every property."""

    metadata: dict
    classes: list[tuple[int, OntologyTerm]]
    properties: dict[str, list[OntologyTerm]]
    terms: dict[str, OntologyTerm]


def ontology_page(rows: list, metadata: dict, usage: dict[str, int]) -> OntologyPage:
    """The documentation page from ontology-triples.rq rows, the ontology's metadata and usage counts."""
    namespace = str(NATO)
    triples: dict[str, list[tuple[str, object]]] = {}
    for term, predicate, value in rows:
        triples.setdefault(term.value, []).append((predicate.value, value))
    labels = {iri: _first_text(entries, RDFS_LABEL) for iri, entries in triples.items()}
    labels = {iri: label for iri, label in labels.items() if label}
    terms: dict[str, OntologyTerm] = {}
    for iri, entries in triples.items():
        types = {v.value for p, v in entries if p == RDF_TYPE and isinstance(v, ox.NamedNode)}
        kind = "class" if OWL + "Class" in types or RDFS + "Class" in types else next(
            (PROPERTY_KINDS[t] for t in PROPERTY_KINDS if t in types), None)
        if kind is None:
            continue

        def named(predicate: str) -> list[TermView]:
            return [term_view(v, labels) for p, v in entries if p == predicate and isinstance(v, ox.NamedNode)]

        terms[iri] = OntologyTerm(
            local=iri[len(namespace):], iri=iri, label=labels.get(iri, iri[len(namespace):]),
            comment=_first_text(entries, RDFS_COMMENT), kind=kind,
            characteristics=[CHARACTERISTICS[t] for t in CHARACTERISTICS if t in types],
            superclasses=named(RDFS + "subClassOf"), domains=named(RDFS + "domain"), ranges=named(RDFS + "range"),
            superproperties=named(RDFS + "subPropertyOf"), inverses=named(OWL + "inverseOf"),
            usage=usage.get(iri, 0),
            parents=[v.value for p, v in entries if p == RDFS + "subClassOf" and isinstance(v, ox.NamedNode)],
        )
    classes = {iri: t for iri, t in terms.items() if t.kind == "class"}
    for iri, term in classes.items():
        for parent in term.parents:
            if parent in classes and iri not in classes[parent].subterms:
                classes[parent].subterms.append(iri)
    roots = [iri for iri, t in classes.items() if not any(p in classes for p in t.parents)]
    tree: list[tuple[int, OntologyTerm]] = []

    def walk(iri: str, depth: int, path: tuple) -> None:
        tree.append((depth, classes[iri]))
        for child in sorted(classes[iri].subterms, key=lambda c: classes[c].label.lower()):
            if child not in path:
                walk(child, depth + 1, path + (child,))

    for root in sorted(roots, key=lambda r: classes[r].label.lower()):
        walk(root, 0, (root,))
    properties: dict[str, list[OntologyTerm]] = {}
    for term in sorted(terms.values(), key=lambda t: t.label.lower()):
        if term.kind != "class":
            properties.setdefault(term.kind, []).append(term)
    return OntologyPage(metadata, tree, properties, terms)


def _first_text(entries: list, predicate: str) -> str:
    texts = [v for p, v in entries if p == predicate and isinstance(v, ox.Literal)]
    english = [t for t in texts if t.language in (None, "en")]
    return (english or texts)[0].value if texts else ""
