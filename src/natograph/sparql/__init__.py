"""The SPARQL files natograph runs itself (clash and derivation rules, look-ups for the web pages)."""

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def read_query(name: str) -> str:
    """The text of one query file of this package, e.g. `describe-cbd.rq`."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
