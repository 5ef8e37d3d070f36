"""``perisai gate --in REQUESTS.jsonl --out DECISIONS.jsonl [--policy FILE]``.

The contract other tools depend on: each input line is
``{"id": str, "prompt": str, "kind": "generate"|"edit", "images": [path, ...],
"account": str, "jurisdiction": str}`` (only ``id`` and ``prompt`` required;
image paths relative to the input file's folder). Each output line, in input
order, is ``{"id", "action", "categories", "scores", "risk", "reasons",
"policy_version", "latency_ms"}``, or ``{"id", "line", "error"}`` for a line
that could not be checked. Exit 0 when every line got an output line.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from perisai.config import Settings
from perisai.gate import GateInputError
from perisai.policy import PolicyError
from perisai.runtime import Runtime

ALLOWED_FIELDS = {"id", "prompt", "kind", "images", "account", "jurisdiction"}
MAX_LINE_BYTES = 64 * 1024 * 1024


class LineError(ValueError):
    pass


def parse_line(raw: str, base: Path) -> dict[str, Any]:
    try:
        row = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LineError(f"malformed JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(row, dict):
        raise LineError("each line must be a JSON object")
    unknown = sorted(set(row) - ALLOWED_FIELDS)
    if unknown:
        raise LineError(f"unknown field(s): {', '.join(unknown)}")
    if not isinstance(row.get("id"), str) or not row["id"]:
        raise LineError("'id' is required and must be a non-empty string")
    if not isinstance(row.get("prompt"), str):
        raise LineError("'prompt' is required and must be a string")
    kind = row.get("kind", "generate")
    if kind not in ("generate", "edit"):
        raise LineError(f"'kind' must be 'generate' or 'edit', not {kind!r}")
    images = row.get("images", [])
    if not isinstance(images, list) or not all(isinstance(p, str) for p in images):
        raise LineError("'images' must be a list of file paths")
    for name in ("account", "jurisdiction"):
        if row.get(name) is not None and not isinstance(row[name], str):
            raise LineError(f"'{name}' must be a string")
    loaded = []
    for i, rel in enumerate(images):
        path = (base / rel) if not Path(rel).is_absolute() else Path(rel)
        try:
            loaded.append(path.read_bytes())
        except OSError as exc:
            raise LineError(f"images[{i}]: cannot read {rel!r}: {exc.strerror}") from None
    return {
        "id": row["id"],
        "prompt": row["prompt"],
        "kind": kind,
        "images": loaded,
        "account": row.get("account"),
        "jurisdiction": row.get("jurisdiction") or None,
    }


def _lines(fh: IO[str]) -> Iterator[str]:
    for line in fh:
        if line.strip():
            yield line


def _row_id(raw: str) -> Any:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value.get("id") if isinstance(value, dict) and isinstance(value.get("id"), str) else None


@click.command("gate")
@click.option(
    "--in",
    "in_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSONL file of requests.",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="JSONL file to write decisions to ('-' for standard output).",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Policy file (default: PERISAI_POLICY or the bundled demo policy).",
)
def command(in_path: Path, out_path: Path, policy_path: Path | None) -> None:
    """Check a batch of generation/edit requests; write one decision per line.

    Each input line: {"id", "prompt", "kind": "generate"|"edit", "images": [paths],
    "account", "jurisdiction"} (only id and prompt are required; image paths are
    relative to the input file's folder). A malformed line gets an output line
    with "error" and the batch goes on. Exits 0 when every line got an output line.
    """
    settings = Settings() if policy_path is None else Settings(policy_path=policy_path)
    runtime = Runtime(settings)
    try:
        gate = runtime.gate
    except PolicyError as exc:
        raise click.ClickException(f"invalid policy:\n{exc}") from None
    base = in_path.resolve().parent
    with in_path.open(encoding="utf-8", errors="replace") as fh:
        total = sum(1 for _ in _lines(fh))
    out: IO[str] = sys.stdout if str(out_path) == "-" else out_path.open("w", encoding="utf-8")
    written = 0
    show_progress = sys.stderr.isatty()
    try:
        with (
            in_path.open(encoding="utf-8", errors="replace") as fh,
            click.progressbar(
                length=total, label="checking", file=sys.stderr, hidden=not show_progress
            ) as bar,
        ):
            for number, raw in enumerate(_lines(fh), start=1):
                out.write(json.dumps(_check(gate, raw, number, base), ensure_ascii=False) + "\n")
                written += 1
                bar.update(1)
    finally:
        if out is not sys.stdout:
            out.close()
    runtime.close()
    if written != total:
        raise SystemExit(1)


def _check(gate: Any, raw: str, number: int, base: Path) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        if len(raw) > MAX_LINE_BYTES:
            raise LineError("line is larger than 64 MiB")
        row = parse_line(raw, base)
        result = gate.check_request(
            row["prompt"], row["kind"], row["images"], row["account"], row["jurisdiction"]
        )
    except (LineError, GateInputError) as exc:
        return {"id": _row_id(raw), "line": number, "error": str(exc)}
    d = result.decision
    return {
        "id": row["id"],
        "action": d.action,
        "categories": d.categories,
        "scores": {k: round(v, 4) for k, v in d.scores.items()},
        "risk": round(d.risk, 4),
        "reasons": d.reason_texts,
        "policy_version": d.policy_version,
        "latency_ms": round((time.perf_counter() - started) * 1000.0, 3),
    }
