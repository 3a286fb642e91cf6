"""Benchmark: ``pbvote tally`` against pabutools, side by side, each run as its own process.

    .venv/bin/python benchmarks/tally.py [--pabutools-timeout 600] [--files …] [--rules …] [--repeat 3]
                                         [--pabutools-cache results.json] [--skip-pabutools]
    .venv/bin/python benchmarks/tally.py --synthetic 1000000 [--seed 15] [--skip-pabutools] [--rules …]

For each file and rule, pbvote runs as ``pbvote tally FILE --rule … --format json`` and pabutools runs in
``python benchmarks/tally.py --pabutools-run FILE RULE`` (this file, parsing included). Wall time is measured
around the subprocess; peak memory is the child's own ``ru_maxrss`` (from ``os.wait4``). pbvote runs
``--repeat`` times per case and the median run is reported (a second or so of noise from other work on a
shared machine would otherwise decide the figure); pabutools runs once. Both outcomes are compared (same
selected set, pabutools' unsupported extras aside).

Rules (the issue's benchmark set): ``greedy``; ``mes`` with cost utility (points for ordinal and cumulative
ballots); the same with ``add1u``; ``phragmen`` on approval-like files (approval, choose-1).
pabutools equivalents: ``greedy_utilitarian_welfare`` with cost satisfaction (points × cost for points),
``method_of_equal_shares`` (``Cost_Sat`` / additive points), the ``add1u`` chain as
``completion_by_rule_combination([MES with voter_budget_increment=1, greedy_utilitarian_welfare])``, and
``sequential_phragmen``.

``--synthetic N`` (repeatable) benchmarks a seeded synthetic election instead of the real files
(:func:`synthetic_text`): ``N`` approval ballots over 200 projects whose popularity is skewed like a real
round's, each ballot listing 1 to 15 of them, so that most ballots are distinct. The file is written once
to ``benchmarks/.synthetic/`` and reused.

Output: a Markdown table on stdout. ``--pabutools-cache`` stores pabutools figures in a JSON file and reuses
them (pabutools needs minutes per big file; reuse lets a second run time only pbvote).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNTHETIC = Path(__file__).resolve().parent / ".synthetic"
DATA = Path(os.environ.get("PBVOTE_PABULIB", ROOT.parent / "shared" / "pabulib"))
FILES = [
    "Poland_Warszawa_2026.pb",
    "Poland_Wroclaw_2021.pb",
    "Poland_Krakow_2021.pb",
    "Poland_Katowice_2020.pb",
]
RULES = ["greedy", "mes", "mes-add1u", "phragmen"]
PBVOTE = ROOT / ".venv" / "bin" / "pbvote"


def pbvote_args(vote_type: str, rule: str) -> list[str] | None:
    """The ``pbvote tally`` arguments for a benchmark rule (None where the rule does not apply)."""
    points = vote_type in ("ordinal", "cumulative", "scoring")
    if rule == "greedy":
        return ["--rule", "greedy"]
    if rule in ("mes", "mes-add1u"):
        args = ["--rule", "mes", "--param", f"utility={'points' if points else 'cost'}"]
        if rule == "mes-add1u":
            args += ["--param", "completion=add1u", "--param", "budget_start=exact"]
        return args
    if rule == "phragmen":
        return ["--rule", "phragmen"] if vote_type in ("approval", "choose-1") else None
    raise ValueError(rule)


def run_measured(command: list[str], timeout: float | None) -> dict:
    """Run ``command``: wall seconds, the child's own peak RSS (MiB, from ``os.wait4``) and its output.

    ``timeout`` (seconds) kills the child and reports a timeout instead."""
    start = time.perf_counter()
    # Python's default: compiled modules are cached (this machine's environment turns that off, which would
    # add a recompilation of every pbvote module to each run)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = None if timeout is None else start + timeout
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    # Read output in threads so a chatty child never blocks; wait4 reaps it and returns its rusage.
    import threading

    def drain(stream, chunks):
        chunks.append(stream.read())

    threads = [
        threading.Thread(target=drain, args=(process.stdout, out_chunks), daemon=True),
        threading.Thread(target=drain, args=(process.stderr, err_chunks), daemon=True),
    ]
    for thread in threads:
        thread.start()
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            process.kill()
            os.wait4(process.pid, 0)
            return {"timeout": True, "seconds": timeout}
        time.sleep(0.005)
    seconds = time.perf_counter() - start
    for thread in threads:
        thread.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "timeout": False,
        "seconds": seconds,
        "rss_mib": usage.ru_maxrss / 1024,
        "stdout": "".join(out_chunks),
        "stderr": "".join(err_chunks),
        "rc": process.returncode,
    }


# ----------------------------------------------------------------------------------------------------------
# The pabutools side (run in a child process of this script).


def pabutools_run(path: str, rule: str) -> list[str]:
    """Parse ``path`` with pabutools and run its equivalent of ``rule``; selected project names."""
    from pabutools.election import (
        Additive_Cardinal_Sat,
        AdditiveSatisfaction,
        CardinalBallot,
        CardinalProfile,
        Cost_Sat,
        parse_pabulib,
    )
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
        sequential_phragmen,
    )

    instance, profile = parse_pabulib(path)
    vote_type = instance.meta["vote_type"]
    if vote_type == "ordinal":
        # pabutools' reader drops the points column of ordinal files: rebuild the ballots with it.
        profile = ordinal_points_profile(path, instance, CardinalBallot, CardinalProfile)
        vote_type = "scoring"
    points = vote_type in ("cumulative", "scoring")

    class PointsTimesCost(AdditiveSatisfaction):
        """Points × cost: greedy by satisfaction per cost then orders by points (pabulib's greedy)."""

        def __init__(self, inst, prof, ballot):
            AdditiveSatisfaction.__init__(
                self, inst, prof, ballot, lambda i, pr, b, project, pre: b.get(project, 0) * project.cost
            )

    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(
            instance, profile, sat_class=PointsTimesCost if points else Cost_Sat
        )
    elif rule == "mes":
        outcome = method_of_equal_shares(
            instance, profile, sat_class=Additive_Cardinal_Sat if points else Cost_Sat
        )
    elif rule == "mes-add1u":
        sat = Additive_Cardinal_Sat if points else Cost_Sat
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": sat}],
        )
    elif rule == "phragmen":
        outcome = sequential_phragmen(instance, profile)
    else:
        raise ValueError(rule)
    return [project.name for project in outcome]


