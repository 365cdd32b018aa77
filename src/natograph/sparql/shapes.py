"""Query shapes that Oxigraph evaluates in quadratic time, rewritten into equivalent ones it evaluates in linear time:
EXISTS bodies into nested EXISTS, and joins on a computed string key into joins on a shared variable.

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
Whatever it does not recognise goes to the engine unchanged. `tests/sparql/test_query_shapes.py` compares
both forms' answers on thousands of random graphs.

Joins on a computed key. Oxigraph evaluates `BIND(R AS ?k) T FILTER(E = ?k)` (T triple patterns, E and R
string expressions, as in "the operation whose label, normalised, is a code") as a nested loop: E is compared
for every pair of rows. It hash-joins two groups on a variable only when that variable is bound in every row
of both (a BIND is not: its expression may fail, and `FILTER(BOUND(?k))` does not convince the planner). So:

    P BIND(R AS ?k) T FILTER(E = ?k)
      →  P BIND(COALESCE(R, <no-key:bind>) AS ?k) { T BIND(COALESCE(E, <no-key:filter>) AS ?k) } FILTER(E = ?k)

and, when the BIND follows the patterns of both sides and nothing else, `T1 T2 BIND(R AS ?k) FILTER(E = ?k)`
with T2 the patterns connected to E's variables through shared variables and T1 the others (a basic graph
pattern without blank nodes is the join of any split of it; T1 and T2 share no variable and R reads none of
T2's, so R has the same value on T1's part of a row as on the whole row), the same with P = T1 and T = T2.

Equivalent when R and E are provably simple literals or errors (`STR(…)`, a string constant, and LCASE, UCASE,
REPLACE, SUBSTR, STRBEFORE, STRAFTER, CONCAT of such, ENCODE_FOR_URI and the hashes of anything): `=` between
two simple literals holds exactly when they are the same string, that is the same term, which is what a
join compares. A row whose R or E fails has an IRI as its key, equal to no string and not to the other
side's IRI: it joins nothing, as the FILTER drops it as written (an unbound ?k would join every row); the
FILTER is kept and holds on every joined row. The conditions, each checked on the tokens: E's variables are
all bound by T (so that E has its value inside the new group), E is evaluated the same each time (no RAND,
UUID, STRUUID, BNODE, NOW, EXISTS), ?k occurs in its group only in the BIND and in top-level FILTERs (nothing
else binds or reads it, so the rows the FILTER drops are dropped whatever comes after), T has no blank
nodes, and the group is evaluated on its own: not an OPTIONAL's group (whose FILTERs see the outer row) nor
inside an EXISTS or LATERAL (which puts the outer row's values in).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pyoxigraph as ox

from ..vocab import PREFIXES
from .engine import engine_call
from .text import TokenKind, argument_ranges, bracket_levels, tokenize, top_level_positions

# An IRI holding these may be a comparison to the engine (`?a<?b && ?c>?d`): such a text is left alone.
_SUSPICIOUS_IRI = re.compile(r"[()]|&&|\|\|")
_OPERATORS = ("^^", "&&", "||", "!=", "<=", ">=")
_PUNCTUATION = frozenset("{}()[].,;|/^*+?!=<>&-")
_NUMBER = re.compile(r"(?:\d*\.\d+(?:[eE][+-]?\d+)?|\d+\.?\d*[eE][+-]?\d+|\d+)")
_KEYWORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KINDS = {TokenKind.IRI: "iri", TokenKind.STRING: "string", TokenKind.VARIABLE: "var", TokenKind.LANGTAG: "lang"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token] | None:
    """The tokens of `text` in the kinds the rewriter reads, or None where it meets one it does not know.

    The one tokenizer's reading (`sparql.text.tokenize`: strings, IRIs, comments and white space as Oxigraph
    delimits them), with its words told apart (prefixed names, blank nodes, numbers with their sign, keywords)
    and the two-character operators joined.
    """
    tokens: list[_Token] = []
    for token in tokenize(text):
        start, end = token.offset, token.offset + len(token.text)
        previous = tokens[-1] if tokens else None
        adjacent = previous is not None and previous.end == start
        if token.kind is TokenKind.PUNCT:
            if adjacent and previous.kind == "punct" and previous.text + token.text in _OPERATORS:
                tokens[-1] = _Token("punct", previous.text + token.text, previous.start, end)
            elif token.text in _PUNCTUATION:
                tokens.append(_Token("punct", token.text, start, end))
            else:
                return None
            continue
        if token.kind is TokenKind.WORD:
            if token.text.startswith("_:"):
                kind = "bnode"
            elif ":" in token.text:
                kind = "pname"
            elif _NUMBER.fullmatch(token.text):
                kind = "number"
                if adjacent and previous.kind == "punct" and previous.text in "+-":
                    tokens[-1] = _Token("number", previous.text + token.text, previous.start, end)
                    continue
            elif _KEYWORD.fullmatch(token.text):
                kind = "word"
            else:
                return None
        else:
            kind = _KINDS[token.kind]
            if kind == "iri" and _SUSPICIOUS_IRI.search(token.text):
                return None
            if kind == "string" and not _closed(token.text):
                return None
        tokens.append(_Token(kind, token.text, start, end))
    return tokens


def _closed(string: str) -> bool:
    quote = string[:3] if string[:3] in ('"""', "'''") else string[:1]
    return len(string) >= 2 * len(quote) and string.endswith(quote) and not _escaped_end(string, len(quote))


