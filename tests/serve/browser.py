"""Debian's Chromium driven by Playwright, for the browser tests (no browser download: the system's Chromium)."""

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = "install Debian's chromium: apt-get install chromium (and Playwright for Python: pip install playwright)"
CHROMIUM_ARGUMENTS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def require_browser():
    """The Playwright module, if it and Chromium are installed; otherwise a skip (or, in CI, a failure)."""
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
    if sync_api is not None and CHROMIUM.exists():
        return sync_api
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests must run in CI: {INSTALL_HINT}")
    pytest.skip(INSTALL_HINT)


class Visit:
    """One browser page on the server, recording dialogs, script errors and any request that leaves the server."""

    def __init__(self, browser, server):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.server = server
        self.dialogs, self.errors, self.outside = [], [], []
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.context.route("**/*", self._only_the_server)

    def _only_the_server(self, route):
        host = urlparse(route.request.url).hostname
        if host == "127.0.0.1" or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, path: str):
        self.page.goto(self.server.url + path)
        return self.page

    def screenshot(self, path: Path) -> bytes:
        self.page.screenshot(path=str(path), full_page=True)
        return path.read_bytes()

    def close(self):
        self.context.close()
