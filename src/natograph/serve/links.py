"""Where things live: the server address of a natograph IRI, and RDF terms as pages show them (label, link, kind).

The graph's IRIs stay canonical (`https://w3id.org/natograph/id/kfor`) in every RDF document; only
HTML links are rewritten. An IRI under the `resource_base` setting maps to the same path on this
server (`/id/kfor`); an ontology term `…/ontology#Operation` gets its own page, `/ontology/Operation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import request

from ..rdf.dates import PRECISION_OF_DATATYPE
from ..rdf.terms import compact
from .state import current_state

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def server_url() -> str:
    """The absolute address of this server, without a final slash: the `public_base` setting, else the request's host."""
    public_base = current_state().config.public_base
    return (public_base or request.host_url).rstrip("/")


def resource_base() -> str:
    return current_state().config.resource_base


def page_path(iri: str) -> str | None:
    """The path of the page about `iri` on this server, if the IRI is one of natograph's."""
    base = resource_base()
    if not iri.startswith(base):
        return None
    document, _, fragment = iri[len(base):].partition("#")
    if document == "ontology" and fragment:
        return "/ontology/" + fragment
    return "/" + document


def href(iri: str) -> str | None:
    """Where a link to `iri` goes: its page here, the IRI itself for other web addresses, or nowhere."""
    path = page_path(iri)
    if path is not None:
        return path
    return iri if iri.startswith(("http://", "https://")) else None


@dataclass(frozen=True)
class TermView:
    """An RDF term as a page shows it."""

    kind: str
    text: str
    title: str
    href: str | None = None
    datatype: str | None = None
    precision: str | None = None
    language: str | None = None
    # For a blank node: its (property, value) pairs, or the members of an RDF list.
    parts: tuple = field(default=())
    members: tuple = field(default=())


def term_view(term, labels: dict[str, str] | None = None) -> TermView:
    """An IRI as its label (or compact name) with a link, a literal as its text and datatype, a blank node as `_:…`."""
    labels = labels or {}
    if isinstance(term, ox.NamedNode):
        name = compact(term)
        return TermView("iri", labels.get(term.value) or name, f"{name} — {term.value}" if name != term.value else name,
                        href(term.value))
    if isinstance(term, ox.BlankNode):
        return TermView("bnode", f"_:{term.value[:8]}", "a blank node")
    datatype = term.datatype.value
    shown_type = None if datatype in (XSD_STRING, RDF_LANG_STRING) else compact(term.datatype)
    return TermView("literal", term.value, str(term), datatype=shown_type,
                    precision=PRECISION_OF_DATATYPE.get(datatype),
                    language=term.language)
