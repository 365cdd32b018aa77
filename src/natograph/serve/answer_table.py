"""A query answer as a page shows it: a header and rows of terms, IRIs with their labels (for the canned-query pages)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pyoxigraph as ox

from ..query.describe import labels_of as describe_labels
from ..formats import OXIGRAPH_RDF_FORMAT, Format, ResultKind
from .links import TermView, term_view
from .state import current_state
from .views import document_line_href

# The page shows at most this many rows; the downloads have them all.
SHOWN_ROWS = 1000
ANSWER_FORMATS = {"solutions": Format.SPARQL_JSON, "graph": Format.N_TRIPLES}


@dataclass(frozen=True)
class AnswerTable:
    """The columns and rows of an answer (None for an unbound cell); `boolean` for an ASK answer instead."""

    columns: tuple[str, ...]
    rows: tuple[tuple[TermView | None, ...], ...]
    total: int
    boolean: bool | None = None
    # The id of each row on the page: the first row of each line of a document gets `line-N` (None elsewhere).
    anchors: tuple[str | None, ...] = ()

    @property
    def shown_columns(self) -> tuple[int, ...]:
        """The positions of the columns with a value in some row the page shows: a column empty in every row (an
        end date no member has) is named under the table instead of taking its width."""
        return tuple(position for position in range(len(self.columns))
                     if any(row[position] is not None for row in self.rows))

    @property
    def empty_columns(self) -> tuple[str, ...]:
        """The names of the columns without a value in any row the page shows."""
        shown = set(self.shown_columns)
        return tuple(name for position, name in enumerate(self.columns) if position not in shown)

    @property
    def cut(self) -> bool:
        """Whether the page shows fewer rows than the answer has."""
        return self.total > len(self.rows)


def answer_table(body: bytes, fmt: Format) -> AnswerTable:
    """The answer body (SPARQL JSON for solutions; a graph in N-Triples or Turtle) as a table of labelled terms."""
    if fmt.kind is ResultKind.GRAPH:
        triples = list(ox.parse(body, format=OXIGRAPH_RDF_FORMAT[fmt]))
        columns = ("subject", "predicate", "object")
        raw_rows = [(t.subject, t.predicate, t.object) for t in triples]
    else:
        parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean):
            return AnswerTable((), (), 0, boolean=bool(parsed))
        columns = tuple(variable.value for variable in parsed.variables)
        raw_rows = [tuple(solution[name] for name in columns) for solution in parsed]
    shown = raw_rows[:SHOWN_ROWS]
    labels = labels_of({term for row in shown for term in row if isinstance(term, ox.NamedNode)})
    rows = [[term_view(term, labels) if term is not None else None for term in row] for row in shown]
    for line, source in line_columns(columns):
        for raw, row in zip(shown, rows):
            if isinstance(raw[source], ox.NamedNode) and isinstance(raw[line], ox.Literal) and raw[line].value.isdigit():
                row[line] = replace(row[line], href=document_line_href(raw[source].value, int(raw[line].value)),
                                    title=f"line {raw[line].value} of {labels.get(raw[source].value, raw[source].value)}")
    return AnswerTable(columns, tuple(map(tuple, rows)), len(raw_rows), anchors=line_anchors(columns, shown))


def line_columns(columns: tuple[str, ...]) -> list[tuple[int, int]]:
    """(line, source) column positions: `line` beside `source`, `<x>Line` beside `<x>Source`, whose cells name a
    line of a document (the canned queries' convention), so that the page links each line to where it is listed."""
    pairs = []
    for position, name in enumerate(columns):
        if name == "line" or name.endswith("Line"):
            source = name[:-4] + ("Source" if name != "line" else "source")
            if source in columns:
                pairs.append((position, columns.index(source)))
    return pairs


def line_anchors(columns: tuple[str, ...], rows: list[tuple]) -> tuple[str | None, ...]:
    """`line-N` for the first row of each value of a `line` column, so that a page can link to a document's line."""
    if "line" not in columns:
        return ()
    position, seen, anchors = columns.index("line"), set(), []
    for row in rows:
        line = row[position]
        anchor = f"line-{line.value}" if isinstance(line, ox.Literal) and line.value.isdigit() else None
        anchors.append(anchor if anchor not in seen else None)
        seen.add(anchor)
    return tuple(anchors)


def labels_of(iris: set[ox.NamedNode]) -> dict[str, str]:
    """The label of each of these IRIs that has one in the served graph (an English or plain one preferred)."""
    return describe_labels(current_state().store, iris)
