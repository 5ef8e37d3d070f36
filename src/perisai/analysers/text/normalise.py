"""Undo the tricks people use to slip words past a filter, remembering where
every character came from.

Each step maps a list of :class:`Char` (a character plus the span of the
ORIGINAL text it came from) to a new list, so any span found in the
normalised text can be reported against the text the user typed.

Steps, in order:

1. drop zero-width, format and control characters (U+200B, U+FEFF, soft
   hyphen, bidi marks, variation selectors);
2. NFKC per character (fullwidth ``ｂｉｋｉｎｉ``, math bold, circled letters,
   ligatures) and casefold;
3. drop combining marks stacked on Latin/Greek/Cyrillic letters (Zalgo), and
   optionally strip Latin accents (``nüde`` -> ``nude``), keeping the marks that
   Indic, Thai and other scripts need;
4. emoji stand-ins become words (``👙`` -> ``bikini``);
5. map Cyrillic/Greek homoglyphs to Latin inside words that mix scripts or in
   texts that are mostly Latin;
6. leetspeak inside mixed letter/digit tokens (``b1k1n1``, ``n@ked``, ``г0лая``),
   but not ages or units (``12yo``, ``4k``, ``1girl``, ``13-jährige``) nor numbers next to
   Han, kana, Hangul, Thai, Indic or Arabic letters (``12岁``, ``12살``);
7. join letters split by separators (``p u t``, ``n.a.k.e.d``, ``und.ress``);
8. squash runs of three or more identical characters to two; collapse
   whitespace.

The normaliser never raises on any ``str``; output offsets are always valid
indices into the input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

MAX_INPUT_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Char:
    ch: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Normalised:
    """Normalised text with, for each of its characters, the original span."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of :attr:`text` to the original text."""
        if not self.text or end <= start:
            return (0, 0)
        start = max(0, min(start, len(self.text) - 1))
        end = max(start + 1, min(end, len(self.text)))
        return (self.starts[start], self.ends[end - 1])


# Zero-width and invisible characters that are not category Cf.
_INVISIBLE = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u034f", "\u180e"}

# Blocks of combining marks used generically (Zalgo); marks elsewhere belong to a script.
_GENERIC_COMBINING = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)

EMOJI_WORDS: dict[str, str] = {
    "👙": "bikini",
    "🩱": "swimsuit",
    "🩲": "underwear",
    "👘": "robe",
    "👗": "dress",
    "👚": "top",
    "👕": "shirt",
    "🍑": "butt",
    "🍆": "penis",
    "🌭": "penis",
    "🍒": "breasts",
    "🍈": "breasts",
    "🥥": "breasts",
    "🍌": "penis",
    "💦": "wet",
    "👅": "tongue",
    "🫦": "seductive",
    "👄": "lips",
    "🥵": "hot",
    "🔞": "nsfw",
    "🍼": "baby",
    "👶": "baby",
    "🧒": "child",
    "👧": "little girl",
    "👦": "little boy",
    "🏫": "school",
    "🎒": "schoolbag",
    "⛓": "chains",
    "🔗": "chain",
    "🪢": "rope",
    "🩸": "blood",
    "🔪": "knife",
    "🙈": "",
    "🚫": "no",
    "❌": "no",
    "➖": "remove",
    "🍯": "honey",
    "😈": "naughty",
    "🛏": "bed",
    "🛌": "in bed",
    "🚿": "shower",
    "🛁": "bath",
    "🤰": "pregnant",
    "🤤": "drool",
    "😏": "smirk",
    "💋": "kiss",
    "👀": "look",
}

# Latin lookalikes from Cyrillic and Greek (lowercase; text is casefolded first).
HOMOGLYPHS: dict[str, str] = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ɑ": "a", "ı": "i",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ѵ": "v", "ɩ": "i",
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r",
    "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
}  # fmt: skip

LEET: dict[str, str] = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e", "£": "l", "¡": "i",
}  # fmt: skip

# Inside an all-Cyrillic word digits stand for Cyrillic letters ("г0лая" -> "голая").
LEET_CYRILLIC: dict[str, str] = {
    "0": "о", "3": "з", "4": "ч", "6": "б", "@": "а", "$": "с",
}  # fmt: skip

