"""The update that switches staged graphs in, run by Oxigraph's own engine (in memory): every served graph replaced
by its staging graph, an empty staging graph leaving an empty graph, stale graphs removed, staging graphs gone."""

import pyoxigraph as ox

from natograph.store.publish import (STAGING_GRAPH_PREFIX, difference_switch_update, drop_graphs_update, staging_graph,
                                     switch_update)

EX = "http://example.org/"


def triple(n: int) -> ox.Triple:
    return ox.Triple(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(n)))


def graph_contents(store: ox.Store) -> dict:
    contents: dict = {}
    for quad in store:
        name = "default" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        contents.setdefault(name, set()).add(quad.object.value)
    return contents


def test_the_switch_replaces_each_served_graph_by_its_staging_graph_and_removes_the_stale_ones():
    store = ox.Store()
    served, emptied, stale = f"{EX}graph/a", f"{EX}graph/b", f"{EX}graph/gone"
    old = {None: [1, 2], served: [3, 4], emptied: [5], stale: [6]}
    new = {None: [7], served: [8, 9], emptied: []}
    for name, numbers in old.items():
        graph = ox.DefaultGraph() if name is None else ox.NamedNode(name)
        store.extend([ox.Quad(*triple(n), graph) for n in numbers])
    for name, numbers in new.items():
        store.extend([ox.Quad(*triple(n), ox.NamedNode(staging_graph(name))) for n in numbers])
    assert all(staging_graph(name).startswith(STAGING_GRAPH_PREFIX) for name in new)
    assert len({staging_graph(name) for name in new}) == len(new)
    store.update(switch_update([(name, staging_graph(name)) for name in new], [stale]))
    assert graph_contents(store) == {"default": {"7"}, served: {"8", "9"}}


def test_dropping_graphs_leaves_the_others():
    store = ox.Store()
    store.extend([ox.Quad(*triple(1), ox.NamedNode(f"{EX}keep")), ox.Quad(*triple(2), ox.NamedNode(f"{EX}drop"))])
    store.update(drop_graphs_update([f"{EX}drop", f"{EX}never-there"]))
    assert graph_contents(store) == {f"{EX}keep": {"1"}}


def test_the_difference_switch_leaves_each_served_graph_as_its_staging_graph_writing_only_what_differs():
    """Oxigraph server's switch (`difference_switch_update`): the served graphs end as the staging graphs are,
    an empty staging graph empties its graph, stale graphs go, the staging graphs stay (removed afterwards), and a
    triple in both is never written (a blank node, never the same node in two uploads, is replaced)."""
    store = ox.Store()
    served, emptied, stale = f"{EX}graph/a", f"{EX}graph/b", f"{EX}graph/gone"
    old_blank, new_blank = ox.BlankNode("old"), ox.BlankNode("new")
    old = {None: [1, 2], served: [3, 4], emptied: [5], stale: [6]}
    new = {None: [2, 7], served: [3, 8, 9], emptied: []}
    for name, numbers in old.items():
        graph = ox.DefaultGraph() if name is None else ox.NamedNode(name)
        store.extend([ox.Quad(*triple(n), graph) for n in numbers])
    store.add(ox.Quad(old_blank, ox.NamedNode(f"{EX}p"), ox.Literal("b"), ox.NamedNode(served)))
    for name, numbers in new.items():
        store.extend([ox.Quad(*triple(n), ox.NamedNode(staging_graph(name))) for n in numbers])
    store.add(ox.Quad(new_blank, ox.NamedNode(f"{EX}p"), ox.Literal("b"), ox.NamedNode(staging_graph(served))))
    update = difference_switch_update([(name, staging_graph(name)) for name in new], [stale])
    store.update(update)
    contents = graph_contents(store)
    assert {name: contents.get(name) for name in ("default", served, emptied, stale)} == {
        "default": {"2", "7"}, served: {"3", "8", "9", "b"}, emptied: None, stale: None}
    assert [quad.subject for quad in store.quads_for_pattern(None, None, ox.Literal("b"), ox.NamedNode(served))] == [
        new_blank]
    assert contents[staging_graph(served)] == {"3", "8", "9", "b"} and contents[staging_graph(None)] == {"2", "7"}
    # What is in both is not written: the update over a served graph equal to its staging graph changes nothing.
    unchanged = ox.Store()
    unchanged.extend([ox.Quad(*triple(n), graph) for n in (1, 2)
                      for graph in (ox.DefaultGraph(), ox.NamedNode(staging_graph(None)))])
    unchanged.update(difference_switch_update([(None, staging_graph(None))]))
    assert len(unchanged) == 4


def test_the_difference_switch_reads_the_default_graph_only_as_the_default_graph():
    """Oxigraph's update reads `{ ?s ?p ?o }` as the default graph alone, not the union of all graphs: a triple
    only in a named graph is neither deleted from nor inserted into the default graph."""
    store = ox.Store()
    store.extend([ox.Quad(*triple(1), ox.DefaultGraph()), ox.Quad(*triple(2), ox.NamedNode(f"{EX}other")),
                  ox.Quad(*triple(1), ox.NamedNode(staging_graph(None)))])
    store.update(difference_switch_update([(None, staging_graph(None))]))
    assert graph_contents(store) == {"default": {"1"}, f"{EX}other": {"2"}, staging_graph(None): {"1"}}
