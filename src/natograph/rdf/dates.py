"""Dates at the precision a source gives (year, year-month, day) and the day range each one spans."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from rdflib.namespace import XSD

_PATTERNS = {
    str(XSD.gYear): re.compile(r"^(-?\d{4,})(Z|[+-]\d\d:\d\d)?$"),
    str(XSD.gYearMonth): re.compile(r"^(-?\d{4,})-(\d\d)(Z|[+-]\d\d:\d\d)?$"),
    str(XSD.date): re.compile(r"^(-?\d{4,})-(\d\d)-(\d\d)(Z|[+-]\d\d:\d\d)?$"),
    str(XSD.dateTime): re.compile(r"^(-?\d{4,})-(\d\d)-(\d\d)T"),
}

PRECISION_OF_DATATYPE = {
    str(XSD.gYear): "year",
    str(XSD.gYearMonth): "month",
    str(XSD.date): "day",
    str(XSD.dateTime): "day",
}


def day_range(lexical: str, datatype: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day a date literal can mean, or None if it is not a (valid) date."""
    pattern = _PATTERNS.get(datatype)
    match = pattern.match(lexical) if pattern else None
    if not match:
        return None
    try:
        year = int(match.group(1))
        if datatype == str(XSD.gYear):
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        month = int(match.group(2))
        if datatype == str(XSD.gYearMonth):
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        day = dt.date(year, month, int(match.group(3)))
        return day, day
    except ValueError:
        return None
