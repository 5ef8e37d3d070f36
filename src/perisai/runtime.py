"""The long-lived objects one process needs, built once and shared by the
HTTP service, the CLI and embedding code: database, keys, ledger, policy,
analysers. Heavy parts (models, indexes) are built on first use."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from perisai.auth.keys import KeyStore
from perisai.config import Settings
from perisai.storage.db import Database

if TYPE_CHECKING:
    from collections.abc import Callable

    from perisai.analysers.image.hashes import ImageHashes
    from perisai.banks.service import BankService
    from perisai.gate import Gate
    from perisai.gate.evidence import EvidenceStore
    from perisai.ledger import Ledger, LedgerWriter
    from perisai.policy import Policy, PolicyEngine
    from perisai.signals.base import Signal


class Runtime:
    def __init__(self, settings: Settings | None = None, *, migrate: bool = True) -> None:
        self.settings = settings or Settings()
        self.db = Database(self.settings.database_url)
        if migrate:
            self.db.upgrade()
        self._lock = threading.RLock()

    @cached_property
    def keys(self) -> KeyStore:
        return KeyStore(self.db)

    @cached_property
    def ledger(self) -> Ledger:
        from perisai.ledger import Ledger
        from perisai.ledger.checkpoints import CheckpointSigner

        signer = (
            CheckpointSigner.from_pem_file(self.settings.ledger_key_path)
            if self.settings.ledger_key_path
            else None
        )
        return Ledger(self.db, signer=signer, checkpoint_every=self.settings.checkpoint_every)

    @cached_property
    def ledger_writer(self) -> LedgerWriter:
        """Group-commits appends from many request threads (one transaction per
        batch instead of per decision); ``append`` still waits until stored."""
        from perisai.ledger import LedgerWriter

        with self._lock:
            return LedgerWriter(self.ledger)

    @cached_property
    def policy(self) -> Policy:
        from perisai.policy import load_policy

        return load_policy(self.settings.policy_path)

    @cached_property
    def engine(self) -> PolicyEngine:
        from perisai.policy import PolicyEngine

        return PolicyEngine(self.policy)

    @cached_property
    def evidence(self) -> EvidenceStore:
        from perisai.gate.evidence import EvidenceStore, load_or_create_key

        return EvidenceStore(self.db, load_or_create_key(self.settings.data_dir / "evidence.key"))

    @cached_property
    def bank_matcher(self) -> Callable[[ImageHashes], list[Signal]]:
        from perisai.gate.banks import bank_matcher

        return bank_matcher(self.banks)

    @cached_property
    def gate(self) -> Gate:
        """The gate with the bundled analysers; models load on first use."""
        from perisai.gate import Gate

        with self._lock:
            return Gate.from_runtime(self)

    @cached_property
    def banks(self) -> BankService:
        from perisai.banks.service import BankService

        return BankService(self.db)

    def close(self) -> None:
        writer = self.__dict__.pop("ledger_writer", None)
        if writer is not None:
            writer.close()
        self.db.dispose()
