"""The format tables: one media type and extension per format, short names resolved per kind of result."""

from natograph.formats import (EXTENSION_TO_FORMAT, FORMAT_IRI, FORMATS_BY_KIND, MEDIA_TYPE_TO_FORMAT, Format,
                              ResultKind, format_named)


def test_media_types_and_extensions_name_one_format_each():
    assert len(MEDIA_TYPE_TO_FORMAT) == len(Format) == len(EXTENSION_TO_FORMAT) == len(FORMAT_IRI)
    assert MEDIA_TYPE_TO_FORMAT["text/turtle"] is Format.TURTLE
    assert EXTENSION_TO_FORMAT["srj"] is Format.SPARQL_JSON


def test_content_types_carry_the_charset():
    assert Format.CSV.content_type == "text/csv; charset=utf-8"


def test_short_names_depend_on_the_kind_of_result():
    assert format_named("json", ResultKind.SOLUTIONS) is Format.SPARQL_JSON
    assert format_named("json", ResultKind.GRAPH) is Format.JSON_LD
    assert format_named("turtle", ResultKind.GRAPH) is Format.TURTLE
    assert format_named("ttl", ResultKind.SOLUTIONS) is None


def test_defaults_come_first():
    assert FORMATS_BY_KIND[ResultKind.SOLUTIONS][0] is Format.SPARQL_JSON
    assert FORMATS_BY_KIND[ResultKind.GRAPH][0] is Format.TURTLE
