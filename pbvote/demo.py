"""Demo data for ``pbvote demo``: three organisations and an account for every role, seeded idempotently.

``seed_demo()`` may run any number of times: it creates what is missing and leaves the rest alone. Features add
their own demo content (rounds, proposals, ballots …) through a function of theirs called at the end of
``seed_demo`` with the :class:`DemoData` made here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from .accounts.models import Organisation, Role, RoleGrant, User, utcnow
from .accounts.operations import hash_password
from .database import write_transaction
from .extensions import db

#: Every demo account signs in with this password (shown by ``pbvote demo``; never use it elsewhere).
DEMO_PASSWORD = "demo-password-2024"

DEMO_ORGANISATIONS = (
    ("riverside", "Riverside City Council"),
    ("hillview", "Hillview Housing Association"),
    # The municipality of a real past round (pbvote/demo_data): its round is imported, it has no accounts.
    ("assen", "Gemeente Assen"),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    organisation: str  # slug
    roles: tuple[Role, ...]
    district: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("resident@riverside.example", "Rita Resident", "riverside", (Role.RESIDENT,), "Old Town"),
    DemoAccount("moderator@riverside.example", "Milo Moderator", "riverside", (Role.RESIDENT, Role.MODERATOR)),
    DemoAccount("council@riverside.example", "Carmen Council", "riverside", (Role.RESIDENT, Role.COUNCIL)),
    DemoAccount("auditor@riverside.example", "Aiko Auditor", "riverside", (Role.AUDITOR,)),
    DemoAccount("resident@hillview.example", "Hugo Hillview", "hillview", (Role.RESIDENT,), "North Block"),
    DemoAccount("council@hillview.example", "Hana Hillview-Council", "hillview", (Role.RESIDENT, Role.COUNCIL)),
)


@dataclass
class DemoData:
    """What the accounts part of the demo made, for features seeding their own content."""

    organisations: dict[str, Organisation] = field(default_factory=dict)  # by slug
    users: dict[str, User] = field(default_factory=dict)  # by email
    # The round open for voting and an unclaimed voter code for it (printed by ``pbvote demo``).
    voting_round_id: int | None = None
    voter_code: str = ""
    # The round whose results are published (cast ballots, equal shares, compared with greedy).
    results_round_id: int | None = None


def seed_accounts() -> DemoData:
    """Create the demo organisations, accounts and role grants that are missing."""
    data = DemoData()
    with write_transaction() as session:
        for slug, name in DEMO_ORGANISATIONS:
            organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
            if organisation is None:
                organisation = Organisation(slug=slug, name=name)
                session.add(organisation)
            data.organisations[slug] = organisation
        session.flush()

        password_hash = None
        for account in DEMO_ACCOUNTS:
            organisation = data.organisations[account.organisation]
            user = session.scalar(select(User).where(User.email == account.email))
            if user is None:
                password_hash = password_hash or hash_password(DEMO_PASSWORD)
                user = User(
                    email=account.email,
                    display_name=account.display_name,
                    password_hash=password_hash,
                    email_confirmed_at=utcnow(),
                    district=account.district,
                    organisation=organisation,
                )
                session.add(user)
            held = {(grant.role, grant.organisation_id) for grant in user.role_grants}
            for role in account.roles:
                if (role.value, organisation.id) not in held:
                    user.role_grants.append(RoleGrant(organisation=organisation, role=role.value))
            data.users[account.email] = user
    return data


def seed_demo() -> DemoData:
    """Seed everything the demo shows; safe to run again."""
    data = seed_accounts()
    # Features add their demo content below, each through its own function taking ``data``.
    from .accountability.demo import seed_progress
    from .content_languages.demo import seed_translations
    from .deliberation.demo import seed_threads
    from .proposals.demo import seed_proposals
    from .results.demo import seed_results
    from .rounds.demo import seed_rounds
    from .voting.demo import seed_voting

    seed_rounds(data)
    seed_proposals(data)  # after the rounds: proposals go into them
    data.voting_round_id, data.voter_code = seed_voting(data)
    seed_threads(data)  # after the proposals (the voting round's too): discussions are about them
    data.results_round_id = seed_results(data)
    seed_progress(data, data.results_round_id)  # after the results: updates are on the funded projects
    seed_translations(data)  # after the voting round: Welsh texts for it and some of its projects
    return data


def demo_accounts_table() -> list[tuple[str, str, str, str]]:
    """(email, password, organisation name, roles) for every demo account, for printing."""
    rows = []
    names = dict(DEMO_ORGANISATIONS)
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == account.email))
        roles = sorted({grant.role for grant in user.role_grants}) if user else [r.value for r in account.roles]
        rows.append((account.email, DEMO_PASSWORD, names[account.organisation], ", ".join(roles)))
    return rows
