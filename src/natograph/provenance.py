"""Where each asserted triple is stated: the file and the line of the Turtle (or TriG) statement."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

import pyoxigraph as ox

from .errors import InputFileError
from .vocab import ASSERTED_GRAPH

if TYPE_CHECKING:
    from .load import InputFile

# A SPARQL-style directive has no final '.', so it cannot be found by looking for one.
_SPARQL_DIRECTIVE = re.compile(r"(?i)(?:PREFIX\s+[^\s:]*:\s*<[^>\s]*>|BASE\s+<[^>\s]*>)")
# After a statement's final '.', the next character cannot continue a name or a number.
_NAME_OR_NUMBER_CHAR = re.compile(r"[\w\-.:%\\\u00b7\u00c0-\uffff]")
_CANONICAL_PREDICATE = ox.NamedNode("urn:natograph:canonical-form")


@dataclass(frozen=True)
class Statement:
    """One top-level statement of a Turtle or TriG text: where it starts and ends, and its graph block."""

    start: int
    end: int
    graph_header: str | None = None
    directive: bool = False


@dataclass(frozen=True)
class Location:
    """A file and, when known, the line of the statement that states a triple."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line}


@dataclass(frozen=True)
class LocatedTriple:
    """An asserted triple, exactly as parsed from its file, with where it is stated (and its TriG graph)."""

    triple: ox.Triple
    location: Location
    graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None


def split_statements(text: str) -> list[Statement]:
    """The top-level statements of a Turtle or TriG text, in order, with their offsets."""
    statements: list[Statement] = []
    header: str | None = None
    start: int | None = None
    depth = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            newline = text.find("\n", i)
            i = n if newline < 0 else newline + 1
            continue
        if c.isspace():
            i += 1
            continue
        if start is None:
            if c == "}" and header is not None:
                header = None
                i += 1
                continue
            directive = _SPARQL_DIRECTIVE.match(text, i) if header is None else None
            if directive:
                statements.append(Statement(i, directive.end(), None, directive=True))
                i = directive.end()
                continue
            start = i
        if c == "<":
            close = text.find(">", i)
            i = n if close < 0 else close + 1
            continue
        if c in "\"'":
            i = _string_end(text, i)
            continue
        if c == "\\":
            i += 2
            continue
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
        elif c == "{" and depth == 0 and header is None:
            header, start = text[start : i + 1], None
        elif c == "}" and depth == 0 and header is not None:
            statements.append(Statement(start, i, header))
            header, start = None, None
        elif c == "." and depth == 0 and not _NAME_OR_NUMBER_CHAR.match(text, i + 1):
            statements.append(Statement(start, i + 1, header, directive=text[start] == "@"))
            start = None
        i += 1
    if start is not None:
        statements.append(Statement(start, n, header))
    return statements


def _string_end(text: str, i: int) -> int:
    quote = text[i]
    long_quote = quote * 3
    if text.startswith(long_quote, i):
        j = i + 3
        while j < len(text):
            if text[j] == "\\":
                j += 2
            elif text.startswith(long_quote, j):
                j += 3
                while j < len(text) and text[j] == quote:
                    j += 1
                return j
            else:
                j += 1
        return len(text)
    j = i + 1
    while j < len(text) and text[j] not in (quote, "\n"):
        j += 2 if text[j] == "\\" else 1
    return j + 1


def locate_file(source: InputFile) -> list[LocatedTriple]:
    """The triples of one file, each with the line of its statement (raises InputFileError if malformed).

    Blank nodes are in the file's scope, as the build loads them: `_:x` of every statement of the file is
    the node the store holds; an anonymous `[]` gets a new name at each parse and is matched by its triples.
    """
    from .load import in_file_scope, scoped_term

    rdf_format = ox.RdfFormat.TRIG if source.relative_path.endswith(".trig") else ox.RdfFormat.TURTLE
    suffix = source.blank_node_suffix
    whole = _parse_whole(source, rdf_format)
    text = source.path.read_text(encoding="utf-8")
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    located: list[LocatedTriple] = []
    prelude: list[str] = []
    try:
        for statement in split_statements(text):
            chunk = text[statement.start : statement.end]
            if statement.directive:
                prelude.append(chunk)
                continue
            if statement.graph_header is not None:
                chunk = f"{statement.graph_header}\n{chunk}\n}}"
            line = bisect.bisect_right(line_starts, statement.start)
            where = Location(source.relative_path, line)
            for quad in ox.parse("\n".join(prelude + [chunk]), format=rdf_format):
                triple, graph = in_file_scope(quad.triple, suffix), scoped_term(quad.graph_name, suffix)
                located.append(LocatedTriple(triple, where, graph))
    except SyntaxError:
        located = []
    if len(located) != len(whole):
        # The statement splitter misread this file: fall back to naming the file without a line.
        return [LocatedTriple(q.triple, Location(source.relative_path), q.graph_name) for q in whole]
    return located


