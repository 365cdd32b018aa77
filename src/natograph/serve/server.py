"""Serving with waitress: one process, whose I/O loop reads every request whole before a thread runs it.

Why waitress (measured with `bench/attack.py`; the README's "Slow and large requests" has the table):
gunicorn's `gthread` worker gives a connection to a thread as soon as its first byte arrives, and the
thread then reads the rest, however slowly it comes: with 24 clients sending a byte every 2 s, `/health`
was not answered until they stopped (15 s), with or without gunicorn's line limits, and gunicorn has no
setting for a deadline on the request head or body (its documented answer is a buffering proxy in front).
waitress buffers the request line, headers and body in its single I/O loop (poll) and hands a request to
a thread only once it is complete, so a slow client holds a socket, not a thread: `/health` answered in
at most 19 ms under the same attack, and 4 MiB request lines were refused within 0.05 s (gunicorn as
configured before read them whole, 52 s for a 16 MiB one). On top of waitress this module adds what it
lacks: a deadline for the whole request to arrive (`request_read_timeout_ms`), errors in natograph's
JSON shape, and an access log.

Limits applied before the application sees a request:
- the request line and headers together: `max_request_head_bytes` (8 KiB, as nginx) → 431;
- the body, chunked or not: `max_body_bytes` → 413 (waitress de-chunks and counts);
- the time from a request's first byte to its last: `request_read_timeout_ms` → 408, then the connection is
  closed (as Node's `requestTimeout` and Apache's mod_reqtimeout answer; the client learns why, and that it may
  send the request again). A connection idle between requests is closed without an answer after
  KEEPALIVE_SECONDS, as waitress does: there is no request to answer.
And one limit after: an answer the client has stopped taking, whose thread waits for it (more than waitress's
`outbuf_high_watermark` unsent), is dropped after KEEPALIVE_SECONDS without progress, which frees the thread.
These errors, and waitress's own 400 and 501, are in natograph's error shape, negotiated as the application's
are (a page when the request's Accept prefers HTML, once its headers have been read; JSON otherwise).
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import signal
import socket
import sys
import time
from typing import Callable, Iterable

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask
from waitress.utilities import Error, RequestEntityTooLarge, RequestHeaderFieldsTooLarge

from ..config import Config
from ..errors import ConfigError, NatographError

# Idle keep-alive connections are closed after this many seconds without a request.
KEEPALIVE_SECONDS = 5
# Open connections the I/O loop holds at most (slow ones are closed at the read deadline); more wait in the backlog.
CONNECTION_LIMIT = 500

logger = logging.getLogger("natograph.server")


def server_settings(config: Config, *, host: str, port: int) -> dict:
    """The waitress settings (`waitress.adjustments.Adjustments`) natograph runs with."""
    bind_host = f"[{host}]" if ":" in host else host
    return {
        "listen": f"{bind_host}:{port}",
        # Enough threads for every running query, the requests waiting briefly for a worker, and cheap pages.
        "threads": max(8, 2 * config.max_concurrent_queries + 4),
        "max_request_header_size": config.max_request_head_bytes,
        # The application refuses bodies over max_body_bytes itself when their length is declared (413 with
        # its limit); waitress stops reading a chunked body one byte past it.
        "max_request_body_size": config.max_body_bytes + 1,
        "channel_timeout": KEEPALIVE_SECONDS,
        # How often the I/O loop looks for connections past their deadline (seconds; waitress's smallest).
        "cleanup_interval": 1,
        "connection_limit": CONNECTION_LIMIT,
        # poll() rather than select(): select cannot watch file descriptors above 1023.
        "asyncore_use_poll": True,
        # X-Forwarded-* headers are the application's to read (setting proxy_hops), not waitress's to remove.
        "clear_untrusted_proxy_headers": False,
        "ident": "natograph",
        # The SERVER_NAME of requests, whose links are built from it when they carry no Host (HTTP/1.0 may not).
        "server_name": listening_name(host),
    }


def listening_name(host: str) -> str:
    """The name of the address the server listens on, for links: the host itself, or for every interface
    (0.0.0.0, ::) the machine's host name."""
    return socket.gethostname() if host in ("", "0.0.0.0", "::") else host


class TimedRequestParser(HTTPRequestParser):
    """waitress's request parser, remembering when the request's first byte arrived."""

    def __init__(self, adj):
        super().__init__(adj)
        self.started = time.monotonic()


class RequestTimeout(Error):
    code = 408
    reason = "Request Timeout"


