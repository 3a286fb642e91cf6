"""Pure helpers for the bundle's ballots: random voter ids, a shuffled order and k-anonymous demographics.

Voter ids and the order come from a keyed hash (BLAKE2b in its MAC mode, much faster than HMAC for 60,000
rows) of each ballot's original id under the round's secret seed, so nobody can link a published row to a
ballot without the seed, and the same round always gives the same file.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

#: Vote columns that are the ballot itself; any other column describes the voter (age, sex, district …).
BALLOT_COLUMNS = ("voter_id", "vote", "points")

#: Every combination of the published demographic values must be shared by at least this many voters.
K_ANONYMITY = 5

VOTER_ID_HEX_DIGITS = 20  # 80 bits: no two of a city's ballots share one


def k_anonymous_columns(columns: Sequence[str], rows: Sequence[Sequence[str]], k: int = K_ANONYMITY) -> list[str]:
    """The demographic columns (in file order) that can be published: each is added while every combination
    of the columns kept so far, with it, still has at least ``k`` voters; a column that would single out a
    smaller group is left out."""
    kept: list[int] = []
    for index, column in enumerate(columns):
        if column in BALLOT_COLUMNS:
            continue
        trial = [*kept, index]
        groups = Counter(tuple(row[i] for i in trial) for row in rows)
        if groups and min(groups.values()) >= k:
            kept = trial
    return [columns[i] for i in kept]


def anonymise_votes(seed: bytes, scope: str, columns: Sequence[str], rows: Sequence[Sequence[str]],
                    k: int = K_ANONYMITY) -> tuple[list[str], list[list[str]]]:
    """(columns, rows) ready to publish: the ballot columns and the k-anonymous demographics, each row with a
    random voter id, in an order shuffled by the seed. ``scope`` (e.g. the budget id) keeps budgets apart."""
    voter_at = columns.index("voter_id")
    published = [c for c in columns if c in BALLOT_COLUMNS] + k_anonymous_columns(columns, rows, k)
    positions = [columns.index(c) for c in published]
    keyed = []
    for row in rows:
        tag = hashlib.blake2b(f"{scope}:{row[voter_at]}".encode(), key=seed, digest_size=16).hexdigest()
        new_row = [row[i] for i in positions]
        new_row[0] = tag[:VOTER_ID_HEX_DIGITS]
        keyed.append((tag, new_row))
    keyed.sort(key=lambda item: item[0])
    return published, [new_row for _, new_row in keyed]
