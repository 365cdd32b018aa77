"""Attack probes against a real `natograph serve` on 127.0.0.1, while a second client times cheap requests.

    .venv/bin/python bench/attack.py                 # the repository's project, default settings: about 2 minutes
    .venv/bin/python bench/attack.py --seconds 8 --root PATH

The server is started with the default settings (no NATOGRAPH_* variable is passed on) and stopped at the
end. The probes run one after another, each for `--seconds`:

- none: no attack, for reference;
- slow head / slow body: 24 connections (more than the server's threads) that send their request line and
  headers, or their body, one byte every 2 s;
- long lines: 12 connections in parallel each sending a 4 MiB request line, and one 16 MiB line;
- four slow queries: one client sends `queries/attack-slow.rq` four times at once, again as each ends;
- two memory queries: two clients each run `queries/attack-memory.rq` (a string doubled 27 times).

Every attacker has its own source address (127.0.0.2, 127.0.0.3 …; on Linux all of 127/8 is loopback) and
so is a client of its own; the timing client uses yet another per probe (127.0.1.N), so that no probe
inherits the budget another spent. The timing client sends a cheap query, `ASK { BIND(n AS ?n) }` with a
fresh n each time (so that a query worker answers it, not the result cache), and GET /health, in turn,
every 0.5 s. For each probe the script reports the timing client's median and worst latency, every status
seen (503s with their error kind: `query-timeout`, `server-busy` and `query-limit` are the documented ones; any other 5xx
is flagged), and the peak memory of the server's process tree (RSS summed over the server and every
descendant, sampled every 0.1 s). A Markdown table goes to standard output, the raw numbers to
`bench/out/attack-<timestamp>.json`. Every loop is bounded; nothing leaves the loopback interface.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import itertools
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
REPOSITORY = BENCH.parent
SLOW_QUERY = (BENCH / "queries" / "attack-slow.rq").read_text(encoding="utf-8")
MEMORY_QUERY = (BENCH / "queries" / "attack-memory.rq").read_text(encoding="utf-8")
SLOW_CONNECTIONS = 24
TRICKLE_EVERY_S = 2.0
LONG_LINE_CONNECTIONS = 12
TIMING_EVERY_S = 0.5
REQUEST_TIMEOUT_S = 30
START_TIMEOUT_S = 300
SETTLE_TIMEOUT_S = 120
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
FRESH_NUMBERS = itertools.count()
DOCUMENTED_5XX = {"503 query-timeout", "503 server-busy", "503 query-limit"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`natograph serve` on 127.0.0.1 with the default settings, its output to a log file."""

    def __init__(self, root: Path, log_path: Path):
        self.port = free_port()
        environment = {key: value for key, value in os.environ.items() if not key.startswith("NATOGRAPH_")}
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "natograph.cli", "--root", str(root), "serve", "--port", str(self.port)],
            env=environment, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"natograph serve exited; see {log_path}")
            try:
                health = json.loads(request(self.port, "127.0.0.1", "GET", "/health")[2])
                workers = health["query_workers"]
                if health["status"] == "ok" and workers.get("ready") == workers.get("size"):
                    return
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"natograph serve not ready after {START_TIMEOUT_S} s; see {log_path}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def request(port: int, source: str, method: str, path: str, *, body: bytes | None = None,
            headers: dict | None = None) -> tuple[str, float, bytes]:
    """One request from `source`: its status (a 5xx with its error kind), seconds taken, body."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        status = str(response.status)
    except TimeoutError:
        return "timeout", time.perf_counter() - started, b""
    except OSError as error:
        return type(error).__name__, time.perf_counter() - started, b""
    finally:
        connection.close()
    if status.startswith("5"):
        try:
            status += " " + json.loads(data)["error"]
        except (ValueError, KeyError, TypeError):
            pass
    return status, time.perf_counter() - started, data


def process_tree_rss(root_pid: int) -> int:
    """Bytes resident in `root_pid` and all its descendants."""
    children = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
                children[int(fields[1])].append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    total, pending = 0, [root_pid]
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/statm", "rb") as statm:
                total += int(statm.read().split()[1]) * PAGE_BYTES
        except (OSError, IndexError, ValueError):
            continue
    return total


class Probe:
    """What one probe saw: the timing client's latencies and statuses, the attackers' statuses, peak memory."""

    def __init__(self, name: str):
        self.name = name
        self.latencies: dict[str, list[float]] = {"ASK {}": [], "/health": []}
        self.timing_statuses: collections.Counter = collections.Counter()
        self.attack_statuses: collections.Counter = collections.Counter()
        self.peak_rss = 0
        self.unsettled = 0
        self._lock = threading.Lock()

    def attacked(self, status: str) -> None:
        with self._lock:
            self.attack_statuses[status] += 1

    def summary(self) -> dict:
        seen = set(self.timing_statuses) | set(self.attack_statuses)
        return {
            "probe": self.name,
            **{f"{what} median ms": _ms(statistics.median(times)) if times else None
               for what, times in self.latencies.items()},
            **{f"{what} worst ms": _ms(max(times)) if times else None for what, times in self.latencies.items()},
            "timing client statuses": dict(self.timing_statuses),
            "attacker statuses": dict(self.attack_statuses),
            "undocumented 5xx": sorted(s for s in seen if s.startswith("5") and s not in DOCUMENTED_5XX),
            "peak tree RSS MB": round(self.peak_rss / 2**20),
            "attackers still busy after the settling time": self.unsettled,
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def run_probe(server: Server, probe: Probe, attack, seconds: float, timing_source: str) -> dict:
    """Run `attack(stop, probe)` in threads for `seconds` while timing cheap requests and sampling memory."""
    stop = threading.Event()

    def time_cheap_requests():
        while not stop.is_set():
            # A text never sent before: a query worker answers it, not the result cache.
            ask = "/sparql?query=" + quote(f"ASK {{ BIND({next(FRESH_NUMBERS)} AS ?n) }}")
            for label, path in (("ASK {}", ask), ("/health", "/health")):
                status, took, _ = request(server.port, timing_source, "GET", path)
                probe.timing_statuses[status] += 1
                probe.latencies[label].append(took)
            stop.wait(TIMING_EVERY_S)

    def sample_memory():
        while not stop.is_set():
            probe.peak_rss = max(probe.peak_rss, process_tree_rss(server.process.pid))
            stop.wait(0.1)

    threads = [threading.Thread(target=time_cheap_requests), threading.Thread(target=sample_memory)]
    threads += [threading.Thread(target=attack, args=(stop, probe)) for attack in attack]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    # The attackers finish what they sent (a server that reads a 16 MiB line slowly takes its time), so that
    # the next probe starts on an idle server.
    give_up = time.monotonic() + SETTLE_TIMEOUT_S
    for thread in threads:
        thread.join(max(0.0, give_up - time.monotonic()))
    probe.unsettled = sum(thread.is_alive() for thread in threads)
    return probe.summary()


def slow_clients(port: int, opening: bytes, source: str):
    """Connections that send `opening`, then one byte every 2 s until the probe ends or the server closes them."""

    def attack(stop: threading.Event, probe: Probe):
        connections = []
        for _ in range(SLOW_CONNECTIONS):
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
                connection.sendall(opening)
                connections.append(connection)
            except OSError as error:
                probe.attacked(f"connect: {type(error).__name__}")
        while not stop.wait(TRICKLE_EVERY_S) and connections:
            for connection in list(connections):
                try:
                    connection.send(b"x")
                except OSError:
                    probe.attacked(_answer_or_close(connection))
                    connections.remove(connection)
        for connection in connections:
            probe.attacked("still open at the end")
            connection.close()

    return [attack]


def _answer_or_close(connection: socket.socket) -> str:
    """What the server did to a connection it stopped reading: an answer's status, or 'closed'."""
    try:
        connection.settimeout(1)
        first_line = connection.recv(4096).split(b"\r\n", 1)[0]
    except OSError:
        first_line = b""
    finally:
        connection.close()
    return first_line.split(b" ")[1].decode() if first_line.startswith(b"HTTP/") else "closed by the server"


