"""Fixtures of the serve tests: a Chromium for the browser tests, started after the module's own `server`."""

import pytest

from .browser import CHROMIUM, CHROMIUM_ARGUMENTS, Visit, require_browser


@pytest.fixture(scope="module")
def browser(server):
    """A headless Chromium for the module (its `server` fixture starts first, so a missing browser skips early)."""
    sync_api = require_browser()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGUMENTS)
        yield chromium
        chromium.close()


@pytest.fixture
def visit(browser, server):
    """A page on the module's server; the test fails on a script error, a dialog or a request leaving the server."""
    session = Visit(browser, server)
    yield session
    assert session.errors == [], "script errors on the page"
    assert session.outside == [], "the page asked for something outside the server (a CDN?)"
    assert session.dialogs == [], "a dialog opened (injected script ran?)"
    session.close()
