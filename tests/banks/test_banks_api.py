"""``/v1/banks`` over HTTP: roles, problem documents naming the field, and
the same behaviour as the service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from perisai.api.app import create_app
from perisai.banks.signals import Md5Signal, PdqSignal
from perisai.config import Settings
from perisai.runtime import Runtime

PDQ = PdqSignal.examples()
MD5 = Md5Signal.examples()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    runtime = Runtime(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'p.db'}"))
    headers = {}
    for role in ("admin", "moderator", "client", "auditor"):
        token, _ = runtime.keys.create(role, f"test-{role}")
        headers[role] = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(runtime)) as client:
        yield client, headers
    runtime.close()


def test_bank_lifecycle_over_http(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    body = {
        "name": "ncii",
        "provenance": "survivor_submission",
        "flood_max_matches": 100,
        "flood_window_seconds": 60,
    }
    assert client.post("/v1/banks", json=body, headers=h["moderator"]).status_code == 403
    created = client.post("/v1/banks", json=body, headers=h["admin"])
    assert created.status_code == 201 and created.json()["match_distance"] == 31
    assert created.json()["match_dihedral"] is True
    patched = client.patch("/v1/banks/ncii", json={"match_dihedral": False}, headers=h["admin"])
    assert patched.status_code == 200 and patched.json()["match_dihedral"] is False
    wrong = client.patch("/v1/banks/ncii", json={"match_dihedral": [1]}, headers=h["admin"])
    assert wrong.status_code == 422 and "match_dihedral" in wrong.text
    client.patch("/v1/banks/ncii", json={"match_dihedral": True}, headers=h["admin"])
    conflict = client.post("/v1/banks", json=body, headers=h["admin"])
    assert conflict.status_code == 409 and conflict.json()["errors"][0]["field"] == "name"

    add = client.post(
        "/v1/banks/ncii/hashes",
        headers=h["moderator"],
        json={
            "hashes": [
                {"value": PDQ[0], "quality": 90, "external_id": "case-1"},
                {"signal_type": "md5", "value": MD5[0]},
            ]
        },
    )
    assert add.status_code == 200 and add.json()["added"] == 2

    matched = client.post(
        "/v1/banks/match",
        headers=h["client"],
        json={
            "hashes": [
                {"value": PDQ[1], "quality": 80},
                {"value": PDQ[3]},
                {"signal_type": "md5", "value": MD5[0]},
            ]
        },
    )
    assert matched.status_code == 200
    results = matched.json()["results"]
    assert [r["matched"] for r in results] == [True, False, True]
    assert results[0]["matches"][0]["external_id"] == "case-1"
    assert (
        client.post(
            "/v1/banks/match", headers=h["auditor"], json={"hashes": [{"value": PDQ[1]}]}
        ).status_code
        == 403
    )
    assert client.post("/v1/banks/match", json={"hashes": [{"value": PDQ[1]}]}).status_code == 401

    gone = client.post(
        "/v1/banks/ncii/withdraw",
        headers=h["moderator"],
        json={"value": PDQ[0], "reason": "withdrawn by survivor"},
    )
    assert gone.status_code == 200 and gone.json()["value"] is None
    again = client.post(
        "/v1/banks/match", headers=h["client"], json={"hashes": [{"value": PDQ[1]}]}
    )
    assert not again.json()["results"][0]["matched"]

    stats = client.get("/v1/banks/stats", headers=h["admin"]).json()
    assert stats["banks"][0]["hashes"]["pdq"] == {"withdrawn": 1}
    assert client.get("/v1/banks/stats", headers=h["client"]).status_code == 403
    off = client.patch("/v1/banks/ncii", headers=h["admin"], json={"enabled": False})
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert [b["name"] for b in client.get("/v1/banks", headers=h["admin"]).json()] == ["ncii"]


def test_bad_hashes_are_named_and_nothing_is_stored(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    client.post("/v1/banks", json={"name": "b", "provenance": "other"}, headers=h["admin"])
    bad = client.post(
        "/v1/banks/b/hashes",
        headers=h["admin"],
        json={
            "hashes": [
                {"value": PDQ[0]},
                {"value": PDQ[1]},
                {"value": PDQ[2]},
                {"value": "12zz"},
                {"signal_type": "tmk", "value": "x"},
                {"value": PDQ[3], "quality": 10},
            ]
        },
    )
    assert bad.status_code == 422
    problem = bad.json()
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in problem["errors"]] == [
        "hashes[3].value",
        "hashes[4].signal_type",
        "hashes[5].quality",
    ]
    stats = client.get("/v1/banks/b/stats", headers=h["admin"]).json()
    assert stats["banks"][0]["hashes"] == {}
    bad_match = client.post(
        "/v1/banks/match",
        headers=h["client"],
        json={"hashes": [{"value": PDQ[0], "variants": [PDQ[1], "nope"]}]},
    )
    assert bad_match.status_code == 422
    assert bad_match.json()["errors"][0]["field"] == "hashes[0].variants[1]"
    missing = client.post(
        "/v1/banks/nothere/hashes", headers=h["admin"], json={"hashes": [{"value": PDQ[0]}]}
    )
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "bank"
    malformed = client.post(
        "/v1/banks/match",
        headers={**h["client"], "content-type": "application/json"},
        content=b"{not json",
    )
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "body"


def test_import_export_and_review(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    client.post(
        "/v1/banks",
        headers=h["admin"],
        json={
            "name": "s",
            "provenance": "stopncii",
            "flood_max_matches": 1,
            "flood_window_seconds": 3600,
        },
    )
    content = f"pdq {PDQ[0]}\npdq nothex\nvideo_md5 {MD5[0]}\n"
    imported = client.post(
        "/v1/banks/s/import",
        headers=h["moderator"],
        json={"format": "threatexchange", "content": content},
    )
    report = imported.json()
    assert imported.status_code == 200 and report["added"] == 2
    assert [e["line"] for e in report["errors"]] == [2]
    exported = client.get("/v1/banks/s/export?format=csv", headers=h["admin"])
    assert exported.status_code == 200 and PDQ[0] in exported.text
    assert exported.headers["content-type"].startswith("text/csv")

    for _ in range(2):
        client.post("/v1/banks/match", headers=h["client"], json={"hashes": [{"value": PDQ[0]}]})
    held = client.get("/v1/banks/s/hashes?status=quarantined", headers=h["moderator"]).json()
    assert len(held) == 1 and held[0]["status"] == "quarantined"
    released = client.post(f"/v1/banks/hashes/{held[0]['id']}/release", headers=h["moderator"])
    assert released.status_code == 200 and released.json()["status"] == "active"
    assert (
        client.post(f"/v1/banks/hashes/{held[0]['id']}/release", headers=h["moderator"]).status_code
        == 404
    )


def test_openapi_lists_bank_routes(api) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/banks", "/v1/banks/match", "/v1/banks/{name}/import"} <= set(paths)
