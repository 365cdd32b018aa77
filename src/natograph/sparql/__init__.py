"""The SPARQL files natograph runs itself (clash and derivation rules, look-ups for the web pages)."""

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def read_query(name: str) -> str:
    """The text of one query file of this package, e.g. `describe-cbd.rq`."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def rule_files(prefix: str) -> list[tuple[dict[str, str], str]]:
    """The `# key: value` header and the text of every query file named `<prefix>*.rq`, in name order."""
    files = []
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda e: e.name):
        if entry.name.startswith(prefix) and entry.name.endswith(".rq"):
            text = entry.read_text(encoding="utf-8")
            header: dict[str, str] = {}
            for line in text.splitlines():
                key, sep, value = line.removeprefix("# ").partition(": ")
                if line.startswith("# ") and sep:
                    header.setdefault(key, value.strip())
            files.append((header, text))
    return files
