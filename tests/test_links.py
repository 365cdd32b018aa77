"""Links to the web of data (data/links.ttl) and the alignment with generic vocabularies, on the real project.

Every link is checked for its form (a well-formed IRI of the expected site), its uniqueness (one per entity and
site, no two entities sharing one) and its reference; the counts of linked entities per class are pinned, with
the entities left unlinked because no article or item could be checked named one by one (data/README.md).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from urllib.parse import unquote

import pytest

from .serving import in_process_client

NATOID = "https://w3id.org/natograph/id/"
WIKIPEDIA = re.compile(r"^https://en\.wikipedia\.org/wiki/([A-Za-z0-9_(),.'%-]+)$")
DBPEDIA = re.compile(r"^http://dbpedia\.org/resource/([^\s/#?<>\"{}|\\^`]+)$")
WIKIDATA = re.compile(r"^http://www\.wikidata\.org/entity/Q[1-9][0-9]*$")
SITES = {"wikipedia": "https://en.wikipedia.org/", "dbpedia": "http://dbpedia.org/", "wikidata": "http://www.wikidata.org/"}
# The predicate each site's links are written with.
LINK_PREDICATES = {"wikipedia": "https://schema.org/sameAs",
                   "dbpedia": "http://www.w3.org/2004/02/skos/core#exactMatch",
                   "wikidata": "http://www.w3.org/2004/02/skos/core#exactMatch"}
PREFIXES = """PREFIX nato: <https://w3id.org/natograph/ontology#>
PREFIX natoid: <https://w3id.org/natograph/id/>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
# Per class: how many entities have their Wikipedia article linked, and which are left unlinked.
EXPECTED_LINKED = {
    "Country": (42, set()),
    "City": (13, {"manchester"}),
    "Facility": (0, {"besmaya"}),
    "Region": (7, set()),
    "Province": (1, set()),
    "SeaArea": (1, set()),
    "Operation": (10, {"nato-mission-iraq"}),
    "Organisation": (4, {"global-coalition-against-daesh"}),
    "Body": (2, set()),
    "ArmedGroup": (3, set()),
    "Summit": (7, set()),
    "Meeting": (7, {"meeting-2019-11-20-foreign-ministers", "meeting-2016-10-secretary-general-iraqi-foreign-minister",
                    "meeting-2019-09-secretary-general-visit-iraq"}),
    "PartnershipFramework": (3, {"partners-across-the-globe", "nato-ukraine-commission", "nato-georgia-commission",
                                 "nato-russia-council", "interoperability-platform",
                                 "defence-capacity-building-initiative"}),
    "Command": (4, {"resolute-support-northern-spoke"}),
    "UNSecurityCouncilResolution": (1, set()),
}


def select(store, query: str) -> list[list[str]]:
    return [[term.value if term is not None else None for term in row] for row in store.query(PREFIXES + query).rows]


def ask(store, query: str) -> bool:
    return store.query(PREFIXES + query).value


def site_of(iri: str) -> str | None:
    return next((site for site, base in SITES.items() if iri.startswith(base)), None)


@pytest.fixture(scope="module")
def links(project_store) -> list[tuple[str, str, str]]:
    """Every link of a resource: a triple through a link property, or to an IRI of Wikipedia, DBpedia or Wikidata.

    The references themselves (natoid:ref-wikipedia …) are sources, whose rdfs:seeAlso gives their home page;
    the ontology's terms match Wikidata properties (nato:isoAlpha2Code): neither is an entity's link.
    """
    rows = select(project_store, """SELECT ?s ?p ?o WHERE { ?s ?p ?o
        FILTER(isIRI(?o) && !STRSTARTS(STR(?o), STR(natoid:)) && (?p IN (schema:sameAs, skos:exactMatch, owl:sameAs)
            || REGEX(STR(?o), "^https?://([a-z]+[.])?(wikipedia|dbpedia|wikidata)[.]org/")))
        FILTER(!STRSTARTS(STR(?s), STR(nato:))) FILTER NOT EXISTS { ?s a nato:Source } }""")
    return [tuple(row) for row in rows]


def test_linked_entities_per_class(project_store):
    for cls, (count, unlinked) in EXPECTED_LINKED.items():
        rows = select(project_store, f"""SELECT ?e ?article WHERE {{
            ?e a nato:{cls} . FILTER(STRSTARTS(STR(?e), STR(natoid:)))
            OPTIONAL {{ ?e schema:sameAs ?article FILTER(STRSTARTS(STR(?article), "https://en.wikipedia.org/")) }} }}""")
        linked = {e for e, article in rows if article is not None}
        missing = {e.removeprefix(NATOID) for e, article in rows if article is None}
        assert (len(linked), missing) == (count, unlinked), cls


def test_every_link_has_the_form_of_its_site(links):
    assert len(links) > 150
    for subject, predicate, obj in links:
        assert subject.startswith(NATOID), (subject, obj)
        site = site_of(obj)
        assert predicate == LINK_PREDICATES[site], (subject, predicate, obj)
        pattern = {"wikipedia": WIKIPEDIA, "dbpedia": DBPEDIA, "wikidata": WIKIDATA}[site]
        assert pattern.match(obj), obj


