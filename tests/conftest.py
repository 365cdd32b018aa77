"""Shared fixtures: configs for the real project and for small fixture projects, built snapshots."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from natograph.build import build
from natograph.config import Config
from natograph.build.load import InputFile, parse_file
from natograph.build.check.shacl import load_shapes
from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def mini_project(tmp_path: Path) -> Config:
    """A copy of the tiny fixture project in tests/data/mini, with its own snapshot directory."""
    root = tmp_path / "mini"
    shutil.copytree(TEST_DATA / "mini", root)
    return Config.load(root=root)


@pytest.fixture(scope="session")
def project_config(tmp_path_factory) -> Config:
    """The real project (ontology/ and data/ of this repo), snapshots written to a temporary directory."""
    snapshots = tmp_path_factory.mktemp("snapshots")
    return Config.load(root=REPO_ROOT, snapshot_dir=str(snapshots))


@pytest.fixture(scope="session")
def project_snapshot(project_config: Config):
    """The real project's reasoned snapshot, built once per test session."""
    result = build(project_config)
    return open_snapshot(project_config, result.key)


@pytest.fixture(scope="session")
def project_store(project_snapshot) -> EmbeddedStore:
    """The embedded store over the real project's snapshot."""
    return EmbeddedStore(project_snapshot)


@pytest.fixture(scope="session")
def ontology():
    """The project's ontology triples, parsed as the build parses them."""
    return parse_file(InputFile("ontology/nato.ttl", REPO_ROOT / "ontology" / "nato.ttl")).triples


@pytest.fixture(scope="session")
def shapes():
    """The project's SHACL shapes."""
    return load_shapes(REPO_ROOT / "ontology" / "shapes.ttl", "ontology/shapes.ttl")
