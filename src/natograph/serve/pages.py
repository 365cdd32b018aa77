"""Pages for people: the query editor (`/query`), partnership frameworks (`/frameworks`) and the operations timeline.

The timeline is drawn in pages of MAX_ROWS operations (`/timeline`, `/timeline.svg`), optionally of the operations
under way in a span of years (`from`, `to`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from flask import Blueprint, Response, render_template, request, url_for
from markupsafe import Markup

from .. import __version__
from . import timeline
from ..errors import ParameterError, UnsupportedMediaTypeError
from ..sparql import read_query
from ..sparql.shapes import slow_shape_hints
from .timeline import TimelineEntry, dated_in_years, page_count, timeline_entries, timeline_svg
from ..vocab import PREFIXES
from ..query.canned import CannedQuery, bind_parameters
from .canned import catalogue, editor_text
from .links import TermView, href, resource_base, term_view
from .memo import remember
from .protocol import FORM
from .views import document_line_href
from .responses import is_not_modified, not_modified
from .state import current_state

blueprint = Blueprint("pages", __name__, template_folder="templates")
MAX_UNDATED = 20
FIRST_YEAR, LAST_YEAR = 1, 9999

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


@blueprint.post("/query/shape-hints")
def shape_hints() -> Response:
    """The slow shapes a query text has (`query` form field), each with its fast equivalent: the editor asks as
    the text changes, before it runs. Reads tokens only and runs nothing."""
    if request.mimetype != FORM:
        shown = request.content_type or "none"
        raise UnsupportedMediaTypeError(f"a body of type {shown} is not read here; send the text as the form field query",
                                        [FORM])
    text = request.form.get("query")
    if text is None:
        raise ParameterError("query", "is required", accepts="the SPARQL text, as a form field")
    limit = current_state().config.max_query_bytes
    if len(text.encode("utf-8")) > limit:
        raise ParameterError("query", f"is longer than {limit} bytes", accepts=f"at most {limit} bytes")
    hints = [{"shape": hint.shape, "suggestion": hint.suggestion} for hint in slow_shape_hints(text)]
    return Response(json.dumps({"hints": hints}), content_type="application/json")


@blueprint.get("/query")
def query_page() -> str:
    """The SPARQL editor (YASGUI, vendored) set up for this server: endpoint, prefixes, completion, examples."""
    state = current_state()
    examples = [{"name": q.name, "summary": q.summary, "text": example_text(q)} for q in catalogue().values()]
    classes, properties = remember("editor-terms", ontology_terms)
    return render_template(
        "query.html", examples=examples,
        settings={"endpoint": "/sparql", "resourceBase": resource_base(), "prefixes": PREFIXES,
                  "maxRows": state.config.max_rows, "defaultQuery": default_query(),
                  "classes": classes, "properties": properties},
        free_sparql=state.config.free_sparql,
    )


def ontology_terms() -> tuple[list[str], list[str]]:
    """The IRIs of the ontology's classes and of its properties, for the editor's completion."""
    classes, properties = [], []
    for term, kind in current_state().store.query(read_query("editor-terms.rq")).rows:
        chosen = classes if kind.value.endswith("#Class") else properties
        if term.value not in chosen:
            chosen.append(term.value)
    return classes, properties


def example_text(query: CannedQuery) -> str:
    """A canned query's text for the editor, its parameters bound to their defaults (as the query's page runs it)."""
    try:
        return editor_text(query, bind_parameters(query, {}, current_state().store))
    except ParameterError:
        return query.text  # a required parameter without a default: the reader fills it in


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
    etag = f'W/"{state.snapshot_key}-{__version__}-frameworks"'
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
    """The first page of the operations timeline as inline SVG (drawn once per served snapshot), labels escaped."""
    return Markup(remember("timeline-svg", lambda: str(TimelineView.of(None, None, 1).drawing())))


def undated_operations() -> list[TermView]:
    """Operations the timeline cannot draw, for lack of a start date (the first MAX_UNDATED of them)."""
    return [TermView("iri", e.label, e.iri, href(e.iri)) for e in _entries() if e.start is None][:MAX_UNDATED]


def _entries() -> list[TimelineEntry]:
    return remember("timeline-entries", lambda: timeline_entries(current_state().store))


def _snapshot_day() -> dt.date:
    created = current_state().manifest.get("created", "")
    return dt.date.fromisoformat(created[:10]) if created else dt.date.today()


@dataclass(frozen=True)
class TimelineView:
    """One page of the timeline: the operations under way from `first_year` to `last_year` (None: unbounded)."""

    first_year: int | None
    last_year: int | None
    page: int
    dated: list[TimelineEntry]
    today: dt.date

    @classmethod
    def of(cls, first_year: int | None, last_year: int | None, page: int) -> "TimelineView":
        """The view of these years and this page, refusing a page past the last one."""
        today = _snapshot_day()
        dated = dated_in_years(_entries(), first_year, last_year, today=today)
        if page > page_count(len(dated)):
            raise ParameterError("page", f"page {page} is past the last page, {page_count(len(dated))}",
                                 accepts=f"a page from 1 to {page_count(len(dated))}")
        return cls(first_year, last_year, page, dated, today)

    @property
    def pages(self) -> int:
        return page_count(len(self.dated))

    @property
    def shown(self) -> tuple[int, int]:
        """The positions (from 1) of the first and last operation on this page."""
        return (self.page - 1) * timeline.MAX_ROWS + 1, min(self.page * timeline.MAX_ROWS, len(self.dated))

    def address(self, endpoint: str, page: int) -> str:
        """The address of `page` of these years at `endpoint` (the HTML page or the image)."""
        values = {"from": self.first_year, "to": self.last_year, "page": page if page > 1 else None}
        return url_for(endpoint, **{name: value for name, value in values.items() if value is not None})

    def drawing(self) -> Markup:
        """This page as SVG; the count of later operations links to the next HTML page."""
        bounded = self.first_year is not None or self.last_year is not None
        later = self.address("pages.timeline_page", self.page + 1) if self.page < self.pages else None
        return Markup(timeline_svg(self.dated, today=self.today, link=lambda iri: href(iri) or iri, page=self.page,
                                   later_link=later, empty="No dated operation in these years." if bounded
                                   else "No dated operation in the graph.",
                                   first_year=self.first_year, last_year=self.last_year))


def _timeline_request() -> tuple[TimelineView, str]:
    """The timeline view a request asks for (from, to, page validated) and its ETag."""
    first_year = _whole_number("from", FIRST_YEAR, LAST_YEAR, "a year, 1 to 9999")
    last_year = _whole_number("to", FIRST_YEAR, LAST_YEAR, "a year, 1 to 9999")
    if first_year is not None and last_year is not None and first_year > last_year:
        raise ParameterError("to", f"{last_year} is before from={first_year}", accepts="a year not before 'from'")
    page = _whole_number("page", 1, None, "a page number from 1") or 1
    view = TimelineView.of(first_year, last_year, page)
    key = f'{current_state().snapshot_key}-{__version__}-timeline-{first_year or ""}-{last_year or ""}-{page}'
    return view, key


def _whole_number(name: str, lowest: int, highest: int | None, accepts: str) -> int | None:
    text = request.args.get(name, "").strip()  # given once at most: request_checks refuses a repeated one
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise ParameterError(name, f"{text!r} is not a whole number", accepts=accepts)
    number = int(text) if len(text) <= 9 else None  # longer ones are out of any range, and slow to convert
    if number is None or number < lowest or (highest is not None and number > highest):
        raise ParameterError(name, f"{text} is out of range", accepts=accepts)
    return number


@blueprint.get("/timeline.svg")
def timeline_image() -> Response:
    """The operations timeline as a standalone SVG image: one page, optionally of a span of years."""
    return _timeline_response("svg", "image/svg+xml", lambda view: str(view.drawing()))


@blueprint.get("/timeline")
def timeline_page() -> Response:
    """The whole operations timeline, page by page, with a form to choose a span of years."""
    return _timeline_response("html", "text/html", lambda view: render_template("timeline.html", view=view))


def _timeline_response(kind: str, media_type: str, body) -> Response:
    """The timeline of the request's span in one representation, validated by an ETag of the span and the kind."""
    view, key = _timeline_request()
    etag = f'W/"{key}-{kind}"'
    if is_not_modified(request, etag):
        return not_modified(etag)
    response = Response(body(view), content_type=f"{media_type}; charset=utf-8")
    response.headers["ETag"] = etag
    return response


@blueprint.app_context_processor
def page_helpers() -> dict:
    """Functions every template may call: the timeline for the landing page, the link to a source's line."""
    return {"operations_timeline": operations_timeline, "undated_operations": undated_operations,
            "document_line_href": document_line_href}
