"""The reporting, moderator and demo-platform HTTP API end to end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cases_support import ncii_report
from fastapi.testclient import TestClient

from perisai.api import create_app
from perisai.api.routes import reports as reports_routes
from perisai.runtime import Runtime


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    reports_routes.limiter._hits.clear()
    with TestClient(create_app(runtime)) as c:
        yield c


def key(rt: Runtime, role: str) -> dict[str, str]:
    tok, _ = rt.keys.create(role, f"test {role}")
    return {"Authorization": f"Bearer {tok}"}


def upload(client: TestClient, data: bytes, account: str) -> dict[str, object]:
    resp = client.post(
        "/demo/items", files={"image": ("a.jpg", data, "image/jpeg")}, data={"account": account}
    )
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"signature": None}, "body.signature"),
        ({"good_faith": False}, "body.good_faith"),
        ({"email": None}, "body.email"),
        ({"content_urls": []}, "body.content_urls"),
        ({"explanation": ""}, "body.explanation"),
        ({"reason": "sexual_deepfake_of_me", "name": None}, "body.name"),
    ],
)
def test_invalid_reports_name_the_missing_field(
    client: TestClient, overrides: dict[str, object], field: str
) -> None:
    resp = client.post("/v1/reports", json=ncii_report("itm_0123456789abcdef", **overrides))
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    problem = resp.json()
    assert field in {e["field"] for e in problem["errors"]} and field in problem["detail"]


def test_malformed_and_wrong_typed_bodies(client: TestClient) -> None:
    resp = client.post(
        "/v1/reports", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert resp.status_code == 422
    resp = client.post(
        "/v1/reports", json={**ncii_report("itm_0123456789abcdef"), "good_faith": "maybe"}
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "body.good_faith"
    resp = client.post("/v1/reports", json={**ncii_report("itm_0123456789abcdef"), "extra": 1})
    assert resp.status_code == 422


def test_full_flow_report_takedown_reupload_appeal(
    client: TestClient, runtime: Runtime, images: dict[str, bytes]
) -> None:
    original = upload(client, images["astronaut"], "poster")
    copy = upload(client, images["astronaut_q60"], "reposter")
    other = upload(client, images["coffee"], "someone")
    assert client.get(f"/demo/items/{original['item_id']}").status_code == 200

    resp = client.post("/v1/reports", json=ncii_report(str(original["url"])))
    assert resp.status_code == 201, resp.text
    receipt = resp.json()
    assert receipt["fast_tracked"] is True and receipt["status"] == "received"
    case = receipt["case_number"]
    hidden = client.get(f"/demo/items/{original['item_id']}")
    assert hidden.status_code == 404 and hidden.json()["type"].endswith("item-hidden")

    triage, mod_a, mod_b = (
        key(runtime, "triage"),
        key(runtime, "moderator"),
        key(runtime, "moderator"),
    )
    queue = client.get("/v1/cases?queue=open", headers=triage).json()["cases"]
    assert [c["case_number"] for c in queue] == [case]
    refused = client.post(f"/v1/cases/{case}/actions", json={"action": "remove"}, headers=triage)
    assert refused.status_code == 403
    done = client.post(
        f"/v1/cases/{case}/actions",
        json={"action": "remove", "policy_category": "sexualised_real_person", "reason": "NCII"},
        headers=mod_a,
    )
    assert done.status_code == 200, done.text
    for item in (original, copy):
        assert client.get(f"/demo/items/{item['item_id']}").status_code == 410
    assert client.get(f"/demo/items/{other['item_id']}").status_code == 200

    blocked = client.post(
        "/demo/items",
        files={"image": ("b.jpg", images["astronaut_half"], "image/jpeg")},
        data={"account": "reposter"},
    )
    assert blocked.status_code == 409 and blocked.json()["type"].endswith("upload-blocked")

    status = client.post(
        "/v1/reports/status", json={"case_number": case, "pin": receipt["pin"]}
    ).json()
    assert status["outcome"] == "removed" and status["can_appeal"] is True
    assert [t["event"] for t in status["timeline"]][:3] == ["received", "acknowledged", "hidden"]

    appeal = client.post(
        "/v1/appeals",
        json={
            "item_id": copy["item_id"],
            "account": "reposter",
            "explanation": "I took this photo myself.",
        },
    )
    assert appeal.status_code == 201, appeal.text
    assert (
        client.get("/v1/cases?queue=appeals", headers=triage).json()["cases"][0]["case_number"]
        == case
    )
    same = client.post(
        f"/v1/cases/{case}/appeal-decision", json={"outcome": "overturned"}, headers=mod_a
    )
    assert same.status_code == 409 and "different moderator" in same.json()["detail"]
    ok = client.post(
        f"/v1/cases/{case}/appeal-decision",
        json={"outcome": "overturned", "reason": "ok"},
        headers=mod_b,
    )
    assert ok.status_code == 200 and ok.json()["restored"] == 2
    assert client.get(f"/demo/items/{copy['item_id']}").status_code == 200
    again = client.post(
        "/demo/items",
        files={"image": ("b.jpg", images["astronaut_half"], "image/jpeg")},
        data={"account": "reposter"},
    )
    assert again.status_code == 201  # hash withdrawn: no longer blocked

    view = client.get(f"/v1/cases/{case}", headers=mod_b).json()
    assert view["report"]["email"] == "aisyah@example.org"
    assert "email" not in client.get(f"/v1/cases/{case}", headers=triage).json()["report"]
    kinds = {e["event"] for e in view["history"]}
    assert {"received", "hidden", "removed", "appeal_filed", "appeal_decided", "restored"} <= kinds


def test_wrong_pin_and_withdraw(client: TestClient, images: dict[str, bytes]) -> None:
    from perisai.analysers.image.hashes import hash_image

    h = hash_image(images["chelsea"])
    resp = client.post(
        "/v1/survivor/hashes",
        json={
            "hashes": [
                {"signal_type": "pdq", "value": h.pdq, "quality": h.quality},
                {"signal_type": "md5", "value": h.md5},
            ],
            "country": "ID",
            "language": "id",
        },
    )
    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert made["hashes_added"] == 2 and len(made["pin"]) == 8
    wrong = client.post(
        "/v1/reports/withdraw", json={"case_number": made["case_number"], "pin": "1"}
    )
    assert wrong.status_code == 403
    # an upload of that picture is blocked while the hashes are active
    assert (
        client.post(
            "/demo/items",
            files={"image": ("c.jpg", images["chelsea"], "image/jpeg")},
            data={"account": "x"},
        ).status_code
        == 409
    )
    out = client.post(
        "/v1/reports/withdraw", json={"case_number": made["case_number"], "pin": made["pin"]}
    )
    assert out.json() == {
        "case_number": made["case_number"],
        "status": "withdrawn",
        "hashes_purged": 2,
    }
    assert (
        client.post(
            "/demo/items",
            files={"image": ("c.jpg", images["chelsea"], "image/jpeg")},
            data={"account": "x"},
        ).status_code
        == 201
    )


def test_child_safety_package_and_media_need_a_moderator(
    client: TestClient, runtime: Runtime, images: dict[str, bytes]
) -> None:
    item = upload(client, images["rocket"], "acct-9")
    body = ncii_report(
        str(item["item_id"]),
        reason="child_sexual_abuse",
        reporter_role="third_party",
        name=None,
        email=None,
        signature=None,
        country="US",
    )
    case = client.post("/v1/reports", json=body).json()["case_number"]
    triage, mod = key(runtime, "triage"), key(runtime, "moderator")
    assert (
        client.get("/v1/cases?queue=child_safety", headers=triage).json()["cases"][0]["case_number"]
        == case
    )
    assert client.get(f"/v1/cases/{case}/cybertip", headers=triage).status_code == 403
    assert (
        client.get(f"/v1/cases/{case}/media/{item['item_id']}", headers=triage).status_code == 403
    )
    package = client.get(f"/v1/cases/{case}/cybertip", headers=mod).json()
    assert package["files"][0]["hashes"]["md5"] == item["md5"]
    media = client.get(f"/v1/cases/{case}/media/{item['item_id']}", headers=mod)
    assert media.status_code == 200 and media.content == images["rocket"]
    assert media.headers["x-perisai-media-origin"] == "preserved"
    logged = [
        e.payload["what"]
        for e in runtime.ledger.entries(kind="case.evidence_access", subject_id=case)
    ]
    assert logged == ["cybertip_package", "media"]


def test_support_and_rate_limit(client: TestClient) -> None:
    my = client.get("/v1/support?country=my").json()
    assert my["resources"][0]["phone"] == "15999" and my["resources"][0]["source"].startswith(
        "https://"
    )
    assert {"MY", "ID", "GB", "US"} <= set(my["countries"])
    codes = [
        client.post(
            "/v1/reports/status", json={"case_number": "PRS-AAAA-AAAA", "pin": "1"}
        ).status_code
        for _ in range(31)
    ]
    assert codes[:30] == [403] * 30 and codes[30] == 429


def test_unknown_case_and_bad_queue(client: TestClient, runtime: Runtime) -> None:
    mod = key(runtime, "moderator")
    assert client.get("/v1/cases/PRS-2222-2222", headers=mod).status_code == 404
    assert client.get("/v1/cases/not-a-case", headers=mod).status_code == 404
    assert client.get("/v1/cases?queue=everything", headers=mod).status_code == 422
    assert client.get("/v1/cases?queue=open").status_code == 401
    assert client.get("/v1/cases?queue=open", headers=key(runtime, "client")).status_code == 403
    bad = client.post(
        "/demo/items",
        files={"image": ("x.jpg", b"not an image", "image/jpeg")},
        data={"account": "a"},
    )
    assert bad.status_code == 422
