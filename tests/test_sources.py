"""The graph states each source document's key facts, and the ontology and data are consistent.

These tests read the data as the build loads it (the statement graphs' union, with each subject's
nato:source derived from them), and otherwise use rdflib and owlrl directly, not natograph's reasoner.
"""

from __future__ import annotations

import copy
from pathlib import Path

import owlrl
import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from natograph.build.load import graph_input_files, load_files
from natograph.build.statements import read_statements
from natograph.config import Config
from natograph.rdf.terms import triple_to_rdflib

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "nato.ttl"
DATA_FILES = sorted([*(ROOT / "data").rglob("*.ttl"), *(ROOT / "data").rglob("*.trig")])

NATO = Namespace("https://w3id.org/natograph/ontology#")
NATOID = Namespace("https://w3id.org/natograph/id/")
OWLRL_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")

PREFIXES = """
PREFIX nato: <https://w3id.org/natograph/ontology#>
PREFIX natoid: <https://w3id.org/natograph/id/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


@pytest.fixture(scope="module")
def data() -> Graph:
    """The data files only, as the build asserts them."""
    config = Config.load(root=ROOT)
    loaded = load_files(graph_input_files(config)[1:])
    stated = [t for f in loaded for t in f.triples]
    graph = Graph()
    for triple in [*stated, *read_statements(loaded, frozenset(stated)).derived_sources()]:
        graph.add(triple_to_rdflib(triple))
    return graph


@pytest.fixture(scope="module")
def graph(data: Graph) -> Graph:
    """Ontology and data, as asserted."""
    graph = Graph()
    graph.parse(ONTOLOGY, format="turtle")
    for triple in data:
        graph.add(triple)
    return graph


@pytest.fixture(scope="module")
def closure(graph: Graph) -> Graph:
    """The OWL-RL closure of ontology and data (owlrl)."""
    expanded = copy.deepcopy(graph)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(expanded)
    return expanded


def ask(graph: Graph, where: str) -> bool:
    """Whether the pattern matches (nato:adoptedAt is stated in data; it is a sub-property of nato:establishedAt)."""
    return bool(graph.query(PREFIXES + "ASK {" + where + "}").askAnswer)


def select(graph: Graph, query: str) -> list:
    return list(graph.query(PREFIXES + query))


def assert_all(graph: Graph, facts: dict[str, str]) -> None:
    missing = [name for name, where in facts.items() if not ask(graph, where)]
    assert not missing, f"facts missing from the graph: {missing}"


# --- one test per source document --------------------------------------------------------------


def test_source_000_crisis_management(graph: Graph) -> None:
    assert_all(graph, {
        "source described": """natoid:source-000 a nato:Source ; dcterms:title "International crisis management" ;
            nato:fileName "000_4525af2b98484a21.txt" ; dcterms:publisher "German Federal Foreign Office" ;
            dcterms:date "2020"^^xsd:gYear""",
        "RS began January 2015": """natoid:resolute-support a nato:TrainingMission ; nato:ledBy natoid:nato ;
            nato:startDate "2015-01"^^xsd:gYearMonth ; nato:succeeds natoid:isaf ; nato:source natoid:source-000""",
        "RS troops some 11,900 as of 2020": """?f nato:figureOf natoid:resolute-support ; a nato:TroopStrength ;
            nato:troops 11900 ; nato:approximation "some" ; nato:asOf "2020"^^xsd:gYear ; nato:source natoid:source-000""",
        "Germany up to 1300 troops": """?f a nato:TroopContribution ; nato:figureOf natoid:resolute-support ;
            nato:contributor natoid:germany ; nato:troops 1300 ; nato:approximation "up to" ; nato:asOf "2020"^^xsd:gYear""",
        "Germany leads the northern spoke from Mazar-e-Sharif": """?c a nato:Command ; nato:componentOf natoid:resolute-support ;
            nato:leadNation natoid:germany ; nato:basedIn natoid:mazar-e-sharif""",
        "Mazar-e-Sharif in Balkh Province": "natoid:mazar-e-sharif nato:locatedIn natoid:balkh-province",
        "RS in the Kabul area": "natoid:resolute-support nato:area natoid:kabul",
        "KFOR since 1999 in Kosovo": """natoid:kfor a nato:PeaceSupportOperation ; nato:startDate "1999"^^xsd:gYear ;
            nato:area natoid:kosovo ; nato:source natoid:source-000""",
        "KFOR supports EULEX, an EU mission": "natoid:kfor nato:supports natoid:eulex . natoid:eulex nato:ledBy natoid:eu",
        "KFOR around 3500 troops": """?f nato:figureOf natoid:kfor ; nato:troops 3500 ; nato:approximation "around" ;
            nato:asOf "2020"^^xsd:gYear ; nato:source natoid:source-000""",
        "KFOR some 27 nations": """?f a nato:ParticipantCount ; nato:figureOf natoid:kfor ; nato:count 27 ;
            nato:approximation "some" ; nato:asOf "2020"^^xsd:gYear""",
        "OSG established at Warsaw 2016": """natoid:operation-sea-guardian a nato:MaritimeSecurityOperation ;
            nato:establishedAt natoid:summit-2016-warsaw ; nato:area natoid:mediterranean-sea""",
        "OSG succeeds Active Endeavour (2001)": """natoid:operation-sea-guardian nato:succeeds natoid:operation-active-endeavour .
            natoid:operation-active-endeavour nato:startDate ?d FILTER(STRSTARTS(STR(?d), "2001"))""",
        "OSG based on general maritime law": "natoid:operation-sea-guardian nato:hasMandate natoid:general-maritime-law",
        "IRINI is an EU operation about Libya": """natoid:eunavfor-med-irini nato:ledBy natoid:eu ; nato:concerns natoid:libya""",
        "NMI established at Brussels 2018": "natoid:nato-mission-iraq nato:establishedAt natoid:summit-2018-brussels",
        "NMI up to 580 troops": """?f nato:figureOf natoid:nato-mission-iraq ; nato:troops 580 ; nato:approximation "up to" ;
            nato:source natoid:source-000""",
        "NMI builds on earlier capacity building": "natoid:nato-mission-iraq nato:buildsOn natoid:nato-iraq-capacity-building",
        "NATO in the Global Coalition": "?m nato:member natoid:nato ; nato:organisation natoid:global-coalition-against-daesh ; nato:source natoid:source-000",
    })
    assert not ask(graph, "natoid:operation-sea-guardian nato:supports natoid:eunavfor-med-irini"), \
        "the source only says the NAC could task OSG to support IRINI"


def test_source_001_peace_operations(graph: Graph) -> None:
    assert_all(graph, {
        "source described": """natoid:source-001 a nato:Source ; nato:sourceKind "AI-assisted web article" ;
            nato:fileName "001_49d003c2597b1a72.txt" ; dcterms:language "en" """,
        "Bosnia peacekeeping mission": """?op a nato:PeaceSupportOperation ; nato:ledBy natoid:nato ;
            nato:area natoid:bosnia-and-herzegovina ; nato:source natoid:source-001""",
        "KFOR established 1999": 'natoid:kfor nato:startDate "1999"^^xsd:gYear ; nato:source natoid:source-001',
        "KFOR authorised by UNSCR 1244": """natoid:kfor nato:hasMandate natoid:unscr-1244 .
            natoid:unscr-1244 a nato:UNSecurityCouncilResolution ; nato:resolutionNumber 1244""",
        "UNMIK in Kosovo": "natoid:unmik nato:ledBy natoid:un ; nato:area natoid:kosovo",
        "ISAF 2001 to 2014": """natoid:isaf nato:startDate ?s ; nato:endDate ?e ; nato:source natoid:source-001
            FILTER(STRSTARTS(STR(?s), "2001") && STRSTARTS(STR(?e), "2014"))""",
        "ISAF start claimed 2001 by source-001": """?c a nato:Claim ; nato:claimSubject natoid:isaf ;
            nato:claimProperty nato:startDate ; nato:claimValue "2001"^^xsd:gYear ; nato:source natoid:source-001""",
        "Resolute Support follows ISAF": "natoid:resolute-support nato:succeeds natoid:isaf ; nato:source natoid:source-001",
        "NATO's 2004 mission in Iraq": """natoid:nato-training-mission-iraq a nato:TrainingMission ;
            nato:startDate "2004"^^xsd:gYear ; nato:area natoid:iraq ; nato:source natoid:source-001""",
        "source-001 dates NMI to 2004 (a claim)": """?c a nato:Claim ; nato:claimSubject natoid:nato-mission-iraq ;
            nato:claimValue "2004"^^xsd:gYear ; nato:accepted false ; nato:source natoid:source-001""",
        "SACEUR oversees operations": "natoid:saceur a nato:Command ; nato:source natoid:source-001 . natoid:kfor nato:underCommandOf natoid:saceur",
    })


def test_source_002_iraq_counter_terrorism(graph: Graph) -> None:
    assert_all(graph, {
        "source described": """natoid:source-002 a nato:Source ; dcterms:creator "Maria Elena Argano" ;
            nato:sourceKind "analytical article" ; nato:fileName "002_5f6e579ea268bfb3.txt" ; dcterms:date ?d""",
        "Prague 2002 package": """natoid:partnership-action-plan-against-terrorism a nato:Programme ;
            skos:altLabel "PAP-T"@en ; nato:adoptedAt natoid:summit-2002-prague .
            natoid:military-concept-for-defence-against-terrorism nato:adoptedAt natoid:summit-2002-prague .
            natoid:civil-emergency-planning-action-plan dcterms:isPartOf natoid:prague-counter-terrorism-package""",
        "Prague summit 2002": 'natoid:summit-2002-prague a nato:Summit ; nato:date ?d ; nato:heldIn natoid:prague FILTER(STRSTARTS(STR(?d), "2002"))',
        "Strategic Concept at Lisbon 2010": "natoid:strategic-concept-2010 nato:adoptedAt natoid:summit-2010-lisbon",
        "Policy Guidelines: Chicago 2012, published 2016": """natoid:policy-guidelines-on-counter-terrorism
            nato:adoptedAt natoid:summit-2012-chicago ; dcterms:issued "2016"^^xsd:gYear""",
        "Terrorism Intelligence Cell at NATO HQ Brussels": """natoid:terrorism-intelligence-cell nato:hostedBy natoid:nato-headquarters ;
            nato:basedIn natoid:brussels""",
        "Hub for the South in Naples": "natoid:hub-for-the-south nato:basedIn natoid:naples",
        "DAT POW": 'natoid:dat-pow a nato:Programme ; skos:altLabel "DAT POW"@en',
        "COE-DAT in Ankara since 2005, advising ACT": """natoid:coe-dat nato:basedIn natoid:ankara ;
            nato:startDate "2005"^^xsd:gYear ; nato:advises natoid:act . natoid:act a nato:Command""",
        "COE-DAT participants figure": "?f nato:figureOf natoid:coe-dat ; nato:count 12456 ; nato:asOf ?d",
        "Warsaw 2016: AWACS support and Jordan training": """natoid:awacs-support-global-coalition nato:establishedAt natoid:summit-2016-warsaw ;
            nato:inSupportOf natoid:global-coalition-against-daesh .
            natoid:training-iraqi-officers-jordan nato:establishedAt natoid:summit-2016-warsaw ; nato:basedIn natoid:jordan""",
        "Warsaw summit on 8 July 2016": 'natoid:summit-2016-warsaw nato:date "2016-07-08"^^xsd:date',
        "July 2015 support at Iraq's request": """natoid:nato-iraq-capacity-building nato:startDate "2015-07"^^xsd:gYearMonth ;
            nato:inResponseTo ?r . ?r a nato:HostNationRequest ; nato:issuedBy natoid:iraq""",
        "NMI at Brussels 11 July 2018 on Iraq's request": """natoid:summit-2018-brussels nato:date "2018-07-11"^^xsd:date .
            natoid:nato-mission-iraq nato:establishedAt natoid:summit-2018-brussels ; nato:hasMandate ?m .
            ?m a nato:HostNationRequest ; nato:issuedBy natoid:iraq""",
        "NMI sites Baghdad, Besmaya, Taji": """natoid:nato-mission-iraq nato:area natoid:baghdad, natoid:besmaya, natoid:taji .
            natoid:taji nato:locatedIn natoid:iraq""",
        "NMI under JFC Naples": "natoid:nato-mission-iraq nato:underCommandOf natoid:jfc-naples . natoid:jfc-naples nato:basedIn natoid:naples",
        "NMI operational partners": """natoid:nato-mission-iraq nato:operationalPartner natoid:australia, natoid:finland, natoid:sweden .
            ?p a nato:OperationalPartnership ; nato:partner natoid:finland ; nato:operation natoid:nato-mission-iraq ;
            nato:asOf "2019-09"^^xsd:gYearMonth ; nato:source natoid:source-002""",
        "updated action plan 20 November 2019": """natoid:updated-action-plan-on-terrorism-2019
            nato:adoptedAt natoid:meeting-2019-11-20-foreign-ministers .
            natoid:meeting-2019-11-20-foreign-ministers a nato:MinisterialMeeting ; nato:date "2019-11-20"^^xsd:date""",
        "ISAF under NATO leadership from 2003 (a claim)": """?c a nato:Claim ; nato:claimSubject natoid:isaf ;
            nato:claimProperty nato:startDate ; nato:claimValue "2003"^^xsd:gYear ; nato:source natoid:source-002""",
        "NMI launched July 2018 (a claim)": """?c a nato:Claim ; nato:claimSubject natoid:nato-mission-iraq ;
            nato:claimValue "2018-07"^^xsd:gYearMonth ; nato:source natoid:source-002""",
    })


def test_source_003_cooperative_security(graph: Graph) -> None:
    assert_all(graph, {
        "source described": """natoid:source-003 a nato:Source ; dcterms:title "Cooperative security" ;
            dcterms:publisher "German Federal Foreign Office" ; nato:fileName "003_6f798842168be8fe.txt" """,
        "EAPC 1997": 'natoid:eapc a nato:PartnershipFramework ; nato:startDate "1997"^^xsd:gYear',
        "EAPC partners": """natoid:austria nato:partnerIn natoid:eapc . natoid:russia nato:partnerIn natoid:eapc .
            natoid:switzerland nato:partnerIn natoid:eapc . natoid:ukraine nato:partnerIn natoid:eapc""",
        "Austria's EAPC partnership is dated and sourced": """?p a nato:Partnership ; nato:partner natoid:austria ;
            nato:framework natoid:eapc ; nato:asOf ?d ; nato:source natoid:source-003""",
        "EAPC more than 50 members, 24 partners": """?a nato:figureOf natoid:eapc ; nato:count 50 ; nato:approximation "more than" .
            ?b nato:figureOf natoid:eapc ; nato:count 24""",
        "28 NATO member countries": "?f a nato:MemberCount ; nato:figureOf natoid:nato ; nato:count 28 ; nato:source natoid:source-003",
        "more than 40 partners": '?f nato:figureOf natoid:nato ; nato:count 40 ; nato:approximation "more than"',
        "Mediterranean Dialogue 1994": """natoid:mediterranean-dialogue nato:startDate "1994"^^xsd:gYear .
            natoid:algeria nato:partnerIn natoid:mediterranean-dialogue . natoid:mauritania nato:partnerIn natoid:mediterranean-dialogue""",
        "Istanbul Cooperation Initiative 2004": """natoid:istanbul-cooperation-initiative nato:startDate "2004"^^xsd:gYear .
            natoid:united-arab-emirates nato:partnerIn natoid:istanbul-cooperation-initiative""",
        "Partners across the globe since 2010": """natoid:partners-across-the-globe nato:startDate "2010"^^xsd:gYear .
            natoid:south-korea nato:partnerIn natoid:partners-across-the-globe .
            natoid:afghanistan nato:partnerIn natoid:partners-across-the-globe""",
        "NATO-Ukraine Commission 1997, NATO-Georgia Commission 2008": """
            natoid:nato-ukraine-commission nato:startDate "1997"^^xsd:gYear .
            natoid:nato-georgia-commission nato:startDate "2008"^^xsd:gYear""",
        "NATO-Russia Council 1997 (a claim), cooperation suspended April 2014, ambassadorial channels": """
            ?c a nato:Claim ; nato:claimSubject natoid:nato-russia-council ; nato:claimProperty nato:startDate ;
                nato:claimValue "1997"^^xsd:gYear ; nato:accepted false ; nato:source natoid:source-003 .
            ?p nato:partner natoid:russia ; nato:framework natoid:nato-russia-council ;
            nato:suspendedSince "2014-04"^^xsd:gYearMonth ; nato:dialogueLevel "ambassadorial" """,
        "Wales 2014 formats": """natoid:interoperability-platform nato:establishedAt natoid:summit-2014-wales .
            natoid:defence-capacity-building-initiative nato:establishedAt natoid:summit-2014-wales ;
            nato:beneficiary natoid:moldova, natoid:georgia, natoid:iraq, natoid:jordan""",
        "Warsaw underscored them": "natoid:interoperability-platform nato:reaffirmedAt natoid:summit-2016-warsaw",
        "Trust Funds": "natoid:trust-funds a nato:Programme ; nato:source natoid:source-003",
        "Finland later a NATO member": """?m nato:member natoid:finland ; nato:organisation natoid:nato ;
            nato:startDate "2023-04-04"^^xsd:date ; nato:source ?ref . ?ref nato:sourceKind "external public reference" """,
    })


def test_source_004_coalition_against_isis(graph: Graph) -> None:
    assert_all(graph, {
        "source described": """natoid:source-004 a nato:Source ; dcterms:creator "Dr. Katherine Harris" ;
            nato:sourceKind "news commentary" ; nato:fileName "004_23a7e5e4f15e9b8b.txt" ; dcterms:date ?d
            FILTER(STRSTARTS(STR(?d), "2017"))""",
        "meeting of 25 May 2017 in Brussels": """natoid:meeting-2017-05-25-brussels a nato:Summit ;
            nato:date "2017-05-25"^^xsd:date ; nato:heldIn natoid:brussels""",
        "NATO joined the coalition then": """natoid:nato nato:memberOf natoid:global-coalition-against-daesh .
            ?m a nato:Membership ; nato:member natoid:nato ; nato:organisation natoid:global-coalition-against-daesh ;
            nato:startDate "2017-05-25"^^xsd:date ; nato:source natoid:source-004""",
        "a US-led coalition": "natoid:global-coalition-against-daesh a nato:Coalition ; nato:leadNation natoid:united-states",
        "68-nation coalition": """?f a nato:MemberCount ; nato:figureOf natoid:global-coalition-against-daesh ;
            nato:count 68 ; nato:asOf ?d ; nato:source natoid:source-004 FILTER(STRSTARTS(STR(?d), "2017"))""",
        "all 28 allies members": """?f nato:figureOf natoid:global-coalition-against-daesh ; nato:count 28 ;
            nato:countRestrictedTo natoid:nato ; nato:source natoid:source-004""",
        "28 member states in 2017": """?f a nato:MemberCount ; nato:figureOf natoid:nato ; nato:count 28 ;
            nato:source natoid:source-004""",
        "intelligence unit and coordinator": """natoid:foreign-fighters-intelligence-unit nato:establishedAt natoid:meeting-2017-05-25-brussels .
            natoid:counter-terrorism-coordinator a nato:Post ; nato:createdAt natoid:meeting-2017-05-25-brussels""",
        "coalition fights ISIL in Iraq and Syria": """natoid:global-coalition-against-daesh nato:opposes natoid:isil ;
            nato:operatesIn natoid:iraq, natoid:syria""",
        "France and the UK are Allies": "natoid:france nato:memberOf natoid:nato . natoid:united-kingdom nato:memberOf natoid:nato",
    })


# --- files, labels and sources ------------------------------------------------------------------


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_data_file_parses_and_says_what_it_holds(path: Path) -> None:
    assert path.read_text(encoding="utf-8").startswith("#"), "each data file starts with a comment"
    if path.suffix == ".trig":
        assert len(Dataset().parse(path, format="trig")) > 0
    else:
        assert len(Graph().parse(path, format="turtle")) > 0


def test_ontology_parses_and_is_versioned(graph: Graph) -> None:
    assert_all(graph, {
        "header": """<https://w3id.org/natograph/ontology> a owl:Ontology ; owl:versionInfo "0.1.0" ;
            dcterms:title ?t ; dcterms:description ?d ; dcterms:creator "natograph contributors" ; dcterms:created ?c ;
            dcterms:license <https://creativecommons.org/licenses/by/4.0/>""",
    })


