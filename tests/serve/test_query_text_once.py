"""A request's query text is read once, where the request is read; the cache, the ETag and the store use that reading."""

from urllib.parse import urlencode

import pytest

from natograph.sparql import text as sparql_text

from ..serving import in_process_client


@pytest.fixture
def readings(monkeypatch):
    """Counts of the text's readings: by letters (`_LetterReadings.of`) and by tokens (`tokenize`)."""
    counts = {"letters": 0, "tokens": 0}
    letters, tokenize = sparql_text._LetterReadings.of.__func__, sparql_text.tokenize

    def count_letters(cls, text):
        counts["letters"] += 1
        return letters(cls, text)

    def count_tokens(text):
        counts["tokens"] += 1
        return tokenize(text)

    monkeypatch.setattr(sparql_text._LetterReadings, "of", classmethod(count_letters))
    monkeypatch.setattr(sparql_text, "tokenize", count_tokens)
    return counts


@pytest.fixture
def client(project_config, project_store):
    return in_process_client(project_config, project_store)


QUERY = "SELECT ?label WHERE { natoid:kfor rdfs:label ?label } # test_query_text_once"


def test_a_posted_query_is_read_once_by_its_letters_and_never_tokenized(client, readings):
    response = client.post("/sparql", data={"query": QUERY}, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and b"Kosovo Force" in response.data
    # The store (SERVICE), the cache (repeatable) asked; one reading answered both.
    assert readings == {"letters": 1, "tokens": 0}


def test_a_repeated_get_reuses_the_first_reading(client, readings):
    url = "/sparql?" + urlencode({"query": QUERY + " again"})
    first = client.get(url, headers={"Accept": "text/csv"})
    second = client.get(url, headers={"Accept": "text/csv", "If-None-Match": first.headers["ETag"]})
    assert first.status_code == 200 and second.status_code == 304
    assert readings == {"letters": 1, "tokens": 0}


def test_a_canned_query_is_bound_where_its_catalogue_entry_found_the_where_group(client, readings):
    url = "/queries/predecessors?operation=resolute-support"
    assert client.get(url, headers={"Accept": "text/csv"}).status_code == 200
    readings.update(letters=0, tokens=0)
    response = client.get(url, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200 and b"isaf" in response.data
    # Its text, and those of the look-ups that resolved `resolute-support`, were read the first time.
    assert readings["tokens"] == 0
