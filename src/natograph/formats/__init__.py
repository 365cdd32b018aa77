"""The format tables: every serialisation natograph writes, its media type, file extension and short names."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import pyoxigraph as ox

from ..errors import NotAcceptableError


class ResultKind(Enum):
    """What a query answers with: variable bindings (SELECT) and booleans (ASK), or a graph (CONSTRUCT, DESCRIBE)."""

    SOLUTIONS = "solutions"
    GRAPH = "graph"


class Format(Enum):
    """A serialisation: (short name, media type, file extension, kind of result it can express)."""

    SPARQL_JSON = ("json", "application/sparql-results+json", "srj", ResultKind.SOLUTIONS)
    SPARQL_XML = ("xml", "application/sparql-results+xml", "srx", ResultKind.SOLUTIONS)
    CSV = ("csv", "text/csv", "csv", ResultKind.SOLUTIONS)
    TSV = ("tsv", "text/tab-separated-values", "tsv", ResultKind.SOLUTIONS)
    TURTLE = ("ttl", "text/turtle", "ttl", ResultKind.GRAPH)
    N_TRIPLES = ("nt", "application/n-triples", "nt", ResultKind.GRAPH)
    JSON_LD = ("jsonld", "application/ld+json", "jsonld", ResultKind.GRAPH)
    RDF_XML = ("rdfxml", "application/rdf+xml", "rdf", ResultKind.GRAPH)
    N_QUADS = ("nq", "application/n-quads", "nq", ResultKind.GRAPH)
    TRIG = ("trig", "application/trig", "trig", ResultKind.GRAPH)

    def __init__(self, short_name: str, media_type: str, extension: str, kind: ResultKind):
        self.short_name = short_name
        self.media_type = media_type
        self.extension = extension
        self.kind = kind

    @property
    def content_type(self) -> str:
        """The Content-Type header value: the media type with its charset."""
        return f"{self.media_type}; charset=utf-8"


# Formats offered for each kind of result, in the server's order of preference (the first is the default).
FORMATS_BY_KIND = {kind: tuple(f for f in Format if f.kind is kind) for kind in ResultKind}

@dataclass(frozen=True)
class FormatChoice:
    """The format to answer in for each kind of result, negotiated before the engine says which kind a query has.

    In place of a format, (reason, offered) says why no format the client accepts can express that kind (a 406).
    """

    solutions: Format | tuple[str, tuple[str, ...]]
    graph: Format | tuple[str, tuple[str, ...]]

    @classmethod
    def of(cls, fmt: Format) -> "FormatChoice":
        """This format for its own kind of result, the default format for the other kind."""
        other = {kind: offered[0] for kind, offered in FORMATS_BY_KIND.items()}
        other[fmt.kind] = fmt
        return cls(other[ResultKind.SOLUTIONS], other[ResultKind.GRAPH])

    def for_kind(self, kind: ResultKind) -> Format:
        """The format for a result of this kind; NotAcceptableError if the client accepts none."""
        choice = self.solutions if kind is ResultKind.SOLUTIONS else self.graph
        if isinstance(choice, tuple):
            reason, offered = choice
            raise NotAcceptableError(reason, list(offered))
        return choice


MEDIA_TYPE_TO_FORMAT = {f.media_type: f for f in Format}
EXTENSION_TO_FORMAT = {f.extension: f for f in Format}

# Other media types clients send for the same serialisation; several are shared between kinds
# (application/json is SPARQL JSON for bindings, JSON-LD for a graph), so they are looked up per kind.
MEDIA_TYPE_ALIASES = {
    Format.SPARQL_JSON: ("application/json",),
    Format.SPARQL_XML: ("application/xml", "text/xml"),
    Format.TURTLE: ("application/turtle", "application/x-turtle"),
    Format.JSON_LD: ("application/json", "application/x-json+ld"),
    Format.RDF_XML: ("application/xml", "text/xml"),
}

# Short names accepted by `format=` (and a CLI's `--format`), per kind of result.
# "n3" is answered with Turtle, which every N3 reader reads; "rdf+xml" and "json-ld" are what SPARQLWrapper sends.
SHORT_NAME_ALIASES = {
    Format.TURTLE: ("turtle", "n3"),
    Format.N_TRIPLES: ("ntriples", "n-triples"),
    Format.JSON_LD: ("json", "json-ld"),
    Format.RDF_XML: ("rdf", "xml", "rdf+xml"),
    Format.N_QUADS: ("nquads", "n-quads"),
}

# The W3C's IRIs for formats (https://www.w3.org/ns/formats/), as a service description names them.
FORMAT_IRI = {
    Format.SPARQL_JSON: "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    Format.SPARQL_XML: "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    Format.CSV: "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    Format.TSV: "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    Format.TURTLE: "http://www.w3.org/ns/formats/Turtle",
    Format.N_TRIPLES: "http://www.w3.org/ns/formats/N-Triples",
    Format.JSON_LD: "http://www.w3.org/ns/formats/JSON-LD",
    Format.RDF_XML: "http://www.w3.org/ns/formats/RDF_XML",
    Format.N_QUADS: "http://www.w3.org/ns/formats/N-Quads",
    Format.TRIG: "http://www.w3.org/ns/formats/TriG",
}

OXIGRAPH_RDF_FORMAT = {
    Format.TURTLE: ox.RdfFormat.TURTLE,
    Format.N_TRIPLES: ox.RdfFormat.N_TRIPLES,
    Format.JSON_LD: ox.RdfFormat.JSON_LD,
    Format.RDF_XML: ox.RdfFormat.RDF_XML,
    Format.N_QUADS: ox.RdfFormat.N_QUADS,
    Format.TRIG: ox.RdfFormat.TRIG,
}


def media_types(fmt: Format) -> tuple[str, ...]:
    """Every media type that names this format: its own first, then the aliases."""
    return (fmt.media_type, *MEDIA_TYPE_ALIASES.get(fmt, ()))


def short_names(fmt: Format) -> tuple[str, ...]:
    """Every short name that selects this format."""
    return (fmt.short_name, *SHORT_NAME_ALIASES.get(fmt, ()))


def format_named(name: str, kind: ResultKind) -> Format | None:
    """The format of this kind a short name (`ttl`, `json`, …) or media type selects, if any."""
    name = name.strip().lower()
    for fmt in FORMATS_BY_KIND[kind]:
        if name in short_names(fmt) or name in media_types(fmt):
            return fmt
    return None


def all_short_names() -> list[str]:
    """Every short name accepted by `format=`, for error messages."""
    return sorted({name for fmt in Format for name in short_names(fmt)})
