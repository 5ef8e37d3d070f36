"""Chain verification: detect tampering and say where it happened.

The verifier streams entries in stored ``seq`` order, recomputing each hash
and checking that each entry's ``prev_hash`` is the hash of the entry stored
before it. Almost every entry passes both checks and costs one SHA-256; the
few that do not ("anomalies") are kept, and once the stream ends they are
explained with a little global knowledge: an index from hash prefix to stored
seq (two numpy arrays, 16 bytes per entry) tells which stored entry an
anomaly's ``prev_hash`` really points to.

What each tampering looks like:

* **edited** — an entry whose hash no longer matches its contents; or, if the
  attacker recomputed that one hash, the next entry no longer links to it
  while no seq number is missing.
* **deleted** — an entry whose ``prev_hash`` points to no stored entry, with
  a gap in the original numbering before it (a seq gap, or, when later
  entries were renumbered to close the gap, hashes that only match with their
  old seq numbers).
* **inserted** — stored entries that the chain skips: the entry after them
  links to the entry before them, and nothing links to them.
* **reordered** — entries whose neighbours on both sides do not link to them
  but which are still linked from somewhere else in the chain.
* **truncated** — the tail is gone: a signed checkpoint, or the ledger's head
  row, names an entry beyond the last one stored.
* **bad_signature** — a checkpoint whose signature does not verify with any
  trusted public key.

Renumbering is followed: once an entry's hash is found to match only with a
different seq number (entries were spliced in or cut out before it), the
verifier carries that offset forward, so one splice yields one problem rather
than a million.

A chain recomputed from some point on is internally consistent; only a
signed checkpoint taken before the rewrite exposes it (reported as
``edited`` between the last matching checkpoint and the first that fails).
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from perisai.ledger.chain import GENESIS_HASH, entry_hash
from perisai.ledger.checkpoints import Checkpoint, verify_checkpoint

ProblemKind = Literal["edited", "deleted", "inserted", "reordered", "truncated", "bad_signature"]

#: (seq, created_at, kind, subject_id, payload JSON text, prev_hash, entry_hash)
Row = tuple[int, str, str, str | None, str, str, str]

#: Anomalies kept with their full rows for re-hashing; beyond this only counted.
MAX_ANOMALIES = 20_000
#: Longest run of stored entries that may be reported as one insertion.
MAX_INSERTED_BLOCK = 10_000


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int
    kind: ProblemKind
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class VerifyReport:
    ok: bool
    entries_checked: int
    head_seq: int | None
    head_hash: str | None
    problems: list[Problem]
    checkpoints_checked: int = 0
    #: Things the verifier could not check (no public key given, ...).
    notes: list[str] = field(default_factory=list)
    #: Problems beyond the reporting cap (counted, not listed).
    problems_omitted: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["problems"] = [asdict(p) for p in self.problems]
        return out

    def summary(self) -> str:
        head = f"head is entry {self.head_seq}" if self.head_seq is not None else "ledger is empty"
        if self.ok:
            return (
                f"ok: {self.entries_checked} entries and {self.checkpoints_checked} checkpoints "
                f"verified; {head}"
            )
        total = len(self.problems) + self.problems_omitted
        kinds = sorted({p.kind for p in self.problems})
        return (
            f"TAMPERED: {total} problem(s) ({', '.join(kinds)}) in {self.entries_checked} entries "
            f"checked; {head}"
        )


@dataclass(slots=True)
class _Anomaly:
    seq: int
    pred_seq: int
    orig: int | None
    linked: bool
    prev_hash: str
    row: Row | None
    link_to: int | None = None


def _prefix(hex_hash: str) -> int:
    try:
        return int(hex_hash[:16], 16)
    except ValueError:
        return 0


def _short(hex_hash: str) -> str:
    return hex_hash[:12] + "…"


class ChainVerifier:
    """Feed rows in stored seq order, then call :meth:`finish`.

    ``anchor_seq``/``anchor_hash`` describe the entry just before the first
    one fed: (0, 64 zeros) for a whole ledger, or the prev_hash of the first
    entry of an export.
    """

    def __init__(
        self,
        anchor_seq: int = 0,
        anchor_hash: str = GENESIS_HASH,
        max_problems: int = 1000,
    ) -> None:
        self.anchor_seq = anchor_seq
        self.anchor_hash = anchor_hash
        self.max_problems = max_problems
        self.count = 0
        self._last_seq = anchor_seq
        self._last_hash = anchor_hash
        self._last_orig = anchor_seq
        self._shift = 0
        self._shift_seqs: list[int] = [anchor_seq]
        self._shift_values: list[int] = [0]
        self._prefixes = array("Q")
        self._seqs = array("q")
        self._anomalies: dict[int, _Anomaly] = {}
        self._anomalies_dropped = 0

    # -- streaming -------------------------------------------------------

    def feed(self, row: Row) -> None:
        seq, created_at, kind, subject_id, payload, prev_hash, stored_hash = row
        self.count += 1
        self._prefixes.append(_prefix(stored_hash))
        self._seqs.append(seq)
        orig = seq - self._shift
        content_ok = (
            entry_hash(orig, created_at, kind, subject_id, payload, prev_hash) == stored_hash
        )
        if content_ok and prev_hash == self._last_hash and seq == self._last_seq + 1:
            self._last_seq = seq
            self._last_hash = stored_hash
            self._last_orig = orig
            return
        self._anomaly(row, content_ok)

    def feed_all(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.feed(row)

    def _anomaly(self, row: Row, content_ok: bool) -> None:
        seq, created_at, kind, subject_id, payload, prev_hash, stored_hash = row
        linked = prev_hash == self._last_hash
        found: int | None = seq - self._shift if content_ok else None
        if found is None:
            candidates = [seq, self._last_orig + 1]
            if prev_hash == self.anchor_hash:
                candidates.append(self.anchor_seq + 1)
            n = len(self._anomalies)
            # A wide search for the first few (finds the offset after a large
            # renumbered deletion or insertion), narrower after that.
            radius = 1 << 14 if n < 3 else 256 if n < 50 else 8 if n < 1000 else 0
            base = seq - self._shift
            for d in range(1, radius + 1):
                candidates.extend((base + d, base - d))
            tried: set[int] = set()
            for cand in candidates:
                if cand < 1 or cand in tried:
                    continue
                tried.add(cand)
                if (
                    entry_hash(cand, created_at, kind, subject_id, payload, prev_hash)
                    == stored_hash
                ):
                    found = cand
                    break
        if found is not None and seq - found != self._shift:
            self._shift = seq - found
            self._shift_seqs.append(seq)
            self._shift_values.append(self._shift)
        if len(self._anomalies) < MAX_ANOMALIES:
            self._anomalies[seq] = _Anomaly(
                seq=seq,
                pred_seq=self._last_seq,
                orig=found,
                linked=linked,
                prev_hash=prev_hash,
                row=row,
            )
        else:
            self._anomalies_dropped += 1
        self._last_seq = seq
        self._last_hash = stored_hash
        self._last_orig = found if found is not None else seq - self._shift

    # -- explanation -----------------------------------------------------

    def _orig_of(self, stored: int) -> int:
        if stored == self.anchor_seq:
            return self.anchor_seq
        anomaly = self._anomalies.get(stored)
        if anomaly is not None and anomaly.orig is not None:
            return anomaly.orig
        i = bisect.bisect_right(self._shift_seqs, stored) - 1
        return stored - self._shift_values[max(i, 0)]

    def finish(
        self,
        checkpoints: Sequence[Checkpoint] = (),
        trusted_keys: Sequence[Ed25519PublicKey] | None = None,
        recorded_head: tuple[int, str] | None = None,
    ) -> VerifyReport:
        prefixes = (
            np.frombuffer(self._prefixes, dtype=np.uint64) if self.count else np.zeros(0, np.uint64)
        )
        seqs = np.frombuffer(self._seqs, dtype=np.int64) if self.count else np.zeros(0, np.int64)
        order = np.argsort(prefixes, kind="stable")
        sorted_prefixes = prefixes[order]
        sorted_seqs = seqs[order]

        def lookup(hex_hash: str) -> int | None:
            if hex_hash == self.anchor_hash:
                return self.anchor_seq
            p = np.uint64(_prefix(hex_hash))
            i = int(np.searchsorted(sorted_prefixes, p))
            if i < len(sorted_prefixes) and sorted_prefixes[i] == p:
                return int(sorted_seqs[i])
            return None

        def stored_between(lo: int, hi: int) -> list[int] | None:
            a = int(np.searchsorted(seqs, lo, side="right"))
            b = int(np.searchsorted(seqs, hi, side="left"))
            if b - a > MAX_INSERTED_BLOCK:
                return None  # a jump this long is a moved entry, not a splice
            return [int(s) for s in seqs[a:b]]

        problems: dict[tuple[int, str], Problem] = {}

        def add(seq: int, kind: ProblemKind, message: str) -> None:
            problems.setdefault((seq, kind), Problem(seq, kind, message))

        anomalies = list(self._anomalies.values())
        for a in anomalies:
            a.link_to = a.pred_seq if a.linked else lookup(a.prev_hash)
        for a in anomalies:
            if a.orig is None and a.link_to is not None and a.row is not None:
                cand = self._orig_of(a.link_to) + 1
                _, created_at, kind, subject_id, payload, prev_hash, stored_hash = a.row
                if (
                    entry_hash(cand, created_at, kind, subject_id, payload, prev_hash)
                    == stored_hash
                ):
                    a.orig = cand

        succ = {a.pred_seq: a for a in anomalies}
        link_targets: dict[int, list[_Anomaly]] = {}
        for a in anomalies:
            if not a.linked and a.link_to is not None:
                link_targets.setdefault(a.link_to, []).append(a)

        # The chain's tip is "linked to" by the head row and by checkpoints.
        tips: set[int] = set()
        if recorded_head is not None and (at := lookup(recorded_head[1])) is not None:
            tips.add(at)
        for cp in checkpoints:
            if (at := lookup(cp.entry_hash)) is not None:
                tips.add(at)
        last_seq = self._last_seq
        max_orig = max([self._last_orig] + [a.orig for a in anomalies if a.orig is not None])

        # Inserted: a block of stored entries the chain skips and nothing links to.
        inserted: set[int] = set()
        for a in anomalies:
            if a.linked or a.link_to is None or a.link_to >= a.pred_seq or a.link_to > a.seq:
                continue
            block = stored_between(a.link_to, a.seq)
            if block is None:
                continue
            block_set = set(block)
            referenced = any(
                s in tips or any(src.seq not in block_set for src in link_targets.get(s, ()))
                for s in block
            )
            if referenced:
                continue
            for s in block:
                inserted.add(s)
                add(
                    s,
                    "inserted",
                    f"entry {s}: not part of the original chain — entry {a.seq} links to entry "
                    f"{a.link_to}, skipping it (spliced in?)",
                )

        for a in anomalies:
            if a.seq in inserted:
                continue
            after = succ.get(a.seq)
            if after is None and a.seq == last_seq:
                # The last stored entry should be the tip the head row names.
                displaced = not a.linked and bool(tips) and a.seq not in tips
            else:
                displaced = not a.linked and after is not None and not after.linked
            if not a.linked and a.link_to is not None and a.link_to != a.pred_seq:
                # A displaced entry whose hash matches its own seq is where it
                # belongs: its neighbours moved, not it.
                if displaced and a.orig != a.seq:
                    written_as = (
                        f"its contents were written as entry {a.orig}"
                        if a.orig is not None and a.orig != a.seq
                        else f"it follows entry {a.link_to} in the chain"
                    )
                    add(
                        a.seq,
                        "reordered",
                        f"entry {a.seq}: out of order — {written_as}, but it is stored after "
                        f"entry {a.pred_seq}",
                    )
                continue
            if not a.linked and a.link_to is None:
                if a.pred_seq in inserted:
                    continue
                if a.orig is None:
                    add(
                        a.seq,
                        "edited",
                        f"entry {a.seq}: hash does not match its contents and it does not link "
                        f"to entry {a.pred_seq} (edited or replaced?)",
                    )
                    continue
                missing = a.orig - self._orig_of(a.pred_seq) - 1
                if missing > 0:
                    first = a.pred_seq + 1
                    if a.seq - a.pred_seq > 1:
                        where = (
                            f"entry {first}"
                            if a.seq - 1 == first
                            else f"entries {first}–{a.seq - 1}"
                        )
                        add(
                            first,
                            "deleted",
                            f"{where} missing: entry {a.seq} does not link to entry {a.pred_seq} "
                            f"(deleted?)",
                        )
                    else:
                        add(
                            a.seq,
                            "deleted",
                            f"entry {a.seq}: {missing} entr{'y' if missing == 1 else 'ies'} "
                            f"missing before it — its hash matches only as entry {a.orig}, so "
                            f"later entries were renumbered to hide a deletion",
                        )
                elif missing == 0 and a.pred_seq != self.anchor_seq:
                    add(
                        a.pred_seq,
                        "edited",
                        f"entry {a.pred_seq}: contents changed and its hash recomputed (edited?) "
                        f"— entry {a.seq} no longer links to it",
                    )
                else:
                    add(
                        a.seq,
                        "edited",
                        f"entry {a.seq}: does not link to entry {a.pred_seq} before it (edited?)",
                    )
                continue
            if a.orig is None:
                add(a.seq, "edited", f"entry {a.seq}: hash does not match its contents (edited?)")
                continue
            if a.linked and a.orig != self._orig_of(a.pred_seq) + 1:
                add(
                    a.seq,
                    "edited",
                    f"entry {a.seq}: sequence number changed (its hash matches only as entry "
                    f"{a.orig})",
                )

        notes: list[str] = []
        if self._anomalies_dropped:
            notes.append(
                f"{self._anomalies_dropped} further anomalous entries were not analysed "
                f"(more than {MAX_ANOMALIES})"
            )
            first_dropped = max(self._anomalies) + 1 if self._anomalies else self.anchor_seq + 1
            add(
                first_dropped,
                "edited",
                f"entry {first_dropped} onwards: too many problems to analyse",
            )

        # Checkpoints and the recorded head: the only defence against a cut tail.
        last_orig = max_orig
        truncation: list[str] = []
        keys = list(trusted_keys) if trusted_keys is not None else None
        if checkpoints and not keys:
            notes.append("checkpoint signatures not checked: no trusted public key given")
        previous_good = self.anchor_seq
        for cp in sorted(checkpoints, key=lambda c: c.seq):
            if keys:
                why = verify_checkpoint(cp, keys)
                if why is not None:
                    add(
                        cp.seq,
                        "bad_signature",
                        f"checkpoint at entry {cp.seq} (made {cp.created_at}): {why}",
                    )
                    continue
            at = lookup(cp.entry_hash)
            if at is not None:
                previous_good = max(previous_good, cp.seq)
                continue
            if cp.seq > last_orig:
                truncation.append(
                    f"a checkpoint made {cp.created_at} covers entries up to {cp.seq}"
                )
            elif not any(previous_good < seq <= cp.seq for seq, _ in problems):
                add(
                    cp.seq,
                    "edited",
                    f"entry {cp.seq}: differs from the checkpoint signed {cp.created_at} "
                    f"(signed hash {_short(cp.entry_hash)}) — entries {previous_good + 1}–{cp.seq} "
                    f"were changed and the chain recomputed",
                )
        if recorded_head is not None:
            head_seq, head_hash = recorded_head
            if head_seq > last_orig:
                truncation.append(f"the ledger head records entry {head_seq}")
            elif head_seq < last_orig and lookup(head_hash) is not None:
                first_extra = last_seq - (last_orig - head_seq) + 1
                add(
                    first_extra,
                    "inserted",
                    f"entries {first_extra}–{last_seq} were added after the recorded head "
                    f"(entry {head_seq}) without going through the ledger",
                )
            elif head_seq == last_orig and lookup(head_hash) is None:
                add(
                    last_seq,
                    "edited",
                    f"entry {last_seq}: does not match the hash recorded for the ledger head",
                )
        if truncation:
            first_missing = last_seq + 1
            add(
                first_missing,
                "truncated",
                f"entries after {last_seq} are missing (tail truncated?): " + "; ".join(truncation),
            )

        ordered = sorted(problems.values(), key=lambda p: (p.seq, p.kind))
        omitted = max(0, len(ordered) - self.max_problems)
        return VerifyReport(
            ok=not ordered,
            entries_checked=self.count,
            head_seq=last_seq if self.count else None,
            head_hash=self._last_hash if self.count else None,
            problems=ordered[: self.max_problems],
            checkpoints_checked=len(checkpoints),
            notes=notes,
            problems_omitted=omitted,
        )
