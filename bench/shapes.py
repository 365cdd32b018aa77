"""Query-shape benchmark: the idioms analysts write (`bench/shapes/*.rq`), on natograph, pyoxigraph and rdflib.

    python bench/shapes.py 10k 30k 100k   # (inside the benchmark environment) one JSON line per measurement

Every shape runs over the snapshot's default graph (asserted and inferred triples) at each size, on:

- **natograph**: `EmbeddedStore.query` on the built snapshot with its memory image, as the query
  workers serve `/sparql`, but with the text as written (the store's own call of `rewrite` replaced);
- **natograph (rewritten)**: the same store, given `natograph.sparql.shapes.rewrite(text)`: the shape
  rewrites of issue 15, so that their effect shows (present only when the module exists);
- **pyoxigraph**: a bare in-memory `pyoxigraph.Store()` with the same triples;
- **rdflib**: an rdflib `Graph` of the same triples, with rdflib's own SPARQL evaluator.

The engines run one after another; each has one process per size, open while it runs. Shape by shape,
the sizes take turns: a round is one run at each size (the order rotating), repeated while the runs are
short (5 rounds under half a second, 15 under 50 ms); the time shown is each size's median. The growth
exponent is fitted by least squares over every size, log time against log triples, each size's time its
fastest run; the same fit over each pass alone (`--shape-passes`), or over each half of the rounds, gives
its spread. A shape that runs longer than the time limit is stopped by
killing that process (no engine here can interrupt a query), recorded as "> limit", and the engine is
opened again for the next shape. The answers are compared as multisets of rows, each term in a canonical form (numbers by
value, a plain string and an xsd:string alike, the parts of a " | "-separated GROUP_CONCAT sorted).
"""

from __future__ import annotations

import hashlib
import json
import math
import select
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from projects import BENCH, SIZES, ensure_project
from servers import LOGS

