"""When two literals are one data value (build/reasoner/datatypes.py's data_value), as prp-fp's clash check asks.

Value spaces as OWL 2 defines them (Structural Specification, section 4): the integer types and xsd:decimal are
numbers; xsd:double and xsd:float are each their own space, compared by identity; dates and times are points on the
time line; a language-tagged string is its text and its tag, whose case does not matter.
"""

import pyoxigraph as ox
import pytest

from natograph.build.reasoner.datatypes import data_value, same_data_value

XSD = "http://www.w3.org/2001/XMLSchema#"


def typed(text: str, datatype: str) -> ox.Literal:
    return ox.Literal(text, datatype=ox.NamedNode(datatype if ":" in datatype else XSD + datatype))


ONE_VALUE = {
    "leading zero": (typed("1", "integer"), typed("01", "integer")),
    "plus sign": (typed("1", "integer"), typed("+1", "integer")),
    "decimal and integer": (typed("1.0", "decimal"), typed("1", "integer")),
    "derived integer type": (typed("5", "nonNegativeInteger"), typed("5", "byte")),
    "decimal trailing zeros": (typed("2.50", "decimal"), typed("2.5", "decimal")),
    "double exponent": (typed("1.0E0", "double"), typed("1", "double")),
    "double NaN is itself": (typed("NaN", "double"), typed("NaN", "double")),
    "float rounding": (typed("0.1", "float"), typed("0.100000001", "float")),
    "boolean 1": (typed("true", "boolean"), typed("1", "boolean")),
    "date UTC": (typed("2004-01-01Z", "date"), typed("2004-01-01+00:00", "date")),
    "date one instant": (typed("2004-01-02+14:00", "date"), typed("2004-01-01-10:00", "date")),
    "dateTime fraction": (typed("2004-01-01T00:00:00", "dateTime"), typed("2004-01-01T00:00:00.000", "dateTime")),
    "dateTime 24:00": (typed("2003-12-31T24:00:00", "dateTime"), typed("2004-01-01T00:00:00", "dateTime")),
    "dateTime zones": (typed("2004-01-01T01:00:00+01:00", "dateTime"), typed("2004-01-01T00:00:00Z", "dateTime")),
    "dateTimeStamp": (typed("2004-01-01T00:00:00Z", "dateTimeStamp"), typed("2004-01-01T00:00:00Z", "dateTime")),
    "gYear UTC": (typed("2004Z", "gYear"), typed("2004-00:00", "gYear")),
    "gYearMonth": (typed("2004-02", "gYearMonth"), typed("2004-02", "gYearMonth")),
    "year beyond 9999": (typed("12004-02-29Z", "date"), typed("12004-02-29+00:00", "date")),
    "string": (ox.Literal("KFOR"), typed("KFOR", "string")),
    "language tag case": (ox.Literal("KFOR", language="en-GB"), ox.Literal("KFOR", language="en-gb")),
    "unknown datatype, same term": (typed("x", "http://e/dt"), typed("x", "http://e/dt")),
}

TWO_VALUES = {
    "integer and string": (typed("1", "integer"), ox.Literal("1")),
    "two integers": (typed("1", "integer"), typed("2", "integer")),
    "integer and double": (typed("1", "integer"), typed("1", "double")),
    "double and float": (typed("1", "double"), typed("1", "float")),
    "double zero signs": (typed("0", "double"), typed("-0", "double")),
    "integer and boolean": (typed("1", "integer"), typed("1", "boolean")),
    "date with and without zone": (typed("2004-01-01", "date"), typed("2004-01-01Z", "date")),
    "date in two zones": (typed("2004-01-01+01:00", "date"), typed("2004-01-01Z", "date")),
    "date and dateTime": (typed("2004-01-01", "date"), typed("2004-01-01T00:00:00", "dateTime")),
    "gYear and date": (typed("2004", "gYear"), typed("2004-01-01", "date")),
    "gYear and gYearMonth": (typed("2004", "gYear"), typed("2004-01", "gYearMonth")),
    "gYear and integer": (typed("2004", "gYear"), typed("2004", "integer")),
    "two years": (typed("1999", "gYear"), typed("2000", "gYear")),
    "year before the common era": (typed("-0044-03-15", "date"), typed("0044-03-15", "date")),
    "string and language-tagged": (ox.Literal("KFOR"), ox.Literal("KFOR", language="en")),
    "two language tags": (ox.Literal("KFOR", language="en"), ox.Literal("KFOR", language="fr")),
    "string case": (ox.Literal("KFOR"), ox.Literal("kfor")),
    "unknown datatype, two terms": (typed("x", "http://e/dt"), typed("x ", "http://e/dt")),
    "unknown and known datatype": (typed("1", "http://e/dt"), typed("1", "integer")),
    "token (not given values)": (typed("a", "token"), ox.Literal("a")),
    "ill-typed, one text": (typed("1.5", "integer"), typed("1.5", "decimal")),
    "ill-typed calendar day": (typed("2001-02-30", "date"), typed("2001-03-02", "date")),
}


@pytest.mark.parametrize("a, b", ONE_VALUE.values(), ids=ONE_VALUE)
def test_literals_of_one_data_value_are_the_same_value_both_ways(a, b):
    assert same_data_value(a, b) and same_data_value(b, a)


@pytest.mark.parametrize("a, b", TWO_VALUES.values(), ids=TWO_VALUES)
def test_literals_of_two_data_values_are_different_both_ways(a, b):
    assert not same_data_value(a, b) and not same_data_value(b, a)


def test_a_literal_without_a_known_value_is_only_itself_and_resources_only_themselves():
    assert data_value(typed("abc", "integer")) is None and data_value(typed("x", "http://e/dt")) is None
    assert not same_data_value(typed("abc", "integer"), typed("abd", "integer"))
    assert same_data_value(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/a"))
    assert not same_data_value(ox.NamedNode("http://e/a"), ox.Literal("http://e/a"))
