"""Evidence of blocked NCII and child-safety attempts.

Requesting such images is itself an offence in the UK, so a blocked attempt
in a category with ``evidence_retention_days > 0`` keeps: the request text
(encrypted with Fernet), image hashes (never the images), account,
jurisdiction and time. Records are deleted when their retention ends
(``purge_expired``, run at service start and by ``perisai evidence purge``).
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import delete, select

from perisai.decisions import Decision
from perisai.gate.tables import gate_evidence
from perisai.storage.db import Database


def load_or_create_key(path: Path) -> bytes:
    """The evidence key: from PERISAI_EVIDENCE_KEY, else a 0600 file in the data dir."""
    env = os.environ.get("PERISAI_EVIDENCE_KEY")
    if env:
        return env.encode()
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


@dataclass(frozen=True)
class EvidenceRecord:
    decision_id: str
    created_at: datetime
    delete_after: datetime
    categories: list[str]
    account: str | None
    jurisdiction: str | None
    image_hashes: list[dict[str, Any]]
    request: dict[str, Any]


class EvidenceStore:
    def __init__(self, db: Database, key: bytes) -> None:
        self.db = db
        self._fernet = Fernet(key)

    def keep(
        self, decision: Decision, request: dict[str, Any], image_hashes: list[dict[str, Any]]
    ) -> bool:
        """Store evidence for a blocked decision whose categories ask for it."""
        if decision.action != "block" or decision.evidence_retention_days <= 0:
            return False
        now = datetime.now(UTC)
        ciphertext = self._fernet.encrypt(json.dumps(request, ensure_ascii=False).encode())
        # begin_write: queue behind other writers (the ledger's) instead of
        # polling SQLite's busy handler; this runs on the request path.
        with self.db.begin_write() as conn:
            conn.execute(
                gate_evidence.insert().values(
                    decision_id=decision.decision_id,
                    created_at=now,
                    delete_after=now + timedelta(days=decision.evidence_retention_days),
                    categories=",".join(decision.categories),
                    account=decision.account,
                    jurisdiction=decision.jurisdiction,
                    image_hashes=json.dumps(image_hashes),
                    request_ciphertext=ciphertext,
                )
            )
        return True

    def get(self, decision_id: str) -> EvidenceRecord | None:
        with self.db.connect() as conn:
            row = conn.execute(
                select(gate_evidence).where(gate_evidence.c.decision_id == decision_id)
            ).first()
        if row is None:
            return None
        return EvidenceRecord(
            decision_id=row.decision_id,
            created_at=_aware(row.created_at),
            delete_after=_aware(row.delete_after),
            categories=row.categories.split(","),
            account=row.account,
            jurisdiction=row.jurisdiction,
            image_hashes=json.loads(row.image_hashes),
            request=json.loads(self._fernet.decrypt(row.request_ciphertext)),
        )

    def purge_expired(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        with self.db.begin() as conn:
            result = conn.execute(delete(gate_evidence).where(gate_evidence.c.delete_after <= now))
        return int(result.rowcount or 0)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
