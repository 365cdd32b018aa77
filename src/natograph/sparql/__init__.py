"""The SPARQL files natograph runs itself, by what they serve.

Here: the look-ups of the pages, dumps and VoID. `rules/`: the OWL 2 RL rules that derive triples, as queries
(`derive-*`, for explanations; the clash rules are the reasoner's, build/reasoner/clashes.py). `shacl/`: the
queries the SHACL compiler runs.
"""

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def read_query(name: str, *, folder: str | None = None) -> str:
    """The text of one query file of this package (or of its `folder`), e.g. `describe-cbd.rq`."""
    directory = resources.files(__name__)
    if folder:
        directory = directory.joinpath(folder)
    return directory.joinpath(name).read_text(encoding="utf-8")


def rule_files(prefix: str) -> list[tuple[dict[str, str], str]]:
    """The `# key: value` header and the text of every rule file named `<prefix>*.rq` (in `rules/`), in name order."""
    files = []
    for entry in sorted(resources.files(__name__).joinpath("rules").iterdir(), key=lambda e: e.name):
        if entry.name.startswith(prefix) and entry.name.endswith(".rq"):
            text = entry.read_text(encoding="utf-8")
            header: dict[str, str] = {}
            for line in text.splitlines():
                key, sep, value = line.removeprefix("# ").partition(": ")
                if line.startswith("# ") and sep:
                    header.setdefault(key, value.strip())
            files.append((header, text))
    return files
