"""Reading a SPARQL 1.1 Protocol request: its query or update, dataset parameters and `format`, strictly.

Kept rather than `request.args` and `request.form`: werkzeug replaces bytes that are not UTF-8 (a query would
change silently instead of being refused), and the protocol must see every raw pair to refuse a repeated
`query` and to take a query from an `application/sparql-query` body.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote_to_bytes

import pyoxigraph as ox
from flask import Request

from ..errors import ParameterError, UnsupportedMediaTypeError
from ..sparql.text import QueryText
from ..store import Dataset

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
POST_MEDIA_TYPES = [FORM, SPARQL_QUERY]
# URL query strings whose reading is remembered, so that a repeated GET is not percent-decoded again;
# longer ones are read every time, which bounds what the memory holds (key and value) to about 8 MiB.
REMEMBERED_QUERY_STRINGS = 256
REMEMBERED_QUERY_STRING_BYTES = 16 * 1024
# Datasets are immutable: this one serves every request that names no graph.
DEFAULT_DATASET = Dataset()


@dataclass(frozen=True)
class ProtocolRequest:
    """What a request to the endpoint asks: a query or an update, the dataset parameters, a format.

    The query is a QueryText, made here once per request (once per repeated GET's query string): what the
    executor, the cache and the store read of it travels with it.
    """

    query: QueryText | None = None
    has_update: bool = False
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()

    def dataset(self) -> Dataset:
        """The protocol's dataset parameters if any (they override the query's FROM), else the query's own."""
        if self.default_graph_uris or self.named_graph_uris:
            return Dataset(self.default_graph_uris, self.named_graph_uris)
        return DEFAULT_DATASET


def read_protocol_request(request: Request) -> ProtocolRequest:
    """Parse the URL and (for POST) the body of a request; raises 400, 413 or 415 errors naming the problem."""
    if request.method != "POST":
        return read_query_string(request.query_string)
    parameters = parse_parameters(request.query_string)
    direct_query = None
    has_update = False
    media_type = (request.mimetype or "").lower()
    if media_type == FORM:
        parameters += parse_parameters(request.get_data(cache=False))
    elif media_type == SPARQL_QUERY:
        direct_query = _decode_body(request)
    elif media_type == SPARQL_UPDATE:
        has_update = True
    else:
        shown = request.content_type or "none"
        raise UnsupportedMediaTypeError(f"a POST body of type {shown} cannot carry a query", POST_MEDIA_TYPES)
    return _protocol_request(parameters, direct_query=direct_query, has_update=has_update)


def read_query_string(encoded: bytes) -> ProtocolRequest:
    """What a request without a body asks by its URL's query string alone."""
    if len(encoded) > REMEMBERED_QUERY_STRING_BYTES:
        return _protocol_request(parse_parameters(encoded))
    return _remembered_query_string(encoded)


@lru_cache(maxsize=REMEMBERED_QUERY_STRINGS)
def _remembered_query_string(encoded: bytes) -> ProtocolRequest:
    # A pure function of the bytes; a ProtocolRequest is immutable, so one can answer every repeat.
    return _protocol_request(parse_parameters(encoded))


def _protocol_request(parameters: list[tuple[str, str]], *, direct_query: str | None = None,
                      has_update: bool = False) -> ProtocolRequest:
    queries = [value for name, value in parameters if name == "query"]
    if direct_query is not None:
        queries.append(direct_query)
    if len(queries) > 1:
        raise ParameterError("query", f"given {len(queries)} times; a request carries exactly one query")
    # Clients repeat `format` with a short name and media types (SPARQLWrapper does); the first that fits wins.
    formats = tuple(
        item.strip() for name, value in parameters if name == "format" for item in value.split(",") if item.strip()
    )
    return ProtocolRequest(
        query=QueryText(queries[0]) if queries else None,
        has_update=has_update or any(name == "update" for name, _ in parameters),
        default_graph_uris=_graph_iris(parameters, "default-graph-uri"),
        named_graph_uris=_graph_iris(parameters, "named-graph-uri"),
        formats=formats,
    )


def _graph_iris(parameters: list[tuple[str, str]], parameter: str) -> tuple[str, ...]:
    """The values of a dataset parameter, each an absolute IRI as the engine reads one."""
    iris = tuple(value for name, value in parameters if name == parameter)
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise ParameterError(parameter, f"{iri!r} is not an absolute IRI ({exc})") from None
    return iris


def parse_parameters(encoded: bytes) -> list[tuple[str, str]]:
    """The name/value pairs of a URL query string or form body, which must decode as UTF-8."""
    pairs = []
    for field in encoded.split(b"&"):
        if not field:
            continue
        raw_name, _, raw_value = field.partition(b"=")
        name = _decode_component(raw_name, None)
        pairs.append((name, _decode_component(raw_value, name)))
    return pairs


def _decode_component(raw: bytes, parameter: str | None) -> str:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(parameter or "(name)", f"not valid UTF-8 (byte {exc.start} of the decoded value)") from None


def _decode_body(request: Request) -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaTypeError(f"a query body in charset {charset} is not read", [f"{SPARQL_QUERY}; charset=utf-8"])
    body = request.get_data(cache=False)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError("query", f"the request body is not valid UTF-8 (byte {exc.start})") from None
