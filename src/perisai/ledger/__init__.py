"""Tamper-evident, append-only, hash-chained record of every decision and
case action, with Ed25519-signed checkpoints. See docs/ledger.md."""

from perisai.ledger.chain import GENESIS_HASH, CanonicalJSONError, canonical_json, entry_hash
from perisai.ledger.checkpoints import Checkpoint, CheckpointSigner, generate_key_pair
from perisai.ledger.ledger import Ledger, LedgerEntry, LedgerError, LedgerWriter
from perisai.ledger.verify import Problem, VerifyReport

__all__ = [
    "GENESIS_HASH",
    "CanonicalJSONError",
    "Checkpoint",
    "CheckpointSigner",
    "Ledger",
    "LedgerEntry",
    "LedgerError",
    "LedgerWriter",
    "Problem",
    "VerifyReport",
    "canonical_json",
    "entry_hash",
    "generate_key_pair",
]
