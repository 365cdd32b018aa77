"""Dates keep their precision and span the days that precision allows."""

import datetime as dt

import pytest

from natograph.rdf.dates import day_range

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    "lexical, datatype, first, last",
    [
        ("2001", "gYear", "2001-01-01", "2001-12-31"),
        ("2015-01", "gYearMonth", "2015-01-01", "2015-01-31"),
        ("2016-02", "gYearMonth", "2016-02-01", "2016-02-29"),
        ("2018-07-11", "date", "2018-07-11", "2018-07-11"),
        ("2018-07-11T09:00:00Z", "dateTime", "2018-07-11", "2018-07-11"),
    ],
)
def test_a_date_spans_the_days_its_precision_allows(lexical, datatype, first, last):
    assert day_range(lexical, XSD + datatype) == (dt.date.fromisoformat(first), dt.date.fromisoformat(last))


@pytest.mark.parametrize("lexical, datatype", [("2015-13", "gYearMonth"), ("20x1", "gYear"), ("2018", "string")])
def test_invalid_or_non_date_literals_have_no_range(lexical, datatype):
    assert day_range(lexical, XSD + datatype) is None
