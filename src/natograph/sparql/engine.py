"""Asking Oxigraph about a text from outside: on a stack deep enough for it, and, outside a query worker, never running it.

Oxigraph's parser and evaluator recurse once per level of a query's nesting: on a thread's usual 8 MiB stack, a
text of a few thousand nested groups (`{{{…}}}`, under 8 KiB) overflows it, and the whole process dies with a
segmentation fault. Every call that gives Oxigraph a text from outside goes through `engine_call`, which runs it
on a thread with a stack of QUERY_STACK_BYTES when the text may nest deeply; the query workers run on one from
the start (`on_deep_stack`).

pyoxigraph has no parser alone: preparing a text on an empty store evaluates much of it at once (an ASK, an
aggregate, ORDER BY, MINUS: a VALUES product of millions of rows), which in the server's own process would run
with no time limit. `check_parses` asks the parser only: a substitution of a variable the text does not project
is refused after the parse and before any evaluation (tests/sparql/test_engine.py pins that).
"""

from __future__ import annotations

import threading
from typing import Callable, TypeVar

import pyoxigraph as ox

from ..vocab import PREFIXES
from .text import QueryText

T = TypeVar("T")

# Deep enough for any text the query size limits admit (a 64 KiB text of `{` is 32,000 levels).
QUERY_STACK_BYTES = 256 * 1024 * 1024
# A text with at most this many opening brackets cannot nest deeper than the usual stack holds (about 3,000
# levels overflow 8 MiB): it runs where it is, without a thread of its own.
SHALLOW_BRACKETS = 256

_thread = threading.local()


def engine_call(text: str, call: Callable[[], T]) -> T:
    """`call()`, an Oxigraph parse or evaluation of `text`, on a stack deep enough for the text's nesting."""
    if text.count("{") + text.count("(") + text.count("[") <= SHALLOW_BRACKETS:
        return call()
    return on_deep_stack(call)


def on_deep_stack(call: Callable[[], T]) -> T:
    """`call()` on a thread with a stack of QUERY_STACK_BYTES (this one, if it has one), its result or its exception."""
    if getattr(_thread, "deep", False):
        return call()
    outcome: list = []

    def run() -> None:
        _thread.deep = True
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread as it is
            outcome.append((False, exc))

    # The stack size is the process's setting for threads started from now on: set for this one thread only.
    previous = threading.stack_size(QUERY_STACK_BYTES)
    try:
        thread = threading.Thread(target=run, name="natograph-deep-stack")
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    succeeded, value = outcome[0]
    if succeeded:
        return value
    raise value


def check_parses(query: QueryText, base_iri: str | None = None) -> None:
    """Raise Oxigraph's SyntaxError (with its line and column) if `query` is not a query it reads; run nothing."""
    probe = "natograph_parse_probe"
    while probe in query.variables:
        probe += "_"
    try:
        engine_call(query.text, lambda: ox.Store().query(
            query.text, prefixes=PREFIXES, base_iri=base_iri, substitutions={ox.Variable(probe): ox.Literal(0)}))
    except RuntimeError:
        pass  # the substitution refused: the text parsed
