"""One voter submitting the same ballot 20 times at once through a live gunicorn (2 workers × 4 threads):
every submission is answered, and exactly one ballot is current. The database's partial unique index is what
guarantees it on PostgreSQL (without it, two racing first votes both insert a current ballot)."""

from __future__ import annotations

from sqlalchemy import func, select

from pbvote.voting.models import Ballot

from .conftest import cast_all_at_once, ready_draft

SUBMISSIONS = 20


def test_twenty_simultaneous_casts_leave_one_current_ballot(gunicorn, organisation, create_user, db):
    draft = ready_draft(gunicorn.base_url, organisation, create_user)
    statuses = cast_all_at_once(draft, [draft.browser], SUBMISSIONS)

    assert statuses == [303] * SUBMISSIONS, statuses
    db.session.rollback()
    current = db.session.scalars(
        select(Ballot).where(Ballot.budget_id == draft.budget_id, Ballot.superseded_at.is_(None))
    ).all()
    assert len(current) == 1
    assert current[0].choices == draft.choices
    # A submission that finds the draft already cast is answered with that ballot; one that read the draft
    # just before another committed casts it again on top (superseding it). Nothing else is stored.
    assert 1 <= db.session.scalar(select(func.count()).select_from(Ballot)) <= SUBMISSIONS
