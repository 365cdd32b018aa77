"""The OWL 2 RL datatypes: which ones type their literals, how they nest, which are disjoint, valid lexical forms,
and when two literals are one data value."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
import struct
from decimal import Decimal
from itertools import combinations
from typing import Callable

import pyoxigraph as ox

from .vocabulary import RDF, RDFS, XSD

INTEGER_BOUNDS = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}

# Each datatype's proper supertypes (the XSD derivation hierarchy), used by dt-type2.
_PARENT = {
    "integer": "decimal", "nonNegativeInteger": "integer", "positiveInteger": "nonNegativeInteger",
    "nonPositiveInteger": "integer", "negativeInteger": "nonPositiveInteger", "long": "integer",
    "int": "long", "short": "int", "byte": "short", "unsignedLong": "nonNegativeInteger",
    "unsignedInt": "unsignedLong", "unsignedShort": "unsignedInt", "unsignedByte": "unsignedShort",
    "dateTimeStamp": "dateTime", "normalizedString": "string", "token": "normalizedString",
    "language": "token", "Name": "token", "NCName": "Name", "NMTOKEN": "token",
}


def _ancestors(name: str) -> tuple[str, ...]:
    chain = []
    while name in _PARENT:
        name = _PARENT[name]
        chain.append(XSD + name)
    return tuple(chain)


_OTHER_XSD = (
    "decimal", "float", "double", "string", "normalizedString", "token", "language", "Name", "NCName",
    "NMTOKEN", "boolean", "hexBinary", "base64Binary", "anyURI", "dateTimeStamp", "dateTime", "time", "date",
)
_NON_XSD = (RDFS + "Literal", RDF + "XMLLiteral", RDF + "HTML", RDF + "langString", RDF + "PlainLiteral")

OWL_RL_DATATYPES = frozenset([XSD + name for name in (*INTEGER_BOUNDS, *_OTHER_XSD)] + list(_NON_XSD))

SUPERTYPES = {XSD + name: _ancestors(name) for name in (*INTEGER_BOUNDS, *_OTHER_XSD) if _ancestors(name)}

# Literals of these datatypes are not typed: RDF 1.0 readers (rdflib, hence owlrl) see them as plain literals.
UNTYPED_LITERAL_DATATYPES = frozenset({XSD + "string", RDF + "langString"})

_TOP_VALUE_SPACES = [XSD + n for n in ("anyURI", "base64Binary", "boolean", "dateTime", "decimal", "double",
                                       "float", "hexBinary", "string")] + [RDF + "PlainLiteral", RDF + "XMLLiteral"]
# Plain literals without a language are strings, so those two value spaces overlap.
DISJOINT_DATATYPES = tuple(
    pair for pair in combinations(_TOP_VALUE_SPACES, 2) if set(pair) != {XSD + "string", RDF + "PlainLiteral"}
)

_TIME_ZONE = r"(Z|[+-](0\d|1[0-4]):[0-5]\d)?"
_DATE = r"-?([1-9]\d{4,}|\d{4})-(\d\d)-(\d\d)"
_TIME = r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?|24:00:00(\.0+)?"
_PATTERNS = {
    "decimal": r"[+-]?(\d+(\.\d*)?|\.\d+)",
    "float": r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN",
    "boolean": r"true|false|1|0",
    "hexBinary": r"([0-9a-fA-F]{2})*",
    "language": r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*",
    "NMTOKEN": r"[\w.:-]+",
    "Name": r"[^\W\d.-][\w.:-]*",
    "NCName": r"[^\W\d.-][\w.-]*",
    "normalizedString": r"[^\n\r\t]*",
    "token": r"([^\s](\ ?[^\s])*)?",
    "time": rf"({_TIME}){_TIME_ZONE}",
    "anyURI": r"[^\s]*",
}
_PATTERNS["double"] = _PATTERNS["float"]
_COMPILED = {XSD + name: re.compile(pattern) for name, pattern in _PATTERNS.items()}
_INTEGER = re.compile(r"[+-]?\d+")
_DATE_RE = re.compile(_DATE + _TIME_ZONE)
_DATE_TIME_RE = re.compile(_DATE + "T(" + _TIME + ")" + _TIME_ZONE)
# Not OWL 2 RL datatypes, but dates of every precision in the data use them: dt-not-type checks them too.
_YEAR = r"-?([1-9]\d{4,}|\d{4})"
_MONTH = r"(0[1-9]|1[0-2])"
_DAY_TIME = r"(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
_PARTIAL_DATES = {
    "gYear": _YEAR + _TIME_ZONE,
    "gYearMonth": _YEAR + "-" + _MONTH + _TIME_ZONE,
    "gMonth": "--" + _MONTH + _TIME_ZONE,
    "gDay": r"---(0[1-9]|[12]\d|3[01])" + _TIME_ZONE,
    "duration": r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?" + _DAY_TIME,
    "dayTimeDuration": r"-?P(?=\d|T\d)" + _DAY_TIME,
    "yearMonthDuration": r"-?P(?=\d)(\d+Y)?(\d+M)?",
}
_MONTH_DAY_RE = re.compile(r"--(\d\d)-(\d\d)" + _TIME_ZONE)


def _valid_month_day(text: str) -> bool:
    match = _MONTH_DAY_RE.fullmatch(text)
    if not match:
        return False
    month, day = int(match.group(1)), int(match.group(2))
    return 1 <= month <= 12 and 1 <= day <= (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]


def _valid_calendar_date(match: re.Match) -> bool:
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    if not 1 <= month <= 12:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= day <= (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]


def _date_like(pattern: re.Pattern, needs_zone: bool = False) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        match = pattern.fullmatch(text)
        if not match or not _valid_calendar_date(match):
            return False
        return not needs_zone or text.endswith("Z") or bool(re.search(r"[+-]\d\d:\d\d$", text))
    return check


def _base64(text: str) -> bool:
    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _bounded_integer(low, high) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        if not _INTEGER.fullmatch(text):
            return False
        value = int(text)
        return (low is None or value >= low) and (high is None or value <= high)
    return check


_VALIDATORS: dict[str, Callable[[str], bool]] = {
    **{XSD + name: _bounded_integer(*bounds) for name, bounds in INTEGER_BOUNDS.items()},
    **{iri: (lambda text, p=pattern: p.fullmatch(text) is not None) for iri, pattern in _COMPILED.items()},
    XSD + "date": _date_like(_DATE_RE),
    XSD + "dateTime": _date_like(_DATE_TIME_RE),
    XSD + "dateTimeStamp": _date_like(_DATE_TIME_RE, needs_zone=True),
    XSD + "base64Binary": _base64,
    **{XSD + name: (lambda text, p=re.compile(pattern): p.fullmatch(text) is not None)
       for name, pattern in _PARTIAL_DATES.items()},
    XSD + "gMonthDay": _valid_month_day,
}


def is_valid_lexical_form(text: str, datatype: str) -> bool:
    """Whether `text` is in the lexical space of `datatype` (datatypes without a check accept anything)."""
    check = _VALIDATORS.get(datatype)
    return check is None or check(text)


def cardinality_value(text: str, datatype: str) -> int | None:
    """The number a cardinality literal states, or None if it is not a whole number."""
    if datatype in _VALIDATORS and datatype.startswith(XSD) and datatype[len(XSD):] in (*INTEGER_BOUNDS, "decimal", "float", "double"):
        try:
            value = float(text)
        except ValueError:
            return None
        return int(value) if value.is_integer() else None
    return None


# --- Data values: when two literals denote the same value -------------------------------------------------------

# The value space each datatype's literals denote, for the datatypes natograph gives values to (OWL 2 Structural
# Specification, section 4): the integer types and xsd:decimal share owl:real's; xsd:double, xsd:float and
# owl:real are pairwise disjoint; so are the date and time types, strings and language-tagged strings.
_REAL = frozenset(XSD + name for name in (*INTEGER_BOUNDS, "decimal"))
_TIMELINE = {XSD + "date": "date", XSD + "dateTime": "dateTime", XSD + "dateTimeStamp": "dateTime",
             XSD + "gYear": "gYear", XSD + "gYearMonth": "gYearMonth"}
_TIMELINE_RE = re.compile(r"(-?\d{4,})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d):(\d\d(?:\.\d+)?))?)?)?"
                          r"(Z|([+-])(\d\d):(\d\d))?")
_DAYS_IN_400_YEARS = 146097


def _day_number(year: int, month: int, day: int) -> int:
    """Days since 0001-01-01 in the proleptic Gregorian calendar, for any year (XSD 1.1 has a year 0)."""
    cycles, year_in_cycle = divmod(year - 2000, 400)  # the calendar repeats every 400 years
    return dt.date(2000 + year_in_cycle, month, day).toordinal() + cycles * _DAYS_IN_400_YEARS


def _point_on_timeline(text: str) -> tuple[bool, Decimal]:
    """Whether a date or time value has a time zone, and the second its first instant begins (in UTC if it has)."""
    year, month, day, hours, minutes, seconds, zone, sign, zone_hours, zone_minutes = \
        _TIMELINE_RE.fullmatch(text).groups()
    instant = Decimal(_day_number(int(year), int(month or 1), int(day or 1)) * 86400
                      + int(hours or 0) * 3600 + int(minutes or 0) * 60) + Decimal(seconds or 0)
    if zone and zone != "Z":
        offset = int(zone_hours) * 3600 + int(zone_minutes) * 60
        instant -= offset if sign == "+" else -offset
    return zone is not None, instant


def _floating_point(text: str, pack_format: str):
    """A float or double by identity (OWL 2: NaN is itself, -0 is not +0): NaN, or the number's IEEE bytes."""
    value = float(text)
    if math.isnan(value):
        return "NaN"
    try:
        return struct.pack(pack_format, value)
    except OverflowError:  # too large for a float: XSD rounds it to an infinity
        return struct.pack(pack_format, math.copysign(math.inf, value))


