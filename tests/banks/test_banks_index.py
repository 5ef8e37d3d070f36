"""The PDQ index is exact: every entry within the radius is found, nothing
beyond it is returned, and changes show on the next query. The oracle is
the signal type's brute-force distance."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

from perisai.banks import mih
from perisai.banks.index import ExactIndex, HammingIndex
from perisai.banks.signals import PdqSignal


def random_hex(rng: np.random.Generator, n: int) -> list[str]:
    return [bytes(row).hex() for row in rng.integers(0, 256, (n, 32), dtype=np.uint8)]


def flip(value: str, k: int, rng: np.random.Generator) -> str:
    number = int(value, 16)
    for bit in rng.choice(256, size=k, replace=False):
        number ^= 1 << int(bit)
    return f"{number:064x}"


def oracle(stored: dict[int, str], query: str, radius: int) -> set[int]:
    """Brute force over every stored value (bit arrays; independent of the index)."""
    ids = list(stored)
    key = (id(stored), hash(tuple(ids)), hash(tuple(stored.values())))
    if _bits_cache.get("key") != key:
        joined = bytes.fromhex("".join(stored.values()))
        _bits_cache.update(
            key=key,
            ids=np.array(ids),
            bits=np.unpackbits(np.frombuffer(joined, np.uint8).reshape(len(ids), 32), axis=1),
        )
    q = np.unpackbits(np.frombuffer(bytes.fromhex(query), np.uint8))
    dist = (_bits_cache["bits"] != q).sum(axis=1)
    return set(_bits_cache["ids"][dist <= radius].tolist())


_bits_cache: dict[str, object] = {}


@pytest.mark.parametrize("m", range(1, 40))
@pytest.mark.parametrize("radius", [0, 1, 7, 15, 24, 31, 32, 40, 63])
def test_flips_satisfy_pigeonhole(m: int, radius: int) -> None:
    layout = mih.Layout.split(256, m)
    flips = layout.flips_for(radius)
    # A code missed by every probe differs in >= flips[i] + 1 bits in each chunk.
    assert sum(f + 1 for f in flips) == radius + 1
    assert sum(c.width for c in layout.chunks) == 256


def test_layout_choice_is_exact_and_bounded() -> None:
    for n in (5_000, 100_000, 1_000_000, 10_000_000):
        layout = mih.choose_layout(256, n, 31)
        assert max(c.width for c in layout.chunks) <= mih.MAX_CHUNK_BITS
        assert sum(f + 1 for f in layout.flips_for(31)) == 32
    assert mih.choose_layout(256, 10_000_000, 31).m == 11


def test_chunk_values_match_bit_slicing() -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 256, (50, 32), dtype=np.uint8)
    for chunk in mih.Layout.split(256, 11).chunks:
        got = mih.chunk_values(codes, chunk)
        for row, value in zip(codes, got, strict=True):
            bits = "".join(f"{b:08b}" for b in row)
            assert int(bits[chunk.start : chunk.start + chunk.width], 2) == value


def test_hamming_rows_handles_complements() -> None:
    a = np.zeros((2, 4), np.uint64)
    q = np.array([[~np.uint64(0)] * 4, [np.uint64(1), 0, 0, 0]], dtype=np.uint64)
    d = mih.hamming_rows(a, np.array([0, 1]), q, np.array([0, 1]))
    assert d.tolist() == [256, 1]


def planted_index(
    rng: np.random.Generator, n: int, *, merge_threshold: int = 1 << 30
) -> tuple[HammingIndex, dict[int, str]]:
    values = random_hex(rng, n)
    index = HammingIndex(merge_threshold=merge_threshold, background_merge=False)
    stored = dict(enumerate(values, start=1))
    index.load([(list(stored), [7] * n, values)])
    return index, stored


@pytest.mark.parametrize("radius", [31, 20, 40])
def test_exact_on_planted_neighbours(radius: int) -> None:
    rng = np.random.default_rng(radius)
    index, stored = planted_index(rng, 30_000)
    assert index.stats()["kind"] == "hamming-mih"
    bases = rng.choice(list(stored), size=120, replace=False)
    queries = [flip(stored[int(b)], k % 48, rng) for k, b in enumerate(bases)]
    hits = index.query(queries, radius)
    for qi, query in enumerate(queries):
        got = {h.id for h in hits if h.query == qi}
        assert got == oracle(stored, query, radius), qi
    for h in hits:
        assert h.distance == PdqSignal.distance(stored[h.id], queries[h.query])
        assert h.group == 7


def test_exact_on_clustered_codes() -> None:
    """Codes that share most chunks (many near-duplicates, full buckets)."""
    rng = np.random.default_rng(11)
    centre = random_hex(rng, 1)[0]
    values = [flip(centre, int(k), rng) for k in rng.integers(0, 60, 6000)]
    values += random_hex(rng, 6000)
    index = HammingIndex(background_merge=False)
    stored = dict(enumerate(values, start=1))
    index.load([(list(stored), [1] * len(values), values)])
    queries = [flip(centre, k, rng) for k in (0, 5, 16, 31, 45)] + random_hex(rng, 3)
    hits = index.query(queries, 31)
    for qi, query in enumerate(queries):
        assert {h.id for h in hits if h.query == qi} == oracle(stored, query, 31)


def test_boundary_31_found_32_not() -> None:
    rng = np.random.default_rng(5)
    index, stored = planted_index(rng, 10_000)
    base = stored[42]
    for k in range(0, 40):
        query = flip(base, k, rng)
        ids = {h.id for h in index.query([query], 31)}
        assert (42 in ids) == (k <= 31), k


def test_add_and_remove_take_effect_immediately_and_survive_merges() -> None:
    rng = np.random.default_rng(8)
    index, stored = planted_index(rng, 20_000, merge_threshold=500)
    new = random_hex(rng, 1200)
    for start in range(0, 1200, 300):
        ids = list(range(100_000 + start, 100_000 + start + 300))
        index.add(ids, [2] * 300, new[start : start + 300])
        stored.update(zip(ids, new[start : start + 300], strict=True))
        probe = flip(new[start], 10, rng)
        assert 100_000 + start in {h.id for h in index.query([probe], 31)}
    assert index.merges >= 2
    index.remove([100_000, 5])
    for gone in (100_000, 5):
        assert gone not in {h.id for h in index.query([stored[gone]], 31)}
    value_5 = stored.pop(5)
    del stored[100_000]
    queries = [flip(stored[int(i)], 20, rng) for i in rng.choice(list(stored), 30)]
    hits = index.query(queries, 31)
    for qi, query in enumerate(queries):
        assert {h.id for h in hits if h.query == qi} == oracle(stored, query, 31)
    size = index.size
    index.add([5], [7], [value_5])  # revived in place, not duplicated
    assert [h.id for h in index.query([value_5], 0)] == [5]
    assert index.size == size + 1


def test_background_merge_keeps_answers_exact() -> None:
    rng = np.random.default_rng(9)
    index, stored = planted_index(rng, 20_000, merge_threshold=256)
    index.background_merge = True
    new = random_hex(rng, 2000)
    ids = list(range(200_000, 202_000))
    for start in range(0, 2000, 100):
        index.add(ids[start : start + 100], [1] * 100, new[start : start + 100])
        assert ids[start] in {h.id for h in index.query([new[start]], 0)}
    index.wait_for_merge()
    stored.update(zip(ids, new, strict=True))
    queries = [flip(v, 25, rng) for v in new[::100]]
    hits = index.query(queries, 31)
    for qi, query in enumerate(queries):
        assert {h.id for h in hits if h.query == qi} == oracle(stored, query, 31)


def test_reload_does_not_grow_memory() -> None:
    rng = np.random.default_rng(1)
    values = random_hex(rng, 20_000)
    ids = list(range(len(values)))
    index = HammingIndex(background_merge=False)
    index.load([(ids, [1] * len(ids), values)])
    gc.collect()
    tracemalloc.start()
    try:
        sizes = []
        for _ in range(6):
            index.load([(ids, [1] * len(ids), values)])
            index.query(values[:50], 31)
            gc.collect()
            sizes.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    # The first reload allocates the replacement; after that, steady state.
    assert max(sizes[1:]) - min(sizes[1:]) < 1_000_000, sizes


def test_exact_index() -> None:
    index = ExactIndex()
    index.add([1, 2], [1, 2], ["a" * 32, "a" * 32])
    assert {h.id for h in index.query(["a" * 32], 0)} == {1, 2}
    index.remove([1, 99])
    assert [h.id for h in index.query(["a" * 32, "b" * 32], 0)] == [2]
    assert index.size == 1


def test_remove_and_revive_with_ids_out_of_order() -> None:
    rng = np.random.default_rng(12)
    values = random_hex(rng, 8000)
    ids = [int(i) for i in rng.permutation(np.arange(10, 8010))]
    index = HammingIndex(background_merge=False)
    index.load([(ids, [3] * len(ids), values)])
    assert index._sorted_ids is not None
    target = ids[123]
    index.remove([target])
    assert target not in {h.id for h in index.query([values[123]], 0)}
    index.add([target], [3], [values[123]])
    assert [h.id for h in index.query([values[123]], 0)] == [target]
    assert index.size == len(ids)


def test_queries_stay_exact_while_another_thread_adds_and_merges() -> None:
    import threading

    rng = np.random.default_rng(21)
    index, stored = planted_index(rng, 12_000, merge_threshold=300)
    index.background_merge = True
    probes = [stored[i] for i in (1, 500, 9000)]
    failures: list[str] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            hits = index.query(probes, 0)
            if sorted(h.id for h in hits) != [1, 500, 9000]:
                failures.append(repr(hits))

    thread = threading.Thread(target=reader)
    thread.start()
    new = random_hex(rng, 3000)
    for start in range(0, 3000, 150):
        ids = list(range(50_000 + start, 50_000 + start + 150))
        index.add(ids, [1] * 150, new[start : start + 150])
    index.wait_for_merge()
    done.set()
    thread.join()
    assert not failures
    assert index.merges >= 1
    assert len(index.query(new, 0)) == 3000
