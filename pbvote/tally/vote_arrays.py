"""Approval votes read in bulk with NumPy: a big, tidy VOTES section straight into a profile of flat arrays.

The pabulib reader (:mod:`.pabulib`) hands a VOTES section here when it is large (below that, importing NumPy
costs more than it saves), has no quoted field, no ``points`` column, and approval or choose-1 ballots.
:func:`approval_arrays` then checks the section and aggregates its ballots on the bytes of the text, with no
Python object per voter or per distinct ballot, and gives the same profile as the reader's own loop
(:class:`~.model.Profile`: ballots merged by content, in order of first cast, with their number of voters),
or ``None`` whenever anything is not plain — a row of the wrong width, a comma outside the vote column, an item
that is not a project id exactly as the PROJECTS section writes it (spaces, an empty item, an unknown project),
a vote outside the length limits, a ballot listing a project twice, a repeated voter id, an id longer than 7
bytes. The reader then reads the section its usual way, which names the fault or normalises the ballot.

How: every ``;``, line end and ``,`` of the section splits it into tokens; each token's bytes (at most 7) and
its length form one 64-bit key, so a vote item is a project when its key is that project's, and voter ids are
distinct when their keys are. A ballot's content is the set of its projects, one bit per project in a few
64-bit words: two ballots are the same when their words are, whatever the order their items were listed in.
Ballots are grouped by a hash of those words, and every group is then checked word for word (a collision of
the hash falls back to an exact sort of the words): nothing is decided by the hash alone.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

# the key of a token of ``k`` bytes keeps its bytes (little-endian) with ``k`` in the byte above them: 32 bits
# for tokens of up to 3 bytes (most project ids), else 64 bits (up to 7)
_MAX_KEY_BYTES = 7

# splitmix64's finaliser: every bit of a word moves every bit of its hash
_MIX_A, _MIX_B, _MIX_C = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)


def _key_type(longest: int) -> type[np.unsignedinteger]:
    return np.uint32 if longest <= 3 else np.uint64


def id_key(text: str, key_type: type[np.unsignedinteger]) -> int | None:
    """The key of an id (its UTF-8 bytes and their number, see above); None for an id too long for it."""
    data = text.encode("utf-8")
    top = np.dtype(key_type).itemsize - 1
    if len(data) > top:
        return None
    return int.from_bytes(data, "little") | (len(data) << (8 * top))


def approval_arrays(
    body: str,
    width: int,
    vote_column: int,
    voter_column: int,
    index_of: Mapping[str, int],
    lowest: int,
    highest: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The ballots of the VOTES rows ``body`` (``width`` fields per row, rows separated by ``\\n``, no quote),
    merged by content in order of first cast: (project indices of every distinct ballot one after another, in
    the order its first voter listed them; each ballot's number of projects; its number of voters). ``None``
    when the rows are not all plain and valid (see the module docstring): the caller reads them its usual way.
    ``lowest``/``highest`` bound a vote's number of projects."""
    data = (body + "\n\0\0\0\0\0\0\0\0").encode("utf-8")  # room for an 8-byte read at any token's start
    size = len(data) - 8
    text = np.frombuffer(data, dtype=np.uint8)[:size]
    is_separator = text == ord(";")
    is_separator |= text == ord("\n")
    is_separator |= text == ord(",")
    ends = np.flatnonzero(is_separator).astype(np.int32)  # token k ends at ends[k] (files are below 2 GiB)
    del is_separator
    kinds = text[ends]
    field_ends = np.flatnonzero(kinds != ord(","))  # the token that ends each field, row by row
    rows = body.count("\n") + 1
    if len(field_ends) != rows * width:
        return None
    field_ends = field_ends.reshape(rows, width)
    field_kinds = kinds[field_ends]
    del kinds
    if not (field_kinds[:, -1] == ord("\n")).all() or not (field_kinds[:, :-1] == ord(";")).all():
        return None
    tokens_in_field = np.diff(field_ends.ravel(), prepend=-1).reshape(rows, width)
    lengths = tokens_in_field[:, vote_column]
    others = [column for column in range(width) if column != vote_column]
    if (tokens_in_field[:, others] != 1).any() or lengths.min() < lowest or lengths.max() > highest:
        return None
    padded = np.frombuffer(data, dtype=np.uint8)

    def keys(last: np.ndarray, first: np.ndarray) -> np.ndarray | None:
        """The keys of the tokens from ``first`` to ``last`` (both arrays are used up)."""
        sizes = np.subtract(last, first, out=last)
        longest = int(sizes.max())
        if longest > _MAX_KEY_BYTES:
            return None
        key_type = _key_type(longest)
        key = sizes.astype(key_type)
        key <<= key_type(8 * (np.dtype(key_type).itemsize - 1))
        for k in range(longest):
            byte = padded[k:][first]
            byte *= sizes > k
            shifted = byte.astype(key_type)
            shifted <<= key_type(8 * k)
            key |= shifted
        return key

    before = np.empty(len(ends), dtype=np.int32)  # where the token before each ends (-1: none)
    before[0] = -1
    before[1:] = ends[:-1]
    voter_tokens = field_ends[:, voter_column]
    voter_keys = keys(ends[voter_tokens], before[voter_tokens] + 1)
    if voter_keys is None:
        return None
    voter_keys.sort()
    if (voter_keys[1:] == voter_keys[:-1]).any():
        return None
    del voter_keys, voter_tokens
    is_item = np.ones(len(ends), dtype=bool)
    is_item[field_ends[:, others]] = False
    first = before[is_item]
    del before
    first += 1
    item_keys = keys(ends[is_item], first)
    del is_item, ends, first
    if item_keys is None:
        return None
    key_type = item_keys.dtype.type
    known = [(key, index) for pid, index in index_of.items() if (key := id_key(pid, key_type)) is not None]
    if not known:
        return None
    # a table of the project keys by their remainder modulo a prime that tells them all apart
    modulus = next(p for p in _primes_from(2 * len(known)) if len({key % p for key, _ in known}) == len(known))
    table_keys = np.full(modulus, np.iinfo(key_type).max, dtype=key_type)  # no token's key (size 255)
    table_index = np.zeros(modulus, dtype=np.int32)
    for key, index in known:
        table_keys[key % modulus], table_index[key % modulus] = key, index
    at = item_keys % key_type(modulus)
    if not (table_keys[at] == item_keys).all():
        return None
    items = table_index[at]
    del at, item_keys

    m = len(index_of)
    first_item = np.cumsum(lengths) - lengths
    bits = np.left_shift(np.uint64(1), (items & 63).astype(np.uint64))
    word_of = (items >> 6).astype(np.uint16)
    count = (m + 63) // 64
    content = np.empty((rows, count), dtype=np.uint64)
    chosen = np.empty_like(bits)
    for w in range(count):
        np.multiply(bits, word_of == w, out=chosen)
        content[:, w] = np.bitwise_or.reduceat(chosen, first_item)
    del bits, chosen, word_of
    if (np.bitwise_count(content).sum(axis=1) != lengths).any():
        return None  # a project listed twice: the reader counts it once and says on which lines

    groups, first_row = _groups(content)
    # the groups in order of first cast: their first rows are distinct, so marking them row by row sorts them
    group_at = np.full(rows, -1, dtype=np.intp)
    group_at[first_row] = np.arange(len(first_row))
    is_first = group_at >= 0
    order = group_at[is_first]
    first_row, voters = np.flatnonzero(is_first), np.diff(np.append(groups, rows))[order]
    return items[np.repeat(is_first, lengths)], lengths[first_row], voters.astype(np.int64)


