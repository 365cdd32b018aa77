"""Finding things: `/search?q=` (resources by label, acronym or part of a name, ranked, with their classes) and
`/class/<Name>` (the resources of one class of the ontology), as HTML for people and JSON for programs."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request

from ..errors import NotFoundError, ParameterError
from ..sparql import read_query
from ..vocab import NATO
from .answer_table import labels_of
from .checks import choose_representation
from .links import href
from .state import current_state

blueprint = Blueprint("search", __name__, template_folder="templates")
MAX_RESULTS = 50
MAX_QUERY_CHARS = 200
RANK_WORDS = {0: "name", 1: "start of a name", 2: "start of a word", 3: "part of a word"}


@dataclass(frozen=True)
class Found:
    """One resource found: its IRI, label and page, the name that matched and how, and its classes."""

    iri: str
    label: str
    href: str | None
    matched: str
    rank: int
    classes: tuple[tuple[str, str], ...]  # (class label, class page)

    def to_dict(self) -> dict:
        return {"iri": self.iri, "label": self.label, "page": self.href, "matched": self.matched,
                "match": RANK_WORDS[self.rank], "classes": [label for label, _ in self.classes]}


def search(text: str) -> list[Found]:
    """The resources whose label or alternative label contains `text` (ignoring case), best matches first."""
    store = current_state().store
    wanted = " ".join(text.split()).casefold()
    best: dict[str, tuple[int, str]] = {}
    for resource, name, rank in store.query(read_query("search.rq"), bindings={"value": ox.Literal(wanted)}).rows:
        best.setdefault(resource.value, (int(rank.value), name.value))
    chosen = list(best.items())[:MAX_RESULTS]
    nodes = [ox.NamedNode(iri) for iri, _ in chosen]
    labels = labels_of(set(nodes))
    classes = classes_of(nodes)
    found = [Found(iri, labels.get(iri, matched), href(iri), matched, rank, classes.get(iri, ()))
             for iri, (rank, matched) in chosen]
    return sorted(found, key=lambda f: (f.rank, f.label.casefold()))


def classes_of(resources: list[ox.NamedNode]) -> dict[str, tuple[tuple[str, str], ...]]:
    """The most specific natograph classes of each resource, as (label, page) pairs."""
    if not resources:
        return {}
    store = current_state().store
    classes: dict[str, list[tuple[str, str]]] = {}
    for resource, cls, label in store.query(read_query("classes-of.rq"), bindings={"resource": resources}).rows:
        local = cls.value[len(str(NATO)):]
        entry = (label.value if label is not None else local, f"/class/{local}")
        if entry not in classes.setdefault(resource.value, []):
            classes[resource.value].append(entry)
    return {iri: tuple(entries) for iri, entries in classes.items()}


@blueprint.get("/search")
def search_page() -> Response:
    """Resources by label, acronym or part of a name: `q` the text; HTML for a browser, JSON otherwise."""
    text = request.args.get("q", "").strip()  # given once at most: request_checks refuses a repeated one
    if len(text) > MAX_QUERY_CHARS:
        raise ParameterError("q", f"is {len(text)} characters long", accepts=f"at most {MAX_QUERY_CHARS} characters")
    representation = choose_representation()
    if representation == "json" and not text:
        raise ParameterError("q", "is missing or empty", accepts="a text to look for, e.g. q=kfor")
    found = search(text) if text else []
    if representation == "json":
        return jsonify({"query": text, "results": [f.to_dict() for f in found]})
    page = render_template("search.html", search_text=text, found=found, rank_words=RANK_WORDS)
    return Response(page, content_type="text/html; charset=utf-8", headers={"Vary": "Accept"})


@blueprint.get("/class/<name>")
def class_page(name: str) -> Response:
    """The resources of the ontology class `nato:<name>` with their labels, as HTML or JSON."""
    store = current_state().store
    try:
        cls = ox.NamedNode(str(NATO) + name)
    except ValueError:
        raise NotFoundError(f"no class nato:{name} in the ontology; /ontology lists them") from None
    summary = store.query(read_query("class-summary.rq"), bindings={"class": cls}).rows
    label, comment, count = summary[0] if summary else (None, None, None)
    if label is None and (count is None or int(count.value) == 0):
        raise NotFoundError(f"no class nato:{name} in the ontology; /ontology lists them")
    labelled: dict[str, str] = {}
    for resource, member_label in store.query(read_query("instances-of.rq"), bindings={"class": cls}).rows:
        labelled.setdefault(resource.value, member_label.value if member_label is not None else resource.value)
    members = sorted(labelled.items(), key=lambda item: item[1].casefold())
    if choose_representation() == "json":
        return jsonify({"class": cls.value, "label": label.value if label is not None else name,
                        "resources": [{"iri": iri, "label": text, "page": href(iri)} for iri, text in members]})
    page = render_template("class.html", name=name, label=label.value if label is not None else name,
                           comment=comment.value if comment is not None else "",
                           members=[(text, href(iri), iri) for iri, text in members])
    return Response(page, content_type="text/html; charset=utf-8", headers={"Vary": "Accept"})
