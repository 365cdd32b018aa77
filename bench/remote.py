"""Remote-store benchmark (issue 16): what natograph adds on top of an external SPARQL engine.

    python3 bench/run.py --benchmarks remote                  # 10k and 100k triples, 5 rounds
    python3 bench/run.py --benchmarks remote --remote-sizes 10k --http-rounds 3

For each engine, Oxigraph server (`oxigraph serve`, read-write) and OpenLink Virtuoso (Debian's `virtuoso-t`,
skipped when it is not installed), with a fresh database on 127.0.0.1:

1. the size's snapshot is published with `natograph upload` (as its users publish: staged and switched in by
   one update; Virtuoso through its Graph Store endpoint with digest credentials, into a named graph standing
   for the default graph);
2. `natograph serve` runs with `store = remote` on it, its result cache off (every query goes to the engine)
   and its per-client limits off (the load generator is one client);
3. the same query goes, in the same rounds, to natograph's `/sparql` and to the engine's own endpoint
   directly, with the text natograph sends (its prefixes declared) and the same dataset (Virtuoso:
   `default-graph-uri` naming the published default graph), both as GET with keep-alive connections:
   - latency: one client sending it through natograph and directly in turn, one request at a time, for
     `seconds`: each pair's ratio compares the two under the same load of the (shared) machine;
   - throughput: `clients` concurrent clients for `seconds`, requests per second, one target after the other.
   The latency rounds also time the bare proxy (bench/proxy.py), the floor of any Python hop in front of an
   engine, and optionally a baseline natograph from another checkout (see `measure_remote`).

The answers of both targets are compared once before timing.

Publishing alone (`measure_publish`, issue 16's bulk path):

    python3 bench/remote.py publish 100k,1M 3      # sizes, publishes per engine (the first onto an empty server)

times `natograph upload` (staged and switched in by one update, the path each engine gets by default: Oxigraph
server's bulk loader, Virtuoso's Graph Store endpoint), a fresh server per size and engine, publishing the same
snapshot again after the first (a re-publish), and records the engine's peak resident memory while each ran
and the publishing process's own (their VmRSS sampled every 50 ms); `--no-bulk` on Oxigraph server
(the staging graphs copied by the switch) is timed once per size, its server stopped if it passes
`PUBLISH_MEMORY_CAP_MB`.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from projects import BENCH, WORK, BenchProject, ensure_project, tool
from servers import Server, _start, free_port, group_cpu_seconds, start_natograph
from throughput import ONE_CLIENT_UNLIMITED, run_python_load

QUERIES = ("aggregate", "lookup")
JSON_RESULTS = "application/sparql-results+json"
READY_TIMEOUT_S = 180
VIRTUOSO_DEFAULT_GRAPH = "https://w3id.org/natograph/graph/default"
# A fresh Virtuoso database's administrator: the benchmark's database is its own, deleted before each run.
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "dba", "dba"
# The remote-store tests' Virtuoso configuration, with more connections and buffers for the benchmark.
VIRTUOSO_INI = (Path(__file__).resolve().parents[1] / "tests" / "store" / "virtuoso.ini.template").read_text(
    encoding="utf-8")


class Engine:
    """A started engine: its server, query endpoint, Graph Store endpoint, and how natograph publishes to it."""

    def __init__(self, name: str, server: Server, base: str, query_path: str, data_path: str, update_path: str,
                 default_graph: str | None = None, user: str | None = None, password: str | None = None):
        self.name, self.server, self.base = name, server, base
        self.query_url, self.data_url, self.update_url = base + query_path, base + data_path, base + update_path
        self.default_graph, self.user, self.password = default_graph, user, password

    def direct_path(self, sparql: str) -> str:
        """The GET path asking the engine directly what natograph asks it for `sparql`."""
        from natograph.store.remote import PROLOGUE

        parameters = [("query", PROLOGUE + sparql)]
        if self.default_graph:
            parameters.append(("default-graph-uri", self.default_graph))
        return urlsplit(self.query_url).path + "?" + urlencode(parameters)


def start_oxigraph_server(location) -> Engine:
    """Oxigraph server, read-write (it is published to), on a fresh database."""
    shutil.rmtree(location, ignore_errors=True)
    port = free_port()
    # A deep thread stack, as the README starts it: its request threads overflow theirs on deeply nested queries.
    server = _start("oxigraph-remote", [tool("oxigraph"), "serve", "--location", location, "--bind", f"127.0.0.1:{port}"],
                    port=port, sparql_path="/query", env={"RUST_MIN_STACK": "268435456"})
    return Engine("Oxigraph server", server, f"http://127.0.0.1:{port}", "/query", "/store", "/update")


def start_virtuoso(location) -> Engine | None:
    """Virtuoso on a fresh database (None when virtuoso-t is not installed)."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        return None
    shutil.rmtree(location, ignore_errors=True)
    location.mkdir(parents=True)
    http_port = free_port()
    ini = location / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=location, sql_port=free_port(), http_port=http_port, max_rows=100_000,
                                       connections=20, buffers=40000, dirty_buffers=30000, max_seconds=60,
                                       after_image_limit=1_500_000_000, cost_limit=0))
    server = _start("virtuoso", [binary, "+foreground", "+configfile", ini], port=http_port, sparql_path="/sparql")
    return Engine("Virtuoso", server, f"http://127.0.0.1:{http_port}", "/sparql", "/sparql-graph-crud-auth",
                  "/sparql-auth", VIRTUOSO_DEFAULT_GRAPH, VIRTUOSO_USER, VIRTUOSO_PASSWORD)


