"""Signed checkpoints: Ed25519 signatures over the ledger head.

A checkpoint says "at time T the entry with seq S had hash H", signed with the
operator's ledger key. Because every entry hash commits to all entries before
it, one valid checkpoint authenticates the whole chain up to S. Checkpoints are
what let a verifier notice a truncated tail or a chain recomputed from some
point on: those leave every hash internally consistent, but no longer match
what was signed. Publish checkpoints outside the database (see docs/ledger.md)
so that an attacker who controls the database cannot delete them as well.

The signed message is domain-separated and length-prefixed, like entry hashes::

    "perisai.ledger.checkpoint.v1\\n" || field(seq) || field(entry_hash) || field(created_at)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CHECKPOINT_DOMAIN = b"perisai.ledger.checkpoint.v1\n"


class LedgerKeyError(ValueError):
    """A ledger key that cannot be read or parsed (message says which and why)."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    entry_hash: str
    created_at: str
    key_id: str
    public_key: str
    signature: str

    def to_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "created_at": self.created_at,
            "key_id": self.key_id,
            "public_key": self.public_key,
            "signature": self.signature,
        }


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


def checkpoint_message(seq: int, entry_hash: str, created_at: str) -> bytes:
    return b"".join(
        (
            CHECKPOINT_DOMAIN,
            _field(str(seq).encode("ascii")),
            _field(entry_hash.encode("utf-8", "surrogatepass")),
            _field(created_at.encode("utf-8", "surrogatepass")),
        )
    )


def public_key_hex(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def key_id_for(public_hex: str) -> str:
    """A short, stable name for a public key: first 16 hex digits of its SHA-256."""
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16]


class CheckpointSigner:
    """Signs checkpoints with an Ed25519 private key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key: Ed25519PublicKey = private_key.public_key()
        self.public_hex = public_key_hex(self.public_key)
        self.key_id = key_id_for(self.public_hex)

    @classmethod
    def from_pem_file(cls, path: Path | str) -> CheckpointSigner:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise LedgerKeyError(f"cannot read ledger key {path}: {exc.strerror}") from None
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise LedgerKeyError(f"{path} is not an unencrypted PEM private key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise LedgerKeyError(f"{path} holds a {type(key).__name__}; the ledger needs Ed25519")
        return cls(key)

    def sign(self, seq: int, entry_hash: str, created_at: str) -> Checkpoint:
        signature = self._key.sign(checkpoint_message(seq, entry_hash, created_at))
        return Checkpoint(
            seq=seq,
            entry_hash=entry_hash,
            created_at=created_at,
            key_id=self.key_id,
            public_key=self.public_hex,
            signature=signature.hex(),
        )


def generate_key_pair(out: Path | str) -> str:
    """Write a new Ed25519 private key (PEM, mode 0600) to ``out``; return the
    public key as hex. Refuses to overwrite an existing file."""
    out = Path(out)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.chmod(out, 0o600)
    return public_key_hex(key.public_key())


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from 64 hex digits, a PEM public key, or a PEM private key
    (its public half)."""
    text = text.strip()
    if len(text) == 64:
        try:
            return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
        except ValueError:
            pass
    data = text.encode("ascii", "replace")
    if b"PRIVATE KEY" in data:
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise LedgerKeyError(f"not a readable PEM private key: {exc}") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise LedgerKeyError("the private key is not Ed25519")
        return private.public_key()
    try:
        public = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise LedgerKeyError("a public key must be 64 hex digits or a PEM Ed25519 key") from None
    if not isinstance(public, Ed25519PublicKey):
        raise LedgerKeyError("the public key is not Ed25519")
    return public


def load_public_key_arg(value: str) -> Ed25519PublicKey:
    """``value`` is a path to a key file, or the key itself (hex)."""
    path = Path(value)
    if len(value) != 64 and path.exists():
        try:
            return load_public_key(path.read_text(encoding="ascii", errors="replace"))
        except LedgerKeyError as exc:
            raise LedgerKeyError(f"{path}: {exc}") from None
    return load_public_key(value)


def verify_checkpoint(checkpoint: Checkpoint, trusted: Iterable[Ed25519PublicKey]) -> str | None:
    """None when ``checkpoint`` carries a valid signature by one of ``trusted``;
    otherwise why not."""
    try:
        signature = bytes.fromhex(checkpoint.signature)
    except ValueError:
        return "signature is not hex"
    message = checkpoint_message(checkpoint.seq, checkpoint.entry_hash, checkpoint.created_at)
    keys = list(trusted)
    for key in keys:
        try:
            key.verify(signature, message)
            return None
        except InvalidSignature:
            continue
    if not keys:
        return "no trusted public key to check it against"
    return f"signature (key {checkpoint.key_id}) does not verify with any trusted public key"
