"""Whether a store answers as the snapshot does.

A publish ends with this check, after the triple counts: a server can hold every triple of the snapshot and still
answer wrongly (Virtuoso 7.2 leaves rows out of `<=` comparisons on dates that it reads from its index, which the
remote store translates: README, "Found, and translated"). Each canned query runs with its example values (or its
defaults), and with none where it needs none, on both stores, and so does a range comparison of each property
whose objects are ordered literals (`range_probes`); the answers are compared as multisets of rows (or of
triples). A canned query answered otherwise fails the check; a range comparison counted otherwise is a warning.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import pyoxigraph as ox

from ..errors import NatographError, ParameterError, SnapshotError
from ..snapshot import Snapshot
from ..store import AskResult, EmbeddedStore, GraphResult, QueryLimits, QueryResult, RemoteStore, Store
from ..sparql import read_query
from .canned import CannedQuery, bind_parameters


@dataclass(frozen=True)
class CannedRun:
    """A canned query with the values it runs with."""

    query: CannedQuery
    values: Mapping[str, str] = field(default_factory=dict)

    def label(self) -> str:
        """`name (parameter=value, …)`, or `name (defaults)`."""
        given = ", ".join(f"{name}={value}" for name, value in self.values.items())
        return f"{self.query.name} ({given or 'defaults'})"

    @property
    def text(self) -> str:
        return self.query.text

    def bindings(self, reference: Store) -> dict:
        """The values as the reference binds them (ParameterError when they name nothing it holds)."""
        return bind_parameters(self.query, self.values, reference)


@dataclass(frozen=True)
class RangeProbe:
    """A count of the triples of a property whose objects of one ordered datatype are at most the highest such
    value the snapshot holds there (`range-comparison-count.rq`): every such triple, unless the engine's range
    comparison leaves some out."""

    property: ox.NamedNode
    datatype: ox.NamedNode
    highest: ox.Literal

    def label(self) -> str:
        return f"{self.property} <= {self.highest}"

    @property
    def text(self) -> str:
        return read_query("range-comparison-count.rq")

    def bindings(self, reference: Store) -> dict:
        return {"property": self.property, "datatype": self.datatype, "highest": self.highest}


def range_probes(reference: Store) -> list[RangeProbe]:
    """A RangeProbe for each property and ordered datatype (dates, years, numbers) of the reference's objects."""
    rows = reference.query(read_query("ordered-value-ranges.rq")).rows
    return [RangeProbe(property_, datatype, highest) for property_, datatype, highest in rows]


def canned_runs(catalogue: Mapping[str, CannedQuery]) -> list[CannedRun]:
    """Each canned query with its parameters' examples (or defaults), and again with no values where none is
    required."""
    runs = []
    for query in catalogue.values():
        runs.append(CannedRun(query, {p.name: p.example or p.default for p in query.parameters
                                      if p.example or p.default}))
        if query.parameters and not any(p.required for p in query.parameters):
            runs.append(CannedRun(query, {}))
    return runs


def _term_text(term) -> str:
    # A blank node's label is the store's own: every blank node counts as one and the same.
    return "_:blank" if isinstance(term, ox.BlankNode) else ("" if term is None else str(term))


def answer_multiset(result: QueryResult) -> Counter:
    """A query's answer as a multiset: its rows (or triples) as tuples of N-Triples terms, or its boolean."""
    if isinstance(result, AskResult):
        return Counter([result.value])
    if isinstance(result, GraphResult):
        return Counter((_term_text(t.subject), _term_text(t.predicate), _term_text(t.object)) for t in result.triples)
    return Counter(tuple(_term_text(term) for term in row) for row in result.rows)


@dataclass(frozen=True)
class AnswerDifference:
    """How a store's answer to a canned run differs from the reference's: rows it lacks, rows it adds, or the
    error it gave instead of an answer."""

    run: CannedRun | RangeProbe
    missing: Counter = field(default_factory=Counter)
    extra: Counter = field(default_factory=Counter)
    error: str = ""

    def describe(self) -> str:
        """One line naming the run and the difference, with one missing (or added) row as an example (for a range
        probe, the two counts)."""
        if self.error:
            return f"{self.run.label()}: {self.error}"
        if isinstance(self.run, RangeProbe):
            [(expected,)], [(found,)] = list(self.missing), list(self.extra)
            return f"{self.run.label()}: {_count(found)} triples, {_count(expected)} in the snapshot"
        parts = []
        for rows, what in ((self.missing, "missing"), (self.extra, "not in the snapshot's answer")):
            if rows:
                first = next(iter(rows))
                example = " ".join(first) if isinstance(first, tuple) else str(first).lower()
                parts.append(f"{sum(rows.values())} row(s) {what} (such as: {example})")
        return f"{self.run.label()}: {'; '.join(parts)}"


def _count(term_text: str) -> str:
    return term_text.split('"')[1] if term_text.startswith('"') else term_text


def answer_differences(reference: Store, store: Store, runs: Iterable[CannedRun | RangeProbe],
                       limits: QueryLimits = QueryLimits()) -> tuple[list[AnswerDifference], int]:
    """The runs whose answer from `store` differs from `reference`'s, and how many runs were compared (an answer
    cut at a row limit on either side is not compared, nor a run whose values name nothing the reference holds).
    Values are bound as the reference binds them; both stores answer under `limits` (an error, a time-out
    included, is a difference)."""
    differences, compared = [], 0
    for run in runs:
        try:
            bindings = run.bindings(reference)
        except ParameterError:
            continue
        expected = reference.query(run.text, bindings=bindings, limits=limits)
        try:
            found = store.query(run.text, bindings=bindings, limits=limits)
        except NatographError as error:
            differences.append(AnswerDifference(run, error=str(error)))
            compared += 1
            continue
        if expected.truncated or found.truncated:
            continue
        compared += 1
        expected_rows, found_rows = answer_multiset(expected), answer_multiset(found)
        if expected_rows != found_rows:
            differences.append(AnswerDifference(run, expected_rows - found_rows, found_rows - expected_rows))
    return differences, compared


@dataclass(frozen=True)
class PublishedAnswers:
    """What the check of a published copy found: how many canned runs it compared (all alike, or it raised), and
    the range probes whose counts differ (`range_warnings`, out of `probes`)."""

    compared: int
    probes: int
    range_warnings: list[AnswerDifference]


def check_published_answers(snapshot: Snapshot, server: RemoteStore, catalogue: Mapping[str, CannedQuery],
                            limits: QueryLimits = QueryLimits()) -> PublishedAnswers:
    """Every canned run and range probe asked of the server the snapshot was published to and of the snapshot
    itself, under `limits` (those natograph serves with). A canned run answered otherwise is SnapshotError naming
    each: natograph would serve that answer. A range probe counted otherwise is a warning: the engine compares
    ordered values wrongly where natograph's translation does not reach (queries comparing other than two terms)."""
    reference = EmbeddedStore(snapshot)
    differences, compared = answer_differences(reference, server, canned_runs(catalogue), limits)
    if differences:
        raise SnapshotError(
            f"the SPARQL store at {server.url} holds the snapshot's triples, and now serves "
            f"them, but answers {len(differences)} of {compared} canned-query runs otherwise than the snapshot:\n"
            + "\n".join(f"  {difference.describe()}" for difference in differences))
    probes = range_probes(reference)
    warnings, _ = answer_differences(reference, server, probes, limits)
    return PublishedAnswers(compared, len(probes), warnings)
