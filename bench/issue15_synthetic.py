"""The synthetic graph of issue 15, and its NOT EXISTS query on Oxigraph (as written and rewritten) and rdflib.

    python bench/issue15_synthetic.py 1000 2000 4000     # items; about 2.75 triples per item

N items, each with one ex:link to a random item, three in four typed with one of 8 leaf classes, a
3-level class hierarchy through ex:sub. Prints one Markdown row per size.
"""

from __future__ import annotations

import random
import sys
import time

import pyoxigraph as ox
import rdflib

from natograph.sparql.shapes import rewrite

EX = "http://example.org/"
QUERY = """PREFIX ex: <http://example.org/>
SELECT (COUNT(*) AS ?n) WHERE {
  ?s ex:link ?o .
  FILTER NOT EXISTS { ?o ex:type ?t . ?t ex:sub* ?c . FILTER(?c IN (ex:A)) }
}"""


def triples(items: int) -> list[tuple[str, str, str]]:
    rng = random.Random(15)
    hierarchy = [("B", "A"), ("C", "A"), ("D", "B"), ("E", "B"), ("F", "C"), ("G", "C")]
    leaves = [f"L{i}" for i in range(8)]
    hierarchy += [(leaf, "DEFG"[i % 4]) for i, leaf in enumerate(leaves)]
    out = [(EX + a, EX + "sub", EX + b) for a, b in hierarchy]
    for i in range(items):
        out.append((f"{EX}i{i}", EX + "link", f"{EX}i{rng.randrange(items)}"))
        if rng.random() < 0.75:
            out.append((f"{EX}i{i}", EX + "type", EX + rng.choice(leaves)))
    return out


def timed(run) -> tuple[float, object]:
    started = time.perf_counter()
    answer = run()
    return time.perf_counter() - started, answer


def main(sizes: list[int]) -> None:
    print("| items (triples) | Oxigraph, as written | Oxigraph, rewritten | rdflib | same count |")
    print("|---|---|---|---|---|")
    for items in sizes:
        data = triples(items)
        store = ox.Store()
        store.extend(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o)) for s, p, o in data)
        graph = rdflib.Graph()
        for s, p, o in data:
            graph.add((rdflib.URIRef(s), rdflib.URIRef(p), rdflib.URIRef(o)))
        written, a = timed(lambda: int(next(iter(store.query(QUERY)))[0].value))
        nested, b = timed(lambda: int(next(iter(store.query(rewrite(QUERY))))[0].value))
        peer, c = timed(lambda: int(next(iter(graph.query(QUERY)))[0]))
        print(f"| {items:,} ({len(data):,}) | {written * 1000:.0f} ms | {nested * 1000:.1f} ms | {peer * 1000:.0f} ms "
              f"| {'yes' if a == b == c else f'no: {a}, {b}, {c}'} ({a}) |")


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [1000, 2000, 4000])
