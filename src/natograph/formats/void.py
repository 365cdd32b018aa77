"""The dataset description (VoID and DCAT): what the graph holds, under which license, where to query and download it."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .dump import DUMP_FORMATS, GraphSelection, dump_file_name
from . import FORMAT_IRI, Format
from .named_graphs import PREFIXES as GRAPH_PREFIXES
from .named_graphs import PROV, graph_description, snapshot_graphs
from ..sparql import read_query
from ..store import Store
from ..vocab import ASSERTED_GRAPH, INFERRED_GRAPH
from ..vocab import PREFIXES as NATOGRAPH_PREFIXES
from ..rdf.terms import integer_literal, named_node, statement

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
FOAF = "http://xmlns.com/foaf/0.1/"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
TITLE = "natograph"
DESCRIPTION = ("A reasoned knowledge graph of NATO operations and missions, their mandates, the summits and "
               "ministerial meetings that launched them, NATO's partnership frameworks and partners, programmes, "
               "commands, and the dated figures and disputed claims of the source documents. Every statement is "
               "traced to its source; the OWL 2 RL closure is materialised in a graph of its own.")
KEYWORDS = ("NATO", "military operations", "peacekeeping", "partnerships", "summits", "OWL 2 RL", "linked data")


@dataclass(frozen=True)
class LinkTarget:
    """Another dataset natograph links to: the part of the description's IRI naming it, and what it is."""

    name: str
    title: str
    homepage: str
    uri_space: str


# The datasets of data/links.ttl. A link set is described for each of them the graph links to, one per predicate.
LINK_TARGETS = (
    LinkTarget("wikipedia", "English Wikipedia", "https://en.wikipedia.org/", "https://en.wikipedia.org/wiki/"),
    LinkTarget("dbpedia", "DBpedia", "https://www.dbpedia.org/", "http://dbpedia.org/resource/"),
    LinkTarget("wikidata", "Wikidata", "https://www.wikidata.org/", "http://www.wikidata.org/entity/"),
)

PREFIXES = {
    "void": VOID,
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "formats": "http://www.w3.org/ns/formats/",
    "xsd": XSD,
    "natoid": NATOGRAPH_PREFIXES["natoid"],
    "nato": NATOGRAPH_PREFIXES["nato"],
    "sd": GRAPH_PREFIXES["sd"],
    "prov": GRAPH_PREFIXES["prov"],
}


@dataclass(frozen=True)
class DatasetStatistics:
    """What the description counts and names, computed once from a snapshot."""

    classes: tuple[tuple[str, int], ...]
    properties: tuple[tuple[str, int], ...]
    distinct_subjects: int
    distinct_objects: int
    entities: int
    sources: tuple[tuple[str, str], ...]
    examples: tuple[str, ...]
    metadata: dict
    links: tuple[tuple[str, str, int], ...] = ()

    @property
    def vocabularies(self) -> list[str]:
        """The namespaces of every class and property the graph uses."""
        return sorted({_namespace(iri) for iri, _ in self.classes + self.properties} - {""})


def dataset_statistics(store: Store, *, uri_space: str) -> DatasetStatistics:
    """Counts (classes, properties, distinct subjects and objects, entities in `uri_space`), sources and license."""
    classes = store.query(read_query("void-classes.rq")).rows
    properties = store.query(read_query("void-properties.rq")).rows
    counts = store.query(read_query("void-counts.rq"), bindings={"space": ox.Literal(uri_space)}).rows[0]
    metadata_rows = store.query(read_query("dataset-metadata.rq")).rows
    names = ("ontology", "title", "description", "license", "creator")
    metadata = {name: term for name, term in zip(names, metadata_rows[0]) if term is not None} if metadata_rows else {}
    return DatasetStatistics(
        classes=tuple((row[0].value, int(row[1].value)) for row in classes),
        properties=tuple((row[0].value, int(row[1].value)) for row in properties),
        distinct_subjects=int(counts[0].value),
        distinct_objects=int(counts[1].value),
        entities=int(counts[2].value),
        sources=tuple((row[0].value, row[1].value if row[1] is not None else "")
                      for row in store.query(read_query("dataset-sources.rq")).rows),
        examples=tuple(row[0].value for row in store.query(read_query("dataset-examples.rq")).rows),
        metadata=metadata,
        links=_link_counts(store, uri_space),
    )


def _link_counts(store: Store, uri_space: str) -> tuple[tuple[str, str, int], ...]:
    """(target name, link predicate, triples) for every link set from `uri_space` to a dataset of LINK_TARGETS."""
    targets = {target.uri_space: target.name for target in LINK_TARGETS}
    rows = store.query(read_query("void-linksets.rq"), bindings={"space": ox.Literal(uri_space)}).rows
    return tuple((targets[prefix.value], predicate.value, int(count.value))
                 for prefix, predicate, count in rows if prefix.value in targets)


