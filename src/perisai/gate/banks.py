"""Bank matches as signals: the gate's view of the hash banks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from perisai.signals.base import Evidence, Signal

if TYPE_CHECKING:
    from perisai.analysers.image.hashes import ImageHashes
    from perisai.banks.service import BankService


def bank_matcher(banks: BankService) -> Callable[[ImageHashes], list[Signal]]:
    """A function from an image's hashes to ``bank.match`` signals.

    PDQ is queried with all eight dihedral variants (flipped and rotated
    copies; a bank with ``match_dihedral`` off counts only the first), MD5
    exactly. A match scores from 0.5 (at the bank's distance
    limit) to 1.0 (identical), so any match within a bank's distance reaches
    the default policy's block threshold.
    """
    from perisai.banks.models import MatchQuery

    def match(hashes: ImageHashes) -> list[Signal]:
        queries = [
            MatchQuery(
                "pdq", hashes.pdq, quality=hashes.quality, variants=tuple(hashes.dihedral[1:])
            ),
            MatchQuery("md5", hashes.md5),
        ]
        signals = []
        for result in banks.match(queries):
            for m in result.matches:
                score = 1.0 - 0.5 * m.distance / (m.threshold + 1) if m.threshold else 1.0
                signals.append(
                    Signal(
                        "bank.match",
                        score,
                        "banks",
                        f"Matches a hash in bank '{m.bank}' ({m.bank_provenance}) at distance {m.distance}.",
                        evidence=(
                            Evidence(
                                detail=f"bank={m.bank} hash_id={m.hash_id} signal={m.signal_type} "
                                f"distance={m.distance}/{m.threshold} variant={m.variant}"
                            ),
                        ),
                        attributes={"bank": m.bank, "hash_id": m.hash_id, "distance": m.distance},
                    )
                )
        return signals

    return match