def data_value(literal: ox.Literal) -> tuple | None:
    """The value a literal denotes, as a key that compares equal exactly when the values are equal, or None when
    natograph does not know its datatype's values or its lexical form is not one of them (then it is only itself).

    Numbers of xsd:decimal and the integer types compare as numbers ("01" is "1", "1.0"^^xsd:decimal is
    "1"^^xsd:integer); xsd:double and xsd:float by identity, each in its own value space; dates, times and the
    partial dates by the instant they begin, a value with a time zone never equal to one without; xsd:boolean
    "1" is "true"; a string is its text, a language-tagged string its text and its tag (in any case).
    """
    if literal.language:
        return "langString", literal.value, literal.language.lower()
    datatype, text = literal.datatype.value, literal.value
    if datatype == XSD + "string":
        return "string", text
    if datatype not in _REAL and datatype not in _TIMELINE and datatype not in (
            XSD + "double", XSD + "float", XSD + "boolean"):
        return None
    if not is_valid_lexical_form(text, datatype):
        return None
    if datatype in _REAL:
        return "real", Decimal(text)
    if datatype in _TIMELINE:
        try:
            return (_TIMELINE[datatype], *_point_on_timeline(text))
        except ValueError:  # a day the calendar does not have
            return None
    if datatype == XSD + "boolean":
        return "boolean", text in ("true", "1")
    return datatype, _floating_point(text, ">d" if datatype == XSD + "double" else ">f")


def same_data_value(a, b) -> bool:
    """Whether two terms are one value: the same term, or two literals that denote the same data value."""
    if a == b:
        return True
    if not (isinstance(a, ox.Literal) and isinstance(b, ox.Literal)):
        return False
    value = data_value(a)
    return value is not None and value == data_value(b)