def test_every_label_is_one_english_label(graph: Graph) -> None:
    bad = []
    for subject in set(graph.subjects(RDFS.label)):
        labels = list(graph.objects(subject, RDFS.label))
        if len(labels) != 1 or not isinstance(labels[0], Literal) or labels[0].language != "en":
            bad.append((subject, labels))
    assert not bad


def test_every_ontology_term_is_labelled_and_commented() -> None:
    ontology = Graph().parse(ONTOLOGY, format="turtle")
    terms = {s for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(str(NATO))}
    assert len(terms) > 50
    assert not [t for t in terms if len(list(ontology.objects(t, RDFS.label))) != 1]
    assert not [t for t in terms if (t, RDFS.comment, None) not in ontology]


VOCABULARY_CLASSES = [
    "Organisation", "Coalition", "Place", "Country", "Operation", "NatoLedOperation", "PeaceSupportOperation",
    "TrainingMission", "MaritimeSecurityOperation", "Mandate", "UNSecurityCouncilResolution", "HostNationRequest",
    "CouncilDecision", "Meeting", "Summit", "PartnershipFramework", "PartnerCountry", "Programme", "Command", "Source",
]
VOCABULARY_PROPERTIES = [
    "ledBy", "startDate", "endDate", "date", "heldIn", "area", "locatedIn", "hasMandate", "resolutionNumber",
    "establishedAt", "launched", "succeeds", "succeededBy", "hasPredecessor", "supports", "operationalPartner",
    "partnerIn", "memberOf", "underCommandOf", "troops", "asOf", "source",
]


