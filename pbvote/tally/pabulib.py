"""Reader and writer for the pabulib ``.pb`` format (pabulib.org/format).

A ``.pb`` file has three sections, in this order, each introduced by a line holding only its name and then a
header line: ``META`` (``key;value`` rows), ``PROJECTS`` (at least ``project_id`` and ``cost``) and ``VOTES``
(at least ``voter_id`` and ``vote``; ``points`` for cumulative and scoring ballots, optionally for ordinal
ones). Fields are separated by ``;`` and may be quoted the CSV way; lists inside a field (the projects of a
vote, its points) are separated by ``,``.

What the reader keeps: every META key in file order, every project and vote column as text; the VOTES rows
as the section's text (:class:`~pbvote.tally.model.VoteRows`, split into one list per voter only if someone
reads them). It builds no per-voter objects beyond the fields of the columns it checks (a synthetic benchmark
holds a million votes): the votes are checked in bulk, each distinct vote once, and the same pass builds the
aggregated :class:`~pbvote.tally.model.Profile` the rules read (``Election.profile``). Only a file with a fault
is walked row by row, to name the line.

What it refuses, always with :class:`PabulibError` naming the 1-based line and the reason: a missing, repeated
or misplaced section, a bad META line or a repeated META key, a missing required column, a row with the wrong
number of fields, a duplicate project or voter id, a cost or budget that is not a positive number in plain
decimal notation, an unknown ``vote_type``, a vote naming an unknown project, a ranking (or a ballot with
points) naming the same project twice, a vote longer than ``max_length`` or shorter than ``min_length``, a
choose-1 vote with more than one project, points that are not whole numbers ≥ 0 or whose count differs from
the vote's, cumulative points over ``max_sum_points``, and ``num_votes`` / ``num_projects`` disagreeing with
the sections.

Money is read exactly (:func:`~pbvote.tally.model.parse_money`): "123" and "123.0" are the integer 123, a
decimal such as Kraków 2023's ``budget;2458488.22`` the Fraction 245848822/100, so no rounding can change an
outcome; "1e6" is refused ("is not a number"). The text is kept as given, so the writer writes it back
unchanged.

Normalised (``strict=False``, the default), because an auditor must be able to count a real file: an approval
(or choose-1) ballot that lists a project twice (some Warsaw 2026 district ballots) counts the project once;
``Election.normalised_lines`` names those lines and ``Election.warnings`` says so in words. ``strict=True``
refuses such a file instead ("vote lists project '2' more than once").

Tolerated: a UTF-8 byte-order mark, CRLF (or mixed) line ends, quoted fields (also spanning lines), blank lines
at the end of the file, spaces around section names and around the items of a vote.
"""

from __future__ import annotations

import csv
import gc
import io
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any, NoReturn

from ..text import counted
from .model import VOTE_TYPES, Election, Profile, Project, VoteRows, money_text, parse_money

Columns = Callable[[int], Sequence[str]]  # a VOTES column's fields, in row order

SECTIONS = ("META", "PROJECTS", "VOTES")

#: From this many VOTES rows on, plain approval votes are read in bulk with NumPy (:mod:`.vote_arrays`): below
#: it, importing NumPy (about 0.1 s) costs more than reading the rows one distinct vote at a time saves.
BULK_ROWS = 20_000


