"""Medians of the values standing at given moments, against a brute force that checks
every item for every query."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.core import order_stats
from scoring.core.order_stats import StandingMedians, medians_over_positions, standing_medians


@dataclass(frozen=True)
class Case:
    items: list[tuple[int, int, int, float]]  # group, start, end, value
    queries: list[tuple[int, int]]  # group, time

    def fast(self) -> StandingMedians:
        return standing_medians(
            item_group=[g for g, _, _, _ in self.items],
            item_start=[s for _, s, _, _ in self.items],
            item_end=[e for _, _, e, _ in self.items],
            item_value=[v for _, _, _, v in self.items],
            query_group=[g for g, _ in self.queries],
            query_time=[t for _, t in self.queries],
        )


def brute_force(case: Case) -> tuple[list[float], list[int]]:
    medians, counts = [], []
    for group, time in case.queries:
        standing = [v for g, s, e, v in case.items if g == group and s <= time < e]
        medians.append(statistics.median(standing) if standing else float("nan"))
        counts.append(len(standing))
    return medians, counts


def assert_matches_brute_force(case: Case) -> None:
    got = case.fast()
    medians, counts = brute_force(case)
    assert got.count.tolist() == counts
    # Exactly: both take the middle value, or halve the same sum of the two middle ones.
    np.testing.assert_array_equal(got.median, np.array(medians, dtype=np.float64))


# Groups and times are small so that groups share items and queries, values tie, items are
# empty (end <= start) and queries fall outside every item; sometimes they are scaled to
# huge integers (ranks, not raw values, must be what the code combines). Each item and
# query is drawn as one integer and decoded: one draw each is several times faster than a
# tuple of draws, and still shrinks toward small values.
_VALUES = (0.0, 0.25, 0.5, 1.0, 2.0)
_ITEM = st.integers(0, 4 * 26 * 26 * 10_000 - 1)
_QUERY = st.integers(0, 5 * 34 - 1)


def _item(x: int) -> tuple[int, int, int, float]:
    x, group = divmod(x, 4)
    x, start = divmod(x, 26)
    value, end = divmod(x, 26)
    return (
        group,
        start - 5,
        end - 5,
        _VALUES[value] if value < len(_VALUES) else (value - 5_000) * 0.37,
    )


def _query(x: int) -> tuple[int, int]:
    time, group = divmod(x, 5)
    return group, time - 8


@st.composite
def cases(draw: st.DrawFn) -> Case:
    # Up to 250 items, often all in one group: more than one 64-rank word per group.
    items = draw(st.integers(0, 250).flatmap(lambda n: st.lists(_ITEM, min_size=n, max_size=n)))
    queries = draw(st.integers(0, 50).flatmap(lambda n: st.lists(_QUERY, min_size=n, max_size=n)))
    groups = draw(st.sampled_from([1, 1, 2, 4]))
    group_scale, time_scale = draw(st.sampled_from([(1, 1), (10**15, 10**16), (-7, -(10**12))]))
    return Case(
        items=[
            (g % groups * group_scale, s * time_scale, e * time_scale, v)
            for g, s, e, v in map(_item, items)
        ],
        # One more group for queries: one where nothing ever stands.
        queries=[(g % (groups + 1) * group_scale, t * time_scale) for g, t in map(_query, queries)],
    )


@pytest.mark.parametrize(
    ("max_queries_per_run", "batch_cells"),
    [
        (None, None),  # the module's own: one run per group, one batch
        (3, 1),  # groups cut into runs of three queries, each run its own batch
        (2, 40),  # runs of two, a few runs per batch
        (1, 1 << 21),  # one query per run, all in one batch
    ],
)
@settings(max_examples=100, deadline=None)
@given(cases())
def test_standing_medians_match_the_brute_force(
    max_queries_per_run: int | None, batch_cells: int | None, case: Case
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        if max_queries_per_run is not None:
            patch.setattr(order_stats, "_MAX_QUERIES_PER_RUN", max_queries_per_run)
        if batch_cells is not None:
            patch.setattr(order_stats, "_BATCH_CELLS", batch_cells)
        assert_matches_brute_force(case)


@pytest.mark.parametrize(("max_queries_per_run", "batch_cells"), [(None, None), (5, 64)])
@pytest.mark.parametrize("seed", range(3))
def test_standing_medians_on_a_crowded_group(
    seed: int, max_queries_per_run: int | None, batch_cells: int | None
) -> None:
    # 400 items standing over many of 300 queries in two groups: hundreds of ranks per
    # group, the lower and upper middle values often far apart in rank.
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, 100, size=400)
    case = Case(
        items=[
            (int(g), int(s), int(s + d), float(v))
            for g, s, d, v in zip(
                rng.integers(0, 2, size=400),
                starts,
                rng.integers(0, 60, size=400),
                rng.choice([0.1, 0.2, rng.normal(), rng.normal()], size=400),
                strict=True,
            )
        ],
        queries=[
            (int(g), int(t))
            for g, t in zip(
                rng.integers(0, 3, size=300), rng.integers(-5, 170, size=300), strict=True
            )
        ],
    )
    with pytest.MonkeyPatch.context() as patch:
        if max_queries_per_run is not None:
            patch.setattr(order_stats, "_MAX_QUERIES_PER_RUN", max_queries_per_run)
        if batch_cells is not None:
            patch.setattr(order_stats, "_BATCH_CELLS", batch_cells)
        assert_matches_brute_force(case)


@pytest.mark.parametrize(
    ("values", "median"),
    [
        ([3.0], 3.0),
        ([3.0, 1.0], 2.0),  # even count: the mean of the two middle values
        ([5.0, 1.0, 3.0], 3.0),
        ([4.0, 1.0, 3.0, 2.0], 2.5),
        ([1.0, 1.0, 2.0, 2.0], 1.5),
    ],
)
def test_median_of_everything_standing(values: list[float], median: float) -> None:
    n = len(values)
    got = standing_medians(
        item_group=[0] * n,
        item_start=[0] * n,
        item_end=[10] * n,
        item_value=values,
        query_group=[0, 0, 0, 1],
        query_time=[0, 9, 10, 5],  # [start, end): 10 is after; group 1 has nothing
    )
    assert got.median[:2].tolist() == [median, median]
    assert np.isnan(got.median[2:]).all()
    assert got.count.tolist() == [n, n, 0, 0]


def test_no_items_or_no_queries() -> None:
    none = standing_medians(
        item_group=[],
        item_start=[],
        item_end=[],
        item_value=[],
        query_group=[1, 2],
        query_time=[0, 0],
    )
    assert np.isnan(none.median).all() and none.count.tolist() == [0, 0]
    no_queries = standing_medians(
        item_group=[0],
        item_start=[0],
        item_end=[1],
        item_value=[1.0],
        query_group=[],
        query_time=[],
    )
    assert no_queries.median.size == no_queries.count.size == 0


def test_medians_over_positions_in_query_order() -> None:
    # Queries 0..3 in group 0 and 4..5 in group 1; items stand over position ranges.
    got = medians_over_positions(
        group_of_position=[0, 0, 0, 0, 1, 1],
        start=[0, 1, 2, 4, 3],
        end=[4, 3, 2, 6, 3],  # the last two are empty
        value=[1.0, 3.0, 100.0, 7.0, 100.0],
    )
    assert got.count.tolist() == [1, 2, 2, 1, 1, 1]
    assert got.median.tolist() == [1.0, 2.0, 2.0, 1.0, 7.0, 7.0]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"item_group": [0, 0], "item_start": [0], "item_end": [1], "item_value": [1.0]},
            "item_group, item_start, item_end and item_value must be 1-D and equal",
        ),
        (
            {"item_group": [[0]], "item_start": [[0]], "item_end": [[1]], "item_value": [[1.0]]},
            "must be 1-D and equal",
        ),
        (
            {"query_group": [0, 1], "query_time": [0]},
            "query_group and query_time must be 1-D and of equal length",
        ),
    ],
)
def test_validation(fields: dict[str, list[float]], message: str) -> None:
    arguments = {
        "item_group": [0],
        "item_start": [0],
        "item_end": [1],
        "item_value": [1.0],
        "query_group": [0],
        "query_time": [0],
        **fields,
    }
    with pytest.raises(ValueError, match=message):
        standing_medians(**arguments)
