"""Two natograph versions give the same bytes: a behaviour-preserving change proven on the project's data.

    python bench/same_answers.py OLD_NATOGRAPH OLD_ROOT NEW_NATOGRAPH NEW_ROOT

OLD_NATOGRAPH and NEW_NATOGRAPH are the `natograph` executables of two checkouts (each in its own virtualenv),
OLD_ROOT and NEW_ROOT project directories holding the same inputs. Both servers run at once; every request of
the list below goes to both, and the bodies, statuses and content types are compared after each server's own
snapshot key and address are written as SNAPSHOT and BASE (a snapshot's key includes the code's fingerprint).
The list: every canned query with its example parameters in every format of its kind and as a page, free
queries in every format, every resource's page and documents, the dumps, VoID, the check report, the landing,
editor, timeline, frameworks, search and class pages. Exit status 1 when any differs; the differences are listed.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from versions import two_servers

SOLUTION_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml", "nq", "trig")
RESOURCE_DOCUMENTS = ("text/html", "text/turtle", "application/ld+json", "application/n-triples", "application/trig")
FREE_QUERIES = (
    "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n) ?type",
    "ASK { natoid:kfor a nato:Operation }",
    "CONSTRUCT { natoid:isaf ?p ?o } WHERE { natoid:isaf ?p ?o }",
    "DESCRIBE natoid:resolute-support",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
)
PAGES = ("/", "/queries", "/query", "/frameworks", "/timeline", "/timeline.svg", "/check", "/ontology",
         "/ontology.ttl", "/void", "/context.jsonld", "/dump/", "/search?q=kosovo", "/class/Operation",
         "/openapi.json", "/.well-known/sparql-examples")
RESOURCES = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), STR(natoid:))) } ORDER BY ?s"


class Server:
    """One running version: its address and snapshot key, and its answers with both written generically."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.key = json.loads(self.fetch("/health", "application/json")[2])["snapshot"]

    def fetch(self, path: str, accept: str) -> tuple[int, str, bytes]:
        request = urllib.request.Request(self.base + path, headers={"Accept": accept})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read()

    def answer(self, path: str, accept: str) -> tuple[int, str, bytes]:
        status, content_type, body = self.fetch(path, accept)
        return status, content_type, body.replace(self.key.encode(), b"SNAPSHOT").replace(self.base.encode(), b"BASE")


def requests(server: Server) -> list[tuple[str, str]]:
    """(path, Accept) of every request compared, read from the catalogue and graph of `server`."""
    listed: list[tuple[str, str]] = [(page, "text/html") for page in PAGES]
    listed += [("/check", "application/json"), ("/void", "text/turtle"), ("/dump/", "application/json")]
    catalogue = json.loads(server.fetch("/queries", "application/json")[2])
    for query in catalogue["queries"]:
        parameters = {p["name"]: p["example"] for p in query["parameters"] if p.get("example")}
        path = f"/queries/{query['name']}?{urllib.parse.urlencode(parameters)}"
        formats = GRAPH_FORMATS if query["form"] in ("CONSTRUCT", "DESCRIBE") else SOLUTION_FORMATS
        listed += [(f"{path}&format={name}", "*/*") for name in formats] + [(path, "text/html")]
    for text in FREE_QUERIES:
        encoded = urllib.parse.quote(text)
        formats = GRAPH_FORMATS if text.startswith(("CONSTRUCT", "DESCRIBE")) else SOLUTION_FORMATS
        listed += [(f"/sparql?query={encoded}&format={name}", "*/*") for name in formats]
    dumps = json.loads(server.fetch("/dump/", "application/json")[2])
    listed += [(entry["url"], "*/*") for entry in dumps["dumps"]]
    rows = json.loads(server.fetch(f"/sparql?query={urllib.parse.quote(RESOURCES)}&format=json", "*/*")[2])
    for row in rows["results"]["bindings"]:
        path = urllib.parse.urlsplit(row["s"]["value"]).path
        path = path[path.index("/id/"):] if "/id/" in path else path
        listed += [(path, accept) for accept in RESOURCE_DOCUMENTS]
    return listed


def main(old_executable: str, old_root: str, new_executable: str, new_root: str) -> int:
    ports = {"old": 8971, "new": 8972}
    with two_servers(old_executable, old_root, new_executable, new_root, ports):
        old, new = Server(ports["old"]), Server(ports["new"])
        listed = requests(new)
        different = [(path, accept) for path, accept in listed if old.answer(path, accept) != new.answer(path, accept)]
    print(f"{len(listed) - len(different)} of {len(listed)} answers byte-identical "
          f"(snapshot keys and addresses written generically)")
    for path, accept in different:
        print(f"  differs: {path} (Accept: {accept})")
    return 1 if different else 0


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
