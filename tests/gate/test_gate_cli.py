"""``perisai gate --in REQUESTS.jsonl --out DECISIONS.jsonl``: the batch
contract other tools depend on (one output line per input line, in order,
exact keys, errors as lines, exit 0)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from gate_support import (
    GROK,
    HAIR,
    LIGHTHOUSE,
    jpeg,
    make_gate,
    skip_without_text_model,
)

import perisai.cli.gate as cli_gate
from perisai.cli.main import cli
from perisai.gate import Gate
from perisai.runtime import Runtime

DECISION_KEYS = {
    "id",
    "action",
    "categories",
    "scores",
    "risk",
    "reasons",
    "policy_version",
    "latency_ms",
}
ERROR_KEYS = {"id", "line", "error"}


class _TestRuntime(Runtime):
    """The CLI's Runtime with the gate built as in gate_support.make_gate
    (real analysers; image pipeline memoised)."""

    @property
    def gate(self) -> Gate:
        if "_test_gate" not in self.__dict__:
            self.__dict__["_test_gate"] = make_gate(self)
        gate: Gate = self.__dict__["_test_gate"]
        return gate


def _write_batch(folder: Path) -> tuple[Path, list[str | None]]:
    """A batch in ``folder/batch`` with images under ``batch/photos`` (relative paths)."""
    batch = folder / "batch"
    (batch / "photos").mkdir(parents=True)
    (batch / "photos" / "astronaut.jpg").write_bytes(jpeg("astronaut"))
    (batch / "photos" / "coffee.jpg").write_bytes(jpeg("coffee"))
    lines: list[Any] = [
        {
            "id": "grok",
            "prompt": GROK,
            "kind": "edit",
            "images": ["photos/astronaut.jpg"],
            "account": "a1",
            "jurisdiction": "MY",
        },
        {"id": "hair", "prompt": HAIR, "kind": "edit", "images": ["photos/astronaut.jpg"]},
        '{"id": "broken", "prompt": ',
        {"id": "missing", "prompt": HAIR, "kind": "edit", "images": ["photos/nope.jpg"]},
        {"id": "kind", "prompt": HAIR, "kind": "inpaint"},
        {"id": "text", "prompt": LIGHTHOUSE},
        {"id": "extra", "prompt": HAIR, "nsfw": True},
        {
            "id": "scene",
            "prompt": HAIR,
            "kind": "edit",
            "images": ["photos/coffee.jpg"],
            "jurisdiction": "M1",
        },
        ["not", "an", "object"],
        {"id": "notimage", "prompt": HAIR, "kind": "edit", "images": ["requests.jsonl"]},
        {"id": "last", "prompt": "x" * 10, "kind": "generate", "images": [], "account": None},
    ]
    raw = [line if isinstance(line, str) else json.dumps(line) for line in lines]
    path = batch / "requests.jsonl"
    # a blank line in the middle is skipped, not answered
    path.write_text("\n".join(raw[:5]) + "\n\n" + "\n".join(raw[5:]) + "\n", encoding="utf-8")
    ids = [
        "grok",
        "hair",
        None,
        "missing",
        "kind",
        "text",
        "extra",
        "scene",
        None,
        "notimage",
        "last",
    ]
    return path, ids


def _run(args: list[str]) -> Any:
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_batch_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_gate, "Runtime", _TestRuntime)
    requests, ids = _write_batch(tmp_path)
    out = tmp_path / "decisions.jsonl"
    result = _run(["gate", "--in", str(requests), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(ids)  # one output line per (non-blank) input line
    assert [line.get("id") for line in lines] == ids  # input order kept
    by_id = {line["id"]: line for line in lines if line.get("id")}
    for key in ("grok", "hair", "text", "last"):
        assert set(by_id[key]) == DECISION_KEYS, key
    for key in ("missing", "kind", "extra", "scene", "notimage"):
        assert set(by_id[key]) == ERROR_KEYS, key
    broken, not_object = lines[2], lines[8]
    assert set(broken) == ERROR_KEYS and broken["line"] == 3
    assert "malformed JSON" in broken["error"]
    assert set(not_object) == ERROR_KEYS and not_object["line"] == 9
    assert by_id["grok"]["action"] == "block"
    assert "sexualised_real_person" in by_id["grok"]["categories"]
    assert by_id["hair"]["action"] == "allow" and by_id["text"]["action"] == "allow"
    assert by_id["grok"]["reasons"] and isinstance(by_id["grok"]["reasons"][0], str)
    assert by_id["grok"]["latency_ms"] > 0
    assert "images[0]" in by_id["missing"]["error"] and "nope.jpg" in by_id["missing"]["error"]
    assert "kind" in by_id["kind"]["error"]
    assert "nsfw" in by_id["extra"]["error"]
    assert by_id["scene"]["error"].startswith("jurisdiction")
    assert by_id["notimage"]["error"].startswith("images[0]")


def test_batch_to_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_gate, "Runtime", _TestRuntime)
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"id": "t", "prompt": LIGHTHOUSE}) + "\n", encoding="utf-8")
    result = _run(["gate", "--in", str(path), "--out", "-"])
    assert result.exit_code == 0
    assert json.loads(result.stdout.strip())["id"] == "t"


def test_invalid_policy_is_reported(tmp_path: Path) -> None:
    policy = tmp_path / "bad.yaml"
    policy.write_text("perisai_policy: 1\nversion: x\n", encoding="utf-8")
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"id": "t", "prompt": "x"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["gate", "--in", str(path), "--out", str(tmp_path / "o.jsonl"), "--policy", str(policy)],
    )
    assert result.exit_code != 0 and "policy" in result.output.lower()


def test_batch_with_the_shipped_runtime(tmp_path: Path) -> None:
    """End to end with no substitution: the gate as the CLI really builds it."""
    skip_without_text_model()
    path = tmp_path / "r.jsonl"
    (tmp_path / "a.jpg").write_bytes(jpeg("astronaut"))
    rows = [
        {"id": "g", "prompt": GROK, "kind": "edit", "images": ["a.jpg"]},
        {"id": "t", "prompt": LIGHTHOUSE},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(cli, ["gate", "--in", str(path), "--out", str(out)])
    assert result.exception is None, repr(result.exception)
    assert result.exit_code == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["action"] for x in lines] == ["block", "allow"]
