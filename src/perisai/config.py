"""Settings, from environment variables with embedded defaults.

Defaults give a working local service: a SQLite file under ``./perisai-data``
and the bundled demo policy. Every setting can be overridden by an
environment variable named ``PERISAI_<NAME>``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

BUNDLED_POLICY = Path(__file__).parent / "policy" / "default.yaml"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"PERISAI_{name}", default)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(_env("DATA_DIR", "perisai-data")))
    database_url: str = ""
    policy_path: Path = field(default_factory=lambda: Path(_env("POLICY", str(BUNDLED_POLICY))))
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("PORT", "8000")))
    #: Largest request body the HTTP service accepts, in bytes.
    max_body_bytes: int = field(
        default_factory=lambda: int(_env("MAX_BODY_BYTES", str(25 * 1024 * 1024)))
    )
    #: Ed25519 private key (PEM file) that signs ledger checkpoints.
    ledger_key_path: Path | None = field(
        default_factory=lambda: Path(p) if (p := os.environ.get("PERISAI_LEDGER_KEY")) else None
    )
    #: Write a signed checkpoint after this many ledger entries.
    checkpoint_every: int = field(default_factory=lambda: int(_env("CHECKPOINT_EVERY", "1000")))
    log_level: str = field(default_factory=lambda: _env("LOG_LEVEL", "INFO"))
    #: ``perisai serve``: ask a client to reconnect on every Nth response of a
    #: worker (0: never), so keep-alive connections spread over the workers.
    recycle_connections_every: int = field(
        default_factory=lambda: int(_env("RECYCLE_CONNECTIONS_EVERY", "20"))
    )

    def __post_init__(self) -> None:
        if not self.database_url:
            url = (
                os.environ.get("PERISAI_DATABASE_URL")
                or f"sqlite:///{self.data_dir / 'perisai.db'}"
            )
            object.__setattr__(self, "database_url", url)

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]
