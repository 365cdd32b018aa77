"""The update that switches staged graphs in, run by Oxigraph's own engine (in memory): every served graph replaced
by its staging graph, an empty staging graph leaving an empty graph, stale graphs removed, staging graphs gone."""

import pyoxigraph as ox

from natograph.store.publish import STAGING_GRAPH_PREFIX, drop_graphs_update, staging_graph, switch_update

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
