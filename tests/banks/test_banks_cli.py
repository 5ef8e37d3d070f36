"""``perisai bank ...`` end to end on a temporary SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from perisai.banks.signals import PdqSignal
from perisai.cli.main import cli

PDQ = PdqSignal.examples()


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PERISAI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PERISAI_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
        result = runner.invoke(cli, ["bank", *args], input=input, catch_exceptions=False)
        return result.exit_code, result.output

    return invoke


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_bank_workflow(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out = run("create", "ncii", "--provenance", "survivor_submission", "--distance", "20")
    assert code == 0 and lines(out)[0]["match_distance"] == 20
    code, out = run("create", "ncii", "--provenance", "other")
    assert code == 1 and "already exists" in out

    code, out = run("add", "ncii", PDQ[0], "not-a-hash")
    report = lines(out)[0]
    assert code == 1 and report["added"] == 1 and report["errors"][0]["line"] == 1

    source = tmp_path / "partner.csv"
    source.write_text(f"signal_type,value,external_id\npdq,{PDQ[2]},p1\npdq,zz,p2\n")
    code, out = run("import", "ncii", str(source))
    report = lines(out)[0]
    assert code == 1 and report["added"] == 1
    assert report["errors"] == [{"line": 3, "field": None, "reason": report["errors"][0]["reason"]}]

    code, out = run("match", "--type", "pdq", PDQ[1], PDQ[3])
    results = lines(out)
    assert code == 2 and [r["matched"] for r in results] == [True, False]
    assert results[0]["results"][0]["matches"][0]["distance"] == 2

    code, out = run("export", "ncii", "--format", "threatexchange")
    assert code == 0 and out == f"pdq {PDQ[0]}\npdq {PDQ[2]}\n"

    code, out = run("withdraw", "ncii", PDQ[0], "--reason", "case closed")
    assert code == 0 and lines(out)[0]["status"] == "withdrawn" and lines(out)[0]["value"] is None
    code, out = run("match", "--type", "pdq", PDQ[1])
    assert code == 0 and not lines(out)[0]["matched"]

    code, out = run("disable", "ncii")
    assert code == 0 and lines(out)[0]["enabled"] is False
    code, out = run("match", "--type", "pdq", PDQ[2])
    assert code == 0
    run("enable", "ncii")
    code, out = run("stats")
    assert lines(out)[0]["banks"][0]["hashes"]["pdq"] == {"active": 1, "withdrawn": 1}
    code, out = run("list")
    assert [b["name"] for b in lines(out)] == ["ncii"]
    assert lines(out)[0]["match_dihedral"] is True

    code, out = run("configure", "ncii", "--no-dihedral", "--distance", "24")
    bank = lines(out)[0]
    assert code == 0 and bank["match_dihedral"] is False and bank["match_distance"] == 24
    code, out = run("configure", "nope", "--dihedral")
    assert code == 1 and "no bank named" in out
    code, out = run("create", "plain", "--provenance", "other", "--no-dihedral")
    assert code == 0 and lines(out)[0]["match_dihedral"] is False


def test_match_image_files(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    skimage_data = pytest.importorskip("skimage.data")
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.fromarray(skimage_data.astronaut()).save(photo)
    mirrored = tmp_path / "mirrored.png"
    Image.fromarray(skimage_data.astronaut()[:, ::-1]).save(mirrored)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really")

    run("create", "b", "--provenance", "internal_moderation")
    from perisai.analysers.image.hashes import hash_image

    run("add", "b", hash_image(photo.read_bytes()).pdq)
    code, out = run("match", str(mirrored))
    result = lines(out)[0]
    assert code == 2 and result["matched"]
    assert result["results"][0]["matches"][0]["variant"] != 0
    code, out = run("match", str(broken))
    assert code == 2 and "broken.png" in out


def test_help_texts(run) -> None:  # type: ignore[no-untyped-def]
    code, out = run("--help")
    for name in (
        "create",
        "add",
        "import",
        "export",
        "match",
        "withdraw",
        "stats",
        "list",
        "enable",
        "disable",
        "configure",
    ):
        assert f"  {name}" in out
    code, out = run("import", "--help")
    assert "stopncii" in out and "line" in out