def ordinal_points_profile(path, instance, ballot_class, profile_class):
    """A pabutools cardinal profile of an ordinal file, points from its ``points`` column (else L, L-1, …)."""
    sys.path.insert(0, str(ROOT))
    from pbvote.tally import pabulib

    election = pabulib.load(path)
    prof = election.profile
    projects = {project.name: project for project in instance}
    longest = max(len(ballot) for ballot in prof.ballots)
    ballots = []
    for g, ballot in enumerate(prof.ballots):
        points = prof.points[g] if prof.points is not None else [longest - k for k in range(len(ballot))]
        cardinal = ballot_class({projects[election.projects[p].id]: v for p, v in zip(ballot, points)})
        ballots.extend(cardinal for _ in range(prof.weights[g]))
    return profile_class(ballots, instance=instance)


# ----------------------------------------------------------------------------------------------------------
# Synthetic elections.

SYNTHETIC_PROJECTS = 200


def synthetic_text(ballots: int, seed: int = 15) -> str:
    """A seeded pabulib approval election with ``ballots`` voters over 200 projects.

    Popularity is skewed like a real round's: project ``k`` (0-based) is picked with weight ``1 / (k + 1) **
    0.7`` (the favourite about 40 times as often as the last). A ballot lists 1 to 15 projects, its length
    uniform, picked without replacement by weight (the Gumbel top-k trick, vectorised with NumPy). Costs are
    whole multiples of 1,000 from 20,000 to 900,000 and the budget a fifth of their total. The same
    ``(ballots, seed)`` always gives the same text."""
    import numpy as np

    rng = np.random.default_rng(seed)
    m = SYNTHETIC_PROJECTS
    log_weight = -0.7 * np.log(np.arange(1, m + 1))
    costs = rng.integers(20, 901, size=m) * 1000
    lines = [
        "META",
        "key;value",
        f"description;Synthetic approval election ({ballots} ballots, seed {seed})",
        "country;Nowhere",
        "unit;Synthetic",
        "instance;2026",
        f"num_projects;{m}",
        f"num_votes;{ballots}",
        f"budget;{int(costs.sum()) // 5}",
        "vote_type;approval",
        "rule;greedy",
        "min_length;1",
        "max_length;15",
        "PROJECTS",
        "project_id;cost;name",
        *(f"{k + 1};{cost};Project {k + 1}" for k, cost in enumerate(costs.tolist())),
        "VOTES",
        "voter_id;vote",
    ]
    names = [str(k + 1) for k in range(m)]
    chunk = 50_000
    voter = 0
    for start in range(0, ballots, chunk):
        size = min(chunk, ballots - start)
        keys = log_weight + rng.gumbel(size=(size, m))
        top = np.argsort(-keys, axis=1)[:, :15].tolist()
        lengths = rng.integers(1, 16, size=size).tolist()
        for picks, length in zip(top, lengths):
            voter += 1
            lines.append(f"{voter};{','.join(names[p] for p in picks[:length])}")
    return "\n".join(lines) + "\n"


