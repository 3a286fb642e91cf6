"""Benchmark: a proposal's discussion with 10,000 comments, and a 2,000-proposal list with summaries, over HTTP.

Seeds a fresh database (SQLite file by default, or PostgreSQL with ``--database-url``): one round in its
deliberation phase with 2,000 proposals; one of them carries 10,000 comments (2,500 threads, replies down to depth
3, every stance, helpful marks, some hidden or deleted), the others 0–12 comments each. Starts gunicorn with one
sync worker and requests, over one keep-alive connection like a browser:

- thread pages: the proposal page with its first discussion page, the discussion page in each order, a page deep
  in the keyset, and the htmx partial — target p95 < 150 ms;
- list pages: the proposal list (each card with its for/against/question counts and most helpful arguments) by
  default, by most discussed, a deep page and the htmx partial — target p95 < 100 ms.

Prints p50/p95 per request and per group; exits 1 when a group misses its target.

    .venv/bin/python benchmarks/threads.py
    .venv/bin/python benchmarks/threads.py --database-url postgresql+psycopg://postgres@127.0.0.1/pbvote_bench
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from proposals_list import ROOT, free_port, percentile, sentence, wait_until_up

TARGETS_MS = {"thread": 150.0, "list": 100.0}
STANCES = ("for", "against", "question", "neutral")


def _comment_rows(rng: random.Random, proposal_id: int, round_id: int, users: list[int], count: int, first_id: int,
                  threads: int) -> list[dict]:
    """``count`` comments on one proposal in ``threads`` threads, ids from ``first_id``, replies to depth 3."""
    rows: list[dict] = []
    roots = []
    now = time.time()

    def add(parent: dict | None, stance: str) -> dict:
        status = rng.choices(("visible", "hidden", "deleted", "flagged"), weights=(94, 3, 2, 1))[0]
        row = {
            "id": first_id + len(rows), "proposal_id": proposal_id, "round_id": round_id,
            "author_id": rng.choice(users), "stance": stance, "status": status,
            "body": sentence(rng, 8, 60) + ("\n\n**" + sentence(rng, 2, 6) + "** and *more*." if rng.random() < 0.3 else ""),
            "moderation_reason": "Off-topic." if status == "hidden" else None,
            "helpful_count": rng.choices((0, 1, 2, 5, 20), weights=(60, 20, 10, 8, 2))[0],
            "depth": 1 if parent is None else min(parent["depth"] + 1, 3),
            "parent_id": None if parent is None else (parent["id"] if parent["depth"] < 3 else parent["parent_id"]),
            "reply_to_id": parent["id"] if parent is not None and parent["depth"] == 3 else None,
            "created_at": None,
        }
        row["root_id"] = row["id"] if parent is None else parent["root_id"]
        row["created_at"] = now - 10_000_000 + row["id"]
        if status == "deleted":
            row["body"] = ""
        rows.append(row)
        return row

    for _ in range(threads):
        roots.append(add(None, rng.choice(STANCES)))
    while len(rows) < count:
        parent = rng.choice(rows[-400:] if rng.random() < 0.5 else roots)
        # Replies go to visible comments only (as the site allows); a hidden pick starts a new thread instead.
        add(parent if parent["status"] == "visible" else None, rng.choice(STANCES))
    return rows


def seed(database_url: str, instance: Path, proposals: int, comments: int) -> dict:
    """Migrate the database and create the round, its proposals and their comments; returns the ids to request."""
    os.environ["PBVOTE_INSTANCE_PATH"] = str(instance)
    from datetime import UTC, datetime

    import flask_migrate
    from sqlalchemy import insert, select, update

    from pbvote import create_app
    from pbvote.accounts.models import Organisation, User
    from pbvote.deliberation.models import Comment, CommentStatus
    from pbvote.extensions import db
    from pbvote.proposals.models import Proposal
    from pbvote.rounds.models import Budget, District, Round

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "benchmark"})
    rng = random.Random(2026)
    with app.app_context():
        flask_migrate.upgrade()
        organisation = Organisation(slug="bench", name="Bench City")
        db.session.add(organisation)
        db.session.flush()
        users = [User(email=f"resident{i}@bench.example", display_name=f"Resident {i}", organisation_id=organisation.id)
                 for i in range(200)]
        db.session.add_all(users)
        round_ = Round(organisation_id=organisation.id, name="Bench round", currency="EUR", state="deliberation")
        round_.districts = [District(name=f"District {i}", position=i) for i in range(8)]
        db.session.add(round_)
        db.session.flush()
        round_.budgets = [Budget(name=d.name, scope="district", district_id=d.id, amount=10**9) for d in round_.districts]
        user_ids = [u.id for u in users]
        db.session.execute(insert(Proposal), [
            {"round_id": round_.id, "author_id": rng.choice(user_ids), "title": sentence(rng, 2, 6),
             "summary": sentence(rng, 8, 25), "description": sentence(rng, 20, 60), "total_cost": 100_000,
             "district_id": rng.choice(round_.districts).id, "location": "", "status": "feasible",
             "search_text": "", "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)}
            for _ in range(proposals)
        ])
        proposal_ids = list(db.session.scalars(select(Proposal.id).where(Proposal.round_id == round_.id).order_by(Proposal.id)))
        busy = proposal_ids[0]
        rows = _comment_rows(rng, busy, round_.id, user_ids, comments, 1, comments // 4)
        for proposal_id in proposal_ids[1:]:
            size = rng.randint(0, 12)
            if size:
                rows += _comment_rows(rng, proposal_id, round_.id, user_ids, size, len(rows) + 1, max(1, size // 2))
        for row in rows:
            row["created_at"] = datetime.fromtimestamp(row["created_at"], UTC)
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Comment), rows[start:start + 5000])
        visible = (select(db.func.count()).select_from(Comment)
                   .where(Comment.proposal_id == Proposal.id, Comment.status == CommentStatus.VISIBLE.value)
                   .scalar_subquery())
        db.session.execute(update(Proposal).where(Proposal.round_id == round_.id).values(comment_count=visible))
        if db.engine.dialect.name == "postgresql":  # explicit ids: move the sequence past them
            db.session.execute(db.text("SELECT setval('comment_id_seq', (SELECT max(id) FROM comment))"))
        db.session.commit()
        # Planner statistics and visibility maps, as a database that has lived a while has them (autovacuum is
        # not instant after a bulk load).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE")
        middle = db.session.scalar(select(Comment.id).where(Comment.proposal_id == busy, Comment.depth == 1)
                                   .order_by(Comment.id).offset(comments // 8).limit(1))
        ids = {"round": round_.id, "busy": busy, "middle": middle, "total": len(rows)}
        db.session.remove()
        db.engine.dispose()
    return ids


def requests(ids: dict) -> list[tuple[str, str, str, dict]]:
    """(group, name, path, headers) of the requests measured."""
    busy, round_id = ids["busy"], ids["round"]
    htmx = {"HX-Request": "true"}
    return [
        ("thread", "proposal page + first page", f"/proposals/{busy}", {}),
        ("thread", "discussion oldest", f"/proposals/{busy}/discussion", {}),
        ("thread", "discussion newest", f"/proposals/{busy}/discussion?sort=newest", {}),
        ("thread", "discussion most helpful", f"/proposals/{busy}/discussion?sort=helpful", {}),
        ("thread", "deep keyset page", f"/proposals/{busy}/discussion?" + urlencode({"after": ids["middle"]}), {}),
        ("thread", "htmx discussion partial", f"/proposals/{busy}/discussion", htmx),
        ("list", "list newest", f"/rounds/{round_id}/proposals", {}),
        ("list", "list most discussed", f"/rounds/{round_id}/proposals?sort=discussed", {}),
        ("list", "list page 50", f"/rounds/{round_id}/proposals?page=50&sort=oldest", {}),
        ("list", "htmx list partial", f"/rounds/{round_id}/proposals?sort=discussed", htmx),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a temporary SQLite file)")
    parser.add_argument("--proposals", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=10_000, help="comments on the busiest proposal")
    parser.add_argument("--repeat", type=int, default=30, help="requests per kind (10 kinds)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pbvote-bench-") as folder:
        instance = Path(folder)
        database_url = args.database_url or f"sqlite:///{instance / 'bench.sqlite3'}"
        started = time.perf_counter()
        ids = seed(database_url, instance, args.proposals, args.comments)
        print(f"seeded {args.proposals} proposals and {ids['total']} comments ({args.comments} on one) in "
              f"{time.perf_counter() - started:.1f}s ({database_url.split(':')[0]})")

        port = free_port()
        env = {**os.environ, "PBVOTE_DATABASE_URL": database_url, "PBVOTE_INSTANCE_PATH": str(instance),
               "PBVOTE_SECRET_KEY": "benchmark", "PBVOTE_RATELIMIT_ENABLED": "false"}
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "pbvote:create_app()"],
            cwd=ROOT, env=env,
        )
        cases = requests(ids)
        try:
            wait_until_up(port, server)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

            def fetch(path: str, headers: dict) -> float:
                begin = time.perf_counter()
                connection.request("GET", path, headers={"Connection": "keep-alive", **headers})
                response = connection.getresponse()
                body = response.read()
                elapsed = (time.perf_counter() - begin) * 1000
                if response.status != 200 or (b"comment" not in body and b"proposal" not in body):
                    raise SystemExit(f"GET {path} answered {response.status}")
                return elapsed

            for _, _, path, headers in cases:  # warm up: templates compiled, caches filled
                for _ in range(3):
                    fetch(path, headers)
            timings: dict[str, list[float]] = {name: [] for _, name, _, _ in cases}
            for _ in range(args.repeat):  # interleaved, so no request gets a quieter moment than another
                for _, name, path, headers in cases:
                    timings[name].append(fetch(path, headers))
            connection.close()
        finally:
            server.terminate()
            server.wait(timeout=10)

    print(f"{'request':<30} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for _, name, _, _ in cases:
        values = timings[name]
        print(f"{name:<30} {statistics.median(values):8.1f} {percentile(values, 0.95):8.1f} {max(values):8.1f}")
    failed = False
    for group, target in TARGETS_MS.items():
        values = [t for g, name, _, _ in cases if g == group for t in timings[name]]
        p95 = percentile(values, 0.95)
        met = p95 < target
        failed = failed or not met
        print(f"{group.upper() + ' (' + str(len(values)) + ' requests)':<30} {statistics.median(values):8.1f} "
              f"{p95:8.1f} {max(values):8.1f}  target p95 < {target:.0f} ms: {'met' if met else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