def void_description(statistics: DatasetStatistics, manifest: dict, *, dataset_iri: str, server_url: str,
                     uri_space: str) -> list[ox.Triple]:
    """The VoID and DCAT triples describing the served dataset; `server_url` is where its endpoint and dumps are."""
    server_url = server_url.rstrip("/")
    dataset = ox.NamedNode(dataset_iri)
    counts = manifest["counts"]
    triples = [
        statement(dataset, RDF + "type", named_node(VOID + "Dataset")),
        statement(dataset, RDF + "type", named_node(DCAT + "Dataset")),
        statement(dataset, DCTERMS + "title", ox.Literal(TITLE, language="en")),
        statement(dataset, DCTERMS + "description", ox.Literal(DESCRIPTION, language="en")),
        statement(dataset, DCTERMS + "modified", ox.Literal(manifest["created"], datatype=named_node(XSD + "dateTime"))),
        statement(dataset, DCTERMS + "hasVersion", ox.Literal(manifest["key"])),
        statement(dataset, DCAT + "landingPage", named_node(server_url + "/")),
        statement(dataset, FOAF + "homepage", named_node(server_url + "/")),
        statement(dataset, VOID + "sparqlEndpoint", named_node(server_url + "/sparql")),
        statement(dataset, VOID + "uriSpace", ox.Literal(uri_space)),
        statement(dataset, VOID + "triples", integer_literal(counts["all"])),
        statement(dataset, VOID + "entities", integer_literal(statistics.entities)),
        statement(dataset, VOID + "classes", integer_literal(len(statistics.classes))),
        statement(dataset, VOID + "properties", integer_literal(len(statistics.properties))),
        statement(dataset, VOID + "distinctSubjects", integer_literal(statistics.distinct_subjects)),
        statement(dataset, VOID + "distinctObjects", integer_literal(statistics.distinct_objects)),
    ]
    triples += [statement(dataset, DCAT + "keyword", ox.Literal(word, language="en")) for word in KEYWORDS]
    metadata = statistics.metadata
    if "license" in metadata:
        triples.append(statement(dataset, DCTERMS + "license", metadata["license"]))
    if "creator" in metadata:
        triples.append(statement(dataset, DCTERMS + "creator", metadata["creator"]))
    if "ontology" in metadata:
        triples.append(statement(dataset, VOID + "vocabulary", metadata["ontology"]))
    triples += [statement(dataset, DCTERMS + "source", named_node(source)) for source, _ in statistics.sources]
    triples += [statement(dataset, VOID + "exampleResource", named_node(example)) for example in statistics.examples]
    triples += [statement(dataset, VOID + "vocabulary", named_node(namespace)) for namespace in statistics.vocabularies]
    triples += [statement(dataset, VOID + "feature", named_node(FORMAT_IRI[fmt])) for fmt in DUMP_FORMATS]
    triples += [statement(dataset, VOID + "dataDump", named_node(_dump_url(server_url, GraphSelection.ALL, fmt)))
                for fmt in DUMP_FORMATS]
    triples += _distributions(dataset, server_url)
    triples += _access_service(dataset, server_url)
    triples += _subsets(dataset, manifest, server_url)
    triples += _statement_subsets(dataset, manifest)
    triples += _linksets(dataset, statistics.links)
    for index, (class_iri, entities) in enumerate(statistics.classes):
        partition = ox.BlankNode(f"class-partition-{index}")
        triples += [statement(dataset, VOID + "classPartition", partition),
                    statement(partition, VOID + "class", named_node(class_iri)),
                    statement(partition, VOID + "entities", integer_literal(entities))]
    for index, (property_iri, count) in enumerate(statistics.properties):
        partition = ox.BlankNode(f"property-partition-{index}")
        triples += [statement(dataset, VOID + "propertyPartition", partition),
                    statement(partition, VOID + "property", named_node(property_iri)),
                    statement(partition, VOID + "triples", integer_literal(count))]
    return triples


def _distributions(dataset: ox.NamedNode, server_url: str) -> list[ox.Triple]:
    triples = []
    for fmt in DUMP_FORMATS:
        distribution = ox.BlankNode(f"distribution-{fmt.short_name}")
        url = named_node(_dump_url(server_url, GraphSelection.ALL, fmt))
        graphs = "every named graph" if fmt in (Format.TRIG, Format.N_QUADS) else "asserted and inferred triples"
        triples += [
            statement(dataset, DCAT + "distribution", distribution),
            statement(distribution, RDF + "type", named_node(DCAT + "Distribution")),
            statement(distribution, DCTERMS + "title", ox.Literal(f"natograph, {graphs} ({fmt.extension})", language="en")),
            statement(distribution, DCAT + "downloadURL", url),
            statement(distribution, DCAT + "accessURL", url),
            statement(distribution, DCAT + "mediaType", named_node("https://www.iana.org/assignments/media-types/" + fmt.media_type)),
            statement(distribution, DCTERMS + "format", named_node(FORMAT_IRI[fmt])),
        ]
    return triples


