"""Statements of reasons (DSA Art 17, in the DSA Transparency Database's
field names) and the plain-language notices built from them.

:func:`statement_of_reasons` builds the JSON object for one decision on one
item; :func:`validate_statement` checks it against the database's field rules
(required fields, enumerations, lengths, the ``puid`` pattern) and returns a
list of problems, empty when valid. :func:`uploader_notice` and
:func:`reporter_notice` render what a person reads, in the case's language
where Perisai has the phrases (en, ms, id, zh, ta) and English otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from perisai.policy.dsa import DECISION_GROUNDS, KEYWORDS, STATEMENT_CATEGORIES

VISIBILITY = frozenset(
    "DECISION_VISIBILITY_" + v
    for v in (
        "CONTENT_REMOVED",
        "CONTENT_DISABLED",
        "CONTENT_DEMOTED",
        "CONTENT_AGE_RESTRICTED",
        "CONTENT_INTERACTION_RESTRICTED",
        "CONTENT_LABELLED",
        "OTHER",
    )
)
CONTENT_TYPES = frozenset(
    "CONTENT_TYPE_" + v
    for v in ("APP", "AUDIO", "IMAGE", "OTHER", "PRODUCT", "SYNTHETIC_MEDIA", "TEXT", "VIDEO")
)
SOURCE_TYPES = frozenset(
    {
        "SOURCE_ARTICLE_16",
        "SOURCE_TRUSTED_FLAGGER",
        "SOURCE_TYPE_OTHER_NOTIFICATION",
        "SOURCE_VOLUNTARY",
    }
)
AUTOMATED_DECISIONS = frozenset(
    {"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"}
)
YES_NO = frozenset({"Yes", "No"})
#: EU and EEA member states (territorial_scope values).
EEA_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "IS",
        "LI",
        "NO",
    ]
)
PUID = re.compile(r"^[A-Za-z0-9\-_]{1,500}$")
REQUIRED = (
    "decision_facts",
    "decision_ground",
    "category",
    "content_type",
    "content_date",
    "application_date",
    "puid",
    "source_type",
    "automated_detection",
    "automated_decision",
)
DECISION_FIELDS = (
    "decision_visibility",
    "decision_monetary",
    "decision_provision",
    "decision_account",
)
MAX_TEXT = 5000


@dataclass(frozen=True)
class DecisionFacts:
    """What a statement is about; built by the case service for one item."""

    puid: str
    action: str  # "remove" or "disable" (hidden pending a decision)
    category: str  # DSA STATEMENT_CATEGORY_*
    keywords: tuple[str, ...]
    decision_ground: str
    legal_ground: str
    explanation: str
    content_date: date
    application_date: date
    source_type: str
    automated_detection: bool
    automated_decision: str
    facts: str
    synthetic: bool
    territorial_scope: tuple[str, ...] = ()
    language: str | None = None


def statement_of_reasons(f: DecisionFacts) -> dict[str, Any]:
    visibility = (
        "DECISION_VISIBILITY_CONTENT_REMOVED"
        if f.action == "remove"
        else "DECISION_VISIBILITY_CONTENT_DISABLED"
    )
    out: dict[str, Any] = {
        "decision_visibility": [visibility],
        "decision_ground": f.decision_ground,
        "category": f.category,
        "category_specification": list(f.keywords),
        "content_type": ["CONTENT_TYPE_IMAGE"]
        + (["CONTENT_TYPE_SYNTHETIC_MEDIA"] if f.synthetic else []),
        "content_date": f.content_date.isoformat(),
        "application_date": f.application_date.isoformat(),
        "puid": f.puid,
        "source_type": f.source_type,
        "automated_detection": "Yes" if f.automated_detection else "No",
        "automated_decision": f.automated_decision,
        "decision_facts": f.facts[:MAX_TEXT],
    }
    if f.decision_ground == "DECISION_GROUND_ILLEGAL_CONTENT":
        out["illegal_content_legal_ground"] = f.legal_ground[:MAX_TEXT]
        out["illegal_content_explanation"] = f.explanation[:MAX_TEXT]
    else:
        out["incompatible_content_ground"] = f.legal_ground[:MAX_TEXT]
        out["incompatible_content_explanation"] = f.explanation[:MAX_TEXT]
        out["incompatible_content_illegal"] = "No"
    if f.territorial_scope:
        out["territorial_scope"] = sorted(f.territorial_scope)
    if f.language:
        out["content_language"] = f.language.upper()
    return out


def validate_statement(s: dict[str, Any]) -> list[str]:
    """Problems with a statement under the Transparency Database's rules."""
    problems: list[str] = []
    for name in REQUIRED:
        if s.get(name) in (None, "", []):
            problems.append(f"{name} is required")
    if not any(s.get(name) for name in DECISION_FIELDS):
        problems.append(f"at least one of {', '.join(DECISION_FIELDS)} is required")

    def enum_list(name: str, allowed: frozenset[str]) -> None:
        value = s.get(name)
        if value is None:
            return
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{name} must be a list of strings")
        elif bad := [v for v in value if v not in allowed][:5]:
            problems.append(f"{name} has unknown values {bad}")

    def enum_one(name: str, allowed: frozenset[str]) -> None:
        value = s.get(name)
        if value is not None and (not isinstance(value, str) or value not in allowed):
            problems.append(f"{name} must be one of {sorted(allowed)}, not {value!r:.80}")

    enum_list("decision_visibility", VISIBILITY)
    enum_list("content_type", CONTENT_TYPES)
    enum_list("category_specification", KEYWORDS)
    enum_list("territorial_scope", EEA_COUNTRIES)
    enum_one("decision_ground", DECISION_GROUNDS)
    enum_one("category", STATEMENT_CATEGORIES)
    enum_one("source_type", SOURCE_TYPES)
    enum_one("automated_detection", YES_NO)
    enum_one("automated_decision", AUTOMATED_DECISIONS)
    for name in (
        "decision_facts",
        "illegal_content_explanation",
        "illegal_content_legal_ground",
        "incompatible_content_explanation",
        "incompatible_content_ground",
    ):
        value = s.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
            problems.append(f"{name} must be a string of at most {MAX_TEXT} characters")
    for name in ("content_date", "application_date"):
        value = s.get(name)
        if value is not None:
            try:
                date.fromisoformat(str(value))
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
                    raise ValueError
            except ValueError:
                problems.append(f"{name} must be a date YYYY-MM-DD, not {value!r}")
    puid = s.get("puid")
    if puid is not None and (not isinstance(puid, str) or not PUID.fullmatch(puid)):
        problems.append("puid must be 1-500 characters from A-Z, a-z, 0-9, '-' and '_'")
    ground = s.get("decision_ground")
    if ground == "DECISION_GROUND_ILLEGAL_CONTENT":
        for name in ("illegal_content_legal_ground", "illegal_content_explanation"):
            if not s.get(name):
                problems.append(f"{name} is required when decision_ground is {ground}")
    elif ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        for name in ("incompatible_content_ground", "incompatible_content_explanation"):
            if not s.get(name):
                problems.append(f"{name} is required when decision_ground is {ground}")
        enum_one("incompatible_content_illegal", YES_NO)
    return problems


