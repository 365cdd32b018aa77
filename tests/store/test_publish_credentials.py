"""How publishing learns whether a server asks for credentials: by a HEAD, so that nothing is sent before the
challenge is answered, and no endpoint is made to answer with what it holds (a GET of Oxigraph server's /store is
a dump of the whole store)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from natograph.errors import QueryFailedError
from natograph.store.publish import _authorizer


class RecordingStore(BaseHTTPRequestHandler):
    """A store endpoint that records each request's method, asking for Basic credentials when `realm` is set."""

    methods: list = []
    realm: str | None = None

    def _answer(self, body: bytes) -> None:
        self.methods.append(self.command)
        if self.realm and self.headers.get("Authorization") != "Basic dXNlcjpzZWNyZXQ=":  # user:secret
            self.send_response(401)
            self.send_header("WWW-Authenticate", f'Basic realm="{self.realm}"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self._answer(b"")

    def do_GET(self):
        self._answer(b"<s> <p> <o> <g> .\n" * 100_000)  # the whole store

    def log_message(self, *args):
        pass


@pytest.fixture
def store_endpoint():
    RecordingStore.methods = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingStore)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/store"
    server.shutdown()


def test_a_server_asking_for_nothing_is_probed_by_a_head_only(store_endpoint):
    RecordingStore.realm = None
    authorize = _authorizer(store_endpoint, None, None)
    assert authorize(None) is None
    assert RecordingStore.methods == ["HEAD"]


def test_credentials_are_tried_by_a_head_and_a_wrong_password_names_the_user(store_endpoint):
    RecordingStore.realm = "store"
    authorize = _authorizer(store_endpoint, "user", "secret")
    assert authorize(None) == "Basic dXNlcjpzZWNyZXQ="
    with pytest.raises(QueryFailedError, match="refused the credentials of user user: 401"):
        _authorizer(store_endpoint, "user", "wrong")
    assert set(RecordingStore.methods) == {"HEAD"}
