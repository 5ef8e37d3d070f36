"""JSON Lines export for auditors, and offline verification of an export.

Layout (one JSON object per line, UTF-8)::

    {"type": "header", "format": "perisai-ledger-export", "version": 1,
     "exported_at": ..., "since": ..., "entry_count": N,
     "anchor": {"seq": S-1, "entry_hash": <prev_hash of entry S>},
     "head": {"seq": H, "entry_hash": ...}, "public_keys": [<hex>, ...]}
    {"type": "entry", "seq": S, "created_at": ..., "kind": ..., "subject_id": ...,
     "payload": {...}, "prev_hash": ..., "entry_hash": ...}
    ...
    {"type": "checkpoint", "seq": ..., "entry_hash": ..., "created_at": ...,
     "key_id": ..., "public_key": ..., "signature": ...}

The entries are every entry from the first one made at or after ``since`` up
to the head at export time, with no gaps. The anchor is the hash the first
exported entry links back to; checkpoints are those at or after the first
exported seq. With only this file, an auditor recomputes every hash (the
payload object is turned back into the exact hashed bytes by canonical JSON),
follows the links from the anchor to the head, and checks every checkpoint's
signature: a valid checkpoint at seq C authenticates every exported entry up
to C, and the anchor with them.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from perisai.ledger.chain import CanonicalJSONError, canonical_json, parse_canonical
from perisai.ledger.checkpoints import Checkpoint, LedgerKeyError, load_public_key
from perisai.ledger.ledger import Ledger, LedgerError, utc_timestamp
from perisai.ledger.tables import ledger_entries
from perisai.ledger.verify import ChainVerifier, Problem, Row, VerifyReport

EXPORT_FORMAT = "perisai-ledger-export"
EXPORT_VERSION = 1
#: Entry lines moved at most this far are re-sorted before chain checking.
REORDER_WINDOW = 4096


class ExportFormatError(ValueError):
    """An export file that cannot be read (message names the line and field)."""


def _json_line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


def first_seq_since(ledger: Ledger, since: datetime | None) -> int:
    """The seq of the first entry made at or after ``since`` (1 when None)."""
    if since is None:
        return 1
    with ledger.db.connect() as conn:
        seq = conn.execute(
            select(ledger_entries.c.seq)
            .where(ledger_entries.c.created_at >= utc_timestamp(since))
            .order_by(ledger_entries.c.seq)
            .limit(1)
        ).scalar()
    return int(seq) if seq is not None else -1


def export_ledger(
    ledger: Ledger,
    out: IO[str],
    since: datetime | None = None,
    *,
    checkpoint: bool = True,
) -> int:
    """Write an export to ``out``; return the number of entries written. With
    ``checkpoint`` and a signer configured, the head is signed first so the
    whole export is covered by a checkpoint."""
    if checkpoint and ledger.signer is not None:
        recorded_seq, _ = ledger.recorded_head()
        if recorded_seq > 0 and not any(
            c.seq == recorded_seq for c in ledger.checkpoints(recorded_seq)
        ):
            ledger.checkpoint()
    head_seq, head_hash = ledger.recorded_head()
    first = first_seq_since(ledger, since)
    if first == -1 or head_seq == 0:
        first, anchor_hash, count = head_seq + 1, head_hash, 0
    else:
        first_entry = ledger.get(first)
        if first_entry is None:
            raise LedgerError(f"entry {first} vanished during export")
        anchor_hash = first_entry.prev_hash
        count = head_seq - first + 1
    keys = {c.public_key for c in ledger.checkpoints(first)}
    if ledger.signer is not None:
        keys.add(ledger.signer.public_hex)
    header = {
        "type": "header",
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": utc_timestamp(),
        "since": utc_timestamp(since) if since else None,
        "entry_count": count,
        "anchor": {"seq": first - 1, "entry_hash": anchor_hash},
        "head": {"seq": head_seq, "entry_hash": head_hash},
        "public_keys": sorted(keys),
    }
    out.write(_json_line(header))
    written = 0
    if count:
        for entry in ledger.entries(after_seq=first - 1, upto_seq=head_seq):
            out.write(_json_line({"type": "entry", **entry.to_dict()}))
            written += 1
    for cp in ledger.checkpoints(first):
        if cp.seq <= head_seq:
            out.write(_json_line({"type": "checkpoint", **cp.to_dict()}))
    return written


# -- offline verification ---------------------------------------------------


def _lines(source: Path | str | Iterable[str]) -> Iterator[str]:
    if isinstance(source, str | Path):
        with open(source, encoding="utf-8", errors="strict") as fh:
            try:
                yield from fh
            except UnicodeDecodeError as exc:
                raise ExportFormatError(f"{source}: not UTF-8 text ({exc.reason})") from None
    else:
        yield from source


def _field(obj: dict[str, Any], name: str, types: type | tuple[type, ...], where: str) -> Any:
    if name not in obj:
        raise ExportFormatError(f"{where}: missing field {name!r}")
    value = obj[name]
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
        raise ExportFormatError(
            f"{where}: field {name!r} has the wrong type ({type(value).__name__})"
        )
    return value


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _entry_row(obj: dict[str, Any], where: str) -> Row:
    payload = _field(obj, "payload", dict, where)
    try:
        payload_json = canonical_json(payload)
    except CanonicalJSONError as exc:
        raise ExportFormatError(f"{where}: payload: {exc}") from None
    return (
        _field(obj, "seq", int, where),
        _field(obj, "created_at", str, where),
        _field(obj, "kind", str, where),
        _field(obj, "subject_id", (str, type(None)), where),
        payload_json,
        _field(obj, "prev_hash", str, where),
        _field(obj, "entry_hash", str, where),
    )


def _checkpoint(obj: dict[str, Any], where: str) -> Checkpoint:
    return Checkpoint(
        seq=_field(obj, "seq", int, where),
        entry_hash=_field(obj, "entry_hash", str, where),
        created_at=_field(obj, "created_at", str, where),
        key_id=_field(obj, "key_id", str, where),
        public_key=_field(obj, "public_key", str, where),
        signature=_field(obj, "signature", str, where),
    )


def _feed_next(
    verifier: ChainVerifier, pending: list[tuple[int, int, Row]], last_fed: int | None
) -> int | None:
    seq, _, row = heapq.heappop(pending)
    if last_fed is not None and seq <= last_fed:
        return last_fed  # moved too far, or a duplicate seq: already reported as reordered
    verifier.feed(row)
    return seq


def verify_export(
    source: Path | str | Iterable[str],
    public_key: Ed25519PublicKey | Sequence[Ed25519PublicKey] | None = None,
    max_problems: int = 1000,
) -> VerifyReport:
    """Verify an export with nothing but the file (a path or its lines).

    ``public_key`` is the operator's published ledger key. Without it the
    signatures are checked against the keys the file itself names, and the
    report says so: that proves the file is internally consistent, not that
    the operator signed it.
    """
    lines = _lines(source)
    try:
        first_line = next(lines)
    except StopIteration:
        raise ExportFormatError("the export is empty (no header line)") from None
    try:
        header = parse_canonical(first_line)
    except (ValueError, CanonicalJSONError) as exc:
        raise ExportFormatError(f"line 1: header is not valid JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
        raise ExportFormatError(f"line 1: not a {EXPORT_FORMAT} header")
    if header.get("version") != EXPORT_VERSION:
        raise ExportFormatError(f"line 1: unsupported export version {header.get('version')!r}")
    anchor = _field(header, "anchor", dict, "line 1")
    head = _field(header, "head", dict, "line 1")
    verifier = ChainVerifier(
        anchor_seq=_field(anchor, "seq", int, "line 1 anchor"),
        anchor_hash=_field(anchor, "entry_hash", str, "line 1 anchor"),
        max_problems=max_problems,
    )
    recorded_head = (
        _field(head, "seq", int, "line 1 head"),
        _field(head, "entry_hash", str, "line 1 head"),
    )
    checkpoints: list[Checkpoint] = []
    out_of_order: list[Problem] = []
    pending: list[tuple[int, int, Row]] = []
    max_seen: int | None = None
    last_fed: int | None = None
    for number, line in enumerate(lines, start=2):
        where = f"line {number}"
        if not line.strip():
            continue
        try:
            obj = parse_canonical(line)
        except (ValueError, CanonicalJSONError) as exc:
            raise ExportFormatError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise ExportFormatError(f"{where}: expected a JSON object")
        kind = obj.get("type")
        if kind == "entry":
            row = _entry_row(obj, where)
            if max_seen is not None and row[0] <= max_seen:
                out_of_order.append(
                    Problem(
                        row[0],
                        "reordered",
                        f"entry {row[0]} ({where}): comes after entry {max_seen} in the file "
                        "(lines moved?)",
                    )
                )
            max_seen = row[0] if max_seen is None else max(max_seen, row[0])
            # Lines moved a short way are put back in order (and reported above),
            # so one moved line is one problem rather than a broken chain.
            heapq.heappush(pending, (row[0], number, row))
            if len(pending) > REORDER_WINDOW:
                last_fed = _feed_next(verifier, pending, last_fed)
        elif kind == "checkpoint":
            checkpoints.append(_checkpoint(obj, where))
        else:
            raise ExportFormatError(f"{where}: unknown line type {kind!r}")

    while pending:
        last_fed = _feed_next(verifier, pending, last_fed)

    notes: list[str] = []
    trusted: list[Ed25519PublicKey] | None
    if public_key is None:
        trusted = []
        for text in _field(header, "public_keys", list, "line 1"):
            try:
                trusted.append(load_public_key(str(text)))
            except LedgerKeyError as exc:
                raise ExportFormatError(f"line 1: public key {text!r}: {exc}") from None
        if checkpoints:
            notes.append(
                "signatures were checked against the public key(s) named in the file; pass the "
                "operator's published key to rule out a re-signed file"
            )
    elif isinstance(public_key, Ed25519PublicKey):
        trusted = [public_key]
    else:
        trusted = list(public_key)
    report = verifier.finish(checkpoints, trusted, recorded_head)
    report.notes = notes + report.notes
    if out_of_order:
        report.problems = sorted(report.problems + out_of_order, key=lambda p: (p.seq, p.kind))
        report.ok = False
    return report