def _escaped_end(string: str, quote_length: int) -> bool:
    # The closing quote preceded by an odd number of backslashes is an escaped quote, not the end.
    index, backslashes = len(string) - quote_length - 1, 0
    while index >= quote_length and string[index] == "\\":
        backslashes, index = backslashes + 1, index - 1
    return backslashes % 2 == 1


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

    def __init__(self, tokens: list[_Token], start: int = 0, end: int | None = None):
        self.tokens = tokens
        self.position = start
        self.end = len(tokens) if end is None else end  # reads tokens[start:end], indices into `tokens`
        self.patterns: list[_Pattern] = []
        self.filters: list[tuple[int, int]] = []  # token index ranges [start, end)

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.position + offset
        return self.tokens[index] if index < self.end else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise _Unknown
        self.position += 1
        return token

    def read(self) -> None:
        self.read_run()
        if self.peek() is not None:
            raise _Unknown

    def read_run(self) -> None:
        """Read triple patterns, FILTERs and `.` up to the first token that starts something else (or the end)."""
        while self.peek() is not None:
            token = self.peek()
            if token.text == "." and token.kind == "punct":
                self.position += 1
            elif token.kind == "word" and token.text.upper() == "FILTER":
                self.read_filter()
            elif token.kind in ("var", "iri", "pname"):
                self.read_triples()
            else:
                return

    def read_filter(self) -> None:
        """A FILTER, kept whole as written: `FILTER (…)`, `FILTER f(…)`, `FILTER [NOT] EXISTS { … }`."""
        start = self.position
        self.position += 1
        words = [t.text.upper() if t.kind == "word" else "" for t in self.tokens[self.position:min(self.position + 2, self.end)]]
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
        close = _closing(tokens, index + 1, len(tokens))
        if close is not None:
            yield index, close


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


# --- Joins on a computed string key -----------------------------------------------------------------------------

# Functions whose value is a simple literal (xsd:string) or an error, whatever their arguments are.
_STRING_ALWAYS = frozenset({"STR", "ENCODE_FOR_URI", "MD5", "SHA1", "SHA256", "SHA384", "SHA512"})
# Functions whose value has the kind of their first argument's: a simple literal (or an error) from a simple literal.
_STRING_FROM_FIRST = frozenset({"LCASE", "UCASE", "REPLACE", "SUBSTR", "STRBEFORE", "STRAFTER"})
# Words a key expression evaluated twice (in the new BIND and in the user's FILTER) may not hold: a value that can
# differ between two evaluations, or a pattern evaluated against the row it sits in.
_NOT_REPEATABLE = frozenset({"RAND", "UUID", "STRUUID", "BNODE", "EXISTS", "NOT", "NOW"})
# What a key is when its expression fails: IRIs, never equal to a string or to each other, so that the row joins
# nothing (a BIND that fails leaves its variable unbound, and an unbound variable would join every row).
_NO_KEY = ("<urn:natograph:query-shape:no-key:bind>", "<urn:natograph:query-shape:no-key:filter>")


def _closing(tokens: list[_Token], index: int, end: int) -> int | None:
    """The index of the bracket that closes the one at `index`, before `end`; None if there is none."""
    return next((position for position, token, level in bracket_levels(tokens, index + 1, end)
                 if level == -1), None)


