"""A bare SPARQL proxy on natograph's server and settings: the floor of any Python hop in front of an engine.

    python bench/proxy.py --port 8002 --engine http://127.0.0.1:7878/query

GET /sparql?query=… is sent on to the engine as natograph sends a query (POSTed, natograph's prefixes
declared, one kept-alive connection per request thread) and the engine's bytes are answered unchanged:
waitress, Flask and http.client, without anything natograph reads, checks or writes.
"""

from __future__ import annotations

import argparse
import http.client
import threading
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, request

from natograph.config import Config
from natograph.serve.server import create_server
from natograph.store.remote import PROLOGUE


def create_proxy_app(engine_url: str, default_graph: str | None = None) -> Flask:
    app = Flask(__name__)
    parts = urlsplit(engine_url)
    connections = threading.local()

    @app.route("/sparql")
    def proxy() -> Response:
        connection = getattr(connections, "connection", None)
        if connection is None:
            connection = connections.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        parameters = [("query", PROLOGUE + request.args["query"])]
        if default_graph:
            parameters.append(("default-graph-uri", default_graph))
        connection.request("POST", parts.path, urlencode(parameters).encode("utf-8"),
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "Accept": request.headers.get("Accept", "application/sparql-results+json")})
        answer = connection.getresponse()
        return Response(answer.read(), status=answer.status, content_type=answer.headers.get("Content-Type"))

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--engine", required=True, help="the engine's SPARQL query endpoint")
    parser.add_argument("--default-graph", default="")
    options = parser.parse_args()
    app = create_proxy_app(options.engine, options.default_graph or None)
    create_server(app, Config.load(), host="127.0.0.1", port=options.port).run()


if __name__ == "__main__":
    main()
