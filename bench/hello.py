"""A Flask hello-world served by gunicorn with natograph's own server settings: the ceiling for the HTTP benchmark.

    python bench/hello.py --port 8001
"""

from __future__ import annotations

import argparse

from flask import Flask
from gunicorn.app.base import BaseApplication

from natograph.config import Config
from natograph.serve.server import server_settings


def create_hello_app() -> Flask:
    app = Flask(__name__)

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    return app


class HelloServer(BaseApplication):
    """gunicorn running the hello-world app with the settings `natograph serve` uses."""

    def __init__(self, port: int):
        self.port = port
        super().__init__()

    def load_config(self) -> None:
        for name, value in server_settings(Config.load(), host="127.0.0.1", port=self.port).items():
            if name in self.cfg.settings:
                self.cfg.set(name, value)
        self.cfg.set("proc_name", "natograph-bench-hello")

    def load(self) -> Flask:
        return create_hello_app()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    HelloServer(parser.parse_args().port).run()


if __name__ == "__main__":
    main()
