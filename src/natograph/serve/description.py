"""The SPARQL 1.1 Service Description of the endpoint, built from the snapshot's manifest and the settings."""

from __future__ import annotations

import pyoxigraph as ox

from ..config import Config
from ..export import FORMAT_IRI, Format
from ..vocab import ASSERTED_GRAPH, INFERRED_GRAPH

SD = "http://www.w3.org/ns/sparql-service-description#"
ENTAILMENT = "http://www.w3.org/ns/entailment/"
OWL_RL_PROFILE = "http://www.w3.org/ns/owl-profile/RL"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
DCTERMS_TITLE = "http://purl.org/dc/terms/title"
XSD = "http://www.w3.org/2001/XMLSchema#"
SERVICE_VOCABULARY = "https://w3id.org/natograph/service#"

PREFIXES = {
    "sd": SD,
    "void": "http://rdfs.org/ns/void#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "dcterms": "http://purl.org/dc/terms/",
    "formats": "http://www.w3.org/ns/formats/",
    "entailment": ENTAILMENT,
    "natograph-service": SERVICE_VOCABULARY,
}

FEATURES = {
    "AssertedAndInferredDefaultGraph": "The default graph is the union of the asserted and the inferred graph.",
    "ReadOnly": "SPARQL Update is refused (403): the project's Turtle files are the source of truth.",
    "NoFederation": "SERVICE is refused (403): the endpoint never opens network connections or reads files.",
    "TimeLimit": "A query running past the time limit is stopped and answered with 503.",
    "RowLimit": "Results are cut at the row limit; a cut result says so (header Natograph-Truncated).",
}


def service_description(config: Config, manifest: dict, endpoint: str) -> list[ox.Triple]:
    """The triples describing the endpoint: language, formats, entailment, features, limits and the dataset."""
    service, dataset = ox.BlankNode("service"), ox.BlankNode("dataset")
    triples = [
        _t(service, RDF_TYPE, _iri(SD + "Service")),
        _t(service, SD + "endpoint", _iri(endpoint)),
        _t(service, DCTERMS_TITLE, ox.Literal("natograph SPARQL endpoint")),
        _t(service, SD + "supportedLanguage", _iri(SD + "SPARQL11Query")),
        _t(service, SD + "defaultEntailmentRegime", _iri(ENTAILMENT + "OWL-RDF-Based")),
        _t(service, SD + "defaultSupportedEntailmentProfile", _iri(OWL_RL_PROFILE)),
        _t(service, RDFS_COMMENT, ox.Literal(
            "The default graph holds the asserted triples and their OWL 2 RL closure, materialised when the "
            "snapshot was built; queries are evaluated under simple entailment over it.")),
        _t(service, SD + "defaultDataset", dataset),
        _t(service, SERVICE_VOCABULARY + "snapshot", ox.Literal(manifest["key"])),
        _t(service, SERVICE_VOCABULARY + "queryTimeoutMs", _integer(config.query_timeout_ms)),
        _t(service, SERVICE_VOCABULARY + "maxRows", _integer(config.max_rows)),
        _t(service, SERVICE_VOCABULARY + "maxQueryBytes", _integer(config.max_query_bytes)),
        _t(service, SERVICE_VOCABULARY + "maxConcurrentQueries", _integer(config.max_concurrent_queries)),
        _t(service, SERVICE_VOCABULARY + "queriesPerMinute", _integer(config.queries_per_minute)),
        _t(service, SERVICE_VOCABULARY + "freeSparql", _boolean(config.free_sparql)),
    ]
    triples += [_t(service, SD + "resultFormat", _iri(FORMAT_IRI[fmt])) for fmt in Format]
    for name, comment in FEATURES.items():
        feature = _iri(SERVICE_VOCABULARY + name)
        triples += [
            _t(service, SD + "feature", feature),
            _t(feature, RDF_TYPE, _iri(SD + "Feature")),
            _t(feature, RDFS_COMMENT, ox.Literal(comment)),
        ]
    counts = manifest["counts"]
    default_graph = ox.BlankNode("default-graph")
    triples += [
        _t(dataset, RDF_TYPE, _iri(SD + "Dataset")),
        _t(dataset, SD + "defaultGraph", default_graph),
        _t(default_graph, RDF_TYPE, _iri(SD + "Graph")),
        _t(default_graph, VOID_TRIPLES, _integer(counts["all"])),
    ]
    for index, (graph_iri, triple_count) in enumerate(named_graphs(manifest)):
        node, graph = ox.BlankNode(f"named-graph-{index}"), ox.BlankNode(f"graph-{index}")
        triples += [
            _t(dataset, SD + "namedGraph", node),
            _t(node, RDF_TYPE, _iri(SD + "NamedGraph")),
            _t(node, SD + "name", _iri(graph_iri)),
            _t(node, SD + "graph", graph),
            _t(graph, RDF_TYPE, _iri(SD + "Graph")),
            _t(graph, VOID_TRIPLES, _integer(triple_count)),
        ]
    return triples


def named_graphs(manifest: dict) -> list[tuple[str, int]]:
    """Every named graph of a snapshot with its triple count: asserted, inferred, then one per input file."""
    counts = manifest["counts"]
    graphs = [(ASSERTED_GRAPH, counts["asserted"]), (INFERRED_GRAPH, counts["inferred"])]
    return graphs + [(entry["graph"], entry["triples"]) for entry in manifest["inputs"]]


def _t(subject, predicate: str, obj) -> ox.Triple:
    return ox.Triple(subject, ox.NamedNode(predicate), obj)


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


def _boolean(value: bool) -> ox.Literal:
    return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
