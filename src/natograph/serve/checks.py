"""GET /check (the served snapshot's check report) and GET /explain?s=&p=&o= (why a triple holds), as JSON or HTML."""

from __future__ import annotations

import hashlib
import json

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, url_for

from .. import __version__
from ..errors import NotAcceptableError, NotFoundError, ParameterError, SnapshotError
from ..sparql.explain import Explainer, parse_triple
from ..snapshot import CHECK_REPORT
from ..snapshot.source_lines import open_source_lines
from .links import TermView, term_view
from .markup import render_inline
from .negotiation import preferred_media_type
from .responses import is_not_modified, not_modified
from .state import current_state

blueprint = Blueprint("checks", __name__)

MEDIA_TYPES = {"json": "application/json", "html": "text/html"}


def choose_representation() -> str:
    """"json" or "html": the `format` parameter first, then the Accept header (JSON when it does not say)."""
    name = request.args.get("format")
    if name is not None:
        if name not in MEDIA_TYPES:
            raise ParameterError("format", f"unknown format {name!r}", accepts="json, html")
        return name
    if not request.headers.get("Accept"):
        return "json"
    best = preferred_media_type(list(MEDIA_TYPES.values()), request.headers["Accept"])
    if best is None:
        raise NotAcceptableError("no media type in Accept can express this page", list(MEDIA_TYPES.values()))
    return "json" if best == MEDIA_TYPES["json"] else "html"


@blueprint.get("/check")
def check_report() -> Response:
    """The check report the build saved with the served snapshot (`natograph check` prints the same)."""
    state = current_state()
    snapshot = state.snapshot
    representation = choose_representation()
    try:
        text = (snapshot.path / CHECK_REPORT).read_text(encoding="utf-8")
    except FileNotFoundError:
        if representation == "html":
            # A person following the site's "Checks" link learns what the report is and how it comes.
            page = render_template("check_missing.html", snapshot=snapshot.key)
            return Response(page, content_type="text/html; charset=utf-8", headers={"Vary": "Accept"})
        raise NotFoundError(f"snapshot {snapshot.key} has no check report (an older natograph built it): "
                            "`natograph build --force` writes one") from None
    except OSError as exc:
        raise SnapshotError(f"the check report of snapshot {snapshot.key} cannot be read: {exc.strerror}") from None
    # Written once, with the snapshot; the ETag follows its content all the same, as it costs one hash.
    etag = _etag(snapshot.key, "check", representation, hashlib.sha256(text.encode()).hexdigest()[:16])
    if is_not_modified(request, etag):
        return not_modified(etag)
    report = json.loads(text)
    if representation == "json":
        response = Response(text, content_type="application/json; charset=utf-8")
    else:
        response = Response(render_template("check.html", report=report), content_type="text/html; charset=utf-8")
    return _finish(response, etag)


@blueprint.get("/explain")
def explain_triple() -> Response:
    """Why the served graph holds the triple ?s ?p ?o: asserted (and in which file), inferred (rule, premises), or not."""
    state = current_state()
    terms = {name: request.args.get(name, "") for name in ("s", "p", "o")}
    representation = choose_representation()
    if representation == "html" and not any(terms.values()):
        page = render_template("explain.html", explanation=None, terms=terms)
        return Response(page, content_type="text/html; charset=utf-8", headers={"Vary": "Accept"})
    triple = parse_triple(terms["s"], terms["p"], terms["o"])
    digest = hashlib.sha256(str(triple).encode()).hexdigest()[:16]
    lines, note = open_source_lines(state.snapshot)
    try:
        # The lines are saved with the snapshot (none with an older natograph's): the ETag says which.
        lines_version = lines.version if lines is not None else "no-lines"
        etag = _etag(state.snapshot_key, "explain", representation, digest, lines_version)
        if is_not_modified(request, etag):
            return not_modified(etag)
        explanation = Explainer(state.snapshot.store, sources=lines).explain(triple)
    finally:
        if lines is not None:
            lines.close()
    body = {**explanation.to_dict(), "source_lines": {"available": lines is not None, "note": note}}
    if representation == "json":
        text = json.dumps(body, ensure_ascii=False, indent=2)
        response = Response(text, content_type="application/json; charset=utf-8")
    else:
        page = render_template("explain.html", explanation=body, terms=terms, shown=ExplainedTerms(),
                               render_inline=render_inline)
        response = Response(page, content_type="text/html; charset=utf-8")
    return _finish(response, etag)


class ExplainedTerms:
    """The terms of an explanation as its page shows them: IRIs by name with links, blank nodes as `_:b1`, `_:b2` …"""

    def __init__(self):
        self.blank_labels: dict[str, str] = {}

    def __call__(self, text: str) -> TermView:
        if text.startswith("_:"):
            label = self.blank_labels.setdefault(text, f"_:b{len(self.blank_labels) + 1}")
            return TermView("bnode", label, f"a blank node ({text})")
        if text.startswith("<") and text.endswith(">"):
            return term_view(ox.NamedNode(text[1:-1]))
        try:
            (parsed,) = ox.parse(f"<urn:s> <urn:p> {text} .", format=ox.RdfFormat.N_TRIPLES)
        except (SyntaxError, ValueError):
            return TermView("literal", text, text)
        return term_view(parsed.object)


def explain_url(triple) -> str:
    """The /explain address of a triple of pyoxigraph terms (for links from resource pages)."""
    return url_for("checks.explain_triple", s=str(triple.subject), p=str(triple.predicate), o=str(triple.object))


def _etag(snapshot_key: str, *parts: str) -> str:
    return 'W/"' + "-".join([snapshot_key, __version__, *parts]) + '"'


def _finish(response: Response, etag: str) -> Response:
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept"
    return response
