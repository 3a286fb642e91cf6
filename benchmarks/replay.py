"""Replay a real election through the platform: every ballot of a pabulib file cast over the JSON API.

    python benchmarks/replay.py FILE.pb --db sqlite|postgresql [--clients 16] [--workers 2] [--threads 4]

(``make replay PB=FILE.pb DB=…`` installs pbvote and runs this.) What happens, in order:

1. a fresh database (a SQLite file in a temporary folder, or a new PostgreSQL database on
   ``--postgres-url``, dropped at the end) is migrated;
2. an organisation, a council member and a round are made through pbvote's own operations: one citywide
   budget of the file's ``budget``, the file's projects as proposals (submitted, then reviewed feasible, in
   file order, so ties break as in the file), and the ballot the file describes (vote type, min/max length,
   points per rank or points to share). Money is whole currency units in pabulib; costs and the budget are
   scaled by 100 into minor units, which keeps every outcome. The allocation rule is the file's META ``rule``
   (``pbvote.tally.rule_for_meta``);
3. ``pbvote serve`` starts gunicorn (``--workers`` processes, default 2) on a free port;
4. over the JSON API: the council signs in, makes one voter code per ballot and opens voting; then
   ``--clients`` concurrent clients each take ballots from the file, sign in with a code
   (``POST /api/v1/tokens/voter-code``) and cast it (``POST …/ballot``), as a kiosk would;
5. the council closes voting over the API, which tallies through ``pbvote.voting.operations.close_voting``
   (the platform's own path: database rows → ``results.adapter`` → ``pbvote.tally``);
6. every acknowledged tracking code is looked up among the stored current ballots.

The last line printed is
``replay FILE: ballots N, acknowledged A, stored S, lost L, R ballots/s, p50 X ms, p95 Y ms, p99 Z ms,
errors E, official outcome: yes|no|n/a`` where R counts ballots acknowledged per second of the casting phase's
wall clock (the code sign-ins before it are timed apart, on the line before), the percentiles are those of the
cast requests, E counts requests that did not succeed, S the acknowledged ballots found stored (and current),
L = A − S, and the outcome compares the funded projects with the file's ``selected`` column (n/a when it has
none). Exit status 1 on any lost ballot, any error or a different outcome; 2 when the file cannot be replayed.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pbvote.tally import Election, pabulib, rule_for_meta

#: pabulib money is whole currency units; the platform stores minor units.
MONEY_SCALE = 100
CODES_PER_REQUEST = 20_000
COUNCIL_EMAIL = "replay-council@replay.example"
FALLBACK_RULE = "greedy"


class ReplayError(Exception):
    """The file cannot be replayed (the message says why)."""


# --------------------------------------------------------------------------------------------------------------
# The file: its ballots, its ballot settings, its rule and official outcome
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileBallot:
    """One ballot of the file: project ids in the file's order and, on points ballots, their points."""

    projects: tuple[str, ...]
    points: tuple[int, ...] | None


def _meta_int(meta: dict[str, str], key: str) -> int | None:
    try:
        return int(float(meta[key]))
    except (KeyError, ValueError):
        return None


def file_ballots(election: Election) -> list[FileBallot]:
    """The file's ballots in file order (points only where the ballot type keeps them)."""
    columns = election.vote_columns
    vote_at = columns.index("vote")
    points_at = columns.index("points") if "points" in columns else None
    ballots = []
    for row in election.vote_rows:
        projects = tuple(part.strip() for part in row[vote_at].split(",") if part.strip())
        points = None
        if points_at is not None and row[points_at].strip():
            points = tuple(int(float(value)) for value in row[points_at].split(","))
        ballots.append(FileBallot(projects, points))
    return ballots


