"""``localized(item, field)``: a round's or a proposal's text in the page's language when someone translated
it, else the original, knowing which language the text it gives is in.

Templates::

    <h1{{ name.lang_attr }}>{{ name }}</h1>                 {# name = localized(round, "name") #}
    <a href="…">{{ localized(proposal, "title").marked }}</a>  {# in a <span lang> when not the page's language #}
    <title>{{ localized(round, "name") }}</title>            {# plain text: titles, attributes #}
    <div class="prose"{{ text.lang_attr }}>{{ text.markdown() }}</div>   {# sanitised Markdown #}

Pages that show another feature's copy of a proposal (a ballot option, a result) pass the round:
``localized(option, "title", round)`` (``option.id`` is the proposal's id).

A page in the original language reads nothing; otherwise the round's translations in the page's language are
read once per request, in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from flask_babel import get_locale
from markupsafe import Markup, escape
from sqlalchemy import select

from ..extensions import db
from ..i18n import DEFAULT_LOCALE, language_tag, normalise
from ..proposals.markdown import render_markdown
from ..proposals.models import Proposal
from ..rounds.models import Round
from .models import ContentTranslation
from .operations import original_language, round_language


@dataclass(frozen=True)
class LocalizedText:
    """A text, the language it is in (``language``) and the page's (``page``)."""

    text: str
    language: str
    page: str

    @property
    def lang(self) -> str:
        return language_tag(self.language)

    @property
    def fallback(self) -> bool:
        """The text is not in the page's language (nobody translated it)."""
        return self.language != self.page

    @property
    def lang_attr(self) -> Markup:
        """`` lang="en-GB"`` for the element holding the text when it is not in the page's language, else nothing."""
        return Markup(' lang="%s"') % self.lang if self.fallback else Markup("")

    @property
    def marked(self) -> Markup:
        """The text, escaped, inside ``<span lang="…">`` when it is not in the page's language."""
        return Markup("<span%s>%s</span>") % (self.lang_attr, self.text) if self.fallback else escape(self.text)

    def markdown(self) -> Markup:
        """The text as Markdown, rendered and sanitised like every proposal description."""
        return render_markdown(self.text)

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def page_language() -> str:
    locale = get_locale() if has_request_context() else None
    return normalise(str(locale)) if locale else DEFAULT_LOCALE


@dataclass
class _RoundTexts:
    """What one request has read of a round's texts in the page's language."""

    translations: dict[tuple[str, int, str], str]
    proposal_languages: dict[int, str] | None = None


def _round_texts(round_id: int, language: str) -> _RoundTexts:
    cache: dict[tuple[int, str], _RoundTexts] | None = None
    if has_request_context():
        # On the request, not on ``g``: an app context (and its ``g``) can outlive one request.
        cache = request.__dict__.setdefault("pbvote_content_translations", {})
        if (round_id, language) in cache:
            return cache[(round_id, language)]
    rows = db.session.execute(
        select(ContentTranslation.kind, ContentTranslation.object_id, ContentTranslation.field, ContentTranslation.text)
        .where(ContentTranslation.round_id == round_id, ContentTranslation.language == language)
    )
    texts = _RoundTexts({(row.kind, row.object_id, row.field): row.text for row in rows})
    if cache is not None:
        cache[(round_id, language)] = texts
    return texts


def _projection_language(round_: Round, proposal_id: int, texts: _RoundTexts) -> str:
    """The original language of the proposal another feature's object stands for."""
    if texts.proposal_languages is None:
        rows = db.session.execute(
            select(Proposal.id, Proposal.language).where(Proposal.round_id == round_.id, Proposal.language.is_not(None))
        )
        texts.proposal_languages = {row.id: row.language for row in rows}
    return texts.proposal_languages.get(proposal_id) or round_language(round_)


def localized(item: Any, field: str, round: Round | None = None) -> LocalizedText:
    """``item``'s ``field`` in the page's language when translated, else the original (see the module)."""
    page = page_language()
    original = getattr(item, field) or ""
    if isinstance(item, Round):
        kind, round_id, language = "round", item.id, original_language(item)
    elif isinstance(item, Proposal):
        kind, round_id, language = "proposal", item.round_id, original_language(item)
    elif round is not None:
        kind, round_id, language = "proposal", round.id, None
    else:
        raise TypeError(f"localized() needs a Round or a Proposal, or the round of {item!r}")
    if language == page:
        return LocalizedText(original, language, page)
    texts = _round_texts(round_id, page)
    translated = texts.translations.get((kind, item.id, field))
    if translated:
        return LocalizedText(translated, page, page)
    return LocalizedText(original, language or _projection_language(round, item.id, texts), page)
