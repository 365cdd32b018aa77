"""Semi-naive forward chaining of the OWL 2 RL/RDF rules over an integer-encoded fact store."""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Iterator

import pyoxigraph as ox

from . import clashes
from .datatypes import (
    DISJOINT_DATATYPES, OWL_RL_DATATYPES, SUPERTYPES, UNTYPED_LITERAL_DATATYPES,
)
from .schema import Terminology, saturate, schema_terms
from .store import ExpandedFacts, FactStore, TermTable
from .vocabulary import (
    CLASS, DISJOINT_WITH, NOTHING, ONE_OF, SAME_AS, SCHEMA_PREDICATES, SCHEMA_TYPES, THING, TYPE,
)

Progress = Callable[[str], None]
PROGRESS_EVERY = 100_000


class Engine:
    """The OWL 2 RL closure of one set of triples: load them, run the rules, read the closure out."""

    def __init__(self, triples: list[ox.Triple], *, progress: Progress | None = None):
        self.table = TermTable()
        self.asserted = self.table.encode(triples)
        self.datatype_ids = {iri: self.table.intern(ox.NamedNode(iri)) for iri in OWL_RL_DATATYPES}
        self.store = FactStore(len(self.table))
        self.progress = progress or (lambda message: None)
        self.messages: list[clashes.ReasonerClash] = []
        self.queue: list[tuple[int, int, int]] = []
        self.pending_merges: list[tuple[int, int]] = []
        self.merged = False
        self.schema_changed = False
        self.schema_terms: set[int] = set()
        self.is_literal = bytearray(isinstance(term, ox.Literal) for term in self.table.terms)
        self.rounds = 0
        self.derive = self._make_derive()

    def _make_derive(self) -> Callable[[int, int, int], None]:
        """derive(s, p, o) records a consequence: a new fact is stored and queued, owl:sameAs merges two terms.

        A closure over the store's dictionaries, because it runs for every consequence.
        """
        store, queue, merges, is_literal = self.store, self.queue, self.pending_merges, self.is_literal
        sp, po, parent, find = store.sp, store.po, store.parent, store.find

        def derive(s: int, p: int, o: int) -> None:
            if self.merged:
                if parent[s] != s:
                    s = find(s)
                if parent[p] != p:
                    p = find(p)
                if parent[o] != o:
                    o = find(o)
            if p == SAME_AS:
                merges.append((s, o))
                return
            if is_literal[p]:
                return
            by_subject = sp.get(p)
            if by_subject is None:
                sp[p] = {s: {o}}
                po[p] = {o: {s}}
            else:
                objects = by_subject.get(s)
                if objects is None:
                    by_subject[s] = {o}
                elif o in objects:
                    return
                else:
                    objects.add(o)
                by_object = po[p]
                subjects = by_object.get(o)
                if subjects is None:
                    by_object[o] = {s}
                else:
                    subjects.add(s)
            queue.append((s, p, o))
            if p in SCHEMA_PREDICATES or (p == TYPE and o in SCHEMA_TYPES):
                self.schema_changed = True

        return derive

    def run(self) -> None:
        """Compute the closure: seed, then saturate the terminology and chain over the facts until nothing is new."""
        for fact in self.asserted:
            self.derive(*fact)
        self._seed_one_time_rules()
        self._merge_pending()
        while True:
            self.rounds += 1
            saturate(self.store, self._insert_schema_fact)
            terminology = Terminology(self.store, self._literal_text)
            self.schema_terms = schema_terms(self.store, SCHEMA_PREDICATES, SCHEMA_TYPES)
            for c, head in list(self.store.pairs(ONE_OF)):  # cls-oo
                for member in self.store.list_items(head):
                    self.derive(member, TYPE, c)
            self.schema_changed = False
            self.queue[:] = list(self.store)
            self._chain(terminology)
            if not self.schema_changed:
                break
        self.messages = clashes.find_clashes(self._closure_store(), self.table.terms, set(self.asserted))

    def _insert_schema_fact(self, s: int, p: int, o: int) -> bool:
        if self.is_literal[p]:
            return False
        return self.store.insert(s, p, o)

    def _seed_one_time_rules(self) -> None:
        """cls-thing, cls-nothing1, dt-type1/2 and dt-not-type: facts that need no cycle."""
        self.derive(THING, TYPE, CLASS)
        self.derive(NOTHING, TYPE, CLASS)
        ids, terms = self.datatype_ids, self.table.terms
        used, typed_by_resource = set(), defaultdict(set)
        literal_types = {}
        for s, p, o in self.asserted:
            term = terms[o]
            if isinstance(term, ox.Literal) and o not in literal_types:
                datatype = term.datatype.value
                if datatype in OWL_RL_DATATYPES and datatype not in UNTYPED_LITERAL_DATATYPES:
                    literal_types[o] = datatype
        for s, p, o in self.asserted:
            if p == TYPE and isinstance(terms[o], ox.NamedNode) and terms[o].value in ids:
                used.add(terms[o].value)
                typed_by_resource[s].add(terms[o].value)
            elif p == SAME_AS and o in literal_types:
                typed_by_resource[s].add(literal_types[o])
        used.update(literal_types.values())
        for literal, datatype in literal_types.items():
            self.derive(literal, TYPE, ids[datatype])
            for supertype in SUPERTYPES.get(datatype, ()):
                self.derive(literal, TYPE, ids[supertype])
                used.add(supertype)
        for resource, datatypes in typed_by_resource.items():
            for datatype in datatypes:
                for supertype in SUPERTYPES.get(datatype, ()):
                    self.derive(resource, TYPE, ids[supertype])
                    used.add(supertype)
        for a, b in DISJOINT_DATATYPES:
            if a in used and b in used:
                self.derive(ids[a], DISJOINT_WITH, ids[b])

    def _merge_pending(self) -> None:
        """eq-sym, eq-trans, eq-rep-s/p/o: merge equal terms and restate their facts with the representative."""
        store = self.store
        while self.pending_merges:
            x, y = self.pending_merges.pop()
            merged = store.union(x, y)
            if merged is None:
                continue
            self.merged = True
            absorbed = merged[1]
            if absorbed in self.schema_terms:
                self.schema_changed = True
            facts = store.facts_mentioning(absorbed)
            for fact in facts:
                store.delete(*fact)
            for fact in facts:
                self.derive(*fact)

    def _chain(self, terminology: Terminology) -> None:
        """Apply every rule to each queued fact, joined with the facts stored so far, until the queue is empty."""
        store, queue, derive = self.store, self.queue, self.derive
        parent, has, objects, subjects = store.parent, store.has, store.objects, store.subjects
        property_plan, class_plan = terminology.property_plan, terminology.class_plan
        merges = self.pending_merges
        type_as_property = property_plan(TYPE)
        processed = 0
        while queue or merges:
            if merges:
                self._merge_pending()
                continue
            s, p, o = queue.pop()
            if self.merged and (parent[s] != s or parent[p] != p or parent[o] != o):
                continue  # restated under its representatives when the terms were merged
            processed += 1
            if processed % PROGRESS_EVERY == 0:
                self.progress(f"round {self.rounds}: {processed:,} facts processed, {len(queue):,} queued")
            if p == TYPE:
                plan = class_plan(o)
                for c in plan.supers:  # cax-sco, cax-eqc1/2, cls-int2, cls-uni (via scm-int/scm-uni)
                    derive(s, TYPE, c)
                for i, members in plan.intersections:  # cls-int1
                    if all(has(s, TYPE, m) for m in members):
                        derive(s, TYPE, i)
                for q, v in plan.has_value:  # cls-hv1
                    derive(s, q, v)
                for q, y in plan.all_values:  # cls-avf
                    for v in tuple(objects(s, q)):
                        derive(v, TYPE, y)
                for r, q in plan.filler_of:  # cls-svf1
                    for u in tuple(subjects(q, s)):
                        derive(u, TYPE, r)
                for q, cc in plan.max_one:  # cls-maxc2, cls-maxqc3/4
                    values = [v for v in objects(s, q) if cc is None or has(v, TYPE, cc)]
                    merges.extend((values[0], v) for v in values[1:])
                for r, q in plan.max_one_filler:  # cls-maxqc3
                    for u in tuple(subjects(q, s)):
                        if has(u, TYPE, r):
                            merges.extend((s, v) for v in objects(u, q) if v != s and has(v, TYPE, o))
                for keys in plan.keys:  # prp-key
                    self._match_key(s, o, keys)
                if type_as_property is None:
                    continue
                plan_p = type_as_property
            else:
                plan_p = property_plan(p)
                if plan_p is None:
                    continue
            for c in plan_p.domains:  # prp-dom
                derive(s, TYPE, c)
            for c in plan_p.ranges:  # prp-rng
                derive(o, TYPE, c)
            for q in plan_p.supers:  # prp-spo1, prp-eqp1/2
                derive(s, q, o)
            for q in plan_p.inverses:  # prp-inv1/2
                derive(o, q, s)
            if plan_p.symmetric:  # prp-symp
                derive(o, p, s)
            if plan_p.transitive:  # prp-trp
                for z in tuple(objects(o, p)):
                    derive(s, p, z)
                for w in tuple(subjects(p, s)):
                    derive(w, p, o)
            if plan_p.functional:  # prp-fp
                merges.extend((o, y) for y in objects(s, p) if y != o)
            if plan_p.inverse_functional:  # prp-ifp
                merges.extend((s, x) for x in subjects(p, o) if x != s)
            for q, chain, position in plan_p.chains:  # prp-spo2
                self._extend_chain(s, o, q, chain, position)
            for c, v in plan_p.has_value:  # cls-hv2
                if o == v:
                    derive(s, TYPE, c)
            for c, y in plan_p.some_values:  # cls-svf1/2
                if y is None or has(o, TYPE, y):
                    derive(s, TYPE, c)
            for c, y in plan_p.all_values:  # cls-avf
                if has(s, TYPE, c):
                    derive(o, TYPE, y)
            for c, cc in plan_p.max_one:  # cls-maxc2, cls-maxqc3/4
                if has(s, TYPE, c) and (cc is None or has(o, TYPE, cc)):
                    merges.extend((o, v) for v in objects(s, p) if v != o and (cc is None or has(v, TYPE, cc)))
            for c, keys in plan_p.keys:  # prp-key
                if has(s, TYPE, c):
                    self._match_key(s, c, keys)
        self.progress(f"round {self.rounds}: {processed:,} facts processed")

    def _extend_chain(self, s: int, o: int, q: int, chain: tuple, position: int) -> None:
        """prp-spo2 for a new link at `position` of the chain: walk left and right along the stored links."""
        store = self.store
        starts, ends = {s}, {o}
        for link in reversed(chain[:position]):
            starts = {u for x in starts for u in store.subjects(link, x)}
            if not starts:
                return
        for link in chain[position + 1:]:
            ends = {v for x in ends for v in store.objects(x, link)}
            if not ends:
                return
        for start in starts:
            for end in ends:
                self.derive(start, q, end)

    def _match_key(self, x: int, c: int, keys: tuple) -> None:
        """prp-key: another member of c with a shared value for every key property is the same individual."""
        if not keys:
            return
        store = self.store
        candidates = {y for z in store.objects(x, keys[0]) for y in store.subjects(keys[0], z)}
        for y in candidates:
            if y != x and store.has(y, TYPE, c) and all(
                not set(store.objects(x, k)).isdisjoint(store.objects(y, k)) for k in keys[1:]
            ):
                self.pending_merges.append((x, y))

    def _literal_text(self, term_id: int) -> tuple[str, str] | None:
        term = self.table.terms[term_id]
        return (term.value, term.datatype.value) if isinstance(term, ox.Literal) else None

    def entailed(self) -> Iterator[tuple]:
        """The closure minus the asserted triples, as tuples of pyoxigraph terms (generalised RDF: a literal may be a subject).

        Equal terms are expanded back into every name they have, and the owl:sameAs
        triples between distinct names are stated; reflexive owl:sameAs is left out.
        """
        self.progress("reading out the closure")
        terms = self.table.terms
        width = len(terms)
        asserted = {(s * width + p) * width + o for s, p, o in self.asserted}
        for s, p, o in self._expanded():
            if (s * width + p) * width + o not in asserted:
                yield terms[s], terms[p], terms[o]

    def _expanded(self) -> Iterator[tuple[int, int, int]]:
        """Every fact of the closure with each name of equal terms (none a blank or literal predicate), and the
        owl:sameAs facts between distinct names."""
        terms, store = self.table.terms, self.store
        blank = bytearray(isinstance(term, ox.BlankNode) for term in terms)
        is_literal, group = self.is_literal, store.group
        for p, by_subject in store.sp.items():
            for q in group.get(p, (p,)):
                if blank[q] or is_literal[q]:
                    continue
                for s, objects in by_subject.items():
                    for s2 in group.get(s, (s,)):
                        for o in objects:
                            for o2 in group.get(o, (o,)):
                                yield s2, q, o2
        for names in group.values():
            for a in names:
                for b in names:
                    if a != b:
                        yield a, SAME_AS, b

    def _closure_store(self) -> FactStore | ExpandedFacts:
        """The closure as the clash rules read it: every name of equal terms spelled out."""
        if not self.store.group:
            return self.store
        terms = self.table.terms
        unnamable = {i for i, term in enumerate(terms) if isinstance(term, (ox.BlankNode, ox.Literal))}
        return ExpandedFacts(self.store, unnamable)
