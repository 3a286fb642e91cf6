"""Who may vote in a round: open registration, an uploaded voter roll, and one-time voter codes.

The roll import is all-or-nothing: every bad row is reported and nothing is saved until the file is clean.
Voter codes are drawn from an alphabet without look-alike characters, carry 80 bits of entropy and are stored
only as SHA-256 (a fast hash is enough for random 80-bit secrets; there is nothing to brute-force).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from ..accounts.models import Role, User
from ..extensions import db
from ..i18n import _, number
from ..safecsv import FORMULA_TRIGGERS
from .events import EventKind, append_event
from .lifecycle import Action, RoundError, require_action
from .models import District, Round, RoundVoter, VoterCode, VoterRollEntry, VoterSource, utcnow

# --------------------------------------------------------------------------------------------------------------
# Voter roll
# --------------------------------------------------------------------------------------------------------------

ROLL_MAX_BYTES = 5 * 1024 * 1024
ROLL_MAX_ROWS = 200_000
IDENTIFIER_MAX = 254
ID_COLUMNS = ("email", "external_id")
KNOWN_COLUMNS = (*ID_COLUMNS, "district")
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")


@dataclass(frozen=True)
class RollProblem:
    """One bad row (``line`` 0 = the file as a whole) with the kind of problem and a message for people."""

    line: int
    kind: str
    message: str


@dataclass
class RollReport:
    """The outcome of checking (and, when clean, importing) a voter roll."""

    problems: list[RollProblem] = field(default_factory=list)
    rows: int = 0
    imported: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def kinds(self) -> set[str]:
        return {problem.kind for problem in self.problems}

    def add(self, line: int, kind: str, message: str) -> None:
        self.problems.append(RollProblem(line, kind, message))


def check_voter_roll(round_: Round, data: bytes) -> tuple[RollReport, list[VoterRollEntry]]:
    """Parse and check an uploaded roll; return the report and, when it is clean, the entries to add."""
    report = RollReport()
    if not data or not data.strip():
        report.add(0, "empty_file", _("The file is empty."))
        return report, []
    if len(data) > ROLL_MAX_BYTES:
        report.add(0, "file_too_large", _("The file is larger than %(size)s MB.", size=ROLL_MAX_BYTES // (1024 * 1024)))
        return report, []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.add(line, "wrong_encoding", _("Line %(line)s is not UTF-8 text: save the file as “CSV UTF-8”.", line=line))
        return report, []
    if "\x00" in text:
        report.add(0, "wrong_encoding", _("The file contains NUL bytes: it is not a CSV text file."))
        return report, []

    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        report.add(1, "header_missing", _("The first line must name the columns: email or external_id, district."))
        return report, []
    columns = [column.strip().lower() for column in header]
    id_columns = [column for column in columns if column in ID_COLUMNS]
    if not any(column in KNOWN_COLUMNS for column in columns):
        report.add(1, "header_missing", _("The first line must name the columns: email or external_id, district."))
        return report, []
    if not id_columns:
        report.add(1, "missing_column", _("The file needs an “email” or an “external_id” column."))
    if len(id_columns) > 1:
        report.add(1, "ambiguous_columns", _("Use either an “email” or an “external_id” column, not both."))
    needs_district = bool(round_.districts)
    if needs_district and "district" not in columns:
        report.add(1, "missing_column", _("The file needs a “district” column: this round has districts."))
    unknown = [column for column in columns if column not in KNOWN_COLUMNS]
    if unknown:
        report.add(1, "extra_columns", _("Unknown columns: %(columns)s (allowed: %(allowed)s).",
                                         columns=", ".join(unknown), allowed=", ".join(KNOWN_COLUMNS)))
    duplicate_headers = {c for c in columns if columns.count(c) > 1}
    if duplicate_headers:
        report.add(1, "duplicate_column", _("Columns named twice: %(columns)s.",
                                            columns=", ".join(sorted(duplicate_headers))))
    if not report.ok:
        return report, []

    id_column = id_columns[0]
    id_index = columns.index(id_column)
    district_index = columns.index("district") if "district" in columns else None
    districts = {district.name.casefold(): district for district in round_.districts}
    existing = set(
        db.session.scalars(select(VoterRollEntry.identifier).where(VoterRollEntry.round_id == round_.id))
    )
    seen: dict[str, int] = {}
    entries: list[VoterRollEntry] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines are harmless
            report.rows += 1
            if report.rows > ROLL_MAX_ROWS:
                report.add(line, "too_many_rows", _("The roll has more than %(max)s rows.", max=number(ROLL_MAX_ROWS)))
                break
            if len(row) != len(columns):
                report.add(line, "wrong_column_count", _("Line %(line)s has %(cells)s cells; the header has %(columns)s.",
                                                         line=line, cells=len(row), columns=len(columns)))
                continue
            raw = row[id_index].strip()
            district_name = row[district_index].strip() if district_index is not None else ""
            row_ok = True
            for cell in (raw, district_name):
                if cell.startswith(FORMULA_TRIGGERS):  # a spreadsheet would run it (CSV injection)
                    report.add(line, "formula", _("Line %(line)s: “%(cell)s” looks like a spreadsheet formula.",
                                                  line=line, cell=cell[:40]))
                    row_ok = False
                    break
            if not row_ok:
                continue
            if not raw:
                report.add(line, "empty_id", _("Line %(line)s: the %(column)s is empty.", line=line, column=id_column))
                continue
            if len(raw) > IDENTIFIER_MAX:
                report.add(line, "too_long", _("Line %(line)s: the %(column)s is longer than %(max)s characters.",
                                               line=line, column=id_column, max=IDENTIFIER_MAX))
                continue
            if id_column == "email":
                try:
                    identifier = validate_email(raw, check_deliverability=False).normalized.lower()
                except EmailNotValidError:
                    report.add(line, "bad_email", _("Line %(line)s: “%(email)s” is not an email address.", line=line,
                                                    email=raw[:60]))
                    continue
            else:
                if not EXTERNAL_ID.match(raw):
                    report.add(
                        line, "bad_external_id",
                        _("Line %(line)s: “%(id)s” is not a valid external id (letters, digits and . _ : / -).",
                          line=line, id=raw[:60]),
                    )
                    continue
                identifier = raw
            district = None
            if needs_district:
                if not district_name:
                    report.add(line, "missing_district", _("Line %(line)s: the district is empty.", line=line))
                    continue
                district = districts.get(district_name.casefold())
                if district is None:
                    report.add(line, "unknown_district", _("Line %(line)s: “%(district)s” is not a district of this round.",
                                                           line=line, district=district_name[:60]))
                    continue
            elif district_name:
                report.add(line, "unknown_district", _("Line %(line)s: this round has no districts, but “%(district)s” is given.",
                                                       line=line, district=district_name[:60]))
                continue
            key = identifier.casefold()
            if key in seen:
                report.add(line, "duplicate_in_file", _("Line %(line)s: %(id)s is also on line %(other)s.", line=line,
                                                        id=identifier, other=seen[key]))
                continue
            seen[key] = line
            if identifier in existing:
                report.add(line, "already_on_roll", _("Line %(line)s: %(id)s is already on this round's roll.", line=line,
                                                      id=identifier))
                continue
            entries.append(
                VoterRollEntry(
                    round_id=round_.id,
                    identifier=identifier,
                    kind="email" if id_column == "email" else "external_id",
                    district_id=district.id if district else None,
                )
            )
    except csv.Error as error:
        report.add(reader.line_num, "malformed_csv", _("Line %(line)s: the CSV cannot be read (%(error)s).",
                                                       line=reader.line_num, error=error))
    if report.ok and not entries:
        report.add(0, "no_rows", _("The file has a header but no voters."))
    return report, (entries if report.ok else [])


def import_voter_roll(round_: Round, actor: Any, data: bytes, filename: str = "") -> RollReport:
    """Check a roll and, only when every row is good, add all of it (one event in the log)."""
    require_action(round_, Action.MANAGE_VOTERS)
    report, entries = check_voter_roll(round_, data)
    if not report.ok:
        return report
    db.session.add_all(entries)
    db.session.flush()
    report.imported = len(entries)
    append_event(
        round_,
        EventKind.VOTER_ROLL_IMPORTED,
        actor,
        {"filename": filename[:255], "rows": len(entries), "sha256": hashlib.sha256(data).hexdigest()},
    )
    # People already signed up with a listed email become voters right away.
    for entry in entries:
        if entry.kind == "email":
            user = db.session.scalar(select(User).where(User.email == entry.identifier))
            if user is not None:
                _make_voter(round_, user, entry.district_id, VoterSource.ROLL, entry)
    return report


def roll_size(round_: Round) -> int:
    return db.session.scalar(select(func.count()).where(VoterRollEntry.round_id == round_.id)) or 0


# --------------------------------------------------------------------------------------------------------------
# Voters
# --------------------------------------------------------------------------------------------------------------


class VoterError(RoundError):
    """A registration or code claim that cannot be accepted (shown to the person)."""


def voter_record(round_: Round, user: Any) -> RoundVoter | None:
    """The user's voter record in the round, if they have one."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(RoundVoter).where(RoundVoter.round_id == round_.id, RoundVoter.user_id == user.id)
    )


