"""Deterministic NATO-like benchmark data: the real ontology plus synthetic facts shaped like data/*.ttl.

    python bench/generate.py --triples 100000 --out /tmp/nato-100k.nt

The same size and seed always give the same triples, in the same order. The facts exercise
every kind of axiom the ontology uses: sub-classes and sub-properties, domains and ranges,
inverse and transitive properties, property chains, the hasValue definition of
NatoLedOperation, disjoint classes, functional dates, and a few owl:sameAs aliases.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import pyoxigraph as ox

REPO_ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = REPO_ROOT / "ontology" / "nato.ttl"
NATO = "https://w3id.org/natograph/ontology#"
NATOID = "https://w3id.org/natograph/id/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
ALT_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
XSD = "http://www.w3.org/2001/XMLSchema#"
OPERATION_KINDS = ("Operation", "PeaceSupportOperation", "TrainingMission", "MaritimeSecurityOperation")
SIZES = {"1k": 1_000, "10k": 10_000, "30k": 30_000, "100k": 100_000, "1M": 1_000_000}


def nato(name: str) -> ox.NamedNode:
    return ox.NamedNode(NATO + name)


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


class NatoLikeGraph:
    """Builds the synthetic facts one theatre of operations at a time."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.triples: list[ox.Triple] = []
        self.counter = 0
        self.sources = [self.resource("Source", "source") for _ in range(10)]
        self.organisations = {name: self.resource("Organisation", name, fixed=True)
                              for name in ("nato", "eu", "un", "osce", "au")}
        self.organisations["coalition"] = self.resource("Coalition", "coalition", fixed=True)
        self.continents = [self.resource("Region", "continent") for _ in range(5)]
        self.commands = self._command_tree()
        self.frameworks = []
        for _ in range(5):
            framework = self.resource("PartnershipFramework", "framework")
            self.add(framework, "startDate", self.year(1991, 2005))
            self.frameworks.append(framework)
        self.members = [self.country(self.random.choice(self.continents), member=True) for _ in range(30)]
        self.summits = [self.summit(self.members[0]) for _ in range(3)]

    def add(self, s, p: str, o) -> None:
        self.triples.append(ox.Triple(s, nato(p), o))

    def resource(self, kind: str, slug: str, *, fixed: bool = False) -> ox.NamedNode:
        """A new named resource of class `kind` with its label and source."""
        if not fixed:
            self.counter += 1
            slug = f"{slug}-{self.counter}"
        node = ox.NamedNode(NATOID + slug)
        self.triples.append(ox.Triple(node, RDF_TYPE, nato(kind)))
        self.triples.append(ox.Triple(node, LABEL, ox.Literal(slug.replace("-", " ").title(), language="en")))
        if kind != "Source":
            self.add(node, "source", self.random.choice(self.sources))
        return node

    def year(self, first: int, last: int) -> ox.Literal:
        """A date at the precision a source might give: a year, a month or a day."""
        year = self.random.randint(first, last)
        precision = self.random.random()
        if precision < 0.5:
            return typed(str(year), "gYear")
        month = self.random.randint(1, 12)
        if precision < 0.8:
            return typed(f"{year}-{month:02d}", "gYearMonth")
        return typed(f"{year}-{month:02d}-{self.random.randint(1, 28):02d}", "date")

    def _command_tree(self) -> list[ox.NamedNode]:
        top = self.resource("Command", "saceur", fixed=True)
        leaves = []
        for _ in range(3):
            joint = self.resource("Command", "jfc")
            self.add(joint, "subordinateTo", top)
            for _ in range(3):
                component = self.resource("Command", "component-command")
                self.add(component, "subordinateTo", joint)
                leaves.append(component)
        return leaves

    def country(self, region, *, member: bool = False) -> ox.NamedNode:
        """A country located in a region; members get a memberOf link and a dated Membership node."""
        country = self.resource("Country", "country")
        self.add(country, "locatedIn", region)
        if member:
            self.add(country, "memberOf", self.organisations["nato"])
            membership = self.resource("Membership", "membership")
            self.add(membership, "member", country)
            self.add(membership, "organisation", self.organisations["nato"])
            self.add(membership, "startDate", self.year(1949, 2024))
        return country

    def summit(self, country) -> ox.NamedNode:
        meeting = self.resource(self.random.choice(("Summit", "Meeting", "MinisterialMeeting")), "summit")
        self.add(meeting, "date", self.year(1990, 2024))
        self.add(meeting, "heldIn", country)
        programme = self.resource("Programme", "programme")
        self.add(meeting, "launched", programme)
        self.add(programme, "startDate", self.year(1990, 2024))
        return meeting

    def theatre(self) -> None:
        """A region with places in locatedIn chains, a partner country, and a succession of operations."""
        rnd = self.random
        region = self.resource("Region", "region")
        self.add(region, "locatedIn", rnd.choice(self.continents))
        host = self.country(region)
        places = []
        for _ in range(3):
            province = self.resource("Province", "province")
            self.add(province, "locatedIn", host)
            places.append(province)
            for _ in range(2):
                city = self.resource("City", "city")
                self.add(city, "locatedIn", province)
                places.append(city)
        self.add(host, "partnerIn", rnd.choice(self.frameworks))
        partnership = self.resource("Partnership", "partnership")
        self.add(partnership, "partner", host)
        self.add(partnership, "framework", rnd.choice(self.frameworks))
        self.add(partnership, "startDate", self.year(1994, 2020))
        if rnd.random() < 0.3:
            self.summits.append(self.summit(rnd.choice(places)))
        previous = None
        for start in sorted(rnd.sample(range(1990, 2022), rnd.randint(1, 6))):
            previous = self.operation(start, places, host, previous)

    def operation(self, start: int, places, host, previous) -> ox.NamedNode:
        rnd = self.random
        operation = self.resource(rnd.choice(OPERATION_KINDS), "operation")
        self.triples.append(ox.Triple(operation, ALT_LABEL, ox.Literal(f"OP{self.counter}", language="en")))
        leader = "nato" if rnd.random() < 0.6 else rnd.choice(("eu", "un", "au", "coalition"))
        self.add(operation, "ledBy", self.organisations[leader])
        self.add(operation, "area", rnd.choice(places))
        self.add(operation, "startDate", typed(str(start), "gYear"))
        end = min(start + rnd.randint(1, 8), 2024)
        self.add(operation, "endDate", typed(str(end), "gYear"))
        mandate = self.resource("UNSecurityCouncilResolution", "unscr")
        self.add(mandate, "resolutionNumber", typed(str(self.counter), "integer"))
        self.add(operation, "hasMandate", mandate)
        self.add(operation, "underCommandOf", rnd.choice(self.commands))
        self.add(rnd.choice(self.summits), "launched", operation)
        self.add(operation, "operationalPartner", host)
        if previous is not None:
            self.add(operation, "succeeds", previous)
            self.add(operation, "supports", previous)
        contributors = rnd.sample(self.members, 3)
        for country in contributors:
            self.add(operation, "contributingNation", country)
        if rnd.random() < 0.05:
            alias = ox.NamedNode(f"{operation.value}-alias")
            self.triples.append(ox.Triple(alias, SAME_AS, operation))
            self.triples.append(ox.Triple(alias, ALT_LABEL, ox.Literal(f"OP{self.counter} (alias)", language="en")))
        for year in range(start, end + 1):
            strength = self.resource("TroopStrength", "strength")
            self.add(strength, "figureOf", operation)
            self.add(strength, "troops", typed(str(rnd.randint(100, 60_000)), "integer"))
            self.add(strength, "asOf", typed(str(year), "gYear"))
            for country in contributors:
                contribution = self.resource("TroopContribution", "contribution")
                self.add(contribution, "figureOf", operation)
                self.add(contribution, "contributor", country)
                self.add(contribution, "troops", typed(str(rnd.randint(10, 9_000)), "integer"))
                self.add(contribution, "asOf", typed(str(year), "gYear"))
        return operation


def ontology_triples(path: Path = ONTOLOGY) -> list[ox.Triple]:
    """The project's ontology, parsed."""
    return [quad.triple for quad in ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE)]


def generate(size: int, *, seed: int = 1949, ontology: Path = ONTOLOGY) -> list[ox.Triple]:
    """Exactly `size` asserted triples (the ontology's first, then synthetic facts); deterministic for a seed."""
    triples = ontology_triples(ontology)
    graph = NatoLikeGraph(seed)
    while len(triples) + len(graph.triples) < size:
        graph.theatre()
    return (triples + list(dict.fromkeys(graph.triples)))[:size]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=lambda text: SIZES.get(text) or int(text), required=True,
                        help="how many asserted triples (a number, or 1k/10k/100k/1M)")
    parser.add_argument("--seed", type=int, default=1949)
    parser.add_argument("--out", type=Path, required=True, help="N-Triples file to write")
    args = parser.parse_args(argv)
    triples = generate(args.triples, seed=args.seed)
    with args.out.open("wb") as out:
        ox.serialize(triples, out, format=ox.RdfFormat.N_TRIPLES)
    print(f"wrote {len(triples)} triples to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
