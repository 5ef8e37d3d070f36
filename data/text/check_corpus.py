"""Validate the team's multilingual prompt corpus (data/text/corpus/*.jsonl).

Stdlib only, so it runs anywhere: ``python data/text/check_corpus.py [CORPUS_DIR]``.

Checks every row against data/text/README.md / notes CORPUS_SCHEMA:
fields and types, label derivation, id uniqueness across all files, id prefix
``<lang>-<kind>-``, lang equal to the file name, one split per family (across all
files), and one label vector per distinct text (the same text with two different
labellings is a contradiction a model cannot learn from). Problems are printed as
``file:line: message`` and make the exit status 1. Warnings (exit status unchanged)
cover things worth a look but not wrong in themselves: the same text twice with the
same labels, a family not prefixed with its language, a test share far from 30 %, a
train family with a row close to a test row (see ``NEAR_TEST_JACCARD``).

At the end it prints row counts per lang x label x split x kind, and per lang x topic
flag, so a reviewer can see the mix at a glance.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

LABEL_KEYS = ("sexual", "undress_or_sexualise", "sexual_violence", "minor", "real_person")
UNSAFE_KEYS = ("sexual", "undress_or_sexualise", "sexual_violence")
REQUIRED_FIELDS = ("id", "text", "lang", "kind", "labels", "label", "family", "split")
OPTIONAL_FIELDS = ("note",)
KINDS = ("edit", "generate")
SPLITS = ("train", "test")
LABELS = ("benign", "unsafe_sexual")
# ISO 639-1 code, optionally code-mixed with a second one: "ms", "ms-en", "zh".
LANG_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]{2})?$")
ID_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]{2})?-(edit|generate)-[a-z0-9]+(-[a-z0-9]+)*-\d+$")
MAX_TEXT_CHARS = 2000
TEST_SHARE_WARN_LOW = 0.2
TEST_SHARE_WARN_HIGH = 0.4
# A train family with a row this close to a test row of its language (Jaccard
# similarity of character trigrams, spaces and punctuation removed) paraphrases
# that test row: a warning, because short edit instructions also collide by chance.
NEAR_TEST_JACCARD = 0.5


@dataclass
class Report:
    """Problems (fatal) and warnings collected while reading the corpus."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(f"{where}: {message}")


@dataclass(frozen=True)
class Row:
    """One validated corpus row, kept for the cross-file checks and the counts."""

    where: str
    row_id: str
    text: str
    lang: str
    kind: str
    labels: tuple[int, ...]
    label: str
    family: str
    split: str


def derived_label(labels: dict[str, int]) -> str:
    return "unsafe_sexual" if any(labels[key] for key in UNSAFE_KEYS) else "benign"


