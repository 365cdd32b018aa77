"""Checks benchmark: `natograph check`, check by check, and `natograph explain`; pySHACL as SHACL's peer.

Runs on the benchmark projects (projects.py: generated data, the real ontology, `ontology/shapes.ttl` and
`checks/*.trig`; the expectations name the real data's resources, so most fail here, which costs what
passing costs). Each size is measured in a child process:

- **natograph**: the steps of `natograph check` on the built snapshot, as `check_report.check_graph` runs
  them: the source index (every input parsed statement by statement, for file:line provenance), then
  each check; medians of `runs` runs. Then `natograph explain` of up to 500 inferred triples spread
  over the inferred graph: the median and 95th percentile per explanation.
- **pySHACL**: `pyshacl.validate` on rdflib graphs of the same files (rdflib's own Turtle parser), with
  the options natograph gave it (no inference, SHACL Advanced Features for the SPARQL targets): the
  engine `natograph check` used before its shapes were compiled to SPARQL. One run, at 10k triples and
  below (129 s at 100k, 2026-11-24). Both must find the same number of results.
"""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import sys
import time

from projects import ensure_project

EXPLANATIONS = 500
PYSHACL_MAX_TRIPLES = 10_000
CHILD_TIMEOUT_S = 1800


def measure_checks(sizes: list[str], runs: int, *, log=sys.stderr) -> list[dict]:
    """One row per size, engine and measure (a check, the source index, explain): median seconds and details."""
    from projects import SIZES

    rows = []
    for size in sizes:
        ensure_project(size, log=log)
        peer = SIZES[size] <= PYSHACL_MAX_TRIPLES
        print(f"  checks: natograph check at {size} triples, {runs} run(s)"
              f"{', then pySHACL' if peer else ''} …", file=log, flush=True)
        command = [sys.executable, __file__, "--child", size, str(runs), "peer" if peer else "alone"]
        child = subprocess.run(command, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
        if child.returncode != 0:
            rows.append({"benchmark": "checks", "size": size, "engine": "natograph",
                         "status": f"failed: {child.stderr.strip().splitlines()[-1:]}"})
            continue
        rows += json.loads(child.stdout)
        if not peer:
            rows.append({"benchmark": "checks", "size": size, "engine": "pySHACL", "measure": "shacl",
                         "status": f"not run above {PYSHACL_MAX_TRIPLES:,} triples"})
    return rows


def child_main(size: str, runs: int, peer: bool) -> list[dict]:
    """In the child: time each step of `natograph check` and the explanations (and pySHACL); the rows."""
    logging.disable(logging.WARNING)
    from natograph.build.check import report as check_report
    from natograph.config import Config
    from natograph.build.load import graph_input_files
    from natograph.build.provenance import SourceIndex
    from natograph.snapshot import open_snapshot

    project = ensure_project(size)
    config = Config.load(root=project.root)
    snapshot = open_snapshot(config)
    samples: dict[str, list[float]] = {}
    results = {}

    def timed(name: str, function, *args):
        started = time.perf_counter()
        result = function(*args)
        samples.setdefault(name, []).append(time.perf_counter() - started)
        return result

    for _ in range(runs):
        sources = timed("source index", SourceIndex.from_files, graph_input_files(config))
        data, ontology = check_report.shapes_inputs(config, snapshot.store, sources)
        # A snapshot is committed only when its build found no clash: the reasoner's records are none.
        results["consistency"] = timed("consistency", check_report.check_consistency, snapshot.store, [], sources)
        results["unsatisfiable-classes"] = timed("unsatisfiable-classes", check_report.check_satisfiability,
                                                 ontology, config.reasoner)
        results["shacl"] = timed("shacl", check_report.check_shapes, config, data, ontology, sources)
        results["entailments"] = timed("entailments", check_report.check_entailments, config, snapshot.store)
        results["provenance"] = timed("provenance", check_report.check_provenance, snapshot.store, sources)
    rows = [{"benchmark": "checks", "size": size, "engine": "natograph", "measure": name,
             "seconds": statistics.median(values), "samples": values,
             **({"summary": results[name].summary, "findings": len(results[name].findings)} if name in results else {})}
            for name, values in samples.items()]
    rows.append({"benchmark": "checks", "size": size, "engine": "natograph", "measure": "all checks",
                 "seconds": sum(row["seconds"] for row in rows)})
    rows.append(measure_explanations(size, snapshot, sources))
    if peer:
        rows.append(measure_pyshacl(size, config))
    return rows


def measure_explanations(size: str, snapshot, sources) -> dict:
    """`natograph explain` of inferred triples spread over the inferred graph: per-explanation times."""
    import pyoxigraph as ox

    from natograph.sparql.explain import Explainer
    from natograph.vocab import INFERRED_GRAPH

    inferred = [q.triple for q in snapshot.store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED_GRAPH))]
    sample = inferred[:: max(1, len(inferred) // EXPLANATIONS)][:EXPLANATIONS]
    seconds, unexplained = [], 0
    for triple in sample:
        started = time.perf_counter()
        explanation = Explainer(snapshot.store, sources=sources).explain(triple)
        seconds.append(time.perf_counter() - started)
        unexplained += explanation.rule is None
    ordered = sorted(seconds)
    return {"benchmark": "checks", "size": size, "engine": "natograph", "measure": "explain",
            "seconds": statistics.median(seconds), "p95_seconds": ordered[int(0.95 * (len(ordered) - 1))],
            "explained": len(sample), "unexplained": unexplained}


def measure_pyshacl(size: str, config) -> dict:
    """pySHACL on rdflib graphs parsed from the same files, as natograph called it before compiling its shapes."""
    from pyshacl import validate
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    started = time.perf_counter()
    data = Graph()
    for path in sorted(config.data_path.glob("*.ttl")):
        data.parse(path, format="turtle")
    ontology = Graph().parse(config.ontology_path, format="turtle")
    shapes = Graph().parse(config.shapes_path, format="turtle")
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    conforms, report, _ = validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True,
                                   allow_warnings=True)
    seconds = time.perf_counter() - started
    nested = set(report.objects(None, SH.detail))
    found = [r for r in report.subjects(RDF.type, SH.ValidationResult) if r not in nested]
    return {"benchmark": "checks", "size": size, "engine": "pySHACL", "measure": "shacl", "seconds": seconds,
            "parse_seconds": parse_seconds, "findings": len(found), "conforms": bool(conforms)}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child_main(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "peer")))
    else:
        for row in measure_checks(sys.argv[1:] or ["10k"], 3):
            print(json.dumps({k: v for k, v in row.items() if k != "samples"}))
