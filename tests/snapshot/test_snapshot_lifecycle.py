"""The snapshot lifecycle: an open snapshot is never pruned, dead builds leave nothing, builds may run side by side."""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from natograph.build import build
from natograph.snapshot import (CURRENT_POINTER, KEEP_SNAPSHOTS, LOCK_FILE, MANIFEST, current_key, open_snapshot,
                                prune_snapshots, remove_leftovers, snapshots_locked)

VILLAGES = 10_000  # enough triples that writing a snapshot takes a while: long enough to stop a build in it


def change_inputs(config, number: int) -> None:
    """An edit of the inputs: one more place, so the next build makes a new snapshot."""
    places = config.data_path / "places.ttl"
    places.write_text(places.read_text() + f"\nnatoid:village{number} a nato:Place .\n")


def add_many_villages(config) -> None:
    lines = ["@prefix nato: <https://w3id.org/natograph/ontology#> .",
             "@prefix natoid: <https://w3id.org/natograph/id/> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    lines += [f'natoid:village{i} a nato:Place ; rdfs:label "Village {i}"@en ; nato:locatedIn natoid:province .'
              for i in range(VILLAGES)]
    (config.data_path / "villages.ttl").write_text("\n".join(lines) + "\n")


def snapshot_keys(config) -> set[str]:
    return {p.name for p in config.snapshots_path.iterdir() if (p / MANIFEST).is_file()}


def work_directories(config) -> list[Path]:
    if not config.snapshots_path.is_dir():
        return []
    return [p for p in config.snapshots_path.iterdir() if p.name.startswith(".") and p.is_dir()]


def start_build(config) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "natograph.cli", "--root", str(config.root), "build"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def stop_when_writing(process: subprocess.Popen, config) -> Path:
    """Wait until the build has created its work directory (it is writing the snapshot), then SIGSTOP it there.

    Never while it holds the snapshot directory's lock (for a moment, around creating that directory):
    the test's own builds would wait for it.
    """
    while process.poll() is None:
        found = work_directories(config)
        if found:
            os.kill(process.pid, signal.SIGSTOP)
            wait_until_stopped(process)
            if not snapshots_lock_held(config):
                return found[0]
            os.kill(process.pid, signal.SIGCONT)
        time.sleep(0.005)
    raise AssertionError(f"the build ended before it wrote anything: {process.stdout.read().decode()}")


def wait_until_stopped(process: subprocess.Popen) -> None:
    stat = Path(f"/proc/{process.pid}/stat")
    while stat.read_text().rsplit(")", 1)[1].split()[0] not in "Tt":
        time.sleep(0.001)


def snapshots_lock_held(config) -> bool:
    descriptor = os.open(config.snapshots_path / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)


def hold_snapshot_open(config, key: str) -> subprocess.Popen:
    """Another process that opens a snapshot (as a server does) and keeps it open until killed."""
    program = ("import sys, time\nfrom natograph.config import Config\nfrom natograph.snapshot import open_snapshot\n"
               f"snapshot = open_snapshot(Config.load(root={str(config.root)!r}), {key!r})\n"
               "print('open', flush=True)\ntime.sleep(600)\n")
    process = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE)
    assert process.stdout.readline() == b"open\n"
    return process


# ---- pins: an open snapshot is never pruned ----

@pytest.mark.slow
def test_a_snapshot_open_in_a_live_process_is_not_pruned_and_is_once_that_process_is_killed(mini_project):
    served = build(mini_project).key
    holder = hold_snapshot_open(mini_project, served)
    try:
        for number in range(KEEP_SNAPSHOTS + 1):
            change_inputs(mini_project, number)
            build(mini_project)
        assert served in snapshot_keys(mini_project)
        assert len(snapshot_keys(mini_project)) == KEEP_SNAPSHOTS + 1
    finally:
        holder.kill()  # SIGKILL: the process cannot release anything itself; the kernel drops its lock
        holder.wait()
    assert prune_snapshots(mini_project, keep=KEEP_SNAPSHOTS) == [served]
    assert served not in snapshot_keys(mini_project)
    assert not (mini_project.snapshots_path / "pins" / served).exists()