def _make_voter(round_: Round, user: User, district_id: int | None, source: VoterSource,
                roll_entry: VoterRollEntry | None = None) -> RoundVoter:
    existing = db.session.scalar(
        select(RoundVoter).where(RoundVoter.round_id == round_.id, RoundVoter.user_id == user.id)
    )
    if existing is not None:
        return existing
    if roll_entry is not None:
        # A roll voter whose paper ballot was entered before they had an account: the record (and its ballots)
        # becomes theirs, so they cannot vote a second time online.
        paper_voter = db.session.scalar(select(RoundVoter).where(RoundVoter.roll_entry_id == roll_entry.id))
        if paper_voter is not None:
            paper_voter.user_id = user.id
            db.session.flush()
            return paper_voter
    voter = RoundVoter(round_id=round_.id, user_id=user.id, district_id=district_id, source=source.value,
                       roll_entry_id=roll_entry.id if roll_entry is not None else None)
    db.session.add(voter)
    db.session.flush()
    return voter


class NotEligible(VoterError):
    """The person may not become a voter of this round at all (the view answers 403)."""


def _roll_entry(round_: Round, user: User) -> VoterRollEntry | None:
    return db.session.scalar(
        select(VoterRollEntry).where(VoterRollEntry.round_id == round_.id, VoterRollEntry.identifier == user.email)
    )


