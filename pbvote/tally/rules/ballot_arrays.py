"""Sequential Phragmén's bookkeeping of who moves to which load class, on NumPy arrays (see
:mod:`pbvote.tally.rules.phragmen`; imported only when that rule runs, so the other rules never load NumPy)."""

from __future__ import annotations

import numpy as np

from ..model import Profile


class SupporterMoves:
    """The ballot groups as flat arrays, and each group's load class.

    Every group's project indices lie one after another in ``items`` (group ``g``'s are ``items[offsets[g] :
    offsets[g] + lengths[g]]``); the groups approving project ``p`` are ``supporting[starts[p] : starts[p + 1]]``.
    ``votes`` is how many voters approve each project. Every group starts in class 0.
    """

    def __init__(self, profile: Profile, m: int):
        self.m = m
        items, lengths, weights = profile.arrays()
        groups = len(lengths)
        self.lengths = lengths.astype(np.intp)
        self.offsets = np.cumsum(self.lengths) - self.lengths
        self.items = items.astype(np.intp)
        self.weights = weights.astype(np.float64)
        self.class_of = np.zeros(groups, dtype=np.intp)
        group_of_item = np.repeat(np.arange(groups, dtype=np.int32), self.lengths)
        # a stable sort of 16-bit keys is a radix sort, several times faster than sorting the wider items
        keys = self.items.astype(np.uint16) if m <= 1 << 16 else self.items
        self.supporting = group_of_item[np.argsort(keys, kind="stable")]
        self.starts = np.concatenate(([0], np.cumsum(np.bincount(self.items, minlength=m))))
        self.votes = _count(self.items, np.repeat(self.weights, self.lengths), m).tolist()

    def move(self, p: int, k: int) -> list[tuple[int, list[int]]]:
        """Put every group approving ``p`` into class ``k``: per old class, how many of the voters moved
        approve each project (a list indexed by project)."""
        m = self.m
        chosen = self.supporting[self.starts[p] : self.starts[p + 1]]
        old = self.class_of[chosen]
        self.class_of[chosen] = k
        lengths = self.lengths[chosen]  # at least 1 each: they list p
        ends = np.cumsum(lengths)
        # where the chosen groups' projects lie in `items`, the ranges offsets[g] .. offsets[g] + lengths[g]
        # one after another: a running sum of steps of 1, with a jump to each group's first project
        offsets = self.offsets[chosen]
        positions = np.ones(int(ends[-1]), dtype=np.intp)
        positions[0] = offsets[0]
        positions[ends[:-1]] = offsets[1:] - (offsets[:-1] + lengths[:-1] - 1)
        np.cumsum(positions, out=positions)
        keys = np.repeat(old * m, lengths)
        keys += self.items[positions]
        counts = _count(keys, np.repeat(self.weights[chosen], lengths), k * m).reshape(k, m)
        # the old classes among them: every one has voters approving p
        return [(c, counts[c].tolist()) for c in np.flatnonzero(counts[:, p]).tolist()]


def _count(keys: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """Weights summed per key, as int64: sums of whole voter counts below 2**53, exact in the float64 that
    ``numpy.bincount`` adds in."""
    return np.bincount(keys, weights=weights, minlength=size).astype(np.int64)
