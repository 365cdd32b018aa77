"""Web benchmark: resource pages and documents, the ontology page, VoID, and the dumps; pyoxigraph as the dumps' ceiling.

Runs on the benchmark projects (projects.py), each size in a child process, through Flask's test client
(`create_app` on the snapshot with an `InlineExecutor`: no network, no worker processes), so the times are
the application's own:

- **pages**: the median of `repeat` requests per page (after one untimed request): an operation's page
  and Turtle document, the page of the resource with the most links pointing at it (the hub), an
  ontology term's page, the ontology page, VoID (its statistics computed once, at the first request,
  which is reported apart) and the landing page with its timeline;
- **dumps**: `GET /dump/natograph-all.<ext>` read to the end, the median of `dump_runs` runs per format
  (natograph and pyoxigraph taking turns), in MB/s; the
  **pyoxigraph** ceiling serialises the same graphs of the same snapshot (`dump.dump_graphs`) into
  memory with `pyoxigraph.serialize` in the same format (its own JSON-LD writer, without natograph's
  context), so the ratio is what streaming, prefixes and natograph's JSON-LD cost.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import time

from projects import ensure_project

CHILD_TIMEOUT_S = 1800
HUB_QUERY = """SELECT ?hub (COUNT(*) AS ?links) WHERE { ?s ?p ?hub . FILTER(isIRI(?hub) &&
  STRSTARTS(STR(?hub), "https://w3id.org/natograph/id/")) } GROUP BY ?hub ORDER BY DESC(?links) LIMIT 1"""
OPERATION_QUERY = """SELECT ?op WHERE { ?op a <https://w3id.org/natograph/ontology#Operation> } ORDER BY ?op LIMIT 1"""


def measure_web(sizes: list[str], repeat: int, dump_runs: int, *, log=sys.stderr) -> list[dict]:
    """One row per size, engine and page or dump: median seconds and bytes."""
    rows = []
    for size in sizes:
        ensure_project(size, log=log)
        print(f"  web: pages ({repeat} requests each) and dumps ({dump_runs} run(s) each) at {size} triples …",
              file=log, flush=True)
        child = subprocess.run([sys.executable, __file__, "--child", size, str(repeat), str(dump_runs)],
                               capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
        if child.returncode != 0:
            rows.append({"benchmark": "web", "size": size, "engine": "natograph",
                         "status": f"failed: {child.stderr.strip().splitlines()[-1:]}"})
            continue
        rows += json.loads(child.stdout)
    return rows


def child_main(size: str, repeat: int, dump_runs: int) -> list[dict]:
    """In the child: the pages' and dumps' rows of one size."""
    from natograph.config import Config
    from natograph.query.executor import InlineExecutor
    from natograph.serve import create_app
    from natograph.snapshot import open_snapshot
    from natograph.store import EmbeddedStore

    project = ensure_project(size)
    config = Config.load(root=project.root)
    snapshot = open_snapshot(config)
    store = EmbeddedStore(snapshot)
    client = create_app(config, store=store, executor=InlineExecutor(store)).test_client()
    hub, links = store.query(HUB_QUERY).rows[0]
    operation = store.query(OPERATION_QUERY).rows[0][0].value
    base = {"benchmark": "web", "size": size, "engine": "natograph"}
    started = time.perf_counter()
    first_void = client.get("/void", headers={"Accept": "text/turtle"})
    rows = [{**base, "measure": "first /void (computes the statistics)", "seconds": time.perf_counter() - started,
             "bytes": len(first_void.get_data())}]
    pages = {
        "operation page": (_page(operation) + ".html", "text/html"),
        "operation Turtle": (_page(operation) + ".ttl", "text/turtle"),
        f"hub page ({links.value} links in)": (_page(hub.value) + ".html", "text/html"),
        "term page (/ontology/Operation)": ("/ontology/Operation", "text/html"),
        "ontology page": ("/ontology", "text/html"),
        "VoID (statistics cached)": ("/void", "text/turtle"),
        "landing page (its timeline remembered)": ("/", "text/html"),
    }
    for name, (path, accept) in pages.items():
        seconds, size_bytes = _page_times(client, path, accept, repeat)
        rows.append({**base, "measure": name, "path": path, "seconds": statistics.median(seconds),
                     "samples": seconds, "bytes": size_bytes})
    rows += _dumps(client, snapshot, size, dump_runs)
    return rows


def _page(iri: str) -> str:
    return "/id/" + iri.rsplit("/", 1)[-1]


def _page_times(client, path: str, accept: str, repeat: int) -> tuple[list[float], int]:
    """Seconds of `repeat` requests of one page (after an untimed one), and the size of its answer."""
    response = client.get(path, headers={"Accept": accept})
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code}")
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, headers={"Accept": accept})
        size = len(response.get_data())
        seconds.append(time.perf_counter() - started)
    return seconds, size


def _dumps(client, snapshot, size: str, runs: int) -> list[dict]:
    """Each format of `natograph-all`, streamed by the server, and serialised by pyoxigraph alone."""
    import pyoxigraph as ox

    from natograph.formats.dump import DATASET_FORMATS, DUMP_FORMATS, GraphSelection, dump_file_name, dump_graphs
    from natograph.formats import OXIGRAPH_RDF_FORMAT, Format
    from natograph.vocab import PREFIXES

    def served(name: str) -> int:
        return sum(len(chunk) for chunk in client.get(f"/dump/{name}").response)

    def serialised(fmt: Format) -> int:
        graphs = dump_graphs(snapshot, GraphSelection.ALL, fmt)
        quads = (q for graph in graphs for q in snapshot.store.quads_for_pattern(None, None, None, graph))
        output = io.BytesIO()
        ox_format = ox.RdfFormat.JSON_LD if fmt is Format.JSON_LD else OXIGRAPH_RDF_FORMAT[fmt]
        ox.serialize(quads if fmt in DATASET_FORMATS else (q.triple for q in quads), output, format=ox_format,
                     prefixes=PREFIXES)
        return output.tell()

    rows = []
    for fmt in DUMP_FORMATS:
        name = dump_file_name(GraphSelection.ALL, fmt)
        samples: dict[str, list[float]] = {"natograph": [], "pyoxigraph": []}
        written = {}
        for _ in range(runs):
            for engine, run in (("natograph", lambda: served(name)), ("pyoxigraph", lambda: serialised(fmt))):
                started = time.perf_counter()
                written[engine] = run()
                samples[engine].append(time.perf_counter() - started)
        rows += [{"benchmark": "web", "size": size, "engine": engine, "measure": f"dump {name}",
                  "seconds": statistics.median(seconds), "samples": seconds, "bytes": written[engine]}
                 for engine, seconds in samples.items()]
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child_main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
    else:
        for row in measure_web(sys.argv[1:] or ["10k"], 5, 3):
            print(json.dumps({k: v for k, v in row.items() if k != "samples"}))
