"""Canonical JSON and the entry hash.

An entry's hash is SHA-256 over a domain-separated, length-prefixed encoding
of every stored field except the hash itself::

    "perisai.ledger.entry.v1\\n"
    || field(seq as decimal ASCII)
    || field(created_at) || field(kind)
    || (0x00 if subject_id is None else 0x01 || field(subject_id))
    || field(payload, canonical JSON) || field(prev_hash, lowercase hex)

where ``field(b) = len(b) as 8-byte big-endian || b`` and every string is
UTF-8. Length prefixes make the encoding unambiguous (no two different
entries encode to the same bytes), and the domain tag keeps these hashes from
ever colliding with hashes Perisai computes for other purposes. ``prev_hash``
of the first entry (the genesis) is 64 zeros.

Canonical JSON is ``json.dumps`` with sorted keys, no whitespace, UTF-8 (not
\\u escapes) and no NaN or Infinity. Only JSON types are accepted (dicts with
string keys, lists/tuples, strings, ints, finite floats, booleans, None), so
``canonical_json(json.loads(canonical_json(x))) == canonical_json(x)``: an
export can carry the payload as an object and an auditor can rebuild the exact
hashed bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from typing import Any

GENESIS_HASH = "0" * 64
ENTRY_DOMAIN = b"perisai.ledger.entry.v1\n"

#: Largest payload the ledger accepts, in bytes of canonical JSON.
MAX_PAYLOAD_BYTES = 1_000_000
_MAX_DEPTH = 64


class CanonicalJSONError(ValueError):
    """A value that cannot be written as canonical JSON (says where and why)."""


def _check(value: Any, path: str, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise CanonicalJSONError(f"{path}: nested deeper than {_MAX_DEPTH} levels")
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        _check_str(value, path)
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CanonicalJSONError(f"{path}: {value!r} is not allowed (JSON has no NaN/Infinity)")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalJSONError(
                    f"{path}: key {key!r} is a {type(key).__name__}; keys must be strings"
                )
            _check_str(key, f"{path} key {key!r}")
            _check(item, f"{path}.{key}", depth + 1)
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]", depth + 1)
        return
    raise CanonicalJSONError(f"{path}: {type(value).__name__} is not a JSON type")


def _check_str(value: str, path: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalJSONError(f"{path}: string is not valid Unicode ({exc.reason})") from None


_CONTAINERS = (dict, list, tuple)


def _only_string_keys(value: Any, depth: int) -> bool:
    """Fast pre-check for canonical_json: every dict key is a str and nesting
    is bounded. Everything else is checked by json.dumps itself."""
    if depth > _MAX_DEPTH:
        return False
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str:
                return False
            if type(item) in _CONTAINERS and not _only_string_keys(item, depth + 1):
                return False
    else:
        for item in value:
            if type(item) in _CONTAINERS and not _only_string_keys(item, depth + 1):
                return False
    return True


def _not_json(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON text; raises CanonicalJSONError naming the
    offending place for anything that is not plain, finite JSON."""
    try:
        if type(value) in _CONTAINERS and not _only_string_keys(value, 0):
            raise ValueError("non-string key or too deep")
        text = json.dumps(
            value,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            default=_not_json,
        )
        text.encode("utf-8")
        return text
    except (ValueError, TypeError, UnicodeEncodeError, RecursionError):
        pass
    # Slow path, only for bad input: walk the value to say exactly what and where.
    _check(value, "$", 0)
    raise CanonicalJSONError("$: value cannot be written as JSON")


def parse_canonical(text: str) -> Any:
    """Parse JSON text, rejecting NaN/Infinity and duplicate keys."""

    def no_constants(name: str) -> Any:
        raise CanonicalJSONError(f"{name} is not allowed in ledger JSON")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, item in pairs:
            if key in out:
                raise CanonicalJSONError(f"duplicate key {key!r}")
            out[key] = item
        return out

    return json.loads(text, parse_constant=no_constants, object_pairs_hook=no_duplicates)


_length = struct.Struct(">Q").pack


def entry_hash(
    seq: int,
    created_at: str,
    kind: str,
    subject_id: str | None,
    payload: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of an entry's canonical encoding; ``payload`` is the
    canonical JSON text exactly as stored."""
    seq_b = b"%d" % seq
    created_b = created_at.encode("utf-8", "surrogatepass")
    kind_b = kind.encode("utf-8", "surrogatepass")
    payload_b = payload.encode("utf-8", "surrogatepass")
    prev_b = prev_hash.encode("ascii", "replace")
    if subject_id is None:
        subject = b"\x00"
    else:
        subject_b = subject_id.encode("utf-8", "surrogatepass")
        subject = b"\x01" + _length(len(subject_b)) + subject_b
    # Fed in three parts so the (large) payload is never copied.
    digest = hashlib.sha256(
        ENTRY_DOMAIN
        + _length(len(seq_b))
        + seq_b
        + _length(len(created_b))
        + created_b
        + _length(len(kind_b))
        + kind_b
        + subject
        + _length(len(payload_b))
    )
    digest.update(payload_b)
    digest.update(_length(len(prev_b)) + prev_b)
    return digest.hexdigest()
