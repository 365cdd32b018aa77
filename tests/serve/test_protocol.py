"""Reading a protocol request's query string: decoded strictly, and a repeated one read only once."""

from urllib.parse import urlencode

import pytest

from natograph.errors import ParameterError
from natograph.serve.protocol import REMEMBERED_QUERY_STRING_BYTES, read_query_string
from natograph.store import Dataset


def test_a_query_string_gives_the_query_the_dataset_and_the_formats():
    request = read_query_string(urlencode([
        ("query", "ASK { ?s ?p 'a+b' }"), ("default-graph-uri", "urn:g1"), ("named-graph-uri", "urn:g2"),
        ("named-graph-uri", "urn:g3"), ("format", "tsv, text/tab-separated-values"),
    ]).encode())
    assert request.query.text == "ASK { ?s ?p 'a+b' }" and not request.has_update
    assert request.dataset() == Dataset(("urn:g1",), ("urn:g2", "urn:g3"))
    assert request.formats == ("tsv", "text/tab-separated-values")


def test_an_update_parameter_is_noticed():
    assert read_query_string(b"update=CLEAR+ALL").has_update


def test_a_repeated_query_string_is_read_once():
    encoded = urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 7"}).encode()
    first = read_query_string(encoded)
    assert first.query.repeatable and first.query.where_offset
    again = read_query_string(bytes(bytearray(encoded)))
    # The same reading, with what was read of the query text the first time.
    assert again is first and {"_letter_readings", "_token_readings"} <= set(vars(again.query))


def test_a_long_query_string_is_read_every_time_and_the_same_way():
    text = "ASK { " + "?s ?p ?o . " * (REMEMBERED_QUERY_STRING_BYTES // 10) + "}"
    encoded = urlencode({"query": text}).encode()
    assert len(encoded) > REMEMBERED_QUERY_STRING_BYTES
    first, second = read_query_string(encoded), read_query_string(encoded)
    assert first == second and first.query.text == text
    assert first is not second  # not kept: the memory the remembered readings hold stays bounded


@pytest.mark.parametrize("encoded, parameter, reason", [
    (b"query=ASK%7B%22%FF%22%7D", "query", "UTF-8"),
    (b"query=ASK%7B%7D&query=ASK%7B%7D", "query", "2 times"),
])
def test_a_bad_query_string_is_refused_every_time_it_is_sent(encoded, parameter, reason):
    for _ in range(2):
        with pytest.raises(ParameterError, match=reason) as raised:
            read_query_string(encoded)
        assert raised.value.to_dict()["parameter"] == parameter
