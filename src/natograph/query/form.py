"""The form of a reviewed query text (a canned query, natograph's own): SELECT, ASK, CONSTRUCT or DESCRIBE, an
update refused.

Never used to judge a user's text: what a free query is, and whether it may run, is the engine's to say
(store/, query/sandbox.py).
"""

from __future__ import annotations

from ..errors import QueryRefusedError
from ..formats import ResultKind
from ..sparql.text import QueryForm, QueryText
from ..store import UPDATE_REFUSAL


def query_form(query: QueryText) -> QueryForm:
    """The form of a reviewed query text; an update is refused with QueryRefusedError."""
    if query.is_update:
        token = query.form_token
        raise QueryRefusedError(f"{UPDATE_REFUSAL} ({token.text!r} at line {token.line}, column {token.column})")
    return query.form


def result_kind_of(form: QueryForm) -> ResultKind:
    """A graph for CONSTRUCT and DESCRIBE, solutions (bindings or a boolean) for SELECT and ASK."""
    return ResultKind.GRAPH if form.gives_graph else ResultKind.SOLUTIONS