def _call(tokens: list[_Token], start: int, end: int) -> tuple[str, list[tuple[int, int]]] | None:
    """(NAME, its arguments' token ranges) when tokens[start:end] is one built-in call `NAME(…)`, else None."""
    if end - start < 3 or tokens[start].kind != "word" or tokens[start + 1].text != "(" \
            or _closing(tokens, start + 1, end) != end - 1:
        return None
    return tokens[start].text.upper(), argument_ranges(tokens, start + 2, end - 1)


def _is_simple_string(tokens: list[_Token], start: int, end: int) -> bool:
    """Whether the expression tokens[start:end] has, on every row, a simple literal as its value or an error."""
    if end - start == 1:
        return tokens[start].kind == "string"
    if end - start > 2 and tokens[start].text == "(" and _closing(tokens, start, end) == end - 1:
        return _is_simple_string(tokens, start + 1, end - 1)
    call = _call(tokens, start, end)
    if call is None:
        return False
    name, arguments = call
    if any(a == b for a, b in arguments):
        return False
    if name in _STRING_ALWAYS:
        return len(arguments) == 1
    if name in _STRING_FROM_FIRST:
        return bool(arguments) and _is_simple_string(tokens, *arguments[0])
    if name == "CONCAT":
        return all(_is_simple_string(tokens, *argument) for argument in arguments)
    return False


def _variable(token: _Token) -> str | None:
    return token.text[1:] if token.kind == "var" else None


# The elements that may follow the triples after the BIND: the reader stops at them, having read what comes before.
_NEXT_ELEMENT = frozenset({"OPTIONAL", "MINUS", "BIND", "VALUES", "GRAPH", "FILTER"})