_LEET_SYMBOLS = frozenset("@$!|+€£¡")
# Letters at or past this code point (Armenian onwards: Han, kana, Hangul, Thai,
# Indic, Arabic...) are scripts that leetspeak is not written in.
_LEET_SCRIPTS_END = 0x0530
# Tokens that are a number followed by a unit are kept as written (ages, sizes, resolutions).
_NUMBER_UNIT = re.compile(
    r"^\d+(?:[.,]\d+)?(?:yo|y|yr|yrs|yrsold|th|st|nd|rd|s|k|p|d|mm|cm|m|km|kg|x|am|pm|fps|hp|"
    r"ml|in|ft|mp|gb|mb|ghz|v|w|h|min|sec|tahun|thn|ans|anos|años|jahre|saal|sai|vo|ya)?$"
)
_DIGIT_PREFIX_WORD = re.compile(r"^\d+[^\W\d_]{3,}$")
_NUMBER_COMPOUND = re.compile(r"^(\d+)[-\u2010\u2011\u2013][^\W\d_]{2,}")
_SEPARATORS = frozenset(" .-_*·•~/\\'`^,:;")


def _is_latin_letter(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("\u00c0" <= ch <= "\u024f") or ("\u1e00" <= ch <= "\u1eff")


def _is_cyrillic_or_greek(ch: str) -> bool:
    return "\u0370" <= ch <= "\u03ff" or "\u0400" <= ch <= "\u052f" or ch in HOMOGLYPHS


def _is_generic_combining(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _GENERIC_COMBINING)


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).casefold()


