"""Decide from signals an embedding platform computed itself.

The gate (``/v1/gate/...``) runs Perisai's own analysers; this endpoint lets
a platform bring its own signals and still get a policy decision recorded in
the ledger."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from perisai.api.problems import Problem, problem_responses
from perisai.api.security import require_role
from perisai.policy import Context
from perisai.signals.base import Signal

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])

SignalName = Annotated[
    str, Field(min_length=1, max_length=100, pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
]


class SignalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: SignalName = Field(examples=["text.undress_or_sexualise"])
    score: float = Field(ge=0.0, le=1.0, allow_inf_nan=False, strict=True, examples=[0.93])
    source: str = Field("prompt", max_length=64)
    explanation: str = Field("", max_length=500)
    analyser: str = Field("external", max_length=64)


class DecideRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "signals": [
                        {"name": "text.undress_or_sexualise", "score": 0.93},
                        {"name": "image.real_person_photo", "score": 0.97, "source": "image[0]"},
                    ],
                    "kind": "edit",
                    "jurisdiction": "MY",
                    "account": "acct-123",
                    "language": "ms",
                }
            ]
        },
    )
    signals: list[SignalIn] = Field(max_length=200)
    kind: Literal["generate", "edit", "output", "upload"] = "generate"
    jurisdiction: str | None = Field(None, max_length=8, pattern=r"^[A-Z]{2,3}$")
    account: str | None = Field(None, max_length=200)
    language: str | None = Field(None, max_length=16)


@router.post(
    "",
    summary="Decide from signals and record the decision",
    responses=problem_responses(400, 401, 403, 413, 422),
)
def decide(
    body: DecideRequest,
    request: Request,
    _key: Any = Depends(require_role("client")),
) -> dict[str, Any]:
    runtime = request.app.state.runtime
    signals = [
        Signal(s.name, s.score, s.analyser, s.explanation, source=s.source) for s in body.signals
    ]
    decision = runtime.engine.decide(
        signals,
        Context(
            kind=body.kind,
            jurisdiction=body.jurisdiction,
            account=body.account,
            language=body.language,
        ),
    )
    runtime.ledger.append("decision", decision.ledger_payload(), subject_id=decision.decision_id)
    return decision.to_dict()


@router.get(
    "/{decision_id}",
    summary="A recorded decision, from the ledger",
    responses=problem_responses(401, 403, 404),
)
def get_decision(
    decision_id: str,
    request: Request,
    _key: Any = Depends(require_role("moderator", "auditor")),
) -> dict[str, Any]:
    ledger = request.app.state.runtime.ledger
    for entry in ledger.entries(kind="decision", subject_id=decision_id):
        return {"ledger_seq": entry.seq, "entry_hash": entry.entry_hash, "decision": entry.payload}
    raise Problem(404, "Not found", f"No decision with id {decision_id!r}.")
