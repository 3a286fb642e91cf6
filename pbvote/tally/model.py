"""The data a tally works on, and what it returns.

An :class:`Election` is what a ``.pb`` file holds, kept faithfully enough to be written back unchanged
(every META key, every project and vote column, as text). Rules never read those raw rows: they read the
:class:`Profile`, the ballots aggregated by identical content with integer multiplicities and projects
addressed by their index in ``Election.projects``. Money is exact: an ``int`` in the election's unit when it is
whole (most pabulib files; a council's round passes minor units), else a :class:`~fractions.Fraction` (a file's
``budget;2458488.22`` is ``Fraction(245848822, 100)``), never a float (:func:`parse_money`, :func:`money_text`).
No floats decide anything.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from itertools import chain
from operator import itemgetter
from typing import Any

VOTE_TYPES = ("approval", "ordinal", "cumulative", "scoring", "choose-1")

Money = int | Fraction

_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]*)?")


def parse_money(text: str) -> Money | None:
    """``text`` in plain decimal notation ("12", "-3", "12.0", "2458488.22") as exact money: an ``int`` when
    it is whole, else a ``Fraction`` over a power of ten; ``None`` if it is not such a number ("1e3", "½")."""
    body = text.strip()
    if not _PLAIN_DECIMAL.fullmatch(body):
        return None
    whole, _, decimals = body.partition(".")
    decimals = decimals.rstrip("0")
    if not decimals:
        return int(whole)
    return Fraction(int(whole + decimals), 10 ** len(decimals))


def money_text(value: Money) -> str:
    """Exact money as decimal text ("100", "2458488.22"); a value with no finite decimal form as "p/q"."""
    value = Fraction(value)
    rest, twos, fives = value.denominator, 0, 0
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    if rest != 1:  # 1/3 and the like: no decimal form
        return str(value)
    if value.denominator == 1:
        return str(value.numerator)
    digits = max(twos, fives)
    sign = "-" if value < 0 else ""
    whole, decimals = divmod(abs(value.numerator) * 10**digits // value.denominator, 10**digits)
    return f"{sign}{whole}.{decimals:0{digits}d}"


@dataclass(frozen=True)
class Project:
    """A project on the ballot. ``fields`` holds every column of its PROJECTS row as read (text); ``cost`` is
    exact money (see the module docstring)."""

    id: str
    cost: Money
    name: str = ""
    fields: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


class VoteRows(Sequence[list[str]]):
    """The VOTES rows of a file kept as the section's own text, split into one list per row only when read.

    ``text`` holds the rows as the file gives them (fields separated by ``;``, rows by ``\n``, no quoted field,
    no final line end); ``len`` is known without splitting. A big file's tally never reads the rows one by one
    (the reader counts the ballots from its columns), so a million voters cost one string, not a million
    lists; the writer copies ``text`` as it stands. Compares equal to the same rows as a list.
    """

    def __init__(self, text: str, count: int):
        self.text = text
        self._count = count
        self._rows: list[list[str]] | None = None

    def rows(self) -> list[list[str]]:
        """Every row as its list of fields (split on first use, then kept)."""
        if self._rows is None:
            self._rows = [line.split(";") for line in self.text.split("\n")]
        return self._rows

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):  # type: ignore[override]  # an int gives a row, a slice a list of rows
        return self.rows()[index]

    def __iter__(self) -> Iterator[list[str]]:
        return iter(self.rows())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, VoteRows):
            return self.text == other.text
        return isinstance(other, list) and self.rows() == other

    __hash__ = None  # type: ignore[assignment]  # mutable-looking, like the list it stands for

    def __repr__(self) -> str:
        return f"VoteRows({self._count} rows)"


class Profile:
    """Ballots aggregated by identical content.

    ``ballots[i]`` is a tuple of distinct project indices: in rank order for ordinal ballots (most preferred first),
    in ascending index order otherwise (so the same approval set listed in two orders is one ballot).
    ``points[i]`` is a tuple of the same length giving each project's points; it is present whenever the
    votes carry points (always for cumulative and scoring ballots, sometimes for ordinal ones, e.g. Kraków's
    3,2,1), else ``None``. ``weights[i]`` is how many voters cast it. Ballots appear in order of first cast.

    A big approval profile read in bulk (:mod:`.vote_arrays`) is held as flat NumPy arrays instead, and its
    tuples are built only if someone reads ``ballots``: :meth:`arrays` gives every ballot's projects one
    after another (in an order of its own within a ballot: a rule reading the arrays treats a ballot as a
    set), each ballot's length and its weight. Either way the profile compares equal to the same ballots.
    """

    def __init__(
        self,
        ballots: list[tuple[int, ...]] | None,
        weights: list[int] | None,
        points: list[tuple[int, ...]] | None = None,
        *,
        arrays: tuple[Any, Any, Any] | None = None,
    ):
        self._ballots = ballots
        self._weights = weights
        self.points = points
        self._arrays = arrays

    @classmethod
    def from_arrays(cls, items: Any, lengths: Any, weights: Any) -> Profile:
        """An approval profile of NumPy arrays: ``items`` (every ballot's project indices, one ballot after
        another, each ballot's in any order), ``lengths`` and ``weights`` (one per ballot)."""
        return cls(None, None, arrays=(items, lengths, weights))

    @property
    def ballots(self) -> list[tuple[int, ...]]:
        if self._ballots is None:
            items, lengths, _ = self._arrays
            flat = items.tolist()
            ends = lengths.cumsum().tolist()
            self._ballots = [tuple(sorted(flat[end - length : end])) for end, length in zip(ends, lengths.tolist())]
        return self._ballots

    @property
    def weights(self) -> list[int]:
        if self._weights is None:
            self._weights = self._arrays[2].tolist()
        return self._weights

    def arrays(self) -> tuple[Any, Any, Any]:
        """(project indices of every ballot one after another, ballot lengths, weights) as NumPy arrays
        (``intp``, ``int64``, ``int64``); built from the tuples on first use when the profile has none."""
        if self._arrays is None:
            import numpy as np  # only the rules on arrays need NumPy

            ballots = self._ballots
            lengths = np.fromiter(map(len, ballots), np.int64, len(ballots))
            items = np.fromiter(chain.from_iterable(ballots), np.intp, int(lengths.sum()))
            self._arrays = (items, lengths, np.asarray(self._weights, dtype=np.int64))
        return self._arrays

    def project_votes(self, m: int) -> list[int]:
        """How many voters list each of the ``m`` projects."""
        if self._arrays is not None:
            import numpy as np

            items, lengths, weights = self._arrays
            # sums of whole voter counts below 2**53: exact in the float64 bincount adds in
            totals = np.bincount(items, weights=np.repeat(weights.astype(np.float64), lengths), minlength=m)
            return totals.astype(np.int64).tolist()
        votes = [0] * m
        for ballot, weight in zip(self._ballots, self._weights):
            for index in ballot:
                votes[index] += weight
        return votes

    def __len__(self) -> int:
        return len(self._ballots) if self._ballots is not None else len(self._arrays[1])

    @property
    def num_voters(self) -> int:
        return sum(self._weights) if self._weights is not None else int(self._arrays[2].sum())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Profile):
            return NotImplemented
        return (self.ballots, self.weights, self.points) == (other.ballots, other.weights, other.points)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Profile({len(self)} ballots, {self.num_voters} voters)"