def _equality_sides(tokens: list[_Token], start: int, end: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """For `FILTER(A = B)` at tokens[start:end], one `=` at its top level, the token ranges of A and B; else None."""
    if end - start < 5 or tokens[start + 1].text != "(" or _closing(tokens, start + 1, end) != end - 1:
        return None
    equals = list(top_level_positions(tokens, "=", start + 2, end - 1))
    if len(equals) != 1 or equals[0] == start + 2 or equals[0] == end - 2:
        return None
    return (start + 2, equals[0]), (equals[0] + 1, end - 1)


def _bracket_pairs(tokens: list[_Token]) -> dict[int, int]:
    """The index of the `)` or `}` closing each `(` and `{` (a text whose brackets do not pair is the engine's)."""
    pairs, opened = {}, []
    for index, token in enumerate(tokens):
        if token.kind == "punct" and token.text in ("(", "{"):
            opened.append(index)
        elif token.kind == "punct" and token.text in (")", "}") and opened:
            pairs[opened.pop()] = index
    return pairs


@dataclass
class _Group:
    """A group's top level: its FILTERs (token ranges), the indices of its BINDs, and its FILTERs `E = ?k` by ?k."""

    close: int
    filters: list[tuple[int, int]]
    binds: list[int]
    equalities: dict[str, list[tuple[int, int]]]


class _KeyJoinScan:
    """What the key-join rewrite reads of a text, each part once: brackets, groups, and where each variable is."""

    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.pairs = _bracket_pairs(tokens)
        self.group_of: list[int | None] = []  # per token, the `{` of its innermost group
        self.occurrences: dict[str, list[int]] = {}
        enclosing: list[int] = []
        for index, token in enumerate(tokens):
            if token.kind == "punct" and token.text == "}" and enclosing:
                enclosing.pop()
            self.group_of.append(enclosing[-1] if enclosing else None)
            if token.kind == "punct" and token.text == "{":
                enclosing.append(index)
            elif token.kind == "var":
                self.occurrences.setdefault(token.text[1:], []).append(index)
        self._groups: dict[int, _Group | None] = {}

    def group(self, open_index: int) -> _Group | None:
        if open_index not in self._groups:
            self._groups[open_index] = self._read_group(open_index)
        return self._groups[open_index]

    def _read_group(self, open_index: int) -> _Group | None:
        tokens, close = self.tokens, self.pairs.get(open_index)
        if close is None:
            return None
        group = _Group(close, [], [], {})
        position = open_index + 1
        while position < close:
            token = tokens[position]
            if token.kind == "punct" and token.text in ("(", "{"):
                position = self.pairs.get(position, close) + 1
            elif token.kind == "word" and token.text.upper() == "FILTER":
                reader = _BodyReader(tokens, position, close)
                try:
                    reader.read_filter()
                except _Unknown:
                    return None
                group.filters.append((position, reader.position))
                sides = _equality_sides(tokens, position, reader.position)
                for side, other in (sides, sides[::-1]) if sides else ():
                    if other[1] - other[0] == 1 and tokens[other[0]].kind == "var":
                        group.equalities.setdefault(tokens[other[0]].text[1:], []).append(side)
                position = reader.position
            else:
                if token.kind == "word" and token.text.upper() == "BIND":
                    group.binds.append(position)
                position += 1
        return group


def _key_join(text: str, tokens: list[_Token]) -> str | None:
    """`text` with its first join on a computed string key made a shared variable (see the module); None if none."""
    scan = _KeyJoinScan(tokens)
    for index, token in enumerate(tokens):
        if token.kind == "word" and token.text.upper() == "BIND" and index + 1 < len(tokens) \
                and tokens[index + 1].text == "(":
            edit = _key_join_at(text, scan, index)
            if edit is not None:
                return edit
    return None


def _key_join_at(text: str, scan: _KeyJoinScan, bind: int) -> str | None:
    tokens = scan.tokens
    open_index = scan.group_of[bind]
    if open_index is None:
        return None
    chain = open_index
    while chain is not None:  # inside an EXISTS, the outer row's values are substituted in: left alone
        if chain > 0 and tokens[chain - 1].kind == "word" and tokens[chain - 1].text.upper() in ("EXISTS", "LATERAL"):
            return None
        chain = scan.group_of[chain]
    if open_index > 0 and tokens[open_index - 1].text.upper() == "OPTIONAL":
        return None  # an OPTIONAL's FILTERs are the left join's condition, over the outer row too
    group = scan.group(open_index)
    bind_close = scan.pairs.get(bind + 1)
    if group is None or bind not in group.binds or bind_close is None or bind_close - bind < 5:
        return None
    key_token, as_token = tokens[bind_close - 1], tokens[bind_close - 2]
    key = _variable(key_token)
    if key is None or as_token.kind != "word" or as_token.text.upper() != "AS" or key not in group.equalities \
            or not _is_simple_string(tokens, bind + 2, bind_close - 2):
        return None
    for position in scan.occurrences[key]:
        if open_index < position < group.close and position != bind_close - 1 \
                and not any(start <= position < end for start, end in group.filters):
            return None  # the key is bound, or read, elsewhere in its group
    after = _patterns_after(tokens, bind_close, group.close)
    before = _patterns_before(tokens, open_index, bind) if bind == group.binds[0] else None
    bind_variables = {_variable(t) for t in tokens[bind + 2:bind_close - 2] if t.kind == "var"}
    for side in group.equalities[key]:
        if not _is_simple_string(tokens, *side):
            continue
        expression = tokens[side[0]:side[1]]
        if any(t.kind == "word" and t.text.upper() in _NOT_REPEATABLE or t.text == "{"
               or t.kind in ("iri", "pname") for t in expression):
            continue
        variables = {_variable(t) for t in expression if t.kind == "var"}
        key_text = text[expression[0].start:expression[-1].end]
        keyed = f"BIND(COALESCE({key_text}, {_NO_KEY[1]}) AS {key_token.text})"
        if after is not None and variables <= after[0] and key not in after[0]:
            # P BIND(R AS ?k) T …  →  P BIND(COALESCE(R, …) AS ?k) { T BIND(COALESCE(E, …) AS ?k) } …
            _, patterns, run_filters, run_end = after
            edits = [(tokens[bind + 1].end, tokens[bind + 1].end, " COALESCE("),
                     (tokens[bind_close - 3].end, tokens[bind_close - 3].end, f", {_NO_KEY[0]})"),
                     (tokens[bind_close + 1].start, tokens[run_end - 1].end,
                      f"{{ {_joined(patterns, text)} {keyed} }} {_filter_texts(run_filters, text)}")]
        elif before is not None:
            # T1 T2 BIND(R AS ?k) …, T2 the patterns E reads, sharing no variable with T1 nor with R
            split = _split_patterns(before[1], variables)
            if split is None or not split[0] or bind_variables & split[3] or key in split[2] | split[3] \
                    or not variables <= split[3]:
                continue
            first, second, _, _ = split
            bound = text[tokens[bind + 2].start:tokens[bind_close - 3].end]
            edits = [(tokens[open_index + 1].start, tokens[bind_close].end,
                      f"{_joined(first, text)} BIND(COALESCE({bound}, {_NO_KEY[0]}) AS {key_token.text}) "
                      f"{{ {_joined(second, text)} {keyed} }} {_filter_texts(before[2], text)}")]
        else:
            continue
        for begin, finish, replacement in reversed(edits):
            text = text[:begin] + replacement + text[finish:]
        return text
    return None


def _joined(patterns: list[_Pattern], source: str) -> str:
    return " . ".join(pattern.text(source) for pattern in patterns)


def _filter_texts(ranges: list[tuple[int, int]], source: str) -> str:
    return " ".join(source[start.start:end.end] for start, end in ranges)


def _patterns_after(tokens: list[_Token], bind_close: int, close_index: int):
    """(variables, patterns, FILTERs as (first, last) tokens, end index) of the triple patterns and FILTERs right
    after the BIND, up to the group's next element; None when there are none or they hold what the reader refuses."""
    run = _BodyReader(tokens, bind_close + 1, close_index)
    try:
        run.read_run()
    except _Unknown:
        return None
    following = tokens[run.position]
    if not run.patterns or not (run.position == close_index or following.text == "{"
                                or following.kind == "word" and following.text.upper() in _NEXT_ELEMENT):
        return None
    variables = set().union(*(pattern.variables() for pattern in run.patterns))
    return variables, run.patterns, [(tokens[a], tokens[b - 1]) for a, b in run.filters], run.position


def _patterns_before(tokens: list[_Token], open_index: int, bind: int):
    """(variables, patterns, FILTERs as (first, last) tokens) when all of the group before the BIND is triple
    patterns and FILTERs; else None."""
    reader = _BodyReader(tokens, open_index + 1, bind)
    try:
        reader.read()
    except _Unknown:
        return None
    if not reader.patterns:
        return None
    variables = set().union(*(pattern.variables() for pattern in reader.patterns))
    return variables, reader.patterns, [(tokens[a], tokens[b - 1]) for a, b in reader.filters]


def _split_patterns(patterns: list[_Pattern], variables: set[str]):
    """(the others, the patterns connected through shared variables to `variables`, the others' variables, theirs):
    two parts that share no variable, so that their join is their product. None when nothing is connected."""
    reached, second = set(variables), []
    remaining = list(patterns)
    grew = True
    while grew:
        grew = False
        for pattern in list(remaining):
            if pattern.variables() & reached:
                reached |= pattern.variables()
                second.append(pattern)
                remaining.remove(pattern)
                grew = True
    if not second:
        return None
    first_variables = set().union(*(p.variables() for p in remaining)) if remaining else set()
    second_variables = set().union(*(p.variables() for p in second))
    return remaining, second, first_variables, second_variables


def _key_joins(text: str) -> str:
    """`text` with every join on a computed string key it reads made a shared variable."""
    for _ in range(8):
        tokens = _tokens(text)
        if tokens is None or any(t.kind == "word" and t.text.upper() == "SERVICE" for t in tokens):
            return text
        rewritten = _key_join(text, tokens)
        if rewritten is None:
            return text
        text = rewritten
    return text


def _signature(text: str):
    """What the engine reads a query as, on an empty store: its result kind and variables; None if it does not parse."""
    try:
        return engine_call(text, lambda: _signature_of(ox.Store().query(text, prefixes=PREFIXES)))
    except (SyntaxError, ValueError, OSError):
        return None


def _signature_of(result) -> tuple:
    # Read in the thread that made the result: pyoxigraph's results may not cross threads.
    if isinstance(result, ox.QuerySolutions):
        return "select", tuple(v.value for v in result.variables)
    return type(result).__name__, ()


@functools.lru_cache(maxsize=256)
def rewrite(text: str) -> str:
    """The query with its quadratic EXISTS bodies nested (see the module); `text` itself when nothing applies.

    The check against the engine prepares both texts on an empty store, which may evaluate them: it runs where
    the query runs (a query worker, under the time limit), never in the server's own process.
    """
    candidate = _token_rewrite(text)
    if candidate == text:
        return text
    original = _signature(text)
    if original is None or _signature(candidate) != original:
        return text
    return candidate


def _token_rewrite(text: str) -> str:
    """What the rewrites make of a text, read by its tokens alone (not yet checked against the engine)."""
    lowered = text.lower()
    if "exists" not in lowered and "bind" not in lowered:
        return text
    candidate = _rewritten(text)
    if "bind" in lowered and "filter" in lowered:
        candidate = _key_joins(candidate)
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
    ShapeHint(
        "a FILTER comparing two computed strings, `FILTER(LCASE(STR(?a)) = STR(?b))`, in a form the server does not "
        "turn into a join (no BIND of one side before the patterns of the other): every row of one side is "
        "compared with every row of the other",
        "compute one side in a BIND, then write the patterns of the other side after it, so that the server joins "
        "on the key: `?x rdfs:label ?l BIND(LCASE(STR(?l)) AS ?key) ?y skos:altLabel ?a FILTER(LCASE(STR(?a)) = ?key)`",
    ),
)


