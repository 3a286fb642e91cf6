"""Proposal descriptions: Markdown written by residents, rendered to HTML that is safe to show.

Two layers, on purpose. markdown-it-py runs in its "js-default" preset (CommonMark plus tables and
strikethrough) with raw HTML turned off, so ``<script>`` typed by a resident comes out as text and its link
validator drops ``javascript:`` URLs. nh3 (the ammonia sanitiser) then keeps only an allow-list of tags,
attributes and URL schemes, so a parser bug or a future option change cannot smuggle markup through.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Headings start at h2 in the allow-list because the proposal title is the page's h1; an h1 in a
# description is reduced to its text by nh3.
ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}
# No style attributes: the Content-Security-Policy forbids inline styles, so table alignment is dropped.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_parser = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text: str) -> Markup:
    """Return sanitised HTML for the Markdown ``text``, marked safe for Jinja only after nh3 has cleaned it."""
    raw = _parser.render(text or "")
    clean = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        clean_content_tags={"script", "style"},
    )
    return Markup(clean)