def check_eligibility(round_: Round, user: User) -> None:
    """Raise :class:`NotEligible` unless ``user`` is a resident of the round's organisation, on its roll, or
    already one of its voters (by a code, say).

    The roll is the council's explicit list of who may vote, so it counts whatever organisation the account
    was registered in; without it, a round is for its own organisation's residents only. A voter-code identity
    is a voter of its own round only.
    """
    if voter_record(round_, user) is not None:
        return
    _refuse_code_identity(user)
    if user.has_role(Role.RESIDENT, round_.organisation_id) or _roll_entry(round_, user) is not None:
        return
    raise NotEligible(_("Only residents of %(organisation)s (or people on the round's voter roll) may vote in "
                        "this round.", organisation=round_.organisation.name))


#: The reserved domain (RFC 2606) of the identities that claiming a voter code creates.
CODE_IDENTITY_DOMAIN = "@voters.invalid"


def is_code_identity(user: Any) -> bool:
    """Someone signed in with a voter code only: such an identity may vote in that code's round, nothing else."""
    return bool(user is not None and (getattr(user, "email", "") or "").endswith(CODE_IDENTITY_DOMAIN))


def _refuse_code_identity(user: Any) -> None:
    if is_code_identity(user):
        raise NotEligible(_("You signed in with a voter code, which lets you vote in that code's round only. "
                            "Register an account to take part in other rounds."))


def register_voter(round_: Round, user: User, district_id: int | None) -> RoundVoter:
    """A signed-in resident of the round's organisation (or a person on its roll) joins the round's voters:
    in the roll's district, else (open registration) in the district they live in."""
    require_action(round_, Action.REGISTER_VOTER)
    _refuse_code_identity(user)
    if voter_record(round_, user) is not None:
        raise VoterError(_("You are already registered to vote in this round."))
    check_eligibility(round_, user)
    roll_entry = _roll_entry(round_, user)
    if roll_entry is not None:
        return _make_voter(round_, user, roll_entry.district_id, VoterSource.ROLL, roll_entry)
    if not round_.open_registration:
        raise VoterError(_("This round has no open registration: vote with the code from your letter."))
    if round_.districts:
        if district_id not in {district.id for district in round_.districts}:
            raise VoterError(_("Choose the district you live in."))
    else:
        district_id = None
    return _make_voter(round_, user, district_id, VoterSource.REGISTRATION)


# --------------------------------------------------------------------------------------------------------------
# Voter codes
# --------------------------------------------------------------------------------------------------------------