def test_vocabulary_terms_and_axioms(graph: Graph) -> None:
    for name in VOCABULARY_CLASSES:
        assert (NATO[name], RDF.type, OWL.Class) in graph, name
    for name in VOCABULARY_PROPERTIES:
        assert set(graph.objects(NATO[name], RDF.type)) & {OWL.ObjectProperty, OWL.DatatypeProperty}, name
    assert_all(graph, {
        "inverse": "nato:establishedAt owl:inverseOf nato:launched . nato:succeeds owl:inverseOf nato:succeededBy",
        "sub-property": "nato:succeeds rdfs:subPropertyOf nato:hasPredecessor",
        "transitive": "nato:hasPredecessor a owl:TransitiveProperty . nato:locatedIn a owl:TransitiveProperty",
        "defined class": """nato:NatoLedOperation owl:equivalentClass ?r . ?r a owl:Restriction ;
            owl:onProperty nato:ledBy ; owl:hasValue natoid:nato""",
        "chain": "nato:area owl:propertyChainAxiom ?l . ?l rdf:first nato:area ; rdf:rest/rdf:first nato:locatedIn",
        "functional dates": """nato:startDate a owl:FunctionalProperty, owl:DatatypeProperty .
            nato:endDate a owl:FunctionalProperty, owl:DatatypeProperty""",
        "partners classified": "nato:partnerIn rdfs:domain nato:PartnerCountry . nato:PartnerCountry rdfs:subClassOf nato:Country",
        "disjoint top classes": """?a a owl:AllDisjointClasses ; owl:members ?l .
            ?l rdf:rest*/rdf:first nato:Command . ?l rdf:rest*/rdf:first nato:Organisation .
            ?l rdf:rest*/rdf:first nato:Figure . ?l rdf:rest*/rdf:first nato:Source""",
    })