# -- plain-language notices -------------------------------------------------

LANGUAGES = ("en", "ms", "id", "zh", "ta")

PHRASES: dict[str, dict[str, str]] = {
    "removed": {
        "en": "Your post {item} has been removed.",
        "ms": "Hantaran anda {item} telah dialih keluar.",
        "id": "Postingan Anda {item} telah dihapus.",
        "zh": "您的内容 {item} 已被删除。",
        "ta": "உங்கள் பதிவு {item} நீக்கப்பட்டது.",
    },
    "hidden": {
        "en": "Your post {item} has been hidden while we review a report about it.",
        "ms": "Hantaran anda {item} telah disembunyikan semasa kami menyemak laporan mengenainya.",
        "id": "Postingan Anda {item} disembunyikan selama kami meninjau laporan tentangnya.",
        "zh": "在我们审核有关举报期间，您的内容 {item} 已被隐藏。",
        "ta": "உங்கள் பதிவு {item} குறித்த புகாரை நாங்கள் ஆய்வு செய்யும் வரை அது மறைக்கப்பட்டுள்ளது.",
    },
    "restored": {
        "en": "Your post {item} has been restored.",
        "ms": "Hantaran anda {item} telah dipulihkan.",
        "id": "Postingan Anda {item} telah dipulihkan.",
        "zh": "您的内容 {item} 已恢复。",
        "ta": "உங்கள் பதிவு {item} மீட்டமைக்கப்பட்டது.",
    },
    "appeal": {
        "en": "If you think this is wrong, you can appeal: quote item {item}.",
        "ms": "Jika anda rasa ini salah, anda boleh merayu: nyatakan item {item}.",
        "id": "Jika menurut Anda ini keliru, Anda dapat mengajukan banding: sebutkan item {item}.",
        "zh": "如果您认为这是错误的，可以提出申诉：请注明内容 {item}。",
        "ta": "இது தவறு என நீங்கள் கருதினால் மேல்முறையீடு செய்யலாம்: உருப்படி {item} ஐக் குறிப்பிடவும்.",
    },
    "outcome_removed": {
        "en": "We removed the content you reported (case {case}), and copies of it we found.",
        "ms": "Kami telah mengalih keluar kandungan yang anda laporkan (kes {case}) dan salinannya yang kami temui.",
        "id": "Kami telah menghapus konten yang Anda laporkan (kasus {case}) dan salinannya yang kami temukan.",
        "zh": "我们已删除您举报的内容（案件 {case}）及我们找到的副本。",
        "ta": "நீங்கள் புகாரளித்த உள்ளடக்கத்தையும் (வழக்கு {case}) நாங்கள் கண்ட அதன் நகல்களையும் நீக்கினோம்.",
    },
    "outcome_dismissed": {
        "en": "We reviewed the content you reported (case {case}) and did not remove it.",
        "ms": "Kami telah menyemak kandungan yang anda laporkan (kes {case}) dan tidak mengalih keluarnya.",
        "id": "Kami telah meninjau konten yang Anda laporkan (kasus {case}) dan tidak menghapusnya.",
        "zh": "我们审核了您举报的内容（案件 {case}），未将其删除。",
        "ta": "நீங்கள் புகாரளித்த உள்ளடக்கத்தை (வழக்கு {case}) ஆய்வு செய்தோம்; அதை நீக்கவில்லை.",
    },
    "outcome_restored": {
        "en": "After an appeal, the content in case {case} has been restored.",
        "ms": "Selepas rayuan, kandungan dalam kes {case} telah dipulihkan.",
        "id": "Setelah banding, konten dalam kasus {case} telah dipulihkan.",
        "zh": "经申诉，案件 {case} 中的内容已恢复。",
        "ta": "மேல்முறையீட்டுக்குப் பின், வழக்கு {case} இல் உள்ள உள்ளடக்கம் மீட்டமைக்கப்பட்டது.",
    },
    "reporter_appeal": {
        "en": "You can ask for this decision to be reviewed with your case number and PIN.",
        "ms": "Anda boleh meminta keputusan ini disemak semula dengan nombor kes dan PIN anda.",
        "id": "Anda dapat meminta peninjauan ulang keputusan ini dengan nomor kasus dan PIN Anda.",
        "zh": "您可以凭案件编号和 PIN 码申请复核此决定。",
        "ta": "உங்கள் வழக்கு எண் மற்றும் PIN மூலம் இந்த முடிவை மறுஆய்வு செய்யக் கோரலாம்.",
    },
}


