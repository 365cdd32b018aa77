"""Benchmark of the linked-data side: resource pages and documents, the ontology page, VoID, and the dumps.

    python bench/web.py                      # the project's own data
    python bench/web.py --triples 100000     # bench/generate.py data of that size as the data

Runs in the current environment (natograph installed), through Flask's test client (no network).
Prints milliseconds per page (median of --repeat runs) and seconds and MB/s per dump, and writes
bench/out/web-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))

from checks import project_copy  # noqa: E402  (a sibling script, not a package)

from natograph.build import build  # noqa: E402
from natograph.config import Config  # noqa: E402
from natograph.dump import DUMP_FORMATS, GraphSelection, dump_file_name  # noqa: E402
from natograph.executor import InlineExecutor  # noqa: E402
from natograph.serve import create_app  # noqa: E402
from natograph.snapshot import open_snapshot  # noqa: E402
from natograph.store import EmbeddedStore  # noqa: E402

HUB_QUERY = """SELECT ?hub (COUNT(*) AS ?links) WHERE { ?s ?p ?hub . FILTER(isIRI(?hub) &&
  STRSTARTS(STR(?hub), "https://w3id.org/natograph/id/")) } GROUP BY ?hub ORDER BY DESC(?links) LIMIT 1"""
OPERATION_QUERY = """SELECT ?op WHERE { ?op a <https://w3id.org/natograph/ontology#Operation> } ORDER BY ?op LIMIT 1"""


def page_path(iri: str) -> str:
    return "/id/" + iri.rsplit("/", 1)[-1]


def milliseconds(client, path: str, accept: str, repeat: int) -> tuple[float, int]:
    """Median milliseconds to answer `path`, and the size of the answer."""
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, headers={"Accept": accept})
        size = len(response.get_data())
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
    return statistics.median(times), size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=None, help="generated data of this size (default: the project's)")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args(argv)
    root = project_copy(options.triples)
    try:
        return measure(root, options.repeat)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def measure(root: Path, repeat: int) -> int:
    """Build the project at `root`, time its pages and dumps, print and save the results."""
    config = Config.load(root=root)
    build(config)
    store = EmbeddedStore(open_snapshot(config))
    client = create_app(config, store=store, executor=InlineExecutor(store)).test_client()
    hub = store.query(HUB_QUERY).rows[0]
    operation = store.query(OPERATION_QUERY).rows[0][0].value
    first_void_started = time.perf_counter()
    client.get("/void", headers={"Accept": "text/turtle"})
    first_void = (time.perf_counter() - first_void_started) * 1000
    pages = {
        f"operation page ({page_path(operation)}.html)": (page_path(operation) + ".html", "text/html"),
        f"operation Turtle ({page_path(operation)}.ttl)": (page_path(operation) + ".ttl", "text/turtle"),
        f"hub page ({page_path(hub[0].value)}.html, {hub[1].value} links in)": (page_path(hub[0].value) + ".html",
                                                                                "text/html"),
        "term page (/ontology/Operation)": ("/ontology/Operation", "text/html"),
        "ontology page (/ontology)": ("/ontology", "text/html"),
        "VoID (/void, statistics cached)": ("/void", "text/turtle"),
        "landing page with timeline (/)": ("/", "text/html"),
    }
    results = {"triples": store.snapshot.manifest["counts"], "first_void_ms": round(first_void, 1), "pages": {},
               "dumps": {}}
    print(f"{results['triples']['all']} triples; first /void (computes the statistics): {first_void:.0f} ms")
    for name, (path, accept) in pages.items():
        median, size = milliseconds(client, path, accept, repeat)
        results["pages"][name] = {"median_ms": round(median, 1), "bytes": size}
        print(f"  {name:<70} {median:8.1f} ms {size:>10} bytes")
    for fmt in DUMP_FORMATS:
        name = dump_file_name(GraphSelection.ALL, fmt)
        started = time.perf_counter()
        size = sum(len(chunk) for chunk in client.get(f"/dump/{name}").response)
        seconds = time.perf_counter() - started
        results["dumps"][name] = {"seconds": round(seconds, 3), "bytes": size,
                                  "mb_per_second": round(size / seconds / 1e6, 1)}
        print(f"  dump {name:<65} {seconds:8.2f} s {size:>10} bytes {size / seconds / 1e6:6.1f} MB/s")
    OUT.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"web-{stamp}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