# The engines measured, with the name of their database directories.
ENGINE_STARTERS = ((start_oxigraph_server, "oxigraph"), (start_virtuoso, "virtuoso"))


@contextmanager
def running(starter, location):
    """The engine `starter` starts on a fresh database at `location`, once it answers (None when it is not
    installed); stopped when the block ends, however it ends."""
    engine = starter(location)
    if engine is None:
        yield None
        return
    try:
        engine.server.wait_until(engine.direct_path("ASK { }"), timeout_s=READY_TIMEOUT_S)
        yield engine
    finally:
        engine.server.stop()


def publish(project: BenchProject, engine: Engine, log, *options: str) -> float:
    """`natograph upload` of the project's snapshot to the engine, staged and switched in atomically, its counts
    verified; returns its seconds."""
    return publish_measured(project, engine, log, *options)["seconds"]


# The engine's memory at which a publish measurement stops it (the machine's other work must go on).
PUBLISH_MEMORY_CAP_MB = 12_000


def publish_measured(project: BenchProject, engine: Engine, log, *options: str) -> dict:
    """`natograph upload` as `publish`, with the engine's peak resident memory meanwhile and the publishing
    process's own; an engine passing PUBLISH_MEMORY_CAP_MB is killed (then "stopped" says when)."""
    import threading

    # The publish alone: the answers check after it runs the canned queries, which their own benchmarks time.
    command = [sys.executable, "-m", "natograph.cli", "--root", str(project.root), "upload", "--data-url", engine.data_url,
               "--update-url", engine.update_url, "--no-check-answers", *options]
    env = {**os.environ, "NATOGRAPH_STORE_URL": engine.query_url,
           "NATOGRAPH_STORE_DEFAULT_GRAPH": engine.default_graph or ""}
    if engine.user:
        command += ["--user", engine.user]
        env["NATOGRAPH_STORE_PASSWORD"] = engine.password
    server = engine.server.process
    peak = {"engine_mb": 0.0, "stopped": None, "client_mb": 0.0}
    running = threading.Event()
    running.set()
    started = time.perf_counter()
    upload = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def watch() -> None:
        while running.is_set() and server.poll() is None:
            peak["engine_mb"] = max(peak["engine_mb"], resident_mb(server.pid))
            peak["client_mb"] = max(peak["client_mb"], resident_mb(upload.pid))
            if peak["engine_mb"] > PUBLISH_MEMORY_CAP_MB:
                peak["stopped"] = time.perf_counter() - started
                server.kill()
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stdout, stderr = upload.communicate()
    seconds = time.perf_counter() - started
    running.clear()
    watcher.join()
    if peak["stopped"] is not None:
        print(f"  remote: {engine.name} stopped at {peak['engine_mb']:,.0f} MB after {peak['stopped']:.0f} s",
              file=log, flush=True)
        return {"seconds": seconds, **peak}
    if upload.returncode != 0:
        raise RuntimeError(f"natograph upload to {engine.name} failed:\n{stdout}{stderr}")
    print(f"  remote: {stdout.strip()} ({seconds:.1f} s, engine peak {peak['engine_mb']:,.0f} MB)", file=log, flush=True)
    return {"seconds": seconds, **peak}


