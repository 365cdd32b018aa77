"""The record of a build that failed on its inputs: what a server of the last good snapshot reports as stale."""

import pytest

from natograph.build import build
from natograph.errors import InconsistencyError, InputFileError
from natograph.snapshot.failed_build import read_failed_build

CLASH = """@prefix nato: <https://w3id.org/natograph/ontology#> .
@prefix natoid: <https://w3id.org/natograph/id/> .
natoid:city a nato:Operation .
"""


def test_a_malformed_input_is_recorded_with_file_line_column_and_reason(mini_project):
    build(mini_project)
    (mini_project.data_path / "broken.ttl").write_text("\n\n<http://e/a> <http://e/b> .\n")
    with pytest.raises(InputFileError) as caught:
        build(mini_project)
    failed = read_failed_build(mini_project)
    assert (failed.kind, failed.file, failed.line, failed.reason) == (
        "input-file-error", "data/broken.ttl", 3, caught.value.reason)
    assert failed.describe() == str(caught.value)


def test_an_inconsistent_graph_is_recorded_with_the_first_clash_and_its_file(mini_project):
    build(mini_project)
    (mini_project.data_path / "clash.ttl").write_text(CLASH)
    with pytest.raises(InconsistencyError):
        build(mini_project)
    failed = read_failed_build(mini_project)
    assert failed.kind == "inconsistent-graph" and "cax-" in failed.reason and "1 clash" in failed.reason
    assert failed.file in {"data/clash.ttl", "data/places.ttl"} and failed.line is not None


def test_the_record_goes_when_the_inputs_build_again_or_match_a_kept_snapshot(mini_project):
    build(mini_project)
    broken = mini_project.data_path / "broken.ttl"
    broken.write_text("<http://e/a> <http://e/b> .\n")
    with pytest.raises(InputFileError):
        build(mini_project)
    broken.unlink()  # the edit undone: the inputs are those of the current snapshot again
    assert build(mini_project).reused and read_failed_build(mini_project) is None

    broken.write_text("<http://e/a> <http://e/b> .\n")
    with pytest.raises(InputFileError):
        build(mini_project)
    broken.write_text("<http://e/a> <http://e/b> <http://e/c> .\n")  # fixed
    assert not build(mini_project).reused and read_failed_build(mini_project) is None


def test_a_failed_build_outside_any_project_writes_nothing(tmp_path):
    from natograph.config import Config

    (tmp_path / "data").mkdir()
    with pytest.raises(InputFileError):
        build(Config.load(root=tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
