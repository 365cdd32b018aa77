"""Response building shared by the blueprints: query answers, the JSON error shape, ETags and CORS."""

from __future__ import annotations

import json

from flask import Request, Response, has_request_context, render_template, request
from flask.globals import request_ctx
from werkzeug.http import HTTP_STATUS_CODES

from .. import __version__
from ..errors import NatographError
from ..query.executor import QueryAnswer
from ..formats import Format
from .negotiation import parse_accept, preferred

TRUNCATED_HEADER = "Natograph-Truncated"
MAX_ROWS_HEADER = "Natograph-Max-Rows"
CORS_EXPOSED = ["ETag", "Retry-After", TRUNCATED_HEADER, MAX_ROWS_HEADER]
CORS_EXPOSED_HEADER = ", ".join(CORS_EXPOSED)
CORS_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_HEADERS = "Accept, Content-Type, If-None-Match"
# The media types of an error's two representations; JSON, listed first, wins ties such as `*/*`.
JSON_ERROR = ("application/json", "application/sparql-results+json", "application/problem+json")
HTML_ERROR = ("text/html", "application/xhtml+xml")
ERROR_REPRESENTATIONS = (JSON_ERROR, HTML_ERROR)


def answer_response(answer: QueryAnswer, *, max_rows: int | None, etag: str | None = None) -> Response:
    """A query answer as a response: its Content-Type with charset, the truncation headers and the ETag."""
    response = Response(answer.body, content_type=answer.fmt.content_type)
    return add_answer_headers(response, truncated=answer.truncated, max_rows=max_rows, etag=etag)


def add_answer_headers(response: Response, *, truncated: bool, max_rows: int | None, etag: str | None) -> Response:
    """The headers every rendering of a query answer carries: truncation, `Vary: Accept` and the ETag."""
    # A new response has no header but its type and length, so each is added without looking for an old value.
    headers = response.headers
    headers.add(TRUNCATED_HEADER, "true" if truncated else "false")
    if truncated and max_rows is not None:
        headers.add(MAX_ROWS_HEADER, str(max_rows))
    headers.add("Vary", "Accept")
    if etag:
        headers.add("ETag", etag)
    return response


def error_response(error: NatographError) -> Response:
    """A failed request's answer: JSON, or a page for a browser; Retry-After where the error says when to retry."""
    return add_retry_after(error_body_response(error.to_dict(), error.http_status), error)


def add_retry_after(response: Response, error: NatographError) -> Response:
    """Retry-After on an error's answer, where the error says when to retry (busy, rate limited)."""
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def error_body_response(body: dict, status: int) -> Response:
    """An error's JSON shape as JSON, or as an HTML page when the request's Accept prefers HTML to JSON."""
    accept = request.headers.get("Accept", "") if has_request_context() else ""
    ranges = parse_accept(accept)
    # A request that could not be routed at all (a Host werkzeug cannot read) has no URLs to build a page with.
    routable = has_request_context() and request_ctx.url_adapter is not None
    if routable and ranges and preferred(ERROR_REPRESENTATIONS, lambda media: media, ranges) is HTML_ERROR:
        response = Response(render_template("error.html", status=status, reason=HTTP_STATUS_CODES.get(status, "Error"),
                                            error=body), status=status, content_type="text/html; charset=utf-8")
    else:
        response = Response(json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/json; charset=utf-8")
    response.vary.add("Accept")
    return response


def representation_etag(snapshot_key: str, fmt: Format, *extra: object) -> str:
    """A weak ETag for a representation computed from the snapshot (blank node labels may differ between runs)."""
    parts = [snapshot_key, __version__, fmt.short_name, *(str(e) for e in extra)]
    return 'W/"' + "-".join(parts) + '"'


def is_not_modified(request: Request, etag: str) -> bool:
    """Whether a GET or HEAD carries an If-None-Match that matches this ETag."""
    if request.method not in ("GET", "HEAD"):
        return False
    # From the environ: werkzeug's header lookup raises and catches an exception when, as usually, there is none.
    header = request.environ.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = _opaque(etag)
    return any(_opaque(candidate) == wanted for candidate in header.split(","))


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def not_modified(etag: str) -> Response:
    """A 304 answer carrying the ETag again."""
    response = Response(status=304)
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept"
    return response


def add_cors_headers(response: Response, request: Request) -> Response:
    """Let any web page query this read-only service, and read the headers that matter to a client; an empty answer
    to OPTIONS carries no Content-Type."""
    # Added, not set: no route sets them, and setting searches the headers for an old value first.
    headers = response.headers
    headers.add("Access-Control-Allow-Origin", "*")
    headers.add("Access-Control-Expose-Headers", CORS_EXPOSED_HEADER)
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
        if not response.is_streamed and not response.get_data():
            # Flask's answer to OPTIONS has no body, and so no media type: not the text/html it defaults to.
            del response.headers["Content-Type"]
    return response
