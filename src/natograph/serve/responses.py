"""Response building shared by the blueprints: query answers, the JSON error shape, ETags and CORS."""

from __future__ import annotations

import json

from flask import Request, Response

from .. import __version__
from ..errors import NatographError
from ..executor import QueryAnswer
from ..export import Format

TRUNCATED_HEADER = "Natograph-Truncated"
MAX_ROWS_HEADER = "Natograph-Max-Rows"
CORS_EXPOSED = ["ETag", "Retry-After", TRUNCATED_HEADER, MAX_ROWS_HEADER]
CORS_EXPOSED_HEADER = ", ".join(CORS_EXPOSED)
CORS_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_HEADERS = "Accept, Content-Type, If-None-Match"


def answer_response(answer: QueryAnswer, *, max_rows: int | None, etag: str | None = None) -> Response:
    """A query answer as a response: its Content-Type with charset, the truncation headers and the ETag."""
    response = Response(answer.body, content_type=answer.fmt.content_type)
    # A new response has no header but its type and length, so each is added without looking for an old value.
    headers = response.headers
    headers.add(TRUNCATED_HEADER, "true" if answer.truncated else "false")
    if answer.truncated and max_rows is not None:
        headers.add(MAX_ROWS_HEADER, str(max_rows))
    headers.add("Vary", "Accept")
    if etag:
        headers.add("ETag", etag)
    return response


def error_response(error: NatographError) -> Response:
    """The one JSON error shape of every failed request, with Retry-After where the error says when to retry."""
    response = Response(json.dumps(error.to_dict(), ensure_ascii=False), status=error.http_status,
                        content_type="application/json; charset=utf-8")
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
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
    """Let any web page query this read-only service, and read the headers that matter to a client."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADER
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
    return response