def test_every_typed_resource_has_a_source(data: Graph) -> None:
    unsourced = [
        s for s in set(data.subjects(RDF.type))
        if (s, RDF.type, NATO.Source) not in data and (s, NATO.source, None) not in data
    ]
    assert not unsourced


def test_every_cited_source_is_described(data: Graph) -> None:
    cited = set(data.objects(None, NATO.source))
    assert not [s for s in cited if (s, RDF.type, NATO.Source) not in data]
    for n in range(5):
        assert NATOID[f"source-00{n}"] in cited


def test_external_references_are_named(data: Graph) -> None:
    assert_all(data, {
        "refs": '?r nato:sourceKind "external public reference" ; dcterms:title ?t ; dcterms:publisher "NATO"',
    })
    missing = select(data, """SELECT ?r WHERE { ?x nato:source ?r FILTER(STRSTARTS(STR(?r), STR(natoid:ref-)))
        FILTER NOT EXISTS { ?r nato:sourceKind "external public reference" ; dcterms:title ?t ; dcterms:publisher ?p } }""")
    assert not missing


def test_defined_classes_and_date_bounds_are_never_asserted(data: Graph) -> None:
    assert (None, RDF.type, NATO.NatoLedOperation) not in data
    assert (None, RDF.type, NATO.PartnerCountry) not in data
    for bound in ("startDateEarliest", "startDateLatest", "endDateEarliest", "endDateLatest",
                  "dateEarliest", "dateLatest", "asOfEarliest", "asOfLatest"):
        assert (None, NATO[bound], None) not in data, bound