def long_line(port: int, length: int, source: str) -> tuple[str, float]:
    """Send a GET line of `length` bytes and read the answer; its status (or what happened) and seconds taken."""
    started = time.perf_counter()
    line = b"GET /health?padding=" + b"x" * length + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT_S,
                                      source_address=(source, 0)) as connection:
            for offset in range(0, len(line), 65536):
                if select.select([connection], [], [], 0)[0]:
                    break  # the server answered before the line ended
                connection.sendall(line[offset:offset + 65536])
            first_line = connection.recv(4096).split(b"\r\n", 1)[0]
    except TimeoutError:
        return "timeout", time.perf_counter() - started
    except OSError as error:
        return type(error).__name__, time.perf_counter() - started
    status = first_line.split(b" ")[1].decode() if first_line.startswith(b"HTTP/") else "closed by the server"
    return status, time.perf_counter() - started


def long_lines(port: int, source: str):
    def one(stop: threading.Event, probe: Probe, length: int):
        while not stop.is_set():
            status, took = long_line(port, length, source)
            probe.attacked(f"{status} ({length >> 20} MiB line)")
            probe.line_seconds = max(getattr(probe, "line_seconds", 0.0), took)
            stop.wait(0.5)

    attacks = [lambda stop, probe: one(stop, probe, 4 << 20) for _ in range(LONG_LINE_CONNECTIONS)]
    return attacks + [lambda stop, probe: one(stop, probe, 16 << 20)]