@dataclass
class Election:
    """A participatory-budgeting election: META, projects (file order) and votes.

    ``vote_columns`` / ``vote_rows`` keep the VOTES section as text, one row per voter, for faithful
    round trips and for audit files (the pabulib reader gives the rows as :class:`VoteRows`, which splits them
    only when read); ``profile`` holds them aggregated. The pabulib reader builds it while
    validating the votes (each distinct vote is parsed once, for both); an election made in code either gives
    it as ``_profile`` (code that already holds aggregated ballots) or has it built from ``vote_rows`` on
    first use. ``normalised_lines``: the 1-based file lines of approval ballots that list a project more than
    once (the reader counts it once on that ballot; see :attr:`warnings`).
    """

    meta: dict[str, str]
    projects: list[Project]
    project_columns: list[str]
    vote_columns: list[str]
    vote_rows: Sequence[list[str]]
    _profile: Profile | None = field(default=None, repr=False, compare=False)
    normalised_lines: tuple[int, ...] = field(default=(), compare=False)

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @cached_property
    def budget(self) -> Money:
        """META ``budget`` as exact money."""
        value = parse_money(self.meta["budget"])
        if value is None:
            raise ValueError(f"budget {self.meta['budget']!r} is not a decimal number")
        return value

    @property
    def warnings(self) -> list[str]:
        """What the reader changed to count the ballots, in plain words (empty for a file read as it stands)."""
        lines = self.normalised_lines
        if not lines:
            return []
        shown = ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
        ballots = "1 ballot lists" if len(lines) == 1 else f"{len(lines)} ballots list"
        return [
            f"{ballots} a project more than once (line{'s' if len(lines) > 1 else ''} {shown}): counted once"
        ]

    @cached_property
    def index_of(self) -> dict[str, int]:
        """Project id → index in ``projects``."""
        return {project.id: i for i, project in enumerate(self.projects)}

    @property
    def num_voters(self) -> int:
        return len(self.vote_rows) if self.vote_rows or self._profile is None else self._profile.num_voters

    @property
    def profile(self) -> Profile:
        """The ballots aggregated for the rules (built from ``vote_rows`` on first use)."""
        if self._profile is None:
            self._profile = build_profile(self)
        return self._profile


