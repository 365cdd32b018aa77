"""`natograph check`: consistency, unsatisfiable classes, SHACL shapes and entailment expectations, as one report."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox

from .clashes import Clash, find_clashes
from .coverage import provenance_findings
from ...config import Config
from ...errors import InconsistencyError
from .expectations import evaluate, expectation_files, load_expectations
from ...sparql.explain import Explainer
from ..load import graph_input_files
from ..provenance import SourceIndex
from ..reasoner import CLASH_RULES, ReasonerClash
from .satisfiability import find_unsatisfiable
from .shacl import load_shapes, quiet_ill_typed_literals, validate_data
from ...snapshot import CHECK_REPORT, open_snapshot
from ...rdf.terms import compact_triple
from ...vocab import ASSERTED_GRAPH, NATO



@dataclass
class CheckResult:
    """One check: whether it passed, a one-line summary, and its findings (each with describe/to_dict)."""

    name: str
    passed: bool
    summary: str
    findings: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "summary": self.summary,
                "findings": [f.to_dict() for f in self.findings]}


@dataclass
class CheckReport:
    """Every check of one set of inputs; `snapshot` is the key of the snapshot checked (None if inconsistent)."""

    checks: list[CheckResult]
    snapshot: str | None

    @property
    def conforms(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def exit_code(self) -> int:
        """0 when every check passes, 1 when any has findings (as pySHACL's command line)."""
        return 0 if self.conforms else 1

    def to_dict(self) -> dict:
        return {"conforms": self.conforms, "snapshot": self.snapshot, "checks": [c.to_dict() for c in self.checks]}

    @property
    def clashes(self) -> list:
        """The consistency check's clashes (none when the graph is consistent)."""
        return next((c.findings for c in self.checks if c.name == "consistency"), [])


def check_graph(config: Config, store: ox.Store, sources: SourceIndex, *, clash_records: list[ReasonerClash],
                snapshot_key: str) -> CheckReport:
    """Every check of a reasoned graph laid out as a snapshot (the build's, before it is committed).

    `sources` locates each asserted triple (file:line); `clash_records` are the reasoner's.
    """
    data, ontology = shapes_inputs(config, store, sources)
    # owlrl and pySHACL read literals with rdflib, which logs a traceback for each ill-typed one: the
    # consistency check reports those (dt-not-type) with their lines instead.
    with quiet_ill_typed_literals():
        checks = [
            check_consistency(store, clash_records, sources),
            check_satisfiability(ontology, config.reasoner),
            check_shapes(config, data, ontology, sources),
            check_entailments(config, store),
            check_provenance(store, sources),
        ]
    return CheckReport(checks, snapshot_key if checks[0].passed else None)


def shapes_inputs(config: Config, store: ox.Store, sources: SourceIndex) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """(data, ontology): the asserted triples the SHACL shapes and the satisfiability check read."""
    ontology = [lt.triple for lt in sources.located if lt.location.file == config.ontology_file]
    # Each subject's nato:source is derived from the statement graphs (build/statements.py), so no file states it.
    derived = [q.triple for q in store.quads_for_pattern(None, ox.NamedNode(NATO.source), None,
                                                         ox.NamedNode(ASSERTED_GRAPH))]
    data = list(dict.fromkeys([lt.triple for lt in sources.located if lt.location.file != config.ontology_file]
                              + derived))
    return data, ontology


@dataclass(frozen=True)
class SavedFinding:
    """A finding read back from a snapshot's check report: its record and its description, as the check made them."""

    record: dict
    description: str

    def describe(self) -> str:
        return self.description

    def to_dict(self) -> dict:
        return dict(self.record)


def run_checks(config: Config) -> CheckReport:
    """`natograph check`: build the inputs (or reuse their snapshot) and give the report the build made.

    A fresh build's report is the one it made; a reused snapshot's is the one its build saved in it (what the
    checks read is an input of the snapshot key, so it cannot have changed); inputs that are inconsistent get
    their whole report from the failed build. Only a snapshot of an older natograph, without a readable report,
    is checked again here (nothing is written into it).
    """
    from .. import build  # the orchestrator runs the checks; this is its face for `natograph check`

    try:
        result = build(config)
    except InconsistencyError as exc:
        if exc.report is None:
            raise
        return exc.report
    if result.report is not None:
        return result.report
    saved = read_report(config.snapshots_path / result.key)
    if saved is not None:
        return saved
    snapshot = open_snapshot(config, result.key)
    sources = SourceIndex.from_files(graph_input_files(config))
    # No clash records: a snapshot is committed only when its build found no clash.
    return check_graph(config, snapshot.store, sources, clash_records=[], snapshot_key=result.key)


def check_provenance(store: ox.Store, sources: SourceIndex) -> CheckResult:
    """Every statement about the world held by the statement graph of a source; each document's coverage."""
    found = provenance_findings(store, sources)
    if found is None:
        return CheckResult("provenance", True, "skipped: the data has no statement graphs")
    unstated, coverage = found
    statements = sum(c.statements for c in coverage)
    summary = (f"{len(unstated)} statement(s) that no source states" if unstated else
               f"every statement has its source; {statements} statements from {len(coverage)} documents")
    return CheckResult("provenance", not unstated, summary, [*unstated, *coverage])


def check_consistency(store: ox.Store, clash_records: list[ReasonerClash], sources: SourceIndex) -> CheckResult:
    """The reasoner's clashes, each triple traced to its file and line (or to the asserted ones it follows from)."""
    clashes = trace_inferred(find_clashes(store, clash_records, sources=sources), store, sources)
    rules = len(CLASH_RULES)
    if not clashes:
        return CheckResult("consistency", True, f"consistent: no clash found by {rules} OWL 2 RL clash rules")
    return CheckResult("consistency", False, f"inconsistent: {len(clashes)} clash(es)", clashes)


def trace_inferred(clashes: list[Clash], store: ox.Store, sources: SourceIndex) -> list[Clash]:
    """The clashes, each "inferred" in their origins replaced by the rules and asserted statements the triple
    follows from."""
    explainer = Explainer(store, sources=sources)
    return [replace(clash, origins=_traced_origins(clash, explainer)) for clash in clashes]


def _traced_origins(clash: Clash, explainer: Explainer) -> dict[str, list[str]]:
    traced_origins = dict(clash.origins)
    for triple in clash.triples:
        key = compact_triple(triple)
        origins = clash.origins.get(key, [])
        if "inferred" not in origins:
            continue
        explanation = explainer.explain(triple)
        rules = list(dict.fromkeys(_rules_in(explanation)))
        leaves = sorted({str(loc) for leaf in explanation.leaves() for loc in leaf.sources})
        if rules:
            traced = f"inferred by {', '.join(rules)} from {', '.join(leaves)}"
            traced_origins[key] = [traced if o == "inferred" else o for o in origins]
    return traced_origins


def _rules_in(explanation) -> list[str]:
    names = [explanation.rule] if explanation.rule else []
    return names + [name for premise in explanation.premises for name in _rules_in(premise)]


def check_satisfiability(ontology: list[ox.Triple], reasoner: str) -> CheckResult:
    """Classes a fresh instance of which clashes under OWL-RL reasoning over the ontology."""
    result = find_unsatisfiable(ontology, reasoner=reasoner)
    name = "unsatisfiable-classes"
    if result.ontology_clashes:
        return CheckResult(name, False, "the ontology alone is inconsistent, so no class can be tested",
                           result.ontology_clashes)
    if result.unsatisfiable:
        return CheckResult(name, False, f"{len(result.unsatisfiable)} of {len(result.classes)} classes unsatisfiable",
                           result.unsatisfiable)
    return CheckResult(name, True, f"all {len(result.classes)} classes satisfiable ({result.closures} closures)")


def check_shapes(config: Config, data: list[ox.Triple], ontology: list[ox.Triple], sources: SourceIndex) -> CheckResult:
    """SHACL validation of the asserted data against ontology/shapes.ttl."""
    if not config.shapes_path.is_file():
        return CheckResult("shacl", True, f"skipped: no {config.shapes_file}")
    shapes = load_shapes(config.shapes_path, config.shapes_file)
    outcome = validate_data(data, ontology, shapes, sources=sources)
    violations = outcome.violations
    others = len(outcome.results) - len(violations)
    extra = f", {others} warning(s) or note(s)" if others else ""
    if violations:
        summary = f"{len(violations)} violation(s) of {outcome.shapes} shapes{extra}"
    else:
        summary = f"the data conforms to {outcome.shapes} shapes{extra}"
    return CheckResult("shacl", not violations, summary, outcome.results)


def check_entailments(config: Config, store: ox.Store) -> CheckResult:
    """The must-entail and must-not-entail expectations of checks/*.trig, against the closure."""
    files = expectation_files(config.checks_path, config.root)
    if not files:
        return CheckResult("entailments", True, f"skipped: no {config.checks_dir}/*.trig files")
    results = evaluate(store, load_expectations(files))
    failed = [r for r in results if not r.passed]
    where = f"in {len(files)} file(s)"
    if failed:
        return CheckResult("entailments", False, f"{len(failed)} of {len(results)} expectations {where} fail", failed)
    return CheckResult("entailments", True, f"all {len(results)} expectations {where} hold")


# The key of a saved finding's description (`describe()`), which `natograph check` prints for a reused snapshot.
DESCRIPTION_KEY = "description"


def write_report(directory: Path, report: CheckReport) -> None:
    """Write the report into a snapshot's directory before it is committed, for `GET /check` and `natograph check`."""
    payload = {**report.to_dict(), "checked": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    for check, saved in zip(report.checks, payload["checks"]):
        for finding, record in zip(check.findings, saved["findings"]):
            record[DESCRIPTION_KEY] = finding.describe()
    (directory / CHECK_REPORT).write_text(json.dumps(payload, indent=2), encoding="utf-8")


def read_report(directory: Path) -> CheckReport | None:
    """The report saved in a snapshot's directory by its build; None if there is none that reads back whole
    (a snapshot of an older natograph)."""
    try:
        payload = json.loads((directory / CHECK_REPORT).read_text(encoding="utf-8"))
        checks = [CheckResult(check["name"], check["passed"], check["summary"],
                              [SavedFinding({k: v for k, v in record.items() if k != DESCRIPTION_KEY},
                                            record[DESCRIPTION_KEY]) for record in check["findings"]])
                  for check in payload["checks"]]
        return CheckReport(checks, payload["snapshot"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def format_text(report: CheckReport) -> str:
    """The report for the terminal: a summary line per check, then the findings of each check."""
    subject = f"snapshot {report.snapshot}" if report.snapshot else "the current inputs (inconsistent: no snapshot)"
    verdict = "every check passes" if report.conforms else "FAILED"
    lines = [f"natograph check of {subject}: {verdict}"]
    lines += [f"  {'PASS' if c.passed else 'FAIL'}  {c.name:<22} {c.summary}" for c in report.checks]
    for check in report.checks:
        if check.findings:
            lines += ["", f"{check.name}:"]
            for finding in check.findings:
                lines += ["  " + line for line in finding.describe().splitlines()]
    return "\n".join(lines)