def resident_mb(pid: int) -> float:
    """A process's resident memory now (Linux /proc), in MB; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def on_each_engine(sizes: list[str], purpose: str, measure, log) -> list[dict]:
    """For each size and engine, `measure(size, project, engine)`'s rows, on a fresh server (its database under
    the size's `{purpose}-{engine}` directory) stopped after; a row saying so for an engine not installed."""
    rows = []
    for size in sizes:
        project = ensure_project(size, log=log)
        for starter, directory in ENGINE_STARTERS:
            with running(starter, WORK / size / f"{purpose}-{directory}") as engine:
                if engine is None:
                    rows.append({"benchmark": purpose, "size": size, "engine": "Virtuoso", "status": "not installed"})
                    continue
                rows += measure(size, project, engine)
    return rows


def measure_publish(sizes: list[str], publishes: int, log=sys.stderr) -> list[dict]:
    """Per size and engine, on a fresh server: `publishes` staged publishes of the snapshot (the first onto the
    empty server), and on Oxigraph server one more with --no-bulk (the switch copying the staging graphs)."""

    def publish_rows(size: str, project: BenchProject, engine: Engine) -> list[dict]:
        runs = []
        for number in range(publishes):
            print(f"  publish: {size}, {engine.name}, publish {number + 1} of {publishes} …", file=log, flush=True)
            runs.append(publish_measured(project, engine, log))
        row = {"benchmark": "publish", "size": size, "engine": engine.name, "status": "ok",
               "first_s": runs[0]["seconds"], "first_engine_mb": runs[0]["engine_mb"],
               "again_s": statistics.median(run["seconds"] for run in runs[1:]) if runs[1:] else None,
               "again_engine_mb": max((run["engine_mb"] for run in runs[1:]), default=None),
               "client_mb": max(run["client_mb"] or 0 for run in runs), "runs": runs}
        if engine.name == "Oxigraph server":
            print(f"  publish: {size}, {engine.name}, --no-bulk …", file=log, flush=True)
            row["copy"] = publish_measured(project, engine, log, "--no-bulk")
        return [row]

    return on_each_engine(sizes, "publish", publish_rows, log)


