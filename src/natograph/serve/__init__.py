"""The web application: `create_app(config)` opens the current snapshot and registers one blueprint per concern."""

from __future__ import annotations

import re
import sys
from urllib.parse import urlsplit

from flask import Flask, request
from flask.globals import request_ctx
from werkzeug.exceptions import BadHost, HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from ..query.cache import CachingExecutor
from ..config import Config
from ..errors import NatographError, PayloadTooLargeError
from ..query.executor import QueryExecutor, default_executor
from ..snapshot.failed_build import read_failed_build
from ..snapshot import open_snapshot
from ..store import ServedStore, open_store
from .limits import FairShare, RateLimiter
from .request_checks import check_request
from .responses import add_cors_headers, error_body_response, error_response
from .state import EXTENSION_KEY, ServerState

# Each entry is "module:attribute" of a Blueprint below natograph.serve; adding a concern is one line.
BLUEPRINTS = [
    "sparql:blueprint",
    "site:blueprint",
    "checks:blueprint",
    "canned:blueprint",
    "resources:blueprint",
    "graphs:blueprint",
    "dumps:blueprint",
    "pages:blueprint",
    "search:blueprint",
]


def create_app(config: Config | None = None, *, store: ServedStore | None = None,
               executor: QueryExecutor | None = None) -> Flask:
    """A Flask application serving a snapshot (the current one of `config` unless `store` is given).

    The store is the one the settings choose (`store = "embedded" | "remote"`). Queries on the embedded
    store run in a pool of `max_concurrent_queries` worker processes unless another executor is given
    (e.g. `InlineExecutor(store)` in tests, which evaluates in the request thread). If the last build
    failed on its inputs, the snapshot is served all the same, said to be stale (stderr, /health, /).
    """
    config = config or Config.load()
    store = store or open_store(config, open_snapshot(config))
    executor = executor or default_executor(config, store)
    refusal = free_sparql_refusal(config, executor)
    if config.result_cache_bytes > 0:
        executor = CachingExecutor(executor, max_bytes=config.result_cache_bytes)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.json.sort_keys = False
    stale = read_failed_build(config)
    if stale is not None:
        print(f"natograph: STALE: serving the last good snapshot {store.key} (built "
              f"{store.snapshot.manifest.get('created')}): the last build failed: {stale.describe()}", file=sys.stderr)
    fair_share = FairShare(config.concurrent_queries_per_client, config.query_seconds_per_minute)
    app.extensions[EXTENSION_KEY] = ServerState(config, store, executor, RateLimiter(config.queries_per_minute),
                                                fair_share, stale=stale, free_sparql_refusal=refusal)
    for entry in BLUEPRINTS:
        app.register_blueprint(_import_blueprint(entry))
    # The request object itself, not the proxy: the checks read it a dozen times on every request.
    app.before_request(lambda: check_request(request_ctx.request))
    app.register_error_handler(NatographError, error_response)
    app.register_error_handler(HTTPException, _http_error_response)
    app.after_request(lambda response: add_cors_headers(response, request_ctx.request))
    app.wsgi_app = with_host_for_links(app.wsgi_app, config.public_base)
    if config.proxy_hops > 0:
        # The client's address, scheme, host and path prefix as the trusted proxies forwarded them.
        hops = config.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    return app


FREE_SPARQL_OFF = (
    "free SPARQL is turned off on this server (setting free_sparql); the canned queries at /queries are public"
)


def free_sparql_refusal(config: Config, executor: QueryExecutor) -> str | None:
    """Why free SPARQL must not be served, or None: turned off, or query workers that cannot leave the network."""
    if not config.free_sparql:
        return FREE_SPARQL_OFF
    guard = getattr(executor, "network_guard", None)
    if guard is None or guard.available or config.allow_unguarded_queries:
        return None
    return (f"free SPARQL is not served: this machine cannot cut query workers off from the network "
            f"({guard.reason}), so a SERVICE call could not be stopped by the operating system; the canned "
            "queries at /queries are public (an operator may allow free SPARQL with allow_unguarded_queries)")


def with_host_for_links(wsgi_app, public_base: str):
    """The application, giving a request without a Host (HTTP/1.0 allows it; an HTTP/1.1 one is a 400) the host its
    links are built from: the `public_base` setting's scheme, host and path, else the address the server listens on
    (SERVER_NAME and SERVER_PORT), never an empty host (`http:///…`)."""
    base = urlsplit(public_base) if public_base else None
    if base is not None and not (base.scheme and base.netloc):
        base = None

    def application(environ, start_response):
        if "HTTP_HOST" not in environ and environ.get("SERVER_PROTOCOL") in ("HTTP/1.0", "HTTP/0.9"):
            if base is not None:
                environ["HTTP_HOST"] = base.netloc
                environ["wsgi.url_scheme"] = base.scheme
                environ["SCRIPT_NAME"] = base.path.rstrip("/") + environ.get("SCRIPT_NAME", "")
            elif environ.get("SERVER_NAME"):
                name, port = environ["SERVER_NAME"], environ.get("SERVER_PORT", "80")
                environ["HTTP_HOST"] = (f"[{name}]" if ":" in name else name) + f":{port}"
        return wsgi_app(environ, start_response)

    return application


def _import_blueprint(entry: str):
    module_name, _, attribute = entry.partition(":")
    module = __import__(f"{__name__}.{module_name}", fromlist=[attribute])
    return getattr(module, attribute)


def _http_error_response(exc: HTTPException):
    """Werkzeug's own errors (404, 405, 413 …) in the same shape as natograph's, negotiated the same way."""
    if isinstance(exc, RequestEntityTooLarge):
        limit = request.max_content_length or 0
        return error_response(PayloadTooLargeError(f"the request body is larger than the limit of {limit} bytes", limit))
    body = {"error": re.sub(r"[^a-z0-9]+", "-", (exc.name or "error").lower()).strip("-"), "message": exc.description}
    if isinstance(exc, BadHost):
        body["message"] = ("the Host header is not a host name this server can read (a name of labels of at most 63 "
                           "characters, or an IP address, and an optional port)")
    if isinstance(exc, NotFound):
        body["message"] = f"nothing is served at {request.path}; the home page, /, links to what is"
    allowed = exc.get_response().headers.get("Allow")
    if isinstance(exc, MethodNotAllowed) and allowed:
        body["message"] = f"method {request.method} is not allowed on {request.path}; allowed: {allowed}"
        body["allowed"] = [method.strip() for method in allowed.split(",")]
    response = error_body_response(body, exc.code or 500)
    if allowed:
        response.headers["Allow"] = allowed
    return response
