"""A published copy is checked by its answers: every canned query, run on the copy and on the snapshot, must give
the same rows; a copy that differs is named by run, with the rows it lacks or adds."""

import socket

import pyoxigraph as ox
import pytest

from natograph.query.canned import load_catalogue
from natograph.query.verify import CannedRun, answer_differences, canned_runs, range_probes
from natograph.snapshot import Snapshot
from natograph.store import EmbeddedStore, QueryLimits, RemoteStore

from ..conftest import REPO_ROOT
from ..serving import free_port

CATALOGUE = load_catalogue(REPO_ROOT / "queries")
NATO = "https://w3id.org/natograph/ontology#"
NTM_I = ox.NamedNode("https://w3id.org/natograph/id/nato-training-mission-iraq")
START_EARLIEST = ox.NamedNode(NATO + "startDateEarliest")
DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")


def with_replaced_object(snapshot, subject, predicate, new_object) -> Snapshot:
    """The snapshot's quads in memory, with the object of (subject, predicate) replaced in every graph: the same
    number of triples in each graph, a different fact."""
    store = ox.Store()
    for quad in snapshot.store:
        if quad.subject == subject and quad.predicate == predicate:
            quad = ox.Quad(subject, predicate, new_object, quad.graph_name)
        store.add(quad)
    return Snapshot(snapshot.key + "-replaced", snapshot.path, dict(snapshot.manifest), store)


def test_the_runs_are_every_canned_query_with_its_examples_and_again_with_its_defaults():
    runs = canned_runs(CATALOGUE)
    assert {run.query.name for run in runs} == set(CATALOGUE)
    active_on = [run for run in runs if run.query.name == "operations-active-on"]
    assert [run.values for run in active_on] == [{"date": "2010-06-01"}, {}]
    assert [run.label() for run in active_on] == ["operations-active-on (date=2010-06-01)",
                                                  "operations-active-on (defaults)"]
    successors = [run for run in runs if run.query.name == "successors"]
    assert len(successors) == 1, "a query with a required parameter runs only with its example"
    assert [run.label() for run in runs if run.query.name == "sources"] == ["sources (defaults)"]


def test_a_store_holding_the_snapshot_answers_every_run_alike(project_snapshot, project_store):
    runs = canned_runs(CATALOGUE)
    differences, compared = answer_differences(project_store, EmbeddedStore(project_snapshot), runs)
    assert differences == []
    assert compared == len(runs)


def test_a_fact_changed_without_changing_any_count_is_named_by_the_runs_it_changes(project_snapshot, project_store):
    later = ox.Literal("2012-01-01", datatype=DATE)
    changed = EmbeddedStore(with_replaced_object(project_snapshot, NTM_I, START_EARLIEST, later))
    differences, _ = answer_differences(project_store, changed, canned_runs(CATALOGUE))
    by_label = {difference.run.label(): difference for difference in differences}
    active = by_label["operations-active-on (date=2010-06-01)"]
    assert sum(active.missing.values()) == 1 and not active.extra
    assert str(NTM_I) in next(iter(active.missing))
    assert active.describe().startswith("operations-active-on (date=2010-06-01): 1 row(s) missing (such as: "
                                        f"{NTM_I} ")
    assert "operations-active-on (defaults)" in by_label
    assert all(difference.run.query.name == "operations-active-on" for difference in differences), \
        "no other canned query reads the earliest start day of an operation"


def test_a_server_that_cannot_answer_is_a_difference_naming_its_error(project_snapshot, project_store):
    nothing_listens = f"http://127.0.0.1:{free_port()}/sparql"
    runs = canned_runs({"sources": CATALOGUE["sources"]})
    differences, compared = answer_differences(project_store, RemoteStore(nothing_listens, project_snapshot), runs)
    assert compared == 1
    [difference] = differences
    assert difference.describe().startswith(f"sources (defaults): the SPARQL store at {nothing_listens} ")


def test_a_run_whose_example_names_nothing_in_the_snapshot_is_not_compared(project_snapshot, project_store):
    """A project with data of its own may keep this repository's queries, whose examples then name nothing."""
    runs = [CannedRun(CATALOGUE["successors"], {"operation": "no-such-operation"}),
            CannedRun(CATALOGUE["sources"], {})]
    differences, compared = answer_differences(project_store, EmbeddedStore(project_snapshot), runs)
    assert (differences, compared) == ([], 1)


def test_a_server_that_never_answers_is_a_difference_once_the_time_limit_is_past(project_snapshot, project_store):
    """A listener that takes the connection and never answers: the check goes on, its run a time-out."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/sparql"
        runs = canned_runs({"sources": CATALOGUE["sources"]})
        differences, compared = answer_differences(project_store, RemoteStore(url, project_snapshot), runs,
                                                   QueryLimits(timeout_ms=300))
    assert compared == 1
    assert [difference.describe() for difference in differences] == [
        "sources (defaults): query stopped: it ran past the time limit of 300 ms"]


def test_range_probes_count_each_ordered_property_up_to_its_highest_value(project_snapshot, project_store):
    """One probe per property and ordered datatype, bounded by the highest value: a store whose range comparison
    leaves a triple out (here, one holding a later date than the snapshot's highest) is named with both counts."""
    probes = {probe.label(): probe for probe in range_probes(project_store)}
    assert f"{START_EARLIEST} <= \"2024-03-07\"^^<http://www.w3.org/2001/XMLSchema#date>" in probes
    assert answer_differences(project_store, EmbeddedStore(project_snapshot), probes.values()) == ([], len(probes))
    later = EmbeddedStore(with_replaced_object(project_snapshot, NTM_I, START_EARLIEST,
                                               ox.Literal("2999-01-01", datatype=DATE)))
    differences, _ = answer_differences(project_store, later, probes.values())
    assert [difference.describe() for difference in differences] == [
        f"{START_EARLIEST} <= \"2024-03-07\"^^<http://www.w3.org/2001/XMLSchema#date>: 50 triples, 51 in the snapshot"]