def test_one_link_per_entity_and_site_and_no_shared_links(links):
    per_entity_site = Counter((subject, site_of(obj)) for subject, _, obj in links)
    assert [key for key, n in per_entity_site.items() if n > 1] == []
    per_link = Counter(obj for _, _, obj in links)
    assert [iri for iri, n in per_link.items() if n > 1] == []
    sites = defaultdict(set)
    for subject, _, obj in links:
        sites[subject].add(site_of(obj))
    # An article always comes with its DBpedia resource; Wikidata only where the item was checked.
    assert all({"wikipedia", "dbpedia"} <= found for found in sites.values())
    assert sum("wikidata" in found for found in sites.values()) == 52


def test_the_dbpedia_resource_is_named_after_the_article(links):
    titles = defaultdict(dict)
    for subject, _, obj in links:
        site = site_of(obj)
        if site in ("wikipedia", "dbpedia"):
            titles[subject][site] = unquote((WIKIPEDIA if site == "wikipedia" else DBPEDIA).match(obj).group(1))
    assert titles and all(found["wikipedia"] == found["dbpedia"] for found in titles.values())


def test_every_link_cites_its_reference(project_store):
    unsourced = select(project_store, """SELECT DISTINCT ?e ?ref WHERE {
        { ?e schema:sameAs ?o BIND(natoid:ref-wikipedia AS ?ref) }
        UNION { ?e skos:exactMatch ?o FILTER(STRSTARTS(STR(?o), "http://www.wikidata.org/")) BIND(natoid:ref-wikidata AS ?ref) }
        UNION { ?e nato:isoAlpha2Code ?o BIND(natoid:ref-iso-3166-1 AS ?ref) }
        FILTER NOT EXISTS { ?e nato:source ?ref } }""")
    assert unsourced == []
    for ref in ("ref-wikipedia", "ref-wikidata", "ref-iso-3166-1"):
        assert ask(project_store, f"ASK {{ natoid:{ref} a nato:Source ; rdfs:label ?l ; nato:sourceKind ?k }}")


def test_countries_carry_their_iso_codes(project_store):
    rows = select(project_store, """SELECT ?c ?a2 ?a3 WHERE { ?c a nato:Country .
        OPTIONAL { ?c nato:isoAlpha2Code ?a2 } OPTIONAL { ?c nato:isoAlpha3Code ?a3 } }""")
    assert len(rows) == 42
    without = [c.removeprefix(NATOID) for c, a2, a3 in rows if a2 is None or a3 is None]
    assert without == ["kosovo"]  # no officially assigned ISO 3166-1 code
    coded = [(a2, a3) for _, a2, a3 in rows if a2 is not None]
    assert all(re.fullmatch("[A-Z]{2}", a2) and re.fullmatch("[A-Z]{3}", a3) for a2, a3 in coded)
    assert len({a2 for a2, _ in coded}) == len({a3 for _, a3 in coded}) == 41
    assert ("DE", "DEU") in coded and ("GB", "GBR") in coded and ("KR", "KOR") in coded


def test_resolutions_carry_their_official_symbol(project_store):
    rows = select(project_store, "SELECT ?r ?symbol WHERE { ?r a nato:UNSecurityCouncilResolution . "
                                 "OPTIONAL { ?r nato:officialSymbol ?symbol } }")
    assert rows == [[NATOID + "unscr-1244", "S/RES/1244 (1999)"]]
    assert ask(project_store, 'ASK { natoid:unscr-1244 schema:legislationIdentifier "S/RES/1244 (1999)" ; '
                              'a schema:Legislation }')


def test_every_summit_is_a_schema_event_with_start_date_and_location(project_store):
    rows = select(project_store, """SELECT ?s ?date ?place WHERE { ?s a nato:Summit .
        OPTIONAL { ?s a ?event FILTER(?event = schema:Event) }
        OPTIONAL { ?s schema:startDate ?date } OPTIONAL { ?s schema:location ?place }
        FILTER(BOUND(?event)) }""")
    assert len(rows) == 7 and all(date and place for _, date, place in rows)
    assert [NATOID + "summit-2014-wales", "2014-09-04", NATOID + "newport"] in rows


def test_no_outside_iri_is_merged_with_a_natograph_resource(project_store, links):
    # owl:sameAs is never asserted or inferred between a natograph resource and another IRI ...
    assert select(project_store, """SELECT ?a ?b WHERE { ?a owl:sameAs ?b
        FILTER(!STRSTARTS(STR(?a), STR(natoid:)) || !STRSTARTS(STR(?b), STR(natoid:))) FILTER(?a != ?b) }""") == []
    # ... and no linked IRI is described: it is only ever the object of a link.
    outside = sorted({obj for _, _, obj in links})
    described = select(project_store, "SELECT DISTINCT ?x WHERE { ?x ?p ?o VALUES ?x { "
                       + " ".join(f"<{iri}>" for iri in outside) + " } }")
    assert described == []
    # The link properties are annotations to OWL, so the reasoner draws nothing from them.
    for prop in ("schema:sameAs", "skos:exactMatch"):
        assert ask(project_store, f"ASK {{ {prop} a owl:AnnotationProperty }}")
        assert not ask(project_store, f"ASK {{ {prop} a owl:TransitiveProperty }}")


