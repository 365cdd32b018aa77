"""`natograph check` of a snapshot on disk gives the report its build saved in it, read back, not made again."""

import json
import shutil

import pytest

from natograph.build.check.report import SavedFinding, format_text, run_checks
from natograph.config import Config
from natograph.snapshot import CHECK_REPORT, current_key

from ..conftest import REPO_ROOT


@pytest.fixture
def project(tmp_path) -> Config:
    """A copy of the real project's inputs: its report has findings (each document's coverage)."""
    root = tmp_path / "project"
    for folder in ("ontology", "data", "checks"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    return Config.load(root=root)


def test_a_reused_snapshot_gives_the_report_its_build_made_in_words_and_in_json(project):
    fresh = run_checks(project)
    assert fresh.snapshot == current_key(project)
    assert sum(len(check.findings) for check in fresh.checks) > 0
    again = run_checks(project)
    assert all(isinstance(f, SavedFinding) for check in again.checks for f in check.findings)
    assert again.to_dict() == fresh.to_dict()
    assert format_text(again) == format_text(fresh)
    assert again.exit_code == fresh.exit_code


def test_the_saved_report_is_read_back_not_made_again(project):
    run_checks(project)
    saved = project.snapshots_path / current_key(project) / CHECK_REPORT
    payload = json.loads(saved.read_text(encoding="utf-8"))
    payload["checks"][-1]["summary"] = "as the build saved it"
    saved.write_text(json.dumps(payload), encoding="utf-8")
    assert run_checks(project).checks[-1].summary == "as the build saved it"


def test_a_snapshot_without_its_report_is_checked_again_and_left_as_it_is(project):
    fresh = run_checks(project)
    saved = project.snapshots_path / current_key(project) / CHECK_REPORT
    saved.unlink()  # as in a snapshot an older natograph wrote
    again = run_checks(project)
    assert again.to_dict() == fresh.to_dict()
    assert format_text(again) == format_text(fresh)
    assert not saved.exists()
