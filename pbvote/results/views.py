"""Results pages: the published results (the council's preview before), comparing rules, publishing, the
downloads and the tracking-code check.

Until the round is published its results are the council's preview: everyone else gets 403 on every page here.
Views never compute an allocation themselves: they call :mod:`.operations`, which goes through the adapter.
"""

from __future__ import annotations

from gettext import NullTranslations

from flask import (
    Response,
    abort,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_translations
from flask_login import current_user

from ..access import public, role_required
from ..accounts.models import Role
from ..database import write_transaction
from ..extensions import db
from ..i18n import _
from ..rounds import lifecycle
from ..rounds.models import Budget, Round
from ..rounds.operations import organisation_id_of_round
from ..safecsv import CSV_MIMETYPE
from . import operations
from .chart import chart_for
from .forms import PublishForm
from .operations import ResultsError, canonical_json

SEE_OTHER = 303


def template_helpers() -> dict:
    """For the round page: ``round_publication(round)`` (None until published)."""
    return {"round_publication": operations.publication_of}


def request_translations() -> NullTranslations:
    """The catalogue the tally's explanations (:mod:`pbvote.tally.explain`) are said with: the request's
    language; English outside a request (commands, stored text)."""
    return get_translations() if has_request_context() else NullTranslations()


def _is_council(round_: Round) -> bool:
    return current_user.is_authenticated and current_user.has_role(Role.COUNCIL, round_.organisation_id)


def _round_with_results(round_id: int) -> Round:
    """The round, if the visitor may see its results: anyone once published, only its council before (403)."""
    round_ = db.session.get(Round, round_id)
    if round_ is None or not lifecycle.can_view_round(current_user, round_):
        abort(404)
    if operations.is_published(round_):
        return round_
    if lifecycle.allows(round_, lifecycle.Action.PUBLISH) and _is_council(round_):
        return round_
    abort(403)


@public
def show_results(round_id: int):
    """Each budget's funded projects, chart, trace in words and the signed-in voter's own ballot's story."""
    round_ = _round_with_results(round_id)
    budgets = []
    for budget, result in operations.results_for_round(round_):
        if result is None:
            continue
        view = operations.budget_results(budget, result)
        ballot = operations.voter_ballot(budget, current_user) if current_user.is_authenticated else None
        story = operations.ballot_story(view, ballot) if ballot is not None else None
        budgets.append((view, chart_for(view), story))
    publication = operations.publication_of(round_)
    return render_template(
        "results/show.html", round=round_, budgets=budgets, publication=publication,
        published=operations.is_published(round_), is_council=_is_council(round_),
        may_download_bundle=_may_download_bundle(round_, publication),
        form=PublishForm(),
    )


@public
def compare_rules(round_id: int, budget_id: int):
    """The budget's outcome side by side with the registry's other rules."""
    round_ = _round_with_results(round_id)
    budget = db.session.get(Budget, budget_id)
    if budget is None or budget.round_id != round_.id:
        abort(404)
    result = operations.result_for(budget)
    if result is None:
        abort(404)
    view = operations.budget_results(budget, result)
    comparisons = operations.compare_rules(budget, result, operations.comparable_rules(result))
    return render_template("results/compare.html", round=round_, view=view, comparisons=comparisons,
                           titles={project.id: project.title for project in view.projects},
                           published=operations.is_published(round_))


def round_organisation(round_id: int) -> int | None:
    """Resolver for the council's routes: the round's organisation (None → 404)."""
    return organisation_id_of_round(round_id)


@role_required(Role.COUNCIL, organisation=round_organisation)
def publish_results(round_id: int):
    """Publish the tallied results (logged in the round's event log)."""
    round_ = db.session.get(Round, round_id)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with write_transaction():
            operations.publish_results(db.session.get(Round, round_id, populate_existing=True), current_user,
                                       bundle_public=bool(form.bundle_public.data))
    except ResultsError as error:
        flash(str(error), "error")
        return redirect(url_for("results.show_results", round_id=round_.id), code=SEE_OTHER)
    flash(_("The results are published."), "success")
    return redirect(url_for("results.show_results", round_id=round_id), code=SEE_OTHER)


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@public
def download_results_csv(round_id: int):
    round_ = _round_with_results(round_id)
    return _download(operations.results_csv(round_), CSV_MIMETYPE, f"round-{round_.id}-results.csv")


@public
def download_results_json(round_id: int):
    round_ = _round_with_results(round_id)
    body = canonical_json(operations.results_document(round_))
    return _download(body, "application/json", f"round-{round_.id}-results.json")


def _may_download_bundle(round_: Round, publication) -> bool:
    if publication is None or not operations.is_published(round_):
        return False
    if publication.bundle_public:
        return True
    return current_user.is_authenticated and (
        current_user.has_role(Role.COUNCIL, round_.organisation_id)
        or current_user.has_role(Role.AUDITOR, round_.organisation_id)
    )


@public
def download_bundle(round_id: int):
    """The signed audit bundle: the public's when the council allowed it, else the council's and auditors'."""
    from ..audit.bundle import build_bundle

    round_ = _round_with_results(round_id)
    if not _may_download_bundle(round_, operations.publication_of(round_)):
        abort(403)
    return _download(build_bundle(round_), "application/zip", f"round-{round_.id}-audit-bundle.zip")


def _published_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or not lifecycle.can_view_round(current_user, round_):
        abort(404)
    if not operations.is_published(round_):
        abort(403)
    return round_


@public
def check_tracking_code(round_id: int):
    """A voter types their tracking code and learns whether their ballot is among the counted ones."""
    round_ = _published_round(round_id)
    code = (request.args.get("code") or "").strip()[:64]
    budget = operations.check_tracking_code(round_, code) if code else None
    return render_template("results/tracking.html", round=round_, code=code, budget=budget)


@public
def check_tracking_code_json(round_id: int):
    """``{"counted": true, "budget": "…"}`` for a counted tracking code, ``{"counted": false}`` otherwise."""
    round_ = _published_round(round_id)
    code = (request.args.get("code") or "").strip()[:64]
    budget = operations.check_tracking_code(round_, code) if code else None
    if budget is None:
        return jsonify(counted=False)
    return jsonify(counted=True, budget_id=budget.id, budget=budget.name)
