"""A small, safe subset of Markdown for the catalogue's descriptions: paragraphs, `code`, **strong**, *emphasis*, links.

Everything is escaped first; only these constructs become markup, and a link only to a web address or a path
on this server (never `javascript:`).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*(.+?)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|/)[^\s)]*)\)")


def render_markdown(text: str) -> Markup:
    """The text as HTML: one <p> per block separated by a blank line, with inline code, strong, emphasis and links."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text or "") if block.strip()]
    return Markup("".join(f"<p>{_inline(block)}</p>" for block in blocks))


def render_inline(text: str) -> Markup:
    """One line of the subset as HTML, without a paragraph around it."""
    return Markup(_inline(text or ""))


def _inline(text: str) -> str:
    # Code spans are set aside first so that nothing inside them is read as Markdown.
    spans: list[str] = []

    def keep_code(match: re.Match) -> str:
        spans.append(f"<code>{match.group(1)}</code>")
        return f"\x00{len(spans) - 1}\x00"

    html = str(escape(text))
    html = _CODE.sub(keep_code, html)
    html = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', html)
    html = _STRONG.sub(r"<strong>\1</strong>", html)
    html = _EMPHASIS.sub(r"<em>\1</em>", html)
    return re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], html)
