"""The form of a reviewed query text (a canned query, natograph's own): SELECT, ASK, CONSTRUCT or DESCRIBE.

Never used to judge a user's text: what a free query is, and whether it may run, is the engine's to say
(store/, query/sandbox.py).
"""

from __future__ import annotations

from enum import Enum

from ..errors import QueryRefusedError
from ..formats import ResultKind
from ..sparql.text import QueryText
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


def query_form(query: QueryText) -> QueryForm:
    """The form of a reviewed query text; an update is refused with QueryRefusedError."""
    keyword, token = query.form_keyword, query.form_token
    if query.is_update:
        raise QueryRefusedError(f"{UPDATE_REFUSAL} ({token.text!r} at line {token.line}, column {token.column})")
    return QueryForm(keyword) if keyword is not None else QueryForm.UNKNOWN