#: No 0/O, 1/I/L, 2/Z, 5/S, 8/B: codes are typed from paper.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 18  # 25^18 ≈ 2^83.6
CODE_GROUP = 6
MAX_CODES_PER_BATCH = 20_000


def normalise_code(text: str) -> str:
    """What a person typed → the bare code: upper case, no spaces or dashes."""
    return re.sub(r"[\s-]", "", (text or "")).upper()


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "ignore")).hexdigest()


def format_code(code: str) -> str:
    """``ABCDEFGHJKMN…`` → ``ABCDEF-GHJKMN-…`` for printing."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


@dataclass(frozen=True)
class IssuedCode:
    """A code as handed out once (the database keeps only its hash)."""

    code: str
    district: str | None

    @property
    def printed(self) -> str:
        return format_code(self.code)


def generate_voter_codes(round_: Round, actor: Any, count: int, district_id: int | None = None) -> list[IssuedCode]:
    """Make ``count`` new one-time codes (optionally tied to a district); returns them in clear, once."""
    require_action(round_, Action.MANAGE_VOTERS)
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise VoterError(_("Make between %(min)s and %(max)s codes at a time.", min=1,
                           max=number(MAX_CODES_PER_BATCH)))
    district = None
    if round_.districts:
        district = next((d for d in round_.districts if d.id == district_id), None)
        if district is None:
            raise VoterError(_("Choose the district these codes are for."))
    batch = (db.session.scalar(select(func.max(VoterCode.batch)).where(VoterCode.round_id == round_.id)) or 0) + 1
    issued: list[IssuedCode] = []
    for _position in range(count):
        code = "".join(secrets.choice(CODE_ALPHABET) for _letter in range(CODE_LENGTH))
        db.session.add(
            VoterCode(round_id=round_.id, code_hash=hash_code(code), district_id=district and district.id, batch=batch)
        )
        issued.append(IssuedCode(code, district.name if district else None))
    db.session.flush()
    append_event(
        round_,
        EventKind.VOTER_CODES_GENERATED,
        actor,
        {"batch": batch, "count": count, "district": district.name if district else None},
    )
    return issued


def code_counts(round_: Round) -> tuple[int, int]:
    """(codes issued, codes claimed) for the round."""
    issued = db.session.scalar(select(func.count()).where(VoterCode.round_id == round_.id)) or 0
    claimed = (
        db.session.scalar(
            select(func.count()).where(VoterCode.round_id == round_.id, VoterCode.claimed_at.is_not(None))
        )
        or 0
    )
    return issued, claimed


def claim_voter_code(round_: Round, code: str, user: Any = None, display_name: str = "") -> User:
    """Claim a one-time code: the signed-in ``user`` (or a new code-only identity named ``display_name``)
    becomes a voter of the round, in the code's district. Each code works once.

    The caller runs this inside ``write_transaction()`` so two people typing the same code cannot both win.
    """
    require_action(round_, Action.REGISTER_VOTER)
    cleaned = normalise_code(code)
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        raise VoterError(_("That is not a voter code: check it against your letter."))
    record = db.session.scalar(
        select(VoterCode).where(VoterCode.round_id == round_.id, VoterCode.code_hash == hash_code(cleaned))
    )
    if record is None:
        raise VoterError(_("That code does not belong to this round: check it against your letter."))
    if record.claimed_at is not None:
        raise VoterError(_("That code has already been used."))
    if user is not None and getattr(user, "is_authenticated", False):
        _refuse_code_identity(user)
        if voter_record(round_, user) is not None:
            raise VoterError(_("You are already a voter in this round; keep the code for someone else."))
    else:
        name = (display_name or "").strip()[:100] or "Voter"
        # A code-only identity: no password, reachable only through this session. The reserved .invalid
        # domain (RFC 2606) guarantees the address never belongs to anyone.
        user = User(
            email=f"code-{secrets.token_hex(12)}{CODE_IDENTITY_DOMAIN}",
            display_name=name,
            password_hash=None,
            email_confirmed_at=utcnow(),
            organisation_id=round_.organisation_id,
        )
        db.session.add(user)
        db.session.flush()
    record.claimed_at = utcnow()
    record.claimed_by_id = user.id
    _make_voter(round_, user, record.district_id, VoterSource.CODE)
    return user


def district_name(district: District | None) -> str:
    return district.name if district else ""
