"""Pages for people: the query editor (`/query`), partnership frameworks (`/frameworks`) and the operations timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

from ..sparql import read_query
from ..timeline import timeline_entries, timeline_svg
from ..vocab import PREFIXES
from .canned import catalogue
from .links import TermView, href, resource_base, term_view
from .memo import remember
from .responses import is_not_modified, not_modified
from .state import current_state

blueprint = Blueprint("pages", __name__, template_folder="templates")
MAX_UNDATED = 20

EXAMPLE_BODY = """SELECT ?operation ?label ?start ?end WHERE {
  ?operation a nato:Operation ; rdfs:label ?label .
  OPTIONAL { ?operation nato:startDate ?start }
  OPTIONAL { ?operation nato:endDate ?end }
}
ORDER BY ?start ?label
LIMIT 50
"""


def default_query() -> str:
    """The editor's first text: every natograph prefix declared, then an example query."""
    declarations = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())
    return declarations + "\n" + EXAMPLE_BODY


@blueprint.get("/query")
def query_page() -> str:
    """An editor with SPARQL highlighting that runs queries against /sparql and shows the results as a table."""
    state = current_state()
    examples = [{"name": q.name, "summary": q.summary, "text": q.text} for q in catalogue().values()]
    return render_template(
        "query.html", query=request.args.get("query") or default_query(), examples=examples,
        settings={"endpoint": "/sparql", "resourceBase": resource_base(), "prefixes": PREFIXES,
                  "maxRows": state.config.max_rows},
        free_sparql=state.config.free_sparql,
    )


@dataclass
class FrameworkView:
    """A partnership framework and its partner countries."""

    framework: TermView
    short_name: str
    start: TermView | None
    comment: str
    members: dict[str, dict] = field(default_factory=dict)


@blueprint.get("/frameworks")
def frameworks_page() -> Response:
    """NATO's partnership frameworks, each with its partner countries and the date and source of each statement."""
    state = current_state()
    etag = f'W/"{state.snapshot_key}-frameworks"'
    if is_not_modified(request, etag):
        return not_modified(etag)
    frameworks: dict[str, FrameworkView] = {}
    for (framework, label, short_name, start, comment, partner, partner_label, as_of, source,
         source_label) in state.store.query(read_query("framework-members.rq")).rows:
        view = frameworks.setdefault(framework.value, FrameworkView(
            term_view(framework, {framework.value: label.value} if label is not None else {}),
            short_name.value if short_name is not None else "", term_view(start) if start is not None else None,
            comment.value if comment is not None else ""))
        if partner is None:
            continue
        member = view.members.setdefault(partner.value, {
            "partner": term_view(partner, {partner.value: partner_label.value} if partner_label is not None else {}),
            "as_of": {}, "sources": {}})
        if as_of is not None:
            member["as_of"][as_of.value] = term_view(as_of)
        if source is not None:
            member["sources"][source.value] = term_view(source, {source.value: source_label.value}
                                                        if source_label is not None else {})
    ordered = sorted(frameworks.values(), key=lambda f: f.framework.text.lower())
    response = Response(render_template("frameworks.html", frameworks=ordered), content_type="text/html; charset=utf-8")
    response.headers["ETag"] = etag
    return response


def operations_timeline() -> Markup:
    """The operations timeline as inline SVG (drawn once per served snapshot); every label in it is escaped."""
    state = current_state()

    def draw() -> str:
        created = state.manifest.get("created", "")
        today = dt.date.fromisoformat(created[:10]) if created else dt.date.today()
        entries = remember("timeline-entries", lambda: timeline_entries(state.store))
        return timeline_svg(entries, today=today, link=lambda iri: href(iri) or iri)

    return Markup(remember("timeline-svg", draw))


def undated_operations() -> list[TermView]:
    """Operations the timeline cannot draw, for lack of a start date (the first MAX_UNDATED of them)."""
    entries = remember("timeline-entries", lambda: timeline_entries(current_state().store))
    return [TermView("iri", e.label, e.iri, href(e.iri)) for e in entries if e.start is None][:MAX_UNDATED]


@blueprint.get("/timeline.svg")
def timeline_image() -> Response:
    """The operations timeline as a standalone SVG image."""
    etag = f'W/"{current_state().snapshot_key}-timeline"'
    if is_not_modified(request, etag):
        return not_modified(etag)
    response = Response(str(operations_timeline()), content_type="image/svg+xml; charset=utf-8")
    response.headers["ETag"] = etag
    return response


@blueprint.app_context_processor
def page_helpers() -> dict:
    """Functions every template may call: the timeline for the landing page."""
    return {"operations_timeline": operations_timeline, "undated_operations": undated_operations}
