"""The repeated (cached) query of the HTTP benchmark on two natograph versions and the hello-world ceiling, paired.

    python bench/cached_versions.py OLD_SRC [ROUNDS [SECONDS]]

OLD_SRC is the `src/` directory of another checkout (for example `git archive` of the commit before a change);
the new version is the natograph this Python imports. Three servers run at once on the 10k project with the
HTTP benchmark's settings (`throughput.py`): the Flask hello-world, natograph OLD and natograph NEW, the last two
with the result cache on and without per-client limits. Each round loads each server once for SECONDS (wrk, 16
connections, the repeated aggregate GET), the three one after another in an order that rotates from round to
round; the ratios are taken within each round, where the three ran under the same background load, and the
report gives their medians and ranges, with each server's requests/s and CPU time per request (user + system of
the serving process, from /proc).
"""

from __future__ import annotations

import statistics
import sys

from projects import ensure_project
from servers import process_cpu_seconds, start_hello_world, start_natograph
from throughput import JSON_RESULTS, ONE_CLIENT_UNLIMITED, READY_TIMEOUT_S, _all_workers_ready, _get, _query, run_wrk


def main(old_src: str, rounds: int, seconds: float) -> None:
    project = ensure_project("10k")
    aggregate = _query("aggregate")
    servers = {}
    try:
        servers["hello-world"] = start_hello_world()
        servers["old"] = start_natograph(project, pythonpath=old_src, **ONE_CLIENT_UNLIMITED)
        servers["new"] = start_natograph(project, **ONE_CLIENT_UNLIMITED)
        servers["hello-world"].wait_until("/", timeout_s=READY_TIMEOUT_S)
        targets = {"hello-world": (f"http://127.0.0.1:{servers['hello-world'].port}/", "text/html")}
        for name in ("old", "new"):
            server = servers[name]
            server.wait_until("/health", timeout_s=READY_TIMEOUT_S, accept_body=_all_workers_ready)
            targets[name] = (f"http://127.0.0.1:{server.port}{server.query_path(aggregate)}", JSON_RESULTS)
            _get(*targets[name])  # the answer into the result cache
        names = list(targets)
        rates = {name: [] for name in names}
        cpu = {name: [] for name in names}
        for round_number in range(rounds):
            for name in names[round_number % 3:] + names[:round_number % 3]:
                pid = servers[name].process.pid
                before = process_cpu_seconds(pid)
                url, accept = targets[name]
                result = run_wrk(url, seconds, accept)
                if result["errors"]:
                    sys.exit(f"{name}: {result['errors']} errors in round {round_number + 1}")
                rates[name].append(result["requests_per_second"])
                cpu[name].append((process_cpu_seconds(pid) - before) / result["requests"] * 1e6)
            print(f"round {round_number + 1}: " + ", ".join(
                f"{name} {rates[name][-1]:,.0f} req/s ({cpu[name][-1]:.0f} µs CPU a request)" for name in names),
                file=sys.stderr, flush=True)
    finally:
        for server in servers.values():
            server.stop()
    for name in names:
        print(f"{name}: {_spread(rates[name], '{:,.0f}')} req/s, {_spread(cpu[name], '{:.0f}')} µs CPU a request")
    for label, a, b in (("new ÷ old", "new", "old"), ("old ÷ hello-world", "old", "hello-world"),
                        ("new ÷ hello-world", "new", "hello-world")):
        print(f"{label}: req/s {_spread([x / y for x, y in zip(rates[a], rates[b])], '{:.3f}')}")


def _spread(values: list[float], form: str) -> str:
    return f"{form.format(statistics.median(values))} ({form.format(min(values))}–{form.format(max(values))})"


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 9, float(sys.argv[3]) if len(sys.argv) > 3 else 5)
