"""`natograph check`: consistency, unsatisfiable classes, SHACL shapes and entailment expectations, as one report."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pyoxigraph as ox

from .. import ensure_snapshot
from .clashes import Clash, clash_rules, find_clashes
from ...config import Config
from ...errors import InconsistencyError
from .expectations import evaluate, expectation_files, load_expectations
from ...sparql.explain import Explainer
from ..load import graph_input_files
from ..provenance import SourceIndex
from ..reason import infer
from .satisfiability import find_unsatisfiable
from .shacl import load_shapes, quiet_ill_typed_literals, validate_data
from ...snapshot import CHECK_REPORT, Snapshot, replacing_atomically
from ...snapshot.source_lines import save_source_lines
from ...rdf.terms import compact_triple
from ...vocab import ASSERTED_GRAPH, INFERRED_GRAPH, file_graph_iri



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


@dataclass
class ReasonedGraph:
    """The closure the checks look at: the current snapshot, or (inputs inconsistent) one reasoned in memory."""

    store: ox.Store
    snapshot: Snapshot | None
    reasoner_messages: list[str]


def run_checks(config: Config) -> CheckReport:
    """Run every check on the current inputs; the report is also saved next to the snapshot it checked."""
    sources = SourceIndex.from_files(graph_input_files(config))
    ontology = [lt.triple for lt in sources.located if lt.location.file == config.ontology_file]
    data = [lt.triple for lt in sources.located if lt.location.file != config.ontology_file]
    # owlrl and pySHACL read literals with rdflib, which logs a traceback for each ill-typed one: the
    # consistency check reports those (dt-not-type) with their lines instead.
    with quiet_ill_typed_literals():
        graph = reasoned_graph(config, sources)
        checks = [
            check_consistency(graph, sources),
            check_satisfiability(ontology, config.reasoner),
            check_shapes(config, data, ontology, sources),
            check_entailments(config, graph.store),
        ]
    report = CheckReport(checks, graph.snapshot.key if graph.snapshot else None)
    if graph.snapshot is not None:
        save_report(graph.snapshot, report)
        # The lines GET /explain names: parsing the files for them was done above anyway.
        save_source_lines(graph.snapshot, sources)
    return report


def reasoned_graph(config: Config, sources: SourceIndex) -> ReasonedGraph:
    """The current snapshot (built if needed); if the inputs are inconsistent, their closure in memory instead."""
    try:
        snapshot = ensure_snapshot(config)
    except InconsistencyError:
        return reason_in_memory(sources, reasoner=config.reasoner)
    return ReasonedGraph(snapshot.store, snapshot, [])


def reason_in_memory(sources: SourceIndex, *, reasoner: str) -> ReasonedGraph:
    """The asserted triples and their closure in an in-memory store laid out as a snapshot."""
    asserted = list(dict.fromkeys(sources.triples()))
    inference = infer(asserted, reasoner=reasoner)
    store = ox.Store()
    store.extend(ox.Quad(*lt.triple, ox.NamedNode(file_graph_iri(lt.location.file))) for lt in sources.located)
    store.extend(ox.Quad(*t, ox.NamedNode(ASSERTED_GRAPH)) for t in asserted)
    store.extend(ox.Quad(*t, ox.NamedNode(INFERRED_GRAPH)) for t in inference.triples)
    return ReasonedGraph(store, None, inference.messages)


def check_consistency(graph: ReasonedGraph, sources: SourceIndex) -> CheckResult:
    """OWL-RL clashes in the closure, each triple traced to its file and line (or to the asserted ones it follows from)."""
    clashes = find_clashes(graph.store, reasoner_messages=graph.reasoner_messages, sources=sources)
    trace_inferred(clashes, graph.store, sources)
    rules = len({rule.name for rule in clash_rules()})
    if not clashes:
        return CheckResult("consistency", True, f"consistent: no clash found by {rules} OWL 2 RL clash rules")
    return CheckResult("consistency", False, f"inconsistent: {len(clashes)} clash(es)", clashes)


def trace_inferred(clashes: list[Clash], store: ox.Store, sources: SourceIndex) -> None:
    """Replace "inferred" in a clash's origins by the rules and asserted statements the triple follows from."""
    explainer = Explainer(store, sources=sources)
    for clash in clashes:
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
                clash.origins[key] = [traced if o == "inferred" else o for o in origins]


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


def save_report(snapshot: Snapshot, report: CheckReport) -> None:
    """Write the report next to the snapshot it checked, atomically, for `GET /check`."""
    payload = {**report.to_dict(), "checked": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    with replacing_atomically(snapshot.path / CHECK_REPORT) as temporary:
        temporary.write_text(json.dumps(payload, indent=2), encoding="utf-8")


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
