"""SHACL validation compiled to SPARQL on Oxigraph: the shapes read into a plan, run set by set on the data.

pySHACL evaluates every constraint node by node in Python over rdflib (its SPARQL targets with rdflib's
own engine). Here each target and each value test is one query (`sparql/shacl/shacl-*.rq`) over all the nodes
it concerns at once: the nodes of a step are written as a set into a named graph of a scratch store
holding the data, and counts and the logical constraints (sh:or, sh:xone, sh:node …) are set arithmetic.
The results are pySHACL's: the same focus nodes, paths, values, messages and components
(`tests/test_shacl_sparql.py` compares the two). Shapes using anything outside the supported subset of
SHACL Core and SHACL-SPARQL raise UnsupportedShapes, and the caller falls back to pySHACL.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH

from ...sparql import read_query
from ...rdf.terms import to_oxigraph, to_rdflib

SETS_GRAPH = ox.NamedNode("urn:x-natograph:shacl:sets")
MEMBER = ox.NamedNode("urn:x-natograph:shacl:member")
TARGET_PARAMETERS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target}
LIST_PARAMETERS = {SH["or"]: "Or", SH.xone: "Xone", SH["and"]: "And"}
COMPARISONS = {SH.minInclusive: ("MinInclusive", {"above", "equal"}), SH.minExclusive: ("MinExclusive", {"above"}),
               SH.maxInclusive: ("MaxInclusive", {"below", "equal"}), SH.maxExclusive: ("MaxExclusive", {"below"})}
CONSTRAINT_PARAMETERS = {
    SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.pattern, SH.flags, SH.languageIn, SH["not"], SH.node,
    SH.property, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.sparql,
    *LIST_PARAMETERS, *COMPARISONS,
}
# Parameters that describe a shape without constraining anything.
DESCRIPTIVE = {SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.prefixes,
               SH.declare}
SPARQL_CONSTRAINT_KEYS = {RDF.type, SH.select, SH.message, SH.prefixes, RDFS.comment, RDFS.label}
SPARQL_TARGET_KEYS = {RDF.type, SH.select, SH.prefixes, RDFS.comment, RDFS.label}
SINGLE_VALUED = {SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
                 SH.pattern, SH.flags}
STRING_DATATYPES = {"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
# Oxigraph would call a SERVICE over HTTP; the compiled engine never runs a query that could (a word
# "service" anywhere in the text is enough to leave the shapes to pySHACL).
SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
# pySHACL writes the values a SPARQL constraint's message names as their plain string.
MESSAGE_VARIABLE = "{{[?$]{}}}"


class UnsupportedShapes(Exception):
    """The shapes use a feature the SPARQL compilation does not cover (pySHACL must validate them)."""


@dataclass(frozen=True)
class Finding:
    """One validation result, in pySHACL's terms: focus node, path, value, message, severity, shape, component."""

    focus: object
    path: URIRef | None
    value: object
    message: str
    severity: URIRef
    shape: object
    component: URIRef


@dataclass(frozen=True)
class SparqlSelect:
    """A SHACL-SPARQL SELECT (a target or a constraint) with the prefixes it declares, and its message."""

    node: object
    text: str
    prefixes: dict[str, str]
    message: Literal | None = None


@dataclass
class Shape:
    """A node or property shape (property when it has a predicate path), with its targets and constraints."""

    node: object
    path: URIRef | None
    messages: list
    severity: URIRef
    parameters: dict[URIRef, list] = field(default_factory=dict)
    sparql_targets: list[SparqlSelect] = field(default_factory=list)
    sparql_constraints: list[SparqlSelect] = field(default_factory=list)

    def values(self, key: URIRef) -> list:
        return self.parameters.get(key, [])

    def one(self, key: URIRef):
        """The value of a parameter that has at most one (SINGLE_VALUED, checked when the shape is read)."""
        found = self.values(key)
        return found[0] if found else None


