"""Translation pages of a round (its council) and of a proposal (the round's council and the authors): the
translations there are, per language, and a form to add or edit one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..access import role_required, signed_in
from ..accounts.models import Role
from ..database import write_transaction
from ..extensions import db
from ..i18n import _, language_name
from ..proposals.markdown import render_markdown
from ..proposals.models import Proposal
from ..rounds import lifecycle
from ..rounds.models import Round
from ..rounds.operations import refresh_round
from ..rounds.views import round_organisation
from . import operations
from .forms import TranslationForm
from .operations import FIELDS, TranslationError, TranslationForbidden


def may_translate(item: Round | Proposal) -> bool:
    """For templates (``can_translate(round)``): whether the visitor may translate ``item``'s texts."""
    return operations.can_translate(current_user, item)


def _page_url(item: Round | Proposal) -> str:
    if isinstance(item, Round):
        return url_for("content_languages.translate_round", round_id=item.id)
    return url_for("content_languages.translate_proposal", proposal_id=item.id)


def _form(item: Round | Proposal, **kwargs) -> TranslationForm:
    form = TranslationForm(**kwargs)
    form.language.choices = [SelectChoice(code, language_name(code)) for code in operations.target_languages(item)]
    form.field.choices = [SelectChoice(name, label) for name, (label, _limit) in FIELDS[operations.kind_of(item)].items()]
    return form


def _prefilled_form(item: Round | Proposal, translations: dict) -> TranslationForm:
    """The empty form, or the one an "Edit" or "Translate" link names (``?language=cy&field=name``), with the
    translation there is."""
    language, field = request.args.get("language", ""), request.args.get("field", "")
    if language not in operations.target_languages(item) or field not in FIELDS[operations.kind_of(item)]:
        return _form(item, formdata=None)
    existing = translations.get(language, {}).get(field)
    return _form(item, formdata=None, data={"language": language, "field": field, "text": existing.text if existing else ""})


def _translation_page(item: Round | Proposal, reload):
    """GET: the page; POST: save one translation, then back to the page (303)."""
    form = _form(item) if request.method == "POST" else None
    if form is not None and form.validate():
        try:
            with write_transaction():
                changed = operations.save_translation(
                    reload(), current_user, form.language.data or "", form.field.data or "", form.text.data or ""
                )
        except TranslationForbidden:
            abort(403)
        except TranslationError as error:
            for name, message in error.field_errors.items():
                getattr(form, name).errors = [message]
            form.form_errors.append(error.message)
        else:
            flash(_("The translation is saved.") if changed else _("The translation was already this text."),
                  "success")
            return redirect(_page_url(item), code=303)
        item = reload()
    translations = operations.translations_of(item)
    return render_template(
        "content_languages/translations.html",
        item=item,
        kind=operations.kind_of(item),
        round=operations.round_of(item),
        original_language=operations.original_language(item),
        languages=operations.target_languages(item),
        fields=FIELDS[operations.kind_of(item)],
        translations=translations,
        form=form or _prefilled_form(item, translations),
        page_url=_page_url(item),
        markdown_fields={"description"} if isinstance(item, Proposal) else set(),
        render_markdown=render_markdown,
    )


@role_required(Role.COUNCIL, organisation=round_organisation)
def translate_round(round_id: int):
    """The council's translations of the round's name and description (its due phase changes are made before
    the request, as for every route naming a round)."""
    return _translation_page(db.session.get(Round, round_id), lambda: db.session.get(Round, round_id))


@signed_in
def translate_proposal(proposal_id: int):
    """Translations of a proposal: its round's council and its authors (others get 403; a draft round's
    proposal stays 404 outside the organisation, like the proposal itself)."""
    proposal = db.session.get(Proposal, proposal_id)
    round_ = refresh_round(proposal.round_id) if proposal is not None else None
    if round_ is None or not lifecycle.can_view_round(current_user, round_):
        abort(404)
    proposal = db.session.get(Proposal, proposal_id)
    if not operations.can_translate(current_user, proposal):
        abort(403)
    return _translation_page(proposal, lambda: db.session.get(Proposal, proposal_id))
