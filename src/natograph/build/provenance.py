"""Where each asserted triple is stated: the file and the line of the Turtle (or TriG) statement."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple

import pyoxigraph as ox

from ..errors import InputFileError
from ..snapshot.source_lines import Location
from ..vocab import ASSERTED_GRAPH

if TYPE_CHECKING:
    from .load import InputFile, LoadedFile

# A SPARQL-style directive has no final '.', so it cannot be found by looking for one.
_SPARQL_DIRECTIVE = re.compile(
    r"""(?i)(?:PREFIX\s+[^\s:]*:\s*<[^>\s]*>|BASE\s+<[^>\s]*>|VERSION\s+(?:"[^"\n]*"|'[^'\n]*'))""")
# Whitespace and comments between statements.
_SPACE = re.compile(r"(?:\s+|#[^\n]*)*")
# Everything of a statement up to the next bracket, brace or final '.': names, numbers, IRIs, strings,
# comments, escapes, and full stops that continue a name or a number (the next character does).
_RUN = re.compile(r"""(?:
    [^<"'#\\\[\](){}.]+
  | <[^>]*>?
  | \"\"\"(?:[^"\\]|\\[\s\S]|"{1,2}(?!"))*\"\"\"
  | '''(?:[^'\\]|\\[\s\S]|'{1,2}(?!'))*'''
  | "(?:[^"\\\n]|\\[\s\S])*["\n]?
  | '(?:[^'\\\n]|\\[\s\S])*['\n]?
  | \#[^\n]*
  | \\[\s\S]?
  | \.(?=[\w\-.:%\\\u00b7\u00c0-\uffff])
)*""", re.VERBOSE)
# What makes a statement state more than one triple (or a reified one).
_COMPOUND = re.compile(r"[;,\[(]|<<")
_MARKER = ox.NamedNode("urn:natograph:statement-end")
_MARKER_STATEMENT = f"\n{_MARKER} {_MARKER} {_MARKER} .\n"
_CANONICAL_PREDICATE = ox.NamedNode("urn:natograph:canonical-form")
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
# Literals of these datatypes are stored exactly as written.
_KEPT_AS_WRITTEN = frozenset({"http://www.w3.org/2001/XMLSchema#string",
                              "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"})


class Statement(NamedTuple):
    """One top-level statement of a Turtle or TriG text: where it starts and ends, and its graph block."""

    start: int
    end: int
    graph_header: str | None = None
    directive: bool = False


class LocatedTriple(NamedTuple):
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
    n = len(text)
    i = _SPACE.match(text).end()
    run, space = _RUN.match, _SPACE.match
    while i < n:
        if start is None:
            c = text[i]
            if c == "}" and header is not None:
                header = None
                i = space(text, i + 1).end()
                continue
            directive = _SPARQL_DIRECTIVE.match(text, i) if c in "PpBbVv" and header is None else None
            if directive:
                statements.append(Statement(i, directive.end(), None, True))
                i = space(text, directive.end()).end()
                continue
            start = i
        i = run(text, i).end()
        if i >= n:
            break
        c = text[i]
        if c == "." and depth == 0:
            statements.append(Statement(start, i + 1, header, text[start] == "@"))
            start = None
            i = space(text, i + 1).end()
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
        i += 1
        if start is None:
            i = space(text, i).end()
    if start is not None:
        statements.append(Statement(start, n, header))
    return statements


def locate_file(source: InputFile) -> list[LocatedTriple]:
    """The triples of one file, each with the line of its statement (raises InputFileError if malformed).

    Blank nodes are in the file's scope, as the build loads them (load.BlankNodeScope): every blank node of the
    file, `_:x` or an anonymous `[]`, is the node the store holds.
    """
    return located_parse(source, read_input(source))


def read_input(source: InputFile) -> bytes:
    """The bytes of an input file (InputFileError if it cannot be read)."""
    try:
        return source.path.read_bytes()
    except OSError as exc:
        raise InputFileError(source.relative_path, f"cannot read: {exc.strerror}") from None