class PabulibError(ValueError):
    """A malformed ``.pb`` file. ``line`` is 1-based; ``reason`` says what is wrong in plain words."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def load(source: str | os.PathLike[str], *, strict: bool = False) -> Election:
    """Read an election from a path (``str`` without a newline, or ``PathLike``) or from ``.pb`` text
    (``strict``: refuse what the reader would otherwise normalise; see the module docstring)."""
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return loads(source, strict=strict)
    data = Path(source).read_bytes()
    if b"\r" in data:
        # Line ends are normalised on the bytes, several times faster than on the decoded text (a UTF-8
        # sequence never contains CR or LF bytes, so this cannot touch a character).
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PabulibError(data.count(b"\n", 0, error.start) + 1, "the file is not UTF-8 text") from None
    del data  # (a big file's bytes need not outlive their text)
    return loads(text, strict=strict)


def loads(text: str, *, strict: bool = False) -> Election:
    """Parse ``.pb`` text into an :class:`Election` (see the module docstring for what is checked, and for
    what ``strict`` refuses instead of normalising)."""
    # The reader allocates a few hundred thousand small lists and strings, none of them cyclic garbage; with
    # the cyclic collector running it would scan them all again and again (up to half the reading time).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _Reader(text, strict).read()
    finally:
        if was_enabled:
            gc.enable()


def dumps(election: Election) -> str:
    """The election as ``.pb`` text: META, PROJECTS and VOTES with every column, ``\\n`` line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    buffer.write("META\n")
    writer.writerow(("key", "value"))
    writer.writerows(election.meta.items())
    buffer.write("PROJECTS\n")
    columns = election.project_columns
    writer.writerow(columns)
    writer.writerows([_project_cell(project, column) for column in columns] for project in election.projects)
    buffer.write("VOTES\n")
    writer.writerow(election.vote_columns)
    rows = election.vote_rows
    if isinstance(rows, VoteRows):
        # no field holds a quote, ';' or line end: the csv module would write them as they are
        buffer.write(rows.text + "\n")
    else:
        writer.writerows(rows)
    return buffer.getvalue()


def dump(election: Election, path: str | os.PathLike[str]) -> None:
    """Write the election to ``path`` as UTF-8 ``.pb`` text."""
    Path(path).write_text(dumps(election), encoding="utf-8", newline="")


def _project_cell(project: Project, column: str) -> str:
    # Projects built in code may have no ``fields``; their id, cost and name still belong in the file.
    if column in project.fields:
        return project.fields[column]
    return {"project_id": project.id, "cost": money_text(project.cost), "name": project.name}.get(column, "")


def parse_whole(text: str) -> int | None:
    """``text`` as a whole number ("12", "-3", "12.0", "12.00"); ``None`` if it is not one."""
    body = text.strip()
    sign = -1 if body.startswith("-") else 1
    whole, dot, fraction = body.lstrip("-").partition(".")
    if not (whole.isascii() and whole.isdigit()) or (dot and fraction.strip("0")):
        return None
    return sign * int(whole)


