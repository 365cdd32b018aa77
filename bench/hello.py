"""A Flask hello-world served with natograph's own server and settings: the ceiling for the HTTP benchmark.

    python bench/hello.py --port 8001
"""

from __future__ import annotations

import argparse

from flask import Flask

from natograph.config import Config
from natograph.serve.server import create_server


def create_hello_app() -> Flask:
    app = Flask(__name__)

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    create_server(create_hello_app(), Config.load(), host="127.0.0.1", port=port).run()


if __name__ == "__main__":
    main()