# Texts longer than this get no hints: the rewrite's reading grows with the square of a text's nesting (45 KB of
# nested EXISTS took 1.6 s), and the hints are asked for in the server's own process (a time-out's message, the
# editor's POST /query/shape-hints). A query a person writes in the editor is far shorter.
HINTS_MAX_CHARS = 8 * 1024


def slow_shape_hints(text: str) -> list[ShapeHint]:
    """The hints of SLOW_SHAPES that a query text matches after the rewrites: what a time-out message and the editor
    can suggest.

    Reads tokens only, and asks the engine nothing (this runs in the server's own process): a wrong guess costs a
    useless sentence, never a wrong answer. A text longer than HINTS_MAX_CHARS gets none.
    """
    if len(text) > HINTS_MAX_CHARS:
        return []
    tokens = _tokens(_token_rewrite(text))
    if tokens is None:
        return []
    hints = []
    stars = [i for i, t in enumerate(tokens) if t.kind == "punct" and t.text in ("*", "+") and i > 0
             and (tokens[i - 1].kind in ("iri", "pname") or tokens[i - 1].text in (")", "a"))]
    if any(_slow_exists_body(tokens, i, stars) for i, t in enumerate(tokens)
           if t.kind == "word" and t.text.upper() == "EXISTS"):
        hints.append(SLOW_SHAPES[0])
    body = next((i for i, t in enumerate(tokens) if t.text == "{" and t.kind == "punct"), len(tokens))
    for index in stars:
        subject = next((tokens[j] for j in range(index - 1, -1, -1)
                        if tokens[j].kind == "var" or tokens[j].text in (".", ";", "{", "}")), None)
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if subject is not None and subject.kind == "var" and following is not None and following.kind == "var" \
                and not _named_elsewhere(tokens[body:], subject) and not _named_elsewhere(tokens[body:], following):
            hints.append(SLOW_SHAPES[1])
            break
    if _string_comparison_left(tokens):
        hints.append(SLOW_SHAPES[2])
    return hints