def _parse_whole(source: InputFile, rdf_format: ox.RdfFormat) -> list[ox.Quad]:
    # Imported here so that explanations served over HTTP do not load the build's modules.
    from .load import in_file_scope, parse_file, scoped_term

    if rdf_format == ox.RdfFormat.TURTLE:
        return [ox.Quad(*t) for t in parse_file(source).triples]
    suffix = source.blank_node_suffix
    try:
        return [ox.Quad(*in_file_scope(q.triple, suffix), scoped_term(q.graph_name, suffix))
                for q in ox.parse(path=str(source.path), format=rdf_format)]
    except SyntaxError as exc:
        reason = str(exc.msg or exc).split(": ", 1)[-1]
        raise InputFileError(source.relative_path, reason, line=exc.lineno, column=exc.offset) from None


def canonical_terms(terms: Iterable) -> dict:
    """Each literal as the store keeps it (Oxigraph normalises valid literals, e.g. "01"^^xsd:integer → "1")."""
    literals = list({t for t in terms if isinstance(t, ox.Literal)})
    scratch = ox.Store()
    scratch.extend(
        ox.Quad(ox.NamedNode(f"urn:natograph:literal:{i}"), _CANONICAL_PREDICATE, literal)
        for i, literal in enumerate(literals)
    )
    canonical = {}
    for quad in scratch.quads_for_pattern(None, _CANONICAL_PREDICATE, None):
        canonical[literals[int(quad.subject.value.rsplit(":", 1)[1])]] = quad.object
    return canonical


class SourceIndex:
    """Every asserted triple with the file and line that state it; looks triples of the store up."""

    def __init__(self, located: list[LocatedTriple]):
        self.located = located
        self._canonical = canonical_terms(t for lt in located for t in (lt.triple.subject, lt.triple.object))
        self._by_triple: dict[ox.Triple, list[Location]] = defaultdict(list)
        self._by_subject: dict = defaultdict(list)
        for lt in located:
            triple = self.canonical(lt.triple)
            self._by_triple[triple].append(lt.location)
            self._by_subject[triple.subject].append(lt.location)
        self._by_signature: dict | None = None

    @classmethod
    def from_files(cls, files: Iterable[InputFile]) -> "SourceIndex":
        """Parse every file statement by statement."""
        return cls([lt for source in files for lt in locate_file(source)])

    def canonical(self, triple: ox.Triple) -> ox.Triple:
        """The triple as the store keeps it."""
        return ox.Triple(
            self._canonical.get(triple.subject, triple.subject),
            triple.predicate,
            self._canonical.get(triple.object, triple.object),
        )

    def triples(self) -> list[ox.Triple]:
        """Every asserted triple, as parsed (duplicates stated twice appear twice)."""
        return [lt.triple for lt in self.located]

    def locate(self, triple: ox.Triple, store: ox.Store | None = None) -> list[Location]:
        """Where a triple of the store is stated; blank nodes from another parse are matched by their triples."""
        found = []
        for subject in self._matching_nodes(triple.subject, store):
            for obj in self._matching_nodes(triple.object, store):
                found += self._by_triple.get(ox.Triple(subject, triple.predicate, obj), [])
        return _unique(found)

    def subject_locations(self, term, store: ox.Store | None = None) -> list[Location]:
        """Where the statements about this subject are."""
        return _unique([loc for node in self._matching_nodes(term, store) for loc in self._by_subject.get(node, [])])

    def _matching_nodes(self, term, store: ox.Store | None) -> list:
        """The term itself, or for a blank node of another parse, this index's blank nodes with the same triples."""
        if not isinstance(term, ox.BlankNode) or term in self._by_subject or store is None:
            return [term]
        return self._blank_nodes_by_signature().get(_store_signature(store, term), [])

    def _blank_nodes_by_signature(self) -> dict:
        if self._by_signature is None:
            outgoing, incoming = defaultdict(set), defaultdict(set)
            for lt in self.located:
                t = self.canonical(lt.triple)
                if isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode):
                    outgoing[t.subject].add(("out", t.predicate, t.object))
                if isinstance(t.object, ox.BlankNode) and not isinstance(t.subject, ox.BlankNode):
                    incoming[t.object].add(("in", t.subject, t.predicate))
            self._by_signature = defaultdict(list)
            for node in set(outgoing) | set(incoming):
                self._by_signature[frozenset(outgoing[node] | incoming[node])].append(node)
        return self._by_signature


def _store_signature(store: ox.Store, node: ox.BlankNode) -> frozenset:
    """What a blank node of the store is, seen from its asserted triples to and from named terms."""
    asserted = ox.NamedNode(ASSERTED_GRAPH)
    parts = {
        ("out", q.predicate, q.object)
        for q in store.quads_for_pattern(node, None, None, asserted)
        if not isinstance(q.object, ox.BlankNode)
    }
    parts |= {
        ("in", q.subject, q.predicate)
        for q in store.quads_for_pattern(None, None, node, asserted)
        if not isinstance(q.subject, ox.BlankNode)
    }
    return frozenset(parts)


def _unique(locations: list[Location]) -> list[Location]:
    return sorted(set(locations), key=lambda loc: (loc.file, loc.line or 0))