def phrase(key: str, language: str, **values: str) -> str:
    table = PHRASES[key]
    return table.get(language, table["en"]).format(**values)


def uploader_notice(statement: dict[str, Any], item_id: str, language: str, title: str) -> str:
    """What the uploader reads: what happened, why, on what ground, whether a
    machine decided, and how to appeal."""
    removed = "DECISION_VISIBILITY_CONTENT_REMOVED" in statement["decision_visibility"]
    lines = [phrase("removed" if removed else "hidden", language, item=item_id)]
    ground = statement.get("illegal_content_legal_ground") or statement.get(
        "incompatible_content_ground", ""
    )
    why = statement.get("illegal_content_explanation") or statement.get(
        "incompatible_content_explanation", ""
    )
    lines.append(f"Reason: {title}. {why}".strip())
    lines.append(f"Ground: {ground}.")
    automated = {
        "AUTOMATED_DECISION_FULLY": "This decision was made automatically.",
        "AUTOMATED_DECISION_PARTIALLY": "Automated tools helped; a person decided.",
        "AUTOMATED_DECISION_NOT_AUTOMATED": "A person made this decision.",
    }[statement["automated_decision"]]
    detected = (
        "found by automated tools"
        if statement["automated_detection"] == "Yes"
        else ("reported to us")
    )
    lines.append(f"The content was {detected}. {automated}")
    lines.append(phrase("appeal", language, item=item_id))
    return "\n".join(lines)


def reporter_notice(case_number: str, outcome: str, language: str, copies: int = 0) -> str:
    key = {"removed": "outcome_removed", "dismissed": "outcome_dismissed"}.get(
        outcome, "outcome_restored"
    )
    lines = [phrase(key, language, case=case_number)]
    if outcome == "removed" and copies:
        lines.append(f"Copies removed: {copies}. Re-uploads of this image are now blocked.")
    lines.append(phrase("reporter_appeal", language))
    return "\n".join(lines)