SHAPES = BENCH / "shapes"
ENGINES = ("natograph", "natograph (rewritten)", "pyoxigraph", "rdflib")
# A run under REPEAT_BELOW_S is repeated; the short ones more often, since the machine is shared and noisy.
REPEAT_BELOW_S = 0.5
REPEATS = 5
REPEATS_BELOW_50_MS = 15
XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {XSD + name for name in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                    "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
CONCAT_SEPARATOR = " | "


def load_shapes() -> dict[str, tuple[str, str]]:
    """Every shape by name: (its one-line description, the SPARQL text)."""
    shapes = {}
    for path in sorted(SHAPES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        shapes[path.stem] = (text.splitlines()[0].lstrip("# ").strip(), text)
    return shapes


def rewriter_available() -> bool:
    try:
        import natograph.sparql.shapes  # noqa: F401
    except ImportError:
        return False
    return True


def canonical_literal(value: str, datatype: str | None, language: str | None) -> str:
    """One literal in a form two engines agree on when they mean the same value."""
    if language:
        return f"{value!r}@{language.lower()}"
    datatype = datatype or XSD + "string"
    try:
        if datatype in INTEGERS:
            return f"{int(value)}^^integer"
        if datatype == XSD + "decimal":
            return f"{Decimal(value).normalize()}^^decimal"
        if datatype in (XSD + "double", XSD + "float"):
            return f"{float(value)!r}^^{datatype}"
    except (ValueError, InvalidOperation):
        pass
    if datatype == XSD + "string" and CONCAT_SEPARATOR in value:
        value = CONCAT_SEPARATOR.join(sorted(value.split(CONCAT_SEPARATOR)))
    return f"{value!r}^^{datatype}"


def ox_term(term) -> str:
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return canonical_literal(term.value, term.datatype.value if term.datatype else None, term.language)
    return "_:"  # blank nodes cannot be matched between engines; the data has none


def rdflib_term(term) -> str:
    import rdflib

    if term is None:
        return ""
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return canonical_literal(str(term), str(term.datatype) if term.datatype else None, term.language)
    return "_:"


def open_engine(engine: str, project):
    """(seconds to open, a function answering one text with its canonical rows)."""
    started = time.perf_counter()
    if engine.startswith("natograph"):
        from natograph.config import Config
        from natograph.snapshot import open_snapshot
        from natograph.store import AskResult, EmbeddedStore, load_default_graph

        config = Config.load(root=project.root)
        snapshot = open_snapshot(config)
        store = EmbeddedStore(snapshot, memory=load_default_graph(snapshot.path))
        rewrite = (lambda text: text)
        if engine == "natograph (rewritten)":
            from natograph.sparql.shapes import rewrite
        else:
            # The store hands the engine `rewrite(text)` itself, as the server does: this column is the text as
            # written, to show what the rewrites change.
            import natograph.store.embedded as embedded
            embedded.rewrite = rewrite

        def answer(text):
            result = store.query(rewrite(text))
            if isinstance(result, AskResult):
                return [str(result.value).lower()]
            return ["\t".join(ox_term(term) for term in row) for row in result.rows]
    elif engine == "pyoxigraph":
        import pyoxigraph as ox

        store = ox.Store()
        store.bulk_load(path=str(project.reasoned), format=ox.RdfFormat.N_TRIPLES)

        def answer(text):
            result = store.query(text)
            if isinstance(result, ox.QueryBoolean):
                return [str(bool(result)).lower()]
            return ["\t".join(ox_term(term) for term in solution) for solution in result]
    elif engine == "rdflib":
        import rdflib

        graph = rdflib.Graph()
        graph.parse(str(project.reasoned), format="nt")

        def answer(text):
            result = graph.query(text)
            if result.type == "ASK":
                return [str(bool(result.askAnswer)).lower()]
            return ["\t".join(rdflib_term(term) for term in row) for row in result]
    else:
        raise ValueError(f"unknown engine {engine}")
    return time.perf_counter() - started, answer


def child_main(engine: str, size: str) -> None:
    """In the child process: open the engine, then answer shape names from stdin, one JSON line each."""
    project = ensure_project(size)
    open_seconds, answer = open_engine(engine, project)
    shapes = load_shapes()
    print(json.dumps({"open_seconds": open_seconds}), flush=True)
    for line in sys.stdin:
        name = line.strip()
        started = time.perf_counter()
        try:
            rows = answer(shapes[name][1])
        except Exception as error:  # reported as the shape's result, the engine stays open
            print(json.dumps({"error": f"{type(error).__name__}: {error}"[:300]}), flush=True)
            continue
        seconds = time.perf_counter() - started
        digest = hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()[:12]
        print(json.dumps({"seconds": seconds, "rows": len(rows), "answer": digest}), flush=True)


class Engine:
    """One engine in its own process, opened on demand again after it was stopped at the time limit."""

    def __init__(self, engine: str, size: str):
        self.engine, self.size = engine, size
        self.process = None
        self.open_seconds = None

    def _start(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = (LOGS / f"shapes-{self.engine.replace(' ', '-')}-{self.size}.log").open("a")
        self.process = subprocess.Popen([sys.executable, __file__, "--child", self.engine, self.size], text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        opened = self._read(1800)
        if opened is None:
            raise RuntimeError(f"{self.engine} did not open at {self.size}")
        self.open_seconds = opened["open_seconds"]

    def ask(self, name: str, limit_s: float) -> dict | None:
        """The engine's answer to one shape, or None when it ran past the limit (the process is then stopped)."""
        if self.process is None:
            self._start()
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        reply = self._read(limit_s)
        if reply is None:
            self.stop()
        return reply

    def _read(self, timeout_s: float) -> dict | None:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout_s)
        line = self.process.stdout.readline() if ready else ""
        return json.loads(line) if line else None

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def measure_shapes(sizes: list[str], limit_s: float, engines=None, names=None, *, passes: int = 1,
                   log=sys.stderr) -> list[dict]:
    """One row per size, engine and shape: median seconds (or the limit passed), the runs, rows and an answer digest.

    The engines run one after another, each with one process per size open (the other engines closed), so that
    no engine's memory weighs on another's times. Shape by shape, the sizes take turns run after run (a round
    is one run at each size, in an order that rotates), so that the load of the shared machine falls alike on
    every size of an exponent. With `passes` above 1 the whole measurement is repeated (the engines in the
    opposite order every other pass), and each row holds every pass's runs (`shape_exponent` reads them).
    """
    engines = engines or [e for e in ENGINES if e != "natograph (rewritten)" or rewriter_available()]
    shapes = load_shapes()
    names = names or list(shapes)
    for size in sizes:
        ensure_project(size, log=log)
    measured: dict[tuple, list[dict]] = {}
    for pass_number in range(passes):
        for engine in engines if pass_number % 2 == 0 else engines[::-1]:
            pool = {size: Engine(engine, size) for size in sizes}
            try:
                for number, name in enumerate(names, 1):
                    print(f"  shapes: pass {pass_number + 1} of {passes}, {engine}, {name} ({number} of {len(names)}) "
                          f"at {', '.join(sizes)} triples …", file=log, flush=True)
                    for row in _measure_shape(pool, engine, name, limit_s):
                        measured.setdefault((row["size"], engine, name), []).append(row)
            finally:
                for process in pool.values():
                    process.stop()
    return [_merged(passes_rows) for passes_rows in measured.values()]


def _merged(passes_rows: list[dict]) -> dict:
    """One row from the rows of every pass: every run, and the runs of each pass (`groups`); a pass that did not
    answer makes the whole row that pass's status."""
    failed = [row for row in passes_rows if row["status"] != "ok"]
    if failed:
        return failed[0]
    runs = [seconds for row in passes_rows for seconds in row["samples"]]
    return {**passes_rows[0], "seconds": statistics.median(runs), "samples": runs,
            "groups": [row["samples"] for row in passes_rows]}


def _measure_shape(pool: dict, engine: str, name: str, limit_s: float) -> list[dict]:
    """One shape on one engine at every size of `pool`, in rounds: one row per size."""
    sizes = list(pool)
    replies = {size: pool[size].ask(name, limit_s) for size in sizes}
    samples = {size: [reply["seconds"]] for size, reply in replies.items() if reply is not None and "seconds" in reply}
    wanted = {size: REPEATS_BELOW_50_MS if runs[0] < 0.05 else REPEATS if runs[0] < REPEAT_BELOW_S else 1
              for size, runs in samples.items()}
    for round_number in range(1, max(wanted.values(), default=1)):
        turn = round_number % len(sizes)
        for size in sizes[turn:] + sizes[:turn]:
            runs = samples.get(size)
            if runs is None or len(runs) >= wanted[size]:
                continue
            again = pool[size].ask(name, limit_s)
            if again is None or "seconds" not in again:
                wanted[size] = len(runs)
            else:
                runs.append(again["seconds"])
    rows = []
    for size, reply in replies.items():
        row = {"benchmark": "shapes", "size": size, "engine": engine, "shape": name, "limit_s": limit_s}
        if reply is None:
            rows.append({**row, "status": "over limit"})
        elif "error" in reply:
            rows.append({**row, "status": "error", "error": reply["error"]})
        else:
            runs = samples[size]
            rows.append({**row, "status": "ok", "seconds": statistics.median(runs), "samples": runs,
                         "rows": reply["rows"], "answer": reply["answer"]})
    return rows


def growth_exponent(small: float, large: float, ratio: float = 10.0) -> float:
    """The exponent k with large = small · ratio^k."""
    return math.log(max(large, 1e-9) / max(small, 1e-9)) / math.log(ratio)


def fitted_exponent(points: list[tuple[int, float]]) -> float:
    """The exponent k of t = c · n^k fitted to (n, t) points by least squares on log t against log n."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(t, 1e-9)) for _, t in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)


@dataclass(frozen=True)
class Exponent:
    """A shape's growth on one engine: the fit of the fastest runs, the lowest and highest fit of the passes (or of
    the two halves of the rounds, in one pass), and whether it is a lower bound (the largest size ran past the
    time limit)."""

    value: float
    low: float | None = None
    high: float | None = None
    at_least: bool = False

    def __str__(self) -> str:
        if self.at_least:
            return f"≥ {self.value:.1f}"
        if self.low is None:
            return f"{self.value:.2f}"
        return f"{self.value:.2f} ({self.low:.2f}–{self.high:.2f})"


def _groups(row: dict) -> list[list[float]]:
    """A row's runs split in independent measurements: its passes, or with one pass the halves of its rounds."""
    groups = row.get("groups") or [row["samples"]]
    if len(groups) == 1 and len(groups[0]) >= 2:
        runs = groups[0]
        return [runs[:len(runs) // 2], runs[len(runs) // 2:]]
    return groups


def shape_exponent(size_rows: list[dict | None]) -> Exponent | None:
    """The growth exponent over the sizes of `size_rows` (one row per size, smallest first): the least-squares fit
    of log time against log triples, the time of a size being its fastest run (the one the shared machine's other
    work delayed least: busy moments add time, and more to the larger sizes, whose data outgrow the caches), and
    the spread of the same fit over independent parts of the runs (`_groups`). None when the smallest size did not
    answer."""
    if any(row is None for row in size_rows) or size_rows[0]["status"] != "ok":
        return None
    points = []
    for row in size_rows:
        if row["status"] == "ok":
            points.append((SIZES[row["size"]], min(row["samples"])))
        elif row["status"] == "over limit" and row is size_rows[-1] and len(points) == len(size_rows) - 1:
            return Exponent(fitted_exponent(points + [(SIZES[row["size"]], row["limit_s"])]), at_least=True)
        else:
            return None
    groups = [_groups(row) for row in size_rows]
    if len({len(g) for g in groups}) != 1 or len(groups[0]) < 2:
        return Exponent(fitted_exponent(points))
    fits = [fitted_exponent([(SIZES[row["size"]], min(group[part])) for row, group in zip(size_rows, groups)])
            for part in range(len(groups[0]))]
    return Exponent(fitted_exponent(points), min(fits), max(fits))


def _time(row: dict | None) -> str:
    if row is None:
        return ""
    if row["status"] == "over limit":
        return f"> {row['limit_s']:.0f} s"
    if row["status"] != "ok":
        return "error"
    seconds = row["seconds"]
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.2f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def _answer_exponent(size_rows: list[dict | None]) -> float | None:
    """The growth exponent of the number of rows (a COUNT's one row: 0), fitted over the sizes."""
    if any(row is None or "rows" not in row for row in size_rows):
        return None
    return fitted_exponent([(SIZES[row["size"]], max(row["rows"], 1)) for row in size_rows])


def shape_goals(by: dict, shape: str, engine: str, sizes: list[str], answer_exponent: float | None) -> list[str]:
    """What keeps one engine from issue 15's goals on one shape (empty when it meets them): the fitted exponent
    over `sizes` at most the answer's + 0.2 (1.2 for a constant-size answer), not slower than rdflib at any size."""
    missed = []
    size_rows = [by.get((size, engine, shape)) for size in sizes]
    if any(row is None for row in size_rows):
        return ["not measured"]
    failed = [row for row in size_rows if row["status"] != "ok"]
    if failed:
        return [f"{_time(failed[0])} at {failed[0]['size']}"]
    exponent = shape_exponent(size_rows)
    bound = 1.2 if answer_exponent is not None and abs(answer_exponent) < 0.05 else (answer_exponent or 0) + 0.2
    if exponent.value > bound:
        missed.append(f"grows as n^{exponent.value:.2f} (bound {bound:.1f})")
    for size in (sizes[0], sizes[-1]):
        mine, theirs = by.get((size, engine, shape)), by.get((size, "rdflib", shape))
        if theirs is not None and theirs["status"] == "ok" and mine["seconds"] > theirs["seconds"]:
            missed.append(f"slower than rdflib at {size}")
    return missed


def shapes_table(rows: list[dict]) -> str:
    """Markdown: per shape, each engine's time at the smallest and largest size and its growth exponent fitted
    over every size, the answer size and its exponent, whether the engines agree, and which goals of issue 15
    the natograph column that serves (the rewritten one) misses."""
    by = {(r["size"], r["engine"], r["shape"]): r for r in rows}
    engines = [e for e in ENGINES if any(r["engine"] == e for r in rows)]
    shapes = list(dict.fromkeys(r["shape"] for r in rows))
    sizes = sorted(dict.fromkeys(r["size"] for r in rows), key=SIZES.get)
    small, large = sizes[0], sizes[-1]
    head = ["shape"]
    for engine in engines:
        head += [f"{engine} {small}", f"{engine} {large}", f"{engine} exp."]
    head += [f"rows {small}", f"rows {large}", "rows exp.", "same answers", "goals missed (natograph)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for shape in shapes:
        cells = [shape]
        for engine in engines:
            size_rows = [by.get((size, engine, shape)) for size in sizes]
            exponent = shape_exponent(size_rows) if len(sizes) > 1 else None
            cells += [_time(size_rows[0]), _time(size_rows[-1]), "" if exponent is None else str(exponent)]
        answered = [next((by[(size, e, shape)] for e in engines
                          if (size, e, shape) in by and "rows" in by[(size, e, shape)]), None) for size in sizes]
        answer_exponent = _answer_exponent(answered) if len(sizes) > 1 else None
        cells += [str(answered[0]["rows"]) if answered[0] else "", str(answered[-1]["rows"]) if answered[-1] else "",
                  "" if answer_exponent is None else f"{answer_exponent:.1f}"]
        differing = []
        for size in sizes:
            digests = {e: by[(size, e, shape)]["answer"] for e in engines
                       if (size, e, shape) in by and "answer" in by[(size, e, shape)]}
            if len(set(digests.values())) > 1:
                majority = max(set(digests.values()), key=list(digests.values()).count)
                differing += [f"{e} at {size}" for e, d in digests.items() if d != majority]
        cells.append("yes" if not differing else "no: " + ", ".join(differing) + " differ")
        served = "natograph (rewritten)" if "natograph (rewritten)" in engines else "natograph"
        missed = shape_goals(by, shape, served, sizes, answer_exponent) if len(sizes) > 1 else []
        cells.append("; ".join(missed))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child_main(sys.argv[2], sys.argv[3])
    else:
        for result in measure_shapes(sys.argv[1:] or ["1k"], 10.0):
            print(json.dumps({k: v for k, v in result.items() if k != "samples"}))
