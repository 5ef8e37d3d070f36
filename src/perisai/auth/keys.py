"""API keys: ``psk_<key_id>_<secret>``.

Only a SHA-256 of the secret is stored. Secrets are 256 random bits, so a
fast hash is enough (no password stretching needed); comparison is constant
time. A key has exactly one role; roles are ordered only where the API says
so (``admin`` may do anything).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import select, update

from perisai.auth.tables import api_keys
from perisai.storage.db import Database

Role = Literal["client", "triage", "moderator", "admin", "auditor"]
ROLES: tuple[str, ...] = get_args(Role)

ROLE_HELP = {
    "client": "an image service calling the gate and submitting uploads",
    "triage": "first-line reviewers: read queues, hide content while a case is decided",
    "moderator": "trust-and-safety staff who decide cases, reviews and appeals",
    "admin": "operators: keys, banks, policy; may do anything",
    "auditor": "read-only access to the ledger and transparency data",
}

PREFIX = "psk"


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    role: Role
    name: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(token: str) -> tuple[str, str] | None:
    parts = token.strip().split("_")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class KeyStore:
    #: How long (seconds) :meth:`recently_authenticated` trusts a successful
    #: lookup. A key revoked through this store is dropped at once; one revoked
    #: by another process (another server worker, the CLI) is refused by this
    #: one at most this long afterwards.
    CACHE_SECONDS = 2.0
    CACHE_SIZE = 1024

    def __init__(self, db: Database) -> None:
        self.db = db
        self._recent: dict[str, tuple[float, ApiKey]] = {}
        self._recent_lock = threading.Lock()

    def recently_authenticated(self, token: str) -> ApiKey | None:
        """The key for ``token`` if :meth:`authenticate` accepted that exact
        token less than ``CACHE_SECONDS`` ago, else None (then call
        :meth:`authenticate`). No database access: cheap enough to call on
        the event loop for every request."""
        with self._recent_lock:
            hit = self._recent.get(token)
        if hit is None or time.monotonic() - hit[0] > self.CACHE_SECONDS:
            return None
        return hit[1]

    def create(self, role: str, name: str) -> tuple[str, ApiKey]:
        """Create a key; returns the token (shown once) and its record."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
        name = name.strip()
        if not name or len(name) > 200:
            raise ValueError("name must be 1 to 200 characters")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32).replace("_", "-")
        now = datetime.now(UTC)
        with self.db.begin() as conn:
            conn.execute(
                api_keys.insert().values(
                    key_id=key_id,
                    secret_sha256=_digest(secret),
                    role=role,
                    name=name,
                    created_at=now,
                )
            )
        record = ApiKey(key_id=key_id, role=role, name=name, created_at=now, revoked_at=None)  # type: ignore[arg-type]
        return f"{PREFIX}_{key_id}_{secret}", record

    def authenticate(self, token: str) -> ApiKey | None:
        parsed = parse_token(token)
        if parsed is None:
            return None
        key_id, secret = parsed
        with self.db.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_sha256, _digest(secret)):
            return None
        key = _record(row)
        with self._recent_lock:
            if len(self._recent) >= self.CACHE_SIZE:
                self._recent.clear()
            self._recent[token] = (time.monotonic(), key)
        return key

    def revoke(self, key_id: str) -> bool:
        with self._recent_lock:
            for token in [t for t, (_, k) in self._recent.items() if k.key_id == key_id]:
                del self._recent[token]
        with self.db.begin() as conn:
            result = conn.execute(
                update(api_keys)
                .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
        return bool(result.rowcount)

    def list(self) -> list[ApiKey]:
        with self.db.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.id)).all()
        return [_record(r) for r in rows]

    def any_active_admin(self) -> bool:
        return any(k.active and k.role == "admin" for k in self.list())


def _record(row: object) -> ApiKey:
    return ApiKey(
        key_id=row.key_id,  # type: ignore[attr-defined]
        role=row.role,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        created_at=row.created_at,  # type: ignore[attr-defined]
        revoked_at=row.revoked_at,  # type: ignore[attr-defined]
    )
