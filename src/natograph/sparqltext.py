"""A small SPARQL tokenizer: enough to find keywords and braces outside strings, IRIs and comments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()\[\];,<>"']*)?|:[^\s{}()\[\];,<>"']*)
  | (?P<space>\s+)
  | (?P<punct>.)
    """,
    re.X | re.S,
)


@dataclass(frozen=True)
class Token:
    """One lexical token with its kind and offset in the query text."""

    kind: str
    text: str
    start: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def tokenize(text: str) -> list[Token]:
    """The tokens of a SPARQL text, without whitespace and comments."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, match.group(), match.start()))
    return tokens


def query_form(tokens: list[Token]) -> str | None:
    """SELECT, CONSTRUCT, ASK or DESCRIBE for a query; the first update keyword for an update; or None."""
    for token in tokens:
        if token.is_keyword("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
            return token.text.upper()
        if token.is_keyword(*UPDATE_KEYWORDS):
            return token.text.upper()
    return None


UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


def where_group_offset(text: str) -> int:
    """The offset just after the `{` that opens the query's outermost WHERE group."""
    tokens = tokenize(text)
    form = query_form(tokens)
    depth, opened = 0, 0
    after_where = False
    for token in tokens:
        if token.kind != "punct" and not token.is_keyword("WHERE"):
            continue
        if token.is_keyword("WHERE") and depth == 0:
            after_where = True
        elif token.text == "{":
            if depth == 0:
                opened += 1
                if after_where or form != "CONSTRUCT" or opened == 2:
                    return token.start + 1
            depth += 1
        elif token.text == "}":
            depth -= 1
    raise ValueError("the query has no WHERE group")


def bind_values(text: str, bindings: Mapping[str, object]) -> str:
    """The query with a VALUES block of the bound RDF terms opening its outermost WHERE group.

    Terms are serialised by pyoxigraph (N-Triples syntax, escaped), never taken from user text, and
    the block sits at the start of the group so FILTERs and aggregates of that group see the values.
    """
    if not bindings:
        return text
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(str(term) for term in bindings.values())
    offset = where_group_offset(text)
    return f"{text[:offset]} VALUES ({names}) {{ ({values}) }}{text[offset:]}"
