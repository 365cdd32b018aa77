"""HTML or RDF: which representation of a page or resource a request wants, by extension, `format` or Accept."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NotAcceptableError, ParameterError
from ..formats import Format, ResultKind, format_named, media_types
from .negotiation import parse_accept, preferred


@dataclass(frozen=True)
class Representation:
    """An HTML page (`fmt` None) or an RDF serialisation."""

    extension: str
    fmt: Format | None = None

    @property
    def is_html(self) -> bool:
        return self.fmt is None

    @property
    def name(self) -> str:
        return "html" if self.fmt is None else self.fmt.short_name

    @property
    def media_types(self) -> tuple[str, ...]:
        return ("text/html", "application/xhtml+xml") if self.fmt is None else media_types(self.fmt)

    @property
    def content_type(self) -> str:
        return "text/html; charset=utf-8" if self.fmt is None else self.fmt.content_type


HTML = Representation("html")
RDF_FORMATS = (Format.TURTLE, Format.N_TRIPLES, Format.JSON_LD, Format.RDF_XML, Format.TRIG, Format.N_QUADS)
# The server's order of preference: a person first, then the RDF formats in the format table's order.
REPRESENTATIONS = (HTML, *(Representation(fmt.extension, fmt) for fmt in RDF_FORMATS))
BY_EXTENSION = {r.extension: r for r in REPRESENTATIONS}


def split_extension(name: str) -> tuple[str, Representation | None]:
    """`kfor.ttl` → ("kfor", Turtle); a name without a known extension is returned whole."""
    stem, dot, extension = name.rpartition(".")
    if dot and stem and extension in BY_EXTENSION:
        return stem, BY_EXTENSION[extension]
    return name, None


def negotiate(accept: str | None, format_name: str | None = None,
              offered: tuple[Representation, ...] = REPRESENTATIONS) -> Representation:
    """The representation to answer with: `format` if given, else the best match of Accept, else the first offered.

    Among representations the client accepts equally, a more specific media range wins, then the
    range it lists first, then the server's order (HTML first, so that `*/*` gets a page).
    """
    if format_name:
        return _named(format_name, offered)
    ranges = parse_accept(accept or "")
    if not ranges:
        return offered[0]
    best = preferred(offered, lambda representation: representation.media_types, ranges)
    if best is None:
        raise NotAcceptableError(f"no media type in Accept ({accept.strip()}) names a representation of this page",
                                 [r.media_types[0] for r in offered])
    return best


def addressed(fixed: Representation | None, accept: str | None, format_name: str | None,
              offered: tuple[Representation, ...] = REPRESENTATIONS) -> Representation:
    """The representation of an address: the one its extension names (a `format` naming another is a 400, not
    ignored), else the one negotiated by `format` or Accept."""
    if fixed is None:
        return negotiate(accept, format_name, offered)
    if format_name and _named(format_name, offered) is not fixed:
        raise ParameterError("format", f"{format_name!r} contradicts the address's extension .{fixed.extension}",
                             accepts=f"{fixed.name}, or the address without its extension")
    return fixed


def _named(name: str, offered: tuple[Representation, ...]) -> Representation:
    wanted = name.strip().lower()
    for representation in offered:
        if wanted in ("html", "text/html") and representation.is_html:
            return representation
        if representation.fmt is not None and format_named(wanted, ResultKind.GRAPH) is representation.fmt:
            return representation
    raise ParameterError("format", f"unknown format {name!r}", accepts=", ".join(r.name for r in offered))
