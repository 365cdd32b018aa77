"""Benchmark of `natograph check` and `natograph explain`: seconds per check, and per explanation.

    python bench/checks.py                      # the project's own data
    python bench/checks.py --triples 10000      # bench/generate.py data of that size as the data

Runs in the current environment (natograph installed). Prints a table and writes
bench/out/checks-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
OUT = BENCH / "out"


def project_copy(triples: int | None) -> Path:
    """A temporary project: the real ontology, shapes and checks, and either the real data or generated data."""
    root = Path(tempfile.mkdtemp(prefix="natograph-bench-checks-"))
    for name in ("ontology", "checks"):
        shutil.copytree(REPO_ROOT / name, root / name)
    if triples is None:
        shutil.copytree(REPO_ROOT / "data", root / "data")
    else:
        sys.path.insert(0, str(BENCH))
        from generate import generate, ontology_triples

        (root / "data").mkdir()
        facts = generate(triples)[len(ontology_triples()):]
        with open(root / "data" / "generated.ttl", "wb") as out:
            ox.serialize(facts, out, format=ox.RdfFormat.N_TRIPLES)
    return root


def timed(timings: dict, name: str, function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    timings[name] = round(time.perf_counter() - started, 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, help="generated data of about this many triples instead of data/")
    parser.add_argument("--explanations", type=int, default=500, help="inferred triples to explain (at most)")
    options = parser.parse_args()
    logging.disable(logging.WARNING)

    from natograph import check_report
    from natograph.build import build
    from natograph.config import Config
    from natograph.explain import Explainer
    from natograph.load import graph_input_files
    from natograph.provenance import SourceIndex
    from natograph.snapshot import open_snapshot
    from natograph.vocab import INFERRED_GRAPH

    root = project_copy(options.triples)
    config = Config.load(root=root)
    timings: dict[str, float] = {}
    try:
        timed(timings, "build", build, config)
        snapshot = open_snapshot(config)
        sources = timed(timings, "source index (parse by statement)", SourceIndex.from_files, graph_input_files(config))
        graph = check_report.ReasonedGraph(snapshot.store, snapshot, [])
        ontology = [lt.triple for lt in sources.located if lt.location.file == config.ontology_file]
        data = [lt.triple for lt in sources.located if lt.location.file != config.ontology_file]
        results = {
            "consistency": timed(timings, "consistency", check_report.check_consistency, graph, sources),
            "unsatisfiable-classes": timed(timings, "unsatisfiable-classes", check_report.check_satisfiability,
                                           ontology, config.reasoner),
            "shacl": timed(timings, "shacl", check_report.check_shapes, config, data, ontology, sources),
            "entailments": timed(timings, "entailments", check_report.check_entailments, config, snapshot.store),
        }
        inferred = [q.triple for q in snapshot.store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED_GRAPH))]
        sample = inferred[:: max(1, len(inferred) // options.explanations)][: options.explanations]
        seconds, unexplained = [], 0
        for triple in sample:
            started = time.perf_counter()
            explanation = Explainer(snapshot.store, sources=sources).explain(triple)
            seconds.append(time.perf_counter() - started)
            unexplained += explanation.rule is None
    finally:
        shutil.rmtree(root, ignore_errors=True)

    counts = snapshot.manifest["counts"]
    report = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "data": "data/" if options.triples is None else f"generated {options.triples}",
        "counts": counts,
        "timings_seconds": timings,
        "summaries": {name: result.summary for name, result in results.items()},
        "explain": {
            "explained": len(sample),
            "unexplained": unexplained,
            "median_ms": round(statistics.median(seconds) * 1000, 2) if seconds else None,
            "p95_ms": round(sorted(seconds)[int(0.95 * (len(seconds) - 1))] * 1000, 2) if seconds else None,
            "max_ms": round(max(seconds) * 1000, 2) if seconds else None,
        },
    }
    print(f"{report['data']}: {counts['asserted']} asserted, {counts['inferred']} inferred triples")
    for name, value in timings.items():
        print(f"  {name:<36} {value:8.3f} s   {report['summaries'].get(name, '')}")
    e = report["explain"]
    print(f"  explain ({e['explained']} inferred triples)     median {e['median_ms']} ms, p95 {e['p95_ms']} ms, "
          f"max {e['max_ms']} ms, {e['unexplained']} without a derivation")
    OUT.mkdir(exist_ok=True)
    target = OUT / f"checks-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    target.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written {target.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
