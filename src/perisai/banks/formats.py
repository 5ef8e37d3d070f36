"""Bank file formats: read and write.

* ``threatexchange``: python-threatexchange's local file exchange, one
  signal per line, ``<signal_type> <value>`` (``pdq f8f8f0ce...``); blank
  lines and ``#`` comments are skipped. A default signal type may be given
  for files that hold bare values.
* ``stopncii``: StopNCII FetchHashes records, either a whole response
  (``{"count": ..., "hashRecords": [...]}``), a JSON array of records or JSON
  Lines (one record a line). A record has ``signalType`` (``ImagePDQ``,
  ``VideoMD5``), ``hashValue``, ``hashStatus`` (``Received``, ``Active``,
  ``Withdrawn``, ``Deleted``) and ``caseNumbers`` (an object of case number
  to status, or a list). Withdrawn and deleted records are returned with
  that status so the bank purges them.
* ``csv``: a header naming ``signal_type`` and ``value``, optionally
  ``external_id``, ``case_numbers`` (separated by ``;``), ``quality`` and
  ``status``.

Parsers never raise on bad content: each bad row becomes a
:class:`RowError` with its line number and reason, and the other rows load.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from perisai.banks.signals import (
    InvalidSignal,
    SignalType,
    UnknownSignalType,
    by_stopncii_name,
    get_signal_type,
)

Format = Literal["threatexchange", "stopncii", "csv"]
FORMATS: tuple[str, ...] = get_args(Format)
EntryStatus = Literal["active", "withdrawn", "deleted"]

MAX_CASE_NUMBERS = 1000
MAX_FIELD_CHARS = 200
STOPNCII_STATUS: dict[str, EntryStatus] = {
    "Received": "active",
    "Active": "active",
    "Withdrawn": "withdrawn",
    "Deleted": "deleted",
}
STOPNCII_EXPORT_STATUS = {"active": "Active", "withdrawn": "Withdrawn", "deleted": "Deleted"}


@dataclass(frozen=True)
class HashEntry:
    """One hash to add to (or, with a withdrawn/deleted status, purge from) a bank."""

    signal_type: str
    value: str
    external_id: str | None = None
    case_numbers: tuple[str, ...] = ()
    quality: int | None = None
    status: EntryStatus = "active"
    #: Where it came from in the input: a line number (files) or an index (API lists).
    line: int | None = None


@dataclass(frozen=True)
class RowError:
    line: int | None
    reason: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "reason": self.reason}


@dataclass
class Parsed:
    entries: list[HashEntry] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _signal(name: object) -> type[SignalType]:
    if not isinstance(name, str):
        raise UnknownSignalType(f"signal type must be a string, not {type(name).__name__}")
    return get_signal_type(name)


def _clean_text(value: object, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str | int):
        raise ValueError(f"{what} must be a string")
    text = str(value).strip()
    if len(text) > MAX_FIELD_CHARS:
        raise ValueError(f"{what} is longer than {MAX_FIELD_CHARS} characters")
    if any(ord(c) < 32 for c in text):
        raise ValueError(f"{what} contains control characters")
    return text or None


def _quality(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        q = int(str(value).strip())
    except ValueError:
        raise ValueError(f"quality must be an integer 0-100, got {_short(value)}") from None
    if not 0 <= q <= 100:
        raise ValueError(f"quality must be 0-100, got {q}")
    return q


def detect_format(text: str) -> Format:
    head = text.lstrip("\ufeff \t\r\n")[:1]
    if head in ("{", "["):
        return "stopncii"
    first = text.lstrip("\ufeff").split("\n", 1)[0].lower()
    if "," in first and "signal_type" in first:
        return "csv"
    return "threatexchange"


def parse(text: str, fmt: Format | str, *, default_signal_type: str | None = None) -> Parsed:
    """Parse ``text`` in format ``fmt`` (``"auto"`` to detect it)."""
    if fmt == "auto":
        fmt = detect_format(text)
    if fmt == "threatexchange":
        return parse_threatexchange(text, default_signal_type=default_signal_type)
    if fmt == "stopncii":
        return parse_stopncii(text)
    if fmt == "csv":
        return parse_csv(text)
    raise ValueError(f"unknown format {_short(fmt)}; choose one of: {', '.join(FORMATS)}, auto")


# -- threatexchange ---------------------------------------------------------


def parse_threatexchange(text: str, *, default_signal_type: str | None = None) -> Parsed:
    out = Parsed()
    default = get_signal_type(default_signal_type) if default_signal_type else None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        try:
            if len(parts) == 1 and default is not None:
                signal_type, value = default, parts[0]
            elif len(parts) == 2:
                signal_type, value = _signal(parts[0]), parts[1]
            elif len(parts) == 1:
                raise ValueError(
                    "expected '<signal_type> <value>'; got a single field "
                    "(give a default signal type for files of bare values)"
                )
            else:
                raise ValueError(f"expected '<signal_type> <value>'; got {len(parts)} fields")
            out.entries.append(
                HashEntry(signal_type.name, signal_type.validate(value), line=number)
            )
        except ValueError as exc:
            out.errors.append(RowError(number, str(exc)))
    return out


def format_threatexchange(entries: Iterable[HashEntry]) -> str:
    lines = [f"{get_signal_type(e.signal_type).threatexchange_name} {e.value}" for e in entries]
    return "".join(line + "\n" for line in lines)


# -- StopNCII -----------------------------------------------------------------

_RECORDS_KEY = re.compile(r'(?<!\\)"hashRecords"\s*:\s*\[')
_decoder = json.JSONDecoder()


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _array_items(text: str, pos: int, out: Parsed) -> Iterator[tuple[int, Any]]:
    """Elements of the JSON array whose '[' is at ``pos``, with their lines."""
    pos = _skip_ws(text, pos + 1)
    if pos < len(text) and text[pos] == "]":
        return
    while pos < len(text):
        try:
            item, end = _decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            out.errors.append(RowError(_line_of(text, exc.pos), f"malformed JSON: {exc.msg}"))
            return
        yield _line_of(text, pos), item
        pos = _skip_ws(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
            continue
        if pos < len(text) and text[pos] == "]":
            return
        out.errors.append(RowError(_line_of(text, pos), "malformed JSON: expected ',' or ']'"))
        return
    out.errors.append(RowError(_line_of(text, len(text)), "malformed JSON: unterminated array"))


def _stopncii_records(text: str, out: Parsed) -> Iterator[tuple[int, Any]]:
    body = text.lstrip("\ufeff")
    start = _skip_ws(body, 0)
    if start >= len(body):
        return
    if body[start] == "[":
        yield from _array_items(body, start, out)
        return
    try:
        document, end = _decoder.raw_decode(body, start)
    except json.JSONDecodeError as exc:
        out.errors.append(RowError(_line_of(body, exc.pos), f"malformed JSON: {exc.msg}"))
        return
    if _skip_ws(body, end) < len(body) or not (
        isinstance(document, dict) and "hashRecords" in document
    ):
        yield from _json_lines(body, out)
        return
    records = document["hashRecords"]
    if not isinstance(records, list):
        out.errors.append(RowError(_line_of(body, start), "hashRecords must be a list"))
        return
    found = _RECORDS_KEY.search(body)
    if found:
        located = list(_array_items(body, found.end() - 1, Parsed()))
        if [item for _, item in located] == records:
            yield from located
            return
    yield from ((_line_of(body, start), item) for item in records)


def _json_lines(text: str, out: Parsed) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            out.errors.append(RowError(number, f"malformed JSON: {exc.msg}"))


def _case_numbers(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, dict):
        keys = list(value.keys())
    elif isinstance(value, list):
        keys = value
    else:
        raise ValueError("caseNumbers must be an object or a list")
    if len(keys) > MAX_CASE_NUMBERS:
        raise ValueError(f"caseNumbers has more than {MAX_CASE_NUMBERS} entries")
    cases = []
    for key in keys:
        case = _clean_text(key, "a case number")
        if case:
            cases.append(case)
    return tuple(dict.fromkeys(cases))


def _stopncii_entry(line: int, record: Any) -> HashEntry:
    if not isinstance(record, dict):
        raise ValueError("a record must be a JSON object")
    name = record.get("signalType")
    if not isinstance(name, str):
        raise ValueError("signalType is missing or not a string")
    signal_type = by_stopncii_name(name)
    if signal_type is None:
        raise ValueError(f"signalType {_short(name)} is not supported")
    status_name = record.get("hashStatus")
    status = STOPNCII_STATUS.get(status_name) if isinstance(status_name, str) else None
    if status is None:
        raise ValueError(
            f"hashStatus {_short(status_name)} is not one of {', '.join(STOPNCII_STATUS)}"
        )
    value = record.get("hashValue")
    if not isinstance(value, str):
        raise ValueError("hashValue is missing or not a string")
    return HashEntry(
        signal_type.name,
        signal_type.validate(value),
        case_numbers=_case_numbers(record.get("caseNumbers")),
        status=status,
        line=line,
    )


def parse_stopncii(text: str) -> Parsed:
    out = Parsed()
    for line, record in _stopncii_records(text, out):
        try:
            out.entries.append(_stopncii_entry(line, record))
        except (ValueError, InvalidSignal) as exc:
            out.errors.append(RowError(line, str(exc)))
    return out


def format_stopncii(entries: Iterable[tuple[HashEntry, datetime]]) -> str:
    records = []
    for entry, modified in entries:
        signal_type = get_signal_type(entry.signal_type)
        if signal_type.stopncii_name is None:
            continue
        status = STOPNCII_EXPORT_STATUS[entry.status]
        records.append(
            {
                "lastModtimestamp": int(modified.timestamp()),
                "signalType": signal_type.stopncii_name,
                "hashValue": entry.value,
                "hashStatus": status,
                "caseNumbers": {case: status for case in entry.case_numbers},
            }
        )
    return json.dumps({"count": len(records), "hashRecords": records}, indent=1) + "\n"


# -- CSV ----------------------------------------------------------------------

CSV_COLUMNS = ("signal_type", "value", "external_id", "case_numbers", "quality", "status")


def parse_csv(text: str) -> Parsed:
    out = Parsed()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return out
    except csv.Error as exc:
        out.errors.append(RowError(1, f"unreadable CSV header: {exc}"))
        return out
    missing = [c for c in ("signal_type", "value") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        reason = []
        if missing:
            reason.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            reason.append(f"unknown column(s) {', '.join(_short(c, 30) for c in unknown)}")
        out.errors.append(
            RowError(
                1, "bad header: " + "; ".join(reason) + f" (allowed: {', '.join(CSV_COLUMNS)})"
            )
        )
        return out
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.errors.append(RowError(reader.line_num, f"unreadable CSV: {exc}"))
            break
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            out.errors.append(RowError(line, f"expected {len(header)} fields, got {len(row)}"))
            continue
        cells = dict(zip(header, row, strict=True))
        try:
            signal_type = _signal(cells["signal_type"].strip())
            status = (cells.get("status") or "active").strip().lower()
            if status not in ("active", "withdrawn", "deleted"):
                raise ValueError(
                    f"status must be active, withdrawn or deleted, got {_short(status)}"
                )
            cases = [c for c in (cells.get("case_numbers") or "").split(";") if c.strip()]
            out.entries.append(
                HashEntry(
                    signal_type.name,
                    signal_type.validate(cells["value"]),
                    external_id=_clean_text(cells.get("external_id"), "external_id"),
                    case_numbers=_case_numbers(cases),
                    quality=_quality(cells.get("quality")),
                    status=status,  # type: ignore[arg-type]
                    line=line,
                )
            )
        except ValueError as exc:
            out.errors.append(RowError(line, str(exc)))
    return out


def format_csv(entries: Iterable[HashEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.signal_type,
                e.value,
                e.external_id or "",
                ";".join(e.case_numbers),
                "" if e.quality is None else e.quality,
                e.status,
            ]
        )
    return buffer.getvalue()
