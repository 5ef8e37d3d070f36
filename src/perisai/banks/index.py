"""In-memory match indexes, one per signal type, over every active hash of
every bank.

Each entry is ``(id, group, value)``: ``id`` is the hash row's database id,
``group`` the bank id. The index answers "which entries are within
``radius`` of this query?"; which banks count, at what distance, and whether
an allow bank suppresses a block bank is decided by the caller
(:mod:`perisai.banks.service`), so enabling a bank or changing its distance
needs no index change.

:class:`HammingIndex` (PDQ and any fixed-length binary hash)
-------------------------------------------------------------
One growing array of codes, with three parts:

* the **indexed** rows ``[0, n_indexed)``, covered by an exact multi-index
  hashing structure (:mod:`perisai.banks.mih`);
* the **delta** rows ``[n_indexed, n_total)``: recent additions, searched by
  brute force (a faiss ``IndexBinaryFlat``: 16k rows cost ~0.04 ms a query),
  so an addition is visible to the next query;
* an **alive** mask: a withdrawn, deleted or quarantined entry is masked at
  once, and masked rows are dropped from results.

When the delta passes ``merge_threshold`` rows it is merged in a background
thread, one chunk table at a time (each replacement covers the delta too;
delta rows stay brute-forced until every table covers them), so memory holds
one extra table at most and queries never wait for a rebuild. Only when the
row count has grown enough that another layout is cheaper (roughly doubled)
does a merge build a whole new set of tables aside before swapping. Masked
rows are dropped by the next full reload (:meth:`HammingIndex.build`).

:class:`ExactIndex` (MD5 and any exact-match hash): a dict.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from perisai.banks import mih

IdMap = tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32]] | None

#: Below this many rows, brute force is as fast as any index.
FLAT_MAX_ROWS = 4096


@dataclass(frozen=True)
class IndexHit:
    query: int
    id: int
    group: int
    distance: int


class SignalIndex(ABC):
    """What the bank service needs from an index."""

    @abstractmethod
    def add(self, ids: Sequence[int], groups: Sequence[int], values: Sequence[str]) -> None:
        """Add (or revive) entries. Values are already validated."""

    @abstractmethod
    def remove(self, ids: Sequence[int]) -> None:
        """Stop matching these entries at once. Unknown ids are ignored."""

    @abstractmethod
    def query(self, values: Sequence[str], radius: int) -> list[IndexHit]:
        """Every live entry within ``radius`` of each query value."""

    @abstractmethod
    def stats(self) -> dict[str, int | str | list[int]]:
        """Sizes for operators and benchmarks."""

    def load(self, batches: Iterable[tuple[list[int], list[int], list[str]]]) -> None:
        """Fill an empty index from ``(ids, groups, values)`` batches."""
        for ids, groups, values in batches:
            self.add(ids, groups, values)

    @property
    @abstractmethod
    def size(self) -> int:
        """Live entries."""


def hex_to_codes(values: Sequence[str], nbytes: int) -> npt.NDArray[np.uint8]:
    """Validated hex strings to an (n, nbytes) uint8 array."""
    if not values:
        return np.empty((0, nbytes), np.uint8)
    joined = bytes.fromhex("".join(values))
    return np.frombuffer(joined, dtype=np.uint8).reshape(len(values), nbytes).copy()


class HammingIndex(SignalIndex):
    def __init__(
        self,
        bits: int = 256,
        *,
        merge_threshold: int = 16384,
        design_radius: int = 31,
        background_merge: bool = True,
    ) -> None:
        if bits % 64:
            raise ValueError("bits must be a multiple of 64")
        self.bits = bits
        self.nbytes = bits // 8
        self.merge_threshold = merge_threshold
        self.design_radius = design_radius
        self.background_merge = background_merge
        self._lock = threading.RLock()
        self._merge_thread: threading.Thread | None = None
        # faiss only scans the small delta here. Its OpenMP pool adds thread
        # wake-up latency (milliseconds on a busy machine) to sub-millisecond
        # scans; callers parallelise across queries themselves. No other part
        # of Perisai uses faiss, so the process-wide setting is safe.
        faiss.omp_set_num_threads(1)
        self._reset(0)
        self.merges = 0

    def _reset(self, capacity: int) -> None:
        self._generation = getattr(self, "_generation", 0) + 1
        capacity = max(capacity, 1024)
        self._codes = np.zeros((capacity, self.nbytes), np.uint8)
        self._ids = np.zeros(capacity, np.int64)
        self._groups = np.zeros(capacity, np.uint32)
        self._alive = np.zeros(capacity, np.bool_)
        self._n_total = 0
        self._n_indexed = 0
        self._multi: mih.MultiIndex | None = None
        # id -> slot for rows not yet in the sorted id map
        self._recent: dict[int, int] = {}
        self._sorted_ids: npt.NDArray[np.int64] | None = None
        self._sorted_slots: npt.NDArray[np.uint32] | None = None
        self._n_live = 0
        self._delta = faiss.IndexBinaryFlat(self.bits)
        self._delta_start = 0

    def _new_delta(self, start: int) -> None:
        """A fresh brute-force index over rows ``[start, n_total)``. faiss's
        SIMD popcount scans a 16k-row delta in ~0.04 ms a query."""
        delta = faiss.IndexBinaryFlat(self.bits)
        if self._n_total > start:
            delta.add(np.ascontiguousarray(self._codes[start : self._n_total]))
        self._delta, self._delta_start = delta, start

    # -- building --------------------------------------------------------

    def build(
        self,
        ids: npt.NDArray[np.int64],
        groups: npt.NDArray[np.uint32],
        codes: npt.NDArray[np.uint8],
    ) -> None:
        """Replace the whole content (a reload). Old arrays are released."""
        n = len(ids)
        self._wait_merge()
        with self._lock:
            self._reset(int(n * 1.05) + 1024)
            self._codes[:n] = codes
            self._ids[:n] = ids
            self._groups[:n] = groups
            self._alive[:n] = True
            self._n_total = n
            self._n_live = n
            self._index_all_now()

    def load(self, batches: Iterable[tuple[list[int], list[int], list[str]]]) -> None:
        """Fill from batches without merging per batch: index once at the end."""
        self._wait_merge()
        with self._lock:
            self._reset(0)
            for ids, groups, values in batches:
                start, end = self._n_total, self._n_total + len(ids)
                self._grow(end)
                self._codes[start:end] = hex_to_codes(values, self.nbytes)
                self._ids[start:end] = ids
                self._groups[start:end] = groups
                self._alive[start:end] = True
                self._n_total = self._n_live = end
            self._index_all_now()

    def _index_all_now(self) -> None:
        n = self._n_total
        if n > FLAT_MAX_ROWS:
            layout = mih.choose_layout(self.bits, n, self.design_radius)
            self._multi = mih.MultiIndex(self._codes, n, layout)
        else:
            self._multi = None
        self._n_indexed = n if self._multi is not None else 0
        self._new_delta(self._n_indexed)
        self._rebuild_id_map()

    def _id_map(self, n: int) -> IdMap:
        """Ids of rows ``[0, n)`` sorted, with their slots; ``None`` when the
        rows are already in id order (the usual case: loads are ordered by
        id), which saves 12 bytes a row. Rows never change, so this runs
        outside the lock."""
        ids = self._ids[:n]
        if n < 2 or bool(np.all(ids[1:] >= ids[:-1])):
            return None
        order = np.argsort(ids, kind="stable")
        return ids[order], order.astype(np.uint32)

    def _install_id_map(self, id_map: IdMap) -> None:
        if id_map is None:
            self._sorted_ids, self._sorted_slots = None, None
        else:
            self._sorted_ids, self._sorted_slots = id_map
        self._recent = {int(self._ids[s]): s for s in range(self._n_indexed, self._n_total)}

    def _rebuild_id_map(self) -> None:
        self._install_id_map(self._id_map(self._n_indexed))

    def _grow(self, need: int) -> None:
        capacity = self._codes.shape[0]
        if need <= capacity:
            return
        new_capacity = max(need, int(capacity * 1.5))
        for name in ("_codes", "_ids", "_groups", "_alive"):
            old = getattr(self, name)
            new = np.zeros((new_capacity, *old.shape[1:]), old.dtype)
            new[: self._n_total] = old[: self._n_total]
            setattr(self, name, new)

    # -- changes ----------------------------------------------------------

    def _slots_of(self, entry_id: int) -> list[int]:
        slots = []
        if self._sorted_ids is None or self._sorted_slots is None:
            in_order = self._ids[: self._n_indexed]
            i = int(np.searchsorted(in_order, entry_id))
            while i < in_order.size and in_order[i] == entry_id:
                slots.append(i)
                i += 1
        else:
            i = int(np.searchsorted(self._sorted_ids, entry_id))
            while i < self._sorted_ids.size and self._sorted_ids[i] == entry_id:
                slots.append(int(self._sorted_slots[i]))
                i += 1
        if entry_id in self._recent:
            slots.append(self._recent[entry_id])
        return slots

    def add(self, ids: Sequence[int], groups: Sequence[int], values: Sequence[str]) -> None:
        codes = hex_to_codes(values, self.nbytes)
        with self._lock:
            fresh: list[int] = []
            for k, entry_id in enumerate(ids):
                revived = False
                for slot in self._slots_of(int(entry_id)):
                    if np.array_equal(self._codes[slot], codes[k]):
                        if not self._alive[slot]:
                            self._alive[slot] = True
                            self._n_live += 1
                        self._groups[slot] = groups[k]
                        revived = True
                if not revived:
                    fresh.append(k)
            if fresh:
                start = self._n_total
                end = start + len(fresh)
                self._grow(end)
                self._codes[start:end] = codes[fresh]
                self._ids[start:end] = [ids[k] for k in fresh]
                self._groups[start:end] = [groups[k] for k in fresh]
                self._alive[start:end] = True
                for slot in range(start, end):
                    self._recent[int(self._ids[slot])] = slot
                self._delta.add(np.ascontiguousarray(codes[fresh]))
                self._n_total = end
                self._n_live += len(fresh)
            self._maybe_merge()

    def remove(self, ids: Sequence[int]) -> None:
        with self._lock:
            for entry_id in ids:
                for slot in self._slots_of(int(entry_id)):
                    if self._alive[slot]:
                        self._alive[slot] = False
                        self._n_live -= 1

    # -- merging ------------------------------------------------------------

    def _maybe_merge(self) -> None:
        if self._n_total - self._n_indexed < self.merge_threshold:
            return
        if self._merge_thread is not None and self._merge_thread.is_alive():
            return
        if self.background_merge:
            self._merge_thread = threading.Thread(
                target=self.merge, daemon=True, name="perisai-bank-merge"
            )
            self._merge_thread.start()
        else:
            self.merge()

    def _wait_merge(self) -> None:
        thread = self._merge_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def merge(self) -> None:
        """Bring the delta into the chunk tables, one table at a time."""
        with self._lock:
            n = self._n_total
            codes = self._codes
            multi = self._multi
            generation = self._generation
        if n <= FLAT_MAX_ROWS:
            return
        layout = mih.choose_layout(self.bits, n, self.design_radius)
        if multi is None or layout != multi.layout:
            # A new layout: build it aside (tables only; codes are shared),
            # then swap. Queries keep using the old tables meanwhile.
            multi = mih.MultiIndex(codes, n, layout)
        else:
            for i in range(layout.m):
                multi.rebuild_table(i, codes, n)
        id_map = self._id_map(n)
        with self._lock:
            if generation != self._generation:
                return  # the content was replaced meanwhile (build/load)
            multi.n = n
            self._multi = multi
            self._n_indexed = n
            self._new_delta(n)
            self._install_id_map(id_map)
            self.merges += 1

    def wait_for_merge(self) -> None:
        self._wait_merge()

    # -- queries --------------------------------------------------------------

    def query(self, values: Sequence[str], radius: int) -> list[IndexHit]:
        if not values:
            return []
        queries = hex_to_codes(values, self.nbytes)
        q64 = queries.view(np.uint64)
        parts: list[tuple[npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[np.uint32]]]
        parts = []
        with self._lock:
            codes64 = self._codes.view(np.uint64)
            ids, groups, alive = self._ids, self._groups, self._alive
            multi, n_indexed = self._multi, self._n_indexed
            if self._delta.ntotal:
                # faiss indexes are not safe to search while another thread adds.
                limits, dist, rows_in_delta = self._delta.range_search(queries, radius + 1)
                counts = np.diff(limits).astype(np.int64)
                parts.append(
                    (
                        np.repeat(np.arange(len(values), dtype=np.int64), counts),
                        rows_in_delta.astype(np.int64) + self._delta_start,
                        dist.astype(np.uint32),
                    )
                )
        if multi is not None and n_indexed:
            rows, slots = multi.candidates(queries, radius)
            # Tables cover rows [0, n) with n <= n_total of this snapshot. During a
            # merge they may already cover rows that the delta search also
            # returns; duplicates are removed below.
            parts.append((rows, slots, mih.hamming_rows(codes64, slots, q64, rows)))
        if not parts:
            return []
        rows = np.concatenate([p[0] for p in parts])
        slots = np.concatenate([p[1] for p in parts])
        dist = np.concatenate([p[2] for p in parts])
        ok = (dist <= radius) & alive[slots]
        rows, slots, dist = rows[ok], slots[ok], dist[ok]
        hits: dict[tuple[int, int], IndexHit] = {}
        for r, s, d in zip(rows.tolist(), slots.tolist(), dist.tolist(), strict=True):
            entry_id = int(ids[s])
            hits[(r, entry_id)] = IndexHit(r, entry_id, int(groups[s]), d)
        return sorted(hits.values(), key=lambda h: (h.query, h.distance, h.id))

    @property
    def size(self) -> int:
        return self._n_live

    def stored_codes(self) -> npt.NDArray[np.uint8]:
        """A read-only view of every stored row (live or masked), by slot."""
        view = self._codes[: self._n_total]
        view.flags.writeable = False
        return view

    def stats(self) -> dict[str, int | str | list[int]]:
        multi = self._multi
        return {
            "kind": "hamming-mih" if multi is not None else "hamming-flat",
            "live": self._n_live,
            "rows": self._n_total,
            "indexed_rows": self._n_indexed,
            "delta_rows": self._n_total - self._n_indexed,
            "chunk_widths": [c.width for c in multi.layout.chunks] if multi else [],
            "merges": self.merges,
            "bytes": int(
                self._codes.nbytes
                + self._ids.nbytes
                + self._groups.nbytes
                + self._alive.nbytes
                + (self._sorted_ids.nbytes if self._sorted_ids is not None else 0)
                + (self._sorted_slots.nbytes if self._sorted_slots is not None else 0)
                + (multi.nbytes if multi else 0)
            ),
        }


class ExactIndex(SignalIndex):
    """Exact matches by value (distance is always 0)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_value: dict[str, dict[int, int]] = {}
        self._value_of: dict[int, str] = {}

    def add(self, ids: Sequence[int], groups: Sequence[int], values: Sequence[str]) -> None:
        with self._lock:
            for entry_id, group, value in zip(ids, groups, values, strict=True):
                self._by_value.setdefault(value, {})[int(entry_id)] = int(group)
                self._value_of[int(entry_id)] = value

    def remove(self, ids: Sequence[int]) -> None:
        with self._lock:
            for entry_id in ids:
                value = self._value_of.pop(int(entry_id), None)
                if value is not None:
                    entries = self._by_value[value]
                    entries.pop(int(entry_id), None)
                    if not entries:
                        del self._by_value[value]

    def query(self, values: Sequence[str], radius: int) -> list[IndexHit]:
        hits = []
        for i, value in enumerate(values):
            for entry_id, group in sorted(self._by_value.get(value, {}).items()):
                hits.append(IndexHit(i, entry_id, group, 0))
        return hits

    @property
    def size(self) -> int:
        return len(self._value_of)

    def stats(self) -> dict[str, int | str | list[int]]:
        return {"kind": "exact", "live": len(self._value_of)}
