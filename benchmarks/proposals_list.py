"""Benchmark: the proposal list page of a round with 2,000 proposals, over real HTTP.

Seeds a fresh database (SQLite file by default, or PostgreSQL with ``--database-url``), starts gunicorn with one
sync worker on a free port, and requests the list page with a mix of search, filter, sort and page combinations
(plus the htmx results partial), one connection kept alive, like a browser. Prints p50/p95 per combination and
overall; exits 1 when the overall p95 is above the target (100 ms).

    .venv/bin/python benchmarks/proposals_list.py                # SQLite, 10 combinations × 30 requests
    .venv/bin/python benchmarks/proposals_list.py --database-url postgresql+psycopg://postgres@127.0.0.1/pbvote_bench
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 100.0
WORDS = ["park", "tree", "bench", "playground", "school", "street", "bike", "lane", "bus", "stop", "library", "garden", "fountain", "light", "safety", "river", "bridge", "square", "market", "youth", "senior", "sport", "field", "court", "pool", "toilet", "shade", "water", "art", "mural", "music", "festival", "repair", "pavement", "crossing", "parking", "noise", "green", "roof", "solar", "energy", "compost", "recycling", "dog", "community", "centre", "kitchen", "workshop", "computer", "course", "football", "basketball", "skate", "ramp", "climbing", "wall", "path", "forest", "pond", "bird"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize()


def seed(database_url: str, instance: Path, count: int) -> dict:
    """Migrate the database and create one round with ``count`` proposals; returns ids the queries use."""
    os.environ["PBVOTE_INSTANCE_PATH"] = str(instance)
    import flask_migrate

    from pbvote import create_app
    from pbvote.accounts.models import Organisation, User
    from pbvote.extensions import db
    from pbvote.proposals.models import CostItem, Proposal, ProposalRevision, StatusChange
    from pbvote.rounds.models import Budget, Category, District, Round

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "benchmark"})
    rng = random.Random(2024)
    with app.app_context():
        flask_migrate.upgrade()
        organisation = Organisation(slug="bench", name="Bench City")
        db.session.add(organisation)
        db.session.flush()
        users = [
            User(email=f"resident{i}@bench.example", display_name=f"Resident {i}", organisation_id=organisation.id)
            for i in range(50)
        ]
        db.session.add_all(users)
        round_ = Round(organisation_id=organisation.id, name="Bench round", currency="EUR", state="review")
        round_.districts = [District(name=f"District {i}", position=i) for i in range(8)]
        round_.categories = [Category(name=f"Category {i}", position=i) for i in range(6)]
        db.session.add(round_)
        db.session.flush()
        round_.budgets = [
            Budget(name=d.name, scope="district", district_id=d.id, amount=10**9, min_project_cost=0)
            for d in round_.districts
        ]
        statuses = ["submitted"] * 5 + ["feasible"] * 3 + ["not_feasible", "withdrawn"]
        for number in range(count):
            title = sentence(rng, 2, 6)
            summary = sentence(rng, 8, 25)
            description = "\n\n".join(sentence(rng, 20, 60) for _ in range(rng.randint(2, 6)))
            items = [(sentence(rng, 1, 3), rng.randint(100, 50_000) * 100) for _ in range(rng.randint(1, 5))]
            author = rng.choice(users)
            proposal = Proposal(
                round_id=round_.id, author_id=author.id, title=title, summary=summary, description=description,
                total_cost=sum(a for _, a in items), district_id=rng.choice(round_.districts).id,
                category_id=rng.choice(round_.categories).id, location="", status=rng.choice(statuses),
                comment_count=rng.randint(0, 40), search_text=f"{title} {summary} {description}".casefold(),
            )
            proposal.cost_items = [CostItem(position=i, description=d, amount=a) for i, (d, a) in enumerate(items, 1)]
            proposal.status_changes = [StatusChange(to_status="submitted", actor_id=author.id)]
            proposal.revisions = [ProposalRevision(number=1, kind="submitted", editor_id=author.id, changes={})]
            db.session.add(proposal)
            if number % 500 == 499:
                db.session.flush()
        db.session.commit()
        ids = {
            "round": round_.id,
            "district": round_.districts[2].id,
            "category": round_.categories[1].id,
        }
        db.session.remove()
        db.engine.dispose()
    return ids


def combinations(ids: dict) -> list[tuple[str, dict, dict]]:
    """(name, query, headers) of the requests measured."""
    return [
        ("default (newest)", {}, {}),
        ("search one word", {"q": "playground"}, {}),
        ("search two words", {"q": "bike lane"}, {}),
        ("district filter", {"district": ids["district"]}, {}),
        ("category + status", {"category": ids["category"], "status": "feasible"}, {}),
        ("sort cost high", {"sort": "cost_high"}, {}),
        ("sort most discussed", {"sort": "discussed"}, {}),
        ("page 20 oldest", {"sort": "oldest", "page": 20}, {}),
        ("search+filter+sort", {"q": "park", "district": ids["district"], "sort": "cost_low"}, {}),
        ("htmx partial search", {"q": "garden"}, {"HX-Request": "true"}),
    ]


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a temporary SQLite file)")
    parser.add_argument("--proposals", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30, help="requests per combination (10 combinations)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pbvote-bench-") as folder:
        instance = Path(folder)
        database_url = args.database_url or f"sqlite:///{instance / 'bench.sqlite3'}"
        started = time.perf_counter()
        ids = seed(database_url, instance, args.proposals)
        print(f"seeded {args.proposals} proposals in {time.perf_counter() - started:.1f}s ({database_url.split(':')[0]})")

        port = free_port()
        env = {**os.environ, "PBVOTE_DATABASE_URL": database_url, "PBVOTE_INSTANCE_PATH": str(instance),
               "PBVOTE_SECRET_KEY": "benchmark", "PBVOTE_RATELIMIT_ENABLED": "false"}
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "pbvote:create_app()"],
            cwd=ROOT, env=env,
        )
        try:
            wait_until_up(port, server)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            path = f"/rounds/{ids['round']}/proposals"
            cases = combinations(ids)

            def fetch(query: dict, headers: dict) -> float:
                url = path + ("?" + urlencode(query) if query else "")
                begin = time.perf_counter()
                connection.request("GET", url, headers={"Connection": "keep-alive", **headers})
                response = connection.getresponse()
                body = response.read()
                elapsed = (time.perf_counter() - begin) * 1000
                if response.status != 200 or b"proposal" not in body:
                    raise SystemExit(f"GET {url} answered {response.status}")
                return elapsed

            for _, query, headers in cases:  # warm up: templates compiled, caches filled
                for _ in range(3):
                    fetch(query, headers)
            timings: dict[str, list[float]] = {name: [] for name, _, _ in cases}
            for _ in range(args.repeat):  # interleaved, so no combination gets a quieter moment than another
                for name, query, headers in cases:
                    timings[name].append(fetch(query, headers))
            connection.close()
        finally:
            server.terminate()
            server.wait(timeout=10)

    everything = [t for values in timings.values() for t in values]
    print(f"{'combination':<24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, values in timings.items():
        print(f"{name:<24} {statistics.median(values):8.1f} {percentile(values, 0.95):8.1f} {max(values):8.1f}")
    p50, p95 = statistics.median(everything), percentile(everything, 0.95)
    print(f"{'ALL (' + str(len(everything)) + ' requests)':<24} {p50:8.1f} {p95:8.1f} {max(everything):8.1f}")
    print(f"target p95 < {TARGET_P95_MS:.0f} ms: {'met' if p95 < TARGET_P95_MS else 'MISSED'}")
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