def test_dates_are_single_valued_and_typed(data: Graph) -> None:
    date_types = {"http://www.w3.org/2001/XMLSchema#" + t for t in ("gYear", "gYearMonth", "date")}
    for prop in (NATO.startDate, NATO.endDate, NATO.date, NATO.asOf):
        for subject in set(data.subjects(prop)):
            values = list(data.objects(subject, prop))
            assert len(values) == 1, (subject, prop, values)
            assert str(values[0].datatype) in date_types, (subject, prop, values)


def test_figures_are_dated_and_sourced(data: Graph) -> None:
    undated = select(data, """SELECT ?f WHERE { ?f nato:figureOf ?x .
        FILTER NOT EXISTS { ?f nato:asOf ?d ; nato:source ?s ; rdfs:label ?l }
        FILTER NOT EXISTS { ?f nato:troops ?n } FILTER NOT EXISTS { ?f nato:count ?n } }""")
    assert not undated
    assert not select(data, "SELECT ?f WHERE { ?f nato:figureOf ?x FILTER NOT EXISTS { ?f nato:asOf ?d } }")


def test_claims_are_complete(data: Graph) -> None:
    incomplete = select(data, """SELECT ?c WHERE { ?c a nato:Claim
        FILTER NOT EXISTS { ?c nato:claimSubject ?s ; nato:claimProperty ?p ; nato:claimValue ?v ;
                            nato:source ?src ; rdfs:label ?l ; rdfs:comment ?k } }""")
    assert not incomplete
    # every disputed property has claims from at least two sources and the asserted value agrees with one of them
    rows = select(data, """SELECT ?s ?p (COUNT(DISTINCT ?src) AS ?n) WHERE {
        ?c a nato:Claim ; nato:claimSubject ?s ; nato:claimProperty ?p ; nato:source ?src } GROUP BY ?s ?p""")
    assert rows and all(int(n) >= 2 for _, _, n in rows)
    for subject, prop, _ in rows:
        asserted = list(data.objects(subject, prop))
        accepted = select(data, f"""SELECT ?v WHERE {{ ?c nato:claimSubject <{subject}> ; nato:claimProperty <{prop}> ;
            nato:accepted true ; nato:claimValue ?v }}""")
        assert len(asserted) == 1 and any(str(asserted[0]) == str(v) for (v,) in accepted)


