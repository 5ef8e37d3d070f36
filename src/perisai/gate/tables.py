from sqlalchemy import Column, DateTime, Index, Integer, LargeBinary, String, Table, Text

from perisai.storage.db import metadata

#: Evidence of blocked NCII and child-safety attempts, kept under the
#: retention the policy sets for the category, then purged. The request text
#: is encrypted; hashes identify images without keeping them.
gate_evidence = Table(
    "gate_evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("decision_id", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delete_after", DateTime(timezone=True), nullable=False),
    Column("categories", String(200), nullable=False),
    Column("account", String(200), nullable=True),
    Column("jurisdiction", String(8), nullable=True),
    Column("image_hashes", Text, nullable=False),
    Column("request_ciphertext", LargeBinary, nullable=False),
    Index("ix_gate_evidence_delete_after", "delete_after"),
)
