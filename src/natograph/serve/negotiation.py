"""Content negotiation: the `format` parameter first, then the Accept header with its q-values.

Kept rather than werkzeug's `accept_mimetypes.best_match`, which picks from one flat list: here a media type
names a different format for each kind of result (application/json is SPARQL JSON for bindings, JSON-LD for
a graph), and both kinds are negotiated before the engine says which one a query has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence, TypeVar

from ..errors import NotAcceptableError, ParameterError
from ..formats import FORMATS_BY_KIND, Format, FormatChoice, ResultKind, all_short_names, format_named, media_types

T = TypeVar("T")
# Negotiations remembered (by kind, Accept and format names), as clients send the same few headers again and
# again; longer headers and names are negotiated every time, so the memory holds at most about 1 MiB.
REMEMBERED_NEGOTIATIONS = 256
REMEMBERED_NEGOTIATION_CHARS = 4096

KIND_DESCRIPTION = {
    ResultKind.SOLUTIONS: "SELECT or ASK results",
    ResultKind.GRAPH: "a graph (CONSTRUCT, DESCRIBE, service description)",
}


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header: `type/subtype` (either may be `*`), its q-value and its position."""

    type: str
    subtype: str
    q: float
    position: int

    def specificity(self, media_type: str) -> int | None:
        """How precisely this range names a media type (2 exact, 1 `type/*`, 0 `*/*`), or None if it does not."""
        kind, _, subtype = media_type.partition("/")
        if self.type == "*":
            return 0 if self.subtype == "*" else None
        if self.type != kind:
            return None
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == subtype else None


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed entries (a q-value outside RFC 9110's grammar too: `q=2`,
    `q=-1`, `q=abc`) are skipped, as werkzeug skips them, and a header of none is as no header."""
    ranges = []
    for position, entry in enumerate(header.split(",")):
        media, *parameters = [part.strip() for part in entry.split(";")]
        kind, slash, subtype = media.lower().partition("/")
        if not slash or not kind or not subtype:
            continue
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                q = _q_value(value.strip())
        if q is not None:
            ranges.append(MediaRange(kind, subtype, q, position))
    return ranges


# RFC 9110, 12.4.2: a qvalue is 0 to 1 with at most three decimals.
_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")


def _q_value(text: str) -> float | None:
    return float(text) if _QVALUE.fullmatch(text) else None


def choose_format(kind: ResultKind, *, accept: str | None = None, format_name: str | None = None,
                  format_names: Sequence[str] = (), pages: tuple[str, ...] = ()) -> Format:
    """The format to answer in: the first format name that names one, else the best match of Accept, else the default.

    Format names are values of a `format` parameter, short names (`ttl`, `json`) or media types; a
    request may repeat it (`format_names`). Among formats the client accepts equally, a more specific
    range wins, then the range it lists first, then the server's order (SPARQL JSON, Turtle). `pages` are the
    names of the page the route answers for them (`html`), which an unknown name's error lists too.
    """
    names = (format_name, *format_names) if format_name else tuple(format_names)
    if len(accept or "") + sum(map(len, names)) > REMEMBERED_NEGOTIATION_CHARS:
        return _negotiate(kind, accept, names, pages)
    return _remembered_negotiation(kind, accept, names, pages)


def choose_formats(*, accept: str | None = None, format_names: Sequence[str] = (),
                   pages: tuple[str, ...] = ()) -> FormatChoice:
    """The format for either kind of result, for a query whose kind only the engine will tell (`pages` as for
    `choose_format`).

    A kind no accepted format can express keeps the 406's reason, raised if the query has that kind.
    """
    names = tuple(format_names)
    if len(accept or "") + sum(map(len, names)) > REMEMBERED_NEGOTIATION_CHARS:
        return _format_choice(accept, names, pages)
    # Remembered whole: a remembered negotiation of one kind does not hold a refusal of the other kind (a client
    # accepting SPARQL JSON only refuses every graph format), which would be worked out again for every request.
    return _remembered_format_choice(accept, names, pages)


def _format_choice(accept: str | None, names: tuple[str, ...], pages: tuple[str, ...] = ()) -> FormatChoice:
    choices = {}
    for kind in ResultKind:
        try:
            choices[kind] = _negotiate(kind, accept, names, pages)
        except NotAcceptableError as refusal:
            choices[kind] = (refusal.reason, tuple(refusal.offered))
    return FormatChoice(choices[ResultKind.SOLUTIONS], choices[ResultKind.GRAPH])


_remembered_format_choice = lru_cache(maxsize=REMEMBERED_NEGOTIATIONS)(_format_choice)


def _negotiate(kind: ResultKind, accept: str | None, names: tuple[str, ...], pages: tuple[str, ...] = ()) -> Format:
    offered = FORMATS_BY_KIND[kind]
    if names:
        return _format_from_names(kind, names, pages)
    if not accept or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best = preferred(offered, media_types, ranges)
    if best is None:
        raise NotAcceptableError(
            f"no media type in Accept ({accept.strip()}) can express {KIND_DESCRIPTION[kind]}",
            [fmt.media_type for fmt in offered],
        )
    return best


_remembered_negotiation = lru_cache(maxsize=REMEMBERED_NEGOTIATIONS)(_negotiate)


def preferred(candidates: Sequence[T], media_types_of: Callable[[T], Sequence[str]],
              ranges: list[MediaRange]) -> T | None:
    """The candidate the client prefers, or None if it accepts none of them.

    Among candidates accepted equally, a more specific media range wins, then the range listed first,
    then the order of `candidates` (the server's preference).
    """
    best, best_key = None, None
    for rank, candidate in enumerate(candidates):
        key = _preference(media_types_of(candidate), ranges)
        if key is not None and key[0] > 0 and (best_key is None or key + (-rank,) > best_key):
            best, best_key = candidate, key + (-rank,)
    return best


HTML = "text/html"


def names_html(accept: str | None) -> bool:
    """Whether an Accept header names text/html itself (not through a wildcard), as a browser's does."""
    return any(r.specificity(HTML) == 2 and r.q > 0 for r in parse_accept(accept or ""))


def prefers_html(kind: ResultKind, accept: str | None) -> bool:
    """Whether an Accept header names text/html and prefers it to every format of this kind (a browser's);
    `*/*` and every other client keep the data formats (a tie goes to a data format)."""
    if not names_html(accept):
        return False
    ranges = parse_accept(accept or "")
    candidates = [*FORMATS_BY_KIND[kind], HTML]
    return preferred(candidates, lambda c: (c,) if c == HTML else media_types(c), ranges) == HTML


def prefers_html_to_results(accept: str | None) -> bool:
    """Whether an Accept header ranks text/html above every result format the endpoint offers, of either kind:
    text/html named with a q-value higher than each format's, or equal to it where the format is accepted only
    through a wildcard (`*/*`, `text/*`). A browser's Accept does; a SPARQL client's, `*/*` and none do not."""
    # Every SPARQL request asks this: a header without the letters is answered without being read.
    if not accept or "html" not in accept.lower() or not names_html(accept):
        return False
    ranges = parse_accept(accept or "")
    html = _preference((HTML,), ranges)
    if html is None:
        return False
    for fmt in (fmt for offered in FORMATS_BY_KIND.values() for fmt in offered):
        key = _preference(media_types(fmt), ranges)
        # The position in the header breaks no tie here: a client naming a result type as high as HTML gets data.
        if key is not None and key[0] > 0 and key[:2] >= html[:2]:
            return False
    return True


def preferred_media_type(media_types: Sequence[str], accept: str | None) -> str | None:
    """The one of `media_types` an Accept header prefers (the first if it names no media range, as `, ,` or
    `text/`), or None if it accepts none."""
    ranges = parse_accept(accept or "")
    if not ranges:
        return media_types[0]
    return preferred(media_types, lambda media: (media,), ranges)


def _preference(names: Sequence[str], ranges: list[MediaRange]) -> tuple | None:
    best = None
    for media_type in names:
        matching = [(r.specificity(media_type), r) for r in ranges]
        matching = [(s, r) for s, r in matching if s is not None]
        if not matching:
            continue
        # The most specific range that names a media type decides its q-value (RFC 9110, 12.5.1).
        specificity, chosen = max(matching, key=lambda pair: (pair[0], pair[1].q))
        if specificity == 2 and chosen.q == 0:
            return None  # the client refuses this representation by one of its names
        key = (chosen.q, specificity, -chosen.position)
        if best is None or key > best:
            best = key
    return best


def _format_from_names(kind: ResultKind, names: Sequence[str], pages: tuple[str, ...] = ()) -> Format:
    for name in names:
        fmt = format_named(name, kind)
        if fmt is not None:
            return fmt
    other = ResultKind.GRAPH if kind is ResultKind.SOLUTIONS else ResultKind.SOLUTIONS
    if any(format_named(name, other) is not None for name in names):
        raise NotAcceptableError(
            f"format={names[0]} cannot express {KIND_DESCRIPTION[kind]}",
            [f.short_name for f in FORMATS_BY_KIND[kind]],
        )
    raise ParameterError("format", f"unknown format {names[0]!r}", accepts=", ".join([*all_short_names(), *pages]))