def rank_points(ballots: list[FileBallot], max_ranks: int) -> list[int]:
    """The points each rank earns on an ordinal file: one list every ballot's points are a prefix of
    (Kraków's 3, 2, 1). Without a points column every rank earns 1, so the score stays the number of votes."""
    longest: tuple[int, ...] | None = None
    for ballot in ballots:
        if ballot.points is not None and (longest is None or len(ballot.points) > len(longest)):
            longest = ballot.points
    if longest is None:
        return [1] * max_ranks
    for ballot in ballots:
        if ballot.points is not None and ballot.points != longest[: len(ballot.points)]:
            raise ReplayError("the file's ranked ballots give points that differ between voters; pbvote gives "
                              "points by rank, the same for every voter")
    points = list(longest) + [min(longest)] * (max_ranks - len(longest))
    return points[:max_ranks]


def ballot_settings(election: Election, ballots: list[FileBallot]) -> dict:
    """The budget's ballot settings (``pbvote.rounds.operations.BallotSettings`` fields) the file describes."""
    meta, count = election.meta, len(election.projects)
    low, high = _meta_int(meta, "min_length"), _meta_int(meta, "max_length")
    kind = election.vote_type
    if kind == "ordinal":
        top = min(high or count, count)
        return {"ballot_type": "ranked", "min_ranks": max(low or 1, 1), "max_ranks": top,
                "points_per_rank": rank_points(ballots, top)}
    if kind in ("cumulative", "scoring"):
        total = _meta_int(meta, "max_sum_points") or max(sum(b.points or ()) for b in ballots)
        per_project = min(_meta_int(meta, "max_points") or total, total)
        return {"ballot_type": "points", "points_total": total, "points_per_project_max": per_project}
    if kind == "choose-1":
        return {"ballot_type": "approval", "min_picks": 1, "max_picks": 1}
    return {"ballot_type": "approval", "min_picks": low or 0, "max_picks": max(min(high or count, count), 1)}


def file_rule(election: Election) -> tuple[str, dict]:
    """The rule the file's META names, with the parameters the file's META gives it."""
    known = rule_for_meta(election.meta)
    rule_id, params = known if known else (FALLBACK_RULE, {})
    if rule_id == "greedy-threshold" and "threshold" not in params:
        # The platform stores the threshold on the budget; a file keeps it in META.
        params["threshold"] = _meta_int(election.meta, "min_project_score_threshold") or 0
    if rule_id == "greedy-exclusive":
        raise ReplayError("greedy-exclusive needs the file's exclusion groups, which pabulib keeps only in prose")
    return rule_id, params


def official_selection(election: Election) -> set[str] | None:
    """The file's officially selected project ids, or None without a ``selected`` column."""
    if "selected" not in election.project_columns:
        return None
    return {p.id for p in election.projects if (p.fields.get("selected") or "").strip() == "1"}