# --- reasoning ------------------------------------------------------------------------------------


def test_owlrl_closure_has_no_error_messages(closure: Graph) -> None:
    errors = [str(text) for node in closure.subjects(RDF.type, OWLRL_ERROR) for text in closure.objects(node)]
    assert not errors


def test_no_individual_is_in_two_disjoint_classes(closure: Graph) -> None:
    clashes = select(closure, """SELECT ?x ?c1 ?c2 WHERE {
        ?axiom a owl:AllDisjointClasses ; owl:members ?list .
        ?list rdf:rest*/rdf:first ?c1 . ?list rdf:rest*/rdf:first ?c2 . FILTER(STR(?c1) < STR(?c2))
        ?x a ?c1, ?c2 }""")
    assert not clashes
    assert not list(closure.subjects(RDF.type, OWL.Nothing))


def test_no_functional_date_has_two_values_after_reasoning(closure: Graph) -> None:
    clashes = select(closure, """SELECT ?x ?p WHERE { VALUES ?p { nato:startDate nato:endDate }
        ?x ?p ?a, ?b FILTER(isLiteral(?a) && isLiteral(?b) && STR(?a) < STR(?b)) }""")
    assert not clashes
    assert not select(closure, "SELECT ?x ?y WHERE { ?x owl:sameAs ?y FILTER(?x != ?y && isIRI(?x) && isIRI(?y)) }")


