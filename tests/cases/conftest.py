"""Fixtures for the cases tests: a case service on a fresh SQLite database
with a clock the test moves, and benign images (scikit-image samples) with
near-copies (re-encoded JPEG, resized)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from perisai.banks import BankService
from perisai.cases import CaseService, SqlitePlatform
from perisai.gate.evidence import load_or_create_key
from perisai.runtime import Runtime


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


@pytest.fixture(scope="session")
def images() -> dict[str, bytes]:
    return {
        "astronaut": jpeg(skdata.astronaut()),
        "astronaut_q60": jpeg(skdata.astronaut(), quality=60),
        "astronaut_half": jpeg(skdata.astronaut(), scale=0.5),
        "coffee": jpeg(skdata.coffee()),
        "chelsea": jpeg(skdata.chelsea()),
        "rocket": jpeg(skdata.rocket()),
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(runtime: Runtime, clock: FakeClock) -> Iterator[CaseService]:
    banks = BankService(runtime.db, clock=clock)
    svc = CaseService(
        runtime.db,
        runtime.policy,
        runtime.ledger,
        banks,
        SqlitePlatform(runtime.db, clock=clock),
        load_or_create_key(runtime.settings.data_dir / "cases.key"),
        clock=clock,
        pin_cost=2**10,
    )
    yield svc


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
