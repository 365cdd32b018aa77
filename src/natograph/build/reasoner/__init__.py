"""natograph's own OWL 2 RL reasoner: the terminology compiled into plans, facts chained semi-naively.

Equal individuals (owl:sameAs) share one representative while the rules run and are expanded
back into all their names only when the closure is read out, so equality never multiplies
the facts the rules work on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pyoxigraph as ox

from .clashes import CLASH_RULES, ReasonerClash, clashes_in
from .engine import Engine


@dataclass
class Entailment:
    """What a reasoner concluded: the entailed triples that were not asserted, and the clashes in the closure."""

    triples: list[tuple]
    messages: list[ReasonerClash]


def closure(asserted: list[ox.Triple], *, progress: Callable[[str], None] | None = None) -> Entailment:
    """The OWL 2 RL closure of `asserted`, minus the asserted triples (generalised RDF: literals may be subjects)."""
    engine = Engine(asserted, progress=progress)
    engine.run()
    return Entailment(list(engine.entailed()), engine.messages)
