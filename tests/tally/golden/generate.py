"""Store pabutools' outcomes where it is too slow to run live, for tests/tally/test_pabutools.py to use.

    .venv/bin/python -m tests.tally.golden.generate [--files NAME …] [--timeout 900] [--only-missing]
    .venv/bin/python -m tests.tally.golden.generate --from-benchmark /path/to/pabutools-cache.json

pabutools needs 10 s – 10 min per big file and rule, and 2.5 – 5 min per MES add1/add1u case on the two
Warszawa Bemowo files, too slow to run on every test run. Each case of ``test_pabutools.golden_cases()``
(big files) and ``test_pabutools.medium_golden_cases()`` (Bemowo add1/add1u) is computed by
``test_pabutools.pabutools_outcome`` (the same bridge the live tests use) in a child process with a time
limit; results go to ``golden/<file>.json`` as ``{case key: [selected project ids]}``, and the time each case
took is printed. Cases that exceed the limit are left out (the test then skips them). ``--files`` defaults to
every file that has golden cases.

``--from-benchmark`` imports the pabutools results that ``benchmarks/tally.py --pabutools-cache`` stored —
computed by pabutools with the same satisfaction measures and tie-breaking on the same files — instead of
spending the CPU time twice.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import sys
import time
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent
ROOT = GOLDEN.parents[2]
BENCHMARK_KEYS = {  # benchmarks/tally.py rule -> (rule, params) with the utility its benchmark uses
    "greedy": ("greedy", {}),
    "mes": ("mes", {}),
    "mes-add1u": ("mes", {"completion": "add1u"}),
    "phragmen": ("phragmen", {}),
}


def _compute(name: str, rule: str, params: dict, queue) -> None:
    from tests.tally import test_pabutools as bridge

    election = bridge.election_of(name)
    queue.put(bridge.pabutools_outcome(election, rule, params))


def run_case(name: str, rule: str, params: dict, timeout: float) -> list[str] | None:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_compute, args=(name, rule, params, queue))
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join()
        return None
    return queue.get() if not queue.empty() else None


def save(name: str, key: str, selected: list[str]) -> None:
    path = GOLDEN / f"{name}.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    stored[key] = selected
    path.write_text(json.dumps(dict(sorted(stored.items())), indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from tests.tally import test_pabutools as bridge

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    all_cases = list(itertools.chain(bridge.golden_cases(), bridge.medium_golden_cases()))
    parser.add_argument("--files", nargs="*", default=sorted({name for name, _, _ in all_cases}))
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--from-benchmark", type=Path)
    parser.add_argument("--only-missing", action="store_true", help="skip cases already stored")
    args = parser.parse_args(argv)

    if args.from_benchmark:
        cache = json.loads(args.from_benchmark.read_text())
        for entry, result in sorted(cache.items()):
            name, bench_rule = entry.split(":")
            if result.get("timeout") or result.get("rc"):
                continue
            rule, params = BENCHMARK_KEYS[bench_rule]
            params = dict(params)
            if rule == "mes":
                params["utility"] = "cost" if bridge._vote_type(name) in bridge.APPROVAL_LIKE else "points"
            save(name, bridge.golden_key(rule, params), json.loads(result["stdout"]))
            print(f"{name} {bridge.golden_key(rule, params)}: imported")
        return 0

    for name, rule, params in all_cases:
        if name not in args.files:
            continue
        key = bridge.golden_key(rule, params)
        path = GOLDEN / f"{name}.json"
        if args.only_missing and path.exists() and key in json.loads(path.read_text()):
            continue
        start = time.perf_counter()
        selected = run_case(name, rule, params, args.timeout)
        seconds = time.perf_counter() - start
        if selected is None:
            print(f"{name} {key}: no result within {args.timeout:.0f} s", flush=True)
            continue
        save(name, key, selected)
        print(f"{name} {key}: stored ({seconds:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
