"""Content negotiation: format parameter, Accept with q-values and wildcards, 406 naming what is offered."""

import pytest

from natograph.errors import NotAcceptableError, ParameterError
from natograph.formats import Format, ResultKind
from natograph.serve.negotiation import REMEMBERED_NEGOTIATION_CHARS, choose_format, parse_accept

SOLUTIONS, GRAPH = ResultKind.SOLUTIONS, ResultKind.GRAPH


@pytest.mark.parametrize("accept", [None, "", "*/*", "application/*", "garbage"])
def test_defaults_are_sparql_json_and_turtle(accept):
    assert choose_format(SOLUTIONS, accept=accept) is Format.SPARQL_JSON
    assert choose_format(GRAPH, accept=accept if accept != "application/*" else "text/*") is Format.TURTLE


@pytest.mark.parametrize("accept, kind, expected", [
    ("application/sparql-results+xml", SOLUTIONS, Format.SPARQL_XML),
    ("text/csv", SOLUTIONS, Format.CSV),
    ("text/tab-separated-values", SOLUTIONS, Format.TSV),
    ("application/json", SOLUTIONS, Format.SPARQL_JSON),
    ("application/json", GRAPH, Format.JSON_LD),
    ("application/rdf+xml", GRAPH, Format.RDF_XML),
    ("application/n-triples", GRAPH, Format.N_TRIPLES),
    ("application/n-quads", GRAPH, Format.N_QUADS),
    ("application/trig", GRAPH, Format.TRIG),
    # SPARQLWrapper's headers
    ("application/sparql-results+json,application/json,text/javascript,application/javascript", SOLUTIONS,
     Format.SPARQL_JSON),
    ("application/turtle,text/turtle", GRAPH, Format.TURTLE),
    ("application/ld+json,application/x-json+ld", GRAPH, Format.JSON_LD),
    ("application/sparql-results+xml,application/rdf+xml,*/*", SOLUTIONS, Format.SPARQL_XML),
    ("application/sparql-results+xml,application/rdf+xml,*/*", GRAPH, Format.RDF_XML),
])
def test_accept_picks_the_named_format(accept, kind, expected):
    assert choose_format(kind, accept=accept) is expected


def test_higher_q_value_wins():
    assert choose_format(SOLUTIONS, accept="text/csv;q=0.5, text/tab-separated-values;q=0.9") is Format.TSV


def test_equal_q_values_go_to_the_range_listed_first():
    assert choose_format(SOLUTIONS, accept="text/csv, application/sparql-results+json") is Format.CSV


def test_a_specific_range_wins_over_a_wildcard_of_equal_q():
    assert choose_format(SOLUTIONS, accept="*/*, text/csv") is Format.CSV


def test_q_zero_excludes_a_type_that_a_wildcard_would_allow():
    accept = "application/sparql-results+json;q=0, */*;q=0.1"
    assert choose_format(SOLUTIONS, accept=accept) is Format.SPARQL_XML


def test_a_browser_accept_header_gets_a_result():
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert choose_format(SOLUTIONS, accept=browser) is Format.SPARQL_XML
    assert choose_format(GRAPH, accept=browser) is Format.RDF_XML


def test_unsupported_accept_is_406_naming_what_is_offered():
    with pytest.raises(NotAcceptableError) as refused:
        choose_format(SOLUTIONS, accept="text/html, image/png;q=0.5")
    assert refused.value.http_status == 406
    assert "application/sparql-results+json" in refused.value.offered and "text/csv" in refused.value.offered
    assert "text/html" in str(refused.value)


def test_format_parameter_overrides_accept():
    assert choose_format(SOLUTIONS, accept="text/csv", format_name="json") is Format.SPARQL_JSON
    assert choose_format(GRAPH, accept="text/turtle", format_name="jsonld") is Format.JSON_LD
    assert choose_format(GRAPH, format_name="xml") is Format.RDF_XML
    assert choose_format(SOLUTIONS, format_name="xml") is Format.SPARQL_XML
    assert choose_format(GRAPH, format_name="text/turtle") is Format.TURTLE


