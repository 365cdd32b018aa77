"""Issue 13, part 3: each of the audit's corrections is in the real graph with its source (and, for
the documents, its line) or a named public reference."""

import pytest

PREFIXES = """PREFIX nato: <https://w3id.org/natograph/ontology#>
PREFIX natoid: <https://w3id.org/natograph/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

ASSERTED = "https://w3id.org/natograph/graph/asserted"

CORRECTIONS = {
    "NRC: source-003's 1997 kept as a claim with its line, not accepted": """
        ?c nato:claimSubject natoid:nato-russia-council ; nato:claimProperty nato:startDate ;
           nato:claimValue "1997"^^xsd:gYear ; nato:accepted false ; nato:source natoid:source-003 ; nato:sourceLine 19""",
    "NRC: 28 May 2002 asserted and claimed by the named reference": """
        natoid:nato-russia-council nato:startDate "2002-05-28"^^xsd:date ; nato:source natoid:ref-nato-nrc .
        ?c nato:claimSubject natoid:nato-russia-council ; nato:claimValue "2002-05-28"^^xsd:date ;
           nato:accepted true ; nato:source natoid:ref-nato-nrc .
        natoid:ref-nato-nrc a nato:Source ; nato:sourceKind "external public reference" """,
    "NMI: the reference's wording says launched July, established October 2018": """
        natoid:ref-nato-mission-iraq rdfs:comment ?text
        FILTER(CONTAINS(?text, "launched at the Brussels Summit in July 2018") && CONTAINS(?text, "established in October 2018"))""",
    "NMI: source-002's July 2018 launch accepted, with its lines": """
        natoid:nato-mission-iraq nato:launchDate "2018-07"^^xsd:gYearMonth ; nato:startDate "2018-10"^^xsd:gYearMonth .
        ?c nato:claimSubject natoid:nato-mission-iraq ; nato:claimProperty nato:launchDate ;
           nato:claimValue "2018-07"^^xsd:gYearMonth ; nato:accepted true ; nato:source natoid:source-002 ; nato:sourceLine 162""",
    "NMI: no launch claim contradicts the asserted launch": """
        FILTER NOT EXISTS { ?c nato:claimSubject natoid:nato-mission-iraq ; nato:claimProperty nato:launchDate ;
                               nato:accepted false }""",
    "the 2017 meeting is a summit keeping NATO's name for it": """
        natoid:meeting-2017-05-25-brussels a nato:Summit ;
            rdfs:label "Meeting of NATO Heads of State and Government, Brussels, 25 May 2017"@en""",
    "the counter-terrorism coordinator is a post, not a programme": """
        natoid:counter-terrorism-coordinator a nato:Post ; nato:source natoid:source-004 .
        FILTER NOT EXISTS { natoid:counter-terrorism-coordinator a nato:Programme }""",
    "Besmaya is a training complex, not a city": """
        natoid:besmaya a nato:Facility . FILTER NOT EXISTS { natoid:besmaya a nato:City }""",
    "ONU is not tagged English": """
        natoid:un skos:altLabel "ONU"@fr . FILTER NOT EXISTS { natoid:un skos:altLabel "ONU"@en }""",
    "the Bosnia mission is labelled by its name": """
        natoid:nato-peacekeeping-bosnia-and-herzegovina rdfs:label "Implementation Force"@en ;
            skos:altLabel "IFOR"@en, "NATO peacekeeping mission in Bosnia and Herzegovina"@en""",
    "no unsourced skos:related between the intelligence cell and unit": """
        FILTER NOT EXISTS { { natoid:terrorism-intelligence-cell skos:related natoid:foreign-fighters-intelligence-unit }
                            UNION { natoid:foreign-fighters-intelligence-unit skos:related natoid:terrorism-intelligence-cell } }""",
    "DCB's official name, from its reference": """
        natoid:defence-capacity-building-initiative rdfs:label "Defence and Related Security Capacity Building Initiative"@en ;
            nato:source natoid:ref-nato-dcb""",
    "Wales in the United Kingdom cites a geographic reference": """
        natoid:wales nato:locatedIn natoid:united-kingdom ; nato:source natoid:ref-geonames""",
    "UNSCR 1244's mandate (001)": """
        natoid:unscr-1244 nato:purpose ?p ; nato:source natoid:source-001 FILTER(CONTAINS(?p, "Yugoslav"))""",
    "training through bilateral partnerships in six countries (002)": """
        natoid:training-through-bilateral-partnerships nato:source natoid:source-002 ;
            nato:beneficiary natoid:ukraine, natoid:georgia, natoid:jordan, natoid:tunisia, natoid:iraq, natoid:afghanistan""",
    "Resolute Support's 2020 reduction (000, line 7)": """
        ?r a nato:TroopReduction ; nato:reductionOf natoid:resolute-support ; nato:asOf "2020"^^xsd:gYear ;
           nato:extent "marginal" ; nato:source natoid:source-000 ; nato:sourceLine 7""",
    "NMI advises the Ministry of Defence and the national security adviser's office (002)": """
        natoid:nato-mission-iraq nato:advisesInstitution natoid:iraq-ministry-of-defence,
            natoid:iraq-office-of-the-national-security-adviser .
        natoid:iraq-ministry-of-defence nato:institutionOf natoid:iraq ; nato:source natoid:source-002""",
    "NATO's coalition membership is non-combat and rests on the 28 ambassadors' agreement (004)": """
        ?m nato:member natoid:nato ; nato:organisation natoid:global-coalition-against-daesh ;
           nato:combatRole false ; nato:basis ?d .
        ?d a nato:CouncilDecision ; nato:issuedBy natoid:north-atlantic-council ; nato:source natoid:source-004""",
    "several Allies fly daily bombing missions (004, line 5)": """
        ?a a nato:MilitaryActivity ; nato:frequency "daily" ; nato:opposes natoid:isil ;
           nato:activityWithin natoid:global-coalition-against-daesh ; nato:source natoid:source-004 ; nato:sourceLine 5""",
    "the Manchester attack is the context of the 2017 meeting (004)": """
        natoid:meeting-2017-05-25-brussels nato:context ?attack .
        ?attack a nato:TerroristAttack ; nato:occurredIn natoid:manchester ; nato:source natoid:source-004""",
    "NATO's support for non-proliferation and arms control (003)": """
        natoid:nato-support-for-arms-control a nato:Programme ; nato:source natoid:source-003 .
        natoid:trust-funds dcterms:isPartOf natoid:nato-support-for-arms-control""",
    "the NRC's ambassador-level channels (003)": """
        natoid:partnership-russia-nato-russia-council nato:dialogueLevel "ambassadorial" ; nato:source natoid:source-003""",
    "ISAF under NATO leadership from August 2003 (002, lines 136-137, and the NATO reference)": """
        ?l nato:ledOperation natoid:isaf ; nato:leadingOrganisation natoid:nato ;
           nato:startDate "2003-08-11"^^xsd:date ; nato:source natoid:source-002, natoid:ref-nato-isaf ; nato:sourceLine 136""",
}


@pytest.mark.parametrize("name", list(CORRECTIONS))
def test_correction_is_in_the_asserted_graph(project_store, name):
    where = CORRECTIONS[name]
    assert project_store.query(f"{PREFIXES} ASK {{ GRAPH <{ASSERTED}> {{ {where} }} }}"), name


def test_every_source_line_lies_in_its_document(project_store):
    """A recorded line exists in the one document the node cites (the files in /work/shared/sources)."""
    from pathlib import Path
    sources = Path("/work/shared/sources")
    if not sources.is_dir():
        pytest.skip("the source documents are not on this machine")
    rows = project_store.query(PREFIXES + """SELECT ?node ?file ?line WHERE {
        ?node nato:sourceLine ?line ; nato:source ?doc . ?doc nato:fileName ?file }""").rows
    rows = list(rows)
    assert rows
    for node, file, line in rows:
        count = len((sources / file.value).read_text(encoding="utf-8").splitlines())
        assert 1 <= int(line.value) <= count, (node, file, line)


def test_nodes_with_lines_cite_exactly_one_document(project_store):
    rows = project_store.query(PREFIXES + """SELECT ?node (COUNT(DISTINCT ?doc) AS ?n) WHERE {
        ?node nato:sourceLine ?line . OPTIONAL { ?node nato:source ?doc . ?doc nato:fileName ?f }
    } GROUP BY ?node HAVING (COUNT(DISTINCT ?doc) != 1)""").rows
    assert list(rows) == []
