"""Reports, fast-track takedown, appeals and survivor redress (issue 6).

:func:`case_service` builds (once per runtime) the :class:`CaseService` over
the runtime's database, policy, ledger and banks and the demo
:class:`SqlitePlatform`. See docs/cases.md.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from perisai.cases.platform import PlatformAdapter, SqlitePlatform, UnknownItem, UploadBlocked
from perisai.cases.service import (
    CaseConflict,
    CaseInputError,
    CaseNotFound,
    CaseService,
    ReportInput,
    WrongPin,
)

if TYPE_CHECKING:
    from perisai.runtime import Runtime

__all__ = [
    "CaseConflict",
    "CaseInputError",
    "CaseNotFound",
    "CaseService",
    "PlatformAdapter",
    "ReportInput",
    "SqlitePlatform",
    "UnknownItem",
    "UploadBlocked",
    "WrongPin",
    "case_service",
    "image_scores",
]

_build_lock = threading.Lock()


def image_scores(data: bytes) -> dict[str, float]:
    """The bundled image analysers' scores for one image (models load once)."""
    from perisai.analysers.image.analyser import analyse_image_bytes

    report = analyse_image_bytes(data, "upload", "reported item")
    return {s.name: float(s.score) for s in report.signals}


def case_service(runtime: Runtime) -> CaseService:
    """The runtime's case service, built on first use."""
    existing: CaseService | None = runtime.__dict__.get("_case_service")
    if existing is not None:
        return existing
    with _build_lock:
        existing = runtime.__dict__.get("_case_service")
        if existing is not None:
            return existing
        from perisai.banks import BankService
        from perisai.gate.evidence import load_or_create_key

        banks = runtime.__dict__.get("banks") or getattr(runtime, "banks", None)
        if banks is None:
            banks = BankService(runtime.db)

        def gate_evidence(decision_id: str) -> dict[str, Any] | None:
            record = runtime.evidence.get(decision_id)
            return {"image_hashes": record.image_hashes} if record else None

        service = CaseService(
            runtime.db,
            runtime.policy,
            runtime.ledger,
            banks,
            SqlitePlatform(runtime.db),
            load_or_create_key(runtime.settings.data_dir / "cases.key"),
            image_scorer=image_scores,
            gate_evidence=gate_evidence,
        )
        runtime.__dict__["_case_service"] = service
        return service
