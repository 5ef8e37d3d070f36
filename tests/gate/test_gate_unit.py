"""The gate with a real policy engine, the real image pipeline on skimage
pictures, a real ledger and evidence store (SQLite), and the text analyser
(the trained one when present, else the mapped test double in conftest)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from gate_support import (
    BACKGROUND,
    GROK,
    HAIR,
    LIGHTHOUSE,
    MINOR_NUDE,
    SMILE,
    UNDRESS,
    FixedImageSignal,
    MappedTextAnalyser,
    cached_image_analysis,
    jpeg,
    make_gate,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import select

from perisai.analysers.image.analyser import (
    ImageReport,
    analyse_image_bytes,
    shared_image_analysers,
)
from perisai.analysers.image.hashes import ImageHashes
from perisai.decisions import Decision
from perisai.gate import Blocked, Gate, GateInputError, GuardedPipeline
from perisai.gate.tables import gate_evidence
from perisai.runtime import Runtime
from perisai.signals.base import Signal


def nude_output_analysis(data: bytes, role: str, source: str) -> ImageReport:
    """The real pipeline plus a test analyser that reports nudity on OUTPUT
    images only (no nude image is ever made or stored for these tests)."""
    if role != "output":
        return cached_image_analysis(data, role, source)
    analysers = [*shared_image_analysers(), FixedImageSignal("image.nudity", 0.92, "output")]
    return analyse_image_bytes(data, "output", source, analysers=analysers)


def _rules(decision: Decision) -> set[str]:
    return {r.rule_id for r in decision.reasons}


# -- the Grok pattern and its neighbours --------------------------------------------


@pytest.mark.parametrize("photo", ["astronaut", "camera"])
@pytest.mark.parametrize("prompt", [GROK, UNDRESS])
def test_undress_edit_of_person_photo_is_blocked(
    gate_runtime: Runtime, photo: str, prompt: str
) -> None:
    gate = make_gate(gate_runtime)
    result = gate.check_request(prompt, "edit", [jpeg(photo)], account="u1", jurisdiction="my")
    d = result.decision
    assert d.action == "block"
    assert "sexualised_real_person" in d.categories
    assert _rules(d) & {"undress-edit-of-person-photo", "named-person-sexual"}
    assert d.jurisdiction == "MY" and d.account == "u1"
    assert d.user_message and d.evidence_retention_days == 365
    # recorded in the ledger under the decision id, without the prompt text
    entries = list(gate_runtime.ledger.entries(kind="decision", subject_id=d.decision_id))
    assert len(entries) == 1 and result.ledger_seq == entries[0].seq
    assert prompt not in str(entries[0].payload)
    assert result.images[0]["source"] == "images[0]" and "dihedral" not in result.images[0]


def test_astronaut_photo_is_seen_as_a_real_person() -> None:
    report = cached_image_analysis(jpeg("astronaut"), "input", "images[0]")
    assert report.score("image.real_person_photo") >= 0.5
    assert report.score("image.face") >= 0.5


@pytest.mark.parametrize("photo", ["astronaut", "camera", "coffee"])
@pytest.mark.parametrize("prompt", [HAIR, SMILE, BACKGROUND])
def test_benign_edits_are_allowed(gate_runtime: Runtime, photo: str, prompt: str) -> None:
    d = make_gate(gate_runtime).check_request(prompt, "edit", [jpeg(photo)]).decision
    assert d.action == "allow", d.reasons
    assert gate_runtime.evidence.get(d.decision_id) is None


def test_text_only_benign_generate_is_allowed() -> None:
    d = make_gate(image_analysis=None).check_request(LIGHTHOUSE).decision
    assert d.action == "allow" and d.kind == "generate"


def test_minor_and_sexual_is_blocked_and_escalated(gate_runtime: Runtime) -> None:
    escalated: list[Decision] = []
    gate = make_gate(gate_runtime, on_escalation=escalated.append)
    result = gate.check_request(MINOR_NUDE, "edit", [jpeg("coffee")], jurisdiction="US")
    d = result.decision
    assert d.action == "block"
    assert "minor_sexualisation" in d.categories
    assert d.escalations == ["child_safety"]
    assert escalated == [d]
    escalations = list(
        gate_runtime.ledger.entries(kind="escalation.child_safety", subject_id=d.decision_id)
    )
    assert len(escalations) == 1
    assert escalations[0].payload["decision_id"] == d.decision_id
    assert "minor_sexualisation" in escalations[0].payload["categories"]
    assert gate_runtime.evidence.get(d.decision_id) is not None


def test_minor_without_sexual_content_is_not_escalated(gate_runtime: Runtime) -> None:
    table = {"draw my 8 year old son as an astronaut": {"minor": 0.95, "real_person": 0.8}}
    gate = make_gate(gate_runtime, text=MappedTextAnalyser(table))
    d = gate.check_request("draw my 8 year old son as an astronaut").decision
    assert d.action == "allow" and d.escalations == []


# -- bank match on upload -------------------------------------------------------------


def _pdq_bank(*images: bytes, distance: int = 31) -> Any:
    """A real PDQ matcher over a small set of banked images."""
    banked = [cached_image_analysis(b, "upload", "bank").hashes.pdq for b in images]

    def match(hashes: ImageHashes) -> list[Signal]:
        found = []
        for value in banked:
            d = bin(int(value, 16) ^ int(hashes.pdq, 16)).count("1")
            if d <= distance:
                found.append(Signal("bank.match", 1.0, "test-bank", f"PDQ distance {d}"))
        return found

    return match


def _reencoded(name: str, quality: int, scale: float) -> bytes:
    opened = Image.open(io.BytesIO(jpeg(name)))
    image = opened.resize((int(opened.width * scale), int(opened.height * scale)))
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def test_bank_match_on_upload_blocks(gate_runtime: Runtime) -> None:
    gate = make_gate(gate_runtime, bank_matcher=_pdq_bank(jpeg("astronaut")))
    copy = _reencoded("astronaut", quality=60, scale=0.75)
    d = gate.check_upload(copy, account="uploader").decision
    assert d.action == "block" and d.categories == ["hash_match"]
    assert d.reasons[0].signals[0].source == "upload"
    assert gate_runtime.evidence.get(d.decision_id) is not None
    other = gate.check_upload(jpeg("coffee")).decision
    assert other.action == "allow"


def test_bank_match_on_edit_input_blocks_even_a_benign_prompt(gate_runtime: Runtime) -> None:
    gate = make_gate(gate_runtime, bank_matcher=_pdq_bank(jpeg("astronaut")))
    d = gate.check_request(HAIR, "edit", [jpeg("coffee"), jpeg("astronaut")]).decision
    assert d.action == "block" and "hash_match" in d.categories
    assert {s.source for r in d.reasons for s in r.signals} >= {"images[1]"}


# -- output check carries the request check (prompt dilution) ----------------------------


def test_output_check_carries_the_pre_check(gate_runtime: Runtime) -> None:
    gate = make_gate(gate_runtime, image_analysis=nude_output_analysis)
    pre = gate.check_request(SMILE, "edit", [jpeg("astronaut")], account="u2", jurisdiction="GB")
    assert pre.action == "allow"
    # in-process: the Decision object
    out = gate.check_output(jpeg("astronaut"), pre.decision)
    assert out.action == "block"
    assert "output-nudity-from-person-edit" in _rules(out.decision)
    assert out.decision.categories[0] == "sexualised_real_person"
    assert out.decision.account == "u2" and out.decision.jurisdiction == "GB"
    # over the wire: the decision id, looked up in the ledger
    by_id = gate.check_output(jpeg("astronaut"), pre.decision.decision_id)
    assert by_id.action == "block"
    assert "output-nudity-from-person-edit" in _rules(by_id.decision)


def test_output_without_pre_check_is_only_explicit(gate_runtime: Runtime) -> None:
    gate = make_gate(gate_runtime, image_analysis=nude_output_analysis)
    d = gate.check_output(jpeg("coffee")).decision
    assert d.action == "block" and d.categories == ["sexual_explicit"]
    pre = gate.check_request(LIGHTHOUSE)
    d2 = gate.check_output(jpeg("coffee"), pre.decision).decision
    assert "sexualised_real_person" not in d2.categories


def test_clean_output_of_a_person_edit_is_allowed(gate_runtime: Runtime) -> None:
    gate = make_gate(gate_runtime)
    pre = gate.check_request(HAIR, "edit", [jpeg("astronaut")])
    assert gate.check_output(jpeg("astronaut"), pre.decision).action == "allow"


# -- evidence ---------------------------------------------------------------------------


def test_evidence_is_encrypted_and_purged_after_retention(gate_runtime: Runtime) -> None:
    gate = make_gate(gate_runtime)
    d = gate.check_request(GROK, "edit", [jpeg("astronaut")], account="u3").decision
    record = gate_runtime.evidence.get(d.decision_id)
    assert record is not None
    assert record.request["prompt"] == GROK and record.account == "u3"
    assert record.image_hashes[0]["sha256"] == record.request["images"][0]
    with gate_runtime.db.connect() as conn:
        row = conn.execute(select(gate_evidence)).one()
    assert GROK.encode() not in row.request_ciphertext
    assert b"bikini" not in row.request_ciphertext
    assert "bikini" not in row.image_hashes
    assert record.delete_after - record.created_at == timedelta(days=365)
    assert gate_runtime.evidence.purge_expired(datetime.now(UTC) + timedelta(days=364)) == 0
    assert gate_runtime.evidence.get(d.decision_id) is not None
    assert gate_runtime.evidence.purge_expired(datetime.now(UTC) + timedelta(days=366)) == 1
    assert gate_runtime.evidence.get(d.decision_id) is None


# -- bad input --------------------------------------------------------------------------


def _truncated_jpeg() -> bytes:
    data = jpeg("astronaut")
    return data[: len(data) // 3]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"prompt": HAIR, "kind": "edit", "images": ["not bytes"]}, "images[0]"),
        ({"prompt": HAIR, "kind": "edit", "images": [b""]}, "images[0]"),
        ({"prompt": HAIR, "kind": "edit", "images": [b"\x89PNG\r\n\x1a\nrubbish"]}, "images[0]"),
        ({"prompt": HAIR, "kind": "edit", "images": [b"x" * 9] * 9}, "images"),
        ({"prompt": HAIR, "jurisdiction": "M1"}, "jurisdiction"),
        ({"prompt": HAIR, "jurisdiction": "MALAYSIA"}, "jurisdiction"),
        ({"prompt": HAIR, "jurisdiction": "ÄB"}, "jurisdiction"),
        ({"prompt": 123}, "prompt"),
        ({"prompt": None}, "prompt"),
        ({"prompt": b"bytes prompt"}, "prompt"),
        ({"prompt": "make her \ud800 smile"}, "prompt"),
        ({"prompt": "x" * 4001}, "prompt"),
        ({"prompt": HAIR, "kind": "inpaint"}, "kind"),
    ],
)
def test_bad_request_input_names_the_field(
    gate_runtime: Runtime, kwargs: dict[str, Any], field: str
) -> None:
    gate = make_gate(gate_runtime)
    head = gate_runtime.ledger.head()
    with pytest.raises(GateInputError) as info:
        gate.check_request(**kwargs)
    assert info.value.field == field
    assert str(info.value).startswith(field)
    assert gate_runtime.ledger.head() == head


def test_truncated_jpeg_names_the_image(gate_runtime: Runtime) -> None:
    gate = make_gate(gate_runtime, image_analysis=analyse_image_bytes)  # type: ignore[arg-type]
    with pytest.raises(GateInputError) as info:
        gate.check_request(HAIR, "edit", [jpeg("coffee"), _truncated_jpeg()])
    assert info.value.field == "images[1]"
    with pytest.raises(GateInputError) as first:
        gate.check_request(HAIR, "edit", [_truncated_jpeg()])
    assert first.value.field == "images[0]"
    assert gate_runtime.ledger.head() is None


def test_bad_output_and_upload_input(gate_runtime: Runtime) -> None:
    gate = make_gate(gate_runtime)
    with pytest.raises(GateInputError) as out:
        gate.check_output(b"")
    assert out.value.field == "output"
    with pytest.raises(GateInputError) as up:
        gate.check_upload(_truncated_jpeg())
    assert up.value.field == "upload"
    with pytest.raises(GateInputError) as pre:
        gate.check_output(jpeg("coffee"), "dec_does_not_exist")
    assert pre.value.field == "pre_check"
    with pytest.raises(GateInputError) as jur:
        gate.check_upload(jpeg("coffee"), jurisdiction="12")
    assert jur.value.field == "jurisdiction"


def test_gate_without_image_analysis_refuses_images() -> None:
    gate = make_gate(image_analysis=None)
    with pytest.raises(GateInputError) as info:
        gate.check_request(HAIR, "edit", [jpeg("coffee")])
    assert info.value.field == "images[0]"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(min_size=0, max_size=2048), prompt=st.text(max_size=200))
def test_fuzzed_images_and_prompts_fail_cleanly(data: bytes, prompt: str) -> None:
    gate = make_gate(image_analysis=analyse_image_bytes)  # type: ignore[arg-type]
    try:
        result = gate.check_request(prompt, "edit", [data])
    except GateInputError as exc:
        assert exc.field in ("prompt", "images[0]")
    else:
        assert result.action in ("allow", "review", "block")


# -- GuardedPipeline -----------------------------------------------------------------------


class FakePipeline:
    """Stands in for a diffusers pipeline: returns ``.images`` of PIL images."""

    def __init__(self, output: Image.Image, count: int = 1) -> None:
        self.output, self.count, self.calls = output, count, 0

    def __call__(self, *args: Any, prompt: str, **kwargs: Any) -> Any:
        self.calls += 1

        class Result:
            images = [self.output.copy() for _ in range(self.count)]

        return Result()


def _pil(name: str) -> Image.Image:
    return Image.open(io.BytesIO(jpeg(name))).convert("RGB")


def test_guarded_pipeline_blocks_request_before_the_pipeline_runs(gate_runtime: Runtime) -> None:
    pipe = FakePipeline(_pil("astronaut"))
    guarded = GuardedPipeline(pipe, make_gate(gate_runtime), account="svc")
    with pytest.raises(Blocked) as info:
        guarded(prompt=GROK, image=_pil("astronaut"))
    assert info.value.stage == "request"
    assert info.value.result.decision.categories[0] == "sexualised_real_person"
    assert pipe.calls == 0


def test_guarded_pipeline_passes_benign_and_blocks_nude_output(gate_runtime: Runtime) -> None:
    pipe = FakePipeline(_pil("astronaut"), count=2)
    clean = GuardedPipeline(pipe, make_gate(gate_runtime))
    result = clean(prompt=HAIR, image=_pil("astronaut"))
    assert len(result.images) == 2 and pipe.calls == 1
    assert [r.action for r in clean.last_results] == ["allow", "allow", "allow"]

    nude = GuardedPipeline(pipe, make_gate(gate_runtime, image_analysis=nude_output_analysis))
    with pytest.raises(Blocked) as info:
        nude(prompt=SMILE, image=[_pil("astronaut")])
    assert info.value.stage == "output" and pipe.calls == 2
    assert "output-nudity-from-person-edit" in _rules(info.value.result.decision)
    assert len(nude.last_results) == 3  # every output was checked before refusing


def test_guarded_pipeline_generate_and_review_policy(gate_runtime: Runtime) -> None:
    pipe = FakePipeline(_pil("coffee"))
    table = {"a woman in a bikini": {"undress_or_sexualise": 0.6}}
    gate = make_gate(gate_runtime, text=MappedTextAnalyser(table))
    # An undress request on a picture with no person: the policy asks for review.
    strict = GuardedPipeline(pipe, gate, block_on_review=True)
    with pytest.raises(Blocked):
        strict(prompt="a woman in a bikini", image=_pil("coffee"))
    assert strict.last_results[0].action == "review" and pipe.calls == 0
    lenient = GuardedPipeline(pipe, gate)
    lenient(prompt="a woman in a bikini", image=_pil("coffee"))
    assert pipe.calls == 1


# -- construction ----------------------------------------------------------------------


def test_gate_from_runtime_builds(gate_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """``Gate.from_runtime`` must work on the shipped Runtime (the CLI and the
    HTTP service build their gate this way). The text model is replaced by
    the test double so this checks only the wiring."""
    import perisai.analysers.text as text_pkg

    monkeypatch.setattr(text_pkg, "TextAnalyser", MappedTextAnalyser)
    gate = Gate.from_runtime(gate_runtime)
    assert gate.ledger is gate_runtime.ledger
    assert gate.check_request(GROK, "edit", [jpeg("astronaut")]).action == "block"