def located_parse(source: InputFile, data: bytes) -> list[LocatedTriple]:
    """The one parse of an input file's bytes: its triples in order, each with the line of its statement and its
    TriG graph, blank nodes in the file's scope (load.py). The load step takes its triples and quads from it.

    Not UTF-8 or malformed: InputFileError with the file, line, column and the parser's reason.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(source.relative_path, "not valid UTF-8", line=line) from None
    rdf_format = ox.RdfFormat.TRIG if source.relative_path.endswith(".trig") else ox.RdfFormat.TURTLE
    located = _locate_statements(source, text, rdf_format)
    if located is not None:
        return located
    # Malformed (the whole parse raises InputFileError, at the file's own lines, which the markers would shift),
    # or the statement splitter misread the file: then each triple is traced to the file without a line.
    return [LocatedTriple(q.triple, Location(source.relative_path), q.graph_name)
            for q in _parse_whole(source, data, rdf_format)]


def _locate_statements(source: InputFile, text: str, rdf_format: ox.RdfFormat) -> list[LocatedTriple] | None:
    """One parse of the text with marker triples between statements, telling which triples each one states.

    A statement with no ';', ',', '[', '(' or '<<' states one triple, so a run of such statements needs
    one marker, after its last, and must give as many triples as it has statements; any other statement
    gets a marker of its own. None if the triples do not come back so (the splitter misread the text).
    """
    from .load import BlankNodeScope

    statements = [s for s in split_statements(text) if not s.directive]
    compound = [m.start() for m in _COMPOUND.finditer(text)] + [len(text)]
    simple, next_compound = [], 0
    for statement in statements:
        while compound[next_compound] < statement.start:
            next_compound += 1
        simple.append(compound[next_compound] >= statement.end)
    simple.append(False)
    pieces, offset = [], 0
    # Between two markers: the locations of a run of simple statements, or of one other statement.
    segments: list[list[Location]] = []
    run: list[Location] = []
    line, line_offset, path = 1, 0, source.relative_path
    for number, statement in enumerate(statements):
        line += text.count("\n", line_offset, statement.start)
        line_offset = statement.start
        run.append(Location(path, line))
        ends_with_full_stop = text[statement.end - 1] == "."
        if simple[number] and simple[number + 1] and ends_with_full_stop:
            continue
        pieces.append(text[offset : statement.end])
        if ends_with_full_stop:
            pieces.append(_MARKER_STATEMENT)
        elif text.startswith("}", statement.end):  # the last statement of a TriG graph block may omit its '.'
            pieces.append(" ." + _MARKER_STATEMENT)
        else:
            return None
        offset = statement.end
        segments.append(run)
        run = []
    pieces.append(text[offset:])
    scope = BlankNodeScope(text, source.blank_node_suffix)
    located: list[LocatedTriple] = []
    blank = ox.BlankNode
    segment, found = 0, 0
    locations = segments[0] if segments else []
    try:
        for subject, predicate, obj, graph in ox.parse("".join(pieces), format=rdf_format):
            if predicate == _MARKER:
                if len(locations) > 1 and found != len(locations):
                    return None
                segment, found = segment + 1, 0
                locations = segments[segment] if segment < len(segments) else []
                continue
            if not locations or (len(locations) > 1 and found >= len(locations)):
                return None
            triple = ox.Triple(subject, predicate, obj)
            if type(subject) is blank or type(obj) is blank:
                triple = scope.triple(triple)
            if type(graph) is blank:
                graph = scope.term(graph)
            located.append(LocatedTriple(triple, locations[min(found, len(locations) - 1)], graph))
            found += 1
    except SyntaxError:
        return None
    return located if segment == len(segments) else None


def _parse_whole(source: InputFile, data: bytes, rdf_format: ox.RdfFormat) -> list[ox.Quad]:
    # Imported here so that explanations served over HTTP do not load the build's modules.
    from .load import BlankNodeScope

    scope = BlankNodeScope(data.decode("utf-8"), source.blank_node_suffix)
    try:
        return [ox.Quad(*scope.triple(q.triple), scope.term(q.graph_name)) for q in ox.parse(data, format=rdf_format)]
    except SyntaxError as exc:
        message = str(exc.msg or exc)
        # pyoxigraph prefixes the reason with the position, which InputFileError reports itself.
        reason = message.split(": ", 1)[1] if message.startswith("Parser error") else message
        raise InputFileError(source.relative_path, reason, line=exc.lineno, column=exc.offset) from None


def canonical_terms(terms: Iterable) -> dict:
    """Each literal the store keeps in another form ("01"^^xsd:short is read back as "1"^^xsd:integer), mapped to it."""
    literals = list({t for t in terms if type(t) is ox.Literal and t.datatype.value not in _KEPT_AS_WRITTEN})
    scratch = ox.Store()
    scratch.extend(
        ox.Quad(ox.NamedNode(f"urn:natograph:literal:{i}"), _CANONICAL_PREDICATE, literal)
        for i, literal in enumerate(literals)
    )
    canonical = {}
    for quad in scratch.quads_for_pattern(None, _CANONICAL_PREDICATE, None):
        literal = literals[int(quad.subject.value.rsplit(":", 1)[1])]
        if quad.object != literal:
            canonical[literal] = quad.object
    return canonical


class SourceIndex:
    """Every asserted triple with the file and line that state it; looks triples of the store up."""

    def __init__(self, located: list[LocatedTriple], input_hashes: dict[str, str] | None = None):
        self.located = located
        # The sha256 of each file as it was read, so that a saved index can be matched to a snapshot's inputs.
        self.input_hashes = dict(input_hashes or {})
        self._canonical = canonical_terms(lt.triple.object for lt in located)
        self._by_triple: dict[ox.Triple, list[Location]] = defaultdict(list)
        self._by_subject: dict = defaultdict(list)
        rewritten, literal = self._canonical, ox.Literal
        for triple, location, _ in located:
            if rewritten:
                obj = triple.object
                if type(obj) is literal and obj in rewritten:
                    triple = ox.Triple(triple.subject, triple.predicate, rewritten[obj])
            self._by_triple[triple].append(location)
            self._by_subject[triple.subject].append(location)
        self._by_signature: dict | None = None
        self._signatures: dict | None = None

    @classmethod
    def from_files(cls, files: Iterable[InputFile]) -> "SourceIndex":
        """Read and parse every file (raises InputFileError for a malformed one)."""
        located: list[LocatedTriple] = []
        hashes = {}
        for source in files:
            data = read_input(source)
            hashes[source.relative_path] = hashlib.sha256(data).hexdigest()
            located += located_parse(source, data)
        return cls(located, hashes)

    @classmethod
    def from_loaded(cls, loaded: Iterable[LoadedFile]) -> "SourceIndex":
        """The index of files the load step parsed (their located parse): a build parses each file once."""
        loaded = list(loaded)
        return cls([lt for f in loaded for lt in f.located], {f.source.relative_path: f.sha256 for f in loaded})

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

    def stored_triples(self, store: ox.Store) -> Iterator[tuple[ox.Triple, list[Location]]]:
        """Every asserted triple as `store` keeps it, with where it is stated.

        A blank node of this parse that the store does not hold (a store built from other text, or by a
        natograph that named anonymous nodes afresh at each parse) is replaced by the store's blank nodes with
        the same triples to and from named terms; one with no such triple cannot be matched, and its triples
        are left out.
        """
        nodes: dict = {}
        blank = ox.BlankNode
        for triple, locations in self._by_triple.items():
            subject, obj = triple.subject, triple.object
            if type(subject) is not blank and type(obj) is not blank:
                yield triple, locations
                continue
            for stored_subject in self._stored_nodes(subject, store, nodes):
                for stored_object in self._stored_nodes(obj, store, nodes):
                    yield ox.Triple(stored_subject, triple.predicate, stored_object), locations

    def _stored_nodes(self, term, store: ox.Store, known: dict) -> list:
        if type(term) is not ox.BlankNode:
            return [term]
        if term not in known:
            asserted = ox.NamedNode(ASSERTED_GRAPH)
            if any(True for _ in store.quads_for_pattern(term, None, None, asserted)) or any(
                    True for _ in store.quads_for_pattern(None, None, term, asserted)):
                known[term] = [term]
            else:
                known[term] = _store_nodes_with_signature(store, self._signature_of(term))
        return known[term]

    def _signature_of(self, node: ox.BlankNode) -> frozenset:
        if self._signatures is None:
            self._signatures = {n: signature for signature, same in self._blank_nodes_by_signature().items()
                                for n in same}
        return self._signatures.get(node, frozenset())

    def _matching_nodes(self, term, store: ox.Store | None) -> list:
        """The term itself, or for a blank node of another parse, this index's blank nodes with the same triples."""
        if not isinstance(term, ox.BlankNode) or term in self._by_subject or store is None:
            return [term]
        return self._blank_nodes_by_signature().get(_store_signature(store, term), [])

    def _blank_nodes_by_signature(self) -> dict:
        if self._by_signature is None:
            outgoing, incoming = defaultdict(set), defaultdict(set)
            blank = ox.BlankNode
            for t in self._by_triple:
                subject_is_blank, object_is_blank = type(t.subject) is blank, type(t.object) is blank
                if subject_is_blank and not object_is_blank:
                    outgoing[t.subject].add(("out", t.predicate, t.object))
                elif object_is_blank and not subject_is_blank:
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


def _store_nodes_with_signature(store: ox.Store, signature: frozenset) -> list[ox.BlankNode]:
    """The store's blank nodes whose triples to and from named terms are exactly `signature`."""
    if not signature:
        return []
    asserted = ox.NamedNode(ASSERTED_GRAPH)
    # Start from the rarest-looking part: an rdf:type triple is shared by every node of its class.
    direction, first, second = min(signature, key=lambda part: part[1 if part[0] == "out" else 2] == _RDF_TYPE)
    if direction == "out":
        candidates = {q.subject for q in store.quads_for_pattern(None, first, second, asserted)}
    else:
        candidates = {q.object for q in store.quads_for_pattern(first, second, None, asserted)}
    return sorted((c for c in candidates if type(c) is ox.BlankNode and _store_signature(store, c) == signature),
                  key=str)


def _unique(locations: list[Location]) -> list[Location]:
    return sorted(set(locations), key=lambda loc: (loc.file, loc.line or 0))
