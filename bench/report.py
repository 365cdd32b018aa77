"""Markdown tables of every benchmark but the build's, and the goals of issue 7 checked against them."""

from __future__ import annotations

import statistics

from query import ENGINES as QUERY_ENGINES


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if not numerator or not denominator:
        return ""
    ratio = numerator / denominator
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×"


def start_table(rows: list[dict]) -> str:
    """Seconds from launch to answering, per size: natograph (/health, ready, first query, memory image) and the peers."""
    columns = [("natograph", "health"), ("natograph", "ready"), ("natograph", "first query"),
               ("natograph", "memory image"), ("Oxigraph server", "first query"), ("rdflib-endpoint", "first query"),
               ("natograph", "memory idle"), ("natograph", "memory after queries")]
    cells = {(r["size"], r["engine"], r["measure"]): r for r in rows}
    lines = ["| triples | natograph: /health answers | natograph: a query worker ready | natograph: first query answered "
             "| natograph: every worker on the memory image | Oxigraph server: first query "
             "| rdflib-endpoint: first query | natograph memory (PSS, 4 workers): idle | after queries |",
             "|---|---|---|---|---|---|---|---|---|"]
    for size in dict.fromkeys(r["size"] for r in rows):
        out = []
        for engine, measure in columns:
            row = cells.get((size, engine, measure))
            out.append("" if row is None else _seconds(row["seconds"]) if "seconds" in row
                       else f"{row['megabytes']:,.0f} MB" if "megabytes" in row else row.get("status", ""))
        lines.append(f"| {size} | " + " | ".join(out) + " |")
    return "\n".join(lines)


