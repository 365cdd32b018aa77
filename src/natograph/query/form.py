"""The form of a reviewed query text (a canned query, natograph's own): SELECT, ASK, CONSTRUCT or DESCRIBE.

Never used to judge a user's text: what a free query is, and whether it may run, is the engine's to say
(store.py, sandbox.py).
"""

from __future__ import annotations

from enum import Enum

from ..errors import QueryRefusedError
from ..formats import ResultKind
from ..sparql.text import Token, TokenKind
from ..store import UPDATE_REFUSAL


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


UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
FORM_KEYWORDS = tuple(form.value for form in QueryForm if form is not QueryForm.UNKNOWN)


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