# --------------------------------------------------------------------------------------------------------------
# The database and the round
# --------------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(kind: str, workdir: Path, postgres_url: str) -> Iterator[str]:
    """The SQLAlchemy URL of an empty database, removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'replay.sqlite3'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    server = make_url(postgres_url)
    name = f"pbvote_replay_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class PreparedRound:
    round_id: int
    budget_id: int
    proposal_of: dict[str, int]  # file project id → proposal id
    council_password: str


def prepare_round(database_url: str, election: Election, settings: dict, rule_id: str, params: dict,
                  name: str) -> PreparedRound:
    """Migrate, then make the organisation, council member and round (in review, ready to open voting)
    through pbvote's operations, as a council would through its pages."""
    import flask_migrate

    from pbvote import create_app
    from pbvote.accounts.models import Organisation, Role
    from pbvote.accounts.operations import create_user
    from pbvote.database import write_transaction
    from pbvote.extensions import db
    from pbvote.proposals.operations import ProposalInput, review_proposal, submit_proposal
    from pbvote.rounds import operations as rounds
    from pbvote.rounds.models import RoundState
    from pbvote.rounds.money import CURRENCIES

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secrets.token_urlsafe(32),
                      "MAIL_BACKEND": "memory"})
    password = secrets.token_urlsafe(18)
    currency = (election.meta.get("currency") or "EUR").strip().upper()
    with app.app_context():
        logging.getLogger("alembic").setLevel(logging.WARNING)
        flask_migrate.upgrade()
        with write_transaction():
            organisation = Organisation(slug="replay", name="Replay council")
            db.session.add(organisation)
        council = create_user(email=COUNCIL_EMAIL, display_name="Replay council", password=password,
                              organisation=organisation, roles=(Role.COUNCIL, Role.RESIDENT))
        with write_transaction():
            round_ = rounds.create_round(organisation, council, rounds.RoundSettings(
                name=name[:150], currency=currency if currency in CURRENCIES else "EUR", open_registration=False))
            budget = rounds.add_budget(round_, council, rounds.BudgetInput(
                name="Citywide", amount=election.budget * MONEY_SCALE))
            rounds.update_ballot_settings(budget, council, rounds.BallotSettings(
                rule_id=rule_id, rule_params=params, explanation=f"Replayed from {name}.", **settings))
            rounds.transition_round(round_, RoundState.PROPOSALS, council)
            proposals = []
            for project in election.projects:
                title = (project.name or f"Project {project.id}").strip()[:150] or f"Project {project.id}"
                proposals.append(submit_proposal(round_, council, ProposalInput(
                    title=title, summary=title, description="",
                    cost_items=[(f"Project {project.id}", project.cost * MONEY_SCALE)])))
            rounds.transition_round(round_, RoundState.REVIEW, council)
            for proposal in proposals:
                review_proposal(proposal, council, True, "")
        return PreparedRound(round_.id, budget.id,
                             {project.id: proposal.id for project, proposal in zip(election.projects, proposals,
                                                                                 strict=True)}, password)


