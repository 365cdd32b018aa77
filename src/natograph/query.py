"""Free SPARQL: what kind of query a text is, and refusing what must never run (updates, SERVICE calls)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Iterator

from .errors import PayloadTooLargeError, QueryRefusedError
from .export import ResultKind
from .vocab import PREFIXES


class QueryForm(Enum):
    """The form of a SPARQL query, as its first keyword after the prologue says."""

    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"
    UNKNOWN = "UNKNOWN"

    @property
    def result_kind(self) -> ResultKind:
        """Bindings/boolean for SELECT and ASK (and an unknown form), a graph for CONSTRUCT and DESCRIBE."""
        return ResultKind.GRAPH if self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE) else ResultKind.SOLUTIONS


class TokenKind(Enum):
    """The lexical classes the safety check distinguishes."""

    WORD = "word"  # keywords, prefixed names, blank node labels, numbers, `a`
    IRI = "iri"
    STRING = "string"
    VARIABLE = "variable"
    LANGTAG = "langtag"
    PUNCT = "punct"


@dataclass(frozen=True)
class Token:
    """One token of a query, with its 1-based line and column."""

    kind: TokenKind
    text: str
    line: int
    column: int


@dataclass(frozen=True)
class FreeQuery:
    """A query accepted for evaluation: its text, its form and whether it names its own dataset (FROM)."""

    text: str
    form: QueryForm
    declares_dataset: bool


UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
FORM_KEYWORDS = tuple(form.value for form in QueryForm if form is not QueryForm.UNKNOWN)
UPDATE_REFUSAL = (
    "SPARQL Update is not accepted here: the graph is built from the project's Turtle files, "
    "which are its only source of truth; edit them and rebuild"
)
SERVICE_REFUSAL = (
    "federated queries (SERVICE) are not accepted: this endpoint never opens network connections"
)

_WHITESPACE = re.compile(r"\s+")
_IRI = re.compile(r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>")
# Name characters of the SPARQL grammar (VARNAME's; PN_CHARS adds "-"), less any Unicode whitespace among them.
_VARIABLE_CHARS = (
    r"A-Za-z0-9_\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C\u200D"
    r"\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
)
_NAME_CHAR = rf"(?:(?!\s)[{_VARIABLE_CHARS}\-])"
_VARIABLE = re.compile(rf"[?$](?:(?!\s)[{_VARIABLE_CHARS}])+")
_LANGTAG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_NUMBER = re.compile(r"\d+\.\d*[eE][+-]?\d+|\.\d+[eE][+-]?\d+|\d+[eE][+-]?\d+|\d*\.\d+|\d+")
# A keyword, prefixed name or blank node label; dots only inside (a final dot ends the triple).
_WORD_PART = rf"(?:{_NAME_CHAR}|:|%[0-9A-Fa-f]{{2}}|\\[-_~.!$&'()*+,;=/?#@%])"
_WORD = re.compile(rf"{_WORD_PART}+(?:\.+{_WORD_PART}+)*")
_COMMENT_END = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def tokenize(text: str) -> Iterator[Token]:
    """The tokens of a SPARQL text, with comments and whitespace left out.

    Strings, IRIs and comments are recognised exactly as the SPARQL grammar delimits them, so that a
    keyword inside one of them is never taken for code, and no code is ever taken for one of them.
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
            yield Token(TokenKind.STRING, text[start:position], line, start - line_start + 1)
        elif char == "<" and (match := _IRI.match(text, position)):
            position = match.end()
            yield Token(TokenKind.IRI, match.group(), line, start - line_start + 1)
        elif char in "?$" and (match := _VARIABLE.match(text, position)):
            position = match.end()
            yield Token(TokenKind.VARIABLE, match.group(), line, start - line_start + 1)
        elif char == "@" and (match := _LANGTAG.match(text, position)):
            position = match.end()
            yield Token(TokenKind.LANGTAG, match.group(), line, start - line_start + 1)
        elif (char.isdigit() or char == ".") and (match := _NUMBER.match(text, position)):
            position = match.end()
            yield Token(TokenKind.WORD, match.group(), line, start - line_start + 1)
        elif match := _WORD.match(text, position):
            position = match.end()
            yield Token(TokenKind.WORD, match.group(), line, start - line_start + 1)
        else:
            position += 1
            yield Token(TokenKind.PUNCT, char, line, start - line_start + 1)
        for index in _newlines(text, start, position):
            line, line_start = line + 1, index + 1


def _line_end(text: str, position: int) -> int:
    # Ends a comment at any line-breaking character, so a comment never hides more than the parser's does.
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


def inspect_query(text: str, *, max_bytes: int | None = None, predeclared_prefixes: Iterable[str] = PREFIXES) -> FreeQuery:
    """Classify a free query and refuse it if it is too long, an update, or calls a SERVICE.

    `predeclared_prefixes` are the prefixes the store declares for every query (natograph's own).
    """
    size = len(text.encode("utf-8"))
    if max_bytes is not None and size > max_bytes:
        raise PayloadTooLargeError(f"the query is {size} bytes, more than the limit of {max_bytes} bytes", max_bytes)
    tokens = list(tokenize(text))
    declared = _declared_prefixes(tokens) | set(predeclared_prefixes)
    for token in tokens:
        if token.kind in (TokenKind.WORD, TokenKind.LANGTAG) and _may_call_service(token.text, declared):
            raise QueryRefusedError(f"{SERVICE_REFUSAL} ({token.text!r} at line {token.line}, column {token.column})")
    form = _form(tokens)
    declares_dataset = any(t.kind is TokenKind.WORD and t.text.upper().startswith("FROM") for t in tokens)
    return FreeQuery(text, form, declares_dataset)


def _declared_prefixes(tokens: list[Token]) -> set[str]:
    return {
        following.text[:-1]
        for token, following in zip(tokens, tokens[1:])
        if token.kind is TokenKind.WORD and token.text.upper() == "PREFIX" and following.text.endswith(":")
    }


def _may_call_service(word: str, declared_prefixes: set[str]) -> bool:
    # Oxigraph's parser matches keywords without a word boundary and backtracks out of prefixed
    # names whose prefix is undeclared: `a1SERVICE<…>{…}` is `a 1 SERVICE <…> {…}`, and
    # `true.SERVICE:x {…}` is `true . SERVICE :x {…}`. So the keyword anywhere in a word counts,
    # except in the local part of a prefixed name whose prefix the query declares (it is read whole).
    prefix, colon, _ = word.partition(":")
    if colon and prefix in declared_prefixes and "SERVICE" not in prefix.upper():
        return False
    return "SERVICE" in word.upper()


def _form(tokens: list[Token]) -> QueryForm:
    index = 0
    while index < len(tokens):
        token = tokens[index]
        word = token.text.upper() if token.kind is TokenKind.WORD else ""
        if word == "BASE":
            index += 2
        elif word == "PREFIX":
            index += 3
        elif word.startswith(FORM_KEYWORDS):
            return next(QueryForm(k) for k in FORM_KEYWORDS if word.startswith(k))
        elif word.startswith(UPDATE_KEYWORDS):
            raise QueryRefusedError(f"{UPDATE_REFUSAL} ({token.text!r} at line {token.line}, column {token.column})")
        else:
            return QueryForm.UNKNOWN
    return QueryForm.UNKNOWN


def refuse_update() -> QueryRefusedError:
    """The error for an update sent with the protocol's `update` parameter or as application/sparql-update."""
    return QueryRefusedError(UPDATE_REFUSAL)