def build_profile(election: Election) -> Profile:
    """Aggregate ``election.vote_rows`` (columns ``vote`` and, if present, ``points``) into a :class:`Profile`.

    Rows are counted by their raw text first, so the work per voter is one dictionary update; only the
    distinct ballots are parsed. Assumes rows were validated (the pabulib reader does that, and hands over
    the profile it builds from its own checks, so this runs for elections made in code).
    """
    columns = election.vote_columns
    vote_at = columns.index("vote")
    points_at = columns.index("points") if "points" in columns else None
    index_of = election.index_of
    ordinal = election.vote_type == "ordinal"
    rows = election.vote_rows

    def indices(vote: str) -> tuple[int, ...]:
        items = vote.split(",")
        if " " in vote or "" in items:  # the rare untidy vote; the common one is mapped directly
            items = [item.strip() for item in items if item.strip()]
        return tuple(map(index_of.__getitem__, items))

    if points_at is None:
        return aggregate_ballots(Counter(map(itemgetter(vote_at), rows)), ordinal, indices)

    def values(points: str) -> tuple[int, ...]:
        return tuple(int(Fraction(value.strip())) for value in points.split(",") if value.strip())

    return aggregate_ballots(Counter(map(itemgetter(vote_at, points_at), rows)), ordinal, indices, values)


def aggregate_ballots(
    counts: Mapping[Any, int],
    ordinal: bool,
    indices: Callable[[str], tuple[int, ...]],
    values: Callable[[str], tuple[int, ...]] | None = None,
) -> Profile:
    """The :class:`Profile` of distinct votes and how many voters cast each, in order of first cast.

    ``counts`` maps a vote's text to its number of voters, or, when ``values`` is given, its ``(vote text,
    points text)`` pair; ``indices`` turns vote text into project indices and ``values`` points text into
    whole numbers. Different texts for the same ballot (other order, spacing) are merged here.
    """
    merged: dict[Any, int] = {}
    get = merged.get
    if values is None:
        for vote, weight in counts.items():
            ids = indices(vote)
            key = ids if ordinal else tuple(sorted(set(ids)))  # a project listed twice counts once
            merged[key] = get(key, 0) + weight
        return Profile(list(merged), list(merged.values()))
    parsed_points: dict[str, tuple[int, ...]] = {}
    for (vote, points), weight in counts.items():
        ids = indices(vote)
        numbers = parsed_points.get(points)
        if numbers is None:
            numbers = parsed_points[points] = values(points)
        if ordinal and len(ids) == len(numbers):
            pair_key = (ids, numbers)
        else:  # (unequal lengths only in unvalidated elections made in code: zip keeps the shorter)
            pairs = list(zip(ids, numbers)) if ordinal else sorted(zip(ids, numbers))
            pair_key = (tuple(i for i, _ in pairs), tuple(v for _, v in pairs))
        merged[pair_key] = get(pair_key, 0) + weight
    return Profile([ballot for ballot, _ in merged], list(merged.values()), [points for _, points in merged])


def rank_points(ballots: list[tuple[int, ...]], top: int) -> list[tuple[int, ...]]:
    """Points per rank of ranked ballots: ``top`` for a first choice, ``top - 1`` for a second, …"""
    return [tuple(range(top, top - len(ballot), -1)) for ballot in ballots]


@dataclass
class Step:
    """One step of a tally, for the trace: a project chosen or skipped and why.

    ``action`` is "select", "skip" or a rule-specific word ("budget", "compare", …); ``details`` carries
    rule-specific numbers (e.g. MES price per voter, effective votes, the per-voter budget tried), all
    JSON-serialisable (Fractions are rendered as "p/q" strings by :func:`jsonable`).
    """

    action: str
    project: str | None = None
    cost: int | None = None
    support: Any = None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """The result of a rule: ``selected`` in selection order, with the trace that explains it."""

    rule: str
    params: dict[str, Any]
    selected: list[str]
    budget: int
    spent: int
    tie_breaking: str
    steps: list[Step] = field(default_factory=list)


def jsonable(value: Any) -> Any:
    """``value`` with Fractions as exact strings and dataclasses as dicts, ready for ``json.dumps``."""
    if isinstance(value, Fraction):
        return str(value) if value.denominator != 1 else value.numerator
    if isinstance(value, (Step, Outcome)):
        return {key: jsonable(item) for key, item in value.__dict__.items()}
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value
