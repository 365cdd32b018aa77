"""The benchmarks still run: each module's natograph side, once, at the smallest size the benchmark uses, as
`python3 bench/run.py` would run it (nothing is timed here: the numbers are the benchmark's). A benchmark broken
by a change of natograph's API (bench/checks.py called a removed class for a week) fails here, not in the next
full run."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import REPO_ROOT

BENCH = REPO_ROOT / "bench"
# Building the 10k project (generated data, then `natograph build`) takes seconds the first time.
pytestmark = pytest.mark.slow

MODULES = sorted(path.stem for path in BENCH.glob("*.py"))


def run_in_bench(code: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Python code run with bench/ on the path, as the benchmark's modules import each other."""
    return subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(BENCH)!r})\n{code}"],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)


def rows_of(code: str) -> list[dict]:
    done = run_in_bench(f"import json\n{code}")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", MODULES)
def test_every_benchmark_module_imports(module):
    done = run_in_bench(f"import {module}")
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_checks_benchmark_times_every_check_and_the_explanations():
    done = subprocess.run([sys.executable, str(BENCH / "checks.py"), "--child", "10k", "1", "alone"],
                          capture_output=True, text=True, timeout=600, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout)
    measures = {row["measure"]: row for row in rows}
    assert set(measures) == {"source index", "consistency", "unsatisfiable-classes", "shacl", "entailments",
                             "provenance", "all checks", "explain"}
    assert all(row["seconds"] >= 0 for row in rows)
    assert measures["explain"]["explained"] > 0 and measures["explain"]["unexplained"] == 0


def test_the_web_benchmark_times_pages_and_dumps_against_pyoxigraph():
    done = subprocess.run([sys.executable, str(BENCH / "web.py"), "--child", "10k", "1", "1"],
                          capture_output=True, text=True, timeout=600, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout)
    dumps = {}
    for row in rows:
        if row["measure"].startswith("dump "):
            dumps.setdefault(row["measure"], {})[row["engine"]] = row["bytes"]
    assert dumps and all(set(sizes) == {"natograph", "pyoxigraph"} for sizes in dumps.values())
    line_formats = [measure for measure in dumps if measure.endswith((".nt", ".nq"))]
    assert len(line_formats) == 2
    assert all(len(set(dumps[measure].values())) == 1 for measure in line_formats), "the same lines, byte for byte"
    assert any(row["measure"].startswith("first /void") for row in rows)


def test_the_query_benchmark_gets_one_answer_from_every_engine():
    rows = rows_of("from query import measure_queries\n"
                   "print(json.dumps(measure_queries(['10k'], 1, engines=('natograph store', 'natograph executor', "
                   "'pyoxigraph (memory)'))))")
    assert not [row for row in rows if "status" in row], rows
    answers: dict[str, set] = {}
    for row in rows:
        if row["measure"] != "open":
            answers.setdefault(row["measure"], set()).add((row["rows"], row["answer"]))
    assert answers and all(len(found) == 1 for found in answers.values()), answers


def test_the_shapes_benchmark_compares_the_answers_of_natograph_and_pyoxigraph():
    rows = rows_of("from shapes import load_shapes, measure_shapes\n"
                   "names = sorted(load_shapes())[:3]\n"
                   "print(json.dumps(measure_shapes(['1k'], 5.0, engines=['natograph', 'pyoxigraph'], names=names)))")
    by_shape: dict[str, dict] = {}
    for row in rows:
        by_shape.setdefault(row["shape"] if "shape" in row else row["measure"], {})[row["engine"]] = row
    assert len(by_shape) == 3 and all(set(engines) == {"natograph", "pyoxigraph"} for engines in by_shape.values())


def both_engines_installed() -> None:
    """The remote benchmark needs Virtuoso (Oxigraph server comes with the test extra): a failure in CI, which
    installs it, a skip elsewhere."""
    if shutil.which("virtuoso-t") is None:
        message = "Virtuoso is not installed (apt-get install virtuoso-opensource; .ci/run installs it)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)


def test_the_remote_benchmark_measures_natograph_in_front_of_both_engines():
    """Oxigraph server and Virtuoso started, published to, natograph and the bare proxy in front of each, their
    answers checked against the engine's own (measure_remote raises on a difference)."""
    both_engines_installed()
    rows = rows_of("from remote import measure_remote\n"
                   "rows = measure_remote(['1k'], 1, 0.3, 1)\n"
                   "print(json.dumps([{k: row.get(k) for k in ('engine', 'measure', 'status')} for row in rows]))")
    assert {(row["engine"], row["measure"], row["status"]) for row in rows} == {
        (engine, query, "ok") for engine in ("Oxigraph server", "Virtuoso") for query in ("aggregate", "lookup")}


def test_the_publish_benchmark_publishes_twice_to_both_engines():
    both_engines_installed()
    rows = rows_of("from remote import measure_publish\n"
                   "rows = measure_publish(['1k'], 2)\n"
                   "print(json.dumps([{k: row.get(k) for k in ('engine', 'status', 'first_s', 'again_s')} "
                   "for row in rows]))")
    assert {row["engine"] for row in rows} == {"Oxigraph server", "Virtuoso"}
    assert all(row["status"] == "ok" and row["first_s"] > 0 and row["again_s"] > 0 for row in rows)
