"""What one API request costs the server: CPU per code sign-in and per cast, in the worker and in PostgreSQL.

    python benchmarks/cast_cost.py FILE.pb [--db sqlite|postgresql] [--ballots 1500]

The replay (``benchmarks/replay.py``) measures throughput, which on a shared machine moves with whatever else
runs. This measures the cost that throughput is made of, which moves much less: the same round is made from
the file, ``pbvote serve`` runs one worker with one thread (gunicorn's sync worker), and one client signs in and
casts the file's first ``--ballots`` ballots one after another. The CPU time the worker process and the
PostgreSQL server processes used (``/proc``, user + system) is divided by the number of requests; so is the
wall-clock time. The last line is
``cast cost FILE: sign-in W ms worker, P ms database, T ms wall; cast W ms worker, P ms database, T ms wall``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import replay  # the replay's round, server and clients

from pbvote.tally import pabulib

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes, in seconds (processes that have ended count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def processes(parent: int | None = None, name: str | None = None) -> list[int]:
    """Ids of the processes whose parent is ``parent`` or whose command is ``name``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        command, fields = text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1].split()
        if (parent is not None and int(fields[1]) == parent) or (name is not None and command == name):
            found.append(int(stat.parent.name))
    return found


class Measured:
    """CPU of the worker and the database, and wall time, over a block of ``count`` requests."""

    def __init__(self, worker: list[int], count: int):
        self.worker, self.count = worker, count

    def __enter__(self):
        self.started = (cpu_seconds(self.worker), cpu_seconds(processes(name="postgres")), time.perf_counter())
        return self

    def __exit__(self, *exc):
        ended = (cpu_seconds(self.worker), cpu_seconds(processes(name="postgres")), time.perf_counter())
        self.per_request = [1000 * (end - start) / self.count for start, end in zip(self.started, ended, strict=True)]

    def __str__(self) -> str:
        worker, database, wall = self.per_request
        return f"{worker:.2f} ms worker, {database:.2f} ms database, {wall:.2f} ms wall"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--ballots", type=int, default=1500)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)

    election = pabulib.load(args.file)
    ballots = replay.file_ballots(election)[: args.ballots]
    settings = replay.ballot_settings(election, ballots)
    rule_id, params = replay.file_rule(election)
    count = len(ballots)
    servers: list[subprocess.Popen] = []

    class RecordedPopen(subprocess.Popen):
        def __init__(self, *popen_args, **popen_kwargs):
            super().__init__(*popen_args, **popen_kwargs)
            servers.append(self)

    replay.subprocess.Popen = RecordedPopen  # to find gunicorn's worker under the server replay starts
    with tempfile.TemporaryDirectory(prefix="pbvote-cast-cost-") as tmp, \
            replay.fresh_database(args.db, Path(tmp), args.postgres_url) as url:
        prepared = replay.prepare_round(url, election, settings, rule_id, params, args.file.name)
        port = replay.free_port()
        with replay.gunicorn(url, Path(tmp), port, 1, 1):
            token = replay.council_call(port, "POST", "/api/v1/tokens/account", {
                "email": replay.COUNCIL_EMAIL, "password": prepared.council_password}, None, 201)["token"]
            made = replay.council_call(port, "POST", f"/api/v1/rounds/{prepared.round_id}/voter-codes",
                                       {"count": count}, token, 201)
            replay.council_call(port, "POST", f"/api/v1/rounds/{prepared.round_id}/voting/open", None, token, 200)
            [worker] = processes(parent=servers[0].pid)
            with Measured([worker], count) as sign_in:
                signed_in = replay.sign_in_all(port, prepared, [item["code"] for item in made["codes"]], 1)
            tokens = {index: answer["token"] for index, answer in signed_in.answers.items()}
            with Measured([worker], count) as cast:
                cast_phase = replay.cast_all(port, prepared, tokens, ballots, 1, settings["ballot_type"] == "points")
    failures = signed_in.errors + cast_phase.errors
    for failure in failures[:5]:
        print(f"error: {failure}", file=sys.stderr)
    print(f"{count} requests each, {args.db}, gunicorn 1 sync worker, one client")
    print(f"cast cost {args.file.name}: sign-in {sign_in}; cast {cast}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
