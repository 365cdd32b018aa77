"""Query benchmark: five queries over the same reasoned triples, on natograph's engine and on its peers.

The queries are `bench/queries/*.rq` (join and filter, aggregate, property path, lookup) and the canned
query `operations-active-on` with its example date, bound as natograph binds it (a VALUES block).
Every engine answers over the same triples: the snapshot's asserted and inferred graphs.

- **natograph store**: `EmbeddedStore.query` over the built snapshot (what the server's workers run);
- **natograph executor**: a `WorkerPool` of one worker, answering SPARQL JSON bytes (adds the pipe to
  the worker process and the serialisation);
- **pyoxigraph (memory)**: a bare `pyoxigraph.Store()` with the triples bulk-loaded into its default graph;
- **pyoxigraph (disk)**: a bare on-disk pyoxigraph store (RocksDB) of the same triples, opened read-only;
- **rdflib**: an rdflib `Graph` parsed from the same N-Triples, queried with rdflib's own evaluator.

Each engine runs in its own child process: open or load once, then per query one untimed run and
`runs` timed ones (the median is reported; the answer is materialised, row by row).
"""

from __future__ import annotations

import hashlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from projects import BENCH, REPO_ROOT, ensure_project

QUERY_FILES = ("join-filter", "aggregate", "path", "lookup")
CANNED = ("operations-active-on", {"date": "2010-06-01"})
ENGINES = ("natograph store", "natograph executor", "pyoxigraph (memory)", "pyoxigraph (disk)", "rdflib")
CHILD_TIMEOUT_S = 1800


def benchmark_queries() -> dict[str, str]:
    """The five benchmark queries by name, as complete SPARQL texts every engine runs unchanged."""
    from natograph.canned import bind_parameters, load_catalogue
    from natograph.sparqltext import bind_values

    texts = {name: (BENCH / "queries" / f"{name}.rq").read_text(encoding="utf-8") for name in QUERY_FILES}
    name, parameters = CANNED
    query = load_catalogue(REPO_ROOT / "queries")[name]
    # Date parameters need no store to resolve; iri ones would.
    texts[f"canned: {name}"] = bind_values(query.text, bind_parameters(query, parameters, None))
    return texts


def _ox_rows(result) -> list[str]:
    return ["\t".join("" if term is None else str(term) for term in row) for row in result]


def _answer_digest(rows: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()[:12]


def open_engine(engine: str, project):
    """(seconds to open or load, a function running one query, a function turning its answer into N-Triples rows)."""
    started = time.perf_counter()
    if engine == "natograph store":
        from natograph.config import Config
        from natograph.snapshot import open_snapshot
        from natograph.store import EmbeddedStore

        store = EmbeddedStore(open_snapshot(Config.load(root=project.root)))

        def run(text):
            return store.query(text)

        def rows_of(result):
            return _ox_rows(result.rows)
    elif engine == "natograph executor":
        from natograph.config import Config
        from natograph.executor import QueryJob, WorkerPool
        from natograph.export import Format

        config = Config.load(root=project.root)
        pool = WorkerPool(config, project.snapshot_key, size=1)
        while pool.status()["ready"] < 1:
            time.sleep(0.01)

        def run(text):
            return pool.run(QueryJob(text, Format.SPARQL_JSON)).body

        def rows_of(body):
            import pyoxigraph as ox

            return _ox_rows(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))
    elif engine.startswith("pyoxigraph"):
        import pyoxigraph as ox

        if engine == "pyoxigraph (memory)":
            store = ox.Store()
            store.bulk_load(path=str(project.reasoned), format=ox.RdfFormat.N_TRIPLES)
        else:
            store = ox.Store.read_only(str(project.oxigraph_location))

        def run(text):
            return list(store.query(text))

        rows_of = _ox_rows
    elif engine == "rdflib":
        import rdflib

        graph = rdflib.Graph()
        graph.parse(str(project.reasoned), format="nt")

        def run(text):
            return list(graph.query(text))

        def rows_of(result):
            return ["\t".join("" if term is None else term.n3() for term in row) for row in result]
    else:
        raise ValueError(f"unknown engine {engine}")
    return time.perf_counter() - started, run, rows_of


def child_main(engine: str, size: str, runs: int) -> None:
    """In the child process: open the engine, run every query; print one JSON line."""
    project = ensure_project(size)
    open_seconds, run, rows_of = open_engine(engine, project)
    results = {}
    for name, text in benchmark_queries().items():
        rows = rows_of(run(text))
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            run(text)
            samples.append(time.perf_counter() - started)
        results[name] = {"seconds": statistics.median(samples), "samples": samples, "rows": len(rows),
                         "answer": _answer_digest(rows)}
    print(json.dumps({"open_seconds": open_seconds, "queries": results}))


def measure_queries(sizes: list[str], runs: int, engines=ENGINES, *, log=sys.stderr) -> list[dict]:
    """One row per size, engine and query: the median seconds, rows, and an answer digest to compare."""
    rows = []
    for size in sizes:
        ensure_project(size, log=log)
        for engine in engines:
            print(f"  query: {engine} at {size} triples, {runs} run(s) per query …", file=log, flush=True)
            try:
                child = subprocess.run([sys.executable, __file__, "--child", engine, size, str(runs)],
                                       capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                rows.append({"benchmark": "query", "size": size, "engine": engine,
                             "status": f"timeout (> {CHILD_TIMEOUT_S} s)"})
                continue
            if child.returncode != 0:
                rows.append({"benchmark": "query", "size": size, "engine": engine,
                             "status": f"failed: {child.stderr.strip().splitlines()[-1:]}"})
                continue
            report = json.loads(child.stdout.strip().splitlines()[-1])
            rows.append({"benchmark": "query", "size": size, "engine": engine, "measure": "open",
                         "seconds": report["open_seconds"]})
            for name, result in report["queries"].items():
                rows.append({"benchmark": "query", "size": size, "engine": engine, "measure": name, **result})
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child_main(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        for row in measure_queries(sys.argv[1:] or ["10k"], 3):
            print(json.dumps({k: v for k, v in row.items() if k != "samples"}))
