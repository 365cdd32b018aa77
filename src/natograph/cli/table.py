"""Plain-text tables of SELECT results for the terminal."""

from __future__ import annotations

import pyoxigraph as ox

from ..store import SelectResult
from ..rdf.terms import compact

MAX_CELL = 60


def render_table(result: SelectResult, *, labels: dict[str, str] | None = None) -> str:
    """An aligned text table of a SELECT result, with a row count (and a note if truncated).

    Cells are RDF terms in short form (`"3500"^^xsd:integer`, `natoid:kfor`); given `labels`, they are what a
    reader wants: a literal's value (`3500`), an IRI's label (its short form when it has none).
    """
    cell = _cell if labels is None else (lambda term: _readable_cell(term, labels))
    cells = [[cell(term) for term in row] for row in result.rows]
    widths = [len(v) for v in result.variables]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(result.variables, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    footer = f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"
    footer += ", truncated at the row limit)" if result.truncated else ")"
    return "\n".join(lines + [footer])


def _cell(term) -> str:
    if term is None:
        return ""
    text = term.value if hasattr(term, "language") and not _is_typed(term) else compact(term)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _readable_cell(term, labels: dict[str, str]) -> str:
    if term is None:
        return ""
    if hasattr(term, "language"):
        text = term.value
    elif isinstance(term, ox.NamedNode):
        text = labels.get(term.value) or compact(term)
    else:
        text = compact(term)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _is_typed(term) -> bool:
    datatype = getattr(term, "datatype", None)
    return datatype is not None and not datatype.value.endswith("#string") and not datatype.value.endswith("#langString")
