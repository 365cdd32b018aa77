"""The OWL 2 RL datatypes: which ones type their literals, how they nest, which are disjoint, valid lexical forms."""

from __future__ import annotations

import base64
import binascii
import re
from itertools import combinations
from typing import Callable

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
