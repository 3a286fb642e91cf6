"""The rules of translations: which texts can be translated, their original language, who may translate
them, and saving one. Callers own the transaction (views wrap :func:`save_translation` in
``write_transaction()``); every refusal a person can cause is a :class:`TranslationError` with a message
written for them."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import get_locale
from sqlalchemy import select

from ..accounts.models import Role, User
from ..extensions import db
from ..i18n import DEFAULT_LOCALE, LANGUAGES, _, _l, normalise, number
from ..proposals.models import Proposal
from ..rounds.events import append_event
from ..rounds.models import Round, RoundState
from .models import ContentTranslation

#: The translatable texts of each kind of content: field → (label, longest text allowed), as the originals.
FIELDS: dict[str, dict[str, tuple[Any, int]]] = {
    "round": {"name": (_l("Name"), 150), "description": (_l("Description"), 10_000)},
    "proposal": {"title": (_l("Title"), 150), "summary": (_l("Summary"), 500), "description": (_l("Description"), 20_000)},
}

#: The round's log records every change the council makes to a translation of the round's texts.
TRANSLATION_CHANGED = "translation_changed"

#: Authors translate their proposal until voting opens; from then on the ballot's texts change only by the
#: council, in the round's log.
AUTHOR_STATES = frozenset({RoundState.DRAFT.value, RoundState.PROPOSALS.value, RoundState.REVIEW.value,
                           RoundState.DELIBERATION.value})


class TranslationError(Exception):
    """Something a person asked for that the rules refuse; ``field_errors`` maps form fields to messages."""

    def __init__(self, message: str, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class TranslationForbidden(TranslationError):
    """The person may not translate this text."""


def kind_of(item: Round | Proposal) -> str:
    return "round" if isinstance(item, Round) else "proposal"


def round_of(item: Round | Proposal) -> Round:
    return item if isinstance(item, Round) else db.session.get(Round, item.round_id)


def round_language(round_: Round) -> str:
    """A round's texts are written in its organisation's default language."""
    return normalise(round_.organisation.default_language) or DEFAULT_LOCALE


def original_language(item: Round | Proposal) -> str:
    """The language ``item``'s own texts are written in (a code of ``LANGUAGES``)."""
    if isinstance(item, Proposal) and item.language:
        return item.language
    return round_language(round_of(item))


def writing_language(author: User, round_: Round) -> str:
    """The language a proposal is written in when it is submitted: the page's language (the author's choice,
    their browser's or the organisation's), else the author's chosen one, else the organisation's."""
    if has_request_context() and get_locale() is not None:
        return normalise(str(get_locale())) or round_language(round_)
    return normalise(author.language) or round_language(round_)


def _is_council(user: Any, round_: Round) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_role(Role.COUNCIL, round_.organisation_id))


def can_translate(user: Any, item: Round | Proposal) -> bool:
    """The round's council translates the round and its proposals, at any time; a proposal's authors
    translate their proposal until voting opens."""
    round_ = round_of(item)
    if _is_council(user, round_):
        return True
    return isinstance(item, Proposal) and item.is_author(user) and round_.state in AUTHOR_STATES


def target_languages(item: Round | Proposal) -> list[str]:
    """The languages ``item`` can be translated into: all but its original one."""
    original = original_language(item)
    return [code for code in LANGUAGES if code != original]


def translations_of(item: Round | Proposal) -> dict[str, dict[str, ContentTranslation]]:
    """``item``'s translations: language → field → translation."""
    found: dict[str, dict[str, ContentTranslation]] = {}
    rows = db.session.scalars(
        select(ContentTranslation)
        .where(ContentTranslation.kind == kind_of(item), ContentTranslation.object_id == item.id)
        .order_by(ContentTranslation.language, ContentTranslation.field)
    )
    for row in rows:
        found.setdefault(row.language, {})[row.field] = row
    return found


def _validate(item: Round | Proposal, language: str, field: str, text: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    fields = FIELDS[kind_of(item)]
    if language not in target_languages(item):
        errors["language"] = _("Choose one of the languages offered.")
    if field not in fields:
        errors["field"] = _("Choose one of the texts offered.")
    if not text:
        errors["text"] = _("Write the translation.")
    elif field in fields and len(text) > fields[field][1]:
        errors["text"] = _("Keep the translation under %(limit)s characters.", limit=number(fields[field][1]))
    return errors


def save_translation(item: Round | Proposal, user: User, language: str, field: str, text: str) -> bool:
    """Add or replace the ``language`` text of ``item``'s ``field``; False when it was already that text.
    A council member's change goes into the round's log."""
    round_ = round_of(item)
    if not can_translate(user, item):
        raise TranslationForbidden(_("You may not translate this text."))
    text = text.replace("\r\n", "\n").strip()
    errors = _validate(item, language, field, text)
    if errors:
        raise TranslationError(_("Please correct the marked fields."), errors)
    kind = kind_of(item)
    row = db.session.scalar(select(ContentTranslation).where(
        ContentTranslation.kind == kind, ContentTranslation.object_id == item.id,
        ContentTranslation.field == field, ContentTranslation.language == language,
    ))
    before = row.text if row else None
    if before == text:
        return False
    if row is None:
        row = ContentTranslation(kind=kind, object_id=item.id, round_id=round_.id, field=field, language=language)
        db.session.add(row)
    row.text = text
    row.translated_by_id = user.id
    db.session.flush()
    if _is_council(user, round_):
        append_event(round_, TRANSLATION_CHANGED, user, {
            "kind": kind, "object_id": item.id, "field": field, "language": language,
            "text": {"from": before, "to": text},
        })
    return True
