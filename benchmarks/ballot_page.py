"""Benchmark: a voter's ballot page for a budget with 120 projects, over real HTTP.

Seeds a fresh database (SQLite file by default, or PostgreSQL with ``--database-url``) with a round open for
voting: one citywide ranked budget (rank up to 5) with 120 feasible projects in 6 categories, and a signed-in
voter who has ranked three of them. Starts ``pbvote serve`` (gunicorn, 2 workers) on a free port and requests,
interleaved on one keep-alive connection like a browser: the full ballot page, the page filtered by a search
word and by a category, and the htmx editor partial. Then, measured apart (they write): editor button presses
(rank, then remove, as htmx posts). Prints p50/p95 per request kind; exits 1 when the pages' p95 is above the
target (100 ms).

    .venv/bin/python benchmarks/ballot_page.py
    .venv/bin/python benchmarks/ballot_page.py --database-url postgresql+psycopg://postgres@127.0.0.1/pbvote_bench
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proposals_list import free_port, percentile, sentence, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 100.0
PASSWORD = "benchmark-password-1"


def seed(database_url: str, instance: Path, count: int) -> dict:
    """Migrate and create the voting round, its projects and the voter; returns the ids the requests use."""
    os.environ["PBVOTE_INSTANCE_PATH"] = str(instance)
    import flask_migrate

    from pbvote import create_app
    from pbvote.accounts.models import Organisation, User, utcnow
    from pbvote.accounts.operations import hash_password
    from pbvote.extensions import db
    from pbvote.proposals.models import CostItem, Proposal, ProposalRevision, StatusChange
    from pbvote.rounds.models import Budget, Category, Round, RoundVoter

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "benchmark"})
    rng = random.Random(2026)
    with app.app_context():
        flask_migrate.upgrade()
        organisation = Organisation(slug="bench", name="Bench City")
        db.session.add(organisation)
        db.session.flush()
        voter = User(email="voter@bench.example", display_name="Voter", organisation_id=organisation.id,
                     password_hash=hash_password(PASSWORD), email_confirmed_at=utcnow())
        db.session.add(voter)
        round_ = Round(organisation_id=organisation.id, name="Bench vote", currency="EUR", state="voting")
        round_.categories = [Category(name=f"Category {i}", position=i) for i in range(6)]
        db.session.add(round_)
        db.session.flush()
        budget = Budget(round_id=round_.id, name="Citywide", scope="citywide", amount=10**9, min_project_cost=0,
                        ballot_type="ranked", min_ranks=1, max_ranks=5, points_per_rank=[5, 4, 3, 2, 1])
        db.session.add(budget)
        for _ in range(count):
            title, summary = sentence(rng, 2, 6), sentence(rng, 8, 25)
            cost = rng.randint(100, 50_000) * 100
            proposal = Proposal(
                round_id=round_.id, author_id=voter.id, title=title, summary=summary, description=summary,
                total_cost=cost, category_id=rng.choice(round_.categories).id, location="", status="feasible",
                search_text=f"{title} {summary}".casefold(),
            )
            proposal.cost_items = [CostItem(position=1, description="All", amount=cost)]
            proposal.status_changes = [StatusChange(to_status="feasible", actor_id=voter.id)]
            proposal.revisions = [ProposalRevision(number=1, kind="submitted", editor_id=voter.id, changes={})]
            db.session.add(proposal)
        db.session.add(RoundVoter(round_id=round_.id, user_id=voter.id, source="registration"))
        db.session.commit()
        ids = {"round": round_.id, "budget": budget.id, "category": round_.categories[2].id,
               "projects": [p.id for p in db.session.query(Proposal).order_by(Proposal.id)]}
        db.session.remove()
        db.engine.dispose()
    return ids


class Client:
    """One keep-alive connection with the session cookie and CSRF token a browser would keep."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.token = ""

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        body = urlencode({"csrf_token": self.token, **form}) if form is not None else None
        sent = {"Connection": "keep-alive", **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            sent["Cookie"] = self.cookie
        begin = time.perf_counter()
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        text = response.read().decode()
        elapsed = (time.perf_counter() - begin) * 1000
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        token = re.search(r'name="csrf-token" content="([^"]+)"', text) or re.search(
            r'name="csrf_token" value="([^"]+)"', text)
        if token:
            self.token = token.group(1)
        return response.status, text, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a temporary SQLite file)")
    parser.add_argument("--projects", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=50, help="requests per page kind (4 kinds)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pbvote-bench-") as folder:
        instance = Path(folder)
        database_url = args.database_url or f"sqlite:///{instance / 'bench.sqlite3'}"
        ids = seed(database_url, instance, args.projects)
        print(f"seeded {args.projects} projects ({database_url.split(':')[0]})")
        port = free_port()
        env = {**os.environ, "PBVOTE_DATABASE_URL": database_url, "PBVOTE_INSTANCE_PATH": str(instance),
               "PBVOTE_SECRET_KEY": "benchmark", "PBVOTE_RATELIMIT_ENABLED": "false"}
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "pbvote"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--config", "default"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(port, server)
            time.sleep(1.0)  # both workers booted
            client = Client(port)
            client.request("GET", "/sign-in")
            status, _, _ = client.request("POST", "/sign-in", {"email": "voter@bench.example", "password": PASSWORD})
            if status != 303:
                raise SystemExit(f"sign-in answered {status}")
            path = f"/rounds/{ids['round']}/vote/{ids['budget']}"
            client.request("GET", path)
            for project in ids["projects"][:3]:
                client.request("POST", path, {"action": f"add:{project}"})
            pages = [
                ("full page", path, {}),
                ("search one word", path + "?" + urlencode({"q": "park"}), {}),
                ("category filter", path + "?" + urlencode({"category": ids["category"]}), {}),
                ("htmx partial", path + "?" + urlencode({"q": "tree"}), {"HX-Request": "true"}),
            ]

            def fetch(url: str, headers: dict) -> float:
                status, text, elapsed = client.request("GET", url, headers=headers)
                if status != 200 or "ballot-editor" not in text:
                    raise SystemExit(f"GET {url} answered {status}")
                return elapsed

            for _, url, headers in pages:  # warm up both workers' templates and caches
                for _ in range(4):
                    fetch(url, headers)
            timings: dict[str, list[float]] = {name: [] for name, _, _ in pages}
            for _ in range(args.repeat):
                for name, url, headers in pages:
                    timings[name].append(fetch(url, headers))
            presses: list[float] = []
            spare = ids["projects"][3]
            for _ in range(args.repeat // 2):
                for action in (f"add:{spare}", f"remove:{spare}"):
                    status, _, elapsed = client.request("POST", path, {"action": action}, {"HX-Request": "true"})
                    if status != 200:
                        raise SystemExit(f"POST {action} answered {status}")
                    presses.append(elapsed)
            client.connection.close()
        finally:
            server.terminate()
            server.wait(timeout=10)

    everything = [t for values in timings.values() for t in values]
    print(f"{'request':<24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, values in [*timings.items(), ("htmx press (writes)", presses)]:
        print(f"{name:<24} {statistics.median(values):8.1f} {percentile(values, 0.95):8.1f} {max(values):8.1f}")
    p50, p95 = statistics.median(everything), percentile(everything, 0.95)
    print(f"{'PAGES (' + str(len(everything)) + ' requests)':<24} {p50:8.1f} {p95:8.1f} {max(everything):8.1f}")
    print(f"target p95 < {TARGET_P95_MS:.0f} ms: {'met' if p95 < TARGET_P95_MS else 'MISSED'}")
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
