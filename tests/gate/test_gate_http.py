"""``/v1/gate/*`` over HTTP (FastAPI TestClient): JSON and multipart agree,
bad input is a problem document naming the field, auth and body limits
hold, and a refused request leaves the ledger as it was."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from gate_support import GROK, HAIR, jpeg, make_gate

from perisai.api import create_app
from perisai.config import Settings
from perisai.runtime import Runtime

MAX_BODY = 512 * 1024


@pytest.fixture
def http_runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime(
        Settings(
            data_dir=tmp_path,
            database_url=f"sqlite:///{tmp_path / 'http.db'}",
            max_body_bytes=MAX_BODY,
        )
    )
    # The gate as Gate.from_runtime builds it (real analysers, the runtime's
    # ledger and evidence), with the image pipeline memoised for speed.
    rt.__dict__["gate"] = make_gate(rt)
    yield rt
    rt.close()


@pytest.fixture
def client(http_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(http_runtime)) as c:
        yield c


def auth(rt: Runtime, role: str = "client") -> dict[str, str]:
    token, _ = rt.keys.create(role, f"http test {role}")
    return {"Authorization": f"Bearer {token}"}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _summary(body: dict[str, Any]) -> tuple[Any, ...]:
    return (
        body["action"],
        body["categories"],
        sorted(r["rule"] for r in body["reasons"]),
        [i["sha256"] for i in body["images"]],
        body["policy_version"],
    )


@pytest.mark.parametrize(("prompt", "action"), [(GROK, "block"), (HAIR, "allow")])
def test_json_and_multipart_give_the_same_decision(
    client: TestClient, http_runtime: Runtime, prompt: str, action: str
) -> None:
    headers = auth(http_runtime)
    photo = jpeg("astronaut")
    as_json = client.post(
        "/v1/gate/request",
        json={
            "prompt": prompt,
            "kind": "edit",
            "images": [b64(photo)],
            "jurisdiction": "MY",
            "language": "ms",
        },
        headers=headers,
    )
    as_form = client.post(
        "/v1/gate/request",
        data={"prompt": prompt, "kind": "edit", "jurisdiction": "MY", "language": "ms"},
        files=[("images", ("photo.jpg", photo, "image/jpeg"))],
        headers=headers,
    )
    assert as_json.status_code == 200, as_json.text
    assert as_form.status_code == 200, as_form.text
    assert _summary(as_json.json()) == _summary(as_form.json())
    assert as_json.json()["action"] == action
    assert as_json.json()["decision_id"] != as_form.json()["decision_id"]
    if action == "block":
        assert as_json.json()["user_message"].startswith("Kami")
        assert as_form.json()["user_message"] == as_json.json()["user_message"]


def test_text_only_request_and_recorded_decision(client: TestClient, http_runtime: Runtime) -> None:
    resp = client.post(
        "/v1/gate/request",
        json={"prompt": "a watercolour of a lighthouse at dawn"},
        headers=auth(http_runtime),
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["action"] == "allow" and body["images"] == [] and body["ledger_seq"] >= 1
    recorded = client.get(
        f"/v1/decisions/{body['decision_id']}", headers=auth(http_runtime, "auditor")
    )
    assert recorded.status_code == 200
    assert recorded.json()["decision"]["action"] == "allow"


def test_output_check_by_decision_id_and_upload(client: TestClient, http_runtime: Runtime) -> None:
    headers = auth(http_runtime)
    pre = client.post(
        "/v1/gate/request",
        json={"prompt": HAIR, "kind": "edit", "images": [b64(jpeg("astronaut"))]},
        headers=headers,
    ).json()
    out = client.post(
        "/v1/gate/output",
        json={"image": b64(jpeg("astronaut")), "pre_check": pre["decision_id"]},
        headers=headers,
    )
    assert out.status_code == 200, out.text
    assert out.json()["action"] == "allow" and out.json()["kind"] == "output"
    form = client.post(
        "/v1/gate/output",
        data={"pre_check": pre["decision_id"]},
        files={"image": ("out.jpg", jpeg("astronaut"), "image/jpeg")},
        headers=headers,
    )
    assert form.status_code == 200 and form.json()["action"] == "allow"
    missing = client.post(
        "/v1/gate/output",
        json={"image": b64(jpeg("coffee")), "pre_check": "dec_nope"},
        headers=headers,
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.pre_check"
    up = client.post("/v1/gate/upload", json={"image": b64(jpeg("coffee"))}, headers=headers)
    assert up.status_code == 200 and up.json()["kind"] == "upload"


def test_malformed_json_is_400_problem(client: TestClient, http_runtime: Runtime) -> None:
    resp = client.post(
        "/v1/gate/request",
        content=b'{"prompt": "x", ',
        headers={**auth(http_runtime), "Content-Type": "application/json"},
    )
    assert resp.status_code == 400
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert problem["status"] == 400 and problem["errors"][0]["field"] == "body"


def _truncated() -> str:
    data = jpeg("astronaut")
    return b64(data[: len(data) // 3])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": 123}, "body.prompt"),
        ({}, "body.prompt"),
        ({"prompt": "x", "kind": "inpaint"}, "body.kind"),
        ({"prompt": "x", "images": "abcd"}, "body.images"),
        ({"prompt": "x", "kind": "edit", "images": [1234]}, "body.images[0]"),
        ({"prompt": "x", "kind": "edit", "images": ["!!!!not base64"]}, "body.images[0]"),
        (
            {"prompt": "x", "kind": "edit", "images": [b64(jpeg("coffee")), "a" * 5]},
            "body.images[1]",
        ),
        ({"prompt": "x", "kind": "edit", "images": [_truncated()]}, "body.images[0]"),
        ({"prompt": "x", "nsfw_ok": True}, "body.nsfw_ok"),
        ({"prompt": "x", "jurisdiction": "M1"}, "body.jurisdiction"),
        ({"prompt": "x", "account": ["a"]}, "body.account"),
        ({"prompt": "x" * 4001}, "body.prompt"),
        ({"prompt": "x", "images": ["abcd"] * 9}, "body.images"),
        ([{"prompt": "x"}], "body"),
    ],
)
def test_invalid_request_is_422_naming_the_field(
    client: TestClient, http_runtime: Runtime, body: Any, field: str
) -> None:
    headers = auth(http_runtime)
    head = http_runtime.ledger.head()
    resp = client.post("/v1/gate/request", json=body, headers=headers)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in resp.json()["errors"]]
    assert field in fields, fields
    assert http_runtime.ledger.head() == head  # a refused request records nothing


def test_bad_request_leaves_the_ledger_head_unchanged(
    client: TestClient, http_runtime: Runtime
) -> None:
    headers = auth(http_runtime)
    ok = client.post("/v1/gate/request", json={"prompt": HAIR}, headers=headers)
    assert ok.status_code == 200
    head = http_runtime.ledger.head()
    assert head is not None
    for bad in (
        {"prompt": HAIR, "kind": "edit", "images": [_truncated()]},
        {"prompt": HAIR, "kind": "edit", "images": ["%%%%"]},
    ):
        assert client.post("/v1/gate/request", json=bad, headers=headers).status_code == 422
    surrogate = client.post(
        "/v1/gate/request",
        content=b'{"prompt": "make her \\ud800 smile"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert surrogate.status_code == 422, surrogate.text
    assert surrogate.json()["errors"][0]["field"] == "body.prompt"
    bad_multipart = client.post(
        "/v1/gate/request",
        data={"prompt": HAIR, "kind": "edit"},
        files=[("images", ("cut.jpg", jpeg("coffee")[:500], "image/jpeg"))],
        headers=headers,
    )
    assert bad_multipart.status_code == 422
    assert bad_multipart.json()["errors"][0]["field"] == "body.images[0]"
    after = http_runtime.ledger.head()
    assert after is not None and (after.seq, after.entry_hash) == (head.seq, head.entry_hash)


def test_multipart_image_sent_as_text_is_refused(client: TestClient, http_runtime: Runtime) -> None:
    resp = client.post(
        "/v1/gate/request",
        data={"prompt": HAIR, "kind": "edit", "images": "not a file"},
        files=[("other", ("x.txt", b"x", "text/plain"))],
        headers=auth(http_runtime),
    )
    assert resp.status_code == 422
    assert "images" in resp.json()["errors"][0]["field"]


def test_unsupported_media_type(client: TestClient, http_runtime: Runtime) -> None:
    resp = client.post(
        "/v1/gate/request",
        content=b"prompt=x",
        headers={**auth(http_runtime), "Content-Type": "text/plain"},
    )
    assert resp.status_code == 415


def test_auth_and_roles(client: TestClient, http_runtime: Runtime) -> None:
    body = {"prompt": HAIR}
    assert client.post("/v1/gate/request", json=body).status_code == 401
    wrong = client.post("/v1/gate/request", json=body, headers={"X-API-Key": "psk_bad_bad"})
    assert wrong.status_code == 401
    forbidden = client.post("/v1/gate/request", json=body, headers=auth(http_runtime, "auditor"))
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    assert client.post("/v1/gate/upload", json={"image": "abcd"}).status_code == 401
    admin = client.post("/v1/gate/request", json=body, headers=auth(http_runtime, "admin"))
    assert admin.status_code == 200


def test_huge_body_is_413(client: TestClient, http_runtime: Runtime) -> None:
    big = b64(b"\xff" * (MAX_BODY + 1024))
    resp = client.post(
        "/v1/gate/request",
        json={"prompt": "x", "kind": "edit", "images": [big]},
        headers=auth(http_runtime),
    )
    assert resp.status_code == 413
    assert resp.headers["content-type"] == "application/problem+json"
    assert not list(http_runtime.ledger.entries(kind="decision"))


def test_multipart_repeated_scalar_field_is_refused(
    client: TestClient, http_runtime: Runtime
) -> None:
    """A field sent twice in a form must not be silently collapsed to its last
    value (JSON cannot repeat a key; a form can)."""
    resp = client.post(
        "/v1/gate/request",
        content=(
            b'--b\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nchange her hair to red'
            b'\r\n--b\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nsecond'
            b"\r\n--b--\r\n"
        ),
        headers={**auth(http_runtime), "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["errors"][0]["field"] == "body.prompt"


def test_decisions_refuses_a_boolean_score(client: TestClient, http_runtime: Runtime) -> None:
    """JSON ``false`` is not a number: pydantic's lax mode turns it into 0.0,
    so the schema (``type: number``) and the service disagree."""
    body = {"signals": [{"name": "text.sexual", "score": False}], "kind": "generate"}
    resp = client.post("/v1/decisions", json=body, headers=auth(http_runtime))
    assert resp.status_code == 422, resp.text
    assert resp.json()["errors"][0]["field"] == "body.signals[0].score"


def test_undecodable_output_image_names_body_image(
    client: TestClient, http_runtime: Runtime
) -> None:
    for path in ("/v1/gate/output", "/v1/gate/upload"):
        resp = client.post(path, json={"image": b64(b"not an image")}, headers=auth(http_runtime))
        assert resp.status_code == 422, resp.text
        assert resp.json()["errors"][0]["field"] == "body.image"
        assert resp.json()["detail"].startswith("body.image")


def test_openapi_documents_problem_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/v1/gate/request", "/v1/gate/output", "/v1/gate/upload", "/v1/decisions"):
        responses = spec["paths"][path]["post"]["responses"]
        assert "application/problem+json" in responses["422"]["content"], path