@pytest.fixture(scope="module")
def served_client(project_config, project_store):

    return in_process_client(project_config, project_store)


def test_void_describes_each_outgoing_link_set(served_client, links):
    from rdflib import Graph

    response = served_client.get("/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    void = Graph().parse(data=response.data.decode("utf-8"), format="turtle")
    rows = void.query("""PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?linkset ?target ?space ?predicate ?triples WHERE {
            ?dataset void:subset ?linkset . ?linkset a void:Linkset ; void:subjectsTarget ?dataset ;
                void:objectsTarget ?target ; void:linkPredicate ?predicate ; void:triples ?triples .
            ?target a void:Dataset ; void:uriSpace ?space . }""")
    described = {(str(space), str(predicate)): int(triples) for _, _, space, predicate, triples in rows}
    counted = Counter((next(base for base in ("https://en.wikipedia.org/wiki/", "http://dbpedia.org/resource/",
                                              "http://www.wikidata.org/entity/") if obj.startswith(base)), predicate)
                      for _, predicate, obj in links)
    assert described == dict(counted)
    assert described == {("https://en.wikipedia.org/wiki/", LINK_PREDICATES["wikipedia"]): 98,
                         ("http://dbpedia.org/resource/", LINK_PREDICATES["dbpedia"]): 98,
                         ("http://www.wikidata.org/entity/", LINK_PREDICATES["wikidata"]): 52}


def embedded_json_ld(html: str) -> list[str]:
    return re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)


def schema_org_graph(html: str):
    from rdflib import Graph

    (block,) = embedded_json_ld(html)
    return Graph().parse(data=block, format="json-ld")


def test_a_resource_page_shows_its_links_under_the_title(served_client):
    html = served_client.get("/id/germany.html").data.decode("utf-8")
    title, links, facts = html.index("<h1>"), html.index('class="web-links"'), html.index('id="facts"')
    assert title < links < facts
    paragraph = html[links:html.index("</p>", links)]
    assert re.findall(r'href="([^"]+)"[^>]*>([A-Za-z]+)</a>', paragraph) == [
        ("https://en.wikipedia.org/wiki/Germany", "Wikipedia"), ("http://dbpedia.org/resource/Germany", "DBpedia"),
        ("http://www.wikidata.org/entity/Q183", "Wikidata")]
    unlinked = served_client.get("/id/resolute-support-northern-spoke.html").data.decode("utf-8")
    assert "web-links" not in unlinked


def test_a_resource_page_embeds_its_resource_as_schema_org_json_ld(served_client):
    from rdflib import Literal, Namespace, URIRef
    from rdflib.namespace import RDF

    schema, natoid = Namespace("https://schema.org/"), Namespace(NATOID)
    summit = natoid["summit-2018-brussels"]
    graph = schema_org_graph(served_client.get("/id/summit-2018-brussels.html").data.decode("utf-8"))
    assert (summit, RDF.type, schema.Event) in graph
    assert (summit, schema.startDate, Literal("2018-07-11")) in graph
    assert (summit, schema.location, natoid.brussels) in graph
    assert (natoid.brussels, schema.name, Literal("Brussels")) in graph
    assert (summit, schema.name, Literal("Brussels Summit 2018")) in graph
    assert (summit, schema.sameAs, URIRef("https://en.wikipedia.org/wiki/2018_Brussels_NATO_summit")) in graph
    # Only schema.org terms: a generic tool needs nothing else to read it.
    assert {str(p) for p in graph.predicates()} <= {str(RDF.type)} | {str(schema[k]) for k in (
        "name", "alternateName", "description", "startDate", "location", "sameAs")}

    germany = schema_org_graph(served_client.get("/id/germany.html").data.decode("utf-8"))
    assert set(germany.objects(natoid.germany, RDF.type)) >= {schema.Country, schema.Place}
    assert {str(i) for i in germany.objects(natoid.germany, schema.identifier)} == {"DE", "DEU"}
    assert (natoid.germany, schema.memberOf, natoid.nato) in germany
    assert (natoid.germany, schema.sameAs, URIRef("http://www.wikidata.org/entity/Q183")) in germany


def test_embedded_json_ld_cannot_end_the_script_early(tmp_path_factory):
    from natograph.snapshot import open_snapshot
    from natograph.store import EmbeddedStore

    from .web_fixture import INJECTED_LABEL, built_web_project

    config = built_web_project(tmp_path_factory.mktemp("links-page"))
    store = EmbeddedStore(open_snapshot(config))
    client = in_process_client(config, store)
    html = client.get("/id/injected.html").data.decode("utf-8")
    (block,) = embedded_json_ld(html)
    import json

    assert "<" not in block and json.loads(block)["name"] == INJECTED_LABEL
    assert json.loads(block)["@type"] == ["Thing"]  # the mini ontology is not aligned with schema.org
