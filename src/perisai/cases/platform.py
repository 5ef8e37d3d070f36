"""The platform adapter: how Perisai acts on the provider's content.

A provider implements :class:`PlatformAdapter` over its own content store
(six methods). Perisai ships :class:`SqlitePlatform`, a demo platform whose
items live in the same database, so reports, fast-track hiding, takedown of
copies and re-upload blocking run end to end in tests, the benchmark and the
demo pages.

Finding copies (:meth:`PlatformAdapter.find_copies`) has a default that
scans :meth:`list_items`; :class:`SqlitePlatform` keeps every live item's PDQ
in one NumPy array and computes all Hamming distances in a single vectorised
pass (100,000 items: a few milliseconds; see docs/benchmarks/takedown.md),
plus an exact MD5/SHA-256 lookup through indexed columns.
"""

from __future__ import annotations

import json
import secrets
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sqlalchemy import or_, select, update

from perisai.analysers.image.hashes import hamming, hash_image
from perisai.cases.tables import platform_items, platform_notifications
from perisai.storage.db import Database

ItemState = Literal["visible", "hidden", "deleted"]
Clock = Callable[[], datetime]


class UnknownItem(LookupError):
    def __init__(self, item_id: str) -> None:
        super().__init__(f"no item {item_id!r} on this platform")
        self.item_id = item_id


