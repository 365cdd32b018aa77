"""The operations timeline: one bar per dated operation, drawn as SVG from the graph, showing each date's precision.

A date the sources give to the year (or month) only is a span of days, not a day: the bar is solid
where the operation certainly ran and hatched over the span its start or end lies in, so that
"1999" reads as "some time in 1999". A bar is in NATO's colour from the start of NATO's dated leadership
(an operation NATO took over later, as ISAF in August 2003, is grey before). An operation without an end date runs on to the snapshot's date
with an open (arrow) end. A view of a span of years keeps its axis to those years: a bar under way
before or after them is cut at the edge and marked with the same arrow. Every text is escaped: labels
come from data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from ..rdf.dates import PRECISION_OF_DATATYPE, day_range
from ..sparql import read_query
from ..store import Store

WIDTH = 960
LABEL_WIDTH = 240
ROW_HEIGHT = 22
BAR_HEIGHT = 12
AXIS_HEIGHT = 28
MARGIN = 12
MAX_LABEL_CHARACTERS = 34
YEAR_LABEL_HALF_WIDTH = 16
MIN_UNCERTAIN_WIDTH = 5.0
# Room between the labels and an axis cut short on the left, for the arrows of bars continuing before it.
CONTINUATION_ROOM = 14
# More bars than this would not read as a timeline: the rest are drawn on later pages.
MAX_ROWS = 100
# The drawing carries its own styles, so that it reads the same inline in a page and as /timeline.svg.
STYLE = """
.timeline text { font: 12px system-ui, sans-serif; fill: #1b1f24; }
.timeline .tick { stroke: #d0d7de; stroke-width: 1; }
.timeline .certain { fill: #1f4e9c; }
.timeline .other .certain { fill: #6e7781; }
.timeline .hatch-ground { fill: #dbe5f4; }
.timeline .other .hatch-ground { fill: #eaeef2; }
.timeline .hatch-line { stroke: #1f4e9c; stroke-width: 2; }
.timeline .ongoing, .timeline .continues-before, .timeline .continues-after { stroke: #1f4e9c; stroke-width: 2; }
.timeline .open-end { fill: #1f4e9c; }
.timeline a:hover .label, .timeline a:focus .label { text-decoration: underline; fill: #0b5cad; }
.timeline .later .more { fill: #0b5cad; text-decoration: underline; }
"""


@dataclass(frozen=True)
class DatedBound:
    """A start or end as the source gives it: the literal, its precision and the first and last day it may mean."""

    text: str
    precision: str
    earliest: dt.date
    latest: dt.date

    def describe(self) -> str:
        return self.text if self.precision == "day" else f"{self.text} ({self.precision} precision)"


@dataclass(frozen=True)
class TimelineEntry:
    """One operation on the timeline."""

    iri: str
    label: str
    short_name: str
    start: DatedBound | None
    end: DatedBound | None
    nato_led: bool
    nato_led_from: DatedBound | None = None
    nato_led_until: DatedBound | None = None

    def describe(self) -> str:
        """A one-line account of the operation's dates (and of NATO's leadership when it began later), for tooltips and lists."""
        start = self.start.describe() if self.start else "start unknown"
        end = self.end.describe() if self.end else "ongoing (no end date in the graph)"
        text = f"{self.label}: {start} – {end}"
        if self.nato_led_from and self.start and self.nato_led_from.earliest > self.start.latest:
            text += f"; NATO-led from {self.nato_led_from.describe()}"
        return text


def timeline_entries(store: Store) -> list[TimelineEntry]:
    """Every operation with its dates, in order of start (undated ones last, by name)."""
    entries = []
    for iri, label, start, end, other_names, led_from, led_until in store.query(read_query("timeline-operations.rq")).rows:
        name = label.value if label is not None else iri.value.rsplit("/", 1)[-1]
        names = [n for n in (other_names.value.split("\n") if other_names is not None else []) if n]
        short = min(names, key=len) if names and len(min(names, key=len)) < len(name) else name
        entries.append(TimelineEntry(iri.value, name, short, _bound(start), _bound(end), led_from is not None,
                                     _bound(led_from), _bound(led_until)))
    return sorted(entries, key=lambda e: (e.start is None, e.start.earliest if e.start else dt.date.min, e.label))


def _bound(literal) -> DatedBound | None:
    if not isinstance(literal, ox.Literal):
        return None
    days = day_range(literal.value, literal.datatype.value)
    if days is None:
        return None
    return DatedBound(literal.value, PRECISION_OF_DATATYPE[literal.datatype.value], *days)


def dated_in_years(entries: list[TimelineEntry], first_year: int | None, last_year: int | None, *,
                   today: dt.date) -> list[TimelineEntry]:
    """The dated entries that may have been under way in some day of these years (None: no bound), in order."""
    first_day = dt.date(first_year, 1, 1) if first_year is not None else dt.date.min
    last_day = dt.date(last_year, 12, 31) if last_year is not None else dt.date.max
    return [e for e in entries if e.start is not None and e.start.earliest <= last_day
            and (e.end.latest if e.end else max(today, e.start.latest)) >= first_day]


def page_count(dated: int) -> int:
    """How many pages of MAX_ROWS bars `dated` operations fill (one, even when there are none)."""
    return max(1, -(-dated // MAX_ROWS))


def timeline_svg(entries: list[TimelineEntry], *, today: dt.date, link: Callable[[str], str], page: int = 1,
                 later_link: str | None = None, empty: str = "No dated operation in the graph.",
                 first_year: int | None = None, last_year: int | None = None) -> str:
    """An SVG drawing of the dated entries on `page` (pages of MAX_ROWS); `link` gives an operation's page address.

    The axis runs from the first start to the last date drawn, or over `first_year` to `last_year` where
    given. Under the drawing, the operations on later pages are counted, linked to `later_link` when given.
    """
    dated = [e for e in entries if e.start is not None]
    left_out = max(len(dated) - page * MAX_ROWS, 0)
    dated = dated[(page - 1) * MAX_ROWS:page * MAX_ROWS]
    if not dated:
        return ('<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" viewBox="0 0 480 24" '
                f'width="480" height="24"><text x="0" y="16">{escape(empty)}</text></svg>')
    if first_year is None:
        first_year = min(e.start.earliest.year for e in dated)
    if last_year is None:
        last_year = max([today] + [e.end.latest for e in dated if e.end] + [e.start.latest for e in dated]).year
    axis_start = dt.date(first_year, 1, 1)
    cut_before = any(e.start.earliest < axis_start for e in dated)
    scale = _Scale(axis_start, dt.date(last_year + 1, 1, 1), LABEL_WIDTH + (CONTINUATION_ROOM if cut_before else 0))
    height = AXIS_HEIGHT + ROW_HEIGHT * (len(dated) + (1 if left_out else 0)) + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" aria-labelledby="timeline-title">',
        '<title id="timeline-title">Operations by date; hatched spans: the date is known only to the year or month'
        '</title>',
        f"<style>{STYLE}</style>",
        '<defs><pattern id="timeline-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-ground"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern>'
        '<marker id="timeline-open" viewBox="0 0 6 6" refX="1" refY="3" markerWidth="6" markerHeight="6" '
        'orient="auto"><path d="M0,0 L6,3 L0,6 z" class="open-end"/></marker></defs>',
    ]
    parts += _axis(scale, height)
    for row, entry in enumerate(dated):
        parts.append(_row(entry, row, scale, today, link))
    if left_out:
        y = AXIS_HEIGHT + ROW_HEIGHT * len(dated) + ROW_HEIGHT // 2 + 4
        more = f'<text x="{LABEL_WIDTH}" y="{y}" class="more">… and {left_out} later operations</text>'
        parts.append(f'<a href={quoteattr(later_link)} class="later">{more}</a>' if later_link else more)
    parts.append("</svg>")
    return "\n".join(parts)


class _Scale:
    """Days to x coordinates over the plotting area, which starts at `left`; days off the axis go to its edges."""

    def __init__(self, start: dt.date, end: dt.date, left: int = LABEL_WIDTH):
        self.start, self.end, self.left = start, end, left
        self.days = max((end - start).days, 1)

    def x(self, day: dt.date) -> float:
        day = min(max(day, self.start), self.end)
        return round(self.left + (WIDTH - self.left - MARGIN) * (day - self.start).days / self.days, 1)

    def covers(self, first: dt.date, last: dt.date) -> bool:
        """Whether some day from `first` to `last` lies on the axis."""
        return first < self.end and last >= self.start


def _axis(scale: _Scale, height: int) -> list[str]:
    years = scale.end.year - scale.start.year
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if years / s <= 16)
    parts = ['<g class="axis">']
    for year in range(scale.start.year, scale.end.year + 1):
        if (year - scale.start.year) % step:
            continue
        x = scale.x(dt.date(year, 1, 1))
        parts.append(f'<line x1="{x}" y1="{AXIS_HEIGHT - 6}" x2="{x}" y2="{height - MARGIN}" class="tick"/>')
        # A label near the right edge ends at its tick, so that the drawing does not cut it.
        anchor = "end" if x + YEAR_LABEL_HALF_WIDTH > WIDTH else "middle"
        parts.append(f'<text x="{x}" y="{AXIS_HEIGHT - 10}" text-anchor="{anchor}">{year}</text>')
    parts.append("</g>")
    return parts


def _row(entry: TimelineEntry, row: int, scale: _Scale, today: dt.date, link: Callable[[str], str]) -> str:
    top = AXIS_HEIGHT + row * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
    middle = top + BAR_HEIGHT / 2
    start, end = entry.start, entry.end
    certain_from = start.latest
    certain_to = end.earliest if end else today
    kind = "nato-led" if entry.nato_led else "other"
    shown = entry.short_name if len(entry.short_name) <= MAX_LABEL_CHARACTERS else \
        entry.short_name[:MAX_LABEL_CHARACTERS - 1] + "…"
    parts = [f'<a href={quoteattr(link(entry.iri))} class="operation {kind}">',
             f"<title>{escape(entry.describe())}</title>",
             f'<text x="{LABEL_WIDTH - 8}" y="{middle + 4}" text-anchor="end" class="label">{escape(shown)}</text>']
    if start.earliest < start.latest and scale.covers(start.earliest, start.latest):
        parts.append(_rect(scale.x(start.earliest), scale.x(start.latest), top, "uncertain"))
    led_from = entry.nato_led_from.earliest if entry.nato_led_from else None
    if led_from is not None and certain_from < led_from:
        # The operation ran before NATO took it over: that part is drawn as not NATO-led.
        before = min(led_from, certain_to)
        if scale.covers(certain_from, before):
            parts.append('<g class="other">' + _rect(scale.x(certain_from), scale.x(before), top, "certain") + "</g>")
        certain_from = max(certain_from, led_from)
    if certain_from < certain_to and scale.covers(certain_from, certain_to):
        parts.append(_rect(scale.x(certain_from), scale.x(certain_to), top, "certain"))
    if end and end.earliest < end.latest and scale.covers(end.earliest, end.latest):
        parts.append(_rect(scale.x(end.earliest), scale.x(end.latest), top, "uncertain"))
    if start.earliest < scale.start:
        x = scale.x(scale.start)
        parts.append(f'<line x1="{x + 1}" y1="{middle}" x2="{x - 2}" y2="{middle}" class="continues-before" '
                     'marker-end="url(#timeline-open)"/>')
    if end is None:
        x = scale.x(today)
        parts.append(f'<line x1="{x - 1}" y1="{middle}" x2="{x + 2}" y2="{middle}" class="ongoing" '
                     'marker-end="url(#timeline-open)"/>')
    elif end.latest >= scale.end:
        x = scale.x(scale.end)
        parts.append(f'<line x1="{x - 1}" y1="{middle}" x2="{x + 2}" y2="{middle}" class="continues-after" '
                     'marker-end="url(#timeline-open)"/>')
    parts.append("</a>")
    return "".join(parts)


def _rect(x1: float, x2: float, top: int, kind: str) -> str:
    # A month is a few pixels over decades: an uncertain span is drawn wide enough for its hatching to show.
    width = max(round(x2 - x1, 1), MIN_UNCERTAIN_WIDTH if kind == "uncertain" else 1.0)
    fill = ' fill="url(#timeline-hatch)"' if kind == "uncertain" else ""
    return f'<rect x="{x1}" y="{top}" width="{width}" height="{BAR_HEIGHT}" class="{kind}"{fill}/>'
