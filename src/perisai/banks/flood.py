"""Flood guard: quarantine a hash whose matches spike.

A hash that suddenly matches far more than it used to is more likely a bad
entry (a logo, a meme template, a blank frame) than a wave of abuse:
HMA's users saw StopNCII hashes match unrelated content. A bank may set a
limit of ``max_matches`` in a fixed window of ``window_seconds``; the match
that crosses it quarantines the hash, which stops matching until a person
reviews and releases it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from perisai.banks.models import Bank


def count(
    max_matches: int | None,
    window_seconds: int | None,
    started: datetime | None,
    in_window: int,
    new_matches: int,
    now: datetime,
) -> tuple[datetime, int, bool]:
    """The window start, the matches in it after ``new_matches``, and whether
    the limit is now exceeded."""
    if (
        started is None
        or window_seconds is None
        or now - started >= timedelta(seconds=window_seconds)
    ):
        started, in_window = now, 0
    in_window += new_matches
    tripped = max_matches is not None and in_window > max_matches
    return started, in_window, tripped


def reason(bank: Bank, in_window: int) -> str:
    return (
        f"flood guard: {in_window} matches within {bank.flood_window_seconds} s "
        f"(limit {bank.flood_max_matches}); review, then release or withdraw"
    )
