"""Free SPARQL: what kind of query a text is, and refusing what must never run (updates, SERVICE calls)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Iterable

from .errors import PayloadTooLargeError, QueryRefusedError
from .export import ResultKind
from .sparqltext import Token, TokenKind, tokenize
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
    form = query_form(tokens)
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


def query_form(tokens: list[Token]) -> QueryForm:
    """The form of a tokenized query; an update is refused with QueryRefusedError."""
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
