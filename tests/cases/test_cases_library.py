"""The case service as a library: validation, fast track, takedown of
copies, re-upload blocking, appeals, clocks, child safety and retention."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from cases_support import FakeClock, ncii_report

from perisai.banks import MatchQuery
from perisai.cases import CaseConflict, CaseInputError, CaseService, ReportInput, WrongPin
from perisai.cases.service import CASE_NUMBER, check_pin, hash_pin, parse_item_id, validate_report
from perisai.cases.statements import validate_statement


def report(**kw: object) -> ReportInput:
    body = ncii_report("itm_0123456789abcdef")
    body.update(kw)
    return ReportInput(**body)  # type: ignore[arg-type]


def fields(r: ReportInput) -> set[str]:
    return {e["field"] for e in validate_report(r)}


def test_valid_ncii_report_has_no_problems() -> None:
    assert validate_report(report()) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"signature": None}, "body.signature"),
        ({"good_faith": False}, "body.good_faith"),
        ({"content_urls": []}, "body.content_urls"),
        ({"explanation": "  "}, "body.explanation"),
        ({"email": None}, "body.email"),
        ({"email": "not-an-email"}, "body.email"),
        ({"name": ""}, "body.name"),
        ({"reason": "spam"}, "body.reason"),
        ({"reporter_role": "lawyer"}, "body.reporter_role"),
        ({"language": "fr"}, "body.language"),
        ({"explanation": "bad\x00byte"}, "body.explanation"),
    ],
)
def test_missing_piece_is_named(change: dict[str, object], field: str) -> None:
    assert field in fields(report(**change))


def test_csam_report_may_be_anonymous_and_unsigned() -> None:
    r = report(
        reason="child_sexual_abuse",
        reporter_role="third_party",
        name=None,
        email=None,
        signature=None,
    )
    assert validate_report(r) == []


def test_third_party_ncii_needs_no_signature_but_needs_contact() -> None:
    r = report(reporter_role="third_party", signature=None)
    assert validate_report(r) == []
    assert "body.email" in fields(report(reporter_role="third_party", signature=None, email=None))


def test_pin_hash_is_salted_and_checked() -> None:
    a, b = hash_pin("12345678", 2**10), hash_pin("12345678", 2**10)
    assert a != b and a.startswith("scrypt$")
    assert check_pin("12345678", a) and not check_pin("12345679", a)
    assert not check_pin("12345678", "garbage")


def test_item_ids_are_found_in_links() -> None:
    assert (
        parse_item_id("http://127.0.0.1:8000/demo/items/itm_0123456789abcdef")
        == "itm_0123456789abcdef"
    )
    assert parse_item_id("itm_0123456789abcdef?x=1") == "itm_0123456789abcdef"
    assert parse_item_id("https://example.com/photo/1") is None


def test_report_is_acknowledged_and_fast_tracked(
    service: CaseService, images: dict[str, bytes]
) -> None:
    item = service.platform.upload(images["astronaut"], "uploader-1")  # type: ignore[attr-defined]
    receipt = service.create_report(ReportInput(**ncii_report(item.item_id)))  # type: ignore[arg-type]
    assert CASE_NUMBER.fullmatch(receipt["case_number"])
    assert len(receipt["pin"]) == 8 and receipt["pin"].isdigit()
    assert receipt["fast_tracked"] is True
    assert service.platform.get_item(item.item_id).state == "hidden"
    view = service.view(receipt["case_number"])
    assert view["clocks"]["acknowledge"]["met_at"] is not None
    assert view["report_to_inaccessible_seconds"] == 0.0
    assert any(
        s["name"] == "Talian Kasih (Ministry of Women, Family and Community Development, KPWKM)"
        for s in receipt["support"]
    )
    kinds = [e.kind for e in service.ledger.entries(subject_id=receipt["case_number"])]  # type: ignore[union-attr]
    assert "case.received" in kinds and "case.hidden" in kinds


def test_benign_third_party_report_is_not_hidden(
    service: CaseService, images: dict[str, bytes]
) -> None:
    from perisai.cases import image_scores

    service.image_scorer = image_scores
    item = service.platform.upload(images["coffee"], "uploader-1")  # type: ignore[attr-defined]
    receipt = service.create_report(
        ReportInput(**ncii_report(item.item_id, reporter_role="third_party", signature=None))
    )  # type: ignore[arg-type]
    assert receipt["fast_tracked"] is False
    assert service.platform.get_item(item.item_id).state == "visible"


def test_takedown_removes_copies_and_blocks_reuploads(
    service: CaseService, images: dict[str, bytes]
) -> None:
    platform = service.platform
    original = platform.upload(images["astronaut"], "u1")  # type: ignore[attr-defined]
    same_file = platform.upload(images["astronaut"], "u2")  # type: ignore[attr-defined]
    reencoded = platform.upload(images["astronaut_q60"], "u3")  # type: ignore[attr-defined]
    resized = platform.upload(images["astronaut_half"], "u4")  # type: ignore[attr-defined]
    unrelated = [platform.upload(images[k], "u5") for k in ("coffee", "chelsea", "rocket")]  # type: ignore[attr-defined]
    receipt = service.create_report(ReportInput(**ncii_report(original.item_id)))  # type: ignore[arg-type]
    view = service.act(receipt["case_number"], "remove", "mod-a", reason="NCII confirmed")
    removed = {i["item_id"] for i in view["items"] if i["state"] == "deleted"}
    assert removed == {original.item_id, same_file.item_id, reencoded.item_id, resized.item_id}
    assert all(platform.get_item(u.item_id).state == "visible" for u in unrelated)
    # every uploader got a valid statement of reasons
    sors = [n["statement_of_reasons"] for n in view["notices"] if n["recipient"] == "uploader"]
    assert len(sors) == 4 and all(validate_statement(s) == [] for s in sors)
    assert {s["source_type"] for s in sors} == {"SOURCE_ARTICLE_16", "SOURCE_VOLUNTARY"}
    assert platform.notifications("u3")[0]["kind"] == "statement_of_reasons"  # type: ignore[attr-defined]
    reporter = [n for n in view["notices"] if n["recipient"] == "reporter"]
    assert reporter and "PRS-" in reporter[0]["text"]
    # re-upload of a near copy now matches the takedown bank
    from perisai.analysers.image.hashes import hash_image

    h = hash_image(images["astronaut_q60"])
    result = service.banks.match([MatchQuery("pdq", h.pdq, quality=h.quality)])[0]
    assert result.matched and result.matches[0].bank == "takedowns"


def test_appeal_needs_a_different_moderator_and_reverses(
    service: CaseService, images: dict[str, bytes]
) -> None:
    platform = service.platform
    a = platform.upload(images["chelsea"], "u1")  # type: ignore[attr-defined]
    b = platform.upload(images["chelsea"], "u2")  # type: ignore[attr-defined]
    receipt = service.create_report(ReportInput(**ncii_report(a.item_id)))  # type: ignore[arg-type]
    case = receipt["case_number"]
    service.act(case, "remove", "mod-a")
    with pytest.raises(CaseConflict):
        service.act(case, "remove", "mod-a")
    service.appeal_as_uploader(b.item_id, "u2", "This is a photo of my cat, not of anyone.")
    with pytest.raises(CaseConflict, match="different moderator"):
        service.decide_appeal(case, "overturned", "", "mod-a")
    out = service.decide_appeal(case, "overturned", "cat photo", "mod-b")
    assert out["restored"] == 2 and out["hashes_withdrawn"] == 2
    assert platform.get_item(a.item_id).state == platform.get_item(b.item_id).state == "visible"
    from perisai.analysers.image.hashes import hash_image

    h = hash_image(images["chelsea"])
    assert not service.banks.match([MatchQuery("md5", h.md5)])[0].matched
    assert [n["kind"] for n in platform.notifications("u2")][-1] == "restored"  # type: ignore[attr-defined]
    assert service.status(case, receipt["pin"])["outcome"] == "restored"


def test_wrong_pin_is_refused_and_locks(service: CaseService, clock: FakeClock) -> None:
    receipt = service.create_report(report())
    for _ in range(10):
        with pytest.raises(WrongPin):
            service.status(receipt["case_number"], "00000000")
    with pytest.raises(WrongPin, match="too many"):
        service.status(receipt["case_number"], receipt["pin"])
    clock.advance(minutes=16)
    assert service.status(receipt["case_number"], receipt["pin"])["status"] == "received"


def test_withdraw_purges_survivor_hashes(service: CaseService, images: dict[str, bytes]) -> None:
    from perisai.analysers.image.hashes import hash_image

    h = hash_image(images["rocket"])
    out = service.submit_survivor_hashes(
        [
            {"signal_type": "pdq", "value": h.pdq, "quality": h.quality},
            {"signal_type": "md5", "value": h.md5},
        ],
        country="GB",
    )
    assert out["hashes_added"] == 2 and out["pin"]
    assert service.banks.match([MatchQuery("md5", h.md5)])[0].matched
    gone = service.withdraw(out["case_number"], out["pin"])
    assert gone == {"case_number": out["case_number"], "status": "withdrawn", "hashes_purged": 2}
    assert not service.banks.match([MatchQuery("md5", h.md5)])[0].matched
    assert not service.banks.match([MatchQuery("pdq", h.pdq, quality=h.quality)])[0].matched


def test_survivor_hashes_hide_existing_copies(
    service: CaseService, images: dict[str, bytes]
) -> None:
    from perisai.analysers.image.hashes import hash_image

    item = service.platform.upload(images["astronaut_half"], "u9")  # type: ignore[attr-defined]
    h = hash_image(images["astronaut"])
    out = service.submit_survivor_hashes(
        [{"signal_type": "pdq", "value": h.pdq, "quality": h.quality}]
    )
    assert out["matches_found"] == 1
    assert service.platform.get_item(item.item_id).state == "hidden"


def test_bad_hashes_are_refused_with_the_field(service: CaseService) -> None:
    with pytest.raises(CaseInputError) as err:
        service.submit_survivor_hashes(
            [
                {"signal_type": "pdq", "value": "zz"},
                {"signal_type": "sha1", "value": "00"},
                {"signal_type": "pdq", "value": "f" * 64, "quality": 10},
            ]
        )
    assert {e["field"] for e in err.value.errors} == {
        "body.hashes[0].value",
        "body.hashes[1].signal_type",
        "body.hashes[2].quality",
    }


def test_clocks_warn_then_breach_once(service: CaseService, clock: FakeClock) -> None:
    receipt = service.create_report(report(country="GB"))  # GB: acknowledge 1h, ncii_removal 48h
    case = receipt["case_number"]
    assert set(receipt["deadlines"]) == {"acknowledge", "ncii_removal"}
    clock.advance(hours=37)  # 11 h of 48 left: < 25 %
    row = service.list_queue("open")[0]
    assert row["due_soon"] is True and row["breached"] is False
    clock.advance(hours=12)
    breaches = service.check_clocks()
    assert [(b.case_number, b.clock) for b in breaches] == [(case, "ncii_removal")]
    assert service.check_clocks() == []  # recorded once
    assert [c["case_number"] for c in service.list_queue("breached")] == [case]
    assert any(e.kind == "case.clock_breach" for e in service.ledger.entries(subject_id=case))  # type: ignore[union-attr]


def test_unknown_country_gets_strict_defaults(service: CaseService) -> None:
    receipt = service.create_report(report(country="BR"))
    assert set(receipt["deadlines"]) == {"acknowledge", "status", "ncii_removal"}


def test_decision_meets_the_clock(
    service: CaseService, clock: FakeClock, images: dict[str, bytes]
) -> None:
    item = service.platform.upload(images["coffee"], "u1")  # type: ignore[attr-defined]
    case = service.create_report(ReportInput(**ncii_report(item.item_id, country="GB")))[
        "case_number"
    ]  # type: ignore[arg-type]
    clock.advance(hours=2)
    service.act(case, "remove", "mod-a")
    clock.advance(hours=60)
    assert service.check_clocks() == []


def test_queue_orders_by_severity_then_deadline(service: CaseService, clock: FakeClock) -> None:
    other = service.create_report(
        report(reason="other", reporter_role="third_party", signature=None, country="MY")
    )
    clock.advance(minutes=5)
    ncii_gb = service.create_report(report(country="GB"))  # due in 48 h
    clock.advance(minutes=5)
    ncii_my = service.create_report(report(country="MY"))  # status due in 12 h
    order = [c["case_number"] for c in service.list_queue("open")]
    assert order == [ncii_my["case_number"], ncii_gb["case_number"], other["case_number"]]


def test_child_safety_case_preserves_and_logs_access(
    service: CaseService, clock: FakeClock, images: dict[str, bytes]
) -> None:
    # benign stand-in image: the flow is under test, not the content
    item = service.platform.upload(images["rocket"], "acct-77")  # type: ignore[attr-defined]
    receipt = service.create_report(
        ReportInput(
            **ncii_report(
                item.item_id,
                reason="child_sexual_abuse",
                reporter_role="third_party",
                name=None,
                email=None,
                signature=None,
                country="US",
            )
        )
    )  # type: ignore[arg-type]
    case = receipt["case_number"]
    assert service.platform.get_item(item.item_id).state == "hidden"
    assert [c["case_number"] for c in service.list_queue("child_safety")] == [case]
    assert service.list_queue("open") == []
    package = service.cybertip_package(case, "mod-a")
    assert package["reporting_company"]["name"]
    assert package["incident"]["time_zone"] == "UTC" and package["incident"]["date_time"]
    assert package["reported_users"][0]["account"] == "acct-77"
    f = package["files"][0]
    assert f["hashes"]["sha256"] == item.sha256 and f["preserved"]["delete_after"]
    dumped = json.dumps(package)
    assert base64.b64encode(images["rocket"][100:160]).decode() not in dumped
    assert len(dumped) < 5000  # hashes and pointers, not the image
    assert package["reporter"]["anonymous"] is True
    data, origin = service.media(case, item.item_id, "mod-a")
    assert data == images["rocket"] and origin == "preserved"
    access = [
        e.payload for e in service.ledger.entries(kind="case.evidence_access", subject_id=case)
    ]  # type: ignore[union-attr]
    assert [a["what"] for a in access] == ["cybertip_package", "media"]
    # uploader is not told while a referral may be under way
    service.act(case, "remove", "mod-a")
    assert service.platform.notifications("acct-77") == []  # type: ignore[attr-defined]
    # retention: purged after 365 days, not before
    clock.advance(days=364)
    assert service.purge_evidence() == 0
    clock.advance(days=2)
    assert service.purge_evidence() == 1
    package = service.cybertip_package(case, "mod-a")
    assert package["files"][0]["preserved"]["purged_at"] is not None
    with pytest.raises(Exception, match="retention"):
        service.media(case, item.item_id, "mod-a")


def test_gate_escalation_opens_a_child_safety_case(service: CaseService) -> None:
    assert service.ledger is not None
    service.ledger.append(
        "escalation.child_safety",
        {
            "decision_id": "dec_abc",
            "categories": ["minor_sexualisation"],
            "account": "acct-1",
            "jurisdiction": "MY",
        },
        "dec_abc",
    )
    queue = service.list_queue("child_safety")
    assert len(queue) == 1 and queue[0]["reason"] == "child_sexual_abuse"
    assert service.open_from_gate("dec_abc") == queue[0]["case_number"]  # idempotent


def test_report_withdrawn_case_refuses_actions(service: CaseService) -> None:
    receipt = service.create_report(report())
    service.withdraw(receipt["case_number"], receipt["pin"])
    with pytest.raises(CaseConflict):
        service.act(receipt["case_number"], "remove", "mod-a")


def test_deadline_math_uses_the_policy(service: CaseService) -> None:
    receipt = service.create_report(report(country="MY"))
    view = service.view(receipt["case_number"])
    created = view["created_at"]
    from datetime import datetime

    due = datetime.fromisoformat(view["clocks"]["status"]["due_at"])
    assert due - datetime.fromisoformat(created) == timedelta(hours=12)


def test_statement_for_an_eu_reporter_and_validator_catches_errors(
    service: CaseService, images: dict[str, bytes]
) -> None:
    item = service.platform.upload(images["coffee"], "u-eu")  # type: ignore[attr-defined]
    receipt = service.create_report(
        ReportInput(**ncii_report(item.item_id, reason="sexual_deepfake_of_me", country="DE"))  # type: ignore[arg-type]
    )
    view = service.act(receipt["case_number"], "remove", "mod-a")
    sor = next(n["statement_of_reasons"] for n in view["notices"] if n["recipient"] == "uploader")
    assert validate_statement(sor) == []
    assert sor["territorial_scope"] == ["DE"]
    assert sor["content_type"] == ["CONTENT_TYPE_IMAGE", "CONTENT_TYPE_SYNTHETIC_MEDIA"]
    assert sor["category"] == "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN"
    assert "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE" in sor["category_specification"]
    assert sor["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert sor["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    broken = {
        **sor,
        "puid": "has space",
        "category": "STATEMENT_CATEGORY_NOPE",
        "content_date": "02/03/2026",
        "decision_facts": "x" * 5001,
    }
    del broken["illegal_content_legal_ground"]
    problems = " ".join(validate_statement(broken))
    for name in (
        "puid",
        "category",
        "content_date",
        "decision_facts",
        "illegal_content_legal_ground",
    ):
        assert name in problems
    text = service.platform.notifications("u-eu")[0]["text"]  # type: ignore[attr-defined]
    assert "appeal" in text and "A person made this decision." in text