def _access_service(dataset: ox.NamedNode, server_url: str) -> list[ox.Triple]:
    service = ox.BlankNode("sparql-service")
    return [
        statement(dataset, DCAT + "accessService", service),
        statement(service, RDF + "type", named_node(DCAT + "DataService")),
        statement(service, DCTERMS + "title", ox.Literal("natograph SPARQL endpoint", language="en")),
        statement(service, DCAT + "endpointURL", named_node(server_url + "/sparql")),
        statement(service, DCAT + "endpointDescription", named_node(server_url + "/sparql")),
        statement(service, DCTERMS + "conformsTo", named_node(SPARQL_PROTOCOL)),
        statement(service, DCAT + "servesDataset", dataset),
    ]


def _subsets(dataset: ox.NamedNode, manifest: dict, server_url: str) -> list[ox.Triple]:
    """The asserted and inferred graphs as subsets, named by their graph IRIs, and every named graph's description."""
    triples = [statement(dataset, VOID + "subset", named_node(iri)) for iri in (ASSERTED_GRAPH, INFERRED_GRAPH)]
    for graph in snapshot_graphs(manifest):
        triples += graph_description(graph, server_url=server_url)
    return triples


def _statement_subsets(dataset: ox.NamedNode, manifest: dict) -> list[ox.Triple]:
    """A subset per source: the statements it makes (its statement graphs, build/statements.py), with their count."""
    triples = []
    for entry in manifest.get("statements", []):
        slug = entry["source"].rsplit("/", 1)[-1]
        subset = ox.NamedNode(dataset.value.rsplit("#", 1)[0] + "#statements-" + slug)
        source = named_node(entry["source"])
        triples += [
            statement(dataset, VOID + "subset", subset),
            statement(subset, RDF + "type", named_node(VOID + "Dataset")),
            statement(subset, DCTERMS + "title", ox.Literal(f"natograph, statements of {slug}", language="en")),
            statement(subset, DCTERMS + "description", ox.Literal(
                f"What {slug} states, one named graph per line of a document (or one graph for a reference); "
                "each graph is described in the provenance graph.", language="en")),
            statement(subset, DCTERMS + "source", source),
            statement(subset, PROV + "wasDerivedFrom", source),
            statement(subset, VOID + "triples", integer_literal(entry["triples"])),
        ]
        triples += [statement(subset, VOID + "subset", named_node(graph)) for graph in entry["graphs"]]
    return triples


def _linksets(dataset: ox.NamedNode, links: tuple[tuple[str, str, int], ...]) -> list[ox.Triple]:
    """A void:Linkset, subset of the dataset, for each outgoing link set, and a description of each target dataset.

    Their IRIs share the dataset's (`…/void#dataset`): `…/void#linkset-dbpedia-exactMatch`, `…/void#dbpedia`.
    """
    base = dataset.value.rpartition("#")[0] + "#"
    by_name = {target.name: target for target in LINK_TARGETS}
    triples = []
    for name in dict.fromkeys(name for name, _, _ in links):
        target, node = by_name[name], named_node(base + name)
        triples += [statement(node, RDF + "type", named_node(VOID + "Dataset")),
                    statement(node, DCTERMS + "title", ox.Literal(target.title, language="en")),
                    statement(node, FOAF + "homepage", named_node(target.homepage)),
                    statement(node, VOID + "uriSpace", ox.Literal(target.uri_space))]
    for name, predicate, count in links:
        linkset = named_node(f"{base}linkset-{name}-{_local_name(predicate)}")
        triples += [statement(dataset, VOID + "subset", linkset),
                    statement(linkset, RDF + "type", named_node(VOID + "Linkset")),
                    statement(linkset, DCTERMS + "title",
                              ox.Literal(f"natograph links to {by_name[name].title}", language="en")),
                    statement(linkset, VOID + "subjectsTarget", dataset),
                    statement(linkset, VOID + "objectsTarget", named_node(base + name)),
                    statement(linkset, VOID + "linkPredicate", named_node(predicate)),
                    statement(linkset, VOID + "triples", integer_literal(count))]
    return triples


def _local_name(iri: str) -> str:
    return iri[max(iri.rfind("#"), iri.rfind("/")) + 1:]


def _dump_url(server_url: str, selection: GraphSelection, fmt: Format) -> str:
    return f"{server_url}/dump/{dump_file_name(selection, fmt)}"


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1] if cut > 0 else ""


