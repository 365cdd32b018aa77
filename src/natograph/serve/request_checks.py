"""What every request must be before a page reads it: one valid Host, a UTF-8 path, each URL parameter UTF-8 and given once, and a
body without a content coding. The SPARQL endpoint reads its own request by the protocol's rules (protocol.py).

Kept rather than left to each page: werkzeug decodes a byte that is not UTF-8 silently (to `%FF` in a parameter,
to U+FFFD in the path), and `request.args.get` takes the first of a repeated parameter, so a page would answer a
request other than the one sent instead of refusing it.
"""

from __future__ import annotations

from collections import Counter

from flask import Request

from ..errors import BadRequestError, ParameterError, UnsupportedMediaTypeError
from .protocol import FORM, parse_parameters

# The endpoint whose requests protocol.py reads (it repeats `format`, `default-graph-uri`, `named-graph-uri`).
PROTOCOL_ENDPOINT = "sparql.endpoint"
IDENTITY = "identity"


def check_request(request: Request) -> None:
    """Raise the error that names what is wrong with a request's Host, path, parameters or body coding, if anything."""
    _check_host(request)
    _check_path(request.environ.get("PATH_INFO", ""))
    _check_body_coding(request)
    if request.endpoint == PROTOCOL_ENDPOINT:
        return
    parameters = parse_parameters(request.query_string)
    if request.method == "POST" and request.mimetype == FORM:
        # Cached: the page reads the same body as its form.
        parameters += parse_parameters(request.get_data(cache=True))
    repeated = [(name, count) for name, count in Counter(name for name, _ in parameters).items() if count > 1]
    if repeated:
        name, count = repeated[0]
        raise ParameterError(name, f"given {count} times; give it once")


def _check_host(request: Request) -> None:
    # RFC 9112, 3.2: a 400 for an HTTP/1.1 request without a Host, with two, or with one that is not a host;
    # werkzeug reads such a Host as "" and would build links and IRIs as http:///…
    given = request.environ.get("HTTP_HOST")
    if given is None:
        if request.environ.get("SERVER_PROTOCOL") == "HTTP/1.1":
            raise BadRequestError("the request has no Host header, which HTTP/1.1 requires")
    elif not request.host:
        raise BadRequestError(f"the Host header {given[:100]!r} is not one host name or address (with an optional "
                              "port), given once")


def _check_path(path: str) -> None:
    # WSGI gives the percent-decoded path as a str of its bytes, one character each (latin-1).
    try:
        path.encode("latin-1").decode("utf-8")
    except UnicodeEncodeError:
        return  # already text: a server that decoded it (not waitress)
    except UnicodeDecodeError as exc:
        raise BadRequestError(f"the path is not valid UTF-8 once percent-decoded (byte {exc.start})") from None


def _check_body_coding(request: Request) -> None:
    # From the environ: this runs on every request, and almost none has the header.
    coding = request.environ.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if not coding or coding == IDENTITY:
        return
    has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if has_body:
        raise UnsupportedMediaTypeError(f"a request body with Content-Encoding {coding} is not read; send it uncoded",
                                        [IDENTITY])
