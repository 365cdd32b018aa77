"""The benchmark command: build, start, query, HTTP, checks, web and shapes, natograph against its peers, in one run.

    python3 bench/run.py            # everything (about 23 minutes on 2 cores)
    python3 bench/run.py --quick    # 1k/10k triples, one run each (a few minutes)
    python3 bench/run.py --benchmarks checks,web

- build: the OWL-RL closure, natograph's engine vs owlrl vs reasonable (this file);
- start: `natograph serve` on an existing snapshot until /health answers, vs Oxigraph server and
  rdflib-endpoint (start.py);
- query: five queries on natograph's store and executor vs pyoxigraph (in memory, on disk) and rdflib (query.py);
- http: requests/s under 16 clients, natograph serve (result cache off and on) vs Oxigraph server,
  rdflib-endpoint and a Flask hello-world on natograph's gunicorn settings (throughput.py);
- checks: `natograph check` step by step and `natograph explain`, vs pySHACL on the same data (checks.py);
- web: resource pages, VoID and the dumps, vs pyoxigraph's serialisers for the dumps (web.py);
- shapes: the query idioms of bench/shapes/*.rq on natograph's store vs pyoxigraph and rdflib, each
  stopped at a time limit, with growth exponents and the answers compared (shapes.py);
- remote: natograph serving from Oxigraph server and from Virtuoso (store = remote), against the same
  engine queried directly: latency and throughput of an uncached aggregate and a lookup (remote.py).

On first use it creates its own virtual environment (.natograph/bench-venv) with natograph and
the peers of bench/requirements.txt, then re-runs itself there. Each build measurement is one child
process, so that its peak memory (maximum resident set size) is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import venv
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
VENV = REPO_ROOT / ".natograph" / "bench-venv"
OUT = BENCH / "out"
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000, "100k+fp": 100_002}
# The stress case: the 100k data, plus two owl:FunctionalProperty axioms on properties whose values
# many subjects share (every figure's year and operation). Equality reasoning, not data, then dominates.
EXTRA_FUNCTIONAL = ("asOf", "figureOf")
ENGINES = ("natograph", "owlrl", "reasonable")
OWLRL_MAX_TRIPLES = 100_000  # 1M did not finish in 10 minutes (issue 7)


def ensure_environment(argv: list[str]) -> None:
    """Re-run this script inside the benchmark's own virtual environment, creating it if needed."""
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    # natograph's own dependencies (pyproject.toml) count too: a new one must reach the environment.
    requirements = (BENCH / "requirements.txt").read_bytes() + (REPO_ROOT / "pyproject.toml").read_bytes()
    stamp = VENV / "requirements.installed"
    if not python.exists():
        print(f"creating the benchmark environment in {VENV} …", file=sys.stderr)
        venv.create(VENV, with_pip=True)
    if not stamp.exists() or stamp.read_bytes() != requirements:
        print(f"installing the peers of bench/requirements.txt in {VENV} …", file=sys.stderr)
        subprocess.run([python, "-m", "pip", "install", "-q", "-r", BENCH / "requirements.txt", "-e", REPO_ROOT],
                       check=True)
        stamp.write_bytes(requirements)
    os.execv(python, [str(python), __file__, *argv])


def data_file(size_name: str) -> Path:
    """The generated file for one size (generated once, deterministically).

    It is N-Triples, named .ttl because N-Triples is also Turtle and reasonable reads only .ttl/.n3 files.
    """
    path = OUT / "data" / f"nato-{size_name}.ttl"
    if path.exists():
        return path
    sys.path.insert(0, str(BENCH))
    from generate import NATO, main as generate_main

    path.parent.mkdir(parents=True, exist_ok=True)
    if size_name.endswith("+fp"):
        base = data_file(size_name.removesuffix("+fp"))
        axioms = "".join(f"<{NATO}{name}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                         f"<http://www.w3.org/2002/07/owl#FunctionalProperty> .\n" for name in EXTRA_FUNCTIONAL)
        path.write_bytes(base.read_bytes() + axioms.encode())
    else:
        generate_main(["--triples", size_name, "--out", str(path)])
    return path


def run_child(engine: str, path: Path, *, timeout_s: float, memory_limit_gb: float) -> dict:
    """Measure one engine once, in a child process: seconds, inferred triples, peak memory."""
    command = [sys.executable, __file__, "--child", engine, str(path), "--memory-limit-gb", str(memory_limit_gb)]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = child.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return {"status": f"timeout (> {timeout_s:.0f} s)"}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    if child.returncode != 0:
        reason = "out of memory" if "MemoryError" in stderr or "memory allocation" in stderr or child.returncode < 0 \
            else f"failed (exit {child.returncode})"
        return {"status": reason, "detail": stderr.strip().splitlines()[-1:] if stderr.strip() else [],
                "wall_seconds": time.perf_counter() - started}
    result = json.loads(stdout.strip().splitlines()[-1])
    result.update(status="ok", peak_mb=peak_mb)
    return result


def child_main(engine: str, path: Path, memory_limit_gb: float) -> None:
    """In the child: load the triples, then time the engine alone; print one JSON line."""
    limit = int(memory_limit_gb * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import pyoxigraph as ox

    if engine == "reasonable":
        import reasonable

        started = time.perf_counter()
        reasoner = reasonable.PyReasoner()
        reasoner.load_file(str(path))
        triples = reasoner.reason()
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "closure": len(triples)}))
        return
    from natograph.build.reason import infer

    asserted = [quad.triple for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]
    started = time.perf_counter()
    inference = infer(asserted, reasoner=engine)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "inferred": len(inference.triples),
                      "dropped": sum(inference.dropped.values()), "messages": len(inference.messages)}))


