"""Query shapes: EXISTS bodies that Oxigraph evaluates in quadratic time, rewritten into equivalent nested EXISTS.

Oxigraph 0.5 does not plan the patterns inside `EXISTS { … }`: for each outer row it evaluates every
triple pattern of the body on its own (only the outer row's variables bound) and joins them without a
key. A body `?o a ?t . ?t rdfs:subClassOf* ?c` thus reads the whole closure of `rdfs:subClassOf*`, and
`?o nato:hasMandate ?m . ?m nato:resolutionNumber ?n` every resolution number, once per outer row.

`rewrite` turns such a body, a group of triple patterns and FILTERs only, into one pattern per level:

    EXISTS { P1 . P2 . P3 FILTER(F) }   →   EXISTS { P1 FILTER EXISTS { P2 FILTER EXISTS { P3 FILTER(F) } } }

Equivalent: the left side holds for an outer row μ when some solution ν of the join P1 ⋈ P2 ⋈ P3,
compatible with μ, satisfies F; the right side holds when some solution ν1 of P1 has some ν2 of P2 (with
ν1's values in place) that has some ν3 of P3 (with ν1's and ν2's values in place) satisfying F: the same
ν = ν1 ∪ ν2 ∪ ν3. The order of the levels does not change that (a join is commutative), so the patterns
are ordered to start from a variable the rest of the query binds. Each inner EXISTS is then evaluated
with its patterns' shared variables bound, as an index lookup.

The rewriter reads tokens, not SPARQL: it changes a body only when every token of it is one it knows
(variables, IRIs, prefixed names, literals, paths, `.` `;` `,`, and FILTERs, each moved whole: balanced
parentheses, or `[NOT] EXISTS { … }`, an inner body rewritten first when it is one of these),
keeps every token's text as written, and checks the result against the engine: both texts must parse
and give the same kind of result with the same variables, else the text goes to the engine unchanged.
Whatever it does not recognise goes to the engine unchanged. `tests/test_query_shapes.py` compares
both forms' answers on thousands of random graphs.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pyoxigraph as ox

from ..vocab import PREFIXES

_PN_CHARS_BASE = "A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F" \
                 "\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD"
_NAME = f"[{_PN_CHARS_BASE}_0-9][{_PN_CHARS_BASE}_0-9\u00B7\u0300-\u036F\u203F-\u2040.-]*"
_TOKEN = re.compile(
    # White space and comment ends exactly as Oxigraph reads them: no other line terminator counts.
    r"(?P<ws>[ \t\r\n]+)"
    r"|(?P<comment>#[^\r\n]*)"
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r"|(?P<string>\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r"|\"(?:[^\"\\\n\r]|\\.)*\"|'(?:[^'\\\n\r]|\\.)*')"
    rf"|(?P<var>[?$]{_NAME})"
    rf"|(?P<pname>(?:[{_PN_CHARS_BASE}][{_PN_CHARS_BASE}_0-9.-]*)?:(?:[{_PN_CHARS_BASE}_0-9:%\\]"
    rf"(?:[{_PN_CHARS_BASE}_0-9.:%\\\u00B7-]*[{_PN_CHARS_BASE}_0-9:%\\-])?)?)"
    r"|(?P<bnode>_:\S*)"
    r"|(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    r"|(?P<number>[+-]?(?:\d*\.\d+(?:[eE][+-]?\d+)?|\d+\.?[eE][+-]?\d+|\d+))"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\].,;|/^*+?!=<>&-])",
    re.S,
)
# An IRI holding these may be a comparison to the engine (`?a<?b && ?c>?d`): such a text is left alone.
_SUSPICIOUS_IRI = re.compile(r"[()]|&&|\|\|")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token] | None:
    """The tokens of `text` without white space and comments, or None where a character fits no token."""
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            return None
        kind = match.lastgroup
        if kind == "iri" and _SUSPICIOUS_IRI.search(match.group()):
            return None
        if kind not in ("ws", "comment"):
            tokens.append(_Token(kind, match.group(), match.start(), match.end()))
        position = match.end()
    return tokens


@dataclass(frozen=True)
class _Pattern:
    subject: _Token
    path: tuple[_Token, ...]
    object: tuple[_Token, ...]

    def text(self, source: str) -> str:
        return " ".join((self.subject.text, source[self.path[0].start:self.path[-1].end],
                         source[self.object[0].start:self.object[-1].end]))

    def variables(self) -> set[str]:
        names = {self.subject.text[1:]} if self.subject.kind == "var" else set()
        names.update(t.text[1:] for t in (*self.path, *self.object) if t.kind == "var")
        return names

    def bound_ends(self, bound: set[str]) -> tuple[int, int]:
        """(ends that are bound variables, ends that are constants): a bound variable is one node, a constant
        class or value may be shared by many."""
        ends = (self.subject, self.object[0])
        return (sum(1 for end in ends if end.kind == "var" and end.text[1:] in bound),
                sum(1 for end in ends if end.kind != "var"))

    def is_plain(self) -> bool:
        return len(self.path) == 1


class _Unknown(Exception):
    """A body with something the rewriter does not read: it stays as written."""


class _BodyReader:
    """Reads an EXISTS body made of triple patterns and FILTERs only; raises _Unknown for anything else."""

    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.position = 0
        self.patterns: list[_Pattern] = []
        self.filters: list[tuple[int, int]] = []  # token index ranges [start, end)

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise _Unknown
        self.position += 1
        return token

    def read(self) -> None:
        while self.peek() is not None:
            token = self.peek()
            if token.text == ".":
                self.position += 1
            elif token.kind == "word" and token.text.upper() == "FILTER":
                self.read_filter()
            elif token.kind in ("var", "iri", "pname"):
                self.read_triples()
            else:
                raise _Unknown

    def read_filter(self) -> None:
        """A FILTER, kept whole as written: `FILTER (…)`, `FILTER f(…)`, `FILTER [NOT] EXISTS { … }`."""
        start = self.position
        self.position += 1
        words = [t.text.upper() if t.kind == "word" else "" for t in self.tokens[self.position:self.position + 2]]
        if words[:1] == ["EXISTS"] or words == ["NOT", "EXISTS"]:
            self.position += 1 if words[0] == "EXISTS" else 2
            if self.peek() is None or self.peek().text != "{":
                raise _Unknown
        else:
            token = self.peek()
            if token is not None and token.kind in ("word", "pname", "iri") and self.peek(1) is not None \
                    and self.peek(1).text == "(":
                self.position += 1  # FILTER regex(…), FILTER bound(…), FILTER <function>(…)
            if self.peek() is None or self.peek().text != "(":
                raise _Unknown
        self.skip_balanced()
        self.filters.append((start, self.position))

    def skip_balanced(self) -> None:
        """From an opening parenthesis or brace to its match; blank nodes inside are refused."""
        depth = {"(": 0, "{": 0}
        opening = {")": "(", "}": "{"}
        while True:
            token = self.take()
            if token.text in ("[", "]") or token.kind == "bnode":
                raise _Unknown
            if token.kind == "punct" and token.text in depth:
                depth[token.text] += 1
            elif token.kind == "punct" and token.text in opening:
                depth[opening[token.text]] -= 1
                if depth[opening[token.text]] < 0:
                    raise _Unknown
            if not any(depth.values()):
                return

    def read_triples(self) -> None:
        subject = self.take()
        while True:
            path = self.read_path()
            while True:
                self.patterns.append(_Pattern(subject, path, self.read_object()))
                if self.peek() is None or self.peek().text != ",":
                    break
                self.position += 1
            if self.peek() is None or self.peek().text != ";":
                return
            while self.peek() is not None and self.peek().text == ";":
                self.position += 1
            following = self.peek()
            if following is None or following.text == "." or following.text.upper() == "FILTER":
                return

    def read_path(self) -> tuple[_Token, ...]:
        start = self.position
        first = self.peek()
        if first is not None and first.kind == "var":
            self.position += 1
            return (first,)
        depth = 0
        expect_element = True
        while True:
            token = self.peek()
            if token is None:
                raise _Unknown
            if expect_element:
                if token.kind in ("iri", "pname") or token.text == "a":
                    expect_element = False
                elif token.text in ("^", "!"):
                    pass
                elif token.text == "(":
                    depth += 1
                else:
                    raise _Unknown
                self.position += 1
                continue
            if token.text in ("*", "+", "?") and token.kind == "punct":
                self.position += 1
            elif token.text == ")" and depth:
                depth -= 1
                self.position += 1
            elif token.text in ("/", "|"):
                expect_element = True
                self.position += 1
            elif depth:
                raise _Unknown
            else:
                return tuple(self.tokens[start:self.position])

    def read_object(self) -> tuple[_Token, ...]:
        token = self.take()
        if token.kind in ("var", "iri", "pname", "number") or token.text in ("true", "false"):
            return (token,)
        if token.kind == "string":
            following = self.peek()
            if following is not None and following.kind == "lang":
                return (token, self.take())
            if following is not None and following.text == "^^":
                self.position += 1
                datatype = self.take()
                if datatype.kind not in ("iri", "pname"):
                    raise _Unknown
                return (token, following, datatype)
            return (token,)
        raise _Unknown


def _ordered(patterns: list[_Pattern], bound: set[str]) -> list[_Pattern]:
    """The patterns in an order where each starts, where it can, from a variable bound before it."""
    remaining = list(patterns)
    ordered = []
    bound = set(bound)
    while remaining:
        best = max(remaining, key=lambda p: (sum(p.bound_ends(bound)) > 0, p.bound_ends(bound), p.is_plain(),
                                          -remaining.index(p)))
        remaining.remove(best)
        ordered.append(best)
        bound |= best.variables()
    return ordered


def _nested_body(reader: _BodyReader, source: str, outer_variables: set[str]) -> str:
    patterns = _ordered(reader.patterns, outer_variables)
    filters = " ".join(source[reader.tokens[a].start:reader.tokens[b - 1].end] for a, b in reader.filters)
    text = f"{patterns[-1].text(source)} {filters}".rstrip()
    for pattern in reversed(patterns[:-1]):
        text = f"{pattern.text(source)} FILTER EXISTS {{ {text} }}"
    return f" {text} "


def _exists_bodies(tokens: list[_Token]):
    """(index of the EXISTS, index of its body's closing brace) for every `EXISTS { … }` in the tokens."""
    for index, token in enumerate(tokens):
        if token.kind != "word" or token.text.upper() != "EXISTS":
            continue
        if index + 1 >= len(tokens) or tokens[index + 1].text != "{":
            continue
        depth = 0
        for close in range(index + 1, len(tokens)):
            depth += {"{": 1, "}": -1}.get(tokens[close].text, 0) if tokens[close].kind == "punct" else 0
            if depth == 0:
                yield index, close
                break


def _rewrite_innermost(text: str) -> str:
    """`text` with the innermost EXISTS bodies that the rewrite applies to nested."""
    tokens = _tokens(text)
    if tokens is None or any(t.kind == "word" and t.text.upper() == "SERVICE" for t in tokens):
        return text
    candidates = []
    for index, close in _exists_bodies(tokens):
        reader = _BodyReader(tokens[index + 2:close])
        try:
            reader.read()
        except _Unknown:
            continue
        if len(reader.patterns) >= 2:
            candidates.append((index, close, reader))
    edits = []
    for index, close, reader in candidates:
        if any(index < other < close for other, _, _ in candidates):
            continue  # its inner EXISTS first; this one at the next pass
        inside = {t.text[1:] for t in reader.tokens if t.kind == "var"}
        outer = {t.text[1:] for j, t in enumerate(tokens) if t.kind == "var" and not index + 2 <= j < close}
        edits.append((tokens[index + 1].end, tokens[close].start, _nested_body(reader, text, outer & inside)))
    for start, end, replacement in reversed(edits):
        text = text[:start] + replacement + text[end:]
    return text


def _rewritten(text: str) -> str:
    for _ in range(8):  # one pass per level of EXISTS in EXISTS; each rewritten body is one pattern a level
        rewritten = _rewrite_innermost(text)
        if rewritten == text:
            break
        text = rewritten
    return text


def _signature(text: str):
    """What the engine reads a query as, on an empty store: its result kind and variables; None if it does not parse."""
    try:
        result = ox.Store().query(text, prefixes=PREFIXES)
    except (SyntaxError, ValueError, OSError):
        return None
    if isinstance(result, ox.QuerySolutions):
        return "select", tuple(v.value for v in result.variables)
    return type(result).__name__, ()


@functools.lru_cache(maxsize=256)
def rewrite(text: str) -> str:
    """The query with its quadratic EXISTS bodies nested (see the module); `text` itself when nothing applies."""
    if "exists" not in text.lower():
        return text
    candidate = _rewritten(text)
    if candidate == text:
        return text
    original = _signature(text)
    if original is None or _signature(candidate) != original:
        return text
    return candidate


@dataclass(frozen=True)
class ShapeHint:
    """A query shape the engine may evaluate slowly, and an equivalent form that it evaluates fast."""

    shape: str
    suggestion: str


# Shapes `rewrite` leaves to the engine that may still take time growing with (outer rows) × (graph size).
SLOW_SHAPES = (
    ShapeHint(
        "EXISTS or NOT EXISTS whose body joins a property path with * or + to other patterns, "
        "in a form the server does not rewrite (a nested group, OPTIONAL, BIND or VALUES inside it)",
        "write the class or value at the path's end, `EXISTS { ?x a/rdfs:subClassOf* nato:City }`, or nest the "
        "path in an inner EXISTS, `EXISTS { ?x a ?t FILTER EXISTS { ?t rdfs:subClassOf* nato:City } }`",
    ),
    ShapeHint(
        "a property path with * or + whose two ends are both unbound variables",
        "bind one end first, with a triple pattern before it (`?op nato:area ?p . ?p nato:locatedIn+ ?r`) "
        "or a constant (`?p nato:locatedIn+ natoid:continent-11`)",
    ),
)


# Texts longer than this get no hints: the rewrite's reading grows with the square of a text's nesting (45 KB of
# nested EXISTS took 1.6 s), and the hints are asked for in the server's own process (a time-out's message, the
# editor's POST /query/shape-hints). A query a person writes in the editor is far shorter.
HINTS_MAX_CHARS = 8 * 1024


def slow_shape_hints(text: str) -> list[ShapeHint]:
    """The hints of SLOW_SHAPES that a query text matches after `rewrite`: what a time-out message can suggest.

    Reads tokens only, to choose a hint: a wrong guess costs a useless sentence, never a wrong answer. A text
    longer than HINTS_MAX_CHARS gets none.
    """
    if len(text) > HINTS_MAX_CHARS:
        return []
    tokens = _tokens(rewrite(text))
    if tokens is None:
        return []
    hints = []
    stars = [i for i, t in enumerate(tokens) if t.kind == "punct" and t.text in ("*", "+") and i > 0
             and (tokens[i - 1].kind in ("iri", "pname") or tokens[i - 1].text in (")", "a"))]
    if any(_slow_exists_body(tokens, i, stars) for i, t in enumerate(tokens)
           if t.kind == "word" and t.text.upper() == "EXISTS"):
        hints.append(SLOW_SHAPES[0])
    for index in stars:
        subject = next((tokens[j] for j in range(index - 1, -1, -1)
                        if tokens[j].kind == "var" or tokens[j].text in (".", ";", "{", "}")), None)
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if subject is not None and subject.kind == "var" and following is not None and following.kind == "var":
            hints.append(SLOW_SHAPES[1])
            break
    return hints


def _slow_exists_body(tokens: list[_Token], index: int, stars: list[int]) -> bool:
    """Whether the EXISTS at `index` has a * or + path in a body of more than one pattern, after `rewrite`."""
    if index + 1 >= len(tokens) or tokens[index + 1].text != "{":
        return False
    depth, close = 0, None
    for j in range(index + 1, len(tokens)):
        depth += {"{": 1, "}": -1}.get(tokens[j].text, 0)
        if depth == 0:
            close = j
            break
    if close is None or not any(index + 1 < s < close for s in stars):
        return False
    body = tokens[index + 2:close]
    groups = [j for j, t in enumerate(body) if t.text == "{"]
    if not groups:
        return any(t.text in (".", ";", ",") for t in body[:-1])
    return any(j == 0 or body[j - 1].text.upper() != "EXISTS" for j in groups)
