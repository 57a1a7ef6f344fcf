"""Compact map statuses: what the driver keeps of each map output's block sizes."""
from __future__ import annotations

import os
import pickle
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from minispark.shuffle import mapstatus
from minispark.shuffle.handle import ShuffleHandle
from minispark.shuffle.mapstatus import (
    ACCURATE_BLOCK_THRESHOLD, HIGHLY_COMPRESS_ABOVE, CompressedSizes, ExactSizes,
    HighlyCompressedSizes, compress,
)
from minispark.shuffle.partitioner import Partitioner
from minispark.shuffle.writer import write_map_output

HUGE = ACCURATE_BLOCK_THRESHOLD
#: Block sizes as they come: mostly small, some empty, now and then huge (past 33 GiB too).
block_size = st.one_of(st.just(0), st.integers(1, 10_000), st.integers(1, 1 << 40),
                       st.integers(HUGE - 2, HUGE + 2))


def _check_common(sizes: list[int], compact) -> None:
    """What holds in every compact form: exact empties, exact huge blocks, exact total."""
    assert len(compact) == len(sizes)
    assert compact.total == sum(sizes)
    for r, size in enumerate(sizes):
        got = compact.size(r)
        assert (got == 0) == (size == 0), (r, size, got)
        if size >= HUGE:
            assert got == size, (r, size, got)
    assert pickle.loads(pickle.dumps(compact)) == compact


@settings(max_examples=200, deadline=None)
@given(st.lists(block_size, max_size=HIGHLY_COMPRESS_ABOVE))
def test_compressed_sizes_are_within_ten_percent_above(sizes):
    compact = compress(sizes)
    assert isinstance(compact, CompressedSizes)
    _check_common(sizes, compact)
    for r, size in enumerate(sizes):
        assert size <= compact[r] < size * 1.1 + 1  # estimates never fall short


@st.composite
def many_blocks(draw):
    """More blocks than the compressed form takes: a few distinct sizes at set places."""
    count = draw(st.integers(HIGHLY_COMPRESS_ABOVE + 1, HIGHLY_COMPRESS_ABOVE + 300))
    sizes = [draw(st.sampled_from([0, 100, 5_000]))] * count
    for index, size in draw(st.lists(st.tuples(st.integers(0, count - 1), block_size),
                                     max_size=40)):
        sizes[index] = size
    return sizes


@settings(max_examples=100, deadline=None)
@given(many_blocks())
def test_highly_compressed_sizes_keep_empties_huge_and_skewed_blocks_exact(sizes):
    compact = compress(sizes)
    assert isinstance(compact, HighlyCompressedSizes)
    _check_common(sizes, compact)
    non_empty = [s for s in sizes if s]
    if non_empty:
        average = sum(non_empty) / len(non_empty)
        skewed = sorted((s for s in non_empty if mapstatus.SKEW_FACTOR * average < s < HUGE),
                        reverse=True)
        # Every huge block, and the skewed ones up to the bound, are exact; the
        # rest share one estimate (their average), which never exceeds a skewed block.
        kept = set(skewed[:mapstatus.MAX_EXACT_SKEWED])
        estimates = {compact[r] for r, s in enumerate(sizes)
                     if s and s < HUGE and s not in kept}
        assert len(estimates) <= 1
        for r, size in enumerate(sizes):
            if size in kept:
                assert compact[r] == size


def test_more_skewed_blocks_than_the_bound_keep_the_largest_exact():
    sizes = [10] * 3000
    for i in range(mapstatus.MAX_EXACT_SKEWED + 20):
        sizes[i * 7] = 1_000_000 + i
    compact = compress(sizes)
    exact = [r for r, s in enumerate(sizes) if compact[r] == s and s > 10]
    assert exact == [i * 7 for i in range(20, mapstatus.MAX_EXACT_SKEWED + 20)]
    assert compact.total == sum(sizes)


def test_sizes_read_as_a_sequence():
    compact = compress([0, 7, 0, 9] * 600)
    assert compact[-1] == compact[3] and compact[1:4] == [compact[1], 0, compact[3]]
    assert list(compact)[:4] == [0, compact[1], 0, compact[3]]
    for index in (2400, -2401):
        try:
            compact[index]
        except IndexError:
            continue
        raise AssertionError(f"index {index} should be out of range")


def test_exact_sizes_compact_by_block_count():
    assert isinstance(ExactSizes((1,) * 5).compact(), CompressedSizes)
    assert isinstance(ExactSizes((1,) * 5000).compact(), HighlyCompressedSizes)
    assert ExactSizes((3, 4)).total == 7 and list(ExactSizes((3, 4))) == [3, 4]


def _index_ranges(path: str, partitions: int) -> list[int]:
    with open(path + ".index", "rb") as index:
        offsets = struct.unpack(f"<{partitions + 1}q", index.read())
    return [end - start for start, end in zip(offsets, offsets[1:])]


def test_a_written_map_output_compacts_to_what_its_index_holds(tmp_path):
    partitions = 3000
    # Keys on a few partitions only: most blocks are empty, one is skewed.
    records = [(k, "x" * 50) for k in (list(range(0, 3000, 37)) * 3 + [11] * 4000)]
    handle = ShuffleHandle(0, Partitioner(partitions, lambda k: k))
    status = write_map_output(iter(records), handle, 0, str(tmp_path), "0")
    actual = _index_ranges(status.path, partitions)
    assert list(status.sizes) == actual and status.total == os.path.getsize(status.path)
    compact = status.compact()
    assert isinstance(compact.sizes, HighlyCompressedSizes)
    assert compact.location() == status.location() and compact.total == status.total
    assert [r for r in range(partitions) if compact.size(r) == 0] == \
        [r for r, size in enumerate(actual) if size == 0]
    assert compact.size(11) == actual[11]  # the skewed block


def test_reducers_are_exact_with_mostly_empty_blocks_over_many_partitions(sc):
    # Spark's SPARK-4019: with more than 2000 reduce partitions, mostly empty,
    # no non-empty block may read as empty.
    data = [(i * 97, i) for i in range(60)]
    parts = sc.parallelize(data, 3).partitionBy(HIGHLY_COMPRESS_ABOVE + 1).glom().collect()
    expected = [[] for _ in range(HIGHLY_COMPRESS_ABOVE + 1)]
    for k, v in data:
        expected[k % (HIGHLY_COMPRESS_ABOVE + 1)].append((k, v))
    assert [sorted(p) for p in parts] == expected
