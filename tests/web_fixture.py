"""A fixture project for the linked-data and page tests: the mini project plus an operation whose label is markup."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox

from natograph.build import build
from natograph.config import Config
from natograph.serve.timeline import MAX_ROWS

TEST_DATA = Path(__file__).resolve().parent / "data"
NATO = "https://w3id.org/natograph/ontology#"
NATOID = "https://w3id.org/natograph/id/"
# The document extensions of a resource, with Oxigraph's parser and the media type of each.
OX_FORMAT = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
             "rdf": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS}
MEDIA_TYPE = {"html": "text/html", "ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
              "rdf": "application/rdf+xml", "trig": "application/trig", "nq": "application/n-quads"}
INJECTED_LABEL = "<script>alert(1)</script><b>x</b>"
# Turtle's long strings take the label as it is; an operation dated to the year, still running.
INJECTED_DATA = f'''@prefix nato: <{NATO}> .
@prefix natoid: <{NATOID}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

natoid:injected a nato:Operation ;
    rdfs:label """{INJECTED_LABEL}"""@en ;
    nato:ledBy natoid:org ;
    nato:startDate "2005"^^xsd:gYear .
'''
PLACES_QUERY = f'''#+ summary: Places and their labels
#+ description: Every place with its label, in order of label.
#+ tags: [places]
PREFIX nato: <{NATO}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?place ?label WHERE {{
  ?place a nato:Place ; rdfs:label ?label .
}}
ORDER BY ?label
'''


def built_web_project(directory: Path, **settings) -> Config:
    """A built copy of tests/data/mini with data/injected.ttl and one canned query added, with these settings."""
    root = directory / "web"
    shutil.copytree(TEST_DATA / "mini", root)
    (root / "data" / "injected.ttl").write_text(INJECTED_DATA, encoding="utf-8")
    (root / "queries").mkdir()
    (root / "queries" / "places.rq").write_text(PLACES_QUERY, encoding="utf-8")
    config = Config.load(root=root, **settings)
    build(config)
    return config


EXERCISES = MAX_ROWS + 25
FIRST_EXERCISE_YEAR = 2006  # after every operation of the web project, so the exercises come last


def exercises_turtle(count: int) -> str:
    """`count` dated exercises, ten a year from FIRST_EXERCISE_YEAR, each running from one month into the next."""
    lines = [f"@prefix nato: <{NATO}> .", f"@prefix natoid: <{NATOID}> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
             "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."]
    for n in range(count):
        year, month = FIRST_EXERCISE_YEAR + n // 10, n % 10 + 1
        lines.append(f'natoid:exercise-{n:03d} a nato:Operation ; rdfs:label "Exercise {n:03d}"@en ; '
                     f'nato:startDate "{year}-{month:02d}-01"^^xsd:date ; '
                     f'nato:endDate "{year}-{month + 1:02d}-15"^^xsd:date .')
    return "\n".join(lines) + "\n"


def built_many_operations_project(directory: Path, count: int = EXERCISES):
    """The web project with `count` dated exercises added (data/exercises.ttl), built."""
    config = built_web_project(directory)
    (config.root / "data" / "exercises.ttl").write_text(exercises_turtle(count), encoding="utf-8")
    build(config)
    return config