def query_table(rows: list[dict]) -> str:
    """Median seconds per query and engine, with natograph's ratio to pyoxigraph and rdflib's to natograph."""
    cells = {(r["size"], r["engine"], r.get("measure")): r for r in rows}
    engines = [e for e in QUERY_ENGINES if any(r["engine"] == e for r in rows)]
    header = ["triples", "query", *engines, "natograph store ÷ pyoxigraph (memory)",
              "natograph store ÷ pyoxigraph (disk)", "natograph store (disk) ÷ pyoxigraph (disk)",
              "rdflib ÷ natograph store", "same answers"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for size in dict.fromkeys(r["size"] for r in rows):
        measures = [m for m in dict.fromkeys(r.get("measure") for r in rows if r["size"] == size) if m]
        for measure in measures:
            found = [cells.get((size, engine, measure)) for engine in engines]
            times = {engine: row["seconds"] for engine, row in zip(engines, found) if row and "seconds" in row}
            digests = {row["answer"] for row in found if row and "answer" in row}
            answer_rows = next((row["rows"] for row in found if row and "rows" in row), None)
            same = "" if measure == "open" else (f"yes ({answer_rows} rows)" if len(digests) == 1 else "NO")
            natograph = times.get("natograph store")
            out = [_seconds(times.get(engine)) for engine in engines]
            out += [_ratio(natograph, times.get("pyoxigraph (memory)")), _ratio(natograph, times.get("pyoxigraph (disk)")),
                    _ratio(times.get("natograph store (disk)"), times.get("pyoxigraph (disk)")),
                    _ratio(times.get("rdflib"), natograph), same]
            label = "open or load" if measure == "open" else measure
            lines.append(f"| {size} | {label} | " + " | ".join(out) + " |")
    failed = [f"{r['size']} {r['engine']}: {r['status']}" for r in rows if "status" in r]
    return "\n".join(lines + ([""] + failed if failed else []))


def http_table(rows: list[dict]) -> str:
    """Requests/s, median latency and errors per server and query."""
    lines = ["| server | query | requests/s | p50 latency | errors / requests |", "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['engine']} | {row['measure']} | {row['requests_per_second']:,.0f} | "
                     f"{row['p50_ms']:.1f} ms | {row['errors']} / {row['requests']:,} |")
    generator = rows[0]["generator"] if rows else "none"
    return "\n".join(lines + ["", f"16 keep-alive connections, load from {generator}; medians of the rounds."])


def round_ratios(first: dict, second: dict) -> tuple[float, str]:
    """The median of the per-round ratios of two HTTP runs measured in the same rounds, and their range.

    Rounds interleave the servers, so a ratio within one round compares them under the same load.
    """
    ratios = sorted(a["requests_per_second"] / b["requests_per_second"]
                    for a, b in zip(first.get("samples", []), second.get("samples", [])) if b["requests_per_second"])
    if not ratios:
        ratio = first["requests_per_second"] / second["requests_per_second"]
        return ratio, "one round"
    low, high = ratios[0], ratios[-1]
    spread = f"rounds {low:.0%}–{high:.0%}" if high < 5 else f"rounds {low:.1f}–{high:.1f}×"
    return statistics.median(ratios), spread


def goals(start: list[dict], query: list[dict], http: list[dict]) -> str:
    """Each goal of issue 7 with the measured value and whether it is met."""
    lines = ["| goal | measured | met |", "|---|---|---|"]

    def add(goal: str, measured: str, met: bool | None) -> None:
        lines.append(f"| {goal} | {measured} | {'' if met is None else 'yes' if met else 'NO'} |")

    health = [r for r in start if r["engine"] == "natograph" and r["measure"] == "health" and "seconds" in r]
    if health:
        worst = max(health, key=lambda r: r["seconds"])
        add("start: /health answers within 1 s of `natograph serve`, at every size",
            f"slowest {_seconds(worst['seconds'])} (at {worst['size']})", worst["seconds"] <= 1.0)
    pairs = (("natograph store", "pyoxigraph (memory)"), ("natograph store (disk)", "pyoxigraph (disk)"))
    for natograph, peer in pairs:
        ratios = []
        for row in query:
            if row["engine"] == natograph and row.get("measure") not in (None, "open") and "seconds" in row:
                other = next((r for r in query if r["engine"] == peer and r.get("measure") == row["measure"]
                              and r["size"] == row["size"] and "seconds" in r), None)
                if other:
                    ratios.append((row["seconds"] / other["seconds"], row["measure"], row["size"]))
        if ratios:
            worst = max(ratios)
            add(f"query: {natograph} within 2× of {peer} on every benchmark query",
                f"worst {worst[0]:.2f}× ({worst[1]}, {worst[2]})", worst[0] <= 2.0)
    digests: dict[tuple, set] = {}
    for row in query:
        if "answer" in row:
            digests.setdefault((row["size"], row["measure"]), set()).add(row["answer"])
    if digests:
        differing = [f"{m} ({s})" for (s, m), found in digests.items() if len(found) > 1]
        add("query: every engine gives the same answers", ", ".join(differing) or "all the same", not differing)
    by = {(r["engine"], r["measure"]): r for r in http}
    uncached = by.get(("natograph (cache off)", "aggregate"))
    cached = by.get(("natograph (cache on)", "aggregate, repeated"))
    oxigraph = by.get(("Oxigraph server", "aggregate"))
    endpoint = by.get(("rdflib-endpoint", "aggregate"))
    hello = by.get(("Flask hello-world", "hello"))
    if uncached and oxigraph:
        share, spread = round_ratios(uncached, oxigraph)
        add("http: uncached aggregate ≥ 50% of Oxigraph server's requests/s", f"{share:.0%} ({spread})", share >= 0.5)
    if uncached and endpoint:
        times, spread = round_ratios(uncached, endpoint)
        add("http: uncached aggregate ≥ 10× rdflib-endpoint's requests/s", f"{times:.1f}× ({spread})", times >= 10)
    if cached and hello:
        share, spread = round_ratios(cached, hello)
        add("http: repeated query ≥ 75% of the hello-world ceiling", f"{share:.0%} ({spread})", share >= 0.75)
    natograph_runs = [r for r in http if r["engine"].startswith("natograph")]
    if natograph_runs:
        errors = sum(r["errors"] for r in natograph_runs)
        total = sum(r["requests"] for r in natograph_runs)
        add("http: no errors under 16 concurrent clients", f"{errors} errors in {total:,} requests", errors == 0)
    return "\n".join(lines)


def checks_table(rows: list[dict]) -> str:
    """Median seconds per step of `natograph check`, explain per explanation, and pySHACL on the same data."""
    lines = ["| triples | step | natograph | pySHACL | pySHACL ÷ natograph | result |", "|---|---|---|---|---|---|"]
    cells = {(r["size"], r["engine"], r.get("measure")): r for r in rows}
    for size in dict.fromkeys(r["size"] for r in rows):
        measures = [m for m in dict.fromkeys(r.get("measure") for r in rows if r["size"] == size
                                             and r["engine"] == "natograph") if m]
        for measure in measures:
            ours = cells[(size, "natograph", measure)]
            peer = cells.get((size, "pySHACL", measure))
            result = ours.get("summary", "")
            if measure == "explain":
                label = f"explain ({ours['explained']} inferred triples)"
                result = f"p95 {_seconds(ours['p95_seconds'])}, {ours['unexplained']} without a derivation"
            else:
                label = measure
            peer_cell = ""
            if peer is not None:
                peer_cell = peer.get("status") or _seconds(peer["seconds"])
                if "findings" in peer:
                    same = "same" if peer["findings"] == ours.get("findings") else "NOT the same"
                    result += f"; pySHACL: {peer['findings']} results ({same} number)"
            lines.append(f"| {size} | {label} | {_seconds(ours.get('seconds'))} | {peer_cell} | "
                         f"{_ratio(peer.get('seconds') if peer else None, ours.get('seconds'))} | {result} |")
    failed = [f"{r['size']} {r['engine']}: {r['status']}" for r in rows
              if "status" in r and r["engine"] == "natograph"]
    return "\n".join(lines + ([""] + failed if failed else []))


def web_table(rows: list[dict]) -> str:
    """Pages: median time and size; dumps: seconds and MB/s, natograph against pyoxigraph's serialiser."""
    pages = ["| triples | page | median | size |", "|---|---|---|---|"]
    dumps = ["| triples | dump | natograph | MB/s | pyoxigraph serialiser | MB/s | natograph ÷ pyoxigraph |",
             "|---|---|---|---|---|---|---|"]
    cells = {(r["size"], r["engine"], r.get("measure")): r for r in rows}
    for row in rows:
        if row["engine"] != "natograph" or "seconds" not in row:
            continue
        if not row["measure"].startswith("dump "):
            pages.append(f"| {row['size']} | {row['measure']} | {_seconds(row['seconds'])} | {row['bytes']:,} B |")
            continue
        peer = cells.get((row["size"], "pyoxigraph", row["measure"]))
        rate = row["bytes"] / row["seconds"] / 1e6
        peer_cells = (f"{_seconds(peer['seconds'])} | {peer['bytes'] / peer['seconds'] / 1e6:.1f}"
                      if peer else " | ")
        dumps.append(f"| {row['size']} | {row['measure'].removeprefix('dump ')} ({row['bytes'] / 1e6:.1f} MB) | "
                     f"{_seconds(row['seconds'])} | {rate:.1f} | {peer_cells} | "
                     f"{_ratio(row['seconds'], peer['seconds'] if peer else None)} |")
    failed = [f"{r['size']} {r['engine']}: {r['status']}" for r in rows if "status" in r]
    return "\n".join(pages + [""] + dumps + ([""] + failed if failed else []))