def repeated_queries(port: int, query: str, sources: list[str]):
    """One thread per source, each sending `query` again as soon as its previous answer came (after a 429: 1 s)."""

    def attack_from(source: str):
        def attack(stop: threading.Event, probe: Probe):
            while not stop.is_set():
                status, _, _ = request(port, source, "POST", "/sparql", body=query.encode(),
                                       headers={"Content-Type": "application/sparql-query"})
                probe.attacked(status)
                stop.wait(1.0 if status == "429" else 0.05)
        return attack

    return [attack_from(source) for source in sources]


def markdown(results: list[dict]) -> str:
    rows = ["| probe | ASK {} median / worst | /health median / worst | timing client saw | attackers saw"
            " | undocumented 5xx | peak tree RSS |",
            "|---|---|---|---|---|---|---|"]
    for result in results:
        rows.append(
            f"| {result['probe']} | {_pair(result, 'ASK {}')} | {_pair(result, '/health')}"
            f" | {_statuses(result['timing client statuses'])} | {_statuses(result['attacker statuses'])}"
            f" | {', '.join(result['undocumented 5xx']) or 'none'} | {result['peak tree RSS MB']:,} MB |")
    return "\n".join(rows)


def _pair(result: dict, what: str) -> str:
    median, worst = result[f"{what} median ms"], result[f"{what} worst ms"]
    return "—" if median is None else f"{median:,.0f} / {worst:,.0f} ms"


def _statuses(counts: dict) -> str:
    return ", ".join(f"{status} ×{count}" for status, count in sorted(counts.items())) or "—"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPOSITORY, help="the project to serve (default: this one)")
    parser.add_argument("--seconds", type=float, default=15, help="how long each probe runs (default 15)")
    options = parser.parse_args(argv)
    out = BENCH / "out"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    server = Server(options.root, out / f"attack-{stamp}.log")
    port = server.port
    slow_head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    slow_body = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                 b"Content-Length: 10000\r\n\r\nASK {} #")
    probes = [
        ("none", []),
        ("slow head (24 connections)", slow_clients(port, slow_head, "127.0.0.2")),
        ("slow body (24 connections)", slow_clients(port, slow_body, "127.0.0.3")),
        ("long lines (12 × 4 MiB, 1 × 16 MiB)", long_lines(port, "127.0.0.4")),
        ("four slow queries, one client", repeated_queries(port, SLOW_QUERY, ["127.0.0.5"] * 4)),
        ("two memory queries", repeated_queries(port, MEMORY_QUERY, ["127.0.0.6", "127.0.0.7"])),
    ]
    results = []
    try:
        for number, (name, attack) in enumerate(probes, start=1):
            print(f"probe: {name} ({options.seconds:g} s) …", file=sys.stderr, flush=True)
            probe = Probe(name)
            results.append(run_probe(server, probe, attack, options.seconds, f"127.0.1.{number}"))
            if hasattr(probe, "line_seconds"):
                results[-1]["slowest long line s"] = round(probe.line_seconds, 2)
            if server.process.poll() is not None:
                print("the server exited", file=sys.stderr)
                break
            time.sleep(2)  # let the previous probe's connections and queries end
    finally:
        server.stop()
    (out / f"attack-{stamp}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"natograph attack probes, {time.strftime('%Y-%m-%d')}, {options.seconds:g} s each, default settings\n")
    print(markdown(results))
    for result in results:
        if "slowest long line s" in result:
            print(f"\nslowest long-line request: {result['slowest long line s']} s")
    print(f"\n(raw results: bench/out/attack-{stamp}.json)")
    return 1 if any(result["undocumented 5xx"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
