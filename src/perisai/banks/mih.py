"""Exact Hamming-radius search over fixed-length binary codes by multi-index
hashing (Norouzi, Punjani and Fleet, "Fast Search in Hamming Space with
Multi-Index Hashing", CVPR 2012), in numpy.

Why it is exact
---------------
Split the ``bits`` of every code into ``m`` disjoint substrings (chunks).
If two codes differ in ``d`` bits, those ``d`` differences fall into the
``m`` chunks, so at least one chunk holds at most ``floor(d / m)`` of them
(pigeonhole). Hence every code within radius ``r`` of a query agrees with
the query, in at least one chunk, up to ``f = floor(r / m)`` flipped bits.
Looking up, in each chunk's table, the query's chunk value XOR every mask of
at most ``f`` bits therefore finds every code within ``r``; each candidate is
then verified by its full Hamming distance, so nothing beyond ``r`` is
returned either. The condition is ``m * (f + 1) > r``: for PDQ at radius 31,
16 chunks need ``f = 1`` and 11 chunks need ``f = 2``.

Why not faiss ``IndexBinaryMultiHash``
--------------------------------------
It implements the same idea with one ``std::unordered_map`` of vectors per
chunk and an ``unordered_set`` to gather candidates: tens of bytes of
overhead per code per chunk, and a choice limited to equal chunk widths. At
10 million PDQ hashes the 16 x 16-bit layout verifies ~40,000 candidates a
query; the 11-chunk layout it would need instead does not fit in memory.
Here each chunk table is two flat arrays (CSR): ``offsets`` indexed directly
by the chunk value (``2**width + 1`` uint32) and the slot numbers sorted by
chunk value (``n`` uint32). The layout is chosen from ``n`` by a cost model
(probes + candidates), so ~1 candidate is verified per probe.

The structure is immutable once built; :mod:`perisai.banks.index` adds a
small delta for recent additions and an ``alive`` mask for removals.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

#: Widest chunk: its offsets table has 2**24 + 1 entries (64 MiB).
MAX_CHUNK_BITS = 24
#: Offsets tables may use at most this many entries per stored code.
MAX_OFFSETS_PER_CODE = 8


@dataclass(frozen=True)
class Chunk:
    start: int
    width: int


@dataclass(frozen=True)
class Layout:
    """How codes of ``bits`` bits are cut into chunks."""

    bits: int
    chunks: tuple[Chunk, ...]

    @property
    def m(self) -> int:
        return len(self.chunks)

    def flips_for(self, radius: int) -> tuple[int, ...]:
        """Bits to flip in each chunk so that a radius-``radius`` search is exact.

        With ``radius = a * m + c`` (``0 <= c < m``), the first ``c + 1`` chunks
        are probed up to ``a`` flips and the others up to ``a - 1`` (``-1``:
        not probed at all): a code missed everywhere would differ in at least
        ``(c + 1) * (a + 1) + (m - c - 1) * a = radius + 1`` bits.
        """
        if radius < 0:
            raise ValueError("radius must be >= 0")
        a, c = divmod(radius, self.m)
        return tuple(a if i <= c else a - 1 for i in range(self.m))

    @classmethod
    def split(cls, bits: int, m: int) -> Layout:
        base, extra = divmod(bits, m)
        chunks, start = [], 0
        for i in range(m):
            width = base + (1 if i < extra else 0)
            chunks.append(Chunk(start, width))
            start += width
        return cls(bits, tuple(chunks))


def ball_size(width: int, flips: int) -> int:
    return sum(math.comb(width, k) for k in range(flips + 1))


#: A verified candidate (a random read of its code) costs about this many
#: probes (two reads of a directly indexed offsets table); measured.
CANDIDATE_COST = 3.0


def estimated_cost(layout: Layout, n: int, radius: int) -> float:
    """Probe and candidate work per query, for uniformly random codes."""
    cost = 0.0
    for c, f in zip(layout.chunks, layout.flips_for(radius), strict=True):
        if f >= 0:
            probes = ball_size(c.width, f)
            cost += probes * (1.0 + CANDIDATE_COST * n / 2.0**c.width)
    return cost


def choose_layout(bits: int, n: int, radius: int) -> Layout:
    """The cheapest exact layout for ``n`` codes searched at ``radius``."""
    best: tuple[float, Layout] | None = None
    for m in range(max(1, math.ceil(bits / MAX_CHUNK_BITS)), bits + 1):
        layout = Layout.split(bits, m)
        widest = max(c.width for c in layout.chunks)
        if 2**widest > max(MAX_OFFSETS_PER_CODE * n, 256):
            continue
        cost = estimated_cost(layout, n, radius)
        if best is None or cost < best[0]:
            best = (cost, layout)
        if widest <= 8:
            break
    assert best is not None
    return best[1]


@functools.lru_cache(maxsize=64)
def flip_masks(width: int, flips: int) -> U32:
    """Every ``width``-bit mask with at most ``flips`` bits set (0 first)."""
    masks = [0]
    for k in range(1, flips + 1):
        for bits in itertools.combinations(range(width), k):
            masks.append(sum(1 << b for b in bits))
    out = np.array(masks, dtype=np.uint32)
    out.setflags(write=False)
    return out


def chunk_values(codes: U8, chunk: Chunk) -> U32:
    """The ``chunk`` bits (big-endian bit order) of each row of ``codes``."""
    first = chunk.start // 8
    shift = 32 - (chunk.start % 8) - chunk.width
    nbytes = codes.shape[1]
    word = np.zeros(codes.shape[0], dtype=np.uint32)
    for j in range(4):
        word <<= np.uint32(8)
        if first + j < nbytes:
            word |= codes[:, first + j].astype(np.uint32)
    word >>= np.uint32(shift)
    word &= np.uint32((1 << chunk.width) - 1)
    return word


class ChunkTable:
    """Slot numbers grouped by one chunk's value (CSR layout)."""

    __slots__ = ("chunk", "offsets", "slots")

    def __init__(self, chunk: Chunk, values: U32) -> None:
        self.chunk = chunk
        counts = np.bincount(values, minlength=1 << chunk.width)
        offsets = np.zeros(counts.size + 1, dtype=np.uint32)
        np.cumsum(counts, out=offsets[1:])
        self.offsets = offsets
        self.slots = np.argsort(values, kind="stable").astype(np.uint32)

    @property
    def nbytes(self) -> int:
        return int(self.offsets.nbytes + self.slots.nbytes)

    def probe(self, query_values: U32, flips: int) -> tuple[I64, U32]:
        """(query row, slot) for every stored code whose chunk is within
        ``flips`` bits of the query's chunk."""
        masks = flip_masks(self.chunk.width, flips)
        probes = (query_values[:, None] ^ masks[None, :]).ravel()
        starts = np.take(self.offsets, probes).astype(np.int64)
        counts = np.take(self.offsets, probes + 1).astype(np.int64) - starts
        hit = np.flatnonzero(counts)
        if hit.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.uint32)
        starts, counts = starts[hit], counts[hit]
        total = int(counts.sum())
        ends = np.cumsum(counts)
        positions = np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - counts), counts)
        rows = np.repeat(hit // masks.size, counts)
        return rows, np.take(self.slots, positions)


class MultiIndex:
    """Chunk tables over the first ``n`` rows of a codes array (n x bytes).

    The codes are not owned: the caller keeps one growing array and passes
    it to :meth:`candidates`. Tables can be replaced one at a time
    (:meth:`rebuild_table`) so that a merge never holds two full indexes.
    """

    def __init__(self, codes: U8, n: int, layout: Layout) -> None:
        if codes.ndim != 2 or codes.dtype != np.uint8 or codes.shape[1] * 8 != layout.bits:
            raise ValueError(f"codes must be an (n, {layout.bits // 8}) uint8 array")
        self.layout = layout
        self.n = n
        self.tables = [ChunkTable(c, chunk_values(codes[:n], c)) for c in layout.chunks]

    @property
    def nbytes(self) -> int:
        return int(sum(t.nbytes for t in self.tables))

    def rebuild_table(self, i: int, codes: U8, n: int) -> None:
        """Replace table ``i`` by one covering ``codes[:n]``."""
        chunk = self.layout.chunks[i]
        self.tables[i] = ChunkTable(chunk, chunk_values(codes[:n], chunk))

    def candidates(self, queries: U8, radius: int) -> tuple[I64, U32]:
        """(query row, slot) pairs: a superset of the pairs within ``radius``
        among the rows the tables cover, possibly with repeats."""
        rows, slots = [np.empty(0, np.int64)], [np.empty(0, np.uint32)]
        tables = list(self.tables)
        for table, flips in zip(tables, self.layout.flips_for(radius), strict=True):
            if flips < 0:
                continue
            r, s = table.probe(chunk_values(queries, table.chunk), flips)
            rows.append(r)
            slots.append(s)
        return np.concatenate(rows), np.concatenate(slots)


def hamming_rows(
    codes64: npt.NDArray[np.uint64],
    slots: npt.NDArray[np.integer],
    queries64: npt.NDArray[np.uint64],
    rows: npt.NDArray[np.integer],
) -> npt.NDArray[np.uint32]:
    """Hamming distance between ``codes64[slots[i]]`` and ``queries64[rows[i]]``.

    ``np.take`` along axis 0 is several times faster than fancy indexing for
    these random row gathers, which dominate the query time.
    """
    diff = np.take(codes64, slots, axis=0)
    diff ^= np.take(queries64, rows, axis=0)
    per_word = np.bitwise_count(diff)
    if per_word.shape[1] != 4:
        return per_word.sum(axis=1, dtype=np.uint32)
    # Sum each row's four per-word counts with one multiply; exact except that
    # a total of 256 (the codes are complements) wraps to 0: recheck those.
    packed = np.ascontiguousarray(per_word).view(np.uint32).reshape(-1)
    dist = (packed * np.uint32(0x01010101)) >> np.uint32(24)
    wrapped = np.flatnonzero(dist == 0)
    if wrapped.size:
        dist[wrapped] = per_word[wrapped].sum(axis=1, dtype=np.uint32)
    return dist
