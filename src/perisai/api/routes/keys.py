from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from perisai.api.problems import Problem
from perisai.api.security import require_role
from perisai.auth.keys import Role

router = APIRouter(prefix="/v1/keys", tags=["keys"], dependencies=[Depends(require_role("admin"))])


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    name: str = Field(min_length=1, max_length=200, examples=["image-service-prod"])


@router.post("", status_code=201, summary="Create a key (the token is returned once)")
def create_key(body: KeyCreate, request: Request) -> dict[str, Any]:
    runtime = request.app.state.runtime
    token, key = runtime.keys.create(body.role, body.name)
    runtime.ledger.append("key.created", {"key_id": key.key_id, "role": key.role, "name": key.name})
    return {"key_id": key.key_id, "role": key.role, "name": key.name, "token": token}


@router.get("", summary="List keys (never their secrets)")
def list_keys(request: Request) -> list[dict[str, Any]]:
    return [
        {
            "key_id": k.key_id,
            "role": k.role,
            "name": k.name,
            "active": k.active,
            "created_at": k.created_at.isoformat(),
        }
        for k in request.app.state.runtime.keys.list()
    ]


@router.delete("/{key_id}", status_code=204, summary="Revoke a key")
def revoke_key(key_id: str, request: Request) -> None:
    runtime = request.app.state.runtime
    if not runtime.keys.revoke(key_id):
        raise Problem(404, "Not found", f"No active key with id {key_id!r}.")
    runtime.ledger.append("key.revoked", {"key_id": key_id})