def stored_tracking_codes(database_url: str, budget_id: int) -> set[str]:
    """The tracking codes of the budget's current ballots, read straight from the database."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.pool import NullPool

    from pbvote.voting.models import Ballot

    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as connection:
        codes = connection.scalars(
            select(Ballot.tracking_code).where(Ballot.budget_id == budget_id, Ballot.superseded_at.is_(None))
        ).all()
    engine.dispose()
    return set(codes)


# --------------------------------------------------------------------------------------------------------------
# The server and the clients
# --------------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(database_url: str, workdir: Path, port: int, workers: int, threads: int) -> Iterator[None]:
    """``pbvote serve`` on 127.0.0.1:port until the block ends (its access log goes to workdir)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PBVOTE_")}
    env.update({
        "PBVOTE_DATABASE_URL": database_url,
        "PBVOTE_SECRET_KEY": secrets.token_urlsafe(32),
        "PBVOTE_INSTANCE_PATH": str(workdir / "instance"),
        "PBVOTE_MAIL_BACKEND": "outbox",
        # Production refuses to start without its public host name; here that is the bind address.
        "PBVOTE_SERVER_NAME": f"127.0.0.1:{port}",
        # One address sends every request here, as a kiosk would; the limits are the deployment's choice.
        "PBVOTE_RATELIMIT_API_CODE": "1000000 per minute",
        "PBVOTE_RATELIMIT_API_SIGN_IN": "1000 per minute",
    })
    pbvote = shutil.which("pbvote", path=str(Path(sys.executable).parent)) or "pbvote"
    log = (workdir / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [pbvote, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise ReplayError(f"gunicorn exited with {process.returncode}; see {workdir / 'gunicorn.log'}")
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            if time.monotonic() > deadline:
                raise ReplayError("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


class Client:
    """A keep-alive HTTP connection of one client thread; ``call`` returns (status, JSON body, seconds)."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None
             ) -> tuple[int, dict, float]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # a new connection for the next request
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            raise
        elapsed = time.perf_counter() - started
        try:
            document = json.loads(raw) if raw else {}
        except ValueError:
            document = {"detail": raw[:200].decode(errors="replace")}
        return response.status, document, elapsed


@dataclass
class Phase:
    """What one concurrent phase saw: latencies of the successful requests, their answers, the failures."""

    seconds: list[float] = field(default_factory=list)
    answers: dict[int, dict] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0


def concurrently(port: int, clients: int, count: int, request, expected: int) -> Phase:
    """``request(index) -> (method, path, body, token)`` for every index, by ``clients`` concurrent clients."""
    phase = Phase()
    lock = threading.Lock()
    local = threading.local()

    def one(index: int) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = Client(port)
        try:
            status, document, seconds = client.call(*request(index))
        except Exception as error:  # noqa: BLE001 - every failure is counted and reported, never fatal
            with lock:
                phase.errors.append(f"#{index + 1}: {type(error).__name__}: {error}")
            return
        with lock:
            if status == expected:
                phase.seconds.append(seconds)
                phase.answers[index] = document
            else:
                phase.errors.append(f"#{index + 1}: {status} {document.get('detail')}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(count)))
    phase.wall = time.perf_counter() - started
    return phase


def sign_in_all(port: int, prepared: PreparedRound, codes: list[str], clients: int) -> Phase:
    """Every voter signs in with their code (a kiosk's first request); the answers hold the tokens."""
    path = "/api/v1/tokens/voter-code"
    return concurrently(port, clients, len(codes),
                        lambda i: ("POST", path, {"round_id": prepared.round_id, "code": codes[i]}, None), 201)


def cast_all(port: int, prepared: PreparedRound, tokens: dict[int, str], ballots: list[FileBallot],
             clients: int, with_points: bool) -> Phase:
    """Every signed-in voter casts their ballot from the file; the answers hold the tracking codes."""
    path = f"/api/v1/rounds/{prepared.round_id}/budgets/{prepared.budget_id}/ballot"
    indices = sorted(tokens)

    def request(i: int):
        ballot = ballots[indices[i]]
        body = {"choices": [prepared.proposal_of[p] for p in ballot.projects],
                "points": list(ballot.points) if with_points and ballot.points else None}
        return "POST", path, body, tokens[indices[i]]

    return concurrently(port, clients, len(indices), request, 201)


def print_server_errors(log: Path, limit: int = 60) -> None:
    """The server's own account of failed requests (gunicorn's and pbvote's error lines), on stderr."""
    lines = log.read_text(errors="replace").splitlines()
    wanted = [i for i, line in enumerate(lines) if "[ERROR]" in line or "[CRITICAL]" in line or "Traceback" in line]
    for i in wanted[:3]:
        print("server log: " + "\n server log: ".join(lines[i : i + limit // 3]), file=sys.stderr)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` in milliseconds (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1] * 1000


def council_call(port: int, method: str, path: str, body: dict | None, token: str | None, expected: int) -> dict:
    """One council request on a connection of its own (gunicorn closes idle keep-alive connections)."""
    status, document, _ = Client(port).call(method, path, body, token)
    if status != expected:
        raise ReplayError(f"{method} {path} answered {status}: {document.get('detail')}")
    return document


# --------------------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, help="a pabulib .pb file")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "PBVOTE_REPLAY_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="server to create the throwaway database on (default: $PBVOTE_REPLAY_POSTGRES_URL or local)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent API clients (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    label = args.file.name
    try:
        election = pabulib.load(args.file)
        ballots = file_ballots(election)
        settings = ballot_settings(election, ballots)
        rule_id, params = file_rule(election)
    except (OSError, pabulib.PabulibError, ReplayError) as error:
        print(f"replay {label}: cannot replay: {error}", file=sys.stderr)
        return 2
    official = official_selection(election)
    print(f"{label}: {len(ballots)} {election.vote_type} ballots, {len(election.projects)} projects, rule {rule_id} "
          f"{params or ''}, ballot {settings}", flush=True)

    with tempfile.TemporaryDirectory(prefix="pbvote-replay-") as tmp:
        workdir = Path(tmp)
        with fresh_database(args.db, workdir, args.postgres_url) as url:
            try:
                prepared = prepare_round(url, election, settings, rule_id, params, label)
            except Exception as error:  # noqa: BLE001 - an operation's refusal names what the file breaks
                print(f"replay {label}: cannot replay: {error}", file=sys.stderr)
                return 2
            port = free_port()
            try:
                with gunicorn(url, workdir, port, args.workers, args.threads):
                    token = council_call(port, "POST", "/api/v1/tokens/account",
                                         {"email": COUNCIL_EMAIL, "password": prepared.council_password},
                                         None, 201)["token"]
                    codes: list[str] = []
                    while len(codes) < len(ballots):
                        count = min(CODES_PER_REQUEST, len(ballots) - len(codes))
                        made = council_call(port, "POST", f"/api/v1/rounds/{prepared.round_id}/voter-codes",
                                            {"count": count}, token, 201)
                        codes += [item["code"] for item in made["codes"]]
                    council_call(port, "POST", f"/api/v1/rounds/{prepared.round_id}/voting/open", None, token, 200)

                    signed_in = sign_in_all(port, prepared, codes, args.clients)
                    tokens = {index: answer["token"] for index, answer in signed_in.answers.items()}
                    cast = cast_all(port, prepared, tokens, ballots, args.clients, settings["ballot_type"] == "points")

                    closed = council_call(port, "POST", f"/api/v1/rounds/{prepared.round_id}/voting/close",
                                          None, token, 200)
            except (ReplayError, OSError, http.client.HTTPException) as error:
                print(f"replay {label}: failed: {type(error).__name__}: {error}", file=sys.stderr)
                return 1
            stored_codes = stored_tracking_codes(url, prepared.budget_id)
            if signed_in.errors or cast.errors:
                print_server_errors(workdir / "gunicorn.log")

    receipts = {answer["tracking_code"].replace("-", "") for answer in cast.answers.values()}
    acknowledged = len(cast.answers)
    stored = len(receipts & stored_codes)
    lost = acknowledged - stored
    errors = len(signed_in.errors) + len(cast.errors)
    extra = len(stored_codes - receipts)
    file_id_of = {proposal: project for project, proposal in prepared.proposal_of.items()}
    [budget] = [item for item in closed["budgets"] if item["budget_id"] == prepared.budget_id]
    funded = {file_id_of[proposal] for proposal in budget["selected"]}
    outcome = "n/a" if official is None else ("yes" if funded == official else "no")
    for message in (signed_in.errors + cast.errors)[:10]:
        print(f"error: {message}", file=sys.stderr)
    if extra:
        print(f"error: {extra} stored ballots were never acknowledged", file=sys.stderr)
    if outcome == "no":
        print(f"funded here, not officially: {sorted(funded - official)}; officially, not here: "
              f"{sorted(official - funded)}", file=sys.stderr)
    print(f"code sign-in: {len(signed_in.answers)} in {signed_in.wall:.1f} s "
          f"({len(signed_in.answers) / signed_in.wall if signed_in.wall else 0:.0f}/s), "
          f"p50 {percentile(signed_in.seconds, 0.50):.0f} ms, p95 {percentile(signed_in.seconds, 0.95):.0f} ms; "
          f"casting {cast.wall:.1f} s; {args.clients} clients, gunicorn {args.workers} workers x {args.threads} "
          f"threads, {args.db}; tallied {budget['ballots']} ballots, {len(funded)} projects funded")
    rate = acknowledged / cast.wall if cast.wall else 0.0
    print(f"replay {label}: ballots {len(ballots)}, acknowledged {acknowledged}, stored {stored}, lost {lost}, "
          f"{rate:.0f} ballots/s, p50 {percentile(cast.seconds, 0.50):.0f} ms, "
          f"p95 {percentile(cast.seconds, 0.95):.0f} ms, p99 {percentile(cast.seconds, 0.99):.0f} ms, "
          f"errors {errors + extra}, official outcome: {outcome}")
    return 1 if lost or errors or extra or outcome == "no" else 0


if __name__ == "__main__":
    sys.exit(main())
