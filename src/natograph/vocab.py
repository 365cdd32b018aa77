"""Namespaces, graph IRIs and the prefix map shared by every step."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

NATO = Namespace("https://w3id.org/natograph/ontology#")
NATOID = Namespace("https://w3id.org/natograph/id/")
PROV = Namespace("http://www.w3.org/ns/prov#")

ONTOLOGY_IRI = "https://w3id.org/natograph/ontology"
GRAPH_BASE = "https://w3id.org/natograph/graph/"
ASSERTED_GRAPH = GRAPH_BASE + "asserted"
INFERRED_GRAPH = GRAPH_BASE + "inferred"
# Descriptions of the statement graphs (build/statements.py): part of the default graph, unseen by the reasoner.
PROVENANCE_GRAPH = GRAPH_BASE + "provenance"


def file_graph_iri(relative_path: str) -> str:
    """The named graph holding the triples of one input file (path relative to the project root)."""
    return GRAPH_BASE + relative_path.replace("\\", "/")


PREFIXES = {
    "nato": str(NATO),
    "natoid": str(NATOID),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
}

# Properties whose values are dates kept at the source's precision, and the
# properties the build derives from them so that dates of any precision compare.
DATE_BOUND_PROPERTIES = {
    NATO.startDate: (NATO.startDateEarliest, NATO.startDateLatest),
    NATO.endDate: (NATO.endDateEarliest, NATO.endDateLatest),
    NATO.date: (NATO.dateEarliest, NATO.dateLatest),
    NATO.asOf: (NATO.asOfEarliest, NATO.asOfLatest),
}
