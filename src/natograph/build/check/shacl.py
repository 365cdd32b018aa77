"""SHACL validation of the asserted data against ontology/shapes.ttl (compiled to SPARQL, or pySHACL), readably."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from ...errors import InputFileError
from ...snapshot.source_lines import Location
from ..provenance import SourceIndex
from .shacl_sparql import CompiledShapes, Finding, UnsupportedShapes, literals_kept, scratch_store
from ...rdf.terms import compact, to_oxigraph, to_rdflib, triple_to_rdflib

SEVERITY_NAMES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
# "sparql": the shapes compiled to SPARQL on Oxigraph (shacl_sparql.py); "pyshacl": the reference
# engine; "auto": the first where it gives the second's results, else the second.
ENGINES = ("auto", "sparql", "pyshacl")
SHAPES_NAMESPACE = "https://w3id.org/natograph/shapes#"
_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`,;)]+")
# rdflib logs this, with a traceback, for every literal whose lexical form is not of its datatype.
ILL_TYPED_LITERAL_WARNING = "Failed to convert Literal lexical form to value"


@dataclass
class ShapeResult:
    """One SHACL result: the focus node, the path and value at fault, the message, and where the node is stated."""

    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str
    shape: str
    constraint: str
    locations: list[Location] = field(default_factory=list)

    def describe(self) -> str:
        where = ", ".join(str(loc) for loc in self.locations) or "not stated in a data file"
        subject = self.focus if self.path is None else f"{self.focus} {self.path}"
        value = f" (value {self.value})" if self.value is not None else ""
        return f"[{self.severity}] {subject}: {self.message}{value}    ({where}; shape {self.shape})"

    def to_dict(self) -> dict:
        return {
            "focus": self.focus,
            "path": self.path,
            "value": self.value,
            "message": self.message,
            "severity": self.severity,
            "shape": self.shape,
            "constraint": self.constraint,
            "locations": [loc.to_dict() for loc in self.locations],
        }


@dataclass
class ShapesOutcome:
    """Whether the data conforms, and every result (violations, warnings, infos)."""

    conforms: bool
    results: list[ShapeResult]
    shapes: int

    @property
    def violations(self) -> list[ShapeResult]:
        return [r for r in self.results if r.severity == "violation"]


def load_shapes(path: Path, relative: str) -> Graph:
    """The shapes graph; a malformed file raises InputFileError with its line."""
    try:
        triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    except SyntaxError as exc:
        reason = str(exc.msg or exc).split(": ", 1)[-1]
        raise InputFileError(relative, reason, line=exc.lineno, column=exc.offset) from None
    except OSError as exc:
        raise InputFileError(relative, f"cannot read: {exc.strerror}") from None
    return _graph(triples)


def validate_data(
    data: Iterable[ox.Triple], ontology: Iterable[ox.Triple], shapes: Graph, *, sources: SourceIndex | None = None,
    engine: str = "auto",
) -> ShapesOutcome:
    """Validate the data triples against the shapes, the ontology mixed in, with no inference.

    No inference: SHACL targets already follow rdfs:subClassOf in the mixed-in ontology, and a
    requirement the reasoner could fill from elsewhere (a type from a range axiom, say) must
    still be written in the data. `engine` is one of ENGINES; "auto" compiles the shapes to SPARQL
    unless they use a feature outside the compiled subset or a literal would be stored rewritten.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}: one of {', '.join(ENGINES)}")
    # Both engines turn literals into rdflib terms, ill-typed ones included: the report names those already.
    with quiet_ill_typed_literals():
        return _validate(list(data), list(ontology), shapes, sources, engine)


