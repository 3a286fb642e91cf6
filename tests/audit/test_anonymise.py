"""The bundle's ballots: demographic columns only where every combination of values has at least 5 voters;
random voter ids; an order shuffled by the round's seed, the same every time."""

from __future__ import annotations

from pbvote.audit.anonymise import anonymise_votes, k_anonymous_columns

COLUMNS = ["voter_id", "vote", "sex", "age", "district"]


def _rows():
    rows = []
    for n in range(20):
        # sex: 10 F / 10 M; district: 5 voters in each of 4 (mixed sexes); age: unique per voter.
        rows.append([str(n), "1,2", "F" if n % 2 else "M", str(18 + n), f"d{n // 5}"])
    return rows


def test_a_column_that_singles_voters_out_is_left_out():
    assert k_anonymous_columns(COLUMNS, _rows()) == ["sex"]


def test_a_column_is_kept_only_if_its_combination_with_the_others_stays_large_enough():
    rows = _rows()
    # sex × district gives groups of 2-3 voters: district is dropped once sex is in.
    assert k_anonymous_columns(["voter_id", "vote", "district"], rows) == ["district"]
    assert k_anonymous_columns(["voter_id", "vote", "sex", "district"], rows) == ["sex"]


def test_a_group_of_four_is_suppressed_and_five_is_published():
    rows = [[str(n), "1", "F" if n < 4 else "M"] for n in range(10)]
    assert k_anonymous_columns(["voter_id", "vote", "sex"], rows) == []
    rows = [[str(n), "1", "F" if n < 5 else "M"] for n in range(10)]
    assert k_anonymous_columns(["voter_id", "vote", "sex"], rows) == ["sex"]


def test_ids_are_random_and_the_order_is_shuffled_the_same_way_for_the_same_seed():
    rows = _rows()
    columns, first = anonymise_votes(b"s" * 32, "7", COLUMNS, rows)
    _, again = anonymise_votes(b"s" * 32, "7", COLUMNS, rows)
    _, other_seed = anonymise_votes(b"t" * 32, "7", COLUMNS, rows)
    assert columns == ["voter_id", "vote", "sex"]
    assert first == again and first != other_seed
    assert {row[0] for row in first}.isdisjoint({row[0] for row in rows})
    assert len({row[0] for row in first}) == len(rows)
    sexes_in_input_order = [row[2] for row in rows]
    assert [row[2] for row in first] != sexes_in_input_order  # shuffled, not in cast order