class NatographErrorTask(ErrorTask):
    """The errors waitress answers before the application (408, 431, 413, 400, 501) in natograph's error shape."""

    def execute(self):
        error = self.request.error
        adj = self.channel.server.adj
        body = {"error": _kind(error.code), "message": _message(error, adj)}
        if isinstance(error, RequestHeaderFieldsTooLarge):
            body["limit_bytes"] = adj.max_request_header_size
        elif isinstance(error, RequestEntityTooLarge):
            body["limit_bytes"] = adj.max_request_body_size - 1
        elif isinstance(error, RequestTimeout):
            body["limit_ms"] = round(self.channel.server.read_timeout_s * 1000)
        # The headers are known once they were read whole (a body too large, slow or badly chunked).
        accept = self.request.headers.get("ACCEPT", "") if self.request.headers_finished else ""
        try:
            content_type, payload = self.channel.server.error_representation(body, error.code, accept)
        except Exception:
            # Never no answer: waitress would leave the connection without one if this task failed.
            logger.exception("the error page for %s could not be made; answered in JSON", error.code)
            content_type, payload = "application/json; charset=utf-8", json.dumps(body).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", content_type))
        self.response_headers.append(("Vary", "Accept"))
        # As every answer of the application: a page on another origin may read the error.
        self.response_headers.append(("Access-Control-Allow-Origin", "*"))
        self.set_close_on_finish()
        self.content_length = len(payload)
        # The answer to HEAD has the headers of GET's, and no content (waitress writes it whatever the method).
        # (A request whose line could not be read has no method.)
        self.write(b"" if getattr(self.request, "command", None) == "HEAD" else payload)


def _kind(code: int) -> str:
    return {408: "request-timeout", 413: "payload-too-large", 431: "request-head-too-large",
            500: "internal-error", 501: "not-implemented"}.get(code, "bad-request")


def _message(error, adj: Adjustments) -> str:
    if isinstance(error, RequestHeaderFieldsTooLarge):
        return (f"the request line and headers are larger than the limit of {adj.max_request_header_size} bytes"
                " (setting max_request_head_bytes); send a long query by POST")
    if isinstance(error, RequestEntityTooLarge):
        return f"the request body is larger than the limit of {adj.max_request_body_size - 1} bytes"
    if isinstance(error, RequestTimeout):
        return error.body
    if error.code == 501:
        # waitress's only 501: a transfer coding other than chunked.
        return ("the request's Transfer-Encoding is not supported: send the body as it is, with a Content-Length, "
                "or chunked")
    if error.code >= 500:
        return "the server failed to answer this request; the failure is logged"
    return f"malformed request: {WAITRESS_REASONS.get(error.body, error.body)}"


# waitress's terse reasons for a request line it cannot read, said so that a client knows what to change.
WAITRESS_REASONS = {
    "Start line is invalid": "the request line is not 'METHOD target HTTP/1.1' (a space in the target is sent as %20)",
    "Bad URI": "the request target is not a URL (characters beyond ASCII are sent percent-encoded, as UTF-8)",
}


class NatographChannel(HTTPChannel):
    parser_class = TimedRequestParser
    error_task_class = NatographErrorTask
    # When this connection last finished answering a request: a request read behind it (pipelined) waits until
    # then to be read, so its deadline counts from then.
    served_at = 0.0

    def service(self):
        super().service()
        self.served_at = time.monotonic()

    def overdue(self, started_before: float) -> bool:
        """Whether a request is being received, nothing is being answered, and it began before `started_before`."""
        request = self.request
        return (request is not None and not self.requests and not request.completed
                and max(request.started, self.served_at) < started_before)

    def answer_timeout(self, read_timeout_s: float) -> None:
        """Answer the request being received with 408 (the task closes the connection after it)."""
        with self.requests_lock:
            request = self.request
            if request is None or self.requests or self.will_close or self.close_when_flushed:
                return
            request.error = RequestTimeout(
                f"the request did not arrive whole within {read_timeout_s:.3g} s of its first byte (setting "
                "request_read_timeout_ms); the connection is closed: send the request again, whole")
            request.completed = True
            self.request = None
            self.requests.append(request)
            self.server.add_task(self)


