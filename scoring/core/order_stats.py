"""Medians of the values standing at given moments, for many questions at once.

Both crowd medians in SCORING.md need this: the daily crowd median of section 3 (the values
are Brier scores, the moments are days) and the community median of section 5 (the values
are probabilities, the moments are forecast times). Each *item* is a value standing over
`[start, end)` in a *group* (a question); each *query* asks for the median of the items of
its group standing at its moment.

The naive sweep keeps the standing values sorted and pays O(standing) per change, which is
O(F^2) for one question with F forecasts (or O(F x change points) in general). Here the
work is O(Q x F / 64) word operations for Q queries, in NumPy, without a Python loop per
query:

* Items are ranked by value inside their group; the standing set at each query is a bitset
  over those ranks, 64 to a word. An item adds its bit at the query where it starts
  standing and takes it off where it stops, so one cumulative sum over queries gives every
  query's set (distinct bits never carry).
* `np.bitwise_count` gives each word's standing items; the k-th smallest standing value is
  in the first word where the running count passes k (a bisection over words), at the
  bit found with 16-bit lookup tables.

Groups with many queries are cut into runs of at most `_MAX_QUERIES_PER_RUN` queries, each
with only the items that overlap it; runs of the same shape are padded into one 3-D table
and processed a batch at a time, so memory stays bounded whatever the size of a question.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring.core.arrays import unique_inverse

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

# A run of queries shares one table of bitsets; bounding its length bounds that table for
# one very large question (100,000 forecasts standing over 100,000 moments).
_MAX_QUERIES_PER_RUN = 4096
# Cells of the per-batch tables (64-bit words); about 16 MB per table.
_BATCH_CELLS = 1 << 21
# Ranks per bitset word, and the steps of the search for the k-th set bit of a word.
_WORD = 64
_ONE = np.uint64(1)
_TOP = np.uint64(_WORD - 1)


def _piece_tables() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """For every 16-bit value: its number of set bits, and the place of its k-th set bit
    (k = 0..15; 0 where there is no such bit)."""
    values = np.arange(1 << 16, dtype=np.uint32)
    bits = ((values[:, None] >> np.arange(16, dtype=np.uint32)) & 1).astype(np.uint8)
    count = bits.sum(axis=1).astype(np.uint8)
    rank_of_bit = np.cumsum(bits, axis=1) - 1  # k of each set bit
    select = np.zeros((1 << 16, 16), dtype=np.uint8)
    rows, places = np.nonzero(bits)
    select[rows, rank_of_bit[rows, places]] = places
    return count, select


_PIECE_COUNT, _PIECE_SELECT = _piece_tables()
_STEPS = tuple(np.uint64(step) for step in (32, 16, 8, 4, 2, 1))


@dataclass(frozen=True)
class StandingMedians:
    """One entry per query, in the order the queries were given."""

    median: Floats
    """Median of the standing values (mean of the two middle ones for an even count);
    NaN where nothing stands."""
    count: Ints
    """How many items stand at the query."""


def _run_offsets(lengths: Ints) -> Ints:
    """Start of each run when runs of the given lengths are laid end to end."""
    offsets = np.zeros(lengths.size, dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    return offsets


def _local_index(lengths: Ints) -> tuple[Ints, Ints]:
    """For runs laid end to end: the run of every cell and the cell's index in its run."""
    run = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
    return run, np.arange(run.size, dtype=np.int64) - np.repeat(_run_offsets(lengths), lengths)