class _Reader:
    """One pass over the lines of a ``.pb`` text; keeps the line number of every record for errors."""

    def __init__(self, text: str, strict: bool = False):
        self.strict = strict
        self.position = 0
        text = text.removeprefix("\ufeff")
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.text = text
        self.lines = text.split("\n")
        # Blank lines at the very end are tolerated (most files end with one); elsewhere they are an error.
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()
        if not self.lines:
            raise PabulibError(1, "the file is empty")

    def records(self, start: int = 0) -> Iterator[tuple[int, list[str]]]:
        """(line number, fields) per record from line index ``start``; a quoted field may span lines.

        ``self.position`` is the index of the line after the record last yielded.
        """
        lines = self.lines
        index, count = start, len(lines)
        while index < count:
            line = lines[index]
            number = index + 1
            index += 1
            if '"' not in line:
                self.position = index
                yield number, line.split(";")
                continue
            # An odd number of quote characters means a quoted field continues on the next line.
            while line.count('"') % 2 and index < count:
                line += "\n" + lines[index]
                index += 1
            if line.count('"') % 2:
                raise PabulibError(number, "a quoted field is never closed")
            self.position = index
            yield number, next(csv.reader([line], delimiter=";"))

    def read(self) -> Election:
        meta: dict[str, str] = {}
        meta_lines: dict[str, int] = {}
        projects: list[Project] = []
        project_columns: list[str] = []
        vote_columns: list[str] = []
        section_lines: dict[str, int] = {}
        headers_seen: set[str] = set()

        section: str | None = None
        header: list[str] | None = None
        for number, fields in self.records():
            name = fields[0].strip() if len(fields) == 1 else None
            if name in SECTIONS:
                expected = SECTIONS[len(section_lines)] if len(section_lines) < 3 else None
                if name in section_lines:
                    raise PabulibError(number, f"section {name} appears twice")
                if name != expected:
                    raise PabulibError(number, f"section {expected} is missing (found {name} before it)")
                section_lines[name] = number
                section, header = name, None
                continue
            if section is None:
                raise PabulibError(number, "the file must start with a META section")
            if header is None:
                header = self._header(number, fields, section)
                headers_seen.add(section)
                if section == "PROJECTS":
                    project_columns = header
                elif section == "VOTES":
                    vote_columns = header
                    break  # the votes, by far the largest part, are read in bulk below
                continue
            if len(fields) == 1 and not fields[0].strip():
                raise PabulibError(number, "empty line inside a section")
            if len(fields) != len(header):
                raise PabulibError(
                    number, f"expected {len(header)} fields ({';'.join(header)}), found {len(fields)}"
                )
            if section == "META":
                key = fields[0].strip()
                if not key:
                    raise PabulibError(number, "META line has an empty key")
                if key in meta:
                    raise PabulibError(number, f"META key {key!r} appears twice")
                meta[key] = fields[1]
                meta_lines[key] = number
            else:
                projects.append(self._project(number, fields, header, projects))

        end = len(self.lines) + 1
        for name in SECTIONS:
            if name not in section_lines:
                raise PabulibError(end, f"section {name} is missing")
            if name not in headers_seen:
                raise PabulibError(section_lines[name] + 1, f"section {name} has no header line")

        election = self._bulk_election(meta, projects, project_columns, vote_columns)
        if election is not None:
            self._check_meta(election, meta_lines, section_lines)
            return election
        vote_rows, column, vote_lines = self._votes(self.position, len(vote_columns))
        election = Election(meta, projects, project_columns, vote_columns, vote_rows)
        self._check_meta(election, meta_lines, section_lines)
        self._check_votes(election, column, vote_lines, meta_lines, self.strict)
        return election

    def _votes_text(self, start: int) -> tuple[int, str]:
        """Where the VOTES rows from line index ``start`` begin in the text, and their text (no final line end)."""
        rest = self.lines[start:]
        offset = sum(map(len, self.lines[:start])) + start
        return offset, self.text[offset : offset + sum(map(len, rest)) + len(rest) - 1]

    def _bulk_election(
        self, meta: dict[str, str], projects: list[Project], project_columns: list[str], vote_columns: list[str]
    ) -> Election | None:
        """The election with its profile read in bulk (:mod:`.vote_arrays`), for a big section of plain approval
        votes; None for any other (the rows are then read and checked one distinct vote at a time)."""
        rows = len(self.lines) - self.position
        vote_type = meta.get("vote_type", "approval").strip()
        if rows < BULK_ROWS or "points" in vote_columns or vote_type not in ("approval", "choose-1"):
            return None
        lengths = {key: parse_whole(meta[key]) if key in meta else -1 for key in ("min_length", "max_length")}
        if None in lengths.values():
            return None  # refused by the META checks
        body = self._votes_text(self.position)[1]
        if '"' in body:
            return None
        highest = len(projects) if lengths["max_length"] == -1 else lengths["max_length"]
        if vote_type == "choose-1":
            highest = min(highest, 1)
        from .vote_arrays import approval_arrays  # here: only a big file needs NumPy to be read

        election = Election(meta, projects, project_columns, vote_columns, VoteRows(body, rows))
        found = approval_arrays(
            body,
            len(vote_columns),
            vote_columns.index("vote"),
            vote_columns.index("voter_id"),
            election.index_of,
            lengths["min_length"],
            highest,
        )
        if found is None:
            return None
        election._profile = Profile.from_arrays(*found)
        return election

    def _votes(self, start: int, width: int) -> tuple[Sequence[list[str]], Columns, Sequence[int]]:
        """The VOTES rows from line index ``start`` on: the rows, a function giving one column's fields (in row
        order) and the rows' line numbers; a row of the wrong width is refused.

        The usual file (no quoted field, every row ``width`` fields) is read without a list per row: the
        section's text, split once into fields, gives each column as a slice, and the rows stay that text
        (:class:`~pbvote.tally.model.VoteRows`). Anything else takes the record-by-record path, which names
        the line of a fault."""
        rest = self.lines[start:]
        first = start + 1
        # Where the VOTES rows begin in the text: one search there says whether any field is quoted.
        offset, body = self._votes_text(start)
        if (
            rest
            and self.text.find('"', offset) == -1
            and set(map(str.count, rest, repeat(";"))) == {width - 1}
        ):
            fields = body.replace("\n", ";").split(";")
            return (
                VoteRows(body, len(rest)),
                lambda column: fields[column::width],
                range(first, first + len(rest)),
            )
        lines: Sequence[int]
        if self.text.find('"', offset) != -1:
            records = list(self.records(start))
            rows, lines = [fields for _, fields in records], [number for number, _ in records]
        else:
            rows, lines = [line.split(";") for line in rest], range(first, first + len(rest))
        if rows and set(map(len, rows)) != {width}:
            bad = next(k for k, row in enumerate(rows) if len(row) != width)
            fields, number = rows[bad], lines[bad]
            name = fields[0].strip() if len(fields) == 1 else ""
            if name in SECTIONS:
                raise PabulibError(
                    number, f"section {name} appears after VOTES; VOTES must be the last section"
                )
            if len(fields) == 1 and not name:
                raise PabulibError(number, "empty line inside a section")
            raise PabulibError(number, f"expected {width} fields in VOTES, found {len(fields)}")
        return rows, lambda column: list(map(itemgetter(column), rows)), lines

    @staticmethod
    def _header(number: int, fields: list[str], section: str) -> list[str]:
        header = [field.strip() for field in fields]
        required = {
            "META": ("key", "value"),
            "PROJECTS": ("project_id", "cost"),
            "VOTES": ("voter_id", "vote"),
        }
        if section == "META" and header != ["key", "value"]:
            raise PabulibError(number, f"META header must be 'key;value', found {';'.join(fields)!r}")
        for column in required[section]:
            if column not in header:
                raise PabulibError(number, f"{section} header has no {column!r} column")
        duplicates = sorted({column for column in header if header.count(column) > 1})
        if duplicates:
            raise PabulibError(number, f"{section} header repeats column {duplicates[0]!r}")
        return header

    @staticmethod
    def _project(number: int, fields: list[str], header: list[str], projects: list[Project]) -> Project:
        row = dict(zip(header, fields))
        project_id = row["project_id"].strip()
        if not project_id:
            raise PabulibError(number, "project_id is empty")
        if any(project.id == project_id for project in projects):
            raise PabulibError(number, f"duplicate project id {project_id!r}")
        cost = parse_money(row["cost"])
        if cost is None:
            raise PabulibError(number, f"cost {row['cost']!r} of project {project_id!r} is not a number")
        if cost <= 0:
            raise PabulibError(
                number, f"cost of project {project_id!r} must be positive, found {row['cost']!r}"
            )
        return Project(project_id, cost, row.get("name", ""), row)

    @staticmethod
    def _check_meta(election: Election, meta_lines: dict[str, int], section_lines: dict[str, int]) -> None:
        meta = election.meta
        if "budget" not in meta:
            raise PabulibError(section_lines["META"], "META has no 'budget'")
        budget = parse_money(meta["budget"])
        if budget is None:
            raise PabulibError(meta_lines["budget"], f"budget {meta['budget']!r} is not a number")
        if budget <= 0:
            raise PabulibError(meta_lines["budget"], f"budget must be positive, found {meta['budget']!r}")
        vote_type = meta.get("vote_type", "approval").strip()
        if vote_type not in VOTE_TYPES:
            raise PabulibError(
                meta_lines["vote_type"], f"unknown vote_type {vote_type!r} (known: {', '.join(VOTE_TYPES)})"
            )
        for key in (
            "min_length",
            "max_length",
            "max_sum_points",
            "min_sum_points",
            "num_votes",
            "num_projects",
        ):
            if key in meta and parse_whole(meta[key]) is None:
                raise PabulibError(meta_lines[key], f"{key} {meta[key]!r} is not a whole number")
        for key, actual, what in (
            ("num_projects", len(election.projects), "projects"),
            ("num_votes", len(election.vote_rows), "votes"),
        ):
            if key in meta and parse_whole(meta[key]) != actual:
                raise PabulibError(
                    meta_lines[key], f"{key} says {meta[key]} but the file has {actual} {what}"
                )

    @staticmethod
    def _check_votes(
        election: Election,
        column: Columns,
        vote_lines: Sequence[int],
        meta_lines: dict[str, int],
        strict: bool,
    ) -> None:
        meta = election.meta
        columns = election.vote_columns
        voters = column(columns.index("voter_id"))
        votes = column(columns.index("vote"))
        point_texts = column(columns.index("points")) if "points" in columns else None
        vote_type = election.vote_type.strip()
        if vote_type in ("cumulative", "scoring") and point_texts is None:
            raise PabulibError(
                meta_lines["vote_type"], f"{vote_type} ballots need a 'points' column in VOTES"
            )
        min_length = parse_whole(meta["min_length"]) if "min_length" in meta else None
        max_length = parse_whole(meta["max_length"]) if "max_length" in meta else None
        if vote_type == "choose-1":
            max_length = 1 if max_length is None else min(max_length, 1)
        max_sum = (
            parse_whole(meta["max_sum_points"])
            if vote_type == "cumulative" and "max_sum_points" in meta
            else None
        )
        index_of = election.index_of
        # a project listed twice on an approval ballot is counted once, unless strict (see the module docstring)
        count_once = not strict and point_texts is None and vote_type in ("approval", "choose-1")
        repeating: set[str] = set()  # the texts of the votes so normalised

        def check_vote(vote: str) -> tuple[str | None, int, tuple[int, ...]]:
            """(reason the vote is invalid or ``None``, its length, its project indices) once per distinct vote."""
            items = vote.split(",") if vote.strip() else []
            if " " in vote:
                items = [item.strip() for item in items]
            try:
                ids = tuple(map(index_of.__getitem__, items))
            except KeyError as error:
                return f"vote names unknown project {error.args[0]!r}", len(items), ()
            if len(set(ids)) != len(ids):
                if not count_once:
                    repeated = next(item for item in items if items.count(item) > 1)
                    word = "ranks" if vote_type == "ordinal" else "lists"
                    return f"vote {word} project {repeated!r} more than once", len(items), ids
                repeating.add(vote)
                ids = tuple(dict.fromkeys(ids))
                items = list(dict.fromkeys(items))
            if max_length is not None and len(items) > max_length:
                return f"vote has {counted(len(items), 'project')}, more than max_length {max_length}", len(items), ids
            if min_length is not None and len(items) < min_length:
                return (
                    f"vote has {counted(len(items), 'project')}, fewer than min_length {min_length}",
                    len(items),
                    ids,
                )
            return None, len(items), ids

        def check_points(points: str) -> tuple[str | None, int, tuple[int, ...]]:
            """(reason the points are invalid or ``None``, how many, their values) once per distinct points."""
            values = [parse_whole(value) for value in points.split(",")] if points.strip() else []
            if any(value is None or value < 0 for value in values):
                return f"points {points!r} must be whole numbers of at least 0", len(values), ()
            total = sum(values)  # type: ignore[arg-type]
            if max_sum is not None and total > max_sum:
                return f"points add up to {total}, more than max_sum_points {max_sum}", len(values), ()
            return None, len(values), tuple(values)  # type: ignore[arg-type]

        ordinal = election.vote_type == "ordinal"  # as build_profile reads it (unstripped)

        def first_error() -> NoReturn:
            _raise_first_vote_error(voters, votes, point_texts, vote_lines, check_vote, check_points)

        # Fast path, in bulk: voter ids must be distinct, and each distinct vote (and points) is checked
        # once. Only if something is wrong are the rows walked one by one, to name the first bad line.
        if len(set(voters)) != len(voters):
            first_error()
        lowest = -1 if min_length is None else min_length
        highest = len(index_of) if max_length is None else max_length
        project_index = index_of.__getitem__

        def read_vote(vote: str) -> tuple[int, ...]:
            """The project indices of a vote the quick test below did not settle (else the first error)."""
            reason, _, ids = check_vote(vote)
            if reason is not None:
                first_error()
            return ids

        # One loop per distinct vote checks it and merges it into the profile (the same ballot may be written
        # in several ways: other order, spaces); build_profile does the same merging for elections made in code.
        merged: dict[Any, int] = {}
        get = merged.get
        if point_texts is None:
            for vote, weight in Counter(votes).items():
                try:  # the common tidy vote, "12,5,31": every item a project id as it stands
                    ids = tuple(map(project_index, vote.split(",")))
                except KeyError:  # empty, spaced or wrong: the full check decides
                    ids = read_vote(vote)
                else:
                    count = len(ids)
                    if count > 1 and len(set(ids)) != count:  # counted once (see check_vote), or the error
                        ids = read_vote(vote)
                    elif not lowest <= count <= highest:
                        first_error()
                key = ids if ordinal else tuple(sorted(ids))
                merged[key] = get(key, 0) + weight
            election._profile = Profile(list(merged), list(merged.values()))
            if repeating:
                election.normalised_lines = tuple(
                    number for vote, number in zip(votes, vote_lines) if vote in repeating
                )
            return
        parsed_points: dict[str, tuple[int, ...]] = {}
        for (vote, points), weight in Counter(zip(votes, point_texts)).items():
            try:
                ids = tuple(map(project_index, vote.split(",")))
            except KeyError:
                ids = read_vote(vote)
            else:
                count = len(ids)
                if not lowest <= count <= highest or (count > 1 and len(set(ids)) != count):
                    first_error()
            values = parsed_points.get(points)
            if values is None:
                reason, _, values = check_points(points)
                if reason is not None:
                    first_error()
                parsed_points[points] = values
            if len(values) != len(ids):
                first_error()
            if ordinal:
                pair_key = (ids, values)
            else:
                pairs = sorted(zip(ids, values))
                pair_key = (tuple(i for i, _ in pairs), tuple(v for _, v in pairs))
            merged[pair_key] = get(pair_key, 0) + weight
        election._profile = Profile(
            [ballot for ballot, _ in merged], list(merged.values()), [values for _, values in merged]
        )


def _raise_first_vote_error(
    voters: Sequence[str],
    votes: Sequence[str],
    points: Sequence[str] | None,
    vote_lines: Sequence[int],
    check_vote: Callable[[str], tuple[str | None, int, tuple[int, ...]]],
    check_points: Callable[[str], tuple[str | None, int, tuple[int, ...]]],
) -> NoReturn:
    """Walk the rows in file order and raise :class:`PabulibError` for the first one that is wrong."""
    seen_voters: set[str] = set()
    for k, (voter, vote, number) in enumerate(zip(voters, votes, vote_lines)):
        if voter in seen_voters:
            raise PabulibError(number, f"duplicate voter id {voter!r}")
        seen_voters.add(voter)
        verdict = check_vote(vote)
        if verdict[0] is not None:
            raise PabulibError(number, verdict[0])
        if points is not None:
            points_verdict = check_points(points[k])
            if points_verdict[0] is not None:
                raise PabulibError(number, points_verdict[0])
            if points_verdict[1] != verdict[1]:
                raise PabulibError(
                    number, f"vote lists {counted(verdict[1], 'project')} but {counted(points_verdict[1], 'point')}"
                )
    raise AssertionError("the bulk check found a fault the row-by-row check does not")
