"""The SPARQL 1.1 Service Description of the endpoint, built from the snapshot's manifest and the settings."""

from __future__ import annotations

import pyoxigraph as ox

from ..config import Config
from ..formats import FORMAT_IRI, Format
from ..vocab import ASSERTED_GRAPH, INFERRED_GRAPH
from ..rdf.terms import boolean_literal, integer_literal, named_node, statement

SD = "http://www.w3.org/ns/sparql-service-description#"
ENTAILMENT = "http://www.w3.org/ns/entailment/"
OWL_RL_PROFILE = "http://www.w3.org/ns/owl-profile/RL"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
DCTERMS_TITLE = "http://purl.org/dc/terms/title"
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
        statement(service, RDF_TYPE, named_node(SD + "Service")),
        statement(service, SD + "endpoint", named_node(endpoint)),
        statement(service, DCTERMS_TITLE, ox.Literal("natograph SPARQL endpoint")),
        statement(service, SD + "supportedLanguage", named_node(SD + "SPARQL11Query")),
        statement(service, SD + "defaultEntailmentRegime", named_node(ENTAILMENT + "OWL-RDF-Based")),
        statement(service, SD + "defaultSupportedEntailmentProfile", named_node(OWL_RL_PROFILE)),
        statement(service, RDFS_COMMENT, ox.Literal(
            "The default graph holds the asserted triples and their OWL 2 RL closure, materialised when the "
            "snapshot was built; queries are evaluated under simple entailment over it.")),
        statement(service, SD + "defaultDataset", dataset),
        statement(service, SERVICE_VOCABULARY + "snapshot", ox.Literal(manifest["key"])),
        statement(service, SERVICE_VOCABULARY + "queryTimeoutMs", integer_literal(config.query_timeout_ms)),
        statement(service, SERVICE_VOCABULARY + "maxRows", integer_literal(config.max_rows)),
        statement(service, SERVICE_VOCABULARY + "maxQueryBytes", integer_literal(config.max_query_bytes)),
        statement(service, SERVICE_VOCABULARY + "maxConcurrentQueries", integer_literal(config.max_concurrent_queries)),
        statement(service, SERVICE_VOCABULARY + "queriesPerMinute", integer_literal(config.queries_per_minute)),
        statement(service, SERVICE_VOCABULARY + "freeSparql", boolean_literal(config.free_sparql)),
    ]
    triples += [statement(service, SD + "resultFormat", named_node(FORMAT_IRI[fmt])) for fmt in Format]
    for name, comment in FEATURES.items():
        feature = named_node(SERVICE_VOCABULARY + name)
        triples += [
            statement(service, SD + "feature", feature),
            statement(feature, RDF_TYPE, named_node(SD + "Feature")),
            statement(feature, RDFS_COMMENT, ox.Literal(comment)),
        ]
    counts = manifest["counts"]
    default_graph = ox.BlankNode("default-graph")
    triples += [
        statement(dataset, RDF_TYPE, named_node(SD + "Dataset")),
        statement(dataset, SD + "defaultGraph", default_graph),
        statement(default_graph, RDF_TYPE, named_node(SD + "Graph")),
        statement(default_graph, VOID_TRIPLES, integer_literal(counts["all"])),
    ]
    for index, (graph_iri, triple_count) in enumerate(named_graphs(manifest)):
        node, graph = ox.BlankNode(f"named-graph-{index}"), ox.BlankNode(f"graph-{index}")
        triples += [
            statement(dataset, SD + "namedGraph", node),
            statement(node, RDF_TYPE, named_node(SD + "NamedGraph")),
            statement(node, SD + "name", named_node(graph_iri)),
            statement(node, SD + "graph", graph),
            statement(graph, RDF_TYPE, named_node(SD + "Graph")),
            statement(graph, VOID_TRIPLES, integer_literal(triple_count)),
        ]
    return triples


def named_graphs(manifest: dict) -> list[tuple[str, int]]:
    """Every named graph of a snapshot with its triple count: asserted, inferred, then one per input file."""
    counts = manifest["counts"]
    graphs = [(ASSERTED_GRAPH, counts["asserted"]), (INFERRED_GRAPH, counts["inferred"])]
    return graphs + [(entry["graph"], entry["triples"]) for entry in manifest["inputs"]]


