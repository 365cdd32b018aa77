"""Serving with gunicorn: one worker process with threads, so the worker pool and the rate budget are per server."""

from __future__ import annotations

import argparse
import os
import sys

from gunicorn.app.base import BaseApplication

from ..config import Config


def server_settings(config: Config, *, host: str, port: int) -> dict:
    """The gunicorn settings natograph runs with."""
    bind_host = f"[{host}]" if ":" in host else host
    return {
        "bind": f"{bind_host}:{port}",
        # One process: the query worker pool, the concurrency limit and the per-client budget live in it.
        "workers": 1,
        "worker_class": "gthread",
        # Enough threads for every running query, the requests waiting briefly for a worker, and cheap pages.
        "threads": max(8, 2 * config.max_concurrent_queries + 4),
        # Unlimited request line: GET queries up to max_query_bytes are measured (413) by the application.
        "limit_request_line": 0,
        "timeout": 30,
        "graceful_timeout": 5,
        "keepalive": 5,
        "accesslog": "-",
        # The path only: query strings can be 64 KiB long.
        "access_log_format": '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        "errorlog": "-",
        # gunicorn's control socket is one fixed path per user; two servers would contend for it.
        "control_socket_disable": True,
        "proc_name": "natograph",
    }


class NatographServer(BaseApplication):
    """gunicorn running `create_app(config)`; the application is created in the worker process."""

    def __init__(self, config: Config, *, host: str, port: int):
        self.config, self.host, self.port = config, host, port
        super().__init__()

    def load_config(self) -> None:
        for name, value in server_settings(self.config, host=self.host, port=self.port).items():
            if name in self.cfg.settings:  # control_socket_disable is new in gunicorn 27
                self.cfg.set(name, value)

    def load(self):
        from . import create_app

        return create_app(self.config)


def serve(config: Config, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the current snapshot until interrupted."""
    NatographServer(config, host=host, port=port).run()


def exec_server(config: Config, *, host: str, port: int) -> None:
    """Replace this process with a fresh interpreter that serves: nothing the build loaded or opened is inherited.

    RocksDB (under Oxigraph) keeps background threads once a store has been opened, and a process
    forked after that (gunicorn's worker) can crash at exit; a fresh interpreter has none.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    arguments = ["--root", str(config.root), "--host", host, "--port", str(port)]
    os.execv(sys.executable, [sys.executable, "-m", "natograph.serve.server", *arguments])


def main(argv: list[str] | None = None) -> None:
    """Serve the current snapshot of a project (settings from NATOGRAPH_* variables); used by `natograph serve`."""
    parser = argparse.ArgumentParser(prog="python -m natograph.serve.server")
    parser.add_argument("--root", default=None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    options = parser.parse_args(argv)
    serve(Config.load(root=options.root), host=options.host, port=options.port)


if __name__ == "__main__":
    main()