def test_pruning_keeps_the_newest_and_the_current_and_removes_the_rest_whole(mini_project):
    keys = [build(mini_project).key]
    for number in range(KEEP_SNAPSHOTS + 1):
        change_inputs(mini_project, number)
        keys.append(build(mini_project).key)
    assert snapshot_keys(mini_project) == set(keys[-KEEP_SNAPSHOTS:])
    assert current_key(mini_project) == keys[-1]
    assert work_directories(mini_project) == []  # pruned snapshots pass through .trash-…, removed at once


def test_open_snapshot_of_a_pruned_key_is_a_clear_error(mini_project):
    from natograph.errors import SnapshotError

    old = build(mini_project).key
    for number in range(KEEP_SNAPSHOTS):
        change_inputs(mini_project, number)
        build(mini_project)
    assert old not in snapshot_keys(mini_project)
    with pytest.raises(SnapshotError, match=old):
        open_snapshot(mini_project, old)


# ---- dead builds leave nothing behind; live ones are left alone ----

@pytest.mark.slow
def test_a_build_killed_while_writing_is_cleaned_up_by_the_next_one_and_the_current_snapshot_stays_servable(
        mini_project):
    good = build(mini_project)
    add_many_villages(mini_project)
    process = start_build(mini_project)
    work = stop_when_writing(process, mini_project)
    process.kill()
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert work.is_dir()  # what the killed build left
    assert current_key(mini_project) == good.key
    snapshot = open_snapshot(mini_project)
    assert snapshot.key == good.key
    assert bool(snapshot.store.query("ASK { <https://w3id.org/natograph/id/city> ?p ?o }"))
    del snapshot

    rebuilt = build(mini_project)
    assert not rebuilt.reused and rebuilt.key != good.key
    assert not work.exists()
    assert work_directories(mini_project) == []
    assert rebuilt.manifest["counts"]["asserted"] > good.manifest["counts"]["asserted"] + VILLAGES
    assert current_key(mini_project) == rebuilt.key


@pytest.mark.slow
def test_the_work_directory_of_a_running_build_is_left_alone(mini_project):
    build(mini_project)
    add_many_villages(mini_project)
    process = start_build(mini_project)
    work = stop_when_writing(process, mini_project)
    try:
        with snapshots_locked(mini_project):
            assert remove_leftovers(mini_project) == []
        assert work.is_dir()
    finally:
        os.kill(process.pid, signal.SIGCONT)
    output = process.communicate(timeout=300)[0].decode()
    assert process.returncode == 0, output
    assert work_directories(mini_project) == []
    assert current_key(mini_project) in output


def test_temporary_files_of_dead_writers_are_removed_and_those_of_live_ones_kept(mini_project):
    build(mini_project)
    snapshots = mini_project.snapshots_path
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    leftovers = [snapshots / ".CURRENT-abc123.tmp", snapshots / f".input-hashes.json.{dead_pid}",
                 snapshots / f".failed-build.json.{dead_pid}", snapshots / ".trash-0123-4567"]
    live = snapshots / f".input-hashes.json.{os.getpid()}"
    for path in [*leftovers[:3], live]:
        path.write_text("partial")
    leftovers[3].mkdir()
    (leftovers[3] / "store").mkdir()
    change_inputs(mini_project, 1)
    build(mini_project)
    assert [path for path in leftovers if path.exists()] == []
    assert live.exists()
    assert (snapshots / CURRENT_POINTER).read_text().strip() == current_key(mini_project)


# ---- builds side by side, and a build that stops between its steps ----

@pytest.mark.slow
def test_two_builds_of_the_same_inputs_at_once_end_with_one_whole_current_snapshot(mini_project):
    add_many_villages(mini_project)
    first = start_build(mini_project)
    stop_when_writing(first, mini_project)
    try:
        second = build(mini_project)  # finishes while the first is stopped in the middle of writing
        served = open_snapshot(mini_project)
    finally:
        os.kill(first.pid, signal.SIGCONT)
    output = first.communicate(timeout=300)[0].decode()
    assert first.returncode == 0, output
    assert current_key(mini_project) == second.key == served.key
    assert work_directories(mini_project) == []
    # The snapshot opened meanwhile was kept, not replaced under its reader.
    assert served.manifest == open_snapshot(mini_project).manifest
    assert bool(served.store.query("ASK { <https://w3id.org/natograph/id/village7> ?p ?o }"))


