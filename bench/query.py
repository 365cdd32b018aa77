"""Query benchmark: five queries over the same reasoned triples, on natograph's engine and on its peers.

The queries are `bench/queries/{join-filter,aggregate,path,lookup}.rq` (join and filter, aggregate,
property path, lookup) and the canned query `operations-active-on` with its example date, bound as
natograph binds it (a VALUES block).
Every engine answers over the same triples: the snapshot's asserted and inferred graphs.

- **natograph store**: `EmbeddedStore.query` over the built snapshot, as the server's query workers hold it:
  with the memory image of its default graph up to `memory_store_max_triples` (2M, so at every size here);
- **natograph store (disk)**: the same reading the snapshot's database on disk (`memory_store_max_triples=0`);
- **natograph executor**: a `WorkerPool` of one worker forked from the memory image, answering SPARQL JSON
  bytes (adds the pipe to the worker process and the serialisation); its open time is until that worker
  is ready;
- **pyoxigraph (memory)**: a bare `pyoxigraph.Store()` with the triples bulk-loaded into its default graph;
- **pyoxigraph (disk)**: a bare on-disk pyoxigraph store (RocksDB) of the same triples, opened read-only;
- **rdflib**: an rdflib `Graph` parsed from the same N-Triples, queried with rdflib's own evaluator.

Each engine runs in its own child process and opens or loads once; then, query by query, one untimed
run per engine (its answer is compared) and `runs` timed runs with the engines taking turns, so that a
busy machine slows them alike. The median is reported; the answer is read row by row.
"""

from __future__ import annotations

import hashlib
import json
import select
import statistics
import subprocess
import sys
import time

from projects import BENCH, REPO_ROOT, ensure_project
from servers import LOGS

QUERY_FILES = ("join-filter", "aggregate", "path", "lookup")
CANNED = ("operations-active-on", {"date": "2010-06-01"})
ENGINES = ("natograph store", "natograph store (disk)", "natograph executor", "pyoxigraph (memory)",
           "pyoxigraph (disk)", "rdflib")
CHILD_TIMEOUT_S = 1800


def benchmark_queries() -> dict[str, str]:
    """The five benchmark queries by name, as complete SPARQL texts every engine runs unchanged."""
    from natograph.query.canned import bind_parameters, load_catalogue
    from natograph.sparql.text import text_for_display

    texts = {name: (BENCH / "queries" / f"{name}.rq").read_text(encoding="utf-8") for name in QUERY_FILES}
    name, parameters = CANNED
    query = load_catalogue(REPO_ROOT / "queries")[name]
    # Date parameters need no store to resolve; iri ones would.
    texts[f"canned: {name}"] = text_for_display(query.text, bind_parameters(query, parameters, None))
    return texts


def _ox_rows(result) -> list[str]:
    return ["\t".join("" if term is None else str(term) for term in row) for row in result]


def _answer_digest(rows: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()[:12]


def open_engine(engine: str, project):
    """(seconds to open or load, a function running one query, a function turning its answer into N-Triples rows)."""
    started = time.perf_counter()
    if engine.startswith("natograph store"):
        from natograph.config import Config
        from natograph.snapshot import open_snapshot
        from natograph.store import EmbeddedStore, load_default_graph

        config = Config.load(root=project.root)
        snapshot = open_snapshot(config)
        # As the query workers hold it: the memory image of a snapshot under memory_store_max_triples.
        small = snapshot.manifest["counts"]["all"] <= config.memory_store_max_triples
        in_memory = small and engine == "natograph store"
        store = EmbeddedStore(snapshot, memory=load_default_graph(snapshot.path) if in_memory else None)

        def run(text):
            return store.query(text)

        def rows_of(result):
            return _ox_rows(result.rows)
    elif engine == "natograph executor":
        from natograph.config import Config
        from natograph.query.executor import QueryJob, WorkerPool
        from natograph.formats import Format

        config = Config.load(root=project.root)
        pool = WorkerPool(config, project.snapshot_key, size=1)
        while pool.status()["ready"] < 1 or pool.status()["memory_image"] == "loading":
            time.sleep(0.01)
        while pool.status()["memory_image"] == "loaded" and pool.status()["store"] != "memory":
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
            # Every term read, as natograph's store reads them into its result rows.
            return [tuple(solution) for solution in store.query(text)]

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


def child_main(engine: str, size: str) -> None:
    """In the child process: open the engine, then answer requests from stdin, one JSON line each.

    `NAME answer` runs query NAME untimed and reports its rows; `NAME time` reports the seconds of one run.
    """
    project = ensure_project(size)
    open_seconds, run, rows_of = open_engine(engine, project)
    texts = benchmark_queries()
    print(json.dumps({"open_seconds": open_seconds}), flush=True)
    for line in sys.stdin:
        name, _, mode = line.rstrip("\n").rpartition(" ")
        if mode == "answer":
            rows = rows_of(run(texts[name]))
            print(json.dumps({"rows": len(rows), "answer": _answer_digest(rows)}), flush=True)
        else:
            started = time.perf_counter()
            run(texts[name])
            print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)


class EngineProcess:
    """One engine in its own process, asked to run queries one at a time."""

    def __init__(self, engine: str, size: str):
        self.engine = engine
        LOGS.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([sys.executable, __file__, "--child", engine, size], text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=(LOGS / f"query-{engine.replace(' ', '-')}-{size}.log").open("w"))
        self.open_seconds = self._read()["open_seconds"]

    def ask(self, name: str, mode: str) -> dict:
        self.process.stdin.write(f"{name} {mode}\n")
        self.process.stdin.flush()
        return self._read()

    def _read(self) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], CHILD_TIMEOUT_S)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"{self.engine} did not answer within {CHILD_TIMEOUT_S} s (or exited)")
        return json.loads(line)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def measure_queries(sizes: list[str], runs: int, engines=ENGINES, *, log=sys.stderr) -> list[dict]:
    """One row per size, engine and query: median seconds, rows and an answer digest to compare.

    Every engine is loaded first; then, query by query, the engines take turns run after run, so that
    the load of the machine (shared, and busy) falls on all of them alike.
    """
    rows = []
    names = list(benchmark_queries())
    for size in sizes:
        ensure_project(size, log=log)
        processes = []
        try:
            for engine in engines:
                print(f"  query: opening {engine} at {size} triples …", file=log, flush=True)
                try:
                    processes.append(EngineProcess(engine, size))
                except (RuntimeError, ValueError) as error:
                    rows.append({"benchmark": "query", "size": size, "engine": engine, "status": f"failed: {error}"})
                    continue
                rows.append({"benchmark": "query", "size": size, "engine": engine, "measure": "open",
                             "seconds": processes[-1].open_seconds})
            for name in names:
                print(f"  query: {name} at {size} triples, {runs} run(s) per engine …", file=log, flush=True)
                answers = {p.engine: p.ask(name, "answer") for p in processes}
                samples: dict[str, list[float]] = {p.engine: [] for p in processes}
                for _ in range(runs):
                    for process in processes:
                        samples[process.engine].append(process.ask(name, "time")["seconds"])
                for process in processes:
                    rows.append({"benchmark": "query", "size": size, "engine": process.engine, "measure": name,
                                 "seconds": statistics.median(samples[process.engine]),
                                 "samples": samples[process.engine], **answers[process.engine]})
        finally:
            for process in processes:
                process.stop()
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child_main(sys.argv[2], sys.argv[3])
    else:
        for row in measure_queries(sys.argv[1:] or ["10k"], 3):
            print(json.dumps({k: v for k, v in row.items() if k != "samples"}))