@lru_cache(maxsize=8192)
def _strip_latin_accent(ch: str) -> str:
    if ch.isascii() or not _is_latin_letter(ch):
        return ch
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    special = {"ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "œ": "oe", "ı": "i"}
    return special.get(ch, base or ch)


def _step_fold(text: str, strip_accents: bool) -> list[Char]:
    out: list[Char] = []
    for i, ch in enumerate(text):
        cp = ord(ch)
        if ch in "\t\n\r\v\f":
            out.append(Char(" ", i, i + 1))
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Cc", "Cs", "Co", "Cn") or ch in _INVISIBLE:
            continue
        if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
            continue
        emoji_word = EMOJI_WORDS.get(ch)
        if emoji_word is not None:
            if emoji_word:
                for c in f" {emoji_word} ":
                    out.append(Char(c, i, i + 1))
            continue
        if cat in ("Mn", "Me"):
            prev = out[-1].ch if out else " "
            if _is_generic_combining(cp) or _is_latin_letter(prev) or _is_cyrillic_or_greek(prev):
                continue
            out.append(Char(ch, i, i + 1))
            continue
        folded = _fold_char(ch)
        for c in folded:
            if unicodedata.combining(c) and _is_generic_combining(ord(c)):
                continue
            if strip_accents:
                for s in _strip_latin_accent(c):
                    out.append(Char(s, i, i + 1))
            else:
                out.append(Char(c, i, i + 1))
    return out


def _runs(chars: list[Char], ends_run: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Index ranges of maximal runs of characters that do not end a run."""
    spans: list[tuple[int, int]] = []
    start = -1
    for idx, c in enumerate(chars):
        if ends_run(c.ch):
            if start >= 0:
                spans.append((start, idx))
                start = -1
        elif start < 0:
            start = idx
    if start >= 0:
        spans.append((start, len(chars)))
    return spans


def _tokens(chars: list[Char]) -> list[tuple[int, int]]:
    """Index ranges of maximal runs of non-space characters."""
    return _runs(chars, str.isspace)


def _step_homoglyphs(chars: list[Char]) -> list[Char]:
    latin = sum(1 for c in chars if "a" <= c.ch <= "z")
    other = sum(1 for c in chars if "\u0370" <= c.ch <= "\u052f")
    mostly_latin = latin > 2 * other
    out = list(chars)
    for a, b in _tokens(chars):
        word = [c.ch for c in chars[a:b]]
        has_latin = any("a" <= ch <= "z" for ch in word)
        has_lookalike = any(ch in HOMOGLYPHS for ch in word)
        if not has_lookalike:
            continue
        all_lookalike = all(ch in HOMOGLYPHS or not ch.isalpha() for ch in word)
        if has_latin or (mostly_latin and all_lookalike):
            for k in range(a, b):
                mapped = HOMOGLYPHS.get(chars[k].ch)
                if mapped is not None:
                    out[k] = Char(mapped, chars[k].start, chars[k].end)
    return out


def _leet_runs(chars: list[Char]) -> list[tuple[int, int]]:
    """Runs of non-space characters that leetspeak can live in.

    Leetspeak writes Latin (or Cyrillic) words; beside Han, kana, Hangul, Thai,
    Indic or Arabic letters a digit is a number, so those letters end a run
    ("他70岁" keeps its age, "给她穿b1k1n1" still yields "bikini").
    """
    return _runs(chars, lambda ch: ch.isspace() or (ch.isalpha() and ord(ch) >= _LEET_SCRIPTS_END))


def _step_leet(chars: list[Char]) -> list[Char]:
    out = list(chars)
    for a, b in _leet_runs(chars):
        word = "".join(c.ch for c in chars[a:b])
        core = word.strip(".,;:?!\"'()[]{}")
        if not core or not any(ch.isalpha() for ch in core):
            continue
        if not any(ch.isdigit() or ch in _LEET_SYMBOLS for ch in core):
            continue
        if _NUMBER_UNIT.match(core) or _DIGIT_PREFIX_WORD.match(core):
            continue
        if core.startswith("@"):  # a handle: keep it as written
            continue
        cyrillic = any("\u0400" <= ch <= "\u052f" for ch in core) and not any(
            "a" <= ch <= "z" for ch in core
        )
        table = LEET_CYRILLIC if cyrillic else LEET
        lead = word.find(core)
        compound = _NUMBER_COMPOUND.match(core)  # "13-jährige", "14-yo": the number stays
        first = a + lead + (len(compound.group(1)) if compound else 0)
        for k in range(first, a + lead + len(core)):
            mapped = table.get(chars[k].ch)
            if mapped is None:
                continue
            # A symbol only counts as a letter when letters surround it (keeps "wow!" as is).
            if chars[k].ch in _LEET_SYMBOLS:
                left = chars[k - 1].ch if k > a else " "
                right = chars[k + 1].ch if k + 1 < b else " "
                if not (left.isalnum() and right.isalnum()):
                    continue
            out[k] = Char(mapped, chars[k].start, chars[k].end)
    return out


def _is_word_letter(ch: str) -> bool:
    return ch.isalpha() and ch.isascii()


def _step_join_separated(chars: list[Char]) -> list[Char]:
    """Join ``p u t`` / ``n.a.k.e.d`` (runs of >= 3 single letters) and ``und.ress``."""
    n = len(chars)
    drop = [False] * n
    i = 0
    while i < n:
        if _is_word_letter(chars[i].ch) and (i == 0 or not chars[i - 1].ch.isalnum()):
            # Walk letter, separator(s), letter, ... where each letter stands alone.
            letters = [i]
            j = i + 1
            while j < n:
                k = j
                while k < n and chars[k].ch in _SEPARATORS and k - j < 3:
                    k += 1
                if k == j or k >= n or not _is_word_letter(chars[k].ch):
                    break
                if k + 1 < n and chars[k + 1].ch.isalnum():
                    # next piece is a longer word; allow the run to end with it ("n u d.e")
                    break
                letters.append(k)
                j = k + 1
            if len(letters) >= 3:
                for idx in range(letters[0], letters[-1] + 1):
                    if idx not in letters:
                        drop[idx] = True
                i = letters[-1] + 1
                continue
        i += 1
    # "und.ress", "n-ude", "se*x": one inner punctuation mark between letters.
    protected = [False] * n
    for a, b in _tokens(chars):
        if chars[a].ch == "@" or "".join(c.ch for c in chars[a : min(b, a + 4)]) in (
            "http",
            "www.",
        ):
            for k in range(a, b):
                protected[k] = True
    for k in range(1, n - 1):
        if drop[k] or protected[k]:
            continue
        ch = chars[k].ch
        if (
            ch in ".*_·•~^'`"
            and _is_word_letter(chars[k - 1].ch)
            and _is_word_letter(chars[k + 1].ch)
        ):
            drop[k] = True
    return [c for c, d in zip(chars, drop, strict=True) if not d]


def _step_squash(chars: list[Char]) -> list[Char]:
    out: list[Char] = []
    for c in chars:
        if c.ch.isspace():
            if not out or out[-1].ch == " ":
                continue
            out.append(Char(" ", c.start, c.end))
            continue
        if len(out) >= 2 and out[-1].ch == c.ch and out[-2].ch == c.ch and not c.ch.isdigit():
            continue
        out.append(c)
    while out and out[-1].ch == " ":
        out.pop()
    return out


def normalise(text: str, strip_accents: bool = True) -> Normalised:
    """Normalise ``text`` for matching and classification (see module docstring)."""
    if not isinstance(text, str):
        raise TypeError(f"normalise() needs a str, got {type(text).__name__}")
    clipped = text[:MAX_INPUT_CHARS]
    chars = _step_fold(clipped, strip_accents)
    chars = _step_homoglyphs(chars)
    chars = _step_leet(chars)
    chars = _step_join_separated(chars)
    chars = _step_squash(chars)
    return Normalised(
        original=text,
        text="".join(c.ch for c in chars),
        starts=tuple(c.start for c in chars),
        ends=tuple(c.end for c in chars),
    )