def test_force_rebuild_replaces_a_snapshot_no_one_has_open_and_keeps_one_that_is_open(mini_project):
    first = build(mini_project)
    before = os.stat(mini_project.snapshots_path / first.key).st_ino
    replaced = build(mini_project, force=True)
    assert not replaced.reused and replaced.key == first.key
    assert os.stat(mini_project.snapshots_path / first.key).st_ino != before
    opened = open_snapshot(mini_project)
    directory = os.stat(opened.path).st_ino
    kept = build(mini_project, force=True)
    assert kept.reused and kept.manifest == opened.manifest
    assert os.stat(opened.path).st_ino == directory
    assert work_directories(mini_project) == []
    assert bool(opened.store.query("ASK { <https://w3id.org/natograph/id/city> ?p ?o }"))


def test_a_snapshot_built_but_not_made_current_is_made_current_without_rebuilding(mini_project):
    old = build(mini_project)
    change_inputs(mini_project, 1)
    new = build(mini_project)
    # As if the build had stopped after moving its snapshot into place, before pointing CURRENT at it.
    (mini_project.snapshots_path / CURRENT_POINTER).write_text(old.key + "\n")
    again = build(mini_project)
    assert again.reused and again.key == new.key and current_key(mini_project) == new.key
    assert again.manifest["created"] == new.manifest["created"]


def test_undoing_an_edit_makes_the_kept_snapshot_current_again(mini_project):
    places = mini_project.data_path / "places.ttl"
    original = places.read_text()
    old = build(mini_project)
    change_inputs(mini_project, 1)
    build(mini_project)
    places.write_text(original)
    undone = build(mini_project)
    assert undone.reused and undone.key == old.key and current_key(mini_project) == old.key


@pytest.mark.slow
def test_a_build_of_inputs_edited_meanwhile_does_not_displace_the_snapshot_of_the_edited_inputs(mini_project):
    build(mini_project)
    add_many_villages(mini_project)
    slow = start_build(mini_project)
    stop_when_writing(slow, mini_project)
    try:
        change_inputs(mini_project, 1)  # edited while the first build writes
        edited = build(mini_project)
    finally:
        os.kill(slow.pid, signal.SIGCONT)
    output = slow.communicate(timeout=300)[0].decode()
    assert slow.returncode == 0, output
    assert current_key(mini_project) == edited.key
    assert f"snapshot {edited.key}" in output  # what the slow build reports: the snapshot of the inputs as they are
    assert len(snapshot_keys(mini_project)) == 3 and work_directories(mini_project) == []


def test_a_finished_snapshot_a_killed_build_did_not_move_in_is_moved_in_and_reused(mini_project):
    old = build(mini_project)
    change_inputs(mini_project, 1)
    new = build(mini_project)
    # As if the build had been killed after writing its manifest, before moving its directory into place.
    os.replace(mini_project.snapshots_path / new.key, mini_project.snapshots_path / f".{new.key}-killed")
    (mini_project.snapshots_path / CURRENT_POINTER).write_text(old.key + "\n")
    again = build(mini_project)
    assert again.reused and again.key == new.key and current_key(mini_project) == new.key
    assert again.manifest["created"] == new.manifest["created"]
    assert work_directories(mini_project) == []
    assert bool(open_snapshot(mini_project).store.query("ASK { <https://w3id.org/natograph/id/village1> ?p ?o }"))


def test_current_gets_the_permissions_of_any_new_file(mini_project, tmp_path):
    build(mini_project)
    change_inputs(mini_project, 1)
    build(mini_project)
    plain = tmp_path / "plain"
    plain.write_text("x")
    pointer = mini_project.snapshots_path / CURRENT_POINTER
    assert stat.S_IMODE(pointer.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
