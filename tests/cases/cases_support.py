"""Helpers for the cases tests: a clock the test moves, JPEG encoding of
benign sample images, and a valid NCII report body."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import numpy as np
from PIL import Image


class FakeClock:
    """A clock tests move by hand (time itself, not a stubbed result)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


def jpeg(pixels: np.ndarray, quality: int = 92, scale: float = 1.0) -> bytes:
    image = Image.fromarray(pixels).convert("RGB")
    if scale != 1.0:
        image = image.resize((int(image.width * scale), int(image.height * scale)))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def ncii_report(item_url: str, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "reason": "intimate_image_of_me",
        "reporter_role": "depicted_person",
        "content_urls": [item_url],
        "explanation": "This is an intimate photo of me posted without my consent.",
        "name": "Aisyah Rahman",
        "email": "aisyah@example.org",
        "country": "MY",
        "language": "ms",
        "good_faith": True,
        "signature": "Aisyah Rahman",
    }
    body.update(overrides)
    return body
