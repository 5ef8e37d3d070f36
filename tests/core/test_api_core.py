"""The HTTP service's shell: health, keys and roles, problem+json errors,
body limits, and that bad input changes nothing stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from perisai.api import create_app
from perisai.config import Settings
from perisai.runtime import Runtime

GROK = {
    "kind": "edit",
    "signals": [
        {"name": "text.undress_or_sexualise", "score": 0.93},
        {"name": "image.real_person_photo", "score": 0.97, "source": "image[0]"},
    ],
    "jurisdiction": "MY",
    "language": "ms",
}


@pytest.fixture
def small_runtime(tmp_path) -> Iterator[Runtime]:  # type: ignore[no-untyped-def]
    rt = Runtime(
        Settings(
            data_dir=tmp_path,
            database_url=f"sqlite:///{tmp_path / 'p.db'}",
            max_body_bytes=64 * 1024,
        )
    )
    yield rt
    rt.close()


@pytest.fixture
def client(small_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(small_runtime)) as c:
        yield c


def token(rt: Runtime, role: str) -> dict[str, str]:
    tok, _ = rt.keys.create(role, f"test {role}")
    return {"Authorization": f"Bearer {tok}"}


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["policy_version"].startswith("demo-")


def test_openapi_lists_every_area(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/decisions",
        "/v1/policy",
        "/v1/ledger/verify",
        "/v1/keys",
        "/v1/gate/request",
    ):
        assert path in paths


def test_decision_is_made_and_recorded(client: TestClient, small_runtime: Runtime) -> None:
    headers = token(small_runtime, "client")
    resp = client.post("/v1/decisions", json=GROK, headers=headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["action"] == "block"
    assert body["categories"][0] == "sexualised_real_person"
    assert body["user_message"].startswith("Kami")
    assert body["policy_version"] == small_runtime.policy.version
    auditor = token(small_runtime, "auditor")
    recorded = client.get(f"/v1/decisions/{body['decision_id']}", headers=auditor).json()
    assert recorded["decision"]["action"] == "block"
    assert client.get("/v1/ledger/verify", headers=auditor).json()["ok"] is True


def test_auth_and_roles(client: TestClient, small_runtime: Runtime) -> None:
    assert client.post("/v1/decisions", json=GROK).status_code == 401
    bad = client.post("/v1/decisions", json=GROK, headers={"Authorization": "Bearer psk_nope_nope"})
    assert bad.status_code == 401 and bad.headers["content-type"] == "application/problem+json"
    auditor = token(small_runtime, "auditor")
    forbidden = client.post("/v1/decisions", json=GROK, headers=auditor)
    assert forbidden.status_code == 403 and "client" in forbidden.json()["detail"]
    assert client.get("/v1/keys", headers=token(small_runtime, "client")).status_code == 403
    admin = token(small_runtime, "admin")
    created = client.post("/v1/keys", json={"role": "client", "name": "svc"}, headers=admin).json()
    new = {"Authorization": f"Bearer {created['token']}"}
    assert client.post("/v1/decisions", json=GROK, headers=new).status_code == 200
    assert client.delete(f"/v1/keys/{created['key_id']}", headers=admin).status_code == 204
    assert client.post("/v1/decisions", json=GROK, headers=new).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GROK, "kind": "remix"}, "body.kind"),
        ({**GROK, "signals": [{"name": "text.sexual", "score": 2}]}, "body.signals[0].score"),
        ({**GROK, "signals": [{"name": "text.sexual", "score": "high"}]}, "body.signals[0].score"),
        ({**GROK, "signals": [{"name": "Text Sexual!", "score": 0.5}]}, "body.signals[0].name"),
        ({**GROK, "jurisdiction": "Malaysia"}, "body.jurisdiction"),
        ({**GROK, "colour": "red"}, "body.colour"),
        ({"kind": "edit"}, "body.signals"),
    ],
)
def test_bad_bodies_name_the_field_and_store_nothing(
    client: TestClient, small_runtime: Runtime, body: dict[str, object], field: str
) -> None:
    headers = token(small_runtime, "client")
    before = small_runtime.ledger.head()
    resp = client.post("/v1/decisions", json=body, headers=headers)
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert problem["status"] == 422 and field in [e["field"] for e in problem["errors"]]
    after = small_runtime.ledger.head()
    assert (before.seq if before else 0) == (after.seq if after else 0)


def test_malformed_json_and_hostile_unicode(client: TestClient, small_runtime: Runtime) -> None:
    headers = {**token(small_runtime, "client"), "content-type": "application/json"}
    resp = client.post("/v1/decisions", content=b'{"signals": [', headers=headers)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "body"
    assert "malformed JSON" in resp.json()["errors"][0]["message"]
    weird = {**GROK, "account": "\u202eadmin\u200b\ufeff\U0001f600" * 10}
    assert client.post("/v1/decisions", json=weird, headers=headers).status_code == 200
    resp = client.post(
        "/v1/decisions",
        content='{"signals": "\ud800"}'.encode("utf-8", "surrogatepass"),
        headers=headers,
    )
    assert resp.status_code == 422


def test_body_limit(client: TestClient, small_runtime: Runtime) -> None:
    headers = {**token(small_runtime, "client"), "content-type": "application/json"}
    resp = client.post("/v1/decisions", content=b" " * (65 * 1024), headers=headers)
    assert resp.status_code == 413 and "limit" in resp.json()["detail"]


def test_unknown_path_is_a_problem(client: TestClient) -> None:
    resp = client.get("/v1/nothing-here")
    assert resp.status_code == 404 and resp.json()["title"] == "Not found"


def test_policy_endpoints(client: TestClient, small_runtime: Runtime) -> None:
    headers = token(small_runtime, "auditor")
    assert (
        client.get("/v1/policy", headers=headers).json()["version"] == small_runtime.policy.version
    )
    assert "RULES" in client.get("/v1/policy/explain", headers=headers).text


def test_ledger_export_verifies_offline(
    client: TestClient, small_runtime: Runtime, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from perisai.ledger.export import verify_export

    client.post("/v1/decisions", json=GROK, headers=token(small_runtime, "client"))
    resp = client.get("/v1/ledger/export", headers=token(small_runtime, "auditor"))
    assert resp.status_code == 200
    path = tmp_path / "export.jsonl"
    path.write_text(resp.text)
    assert verify_export(path).ok
    assert (
        client.get("/v1/ledger/export", headers=token(small_runtime, "client")).status_code == 403
    )


def test_served_app_warms_up_and_recycles_connections(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from perisai.api.app import create_served_app

    monkeypatch.setenv("PERISAI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PERISAI_DATABASE_URL", raising=False)
    monkeypatch.setenv("PERISAI_RECYCLE_CONNECTIONS_EVERY", "3")
    app = create_served_app()
    with TestClient(app) as c:
        # The lifespan built the gate before the first request.
        assert "gate" in vars(app.state.runtime)
        closing = [c.get("/healthz").headers.get("connection") for _ in range(6)]
    assert closing == [None, None, "close", None, None, "close"]


def test_revoked_key_is_refused_at_once_despite_the_auth_cache(
    client: TestClient, small_runtime: Runtime
) -> None:
    tok, key = small_runtime.keys.create("auditor", "cached")
    headers = {"Authorization": f"Bearer {tok}"}
    assert client.get("/v1/policy", headers=headers).status_code == 200
    assert small_runtime.keys.recently_authenticated(tok) is not None
    small_runtime.keys.revoke(key.key_id)
    assert client.get("/v1/policy", headers=headers).status_code == 401
