"""Reading a SPARQL 1.1 Protocol request: its query or update, dataset parameters and `format`, strictly."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from flask import Request

from ..errors import ParameterError, UnsupportedMediaTypeError
from ..store import Dataset

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
POST_MEDIA_TYPES = [FORM, SPARQL_QUERY]


@dataclass(frozen=True)
class ProtocolRequest:
    """What a request to the endpoint asks: a query or an update, the dataset parameters, a format."""

    query: str | None = None
    has_update: bool = False
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()

    def dataset(self, *, query_declares_dataset: bool) -> Dataset:
        """The protocol's dataset parameters if any (they override FROM), else the query's FROM, else the default."""
        if self.default_graph_uris or self.named_graph_uris:
            return Dataset(self.default_graph_uris, self.named_graph_uris)
        if query_declares_dataset:
            return Dataset(from_query=True)
        return Dataset()


def read_protocol_request(request: Request) -> ProtocolRequest:
    """Parse the URL and (for POST) the body of a request; raises 400, 413 or 415 errors naming the problem."""
    parameters = parse_parameters(request.query_string)
    direct_query = None
    has_update = False
    if request.method == "POST":
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
        query=queries[0] if queries else None,
        has_update=has_update or any(name == "update" for name, _ in parameters),
        default_graph_uris=tuple(value for name, value in parameters if name == "default-graph-uri"),
        named_graph_uris=tuple(value for name, value in parameters if name == "named-graph-uri"),
        formats=formats,
    )


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