def publish_table(rows: list[dict]) -> str:
    """Seconds and peak memory of each publish."""
    lines = ["| triples | engine | first publish (empty server): s; engine peak | again (median): s; engine peak | "
             "publishing process peak | Oxigraph server, --no-bulk (switch copies): s; engine peak |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        if row["status"] != "ok":
            lines.append(f"| {row['size']} | {row['engine']} | {row['status']} | | | |")
            continue
        again = (f"{row['again_s']:.1f} s; {row['again_engine_mb']:,.0f} MB" if row["again_s"] is not None else "–")
        copy = row.get("copy")
        copied = ("–" if copy is None else f"stopped at {copy['engine_mb']:,.0f} MB after {copy['stopped']:.0f} s"
                  if copy["stopped"] is not None else f"{copy['seconds']:.1f} s; {copy['engine_mb']:,.0f} MB")
        lines.append(f"| {row['size']} | {row['engine']} | {row['first_s']:.1f} s; {row['first_engine_mb']:,.0f} MB | "
                     f"{again} | {row['client_mb']:,.0f} MB | {copied} |")
    return "\n".join(lines)


def alternating(targets: dict[str, str], seconds: float, groups: dict[str, int]) -> dict:
    """One client sending the query to each target in turn ("natograph", "direct" and any others, such as the
    bare proxy), one request at a time, for `seconds` (each on its own keep-alive connection): the median
    latency of each, the median of its pairs' ratios to "direct", and the CPU milliseconds per request
    natograph's process group and the engine's process used meanwhile."""
    connections = {name: _connection(url) for name, url in targets.items()}
    paths = {name: _path(url) for name, url in targets.items()}
    latencies: dict[str, list[float]] = {name: [] for name in targets}
    errors = 0
    before = {name: group_cpu_seconds(group) for name, group in groups.items()}
    stop_at = time.perf_counter() + seconds
    order = list(targets)
    try:
        while time.perf_counter() < stop_at or not latencies["direct"]:
            order = order[1:] + order[:1]  # each target first in turn: none gains from its place in the cycle
            for name in order:
                started = time.perf_counter()
                response = _get_on(connections[name], paths[name])
                latencies[name].append(time.perf_counter() - started)
                errors += response >= 400
    finally:
        for connection in connections.values():
            connection.close()
    rounds = len(latencies["direct"])
    used = {name: (group_cpu_seconds(group) - before[name]) * 1000 for name, group in groups.items()}
    measured = {"natograph_cpu_ms": used["natograph"] / rounds, "engine_cpu_ms": used["engine"] / (len(targets) * rounds),
                "requests": len(targets) * rounds, "errors": errors}
    for name, times in latencies.items():
        measured[f"{name}_p50_ms"] = statistics.median(times) * 1000
        if name != "direct":
            measured[f"{name}_ratio"] = statistics.median(a / b for a, b in zip(times, latencies["direct"]))
    measured["ratio"] = measured["natograph_ratio"]
    return measured


def _connection(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def _get_on(connection: http.client.HTTPConnection, path: str) -> int:
    connection.request("GET", path, headers={"Accept": JSON_RESULTS})
    response = connection.getresponse()
    response.read()
    return response.status


def answer_rows(url: str) -> list:
    """The bindings of one JSON answer, as comparable rows."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request("GET", parts.path + "?" + parts.query, headers={"Accept": JSON_RESULTS})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}: {body[:300]!r}")
    finally:
        connection.close()
    bindings = json.loads(body)["results"]["bindings"]
    return sorted(json.dumps({k: v["value"] for k, v in b.items()}, sort_keys=True) for b in bindings)


def measure_remote(sizes: list[str], rounds: int, seconds: float, clients: int, *, baseline_src: str | None = None,
                   log=sys.stderr) -> list[dict]:
    """Latency and throughput through natograph and directly, per size, engine and query.

    The latency rounds also time the bare proxy (bench/proxy.py: the floor of a Python hop) and, with
    `baseline_src`, a second natograph running the code of another checkout's src/ (e.g. the commit before a
    change), so that a change is measured against its baseline under the same load.
    """
    texts = {name: (BENCH / "queries" / f"{name}.rq").read_text(encoding="utf-8") for name in QUERIES}
    return on_each_engine(sizes, "remote", lambda size, project, engine: measure_engine(
        engine, project, size, texts, rounds, seconds, clients, baseline_src, log), log)


def measure_engine(engine: Engine, project: BenchProject, size: str, texts: dict, rounds: int, seconds: float,
                   clients: int, baseline_src: str | None, log) -> list[dict]:
    """The remote rows of one engine, ready and published to: natograph, the bare proxy (and the baseline) started
    in front of it, their answers checked, then timed; the hops stopped after."""
    started: list[Server] = []
    try:
        upload_s = publish(project, engine, log)
        settings = dict(store="remote", store_url=engine.query_url, store_default_graph=engine.default_graph or "",
                        result_cache_bytes=0, **ONE_CLIENT_UNLIMITED)
        natograph = start_natograph(project, **settings)
        started.append(natograph)
        hops = {"natograph": natograph}
        if baseline_src:
            hops["baseline"] = start_natograph(project, pythonpath=baseline_src, **settings)
            started.append(hops["baseline"])
        hops["proxy"] = start_proxy(engine)
        started.append(hops["proxy"])
        for name, hop in hops.items():
            hop.wait_until("/health" if name != "proxy" else hop.query_path("ASK {}"), timeout_s=READY_TIMEOUT_S,
                           accept_body=(lambda body: json.loads(body)["status"] == "ok") if name != "proxy"
                           else (lambda body: True))
        targets = {}
        for name, text in texts.items():
            targets[name] = {hop_name: f"http://127.0.0.1:{hop.port}{hop.query_path(text)}"
                             for hop_name, hop in hops.items()}
            targets[name]["direct"] = engine.base + engine.direct_path(text)
            expected = answer_rows(targets[name]["direct"])
            for hop_name in hops:
                if answer_rows(targets[name][hop_name]) != expected:
                    raise RuntimeError(f"{name} answers differently through {hop_name} and directly on {engine.name}")
        samples = {(name, kind): [] for name in texts for kind in ("latency", "natograph", "direct")}
        groups = {"engine": engine.server.process.pid, "natograph": natograph.process.pid}
        for round_number in range(rounds):
            for name, urls in targets.items():
                print(f"  remote: {size}, {engine.name}, {name}, round {round_number + 1} of {rounds} …",
                      file=log, flush=True)
                samples[(name, "latency")].append(alternating(urls, seconds, groups))
                for target in ("natograph", "direct"):
                    samples[(name, target)].append(
                        _with_clients(clients, lambda: run_python_load(urls[target], seconds, JSON_RESULTS)))
        return [_row(size, engine.name, name, samples, clients, upload_s) for name in texts]
    finally:
        for server in started:
            server.stop()


def start_proxy(engine: Engine) -> Server:
    """The bare proxy (bench/proxy.py) in front of the engine, asking what natograph asks."""
    port = free_port()
    command = [sys.executable, BENCH / "proxy.py", "--port", port, "--engine", engine.query_url,
               "--default-graph", engine.default_graph or ""]
    return _start("proxy", command, port=port, sparql_path="/sparql")


def _with_clients(clients: int, run):
    import throughput

    saved = throughput.CONNECTIONS
    throughput.CONNECTIONS = clients
    try:
        return run()
    finally:
        throughput.CONNECTIONS = saved


def _row(size: str, engine: str, name: str, samples: dict, clients: int, upload_s: float) -> dict:
    latency = samples[(name, "latency")]
    load = {t: samples[(name, t)] for t in ("natograph", "direct")}
    throughput_ratios = [a["requests_per_second"] / b["requests_per_second"]
                         for a, b in zip(load["natograph"], load["direct"]) if b["requests_per_second"]]
    return {
        "benchmark": "remote", "size": size, "engine": engine, "measure": name, "status": "ok", "clients": clients,
        "upload_s": upload_s,
        "natograph_p50_ms": statistics.median(r["natograph_p50_ms"] for r in latency),
        "direct_p50_ms": statistics.median(r["direct_p50_ms"] for r in latency),
        "latency_ratio": statistics.median(r["ratio"] for r in latency),
        "latency_ratios": [r["ratio"] for r in latency],
        "natograph_rps": statistics.median(r["requests_per_second"] for r in load["natograph"]),
        "direct_rps": statistics.median(r["requests_per_second"] for r in load["direct"]),
        "throughput_ratio": statistics.median(throughput_ratios), "throughput_ratios": throughput_ratios,
        "engine_cpu_ms": statistics.median(r["engine_cpu_ms"] for r in latency),
        "natograph_cpu_ms": statistics.median(r["natograph_cpu_ms"] for r in latency),
        "errors": sum(r["errors"] for r in latency) + sum(r["errors"] for runs in load.values() for r in runs),
        "requests": sum(r["requests"] for r in latency) + sum(r["requests"] for runs in load.values() for r in runs),
        "latency_samples": latency, "throughput_samples": load,
        **{f"{hop}_{measure}": statistics.median(r[f"{hop}_{measure}"] for r in latency)
           for hop in ("proxy", "baseline") for measure in ("p50_ms", "ratio") if f"{hop}_ratio" in latency[0]},
    }


def remote_table(rows: list[dict]) -> str:
    """Latency and throughput through natograph against the engine directly, with the overhead."""
    baseline = any("baseline_ratio" in row for row in rows)
    lines = ["| triples | engine | query | directly: p50 | through natograph: p50 | latency overhead (rounds) | "
             "bare proxy: p50, overhead (the floor) | " + ("baseline natograph: p50, overhead | " if baseline else "")
             + "directly: req/s | through natograph: req/s | natograph ÷ directly (rounds) | CPU per request: engine; "
             "natograph's own | errors / requests |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|" + ("---|" if baseline else "")]
    for row in rows:
        if row["status"] != "ok":
            lines.append(f"| {row['size']} | {row['engine']} | {row['status']} | | | | | | | | | |" + (" |" if baseline else ""))
            continue
        lat, thr = row["latency_ratios"], row["throughput_ratios"]
        hops = "".join(f"{row[f'{hop}_p50_ms']:.2f} ms, {row[f'{hop}_ratio'] - 1:+.0%} | " if f"{hop}_ratio" in row
                       else "– | " for hop in ("proxy", "baseline")[:2 if baseline else 1])
        lines.append(
            f"| {row['size']} | {row['engine']} | {row['measure']} | {row['direct_p50_ms']:.2f} ms | "
            f"{row['natograph_p50_ms']:.2f} ms | {row['latency_ratio'] - 1:+.0%} ({min(lat) - 1:+.0%} to "
            f"{max(lat) - 1:+.0%}) | {hops}{row['direct_rps']:,.0f} | {row['natograph_rps']:,.0f} | "
            f"{row['throughput_ratio']:.0%} ({min(thr):.0%}–{max(thr):.0%}) | {row['engine_cpu_ms']:.2f} ms; "
            f"{row['natograph_cpu_ms']:.2f} ms | {row['errors']} / {row['requests']:,} |")
    clients = rows[0].get("clients", "?") if rows else "?"
    return "\n".join(lines + ["", "Latency: one client, through natograph, the bare proxy (bench/proxy.py"
                                  + (", the baseline natograph" if baseline else "") + ") and directly in turn, one "
                                  "request at a time; the overhead is the median of each round's median pair ratio "
                                  "to the direct request (range: the "
                                  f"rounds'). Throughput: {clients} concurrent clients (Python load generator), each "
                                  "target in turn; the median of the per-round ratios. CPU: user and system time "
                                  "per request, of the engine's process and of natograph's process group, during "
                                  "the one-client runs."])


def remote_goals(rows: list[dict]) -> str:
    """Issue 16's goal: at most 10 % overhead on an uncached aggregate, on each engine."""
    lines = ["| goal | measured | met |", "|---|---|---|"]
    for row in rows:
        if row["status"] == "ok" and row["measure"] == "aggregate":
            overhead = row["latency_ratio"] - 1
            lost = 1 - row["throughput_ratio"]
            lines.append(f"| ≤ 10 % overhead, uncached aggregate, {row['engine']}, {row['size']} | latency "
                         f"{overhead:+.0%}, throughput {-lost:+.0%} | {'yes' if overhead <= 0.10 and lost <= 0.10 else 'NO'} |")
    return "\n".join(lines)


if __name__ == "__main__" and sys.argv[1:2] == ["publish"]:
    # python bench/remote.py publish [SIZES [PUBLISHES]], e.g. 100k,1M 3
    arguments = sys.argv[2:] + [None] * 2
    found = measure_publish((arguments[0] or "100k").split(","), int(arguments[1] or 3))
    print(publish_table(found))
    (BENCH / "out").mkdir(exist_ok=True)
    (BENCH / "out" / f"publish-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(found, indent=2))
elif __name__ == "__main__":
    # python bench/remote.py [SIZES [ROUNDS [SECONDS [CLIENTS [BASELINE_SRC]]]]], e.g. 10k,100k 3 3 4 /tmp/old/src
    arguments = sys.argv[1:] + [None] * 5
    found = measure_remote((arguments[0] or "10k").split(","), int(arguments[1] or 1), float(arguments[2] or 2),
                           int(arguments[3] or 4), baseline_src=arguments[4])
    print(remote_table(found))
    print(remote_goals(found))
    (BENCH / "out").mkdir(exist_ok=True)
    (BENCH / "out" / f"remote-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(found, indent=2))
