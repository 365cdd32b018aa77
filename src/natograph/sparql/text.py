"""SPARQL text: a query's text with what natograph reads from it (`QueryText`), its tokens, and VALUES binding."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from enum import Enum
from functools import cached_property, lru_cache
from typing import Iterator, Mapping, Sequence


class TokenKind(Enum):
    """The lexical classes the safety check distinguishes."""

    WORD = "word"  # keywords, prefixed names, blank node labels, numbers, `a`
    IRI = "iri"
    STRING = "string"
    VARIABLE = "variable"
    LANGTAG = "langtag"
    PUNCT = "punct"


class QueryForm(Enum):
    """The form of a SPARQL query, as its first keyword after the prologue says (UNKNOWN: none of the four)."""

    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"
    UNKNOWN = "UNKNOWN"

    @property
    def gives_graph(self) -> bool:
        """Whether the query's answer is a graph (CONSTRUCT, DESCRIBE) rather than solutions or a boolean."""
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


@dataclass(frozen=True)
class Token:
    """One token of a query, with its 1-based line and column."""

    kind: TokenKind
    text: str
    line: int
    column: int
    offset: int


# White space and comment ends exactly as Oxigraph reads them (the SPARQL grammar's WS): no other character counts.
_WHITESPACE = re.compile(r"[ \t\r\n]+")
_IRI = re.compile(r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>")
# Name characters of the SPARQL grammar (VARNAME's; PN_CHARS adds "-").
_VARIABLE_CHARS = (
    r"A-Za-z0-9_\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C\u200D"
    r"\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
)
_NAME_CHAR = rf"[{_VARIABLE_CHARS}\-]"
_VARIABLE = re.compile(rf"[?$][{_VARIABLE_CHARS}]+")
_LANGTAG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_NUMBER = re.compile(r"\d+\.\d*[eE][+-]?\d+|\.\d+[eE][+-]?\d+|\d+[eE][+-]?\d+|\d*\.\d+|\d+")
# A keyword, prefixed name or blank node label; dots only inside (a final dot ends the triple).
_WORD_PART = rf"(?:{_NAME_CHAR}|:|%[0-9A-Fa-f]{{2}}|\\[-_~.!$&'()*+,;=/?#@%])"
_WORD = re.compile(rf"{_WORD_PART}+(?:\.+{_WORD_PART}+)*")
_COMMENT_END = re.compile(r"[\n\r]")


def tokenize(text: str) -> Iterator[Token]:
    """The tokens of a SPARQL text, with comments and whitespace left out.

    Strings, IRIs, comments and white space are delimited exactly as Oxigraph's parser delimits them (a comment
    ends at a line feed or carriage return only), so that a keyword inside one of them is never taken for code,
    and no code for one of them; tests/sparql/test_query_text.py checks it against the engine. A character that
    fits no token is a PUNCT token of its own. Safety never rests on tokens (see `QueryText`).
    """
    position, line, line_start = 0, 1, 0
    length = len(text)
    while position < length:
        char = text[position]
        start = position
        match = _WHITESPACE.match(text, position)
        if match:
            position = match.end()
        elif char == "#":
            position = _line_end(text, position)
        elif char in "\"'":
            position = _string_end(text, position)
            yield Token(TokenKind.STRING, text[start:position], line, start - line_start + 1, start)
        elif char == "<" and (match := _IRI.match(text, position)):
            position = match.end()
            yield Token(TokenKind.IRI, match.group(), line, start - line_start + 1, start)
        elif char in "?$" and (match := _VARIABLE.match(text, position)):
            position = match.end()
            yield Token(TokenKind.VARIABLE, match.group(), line, start - line_start + 1, start)
        elif char == "@" and (match := _LANGTAG.match(text, position)):
            position = match.end()
            yield Token(TokenKind.LANGTAG, match.group(), line, start - line_start + 1, start)
        elif (char.isdigit() or char == ".") and (match := _NUMBER.match(text, position)):
            position = match.end()
            yield Token(TokenKind.WORD, match.group(), line, start - line_start + 1, start)
        elif match := _WORD.match(text, position):
            position = match.end()
            yield Token(TokenKind.WORD, match.group(), line, start - line_start + 1, start)
        else:
            position += 1
            yield Token(TokenKind.PUNCT, char, line, start - line_start + 1, start)
        for index in _newlines(text, start, position):
            line, line_start = line + 1, index + 1


def _is_blank(text: str) -> bool:
    # What `tokenize` skips, read with its own delimiters up to the first character it would make a token of.
    position, length = 0, len(text)
    while position < length:
        match = _WHITESPACE.match(text, position)
        if match:
            position = match.end()
        elif text[position] == "#":
            position = _line_end(text, position)
        else:
            return False
    return True


def _line_end(text: str, position: int) -> int:
    match = _COMMENT_END.search(text, position)
    return match.start() if match else len(text)


def _string_end(text: str, position: int) -> int:
    quote = text[position]
    if text.startswith(quote * 3, position):
        index = position + 3
        while index < len(text):
            if text[index] == "\\":
                index += 2
            elif text.startswith(quote * 3, index):
                run = index
                while run < len(text) and text[run] == quote:
                    run += 1
                return run
            else:
                index += 1
        return len(text)
    index = position + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
        elif char == quote:
            return index + 1
        elif char in "\r\n":
            return index
        else:
            index += 1
    return len(text)


def _newlines(text: str, start: int, end: int) -> Iterator[int]:
    index = start
    while index < end:
        char = text[index]
        if char == "\n" or (char == "\r" and (index + 1 >= len(text) or text[index + 1] != "\n")):
            yield index
        index += 1


# The functions whose value changes from one evaluation to the next (SPARQL 1.1, 17.4); UUID also covers STRUUID.
NON_DETERMINISTIC_FUNCTIONS = ("NOW", "RAND", "UUID", "BNODE")
# The engine never reads GRAPH followed by "/" as the keyword (no variable, IRI or name starts with "/").
_GRAPH_KEYWORD_LETTERS = re.compile(r"GRAPH(?!/)")


@dataclass(frozen=True)
class QueryText:
    """A query's text and what natograph reads from it, each reading made once and carried along with the text.

    The engine judges what a text means: whether it parses, its kind, whether it is an update. natograph reads a
    text only for what the engine cannot tell it before running it, in two ways:

    - by its letters, where a wrong "no" would cost safety or a wrong answer (`names_service`, `names_load`,
      `may_read_named_graphs`, `repeatable`): the engine cannot read a keyword or call a function unless its
      letters are in the text, so each is an over-approximation needing no grammar (the word in a string, an IRI
      or a comment is a false alarm, which costs speed or a refusal's wording only);
    - by its tokens, read once on first use, where a wrong reading costs an error message or speed only:
      keywords, variables, the form's keyword, and where the outermost WHERE group opens (where a store binds
      values). The tokenizer delimits as Oxigraph does, which differential tests check.

    Made once where a text enters (the protocol's reading of a request, a canned query's catalogue entry, a
    command) and passed through the executor, the cache and the stores. Two QueryTexts are equal when their
    texts are; the cache keys on the exact text.
    """

    text: str

    @classmethod
    def of(cls, query: "str | QueryText") -> "QueryText":
        """`query` itself, or the QueryText of a string (natograph's own texts are read once per process)."""
        return query if isinstance(query, QueryText) else _query_text(query)

    @cached_property
    def _letter_readings(self) -> "_LetterReadings":
        return _LetterReadings.of(self.text.upper())

    @property
    def names_service(self) -> bool:
        """Whether the text could call SERVICE (its letters are there)."""
        return self._letter_readings.names_service

    @property
    def names_load(self) -> bool:
        """Whether the text, read as an update, could LOAD (its letters are there)."""
        return self._letter_readings.names_load

    @property
    def may_read_named_graphs(self) -> bool:
        """Whether a query over the default dataset may read named graphs (GRAPH) or name its dataset (FROM).

        GRAPH followed by "/" does not count, which keeps natograph's own IRIs (…/natograph/…, …/graph/…) off
        the slow path.
        """
        return self._letter_readings.may_read_named_graphs

    @property
    def repeatable(self) -> bool:
        """Whether evaluating the text again gives the same answer: it cannot call NOW, RAND, (STR)UUID or BNODE."""
        return self._letter_readings.repeatable

    @cached_property
    def is_blank(self) -> bool:
        """Whether the text has no token at all: only white space and comments (the engine would read it as an
        empty update). Read once per QueryText, so a remembered text is not scanned again for each request."""
        return _is_blank(self.text)

    @property
    def tokens(self) -> list[Token]:
        """The text's tokens (comments and white space left out), read anew on each use: never kept, since a
        QueryText may be remembered, and tokens take many times the text's memory. The first reading also makes
        the readings below, so a text is tokenized once where its tokens and readings are both needed."""
        tokens = list(tokenize(self.text))
        if "_token_readings" not in self.__dict__:
            self.__dict__["_token_readings"] = _TokenReadings.of(tokens)
        return tokens

    @cached_property
    def _token_readings(self) -> "_TokenReadings":
        return _TokenReadings.of(list(tokenize(self.text)))

    @property
    def keywords(self) -> frozenset[str]:
        """The words of the text outside strings, IRIs and comments, upper-case (keywords, prefixed names …)."""
        return self._token_readings.keywords

    @property
    def variables(self) -> frozenset[str]:
        """The names of the variables the text mentions, without `?` or `$`."""
        return self._token_readings.variables

    @property
    def form_keyword(self) -> str | None:
        """The first keyword after the prologue, upper-case: SELECT, ASK, CONSTRUCT, DESCRIBE, an update's
        (UPDATE_KEYWORDS), or None for anything else."""
        token = self._token_readings.form_token
        return token.text.upper() if token is not None else None

    @property
    def form_token(self) -> Token | None:
        """The token of `form_keyword`, with its line and column."""
        return self._token_readings.form_token

    @property
    def form(self) -> QueryForm:
        """The query's form by its `form_keyword` (UNKNOWN for an update's keyword, or none)."""
        keyword = self.form_keyword
        return QueryForm(keyword) if keyword in FORM_KEYWORDS else QueryForm.UNKNOWN

    @property
    def is_update(self) -> bool:
        """Whether the text is a SPARQL Update rather than a query: its first keyword after the prologue is an
        update's. Only the wording of a refusal hangs on it (a store runs queries alone), so nothing of the text is
        run to learn it, in any process: asking the engine meant running an update's WHERE clause."""
        return self.form_keyword in UPDATE_KEYWORDS

    @property
    def where_offset(self) -> int:
        """The offset just after the `{` that opens the query's outermost WHERE group; ValueError if it has none."""
        offset = self._token_readings.where_offset
        if offset is None:
            raise ValueError("the query has no WHERE group")
        return offset

    def bound(self, bindings: Mapping[str, object]) -> str:
        """The text with a VALUES block of the bound RDF terms opening its outermost WHERE group.

        A binding is one RDF term, or a list of terms for a column (one solution per term: the labels of many
        resources in one query); the block's solutions are every combination of the bound values. Terms are
        serialised by pyoxigraph (N-Triples syntax, escaped), never taken from user text, and the block sits at
        the start of the group so FILTERs and aggregates of that group see the values.

        Only a store calls this to run a query (see `Store.query`'s `bindings`); `text_for_display` is for showing.
        """
        if not bindings:
            return self.text
        offset = self.where_offset
        return f"{self.text[:offset]}{values_block(bindings)}{self.text[offset:]}"


@dataclass(frozen=True)
class _LetterReadings:
    """What one reading of a text's letters (upper-case) gives."""

    names_service: bool
    names_load: bool
    may_read_named_graphs: bool
    repeatable: bool

    @classmethod
    def of(cls, letters: str) -> "_LetterReadings":
        return cls("SERVICE" in letters, "LOAD" in letters,
                   _GRAPH_KEYWORD_LETTERS.search(letters) is not None or "FROM" in letters,
                   not any(name in letters for name in NON_DETERMINISTIC_FUNCTIONS))


@dataclass(frozen=True)
class _TokenReadings:
    """What one reading of a text's tokens gives: its keywords, its variables, where its WHERE group opens."""

    keywords: frozenset[str]
    variables: frozenset[str]
    where_offset: int | None
    form_token: Token | None

    @classmethod
    def of(cls, tokens: list[Token]) -> "_TokenReadings":
        form = _form_token(tokens)
        is_construct = form is not None and form.text.upper() == "CONSTRUCT"
        return cls(frozenset(t.text.upper() for t in tokens if t.kind is TokenKind.WORD),
                   frozenset(t.text[1:] for t in tokens if t.kind is TokenKind.VARIABLE),
                   _where_group_offset(tokens, is_construct), form)


FORM_KEYWORDS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


def _form_token(tokens: list[Token]) -> Token | None:
    """The first word after the prologue (BASE <iri>, PREFIX p: <iri>), if it is a query's or an update's keyword."""
    index = 0
    while index < len(tokens):
        token = tokens[index]
        word = token.text.upper() if token.kind is TokenKind.WORD else ""
        if word == "BASE":
            index += 2
        elif word == "PREFIX":
            index += 3
        else:
            return token if word in FORM_KEYWORDS or word in UPDATE_KEYWORDS else None
    return None


def values_block(bindings: Mapping[str, object]) -> str:
    """` VALUES (?a ?b) { … }` of bound terms, every combination of a list's terms (see `QueryText.bound`)."""
    names = " ".join(f"?{name}" for name in bindings)
    columns = [value if isinstance(value, (list, tuple)) else (value,) for value in bindings.values()]
    rows = " ".join(f"({' '.join(str(term) for term in row)})" for row in itertools.product(*columns))
    return f" VALUES ({names}) {{ {rows} }}"


# natograph's own texts (look-ups, canned queries) are a few dozen; a longer text is read anew each time.
REMEMBERED_TEXT_CHARS = 8 * 1024


def _query_text(text: str) -> QueryText:
    return _remembered_query_text(text) if len(text) <= REMEMBERED_TEXT_CHARS else QueryText(text)


@lru_cache(maxsize=256)
def _remembered_query_text(text: str) -> QueryText:
    return QueryText(text)


OPENING_BRACKETS = frozenset("({[")
CLOSING_BRACKETS = frozenset(")}]")


def bracket_levels(tokens: Sequence, start: int = 0, end: int | None = None) -> Iterator[tuple[int, object, int]]:
    """Each position of tokens[start:end] with its token and its level: how many brackets (`(`, `{`, `[`) opened
    within tokens[start:end] enclose it. A bracket stands at the level outside it, so level 0 holds the outermost
    brackets themselves. Tokens of any kind with a `text` will do: only punctuation's text is a bare bracket."""
    level = 0
    for position in range(start, len(tokens) if end is None else end):
        token = tokens[position]
        if token.text in CLOSING_BRACKETS:
            level -= 1
        yield position, token, level
        if token.text in OPENING_BRACKETS:
            level += 1


def top_level_positions(tokens: Sequence, text: str, start: int = 0, end: int | None = None) -> Iterator[int]:
    """The positions in tokens[start:end] of the punctuation `text` outside every bracket opened there."""
    return (position for position, token, level in bracket_levels(tokens, start, end)
            if level == 0 and token.text == text)


def argument_ranges(tokens: Sequence, start: int, end: int) -> list[tuple[int, int]]:
    """The (start, end) ranges of the comma-separated arguments in tokens[start:end], a call's parenthesised list
    without its parentheses: none for an empty list."""
    arguments, begin = [], start
    for position in top_level_positions(tokens, ",", start, end):
        arguments.append((begin, position))
        begin = position + 1
    if begin < end or arguments:
        arguments.append((begin, end))
    return arguments


def _where_group_offset(tokens: list[Token], is_construct: bool) -> int | None:
    """The offset just after the `{` opening the outermost WHERE group (a CONSTRUCT's second group when it writes
    no WHERE); None if there is none. A `{` within the SELECT clause's brackets (`(EXISTS { … } AS ?x)`) is not it."""
    opened, after_where = 0, False
    for _, token, level in bracket_levels(tokens):
        if level != 0:
            continue
        if token.kind is TokenKind.WORD and token.text.upper() == "WHERE":
            after_where = True
        elif token.kind is TokenKind.PUNCT and token.text == "{":
            opened += 1
            if after_where or not is_construct or opened == 2:
                return token.offset + 1
    return None


def text_for_display(query: "str | QueryText", bindings: Mapping[str, object]) -> str:
    """A query with its bindings written in as a VALUES block, for a person to read or run elsewhere.

    The "open in editor" links of canned queries and terms, and the benchmark's texts for other engines:
    the editor runs this text as a free query and gets the canned query's rows. Never used to run a bound
    query here (stores take `bindings`).
    """
    return QueryText.of(query).bound(bindings)