def test_format_of_the_wrong_kind_is_406_and_an_unknown_one_400():
    with pytest.raises(NotAcceptableError):
        choose_format(GRAPH, format_name="csv")
    with pytest.raises(ParameterError) as unknown:
        choose_format(SOLUTIONS, format_name="yaml")
    assert unknown.value.parameter == "format" and "ttl" in unknown.value.accepts


def test_accept_parsing_keeps_order_and_q():
    ranges = parse_accept("text/csv;q=0.3;charset=utf-8, */*")
    assert [(r.type, r.subtype, r.q, r.position) for r in ranges] == [("text", "csv", 0.3, 0), ("*", "*", 1.0, 1)]


def test_repeated_format_values_take_the_first_that_fits():
    # SPARQLWrapper sends format=tsv&format=text/tab-separated-values, and for JSON-LD a media type list.
    assert choose_format(SOLUTIONS, format_names=["tsv", "text/tab-separated-values"]) is Format.TSV
    assert choose_format(GRAPH, format_names=["json-ld", "application/ld+json", "application/x-json+ld"]) is Format.JSON_LD
    assert choose_format(GRAPH, format_names=["n3"]) is Format.TURTLE
    assert choose_format(GRAPH, format_names=["yaml", "rdf+xml"]) is Format.RDF_XML


def test_a_repeated_negotiation_chooses_the_same_and_refuses_the_same_every_time():
    for _ in range(2):
        assert choose_format(SOLUTIONS, accept="text/csv;q=0.5, application/sparql-results+xml") is Format.SPARQL_XML
        assert choose_format(GRAPH, format_names=["yaml", "rdf+xml"]) is Format.RDF_XML
        with pytest.raises(NotAcceptableError):
            choose_format(SOLUTIONS, accept="image/png")
        with pytest.raises(ParameterError):
            choose_format(SOLUTIONS, format_name="yaml")


def test_an_accept_header_too_long_to_remember_is_negotiated_the_same_way():
    accept = ", ".join(f"application/x-{n};q=0.9" for n in range(400)) + ", text/csv;q=0.1"
    assert len(accept) > REMEMBERED_NEGOTIATION_CHARS
    assert choose_format(SOLUTIONS, accept=accept) is Format.CSV


def test_a_page_s_media_type_is_the_one_accept_prefers_the_first_without_accept_and_none_if_refused():
    from natograph.serve.negotiation import preferred_media_type

    pages = ("application/json", "text/html")
    assert preferred_media_type(pages, "text/html,application/xhtml+xml,*/*;q=0.8") == "text/html"
    assert preferred_media_type(pages, None) == preferred_media_type(pages, "") == "application/json"
    assert preferred_media_type(pages, "*/*") == "application/json"
    assert preferred_media_type(pages, "image/png") is None


@pytest.mark.parametrize("accept, page", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),  # Firefox
    ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
     "application/signed-exchange;v=b3;q=0.7", True),  # Chromium
    ("text/html", True),
    ("text/html, */*", True),  # the data formats through a wildcard only
    ("text/html;q=0.9, */*;q=0.9", True),
    ("text/html, text/*", True),
    ("application/sparql-results+json;q=0.5, text/html", True),
    ("text/html, application/xml", False),  # a result type named as high as HTML: the data
    ("application/sparql-results+json, text/html", False),
    ("text/html, text/turtle", False),  # a graph's format counts too: the kind is not known before the query runs
    ("text/html;q=0.5, */*", False),
    ("text/html;q=0", False),
    ("*/*", False), ("", False), (None, False),
    ("application/sparql-results+json,*/*;q=0.9", False),  # YASGUI
    ("application/sparql-results+json;q=1.0,application/sparql-results+xml;q=0.7", False),  # Comunica
    ("application/xhtml+xml", False),
])
def test_html_is_preferred_to_the_results_only_when_ranked_above_every_result_format(accept, page):
    from natograph.serve.negotiation import prefers_html_to_results

    assert prefers_html_to_results(accept) is page