def standing_medians(
    *,
    item_group: npt.ArrayLike,
    item_start: npt.ArrayLike,
    item_end: npt.ArrayLike,
    item_value: npt.ArrayLike,
    query_group: npt.ArrayLike,
    query_time: npt.ArrayLike,
) -> StandingMedians:
    """For each query, the median of the values of its group's items with
    `start <= time < end`.

    Groups and times are integers; values are floats. The result does not depend on the
    order of the items or of the queries.
    """
    ig = np.asarray(item_group, dtype=np.int64)
    i_start = np.asarray(item_start, dtype=np.int64)
    i_end = np.asarray(item_end, dtype=np.int64)
    i_value = np.asarray(item_value, dtype=np.float64)
    qg = np.asarray(query_group, dtype=np.int64)
    q_time = np.asarray(query_time, dtype=np.int64)
    if not (ig.shape == i_start.shape == i_end.shape == i_value.shape) or ig.ndim != 1:
        raise ValueError("item_group, item_start, item_end and item_value must be 1-D and equal")
    if qg.shape != q_time.shape or qg.ndim != 1:
        raise ValueError("query_group and query_time must be 1-D and of equal length")

    n_queries = qg.size
    median = np.full(n_queries, np.nan)
    count = np.zeros(n_queries, dtype=np.int64)
    if n_queries == 0 or ig.size == 0:
        return StandingMedians(median=median, count=count)

    # One integer key per (group, time), comparable across items and queries: ranks of the
    # groups and of the times, so no product of raw values can overflow.
    _, group_rank = unique_inverse(np.concatenate([ig, qg]))
    times, time_rank = unique_inverse(np.concatenate([i_start, i_end, q_time]))
    span = times.size + 1
    n_items = ig.size
    item_g = group_rank[:n_items]
    key_start = item_g * span + time_rank[:n_items]
    key_end = item_g * span + time_rank[n_items : 2 * n_items]
    query_key = group_rank[n_items:] * span + time_rank[2 * n_items :]

    by_key = np.argsort(query_key, kind="stable")
    sorted_key = query_key[by_key]
    # In the order of sorted queries, an item stands at positions [a, b). Both bounds stay
    # inside its group's positions, since other groups' keys lie wholly before or after.
    a = np.searchsorted(sorted_key, key_start, side="left")
    b = np.searchsorted(sorted_key, key_end, side="left")
    sorted_result = medians_over_positions(
        group_of_position=group_rank[n_items:][by_key], start=a, end=b, value=i_value
    )
    median[by_key] = sorted_result.median
    count[by_key] = sorted_result.count
    return StandingMedians(median=median, count=count)


def medians_over_positions(
    *,
    group_of_position: npt.ArrayLike,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    value: npt.ArrayLike,
) -> StandingMedians:
    """The same medians when the caller already has the queries in order: query positions
    0..Q-1 sorted by (group, time), `group_of_position` non-decreasing, and each item
    standing at positions [start, end) inside its own group's positions."""
    groups = np.asarray(group_of_position, dtype=np.int64)
    a = np.asarray(start, dtype=np.int64)
    b = np.asarray(end, dtype=np.int64)
    values = np.asarray(value, dtype=np.float64)
    stands = a < b
    a, b, values = a[stands], b[stands], values[stands]
    n_queries = groups.size
    # Standing counts at every query: a difference array over query positions.
    diff = np.bincount(a, minlength=n_queries + 1) - np.bincount(b, minlength=n_queries + 1)
    count = np.cumsum(diff[:n_queries])
    median = _medians_by_runs(group_of_position=groups, a=a, b=b, values=values, count=count)
    return StandingMedians(median=median, count=count)


