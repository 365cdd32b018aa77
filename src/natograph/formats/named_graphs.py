"""The snapshot's named graphs as its manifest records them, and the VoID description of each.

The description says what a graph is, how many triples it has, which input file it comes from and
where its dump is; it never holds the graph's own triples, which may be a million (the dumps stream them).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .dump import DUMP_FORMATS, GraphSelection, dump_file_name
from ..rdf.terms import integer_literal, named_node, statement
from ..vocab import ASSERTED_GRAPH, INFERRED_GRAPH

VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREFIXES = {"void": VOID, "sd": SD, "dcterms": DCTERMS, "prov": PROV, "xsd": "http://www.w3.org/2001/XMLSchema#"}


@dataclass(frozen=True)
class NamedGraph:
    """One named graph of a snapshot: what it holds, its size and where it comes from."""

    iri: str
    title: str
    description: str
    triples: int
    source_file: str | None = None
    source_sha256: str | None = None
    dump: GraphSelection | None = None
    subsets: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()


def snapshot_graphs(manifest: dict) -> list[NamedGraph]:
    """Every named graph of a snapshot: asserted, inferred, then one per input file in the build's order."""
    counts, inputs = manifest["counts"], manifest["inputs"]
    graphs = [
        NamedGraph(ASSERTED_GRAPH, "natograph, asserted triples",
                   "The triples stated in the project's Turtle files (ontology and data): the union of the "
                   "graphs of the input files.", counts["asserted"], dump=GraphSelection.ASSERTED,
                   subsets=tuple(entry["graph"] for entry in inputs)),
        NamedGraph(INFERRED_GRAPH, "natograph, inferred triples",
                   "The OWL 2 RL closure of the asserted triples, with derived date bounds, minus trivial "
                   "triples; disjoint from the asserted ones.", counts["inferred"], dump=GraphSelection.INFERRED,
                   derived_from=(ASSERTED_GRAPH,)),
    ]
    graphs += [NamedGraph(entry["graph"], f"natograph, triples of {entry['path']}",
                          f"The triples stated in the input file {entry['path']}, one part of the asserted graph.",
                          entry["triples"], source_file=entry["path"], source_sha256=entry["sha256"])
               for entry in inputs]
    return graphs


def find_graph(manifest: dict, iri: str) -> NamedGraph | None:
    """The named graph called `iri` in a snapshot, if it has one."""
    return next((graph for graph in snapshot_graphs(manifest) if graph.iri == iri), None)


def graph_description(graph: NamedGraph, *, server_url: str) -> list[ox.Triple]:
    """The VoID triples about one named graph; `server_url` is where its endpoint and dumps are."""
    server_url = server_url.rstrip("/")
    node = ox.NamedNode(graph.iri)
    triples = [
        statement(node, RDF_TYPE, named_node(VOID + "Dataset")),
        statement(node, RDF_TYPE, named_node(SD + "Graph")),
        statement(node, DCTERMS + "title", ox.Literal(graph.title, language="en")),
        statement(node, DCTERMS + "description", ox.Literal(graph.description, language="en")),
        statement(node, VOID + "triples", integer_literal(graph.triples)),
        statement(node, VOID + "sparqlEndpoint", named_node(server_url + "/sparql")),
    ]
    if graph.source_file is not None:
        triples.append(statement(node, DCTERMS + "source", ox.Literal(graph.source_file)))
    triples += [statement(node, VOID + "subset", named_node(subset)) for subset in graph.subsets]
    triples += [statement(node, PROV + "wasDerivedFrom", named_node(origin)) for origin in graph.derived_from]
    if graph.dump is not None:
        triples += [statement(node, VOID + "dataDump", named_node(f"{server_url}/dump/{dump_file_name(graph.dump, fmt)}"))
                    for fmt in DUMP_FORMATS]
    return triples