def _string_comparison_left(tokens: list[_Token]) -> bool:
    """Whether a FILTER compares a string function's value with a variable's or another's, after `rewrite`."""
    joined = {tokens[i + 3].text[1:] for i in range(len(tokens) - 3) if tokens[i].text == _NO_KEY[1]
              and tokens[i + 2].text.upper() == "AS" and tokens[i + 3].kind == "var"}
    for index, token in enumerate(tokens):
        if token.kind != "word" or token.text.upper() != "FILTER" or index + 1 >= len(tokens):
            continue
        close = _closing(tokens, index + 1, len(tokens))
        sides = None if close is None else _equality_sides(tokens, index, close + 1)
        if sides is None:
            continue
        calls = [_call(tokens, *side) for side in sides]
        if not any(call is not None and call[0] in _STRING_ALWAYS | _STRING_FROM_FIRST | {"CONCAT"} for call in calls):
            continue
        variables = [{t.text[1:] for t in tokens[a:b] if t.kind == "var"} for a, b in sides]
        if all(variables) and not any(b - a == 1 and _variable(tokens[a]) in joined for a, b in sides):
            return True
    return False


def _named_elsewhere(tokens: list[_Token], variable: _Token) -> bool:
    """Whether a path's end variable appears in another place of the query's body, where a pattern may bind it
    first (the engine then starts the path from its values): a guess, for a hint only."""
    return any(t.kind == "var" and t.text[1:] == variable.text[1:] and t.start != variable.start for t in tokens)


def _slow_exists_body(tokens: list[_Token], index: int, stars: list[int]) -> bool:
    """Whether the EXISTS at `index` has a * or + path in a body of more than one pattern, after `rewrite`."""
    if index + 1 >= len(tokens) or tokens[index + 1].text != "{":
        return False
    close = _closing(tokens, index + 1, len(tokens))
    if close is None or not any(index + 1 < s < close for s in stars):
        return False
    body = tokens[index + 2:close]
    groups = [j for j, t in enumerate(body) if t.text == "{"]
    if not groups:
        return any(t.text in (".", ";", ",") for t in body[:-1])
    return any(j == 0 or body[j - 1].text.upper() != "EXISTS" for j in groups)