def measure(engine: str, size_name: str, runs: int, args) -> dict:
    """Median seconds and peak memory of `runs` runs of one engine at one size, each in a fresh process."""
    path = data_file(size_name)
    results = []
    for _ in range(runs):
        # A grandchild measures, so that RUSAGE_CHILDREN of this helper is that one run's peak alone.
        helper = subprocess.run(
            [sys.executable, __file__, "--measure-once", engine, str(path),
             "--timeout-s", str(args.timeout_s), "--memory-limit-gb", str(args.memory_limit_gb)],
            capture_output=True, text=True,
        )
        results.append(json.loads(helper.stdout.strip().splitlines()[-1]))
        if results[-1]["status"] != "ok":
            break
    good = [r for r in results if r["status"] == "ok"]
    if len(good) < len(results) or not good:
        return {"engine": engine, "size": size_name, "status": results[-1]["status"], "runs": results}
    return {
        "engine": engine, "size": size_name, "status": "ok", "runs": len(good),
        "seconds": statistics.median(r["seconds"] for r in good),
        "peak_mb": statistics.median(r["peak_mb"] for r in good),
        "inferred": good[0].get("inferred", good[0].get("closure")),
    }


def format_table(rows: list[dict]) -> str:
    """A Markdown table of medians, with time and memory ratios against owlrl and reasonable."""
    by_key = {(r["size"], r["engine"]): r for r in rows}
    lines = ["| triples | engine | median time | peak memory | owlrl time ÷ this | reasonable time ÷ this | reasonable memory ÷ this |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        size, engine = row["size"], row["engine"]
        if row["status"] != "ok":
            lines.append(f"| {size} | {engine} | {row['status']} | | | | |")
            continue
        cells = [f"{row['seconds']:.2f} s", f"{row['peak_mb']:.0f} MB"]
        for peer, key in (("owlrl", "seconds"), ("reasonable", "seconds"), ("reasonable", "peak_mb")):
            other = by_key.get((size, peer))
            ok = other is not None and other["status"] == "ok" and peer != engine
            cells.append(f"{other[key] / row[key]:.1f}×" if ok else "")
        lines.append(f"| {size} | {engine} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


BENCHMARKS = ("build", "start", "query", "http", "checks", "web", "shapes", "remote")
# The remote benchmark (about 16 minutes, and Virtuoso installed) runs when asked for.
DEFAULT_BENCHMARKS = BENCHMARKS[:-1]


def run_build(args, *, quick: bool) -> list[dict]:
    """The OWL-RL closure benchmark: each engine at each size, in fresh child processes."""
    sizes = args.sizes.split(",") if args.sizes else ["1k", "10k"] if quick else list(SIZES)
    runs = 1 if quick else args.runs
    rows = []
    for size in sizes:
        for engine in args.engines.split(","):
            if engine == "owlrl" and SIZES[size] > OWLRL_MAX_TRIPLES:
                rows.append({"engine": engine, "size": size,
                             "status": f"skipped above {OWLRL_MAX_TRIPLES:,} triples (1M did not finish in 10 min)"})
                continue
            n = args.owlrl_runs_above_10k if engine == "owlrl" and SIZES[size] > 10_000 else runs
            if n < 1:
                rows.append({"engine": engine, "size": size, "status": "skipped (0 runs asked)"})
                continue
            print(f"  build: {engine} at {size} triples, {n} run(s) …", file=sys.stderr, flush=True)
            rows.append(measure(engine, size, n, args))
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="natograph benchmarks: build, start, query, HTTP, checks, web and shapes, "
                                                 "against the peers.")
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each: a few minutes")
    parser.add_argument("--benchmarks", default=",".join(DEFAULT_BENCHMARKS),
                        help="comma-separated, among " + ",".join(BENCHMARKS) + " (default: all but remote)")
    parser.add_argument("--sizes", default=None, help="build benchmark sizes, among 1k,10k,100k,1M,100k+fp")
    parser.add_argument("--engines", default=",".join(ENGINES), help="build benchmark engines")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (the median is reported)")
    parser.add_argument("--owlrl-runs-above-10k", type=int, default=1,
                        help="runs of owlrl at 100k (each takes minutes)")
    parser.add_argument("--http-seconds", type=float, default=6, help="duration of each HTTP load run")
    parser.add_argument("--http-rounds", type=int, default=5,
                        help="interleaved rounds of the HTTP runs (ratios are medians of per-round ratios)")
    parser.add_argument("--query-runs", type=int, default=7, help="timed runs of each query per engine")
    parser.add_argument("--remote-sizes", default=None,
                        help="remote benchmark sizes (default 10k,100k): natograph on Oxigraph server and Virtuoso")
    parser.add_argument("--remote-clients", type=int, default=4, help="concurrent clients of the remote throughput runs")
    parser.add_argument("--shape-limit-s", type=float, default=10,
                        help="time limit of one shape on one engine (the shapes benchmark)")
    parser.add_argument("--shape-passes", type=int, default=1,
                        help="passes of the shapes benchmark, engine after engine (the spread of the exponents)")
    parser.add_argument("--shape-sizes", default=None, help="shapes benchmark sizes (default 10k,30k,100k; the exponents are fitted over all of them)")
    parser.add_argument("--timeout-s", type=float, default=900)
    parser.add_argument("--memory-limit-gb", type=float, default=14)
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--measure-once", nargs=2, metavar=("ENGINE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args.child[0], Path(args.child[1]), args.memory_limit_gb)
        return 0
    if args.measure_once:
        result = run_child(args.measure_once[0], Path(args.measure_once[1]),
                           timeout_s=args.timeout_s, memory_limit_gb=args.memory_limit_gb)
        print(json.dumps(result))
        return 0
    ensure_environment(argv)
    sys.path.insert(0, str(BENCH))
    from checks import measure_checks
    from shapes import measure_shapes, shapes_table
    from report import checks_table, goals, http_table, query_table, start_table, web_table
    from query import measure_queries
    from remote import measure_remote, remote_goals, remote_table
    from start import measure_start
    from throughput import measure_http
    from web import measure_web

    chosen = args.benchmarks.split(",")
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    quick = args.quick
    runs = 1 if quick else args.runs
    started = time.perf_counter()
    results: dict[str, list[dict]] = {name: [] for name in BENCHMARKS}
    if "build" in chosen:
        results["build"] = run_build(args, quick=quick)
    if "start" in chosen:
        results["start"] = measure_start(["1k", "10k"] if quick else ["1k", "10k", "100k", "1M"], 3)
    if "query" in chosen:
        results["query"] = measure_queries(["10k"] if quick else ["10k", "1M"], 3 if quick else args.query_runs)
    if "http" in chosen:
        results["http"] = measure_http("10k", 1 if quick else args.http_rounds, 3 if quick else args.http_seconds)
    if "checks" in chosen:
        results["checks"] = measure_checks(["10k"] if quick else ["10k", "100k"], runs)
    if "web" in chosen:
        results["web"] = measure_web(["10k"] if quick else ["10k", "100k"], 3 if quick else 5, runs)
    if "shapes" in chosen:
        shape_sizes = args.shape_sizes.split(",") if args.shape_sizes else ["1k", "10k"] if quick else ["10k", "30k", "100k"]
        results["shapes"] = measure_shapes(shape_sizes, args.shape_limit_s, passes=args.shape_passes)
    if "remote" in chosen:
        remote_sizes = args.remote_sizes.split(",") if args.remote_sizes else ["10k"] if quick else ["10k", "100k"]
        results["remote"] = measure_remote(remote_sizes, 1 if quick else args.http_rounds,
                                           3 if quick else args.http_seconds, args.remote_clients)
    elapsed = time.perf_counter() - started
    header = (f"natograph benchmarks, {dt.date.today().isoformat()}, {platform.machine()} with {os.cpu_count()} cores, "
              f"Python {platform.python_version()}; medians of {runs} run(s); the run took {elapsed / 60:.1f} min")
    sections = [header]
    if results["build"]:
        sections += ["## Build: OWL-RL closure", format_table(results["build"])]
    if results["start"]:
        sections += ["## Start: seconds from launch", start_table(results["start"])]
    if results["query"]:
        sections += ["## Query: median time per query (answer materialised)", query_table(results["query"])]
    if results["http"]:
        sections += ["## HTTP: 10k triples, 16 clients", http_table(results["http"])]
    if results["checks"]:
        sections += ["## Checks: `natograph check` and `natograph explain`", checks_table(results["checks"])]
    if results["web"]:
        sections += ["## Web: pages (Flask test client) and dumps", web_table(results["web"])]
    if results["shapes"]:
        sections += ["## Query shapes (issue 15)", shapes_table(results["shapes"])]
    if results["remote"]:
        sections += ["## Remote stores: natograph on an external engine against the engine directly (issue 16)",
                     remote_table(results["remote"]), remote_goals(results["remote"])]
    if results["start"] or results["query"] or results["http"]:
        sections += ["## Goals (issue 7)", goals(results["start"], results["query"], results["http"])]
    print("\n\n".join(sections))
    OUT.mkdir(exist_ok=True)
    report = OUT / f"bench-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    report.write_text(json.dumps({"header": header, **results}, indent=2))
    print(f"(raw results: {report.relative_to(REPO_ROOT)})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