class NatographWSGIServer(TcpWSGIServer):
    """waitress's TCP server, answering 408 to requests that have not arrived whole within the deadline."""

    channel_class = NatographChannel
    flask_app = None

    def __init__(self, application, *, read_timeout_s: float, adj: Adjustments):
        self.read_timeout_s = read_timeout_s
        super().__init__(application, map={}, adj=adj, sockinfo=adj.listen[0])

    def set_app(self, app: Callable) -> None:
        """Serve `app` (wrapped in the access log)."""
        self.flask_app = app
        self.application = AccessLog(app, sys.stdout)

    def error_representation(self, body: dict, status: int, accept: str) -> tuple[str, bytes]:
        """(Content-Type, payload) of an error answered before the application: a page if Accept prefers HTML."""
        app = self.flask_app
        if app is not None and hasattr(app, "test_request_context"):
            from .responses import error_body_response

            # A request context of its own: the page's template links to the site as the application's do.
            with app.test_request_context("/", headers={"Accept": accept}):
                response = error_body_response(body, status)
                return response.headers["Content-Type"], response.get_data()
        return "application/json; charset=utf-8", json.dumps(body).encode()

    def maintenance(self, now):
        # waitress's own rule closes any connection without a task that has sent and received nothing for
        # channel_timeout, a request half-received too, and never one whose task waits for the client to read.
        idle_before = now - self.adj.channel_timeout
        started_before = time.monotonic() - self.read_timeout_s
        for channel in list(self.active_channels.values()):
            stalled = channel.last_activity < idle_before
            if channel.requests:
                # Its task waits until the client reads (more than the high watermark is waiting to be sent): a
                # client that has stopped reading would hold the thread for ever, so its connection is closed,
                # which ends the task. Closed here: the I/O loop closes a channel when its socket is writable, and
                # the socket of a client that reads nothing never is.
                if stalled and channel.total_outbufs_len > self.adj.outbuf_high_watermark:
                    logger.warning("%s: answer not read for %s s; connection closed",
                                   channel.addr[0] if channel.addr else "?", self.adj.channel_timeout)
                    channel.handle_close()
            elif channel.request is not None:
                if isinstance(channel, NatographChannel) and channel.overdue(started_before):
                    logger.warning("%s: request not received within %.3g s; answered 408 and closed",
                                   channel.addr[0] if channel.addr else "?", self.read_timeout_s)
                    channel.answer_timeout(self.read_timeout_s)
            elif stalled:
                # Idle between requests, or an answer whose task is done not read: closed, as waitress does.
                channel.will_close = True


def create_server(app: Callable | None, config: Config, *, host: str, port: int) -> NatographWSGIServer:
    """A waitress server on natograph's settings, listening on host:port (ConfigError if it cannot).

    `app` is served wrapped in the access log; without it, give it later with `set_app`.
    """
    settings = server_settings(config, host=host, port=port)
    try:
        server = NatographWSGIServer(None, read_timeout_s=config.request_read_timeout_ms / 1000,
                                     adj=Adjustments(**settings))
    except OSError as exc:
        hint = (f" (another server?); choose another with --port, e.g. --port {port + 1}"
                if exc.errno == errno.EADDRINUSE else "")
        raise ConfigError(f"cannot listen on {host} port {port}: {exc.strerror or exc}{hint}") from None
    if app is not None:
        server.set_app(app)
    return server


class AccessLog:
    """WSGI middleware writing one line per request: address, time, method and path, status, bytes, milliseconds.

    The path only: query strings can be 64 KiB long.
    """

    def __init__(self, app: Callable, stream):
        self.app, self.stream = app, stream

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        status = ["-"]

        def recording_start_response(status_line, headers, exc_info=None):
            status[0] = status_line.split(" ", 1)[0]
            return start_response(status_line, headers, exc_info)

        body = self.app(environ, recording_start_response)
        sent = 0
        try:
            for chunk in body:
                sent += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            milliseconds = int((time.perf_counter() - started) * 1000)
            when = time.strftime("[%d/%b/%Y:%H:%M:%S %z]")
            self.stream.write(f'{environ.get("REMOTE_ADDR", "-")} {when} "{environ.get("REQUEST_METHOD")} '
                              f'{environ.get("PATH_INFO")}" {status[0]} {sent} {milliseconds}ms\n')
            self.stream.flush()


def serve(config: Config, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the current snapshot until interrupted (Ctrl-C or SIGTERM stop it gracefully)."""
    from . import create_app

    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [%(levelname)s] %(name)s: %(message)s")
    # Listening first: a port in use is a clear error before any query worker has started.
    server = create_server(None, config, host=host, port=port)
    server.set_app(create_app(config))
    # SIGTERM ends the I/O loop as Ctrl-C does: the threads finish and the query workers are stopped (atexit).
    signal.signal(signal.SIGTERM, _exit_on_signal)
    logger.info("serving on http://%s:%s (pid %s)", server.effective_host, server.effective_port, os.getpid())
    server.run()
    logger.info("stopped")


def _exit_on_signal(signum, frame):
    raise SystemExit(0)


def exec_server(config: Config, *, host: str, port: int) -> None:
    """Replace this process with a fresh interpreter that serves: nothing the build loaded or opened is inherited.

    RocksDB (under Oxigraph) keeps background threads once a store has been opened, and a process
    forked after that (a query worker) can crash at exit; a fresh interpreter has none.
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
    try:
        serve(Config.load(root=options.root), host=options.host, port=options.port)
    except NatographError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