def _medians_by_runs(
    *, group_of_position: Ints, a: Ints, b: Ints, values: Floats, count: Ints
) -> Floats:
    """Medians at every query position, given items standing over positions [a, b)."""
    n_queries = group_of_position.size
    result = np.full(n_queries, np.nan)
    if a.size == 0:
        return result

    # Runs: consecutive positions of one group, at most _MAX_QUERIES_PER_RUN long.
    new_group = np.ones(n_queries, dtype=np.bool_)
    new_group[1:] = group_of_position[1:] != group_of_position[:-1]
    group_first = np.maximum.accumulate(np.where(new_group, np.arange(n_queries), 0))
    new_run = new_group | ((np.arange(n_queries) - group_first) % _MAX_QUERIES_PER_RUN == 0)
    run_lo = np.flatnonzero(new_run)
    run_hi = np.append(run_lo[1:], n_queries)
    run_of_position = np.cumsum(new_run) - 1

    # Copy each item into every run it overlaps, clipped to that run and made local to it.
    first_run = run_of_position[a]
    copies = run_of_position[b - 1] - first_run + 1
    if np.all(copies == 1):  # the usual case: no group longer than one run
        item, run = np.arange(a.size), first_run
        lo, hi = a - run_lo[run], b - run_lo[run]
    else:
        item = np.repeat(np.arange(a.size), copies)
        run = np.repeat(first_run, copies) + _local_index(copies)[1]
        lo = np.maximum(a[item], run_lo[run]) - run_lo[run]
        hi = np.minimum(b[item], run_hi[run]) - run_lo[run]
    value = values[item]

    # Each run's items in one contiguous slice (they usually arrive that way already); the
    # kernel ranks them by value inside each run.
    if run.size > 1 and np.any(run[1:] < run[:-1]):
        order = np.argsort(run, kind="stable")
        run, lo, hi, value = run[order], lo[order], hi[order], value[order]
    items = np.bincount(run, minlength=run_lo.size).astype(np.int64)
    item_offset = _run_offsets(items)
    queries = (run_hi - run_lo).astype(np.int64)

    # Runs of the same shape (words, and queries rounded up to a multiple of 8, so padding
    # wastes little) are processed together as one 3-D table, a batch at a time.
    has_items = np.flatnonzero(items > 0)
    words = -(-items // _WORD)
    size_class = words[has_items] * (_MAX_QUERIES_PER_RUN + 8) + -(-queries[has_items] // 8)
    has_items = has_items[np.argsort(size_class, kind="stable")]
    size_class = np.sort(size_class, kind="stable")
    class_bounds = np.flatnonzero(np.diff(size_class)) + 1
    for runs in np.split(has_items, class_bounds):
        width = int(words[runs].max())
        longest = int(queries[runs].max())
        batch = max(1, _BATCH_CELLS // ((longest + 1) * width))
        for first in range(0, runs.size, batch):
            chunk = runs[first : first + batch]
            copy_run, copy_slot = _local_index(items[chunk])
            copy = item_offset[chunk][copy_run] + copy_slot
            medians = _bitset_medians(
                run=copy_run,
                slot=copy_slot,
                lo=lo[copy],
                hi=hi[copy],
                value=value[copy],
                n_runs=chunk.size,
                longest=longest,
                width=width,
            )
            valid = np.arange(longest)[None, :] < queries[chunk][:, None]
            positions = run_lo[chunk][:, None] + np.arange(longest)[None, :]
            result[positions[valid]] = medians[valid]
    # Where nothing stands the padded search returns a value; the count says it is empty.
    result[count == 0] = np.nan
    return result


def _bitset_medians(
    *,
    run: Ints,
    slot: Ints,
    lo: Ints,
    hi: Ints,
    value: Floats,
    n_runs: int,
    longest: int,
    width: int,
) -> Floats:
    """Medians at local query indices 0..longest-1 of `n_runs` runs padded to one shape.

    Item copies stand over local query indices [lo, hi) of their run, where they take
    the distinct slots 0..items-1; they are ranked by value inside each run first (a sort
    of each run's few values, not of the whole batch). The standing set at each query is
    a bitset over ranks, `width` 64-bit words: an item adds its bit where it starts
    standing and takes it off where it stops, so one cumulative sum over queries gives
    every query's set (bits are
    distinct, so the sums never carry). Returns an (n_runs, longest) array."""
    values = np.full((n_runs, width * _WORD), np.inf)  # padding sorts last
    values[run, slot] = value
    by_value = np.argsort(values, axis=1)  # ties in any order: the same median
    value_by_rank = np.take_along_axis(values, by_value, axis=1)
    rank_of_slot = np.empty_like(by_value)
    np.put_along_axis(rank_of_slot, by_value, np.arange(width * _WORD)[None, :], axis=1)
    rank = rank_of_slot[run, slot]

    # Laid out (run, word, query) so that the sums over queries run along contiguous
    # memory: NumPy accumulates along the last axis several times faster than along others.
    word, bit = np.divmod(rank, _WORD)
    bits = np.left_shift(np.uint64(1), bit.astype(np.uint64))
    changes = np.zeros((n_runs, width, longest + 1), dtype=np.uint64)
    np.add.at(changes, (run, word, lo), bits)
    np.subtract.at(changes, (run, word, hi), bits)  # wraps modulo 2**64, as intended
    masks = np.cumsum(changes, axis=2, dtype=np.uint64)[:, :, :longest]
    # Standing items in words 0..w, word by word: `width` additions of whole slabs.
    running = np.bitwise_count(masks).astype(np.int32)
    for w in range(1, width):
        running[:, w] += running[:, w - 1]
    count = running[:, -1]

    def locate(
        r: Ints, q: Ints, target: npt.NDArray[np.int32]
    ) -> tuple[Ints, npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
        """For queries (run r, local query q): the word holding rank `target` (0-based)
        among the standing items, that word's bits, and the bit's position in it."""
        # Flat offsets into the (run, word, query) tables: word w of a query is at
        # base + w * longest.
        base = r * (width * longest) + q
        flat_running = running.reshape(-1)
        # The first word whose running count passes the target, by bisection over words.
        found = np.zeros(target.shape, dtype=np.int64)
        if width > 1:
            high = np.full(target.shape, width - 1, dtype=np.int64)
            while np.any(found < high):
                middle = (found + high) // 2
                passes = flat_running[base + middle * longest] > target
                open_ = found < high  # settled queries stay put
                high = np.where(open_ & passes, middle, high)
                found = np.where(open_ & ~passes, middle + 1, found)
            before = np.where(found > 0, flat_running[base + (found - 1) * longest], 0)
        else:
            before = np.zeros(target.shape, dtype=np.int64)
        need = (target - before).astype(np.uint8)
        mask = masks.reshape(-1)[base + found * longest]
        # The (need)-th set bit of the word, 16 bits at a time: the word's four 16-bit
        # pieces, their running bit counts, the piece holding the bit, and the bit's place
        # in it from a table of every 16-bit value.
        pieces = mask.view(np.uint16).reshape(-1, 4)  # little-endian: lowest bits first
        seen = np.cumsum(_PIECE_COUNT[pieces], axis=1, dtype=np.uint8)
        # (A query where nothing stands gets an arbitrary answer, within bounds.)
        piece = np.minimum(np.sum(seen <= need[:, None], axis=1), 3)
        piece_before = np.where(piece > 0, seen[np.arange(piece.size), np.maximum(piece - 1, 0)], 0)
        in_piece = _PIECE_SELECT[
            pieces[np.arange(piece.size), piece], np.minimum(need - piece_before, 15)
        ]
        position = (piece * 16 + in_piece).astype(np.uint64)
        return found, mask, position

    r, q = (index.ravel() for index in np.indices((n_runs, longest)))
    standing = count.ravel()
    found, mask, position = locate(r, q, np.maximum((standing - 1) // 2, 0))
    lower = found * _WORD + position.astype(np.int64)
    # The upper middle: the same item for an odd count; otherwise the next standing item,
    # usually the next set bit of the same word (isolate the lowest bit above `position`).
    upper = lower.copy()
    even = (standing % 2 == 0) & (standing > 0)
    above = mask & ~((_ONE << np.minimum(position, _TOP) << _ONE) - _ONE)
    above[position == _TOP] = 0
    lowest = above & (~above + _ONE)
    here = even & (above != 0)
    upper[here] = found[here] * _WORD + np.log2(lowest[here].astype(np.float64)).astype(np.int64)
    elsewhere = np.flatnonzero(even & (above == 0))
    if elsewhere.size:
        found_e, _, position_e = locate(r[elsewhere], q[elsewhere], standing[elsewhere] // 2)
        upper[elsewhere] = found_e * _WORD + position_e.astype(np.int64)
    medians: Floats = 0.5 * (value_by_rank[r, lower] + value_by_rank[r, upper])
    return medians.reshape(n_runs, longest)
