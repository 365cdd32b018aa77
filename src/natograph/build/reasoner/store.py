"""Integer-encoded terms and an indexed, duplicate-free fact store whose equal terms share one representative."""

from __future__ import annotations

from typing import Iterable, Iterator

import pyoxigraph as ox

from .vocabulary import BUILT_IN_IRIS, FIRST, NIL, REST, SAME_AS


class TermTable:
    """Interns pyoxigraph terms as consecutive integers (the built-in vocabulary first, at fixed ids)."""

    def __init__(self):
        self.terms: list = [ox.NamedNode(iri) for iri in BUILT_IN_IRIS]
        self.ids: dict = {term: i for i, term in enumerate(self.terms)}

    def __len__(self) -> int:
        return len(self.terms)

    def intern(self, term) -> int:
        """The id of `term`, assigning the next free one if it is new."""
        found = self.ids.get(term)
        if found is None:
            found = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return found

    def encode(self, triples: Iterable[ox.Triple]) -> list[tuple[int, int, int]]:
        """Triples as id triples, in the order given."""
        get, intern = self.ids.get, self.intern
        encoded = []
        for s, p, o in triples:
            s_id, p_id, o_id = get(s), get(p), get(o)
            encoded.append((intern(s) if s_id is None else s_id, intern(p) if p_id is None else p_id,
                            intern(o) if o_id is None else o_id))
        return encoded


class FactStore:
    """Facts indexed by predicate → subject → objects and predicate → object → subjects.

    Terms known to be equal (owl:sameAs) are merged in a union-find; only each group's
    representative occurs in stored facts, so equality never multiplies the facts.
    """

    def __init__(self, size: int):
        self.sp: dict[int, dict[int, set[int]]] = {}
        self.po: dict[int, dict[int, set[int]]] = {}
        self.parent: list[int] = list(range(size))
        self.group: dict[int, list[int]] = {}

    def grow(self, size: int) -> None:
        self.parent.extend(range(len(self.parent), size))

    def find(self, term: int) -> int:
        """The representative of the group of terms equal to `term`."""
        parent = self.parent
        root = term
        while parent[root] != root:
            root = parent[root]
        while parent[term] != root:
            parent[term], term = root, parent[term]
        return root

    def members(self, representative: int) -> list[int]:
        return self.group.get(representative) or [representative]

    def has(self, s: int, p: int, o: int) -> bool:
        by_subject = self.sp.get(p)
        return by_subject is not None and o in by_subject.get(s, ())

    def objects(self, s: int, p: int) -> set[int] | tuple:
        by_subject = self.sp.get(p)
        return by_subject.get(s, ()) if by_subject is not None else ()

    def subjects(self, p: int, o: int) -> set[int] | tuple:
        by_object = self.po.get(p)
        return by_object.get(o, ()) if by_object is not None else ()

    def pairs(self, p: int) -> Iterator[tuple[int, int]]:
        """Every (subject, object) of predicate p."""
        for s, objects in list(self.sp.get(p, {}).items()):
            for o in list(objects):
                yield s, o

    def insert(self, s: int, p: int, o: int) -> bool:
        """Add a fact of representatives; False if it was already there."""
        by_subject = self.sp.get(p)
        if by_subject is None:
            self.sp[p] = {s: {o}}
            self.po[p] = {o: {s}}
            return True
        objects = by_subject.get(s)
        if objects is None:
            by_subject[s] = {o}
        elif o in objects:
            return False
        else:
            objects.add(o)
        by_object = self.po[p]
        subjects = by_object.get(o)
        if subjects is None:
            by_object[o] = {s}
        else:
            subjects.add(s)
        return True

    def delete(self, s: int, p: int, o: int) -> None:
        by_subject, by_object = self.sp[p], self.po[p]
        objects, subjects = by_subject[s], by_object[o]
        objects.discard(o)
        subjects.discard(s)
        if not objects:
            del by_subject[s]
        if not subjects:
            del by_object[o]

    def facts_mentioning(self, term: int) -> set[tuple[int, int, int]]:
        """Every stored fact with `term` as subject, predicate or object."""
        found = set()
        for p, by_subject in self.sp.items():
            for o in by_subject.get(term, ()):
                found.add((term, p, o))
        for p, by_object in self.po.items():
            for s in by_object.get(term, ()):
                found.add((s, p, term))
        for s, objects in self.sp.get(term, {}).items():
            for o in objects:
                found.add((s, term, o))
        return found

    def union(self, a: int, b: int) -> tuple[int, int] | None:
        """Merge the groups of a and b; returns (kept, absorbed) representatives, or None if already one."""
        a, b = self.find(a), self.find(b)
        if a == b:
            return None
        group_a, group_b = self.members(a), self.members(b)
        if len(group_a) < len(group_b) or (len(group_a) == len(group_b) and b < a):
            a, b, group_a, group_b = b, a, group_b, group_a
        self.parent[b] = a
        self.group[a] = group_a + group_b
        self.group.pop(b, None)
        return a, b

    def list_items(self, head: int) -> list[int]:
        """The members of an rdf:List, following rdf:first/rdf:rest until rdf:nil (cycles end it)."""
        items, seen = [], set()
        while head != NIL and head not in seen:
            seen.add(head)
            firsts = self.objects(head, FIRST)
            if firsts:
                items.append(min(firsts))
            rests = self.objects(head, REST)
            if not rests:
                break
            head = min(rests)
        return items

    def __iter__(self) -> Iterator[tuple[int, int, int]]:
        for p, by_subject in self.sp.items():
            for s, objects in by_subject.items():
                for o in objects:
                    yield s, p, o


class ExpandedFacts:
    """A merged FactStore read as the closure with every name of equal terms spelled out, without copying it.

    It answers as a FactStore of the expanded facts would: a fact holds for every name of its terms (no
    blank node or literal as predicate), and owl:sameAs holds between every two distinct names of a group.
    """

    def __init__(self, store: FactStore, unnamable_predicates: set[int]):
        self.store, self.find, self.group = store, store.find, store.group
        self.unnamable = unnamable_predicates

    def names(self, term: int) -> list[int] | tuple[int]:
        return self.group.get(term, (term,))

    def has(self, s: int, p: int, o: int) -> bool:
        find = self.find
        if p == SAME_AS:
            return s != o and find(s) == find(o)
        return p not in self.unnamable and self.store.has(find(s), find(p), find(o))

    def objects(self, s: int, p: int) -> set[int]:
        return self._related(s, p, lambda s, p: self.store.objects(s, p))

    def subjects(self, p: int, o: int) -> set[int]:
        return self._related(o, p, lambda o, p: self.store.subjects(p, o))

    def _related(self, term: int, p: int, lookup) -> set[int]:
        """Every name of the terms `lookup` relates to `term` by p (given their representatives)."""
        if p == SAME_AS:
            return set(self.names(self.find(term))) - {term}
        if p in self.unnamable:
            return set()
        return {name for other in lookup(self.find(term), self.find(p)) for name in self.names(other)}

    def pairs(self, p: int) -> Iterator[tuple[int, int]]:
        if p == SAME_AS:
            for names in list(self.group.values()):
                yield from ((a, b) for a in names for b in names if a != b)
            return
        if p in self.unnamable:
            return
        for s, o in self.store.pairs(self.find(p)):
            for s2 in self.names(s):
                for o2 in self.names(o):
                    yield s2, o2
