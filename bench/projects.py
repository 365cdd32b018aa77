"""Benchmark projects: generated data at one size as a natograph project, built, and the same data for the peers.

    python bench/projects.py 10k      # build the 10k project (if needed) and print where everything is

Each size gets `.natograph/bench/<size>/`:

- `project/`: a natograph project (the real ontology, `data/synthetic.ttl` with the generated triples,
  the real `queries/`, `ontology/shapes.ttl` and `checks/`), with its snapshot in
  `project/.natograph/snapshots/` built by `natograph build`;
- `reasoned.nt`: the snapshot's default graph (asserted and inferred triples), which the peers load,
  so that every engine answers over the same triples;
- `oxigraph/`: an Oxigraph server database of `reasoned.nt` (`oxigraph load`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
WORK = REPO_ROOT / ".natograph" / "bench"
GENERATED = BENCH / "out" / "data"
SIZES = {"1k": 1_000, "10k": 10_000, "30k": 30_000, "100k": 100_000, "1M": 1_000_000}


@dataclass(frozen=True)
class BenchProject:
    """Where one size's project, snapshot and peer data are."""

    size: str
    root: Path
    reasoned: Path
    oxigraph_location: Path

    @property
    def snapshot_key(self) -> str:
        return (self.root / ".natograph" / "snapshots" / "CURRENT").read_text().strip()

    @property
    def manifest(self) -> dict:
        return json.loads((self.root / ".natograph" / "snapshots" / self.snapshot_key / "manifest.json").read_text())


def generated_file(size: str) -> Path:
    """The deterministic generated N-Triples of one size (bench/generate.py), generated once."""
    path = GENERATED / f"nato-{size}.ttl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, BENCH / "generate.py", "--triples", size, "--out", path], check=True)
    return path


def ensure_project(size: str, *, log=sys.stderr) -> BenchProject:
    """The project of one size, created and built (`natograph build`) unless it already is."""
    base = WORK / size
    project = BenchProject(size, base / "project", base / "reasoned.nt", base / "oxigraph")
    root = project.root
    if not (root / "data" / "synthetic.ttl").exists():
        print(f"  creating the {size} benchmark project …", file=log, flush=True)
        shutil.rmtree(root, ignore_errors=True)
        (root / "ontology").mkdir(parents=True)
        (root / "data").mkdir()
        shutil.copyfile(REPO_ROOT / "ontology" / "nato.ttl", root / "ontology" / "nato.ttl")
        shutil.copytree(REPO_ROOT / "queries", root / "queries")
        # The generated file starts with the ontology's triples: the asserted graph is exactly the generated one.
        staged = root / "data" / "synthetic.ttl.partial"
        shutil.copyfile(generated_file(size), staged)
        os.replace(staged, root / "data" / "synthetic.ttl")
    _copy_check_inputs(root)
    built = subprocess.run([sys.executable, "-m", "natograph.cli", "--root", str(root), "build"],
                           capture_output=True, text=True)
    if built.returncode != 0:
        raise RuntimeError(f"natograph build of the {size} project failed:\n{built.stdout}{built.stderr}")
    if "reused" not in built.stdout.splitlines()[0]:
        print(f"  built the {size} snapshot", file=log, flush=True)
    _ensure_peer_data(project, log)
    return project


def _copy_check_inputs(root: Path) -> None:
    """The real shapes and expectations, for the checks benchmark (they are not inputs of the snapshot)."""
    shutil.copyfile(REPO_ROOT / "ontology" / "shapes.ttl", root / "ontology" / "shapes.ttl")
    shutil.rmtree(root / "checks", ignore_errors=True)
    shutil.copytree(REPO_ROOT / "checks", root / "checks")


def _ensure_peer_data(project: BenchProject, log) -> None:
    stamp = project.reasoned.with_suffix(".key")
    key = project.snapshot_key
    if stamp.exists() and stamp.read_text() == key and project.oxigraph_location.exists():
        return
    print(f"  exporting the {project.size} default graph for the peers …", file=log, flush=True)
    export_default_graph(project.root, key, project.reasoned)
    shutil.rmtree(project.oxigraph_location, ignore_errors=True)
    subprocess.run([tool("oxigraph"), "load", "--location", str(project.oxigraph_location), "--file", str(project.reasoned)],
                   check=True, capture_output=True)
    subprocess.run([tool("oxigraph"), "optimize", "--location", str(project.oxigraph_location)],
                   check=True, capture_output=True)
    stamp.write_text(key)


def tool(name: str) -> str:
    """A command installed in this Python's environment (the benchmark's own), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed (bench/requirements.txt installs it)")
    return found


def export_default_graph(root: Path, key: str, target: Path) -> int:
    """Write the snapshot's asserted and inferred triples as one N-Triples file; returns how many."""
    import pyoxigraph as ox

    from natograph.config import Config
    from natograph.snapshot import open_snapshot
    from natograph.vocab import ASSERTED_GRAPH, INFERRED_GRAPH

    snapshot = open_snapshot(Config.load(root=root), key)
    triples = [quad.triple for graph in (ASSERTED_GRAPH, INFERRED_GRAPH)
               for quad in snapshot.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))]
    partial = target.with_suffix(".partial")
    with partial.open("wb") as out:
        ox.serialize(triples, out, format=ox.RdfFormat.N_TRIPLES)
    os.replace(partial, target)
    return len(triples)


def main(argv: list[str]) -> int:
    for size in argv or ["1k"]:
        project = ensure_project(size)
        print(f"{size}: project {project.root}, snapshot {project.snapshot_key}, peers {project.reasoned}, "
              f"oxigraph {project.oxigraph_location}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
