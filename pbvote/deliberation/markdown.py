"""Comment text: a small Markdown subset rendered through the same two layers as proposal descriptions.

markdown-it-py (raw HTML off, its link validator refusing ``javascript:``/``vbscript:``/``data:`` URLs) then nh3
with a shorter allow-list: paragraphs, emphasis, code, quotes, lists and links — no headings, tables or images —
and every link marked ``rel="nofollow ugc noopener"`` because residents, not the site, vouch for it.
"""

from __future__ import annotations

import functools

import nh3
from markupsafe import Markup

from ..proposals.markdown import ALLOWED_URL_SCHEMES, _parser

COMMENT_TAGS = {"p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
COMMENT_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
COMMENT_LINK_REL = "nofollow ugc noopener"


def render_comment(text: str) -> Markup:
    """Sanitised HTML for a comment's Markdown ``text`` (marked safe only after nh3 has cleaned it)."""
    return Markup(_clean_html(text or ""))


@functools.lru_cache(maxsize=4096)
def _clean_html(text: str) -> str:
    """The rendering itself, remembered per text: a busy thread's page shows the same comments to every reader,
    and the result depends on nothing but the text (a few MB at most; each worker keeps its own)."""
    return nh3.clean(
        _parser.render(text),
        tags=COMMENT_TAGS,
        attributes=COMMENT_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=COMMENT_LINK_REL,
        clean_content_tags={"script", "style"},
    )