def synthetic_file(ballots: int, seed: int) -> Path:
    """The synthetic election's file, written on first use."""
    path = SYNTHETIC / f"synthetic_{ballots}_seed{seed}.pb"
    if not path.exists():
        SYNTHETIC.mkdir(exist_ok=True)
        path.write_text(synthetic_text(ballots, seed), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------------------


def vote_type_of(path: Path) -> str:
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            if line.lower().startswith("vote_type;"):
                return line.split(";", 1)[1].strip()
    return "approval"


def fmt_time(result: dict | None) -> str:
    if result is None:
        return "—"
    if result.get("timeout"):
        return f">{result['seconds']:.0f} s"
    if result.get("rc"):
        return "error"
    return f"{result['seconds']:.2f} s"


def fmt_rss(result: dict | None) -> str:
    if result is None or result.get("timeout") or result.get("rc"):
        return "—"
    return f"{result['rss_mib']:.0f} MiB"


def machine() -> str:
    """One line: date, cores, CPU model, RAM, Python, load average (figures depend on all of them)."""
    import platform

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = int(
            next(
                l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")
            ).split()[1]
        )
        ram = f"{mem_kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        ram = "RAM unknown"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores ({cpu}); {ram}; "
        f"Python {platform.python_version()}; load average at start {load}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", nargs="*", default=FILES)
    parser.add_argument("--rules", nargs="*", default=RULES, choices=RULES)
    parser.add_argument("--pabutools-timeout", type=float, default=600)
    parser.add_argument("--pbvote-timeout", type=float, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="pbvote runs per case; the median is reported")
    parser.add_argument("--pabutools-cache", type=Path)
    parser.add_argument("--skip-pabutools", action="store_true")
    parser.add_argument("--skip-pbvote", action="store_true")
    parser.add_argument("--pabutools-run", nargs=2, metavar=("FILE", "RULE"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--synthetic", type=int, action="append", metavar="N", help="a seeded synthetic election of N ballots"
    )
    parser.add_argument("--seed", type=int, default=15, help="the synthetic election's seed")
    args = parser.parse_args(argv)

    if args.pabutools_run:
        print(json.dumps(pabutools_run(*args.pabutools_run)))
        return 0

    header = machine()
    cache: dict = {}
    if args.pabutools_cache and args.pabutools_cache.exists():
        cache = json.loads(args.pabutools_cache.read_text())
    rows = []
    paths = (
        [synthetic_file(n, args.seed) for n in args.synthetic]
        if args.synthetic
        else [DATA / f for f in args.files]
    )
    for path in paths:
        name = path.name
        vote_type = vote_type_of(path)
        for rule in args.rules:
            extra = pbvote_args(vote_type, rule)
            if extra is None:
                continue
            ours = None
            if not args.skip_pbvote:
                command = [str(PBVOTE), "tally", str(path), *extra, "--format", "json"]
                tries = [run_measured(command, args.pbvote_timeout) for _ in range(max(1, args.repeat))]
                ours = sorted(tries, key=lambda result: result["seconds"])[len(tries) // 2]
            key = f"{name}:{rule}"
            theirs = cache.get(key)
            if theirs is None and not args.skip_pabutools:
                theirs = run_measured(
                    [sys.executable, __file__, "--pabutools-run", str(path), rule], args.pabutools_timeout
                )
                theirs.pop("stderr", None)
                cache[key] = theirs
                if args.pabutools_cache:
                    args.pabutools_cache.write_text(json.dumps(cache, indent=1))
            agree = "—"
            if ours and theirs and not ours.get("rc") and not theirs.get("timeout") and not theirs.get("rc"):
                mine = set(json.loads(ours["stdout"])["selected"])
                other = set(json.loads(theirs["stdout"]))
                # pabutools funds unsupported projects with money left over (greedy, Phragmén); pbvote does not
                agree = "yes" if mine == other or mine < other and rule in ("greedy", "phragmen") else "NO"
            speedup = "—"
            if ours and theirs and not ours.get("rc") and ours["seconds"] > 0:
                ratio = theirs["seconds"] / ours["seconds"]
                speedup = f"{'>' if theirs.get('timeout') else ''}{ratio:.0f}×"
            rows.append(
                f"| {name} | {rule} | {fmt_time(ours)} | {fmt_rss(ours)} | {fmt_time(theirs)} | "
                f"{fmt_rss(theirs)} | {speedup} | {agree} |"
            )
            print(rows[-1], file=sys.stderr, flush=True)
    print(f"Machine: {header}\n")
    print(
        "| file | rule | pbvote wall | pbvote peak RSS | pabutools wall | pabutools peak RSS | speed-up | same outcome |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