class UploadBlocked(Exception):
    """An upload refused because it matches a bank or the gate blocked it."""

    def __init__(self, reason: str, details: dict[str, Any]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class PlatformItem:
    item_id: str
    account: str
    media_type: str
    pdq: str | None
    quality: int | None
    md5: str
    sha256: str
    state: ItemState
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "account": self.account,
            "media_type": self.media_type,
            "pdq": self.pdq,
            "md5": self.md5,
            "sha256": self.sha256,
            "state": self.state,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class Copy:
    item: PlatformItem
    #: 0 for an identical file (MD5/SHA-256), else the PDQ Hamming distance.
    distance: int
    how: Literal["exact", "pdq"]


class PlatformAdapter(ABC):
    """What Perisai needs from a platform to act on reported content."""

    @abstractmethod
    def list_items(self, account: str | None = None) -> Iterable[PlatformItem]: ...

    @abstractmethod
    def get_item(self, item_id: str) -> PlatformItem:
        """The item, or :class:`UnknownItem`."""

    @abstractmethod
    def content(self, item_id: str) -> bytes:
        """The item's bytes, whatever its state (for review and preservation)."""

    @abstractmethod
    def hide(self, item_id: str, reason: str) -> None:
        """Make the item inaccessible pending a decision (reversible)."""

    @abstractmethod
    def restore(self, item_id: str) -> None: ...

    @abstractmethod
    def delete(self, item_id: str, reason: str) -> None: ...

    @abstractmethod
    def notify(self, account: str, notice: dict[str, Any]) -> None:
        """Deliver a notice (statement of reasons, outcome) to an account."""

    def find_copies(
        self, *, pdq: str | None, md5: str | None, sha256: str | None, max_distance: int
    ) -> list[Copy]:
        """Items identical to, or within ``max_distance`` PDQ bits of, the
        given hashes, deleted items excepted. Override for speed."""
        found = []
        for item in self.list_items():
            if item.state == "deleted":
                continue
            if (md5 and item.md5 == md5) or (sha256 and item.sha256 == sha256):
                found.append(Copy(item, 0, "exact"))
            elif pdq and item.pdq and (d := hamming(pdq, item.pdq)) <= max_distance:
                found.append(Copy(item, d, "pdq"))
        return found


class SqlitePlatform(PlatformAdapter):
    """The demo platform: items and notifications in Perisai's own database."""

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self.db = db
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._codes: npt.NDArray[np.uint8] = np.zeros((0, 32), dtype=np.uint8)
        self._ids: list[str] = []
        self._alive: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self._row_of: dict[str, int] = {}
        self._size = 0
        self._loaded = False

    # -- writes ---------------------------------------------------------------

    def upload(
        self,
        content: bytes,
        account: str,
        media_type: str = "image/jpeg",
        screen: Callable[[bytes, str, Any], None] | None = None,
    ) -> PlatformItem:
        """Store an upload after hashing it. ``screen(content, account, hashes)``
        may raise :class:`UploadBlocked` to refuse it (re-upload blocking)."""
        hashes = hash_image(content)
        if screen is not None:
            screen(content, account, hashes)
        return self.insert_many(
            [
                {
                    "content": content,
                    "account": account,
                    "media_type": media_type,
                    "pdq": hashes.pdq,
                    "quality": hashes.quality,
                    "md5": hashes.md5,
                    "sha256": hashes.sha256,
                }
            ]
        )[0]

    def insert_many(self, rows: Sequence[dict[str, Any]]) -> list[PlatformItem]:
        """Insert items whose hashes are already known (seeding, imports)."""
        now = self.clock()
        records = []
        for row in rows:
            records.append(
                {
                    "item_id": "itm_" + secrets.token_hex(8),
                    "account": row["account"],
                    "content": row["content"],
                    "media_type": row.get("media_type", "image/jpeg"),
                    "pdq": row.get("pdq"),
                    "quality": row.get("quality"),
                    "md5": row["md5"],
                    "sha256": row["sha256"],
                    "state": "visible",
                    "created_at": now,
                    "state_changed_at": now,
                }
            )
        with self.db.begin() as conn:
            conn.execute(platform_items.insert(), records)
        with self._lock:
            if self._loaded:
                self._index_add([(r["item_id"], r["pdq"]) for r in records])
        return [_item({**r}) for r in records]

    def hide(self, item_id: str, reason: str) -> None:
        self._set_state(item_id, "hidden", reason)

    def restore(self, item_id: str) -> None:
        self._set_state(item_id, "visible", "restored")

    def delete(self, item_id: str, reason: str) -> None:
        # Soft delete: the bytes stay so an appeal can restore the item;
        # purge_deleted() erases them when the appeal window has passed.
        self._set_state(item_id, "deleted", reason)

    def _set_state(self, item_id: str, state: ItemState, reason: str) -> None:
        with self.db.begin() as conn:
            done = conn.execute(
                update(platform_items)
                .where(platform_items.c.item_id == item_id)
                .values(state=state, state_changed_at=self.clock(), state_reason=reason[:200])
            )
        if not done.rowcount:
            raise UnknownItem(item_id)
        with self._lock:
            row = self._row_of.get(item_id)
            if row is not None:
                self._alive[row] = state != "deleted"

    def notify(self, account: str, notice: dict[str, Any]) -> None:
        with self.db.begin() as conn:
            conn.execute(
                platform_notifications.insert().values(
                    account=account, at=self.clock(), notice=json.dumps(notice, ensure_ascii=False)
                )
            )

    # -- reads ----------------------------------------------------------------

    def list_items(self, account: str | None = None) -> list[PlatformItem]:
        stmt = select(*_ITEM_COLUMNS).order_by(platform_items.c.id)
        if account is not None:
            stmt = stmt.where(platform_items.c.account == account)
        with self.db.connect() as conn:
            return [_item(dict(r._mapping)) for r in conn.execute(stmt)]

    def get_item(self, item_id: str) -> PlatformItem:
        with self.db.connect() as conn:
            row = conn.execute(
                select(*_ITEM_COLUMNS).where(platform_items.c.item_id == item_id)
            ).first()
        if row is None:
            raise UnknownItem(item_id)
        return _item(dict(row._mapping))

    def content(self, item_id: str) -> bytes:
        with self.db.connect() as conn:
            data = conn.execute(
                select(platform_items.c.content).where(platform_items.c.item_id == item_id)
            ).scalar()
        if data is None:
            raise UnknownItem(item_id)
        return bytes(data)

    def notifications(self, account: str) -> list[dict[str, Any]]:
        with self.db.connect() as conn:
            rows = conn.execute(
                select(platform_notifications.c.at, platform_notifications.c.notice)
                .where(platform_notifications.c.account == account)
                .order_by(platform_notifications.c.id)
            ).all()
        return [{"at": r.at.isoformat(), **json.loads(r.notice)} for r in rows]

    def find_copies(
        self, *, pdq: str | None, md5: str | None, sha256: str | None, max_distance: int
    ) -> list[Copy]:
        found: dict[str, Copy] = {}
        exact = [
            c
            for c in (
                platform_items.c.md5 == md5 if md5 else None,
                platform_items.c.sha256 == sha256 if sha256 else None,
            )
            if c is not None
        ]
        if exact:
            with self.db.connect() as conn:
                rows = conn.execute(
                    select(*_ITEM_COLUMNS).where(or_(*exact), platform_items.c.state != "deleted")
                ).all()
            for r in rows:
                item = _item(dict(r._mapping))
                found[item.item_id] = Copy(item, 0, "exact")
        if pdq:
            near = self._near(pdq, max_distance)
            missing = [i for i in near if i not in found]
            if missing:
                with self.db.connect() as conn:
                    rows = conn.execute(
                        select(*_ITEM_COLUMNS).where(
                            platform_items.c.item_id.in_(missing),
                            platform_items.c.state != "deleted",
                        )
                    ).all()
                for r in rows:
                    item = _item(dict(r._mapping))
                    found[item.item_id] = Copy(item, near[item.item_id], "pdq")
        return sorted(found.values(), key=lambda c: (c.distance, c.item.item_id))

    # -- the PDQ array --------------------------------------------------------

    def _near(self, pdq: str, max_distance: int) -> dict[str, int]:
        with self._lock:
            self._ensure_loaded()
            if self._size == 0:
                return {}
            # 256 bits = four 64-bit words: XOR and popcount a word at a time.
            query = np.frombuffer(bytes.fromhex(pdq), dtype=np.uint64)
            codes = self._codes[: self._size].view(np.uint64)
            distances = np.bitwise_count(np.bitwise_xor(codes, query)).sum(axis=1, dtype=np.uint16)
            rows = np.nonzero((distances <= max_distance) & self._alive[: self._size])[0]
            return {self._ids[i]: int(distances[i]) for i in rows}

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self.db.connect() as conn:
            rows = conn.execute(
                select(platform_items.c.item_id, platform_items.c.pdq).where(
                    platform_items.c.state != "deleted", platform_items.c.pdq.is_not(None)
                )
            ).all()
        self._loaded = True
        self._index_add([(r.item_id, r.pdq) for r in rows])

    def _index_add(self, pairs: Sequence[tuple[str, str | None]]) -> None:
        present = [(i, p) for i, p in pairs if p]
        need = self._size + len(present)
        if need > len(self._codes):
            capacity = max(need, 2 * len(self._codes), 1024)
            codes = np.zeros((capacity, 32), dtype=np.uint8)
            codes[: self._size] = self._codes[: self._size]
            alive = np.zeros(capacity, dtype=bool)
            alive[: self._size] = self._alive[: self._size]
            self._codes, self._alive = codes, alive
        if present:
            block = np.frombuffer(bytes.fromhex("".join(p for _, p in present)), dtype=np.uint8)
            self._codes[self._size : need] = block.reshape(-1, 32)
            self._alive[self._size : need] = True
            for offset, (item_id, _) in enumerate(present):
                self._row_of[item_id] = self._size + offset
                self._ids.append(item_id)
        self._size = need


_ITEM_COLUMNS = (
    platform_items.c.item_id,
    platform_items.c.account,
    platform_items.c.media_type,
    platform_items.c.pdq,
    platform_items.c.quality,
    platform_items.c.md5,
    platform_items.c.sha256,
    platform_items.c.state,
    platform_items.c.created_at,
)


def _item(row: dict[str, Any]) -> PlatformItem:
    created = row["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return PlatformItem(
        item_id=row["item_id"],
        account=row["account"],
        media_type=row["media_type"],
        pdq=row["pdq"],
        quality=row["quality"],
        md5=row["md5"],
        sha256=row["sha256"],
        state=row["state"],
        created_at=created,
    )