def normalised_text(text: str) -> str:
    """Text as compared for duplicates: NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def check_labels(value: object, where: str, report: Report) -> dict[str, int] | None:
    if not isinstance(value, dict):
        report.problem(where, f"labels must be an object, got {type(value).__name__}")
        return None
    missing = [key for key in LABEL_KEYS if key not in value]
    extra = [key for key in value if key not in LABEL_KEYS]
    if missing:
        report.problem(where, f"labels missing keys {missing}")
    if extra:
        report.problem(where, f"labels has unknown keys {extra}")
    ok = not missing and not extra
    for key in LABEL_KEYS:
        flag = value.get(key)
        # bool is a subclass of int: reject true/false so every file stays uniform.
        if key in value and (type(flag) is not int or flag not in (0, 1)):
            report.problem(where, f"labels.{key} must be 0 or 1, got {flag!r}")
            ok = False
    return {key: int(value[key]) for key in LABEL_KEYS} if ok else None


def check_row(obj: object, lang_of_file: str, where: str, report: Report) -> Row | None:
    if not isinstance(obj, dict):
        report.problem(where, f"row must be a JSON object, got {type(obj).__name__}")
        return None
    missing = [name for name in REQUIRED_FIELDS if name not in obj]
    extra = [name for name in obj if name not in REQUIRED_FIELDS + OPTIONAL_FIELDS]
    if missing:
        report.problem(where, f"missing fields {missing}")
        return None
    if extra:
        report.problem(where, f"unknown fields {extra}")
    for name in ("id", "text", "lang", "kind", "label", "family", "split"):
        if not isinstance(obj[name], str):
            report.problem(where, f"{name} must be a string, got {type(obj[name]).__name__}")
            return None
    if "note" in obj and not isinstance(obj["note"], str):
        report.problem(where, "note must be a string when present")
    text: str = obj["text"]
    if not text.strip():
        report.problem(where, "text is empty")
    elif text != text.strip():
        report.problem(where, "text has leading or trailing whitespace")
    if len(text) > MAX_TEXT_CHARS:
        report.problem(where, f"text longer than {MAX_TEXT_CHARS} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        report.problem(where, "text contains control characters (newline, tab, ...)")
    lang: str = obj["lang"]
    if not LANG_PATTERN.match(lang):
        report.problem(where, f"lang {lang!r} is not an ISO 639-1 code or code-mix like 'ms-en'")
    if lang != lang_of_file:
        report.problem(where, f"lang {lang!r} does not match file name {lang_of_file!r}")
    kind: str = obj["kind"]
    if kind not in KINDS:
        report.problem(where, f"kind {kind!r} not one of {KINDS}")
    split: str = obj["split"]
    if split not in SPLITS:
        report.problem(where, f"split {split!r} not one of {SPLITS}")
    row_id: str = obj["id"]
    if not ID_PATTERN.match(row_id):
        report.problem(where, f"id {row_id!r} is not <lang>-<kind>-<topic>-<n>")
    elif not row_id.startswith(f"{lang}-{kind}-"):
        report.problem(where, f"id {row_id!r} does not start with '{lang}-{kind}-'")
    family: str = obj["family"]
    if not family.strip():
        report.problem(where, "family is empty")
    elif not family.startswith(f"{lang}-"):
        report.warn(where, f"family {family!r} is not prefixed with '{lang}-'")
    labels = check_labels(obj["labels"], where, report)
    if labels is None:
        return None
    label: str = obj["label"]
    if label not in LABELS:
        report.problem(where, f"label {label!r} not one of {LABELS}")
    elif label != derived_label(labels):
        report.problem(where, f"label {label!r} but labels derive {derived_label(labels)!r}")
    return Row(
        where=where,
        row_id=row_id,
        text=text,
        lang=lang,
        kind=kind,
        labels=tuple(labels[key] for key in LABEL_KEYS),
        label=label,
        family=family,
        split=split,
    )


def read_file(path: Path, report: Report) -> list[Row]:
    rows: list[Row] = []
    try:
        content = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        report.problem(str(path), f"not valid UTF-8 ({error})")
        return rows
    if content.startswith("\ufeff"):
        report.problem(f"{path}:1", "file starts with a byte-order mark")
    lang_of_file = path.name.removesuffix(".jsonl")
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        where = f"{path}:{number}"
        if not line.strip():
            report.problem(where, "blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            report.problem(where, f"malformed JSON ({error.msg} at column {error.colno})")
            continue
        row = check_row(obj, lang_of_file, where, report)
        if row is not None:
            rows.append(row)
    if not rows:
        report.warn(str(path), "no valid rows")
    return rows


def check_across(rows: list[Row], report: Report) -> None:
    first_id: dict[str, str] = {}
    family_split: dict[str, tuple[str, str]] = {}
    text_labels: dict[tuple[str, str], tuple[tuple[int, ...], str]] = {}
    for row in rows:
        if row.row_id in first_id:
            report.problem(row.where, f"id {row.row_id!r} already used at {first_id[row.row_id]}")
        else:
            first_id[row.row_id] = row.where
        seen_split = family_split.setdefault(row.family, (row.split, row.where))
        if seen_split[0] != row.split:
            report.problem(
                row.where,
                f"family {row.family!r} is in {row.split!r} here but {seen_split[0]!r} "
                f"at {seen_split[1]}",
            )
        key = (row.kind, normalised_text(row.text))
        seen = text_labels.setdefault(key, (row.labels, row.where))
        if seen[1] != row.where:
            if seen[0] != row.labels:
                report.problem(row.where, f"same text as {seen[1]} but different labels")
            else:
                report.warn(row.where, f"duplicate text of {seen[1]}")


def check_test_share(rows: list[Row], report: Report) -> None:
    families_by_lang: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows:
        families_by_lang[row.lang][row.family] = row.split
    for lang, families in sorted(families_by_lang.items()):
        share = sum(split == "test" for split in families.values()) / len(families)
        if not TEST_SHARE_WARN_LOW <= share <= TEST_SHARE_WARN_HIGH:
            report.warn(lang, f"{share:.0%} of {len(families)} families are test (aim ~30%)")


def _trigrams(text: str) -> frozenset[str]:
    squashed = "".join(
        ch
        for ch in normalised_text(text)
        if not (ch.isspace() or unicodedata.category(ch)[0] == "P")
    )
    return frozenset(squashed[i : i + 3] for i in range(max(1, len(squashed) - 2)))


def check_near_test(rows: list[Row], report: Report) -> None:
    """Warn once per train family that has a row near a test row of the same language."""
    test_grams: dict[str, list[tuple[frozenset[str], str]]] = defaultdict(list)
    for row in rows:
        if row.split == "test":
            test_grams[row.lang].append((_trigrams(row.text), row.row_id))
    warned: set[str] = set()
    for row in rows:
        if row.split != "train" or row.family in warned:
            continue
        grams = _trigrams(row.text)
        for other, other_id in test_grams[row.lang]:
            if len(grams & other) >= NEAR_TEST_JACCARD * len(grams | other):
                report.warn(row.where, f"train family {row.family!r} is near test row {other_id}")
                warned.add(row.family)
                break


def print_counts(rows: list[Row]) -> None:
    by_cell: Counter[tuple[str, str, str, str]] = Counter(
        (row.lang, row.label, row.split, row.kind) for row in rows
    )
    print(f"{'lang':<6} {'label':<14} {'split':<6} {'kind':<9} rows")
    for (lang, label, split, kind), count in sorted(by_cell.items()):
        print(f"{lang:<6} {label:<14} {split:<6} {kind:<9} {count}")
    print()
    header = " ".join(f"{key[:10]:>10}" for key in LABEL_KEYS)
    print(f"{'lang':<6} {'rows':>5} {'families':>8} {'test%':>6} {'unsafe':>6} {header}")
    langs = sorted({row.lang for row in rows})
    for lang in langs:
        of_lang = [row for row in rows if row.lang == lang]
        families = {row.family: row.split for row in of_lang}
        test_share = sum(split == "test" for split in families.values()) / len(families)
        unsafe = sum(row.label == "unsafe_sexual" for row in of_lang)
        flags = " ".join(
            f"{sum(row.labels[i] for row in of_lang):>10}" for i in range(len(LABEL_KEYS))
        )
        print(
            f"{lang:<6} {len(of_lang):>5} {len(families):>8} {test_share:>6.0%} {unsafe:>6} {flags}"
        )
    print(f"{'all':<6} {len(rows):>5} {len({row.family for row in rows}):>8}")


def main(argv: list[str]) -> int:
    corpus_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "corpus"
    paths = sorted(corpus_dir.glob("*.jsonl"))
    if not paths:
        print(f"no *.jsonl files in {corpus_dir}", file=sys.stderr)
        return 1
    report = Report()
    rows: list[Row] = []
    for path in paths:
        rows.extend(read_file(path, report))
    check_across(rows, report)
    check_test_share(rows, report)
    check_near_test(rows, report)
    print_counts(rows)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for problem in report.problems:
        print(f"error: {problem}", file=sys.stderr)
    summary = f"{len(paths)} files, {len(rows)} rows, {len(report.problems)} problems"
    print(f"\n{summary}, {len(report.warnings)} warnings")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
