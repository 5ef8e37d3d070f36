"""The gate: request -> analysers -> policy -> decision -> ledger and effects.

``Gate`` is built once per process (models and indexes load once) and is
thread-safe for concurrent checks. It knows nothing of HTTP: the API, the
batch CLI and the pipeline wrapper all call the three ``check_*`` methods.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from perisai.decisions import Decision, fingerprint
from perisai.policy import Context, PolicyEngine
from perisai.signals.base import Evidence, Signal, TextSubject
from perisai.signals.registry import AnalyserRegistry

if TYPE_CHECKING:
    from perisai.analysers.image.analyser import ImageReport
    from perisai.analysers.image.hashes import ImageHashes
    from perisai.gate.evidence import EvidenceStore
    from perisai.ledger import Ledger, LedgerWriter
    from perisai.runtime import Runtime

log = logging.getLogger("perisai.gate")

RequestKind = Literal["generate", "edit"]
MAX_PROMPT_CHARS = 4000
MAX_IMAGES = 8
PERSON_SIGNALS = ("image.real_person_photo", "image.face")

ImageAnalysis = Callable[[bytes, str, str], "ImageReport"]
BankMatcher = Callable[["ImageHashes"], list[Signal]]


class GateInputError(ValueError):
    """Bad input to the gate; ``field`` names what was wrong (``images[1]``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class GateResult:
    """A decision plus what the gate learnt on the way (image hashes)."""

    decision: Decision
    images: list[dict[str, Any]] = field(default_factory=list)
    ledger_seq: int | None = None

    @property
    def action(self) -> str:
        return self.decision.action

    @property
    def allowed(self) -> bool:
        return self.decision.action == "allow"

    def to_dict(self, *, include_signals: bool = True) -> dict[str, Any]:
        out = self.decision.to_dict(include_signals=include_signals)
        out["images"] = self.images
        if self.ledger_seq is not None:
            out["ledger_seq"] = self.ledger_seq
        return out


class Gate:
    def __init__(
        self,
        engine: PolicyEngine,
        text_analysers: AnalyserRegistry,
        image_analysis: ImageAnalysis | None = None,
        bank_matcher: BankMatcher | None = None,
        ledger: Ledger | None = None,
        evidence: EvidenceStore | None = None,
        on_escalation: Callable[[Decision], None] | None = None,
        ledger_writer: LedgerWriter | None = None,
    ) -> None:
        self.engine = engine
        self.text_analysers = text_analysers
        self.image_analysis = image_analysis
        self.bank_matcher = bank_matcher
        self.ledger = ledger
        self.evidence = evidence
        self.on_escalation = on_escalation
        # Writes go through the writer when there is one (batched commits under
        # concurrency); reads (pre-check lookups) always use the ledger itself.
        self._append = ledger_writer.append if ledger_writer is not None else None
        if self._append is None and ledger is not None:
            self._append = ledger.append

    @classmethod
    def from_runtime(cls, runtime: Runtime) -> Gate:
        """The gate with Perisai's bundled analysers, the runtime's banks,
        ledger and evidence store."""
        from perisai.analysers.image.analyser import analyse_image_bytes
        from perisai.analysers.text import TextAnalyser

        return cls(
            engine=runtime.engine,
            text_analysers=AnalyserRegistry([TextAnalyser()]),
            image_analysis=lambda data, role, source: analyse_image_bytes(data, role, source),  # type: ignore[arg-type]
            bank_matcher=runtime.bank_matcher,
            ledger=runtime.ledger,
            evidence=runtime.evidence,
            ledger_writer=runtime.ledger_writer,
        )

    # -- the three checks ---------------------------------------------------

    def check_request(
        self,
        prompt: str,
        kind: RequestKind = "generate",
        images: Sequence[bytes] = (),
        account: str | None = None,
        jurisdiction: str | None = None,
        language: str | None = None,
    ) -> GateResult:
        """Before generation: the prompt, and every input image of an edit."""
        started = time.perf_counter()
        prompt = _check_prompt(prompt)
        if kind not in ("generate", "edit"):
            raise GateInputError("kind", f"must be 'generate' or 'edit', not {kind!r}")
        if len(images) > MAX_IMAGES:
            raise GateInputError("images", f"at most {MAX_IMAGES} images per request")
        jurisdiction = _check_jurisdiction(jurisdiction)
        timings: dict[str, float] = {}
        signals = self.text_analysers.analyse([TextSubject(prompt, kind=kind)], timings)
        reports = [
            self._image(data, "input", f"images[{i}]", timings) for i, data in enumerate(images)
        ]
        for report in reports:
            signals.extend(report.signals)
            signals.extend(self._bank_signals(report, timings))
        context = Context(
            kind=kind,
            jurisdiction=jurisdiction,
            account=account,
            language=language or _language(signals),
        )
        request_view = {
            "prompt": prompt,
            "kind": kind,
            "images": [r.hashes.sha256 for r in reports],
            "account": account,
            "jurisdiction": jurisdiction,
        }
        return self._decide(signals, context, request_view, reports, timings, started)

    def check_output(
        self,
        image: bytes,
        pre_check: Decision | str | None = None,
        account: str | None = None,
        jurisdiction: str | None = None,
    ) -> GateResult:
        """After generation: the output image, judged together with the
        request it answers, so a harmless-looking prompt cannot carry a
        sexualised edit of a real person through (prompt dilution)."""
        started = time.perf_counter()
        jurisdiction = _check_jurisdiction(jurisdiction)
        timings: dict[str, float] = {}
        carried, pre = self._carried_signals(pre_check)
        report = self._image(image, "output", "output", timings)
        signals = [*carried, *report.signals, *self._bank_signals(report, timings)]
        context = Context(
            kind="output",
            jurisdiction=jurisdiction or (pre or {}).get("jurisdiction"),
            account=account or (pre or {}).get("account"),
            language=_language(carried),
        )
        request_view = {
            "output": report.hashes.sha256,
            "pre_check": (pre or {}).get("decision_id"),
            "account": context.account,
        }
        return self._decide(signals, context, request_view, [report], timings, started)

    def check_upload(
        self, image: bytes, account: str | None = None, jurisdiction: str | None = None
    ) -> GateResult:
        """A user upload: bank match for re-upload prevention, plus image signals."""
        started = time.perf_counter()
        jurisdiction = _check_jurisdiction(jurisdiction)
        timings: dict[str, float] = {}
        report = self._image(image, "upload", "upload", timings)
        signals = [*report.signals, *self._bank_signals(report, timings)]
        context = Context(kind="upload", jurisdiction=jurisdiction, account=account)
        request_view = {"upload": report.hashes.sha256, "account": account}
        return self._decide(signals, context, request_view, [report], timings, started)

    # -- internals ------------------------------------------------------------

    def _image(self, data: bytes, role: str, source: str, timings: dict[str, float]) -> ImageReport:
        if self.image_analysis is None:
            raise GateInputError(source, "this gate was built without image analysis")
        if not isinstance(data, bytes | bytearray) or not data:
            raise GateInputError(source, "must be non-empty image bytes")
        from perisai.analysers.image.decode import ImageError

        try:
            report = self.image_analysis(bytes(data), role, source)
        except ImageError as exc:
            raise GateInputError(source, str(exc)) from exc
        for stage, ms in report.timings_ms.items():
            if stage != "total":
                key = f"image.{stage}"
                timings[key] = timings.get(key, 0.0) + ms
        return report

    def _bank_signals(self, report: ImageReport, timings: dict[str, float]) -> list[Signal]:
        if self.bank_matcher is None:
            return []
        started = time.perf_counter()
        found = [
            Signal(
                s.name,
                s.score,
                s.analyser,
                s.explanation,
                source=report.source,
                evidence=s.evidence,
                attributes=s.attributes,
            )
            for s in self.bank_matcher(report.hashes)
        ]
        timings["banks"] = timings.get("banks", 0.0) + (time.perf_counter() - started) * 1000.0
        return found

    def _carried_signals(
        self, pre_check: Decision | str | None
    ) -> tuple[list[Signal], dict[str, Any] | None]:
        """Signals of the pre-generation check that still matter for its output."""
        if pre_check is None:
            return [], None
        if isinstance(pre_check, str):
            pre = self._load_decision(pre_check)
            signals = [
                Signal(
                    s["name"],
                    s["score"],
                    s["analyser"],
                    s["explanation"],
                    source=s["source"],
                    attributes=s.get("attributes", {}),
                )
                for s in pre.get("signals", [])
            ]
        else:
            pre = pre_check.to_dict(include_signals=False)
            signals = list(pre_check.signals)
        carried = [
            Signal(
                s.name,
                s.score,
                s.analyser,
                s.explanation,
                source=f"pre-check {s.source}",
                attributes=s.attributes,
            )
            for s in signals
            if s.name.startswith("text.")
        ]
        person = max(
            (s.score for s in signals if s.name in PERSON_SIGNALS or s.name == "text.real_person"),
            default=0.0,
        )
        if pre.get("kind") == "edit" and person > 0:
            carried.append(
                Signal(
                    "request.edit_of_person",
                    person,
                    "gate",
                    "The output answers an edit of a photo in which a real person was found.",
                    source="pre-check",
                    evidence=(Evidence(detail=f"pre-check {pre.get('decision_id')}"),),
                )
            )
        return carried, pre

    def _load_decision(self, decision_id: str) -> dict[str, Any]:
        if self.ledger is None:
            raise GateInputError("pre_check", "no ledger to look the pre-check up in")
        for entry in self.ledger.entries(kind="decision", subject_id=decision_id):
            payload: dict[str, Any] = dict(entry.payload)
            return payload
        raise GateInputError("pre_check", f"no recorded decision with id {decision_id!r}")

    def _decide(
        self,
        signals: list[Signal],
        context: Context,
        request_view: dict[str, Any],
        reports: Sequence[ImageReport],
        timings: dict[str, float],
        started: float,
    ) -> GateResult:
        decision = self.engine.decide(
            signals, context, request_fingerprint=fingerprint(request_view), timings_ms=timings
        )
        images = [
            {"source": r.source, **r.hashes.to_dict(), "width": r.width, "height": r.height}
            for r in reports
        ]
        for image in images:
            image.pop("dihedral", None)
        result = GateResult(decision, images)
        if self._append is not None:
            started_ledger = time.perf_counter()
            entry = self._append("decision", decision.ledger_payload(), decision.decision_id)
            result.ledger_seq = entry.seq
            decision.timings_ms["ledger"] = (time.perf_counter() - started_ledger) * 1000.0
        if self.evidence is not None and decision.action == "block":
            self.evidence.keep(decision, request_view, images)
        if decision.escalations and self.on_escalation is not None:
            self.on_escalation(decision)
        if decision.escalations and self._append is not None:
            for escalation in decision.escalations:
                self._append(
                    f"escalation.{escalation}",
                    {
                        "decision_id": decision.decision_id,
                        "categories": decision.categories,
                        "account": decision.account,
                        "jurisdiction": decision.jurisdiction,
                    },
                    decision.decision_id,
                )
        decision.timings_ms["total"] = (time.perf_counter() - started) * 1000.0
        return result


def _check_prompt(prompt: Any) -> str:
    if not isinstance(prompt, str):
        raise GateInputError("prompt", f"must be a string, not {type(prompt).__name__}")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise GateInputError("prompt", f"is longer than {MAX_PROMPT_CHARS} characters")
    if any(unicodedata.category(ch) == "Cs" for ch in prompt):
        raise GateInputError("prompt", "contains unpaired surrogate characters")
    return prompt


def _check_jurisdiction(code: str | None) -> str | None:
    if code is None or code == "":
        return None
    if (
        not isinstance(code, str)
        or not (2 <= len(code) <= 3)
        or not code.isalpha()
        or not code.isascii()
    ):
        raise GateInputError(
            "jurisdiction", f"must be a 2-3 letter code such as 'MY', not {code!r}"
        )
    return code.upper()


def _language(signals: Sequence[Signal]) -> str | None:
    for sig in signals:
        lang = sig.attributes.get("lang") if sig.attributes else None
        if isinstance(lang, str) and lang:
            return lang.split("-")[0]
    return None