class CompiledShapes:
    """The shapes of a shapes graph, read once; `validate` runs them on the data."""

    def __init__(self, shapes: Graph):
        self.graph = shapes
        self.shapes: dict[object, Shape] = {}
        if any(shapes.subjects(RDF.type, SH.ConstraintComponent)):
            raise UnsupportedShapes("custom constraint components")
        roots = {s for key in TARGET_PARAMETERS for s in shapes.subjects(key, None)}
        implicit = {s for s in shapes.subjects(RDF.type, SH.NodeShape)
                    if (s, RDF.type, RDFS.Class) in shapes or (s, RDF.type, OWL.Class) in shapes}
        if implicit:
            raise UnsupportedShapes("implicit class targets")
        self.roots = [self.shape(node) for node in sorted(roots, key=str)]
        for root in self.roots:
            self._check_acyclic(root)
            self._check_reported(root)

    def shape(self, node) -> Shape:
        """The shape at `node`, read (and its nested shapes) on first use."""
        if node in self.shapes:
            return self.shapes[node]
        graph = self.graph
        path = graph.value(node, SH.path)
        if path is not None and not isinstance(path, URIRef):
            raise UnsupportedShapes(f"shape {node} has a complex path")
        severity = graph.value(node, SH.severity) or SH.Violation
        shape = Shape(node, path, list(graph.objects(node, SH.message)), severity)
        self.shapes[node] = shape
        for key, value in graph.predicate_objects(node):
            if str(key).startswith(str(SH)) and key not in CONSTRAINT_PARAMETERS | DESCRIPTIVE | TARGET_PARAMETERS:
                raise UnsupportedShapes(f"shape {node} uses {key}")
            if key == SH.target:
                shape.sparql_targets.append(self._select(value, SPARQL_TARGET_KEYS, SH.SPARQLTarget))
            elif key == SH.sparql:
                shape.sparql_constraints.append(self._select(value, SPARQL_CONSTRAINT_KEYS, SH.SPARQLConstraint))
            elif key in LIST_PARAMETERS or key == SH.languageIn:
                shape.parameters.setdefault(key, []).append(list(Collection(graph, value)))
            elif key in CONSTRAINT_PARAMETERS or key in TARGET_PARAMETERS - {SH.target}:
                shape.parameters.setdefault(key, []).append(value)
        if SH.flags in shape.parameters and SH.pattern not in shape.parameters:
            raise UnsupportedShapes(f"shape {node} has sh:flags without sh:pattern")
        if shape.parameters.get(SH.qualifiedValueShape) and not (
                SH.qualifiedMinCount in shape.parameters or SH.qualifiedMaxCount in shape.parameters):
            raise UnsupportedShapes(f"shape {node} has sh:qualifiedValueShape without a count")
        for key in SINGLE_VALUED:
            if len(shape.values(key)) > 1:
                raise UnsupportedShapes(f"shape {node} has {len(shape.values(key))} values of {key}")
        for key in (SH.minCount, SH.maxCount, SH.qualifiedMinCount, SH.qualifiedMaxCount):
            count = shape.one(key)
            if count is not None and not (isinstance(count, Literal) and isinstance(count.value, int)):
                raise UnsupportedShapes(f"shape {node}: {key} is not an integer")
        if shape.sparql_constraints and path is not None:
            raise UnsupportedShapes(f"property shape {node} has a SPARQL constraint")
        for nested in self._nested(shape):
            if self.shape(nested).severity != SH.Violation:
                raise UnsupportedShapes(f"nested shape {nested} has a severity other than sh:Violation")
        return shape

    def _nested(self, shape: Shape) -> list:
        members = [m for lists in (shape.values(k) for k in LIST_PARAMETERS) for members in lists for m in members]
        return [*shape.values(SH.property), *shape.values(SH.node), *shape.values(SH["not"]),
                *shape.values(SH.qualifiedValueShape), *members]

    def _select(self, node, allowed: set, kind: URIRef) -> SparqlSelect:
        graph = self.graph
        keys = set(graph.predicates(node, None))
        if not keys <= allowed or graph.value(node, SH.select) is None:
            raise UnsupportedShapes(f"{kind} {node} is not a plain sh:select")
        if (node, RDF.type, kind) not in graph and kind == SH.SPARQLTarget:
            raise UnsupportedShapes(f"target {node} is not an sh:SPARQLTarget")
        messages = list(graph.objects(node, SH.message))
        if len(messages) > 1:
            raise UnsupportedShapes(f"{node} has several messages")
        prefixes = {}
        for source in graph.objects(node, SH.prefixes):
            for declaration in graph.objects(source, SH.declare):
                prefixes[str(graph.value(declaration, SH.prefix))] = str(graph.value(declaration, SH.namespace))
        text = str(graph.value(node, SH.select))
        variables = set(re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", text))
        if "failure" in variables:
            raise UnsupportedShapes(f"{node} reports ?failure")
        if SERVICE.search(text):
            raise UnsupportedShapes(f"{node} may call a SPARQL service")
        try:
            ox.Store().query(text, prefixes=prefixes)
        except SyntaxError as error:
            # pySHACL reports a malformed query of the shapes file as it always has.
            raise UnsupportedShapes(f"{node}: {error}") from None
        return SparqlSelect(node, text, prefixes, messages[0] if messages else None)

    def _check_acyclic(self, shape: Shape, above: frozenset = frozenset()) -> None:
        """A shape that refers back to itself (which pySHACL skips with a warning) is not compiled."""
        if shape.node in above:
            raise UnsupportedShapes(f"recursive shape {shape.node}")
        for nested in self._nested(shape):
            self._check_acyclic(self.shapes[nested], above | {shape.node})

    def _check_reported(self, shape: Shape) -> None:
        """A shape whose results are reported needs exactly one message (pySHACL otherwise makes its own)."""
        core = set(shape.parameters) & (CONSTRAINT_PARAMETERS - {SH.property, SH.flags, SH.qualifiedMinCount,
                                                                  SH.qualifiedMaxCount})
        if core and len(shape.messages) != 1:
            raise UnsupportedShapes(f"shape {shape.node} reports results without exactly one sh:message")
        for select in shape.sparql_constraints:
            messages = set(shape.messages) | ({select.message} if select.message is not None else set())
            if len(messages) != 1:
                raise UnsupportedShapes(f"SPARQL constraint {select.node} needs exactly one message")
        for nested in shape.values(SH.property):
            self._check_reported(self.shapes[nested])

    def validate(self, store: ox.Store) -> list[Finding]:
        """Every result of the shapes with targets, on the data in `store`'s default graph."""
        run = _Run(self, store)
        findings = []
        for shape in self.roots:
            focus = run.targets(shape)
            findings += run.evaluate(shape, focus, report=True)[1]
        return findings


class _Run:
    """One validation: the scratch store, and the node sets written into it."""

    def __init__(self, compiled: CompiledShapes, store: ox.Store):
        self.compiled = compiled
        self.store = store
        self.counter = itertools.count()
        self.sets: dict[frozenset, ox.NamedNode] = {}

    def query(self, name: str, **bindings) -> list:
        substitutions = {ox.Variable(key): value for key, value in bindings.items()}
        return list(self.store.query(read_query(name, folder="shacl"), substitutions=substitutions))

    def node_set(self, nodes: Iterable) -> ox.NamedNode:
        """The name of a set of nodes written into the sets graph, for the queries' ?set (each set written once)."""
        key = frozenset(nodes)
        if key not in self.sets:
            name = ox.NamedNode(f"urn:x-natograph:shacl:set:{next(self.counter)}")
            self.store.extend(ox.Quad(name, MEMBER, node, SETS_GRAPH) for node in key)
            self.sets[key] = name
        return self.sets[key]

    def targets(self, shape: Shape) -> set:
        focus = set()
        for node in shape.values(SH.targetNode):
            focus.add(to_oxigraph(node))
        for cls in shape.values(SH.targetClass):
            focus.update(row["this"] for row in self.query("shacl-target-class.rq", **{"class": to_oxigraph(cls)}))
        for predicate in shape.values(SH.targetSubjectsOf):
            focus.update(row["this"] for row in self.query("shacl-target-subjects-of.rq",
                                                           predicate=to_oxigraph(predicate)))
        for predicate in shape.values(SH.targetObjectsOf):
            focus.update(row["this"] for row in self.query("shacl-target-objects-of.rq",
                                                           predicate=to_oxigraph(predicate)))
        for target in shape.sparql_targets:
            rows = self.store.query(target.text, prefixes=target.prefixes)
            focus.update(row["this"] for row in rows if row["this"] is not None)
        return focus

    def failing(self, node, focus: set) -> set:
        """The nodes of `focus` that do not conform to the shape at `node`."""
        if not focus:
            return set()
        return self.evaluate(self.compiled.shapes[node], focus, report=False)[0]

    def evaluate(self, shape: Shape, focus: set, *, report: bool) -> tuple[set, list[Finding]]:
        """The focus nodes that do not conform to `shape`, and (with `report`) its results on them."""
        if not focus:
            return set(), []
        pairs = self.value_pairs(shape, focus)
        values = {value for _, value in pairs}
        failed: set = set()
        findings: list[Finding] = []
        message = str(shape.messages[0]) if report and shape.messages else ""

        def fail(this, value, component: str) -> None:
            failed.add(this)
            if report:
                findings.append(Finding(this, shape.path, value, message, shape.severity, shape.node,
                                        SH[component + "ConstraintComponent"]))

        counts = Counter(this for this, _ in pairs)
        minimum, maximum = shape.one(SH.minCount), shape.one(SH.maxCount)
        for this in focus:
            if minimum is not None and counts[this] < minimum.value:
                fail(this, None, "MinCount")
            if maximum is not None and counts[this] > maximum.value:
                fail(this, None, "MaxCount")
        for component, bad in self.value_tests(shape, values):
            for this, value in pairs:
                if value in bad:
                    fail(this, value, component)
        self.qualified(shape, pairs, focus, fail)
        for nested in shape.values(SH.property):
            nested_failed, nested_findings = self.evaluate(self.compiled.shapes[nested], values, report=report)
            failed.update(this for this, value in pairs if value in nested_failed)
            findings += nested_findings
        for select in shape.sparql_constraints:
            for finding in self.sparql_constraint(shape, select, focus):
                failed.add(finding.focus)
                if report:
                    findings.append(finding)
        return failed, findings

    def value_pairs(self, shape: Shape, focus: set) -> list[tuple]:
        """(focus node, value node) pairs: the focus node itself for a node shape, the path's objects otherwise."""
        if shape.path is None:
            return [(node, node) for node in focus]
        nodes = self.node_set(focus)
        return [(row["this"], row["value"])
                for row in self.query("shacl-values.rq", set=nodes, path=to_oxigraph(shape.path))]

    def value_tests(self, shape: Shape, values: set) -> list[tuple[str, set]]:
        """For each constraint on single value nodes: its component and the value nodes that fail it."""
        if not values:
            return []
        tests = []
        queried = any(key in shape.parameters for key in (SH["class"], SH.datatype, SH.pattern, SH.languageIn,
                                                           *COMPARISONS))
        nodes = self.node_set(values) if queried else None

        for cls in shape.values(SH["class"]):
            tests.append(("Class", self.column("shacl-class.rq", set=nodes, **{"class": to_oxigraph(cls)})))
        for datatype in shape.values(SH.datatype):
            tests.append(("Datatype", self.column("shacl-datatype.rq", set=nodes, datatype=to_oxigraph(datatype))))
        for key, (component, passing) in COMPARISONS.items():
            for bound in shape.values(key):
                rows = self.query("shacl-compare.rq", set=nodes, bound=to_oxigraph(bound))
                tests.append((component, {row["value"] for row in rows
                                          if not any(row[name].value == "true" for name in passing)}))
        for pattern in shape.values(SH.pattern):
            flags = shape.one(SH.flags)
            tests.append(("Pattern", self.column("shacl-pattern.rq", set=nodes, pattern=to_oxigraph(pattern),
                                                 flags=ox.Literal(str(flags) if flags is not None else ""))))
        for ranges in shape.values(SH.languageIn):
            matching = set()
            for tag in ranges:
                matching |= self.column("shacl-language.rq", set=nodes, range=ox.Literal(str(tag)))
            tests.append(("LanguageIn", values - matching))
        for node in shape.values(SH.node):
            tests.append(("Node", self.failing(node, values)))
        for negated in shape.values(SH["not"]):
            tests.append(("Not", values - self.failing(negated, values)))
        for key, component in LIST_PARAMETERS.items():
            for shapes in shape.values(key):
                conforming = Counter()
                for member in shapes:
                    conforming.update(values - self.failing(member, values))
                bad = {v for v in values if not self._logic_holds(component, conforming[v], len(shapes))}
                tests.append((component, bad))
        return tests

    @staticmethod
    def _logic_holds(component: str, conforming: int, members: int) -> bool:
        return {"Or": conforming >= 1, "Xone": conforming == 1, "And": conforming == members}[component]

    def column(self, name: str, **bindings) -> set:
        return {row["value"] for row in self.query(name, **bindings)}

    def qualified(self, shape: Shape, pairs: list[tuple], focus: set, fail) -> None:
        """sh:qualifiedMinCount and sh:qualifiedMaxCount: how many value nodes conform to the qualified shape."""
        qualified = shape.one(SH.qualifiedValueShape)
        if qualified is None:
            return
        minimum, maximum = shape.one(SH.qualifiedMinCount), shape.one(SH.qualifiedMaxCount)
        if not pairs and (minimum is None or minimum.value < 1):
            return
        values = {value for _, value in pairs}
        conforming_values = values - self.failing(qualified, values)
        conforming = Counter(this for this, value in pairs if value in conforming_values)
        for this in focus:
            if maximum is not None and conforming[this] > maximum.value:
                fail(this, None, "QualifiedMaxCount")
            if minimum is not None and conforming[this] < minimum.value:
                fail(this, None, "QualifiedMinCount")

    def sparql_constraint(self, shape: Shape, select: SparqlSelect, focus: set) -> list[Finding]:
        """A SPARQL constraint run for each focus node, pre-bound to $this, as pySHACL runs it."""
        message = select.message if select.message is not None else shape.messages[0]
        findings = []
        for this in focus:
            # SHACL pre-binds $this by substitution, in sub-queries too, where a VALUES block would not reach.
            solutions = self.store.query(select.text, prefixes=select.prefixes,
                                         substitutions={ox.Variable("this"): this})
            names = [variable.value for variable in solutions.variables]
            seen = []
            for row in solutions:
                bound = {name: row[name] for name in names if row[name] is not None}
                found_this, path, value = bound.pop("this", None), bound.pop("path", None), bound.pop("value", None)
                if found_this is None and path is None and value is None:
                    continue
                key = (found_this, path, value, tuple(sorted(bound.items(), key=lambda item: item[0])))
                if key in seen:
                    continue
                seen.append(key)
                if value is None:
                    value = None if shape.path is not None else this
                text = _format_message(str(message), bound, found_this, path, value)
                findings.append(Finding(found_this or this, to_rdflib(path) if path is not None else shape.path,
                                        value, text, shape.severity, shape.node, SH.SPARQLConstraintComponent))
        return findings


def _format_message(message: str, bound: dict, this, path, value) -> str:
    """A SPARQL constraint's message with {?var} replaced by the plain string of each bound value."""
    names = {**bound}
    for name, term in (("this", this), ("path", path), ("value", value)):
        if term is not None:
            names[name] = term
    for name, term in names.items():
        message = re.sub(MESSAGE_VARIABLE.format(name), term.value, message)
    return message


def scratch_store(data: Iterable[ox.Triple], ontology: Iterable[ox.Triple]) -> ox.Store:
    """An in-memory store with the data and the ontology in its default graph (pySHACL's mixed data graph)."""
    store = ox.Store()
    store.extend(ox.Quad(*triple) for source in (data, ontology) for triple in source)
    return store


def literals_kept(triples: list[ox.Triple], store: ox.Store) -> bool:
    """Whether Oxigraph and rdflib both keep every literal as written.

    Oxigraph stores some literals in a canonical form ("05" as "5", an xsd:nonNegativeInteger as an
    xsd:integer) and rdflib normalises others; a literal rewritten differently would make the two engines'
    values (and counts of values) differ.
    """
    written = {t.object for t in triples if isinstance(t.object, ox.Literal)}
    stored = {row["literal"] for row in store.query(read_query("shacl-literals.rq", folder="shacl"))}
    # rdflib keeps strings, with or without a language tag, as they are.
    typed = (literal for literal in written if literal.datatype.value not in STRING_DATATYPES)
    return written == stored and all(to_oxigraph(to_rdflib(literal)) == literal for literal in typed)