def _validate(data: list[ox.Triple], ontology: list[ox.Triple], shapes: Graph, sources: SourceIndex | None,
              engine: str) -> ShapesOutcome:
    shape_count = len(set(shapes.subjects(RDF.type, SH.NodeShape)))
    if engine != "pyshacl":
        try:
            compiled = CompiledShapes(shapes)
        except UnsupportedShapes:
            if engine == "sparql":
                raise
        else:
            store = scratch_store(data, ontology)
            if engine == "sparql" or literals_kept(data + ontology, store):
                results = [_finding_result(shapes, finding, sources) for finding in compiled.validate(store)]
                conforms = not any(r.severity == "violation" for r in results)
                return ShapesOutcome(conforms, _sorted(results), shape_count)
    conforms, report, _ = validate(
        _graph(data),
        shacl_graph=shapes,
        ont_graph=_graph(ontology),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    nested = set(report.objects(None, SH.detail))
    results = [_result(report, shapes, node, sources)
               for node in report.subjects(RDF.type, SH.ValidationResult) if node not in nested]
    return ShapesOutcome(bool(conforms), _sorted(results), shape_count)


class _IllTypedLiteralFilter(logging.Filter):
    """Drops rdflib's warning about an ill-typed literal: the checks report each such literal themselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(ILL_TYPED_LITERAL_WARNING)


@contextmanager
def quiet_ill_typed_literals():
    """Within the block, rdflib does not log a traceback for each ill-typed literal; every other message stays."""
    logger = logging.getLogger("rdflib.term")
    noise = _IllTypedLiteralFilter()
    logger.addFilter(noise)
    try:
        yield
    finally:
        logger.removeFilter(noise)


def _sorted(results: list[ShapeResult]) -> list[ShapeResult]:
    return sorted(results, key=lambda r: (r.severity != "violation", r.focus, r.path or "", r.message,
                                          r.constraint, r.value or "", r.shape))


def _graph(triples: Iterable[ox.Triple]) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple_to_rdflib(triple))
    return graph


def _result(report: Graph, shapes: Graph, node, sources: SourceIndex | None) -> ShapeResult:
    focus = report.value(node, SH.focusNode)
    path = report.value(node, SH.resultPath)
    value = report.value(node, SH.value)
    message = report.value(node, SH.resultMessage)
    component = report.value(node, SH.sourceConstraintComponent)
    shape = report.value(node, SH.sourceShape)
    locations = sources.subject_locations(to_oxigraph(focus)) if sources is not None else []
    return ShapeResult(
        focus=_text(focus),
        path=_text(path) if path is not None else None,
        value=_text(value) if value is not None and value != focus else None,
        message=_compact_iris(str(message)) if message is not None else _text(component),
        severity=SEVERITY_NAMES.get(report.value(node, SH.resultSeverity), "violation"),
        shape=_shape_name(shapes, shape),
        constraint=_text(component).removeprefix("sh:") if component is not None else "",
        locations=locations,
    )


def _finding_result(shapes: Graph, finding: Finding, sources: SourceIndex | None) -> ShapeResult:
    focus = to_rdflib(finding.focus)
    value = to_rdflib(finding.value) if finding.value is not None else None
    return ShapeResult(
        focus=_text(focus),
        path=_text(finding.path) if finding.path is not None else None,
        value=_text(value) if value is not None and value != focus else None,
        message=_compact_iris(finding.message),
        severity=SEVERITY_NAMES.get(finding.severity, "violation"),
        shape=_shape_name(shapes, finding.shape),
        constraint=_text(finding.component).removeprefix("sh:"),
        locations=sources.subject_locations(finding.focus) if sources is not None else [],
    )


def _compact_iris(text: str) -> str:
    """A message with the IRIs pySHACL wrote out in full shortened to prefixed names."""
    return _IRI.sub(lambda m: compact(ox.NamedNode(m[0])), text)


def _shape_name(shapes: Graph, shape) -> str:
    """A shape's name; for a blank property shape, the named shape that holds it."""
    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        parent = next(iter(shapes.subjects(None, shape)), None)
        if parent is None:
            break
        shape = parent
    return _text(shape) if shape is not None else ""


def _text(term) -> str:
    if isinstance(term, (URIRef, BNode, Literal)):
        if isinstance(term, URIRef) and str(term).startswith(str(SH)):
            return "sh:" + str(term)[len(str(SH)):]
        if isinstance(term, URIRef) and str(term).startswith(SHAPES_NAMESPACE):
            return "natosh:" + str(term)[len(SHAPES_NAMESPACE):]
        return compact(to_oxigraph(term))
    return str(term)
