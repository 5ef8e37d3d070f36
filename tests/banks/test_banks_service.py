"""The bank service on a real database (SQLite, and PostgreSQL when
configured): banks, per-bank distance, allow banks, tombstones, the flood
guard, imports, exports and cross-process sync."""

from __future__ import annotations

import json

import numpy as np
import pytest
from banks_support import FakeClock
from sqlalchemy import select

from perisai.banks import BankService, HashEntry, MatchQuery
from perisai.banks.models import BankError, BankExists, BankNotFound, HashNotFound
from perisai.banks.signals import Md5Signal, PdqSignal
from perisai.banks.tables import bank_hashes
from perisai.storage.db import Database

PDQ = PdqSignal.examples()
MD5 = Md5Signal.examples()


def flip(value: str, k: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    number = int(value, 16)
    for bit in rng.choice(256, size=k, replace=False):
        number ^= 1 << int(bit)
    return f"{number:064x}"


def pdq(value: str, **kw: object) -> MatchQuery:
    return MatchQuery("pdq", value, **kw)  # type: ignore[arg-type]


def test_create_list_get_and_errors(service: BankService) -> None:
    bank = service.create_bank("ncii", provenance="survivor_submission", created_by="t")
    assert bank.enabled and bank.kind == "block" and bank.match_distance == 31
    with pytest.raises(BankExists):
        service.create_bank("ncii", provenance="other", created_by="t")
    for kwargs, field in [
        ({"name": "Bad Name"}, "name"),
        ({"name": "x", "kind": "maybe"}, "kind"),
        ({"name": "x", "provenance": "rumour"}, "provenance"),
        ({"name": "x", "match_distance": 99}, "match_distance"),
        ({"name": "x", "flood_max_matches": 5}, "flood_max_matches"),
    ]:
        args = {"provenance": "other", "created_by": "t", **kwargs}
        with pytest.raises(BankError) as info:
            service.create_bank(**args)  # type: ignore[arg-type]
        assert info.value.field == field
    assert [b.name for b in service.list_banks()] == ["ncii"]
    with pytest.raises(BankNotFound):
        service.get_bank("nope")


def test_add_match_and_provenance(service: BankService) -> None:
    service.create_bank("partner", provenance="partner_import", created_by="t")
    report = service.add_hashes(
        "partner",
        [
            HashEntry("pdq", PDQ[0], external_id="p-1", case_numbers=("C9",), quality=88),
            HashEntry("pdq", PDQ[0].upper()),
            HashEntry("pdq", "nope"),
            HashEntry("pdq", PDQ[3], quality=20),
            HashEntry("md5", MD5[0]),
        ],
        added_by="alice",
    )
    assert (report.added, report.duplicates) == (2, 1)
    assert [(e.line, "quality 20" in e.reason) for e in report.errors] == [(2, False), (3, True)]
    results = service.match(
        [pdq(flip(PDQ[0], 30)), pdq(flip(PDQ[0], 32)), MatchQuery("md5", MD5[0])]
    )
    assert [r.matched for r in results] == [True, False, True]
    hit = results[0].matches[0]
    assert (hit.bank, hit.bank_kind, hit.distance, hit.threshold, hit.external_id) == (
        "partner",
        "block",
        30,
        31,
        "p-1",
    )
    assert hit.case_count == 1 and hit.bank_provenance == "partner_import"
    again = service.add_hashes("partner", [HashEntry("pdq", PDQ[0])], added_by="bob")
    assert again.duplicates == 1 and again.added == 0


def test_low_quality_query_is_skipped(service: BankService) -> None:
    service.create_bank("b", created_by="t")
    service.add_hashes("b", [HashEntry("pdq", PDQ[0])], added_by="t")
    low, ok = service.match([pdq(PDQ[0], quality=12), pdq(PDQ[0], quality=50)])
    assert not low.matched and low.skipped and "below 50" in low.skipped
    assert ok.matched


def test_per_bank_distance_and_disable(service: BankService) -> None:
    service.create_bank("strict", match_distance=8, created_by="t")
    service.create_bank("loose", match_distance=40, created_by="t")
    service.add_hashes("strict", [HashEntry("pdq", PDQ[0])], added_by="t")
    service.add_hashes("loose", [HashEntry("pdq", PDQ[0])], added_by="t")
    banks_at = lambda k: {m.bank for m in service.match([pdq(flip(PDQ[0], k))])[0].matches}  # noqa: E731
    assert banks_at(8) == {"strict", "loose"}
    assert banks_at(9) == {"loose"}
    assert banks_at(40) == {"loose"}
    assert banks_at(41) == set()
    service.set_enabled("loose", False)
    assert banks_at(20) == set()
    assert banks_at(3) == {"strict"}
    service.configure_bank("strict", match_distance=31)
    assert banks_at(20) == {"strict"}


def test_allow_bank_suppresses_block_matches(service: BankService) -> None:
    service.create_bank("block", created_by="t")
    service.create_bank(
        "known-good", kind="allow", provenance="internal_moderation", created_by="t"
    )
    service.add_hashes("block", [HashEntry("pdq", PDQ[0]), HashEntry("pdq", PDQ[2])], added_by="t")
    service.add_hashes("known-good", [HashEntry("pdq", PDQ[1])], added_by="t")
    near_both, only_block = service.match([pdq(PDQ[1]), pdq(PDQ[2])])
    assert not near_both.matched
    assert [m.bank for m in near_both.allowed_by] == ["known-good"]
    assert [m.bank for m in near_both.suppressed] == ["block"]
    assert only_block.matched and not only_block.suppressed
    service.set_enabled("known-good", False)
    assert service.match([pdq(PDQ[1])])[0].matched


def test_withdraw_leaves_minimal_tombstone(service: BankService, db: Database) -> None:
    service.create_bank("stopncii", provenance="stopncii", created_by="t")
    service.add_hashes(
        "stopncii",
        [HashEntry("pdq", PDQ[0], external_id="x", case_numbers=("C1",), quality=90)],
        added_by="survivor-portal",
    )
    assert service.match([pdq(PDQ[0])])[0].matched
    record = service.withdraw("stopncii", "pdq", PDQ[0], reason="survivor withdrew")
    assert service.match([pdq(PDQ[0])])[0].matches == ()
    assert record.status == "withdrawn" and record.status_changed_at is not None
    with db.connect() as conn:
        row = conn.execute(select(bank_hashes)).mappings().one()
    assert row["value"] is None and row["external_id"] is None and row["case_numbers"] is None
    assert row["added_by"] is None and row["quality"] is None
    assert PDQ[0] not in json.dumps({k: str(v) for k, v in row.items()})
    # A stale file re-importing it does not resurrect it ...
    report = service.import_text("stopncii", f"pdq {PDQ[0]}\n", "threatexchange", added_by="t")
    assert report.skipped_tombstoned == 1 and report.errors[0].line == 1
    assert not service.match([pdq(PDQ[0])])[0].matched
    # ... an explicit re-add does.
    service.add_hashes("stopncii", [HashEntry("pdq", PDQ[0])], added_by="t", revive_withdrawn=True)
    assert service.match([pdq(PDQ[0])])[0].matched
    with pytest.raises(HashNotFound):
        service.withdraw("stopncii", "pdq", PDQ[3])
    with pytest.raises(BankError) as info:
        service.withdraw("stopncii", "pdq", "zz")
    assert info.value.field == "value"


def test_stopncii_import_purges_withdrawn_and_deleted(service: BankService) -> None:
    service.create_bank("stopncii", provenance="stopncii", created_by="t")

    def record(value: str, status: str, kind: str = "ImagePDQ") -> dict:
        return {
            "signalType": kind,
            "hashValue": value,
            "hashStatus": status,
            "caseNumbers": {"K1": status},
            "lastModtimestamp": 1,
        }

    first = json.dumps(
        {
            "count": 3,
            "hashRecords": [
                record(PDQ[0], "Active"),
                record(PDQ[2], "Received"),
                record(MD5[0], "Active", "VideoMD5"),
            ],
        }
    )
    report = service.import_text("stopncii", first, "stopncii", added_by="sync")
    assert report.added == 3 and not report.errors
    assert service.match([pdq(PDQ[0]), MatchQuery("md5", MD5[0])])[1].matched
    second = json.dumps(
        {
            "count": 3,
            "hashRecords": [
                record(PDQ[0], "Withdrawn"),
                record(MD5[0], "Deleted", "VideoMD5"),
                record("bad", "Active"),
            ],
        },
        indent=1,
    )
    report = service.import_text("stopncii", second, "auto", added_by="sync")
    assert report.purged == 2 and len(report.errors) == 1 and report.errors[0].line
    results = service.match([pdq(PDQ[0]), MatchQuery("md5", MD5[0]), pdq(PDQ[2])])
    assert [r.matched for r in results] == [False, False, True]
    counts = service.stats("stopncii")["banks"][0]["hashes"]
    assert counts == {"pdq": {"withdrawn": 1, "active": 1}, "md5": {"deleted": 1}}


def test_flood_guard_quarantines_and_release(service: BankService, clock: FakeClock) -> None:
    service.create_bank("meme-prone", flood_max_matches=3, flood_window_seconds=60, created_by="t")
    service.add_hashes("meme-prone", [HashEntry("pdq", PDQ[0])], added_by="t")
    for _ in range(3):
        assert service.match([pdq(PDQ[0])])[0].matched
        clock.advance(5)
    clock.advance(60)  # a new window: the count starts again
    for _ in range(3):
        assert service.match([pdq(PDQ[0])])[0].matched
    tripped = service.match([pdq(PDQ[0])])[0]
    assert not tripped.matched and [m.bank for m in tripped.quarantined] == ["meme-prone"]
    assert not service.match([pdq(PDQ[0])])[0].matched
    held = service.list_hashes("meme-prone", status="quarantined")
    assert len(held) == 1 and "flood guard: 4 matches" in (held[0].status_reason or "")
    assert held[0].match_count == 7
    service.release(held[0].id)
    assert service.match([pdq(PDQ[0])])[0].matched
    with pytest.raises(HashNotFound):
        service.release(held[0].id)


def test_flood_guard_counts_a_batch(service: BankService) -> None:
    service.create_bank("b", flood_max_matches=2, flood_window_seconds=3600, created_by="t")
    service.add_hashes("b", [HashEntry("pdq", PDQ[0])], added_by="t")
    results = service.match([pdq(PDQ[0])] * 3)
    assert all(r.quarantined and not r.matched for r in results)


def test_export_round_trip(service: BankService) -> None:
    service.create_bank("a", created_by="t")
    service.create_bank("b", created_by="t")
    service.add_hashes(
        "a",
        [
            HashEntry("pdq", PDQ[0], external_id="e1", case_numbers=("C",)),
            HashEntry("md5", MD5[1]),
            HashEntry("pdq", PDQ[2]),
        ],
        added_by="t",
    )
    service.withdraw("a", "pdq", PDQ[2])
    for fmt in ("threatexchange", "stopncii", "csv"):
        text = service.export_text("a", fmt)
        assert PDQ[2] not in text
        name = f"b-{fmt}"
        service.create_bank(name, created_by="t")
        report = service.import_text(name, text, fmt, added_by="t")
        assert report.added == 2 and not report.errors, fmt
    with pytest.raises(BankError):
        service.export_text("a", "xml")


def test_second_process_sees_changes_through_sync(db: Database, clock: FakeClock) -> None:
    writer = BankService(db, clock=clock)
    reader = BankService(db, clock=clock, sync_interval=0.0)
    writer.create_bank("b", created_by="t")
    assert not reader.match([pdq(PDQ[0])])[0].matched  # builds reader's index
    writer.add_hashes("b", [HashEntry("pdq", PDQ[0])], added_by="t")
    assert reader.match([pdq(PDQ[0])])[0].matched
    writer.withdraw("b", "pdq", PDQ[0])
    assert not reader.match([pdq(PDQ[0])])[0].matched
    writer.set_enabled("b", False)
    writer.add_hashes("b", [HashEntry("pdq", PDQ[1])], added_by="t")
    assert not reader.match([pdq(PDQ[1])])[0].matched


def test_dihedral_variants_match_rotated_uploads(service: BankService) -> None:
    skimage_data = pytest.importorskip("skimage.data")
    from perisai.analysers.image.hashes import hash_pixels

    photo = skimage_data.astronaut()
    banked = hash_pixels(photo)
    service.create_bank("b", created_by="t")
    service.add_hashes("b", [HashEntry("pdq", banked.pdq, quality=banked.quality)], added_by="t")
    rotated = hash_pixels(np.ascontiguousarray(np.rot90(photo)))
    plain = service.match([pdq(rotated.pdq, quality=rotated.quality)])[0]
    assert not plain.matched
    with_variants = service.match(
        [pdq(rotated.pdq, quality=rotated.quality, variants=rotated.dihedral[1:])]
    )[0]
    assert with_variants.matched and with_variants.matches[0].variant != 0
    assert with_variants.matches[0].distance <= 31

    # A bank that opts out of dihedral matching only matches the query as given.
    assert service.configure_bank("b", match_dihedral=False).match_dihedral is False
    query = pdq(rotated.pdq, quality=rotated.quality, variants=rotated.dihedral[1:])
    assert not service.match([query])[0].matched
    upright = service.match([pdq(banked.pdq, quality=banked.quality)])[0]
    assert upright.matched and upright.matches[0].variant == 0
    service.create_bank("plain-only", match_dihedral=False, created_by="t")
    assert service.get_bank("plain-only").match_dihedral is False
    assert service.get_bank("b").match_dihedral is False
    assert service.configure_bank("b", match_dihedral=True).match_dihedral is True
    assert service.match([query])[0].matched
    with pytest.raises(BankError) as info:
        service.configure_bank("b", match_dihedral="no")  # type: ignore[arg-type]
    assert info.value.field == "match_dihedral"


def test_stats_and_reload(service: BankService) -> None:
    service.create_bank("b", created_by="t")
    service.add_hashes("b", [HashEntry("pdq", v) for v in PDQ], added_by="t")
    service.match([pdq(PDQ[0])])
    stats = service.stats()
    assert stats["banks"][0]["hashes"] == {"pdq": {"active": 4}}
    assert stats["banks"][0]["matches"] == 2  # PDQ[0] and PDQ[1] are 2 bits apart
    assert stats["indexes"]["pdq"]["live"] == 4
    service.reload()
    assert service.stats()["indexes"]["pdq"]["live"] == 4


def test_bad_queries_name_the_field(service: BankService) -> None:
    service.create_bank("b", created_by="t")
    with pytest.raises(BankError) as info:
        service.match([pdq(PDQ[0]), pdq(PDQ[1], variants=(PDQ[2], "bad"))])
    assert info.value.field == "queries[1].variants[1]"
    with pytest.raises(BankError) as info:
        service.match([MatchQuery("tmk", "x")])
    assert info.value.field == "queries[0].signal_type"