def test_nato_led_operations_are_inferred(closure: Graph) -> None:
    for slug in ("kfor", "isaf", "resolute-support", "operation-sea-guardian", "nato-mission-iraq",
                 "operation-active-endeavour", "nato-training-mission-iraq"):
        assert (NATOID[slug], RDF.type, NATO.NatoLedOperation) in closure, slug
    for slug in ("eulex", "eunavfor-med-irini", "unmik"):
        assert (NATOID[slug], RDF.type, NATO.Operation) in closure, slug
        assert (NATOID[slug], RDF.type, NATO.NatoLedOperation) not in closure, slug


def test_area_extends_along_located_in(closure: Graph) -> None:
    assert (NATOID["resolute-support"], NATO.area, NATOID["balkh-province"]) in closure
    assert (NATOID["resolute-support"], NATO.area, NATOID["afghanistan"]) in closure
    assert (NATOID["nato-mission-iraq"], NATO.area, NATOID["iraq"]) in closure
    assert (NATOID["mazar-e-sharif"], NATO.locatedIn, NATOID["afghanistan"]) in closure


def test_partner_countries_are_inferred(closure: Graph) -> None:
    for slug in ("algeria", "austria", "south-korea", "united-arab-emirates", "moldova"):
        assert (NATOID[slug], RDF.type, NATO.PartnerCountry) in closure, slug
    assert (NATOID["germany"], RDF.type, NATO.PartnerCountry) not in closure


def test_inverse_and_transitive_properties_are_inferred(closure: Graph) -> None:
    assert (NATOID["isaf"], NATO.succeededBy, NATOID["resolute-support"]) in closure
    assert (NATOID["resolute-support"], NATO.hasPredecessor, NATOID["isaf"]) in closure
    assert (NATOID["summit-2016-warsaw"], NATO.launched, NATOID["operation-sea-guardian"]) in closure
    assert (NATOID["summit-2012-chicago"], NATO.launched, NATOID["policy-guidelines-on-counter-terrorism"]) in closure
    assert (NATOID["nato-mission-iraq"], NATO.underCommandOf, NATOID["saceur"]) in closure