def _primes_from(start: int):
    """The primes from ``start`` up, in order."""
    candidate = max(start, 2)
    while True:
        if all(candidate % d for d in range(2, int(candidate**0.5) + 1)):
            yield candidate
        candidate += 1


def _groups(content: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of equal ``content`` grouped: (where each group starts in the grouped order, the group's first
    row). Sorted by a hash of the words, then checked word for word; by the words themselves on a collision."""
    rows = len(content)
    digest = np.zeros(rows, dtype=np.uint64)
    for w in range(content.shape[1]):
        z = content[:, w] ^ (content[:, w] >> np.uint64(30))
        z *= _MIX_A
        z ^= z >> np.uint64(27)
        z *= _MIX_B
        z ^= z >> np.uint64(31)
        digest = digest * _MIX_C + z
    order = np.argsort(digest)
    digest = digest[order]
    sorted_content = content[order]
    same_digest = digest[1:] == digest[:-1]
    same_content = (sorted_content[1:] == sorted_content[:-1]).all(axis=1)
    if (same_digest & ~same_content).any():  # two different ballots with one hash: sort by the words
        order = np.lexsort(content.T[::-1])
        sorted_content = content[order]
        same_content = (sorted_content[1:] == sorted_content[:-1]).all(axis=1)
    starts = np.flatnonzero(np.concatenate(([True], ~same_content)))
    return starts, np.minimum.reduceat(order, starts)
